import type { AggregateOp } from './ast.ts';
import { execError } from './errors.ts';
import { type Labels, labelsKey, METRIC_NAME } from './labels.ts';
import { formatValue } from './literals.ts';
import { quantile } from './range-functions.ts';
import type { Sample } from './values.ts';

interface Group {
  labels: Labels;
  count: number;
  value: number;
  mean: number;
  samples: Sample[];
}

function groupLabels(l: Labels, grouping: readonly string[], without: boolean): Labels {
  const out: Labels = {};
  if (without) {
    for (const [k, v] of Object.entries(l)) if (k !== METRIC_NAME && !grouping.includes(k)) out[k] = v;
  } else {
    for (const k of grouping) {
      const v = l[k];
      if (v !== undefined && v !== '') out[k] = v;
    }
  }
  return out;
}

/** Aggregation operators with by/without, following Prometheus 2.42's aggregation(). */
export function aggregate(
  op: AggregateOp,
  input: Sample[],
  grouping: readonly string[],
  without: boolean,
  param: number | string | undefined,
): Sample[] {
  let samples = input;
  let groupBy = grouping;
  if (op === 'count_values') {
    const label = param as string;
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) throw execError(`invalid label name "${label}"`);
    // count_values groups by the value as a new label, then counts.
    samples = input.map((s) => ({ labels: { ...s.labels, [label]: formatValue(s.v) }, v: s.v }));
    groupBy = without ? grouping.filter((g) => g !== label) : [...grouping, label];
  }
  const groups = new Map<string, Group>();
  for (const s of samples) {
    const labels = groupLabels(s.labels, groupBy, without);
    const key = labelsKey(labels);
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { labels, count: 1, value: s.v, mean: s.v, samples: [s] });
      continue;
    }
    g.count++;
    switch (op) {
      case 'sum':
        g.value += s.v;
        break;
      case 'avg':
        if (!Number.isFinite(g.mean) && !Number.isNaN(g.mean)) {
          if (!Number.isFinite(s.v) && !Number.isNaN(s.v) && g.mean > 0 === s.v > 0) break;
          if (Number.isFinite(s.v)) break;
        }
        g.mean += s.v / g.count - g.mean / g.count;
        break;
      case 'max':
        if (g.value < s.v || Number.isNaN(g.value)) g.value = s.v;
        break;
      case 'min':
        if (g.value > s.v || Number.isNaN(g.value)) g.value = s.v;
        break;
      case 'stddev':
      case 'stdvar': {
        // Welford: `value` accumulates the squared deviations.
        if (g.count === 2) g.value = 0;
        const delta = s.v - g.mean;
        g.mean += delta / g.count;
        g.value += delta * (s.v - g.mean);
        break;
      }
      default:
        g.samples.push(s);
    }
  }
  const out: Sample[] = [];
  for (const g of groups.values()) {
    switch (op) {
      case 'sum':
      case 'min':
      case 'max':
        out.push({ labels: g.labels, v: g.value });
        break;
      case 'avg':
        out.push({ labels: g.labels, v: g.mean });
        break;
      case 'count':
      case 'count_values':
        out.push({ labels: g.labels, v: g.count });
        break;
      case 'group':
        out.push({ labels: g.labels, v: 1 });
        break;
      case 'stdvar':
        out.push({ labels: g.labels, v: g.count === 1 ? 0 : g.value / g.count });
        break;
      case 'stddev':
        out.push({ labels: g.labels, v: g.count === 1 ? 0 : Math.sqrt(g.value / g.count) });
        break;
      case 'quantile':
        out.push({
          labels: g.labels,
          v: quantile(
            param as number,
            g.samples.map((s) => s.v),
          ),
        });
        break;
      case 'topk':
      case 'bottomk':
        out.push(...topK(g.samples, param as number, op === 'topk'));
        break;
    }
  }
  return out;
}

function topK(samples: Sample[], kParam: number, top: boolean): Sample[] {
  const k = Math.trunc(kParam);
  if (!(k >= 1)) return [];
  // NaN ranks last either way, as in Prometheus' heaps.
  const sorted = [...samples].sort((a, b) => {
    if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : 1;
    if (Number.isNaN(b.v)) return -1;
    return top ? b.v - a.v : a.v - b.v;
  });
  return sorted.slice(0, k).map((s) => ({ labels: s.labels, v: s.v }));
}
