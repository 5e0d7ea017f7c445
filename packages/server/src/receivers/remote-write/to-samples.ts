import type { MetricMetadata, MetricSample, MetricType } from '@stellwerk/contracts';
import type { RemoteWriteLabel, WriteRequest } from './write-request.ts';

/** Index = the remote-write MetricType enum number. */
const METRIC_TYPES: readonly MetricType[] = [
  'unknown',
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'info',
  'stateset',
];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export interface ConvertedWrite {
  samples: MetricSample[];
  metadata: MetricMetadata[];
  /** Series or metadata entries that could not be mapped, in request order. */
  problems: string[];
  /** Samples lost with the series in `problems`. */
  droppedSamples: number;
  /** Native histogram samples (TimeSeries.histograms), not stored. */
  histograms: number;
  /** Exemplars (TimeSeries.exemplars), not stored. */
  exemplars: number;
}

interface MappedLabels {
  metric: string | undefined;
  labels: Record<string, string>;
  problem: string | null;
}

/**
 * Mappings of label lists shared across requests (LabelSetCache): the same labels object
 * for the same series, request after request, is what lets later stages cache by identity.
 */
const mappedShared = new WeakMap<RemoteWriteLabel[], MappedLabels>();

function mapLabels(list: readonly RemoteWriteLabel[]): MappedLabels {
  let metric: string | undefined;
  const labels: Record<string, string> = {};
  let problem: string | null = null;
  for (const l of list) {
    if (l.name === '__name__') {
      metric = l.value;
    } else if (l.value !== '') {
      if (Object.hasOwn(labels, l.name)) problem = `label "${l.name}" appears twice`;
      labels[l.name] = l.value;
    }
  }
  if (metric === undefined || metric === '') problem ??= 'it has no __name__ label';
  return { metric, labels, problem };
}

/**
 * Maps a WriteRequest to Stellwerk's records: `__name__` becomes the metric, the other labels
 * stay labels. Empty label values are dropped, because Prometheus treats `l=""` as "no label l"
 * and two such spellings must not make two series. Values stay as sent, NaN and the stale
 * marker included.
 */
export function toMetricSamples(req: WriteRequest): ConvertedWrite {
  const out: ConvertedWrite = {
    samples: [],
    metadata: [],
    problems: [],
    droppedSamples: 0,
    histograms: 0,
    exemplars: 0,
  };
  for (let i = 0; i < req.timeseries.length; i++) {
    const ts = req.timeseries[i] as WriteRequest['timeseries'][number];
    out.histograms += ts.histograms;
    out.exemplars += ts.exemplars;
    if (ts.samples.length === 0) continue;
    let mapped = ts.shared ? mappedShared.get(ts.labels) : undefined;
    if (!mapped) {
      mapped = mapLabels(ts.labels);
      if (ts.shared) {
        Object.freeze(mapped.labels);
        mappedShared.set(ts.labels, mapped);
      }
    }
    const { metric, labels, problem } = mapped;
    if (problem) {
      out.problems.push(`timeseries ${i} (${describe(metric, labels)}): ${problem}`);
      out.droppedSamples += ts.samples.length;
      continue;
    }
    for (const s of ts.samples) {
      out.samples.push(
        s.stale
          ? { metric: metric as string, labels, tsMs: s.timestampMs, value: s.value, stale: true }
          : { metric: metric as string, labels, tsMs: s.timestampMs, value: s.value },
      );
    }
  }
  for (let i = 0; i < req.metadata.length; i++) {
    const m = req.metadata[i] as WriteRequest['metadata'][number];
    if (!METRIC_NAME.test(m.metricFamilyName)) {
      out.problems.push(`metadata ${i}: metric family name "${m.metricFamilyName}" is not valid`);
      continue;
    }
    out.metadata.push({
      metric: m.metricFamilyName,
      type: METRIC_TYPES[m.type] ?? 'unknown',
      help: m.help,
      unit: m.unit,
    });
  }
  return out;
}

/** `name{a="1",b="2"}` for messages Prometheus logs; long label sets are cut. */
export function describe(metric: string | undefined, labels: Record<string, string>): string {
  const pairs = Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  const text = `${metric ?? ''}{${pairs}}`;
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
