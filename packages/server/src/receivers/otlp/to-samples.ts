import { createHash } from 'node:crypto';
import type { MetricMetadata, MetricSample, MetricType } from '@stellwerk/contracts';
import { type DeltaBatch, type DeltaPoint, DeltaToCumulative } from './delta-to-cumulative.ts';
import {
  type Attributes,
  type ExponentialHistogramPoint,
  FLAG_NO_RECORDED_VALUE,
  type HistogramPoint,
  type NumberPoint,
  type OtlpMetric,
  type OtlpRequest,
  type PointBase,
  type SummaryPoint,
  TEMPORALITY_CUMULATIVE,
  TEMPORALITY_DELTA,
} from './model.ts';

/**
 * OTLP metrics → Prometheus-style series, following the OpenTelemetry "Prometheus and
 * OpenMetrics compatibility" spec (docs/protocols/otlp-metrics.md has the full table):
 *
 * - names: invalid characters → `_`, repeated `_` collapsed, the unit appended as a word
 *   (`ms` → `_milliseconds`, `By` → `_bytes`, `{request}` annotations dropped, `1` on gauges →
 *   `_ratio`), `_total` appended to monotonic cumulative sums;
 * - gauge → gauge; cumulative monotonic sum → counter; cumulative non-monotonic sum → gauge;
 *   histogram → `_bucket{le}` + `_sum` + `_count`; exponential histogram → the same classic
 *   shape at power-of-two boundaries (exact, see `exponentialBuckets`); summary → `{quantile}` +
 *   `_sum` + `_count`;
 * - DELTA monotonic sums and (exponential) histograms are added up into cumulative points per
 *   series (delta-to-cumulative.ts), then mapped like cumulative ones; DELTA non-monotonic
 *   sums are refused, as the spec asks: their running total has no known starting level;
 * - labels: point attributes; `job` = [service.namespace/]service.name, `instance` =
 *   service.instance.id, `otel_scope_name`/`otel_scope_version`/`otel_scope_<attr>`; the other
 *   resource attributes go to one `target_info` series per resource (value 1), as the spec does.
 */

export interface ConvertedOtlp {
  samples: MetricSample[];
  metadata: MetricMetadata[];
  /** For each sample, the data point it came from (to count rejected *points* for partialSuccess). */
  pointOf: number[];
  /** Data points seen, and those refused while mapping (with the first reasons in `problems`). */
  points: number;
  rejectedPoints: number;
  problems: string[];
  /** Values dropped on purpose, by reason (for `stellwerk_values_skipped_total`). */
  skipped: Record<string, number>;
}

const MAX_PROBLEMS = 20;

/** Resource attributes that become `job`/`instance` rather than target_info labels. */
const SERVICE_NAME = 'service.name';
const SERVICE_NAMESPACE = 'service.namespace';
const SERVICE_INSTANCE = 'service.instance.id';

/**
 * `delta` carries the running totals of DELTA series across requests; without one, each call
 * starts from empty state (enough for a single request).
 */
export function toMetricSamples(
  req: OtlpRequest,
  delta: DeltaBatch = new DeltaToCumulative({ maxSeries: 100_000, idleTimeoutMs: 15 * 60_000 }).batch(),
): ConvertedOtlp {
  const out: ConvertedOtlp = {
    samples: [],
    metadata: [],
    pointOf: [],
    points: 0,
    rejectedPoints: 0,
    problems: [],
    skipped: {},
  };
  const metadata = new Map<string, MetricMetadata>();
  for (const rm of req.resourceMetrics) {
    const resource = new Map(rm.resource);
    const target: Record<string, string> = {};
    const service = resource.get(SERVICE_NAME);
    const namespace = resource.get(SERVICE_NAMESPACE);
    if (service) target.job = namespace ? `${namespace}/${service}` : service;
    const instance = resource.get(SERVICE_INSTANCE);
    if (instance) target.instance = instance;
    let latestMs = -1;
    const before = out.samples.length;

    const resourceKey = sortedAttributes(rm.resource);
    for (const sm of rm.scopeMetrics) {
      const series: SeriesContext = {
        delta,
        // A DELTA series is its resource, scope, metric and point attributes (all of them, not
        // only those that become labels): two producers must never add into one total.
        keyPrefix: JSON.stringify([
          resourceKey,
          sm.scope.name,
          sm.scope.version,
          sortedAttributes(sm.scope.attributes),
        ]),
      };
      const scopeLabels: Record<string, string> = { ...target };
      if (sm.scope.name) scopeLabels.otel_scope_name = sm.scope.name;
      if (sm.scope.version) scopeLabels.otel_scope_version = sm.scope.version;
      for (const [k, v] of sm.scope.attributes) {
        if (v !== '') scopeLabels[`otel_scope_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`] = v;
      }
      for (const m of sm.metrics) {
        const latest = convertMetric(m, scopeLabels, series, out, metadata);
        if (latest > latestMs) latestMs = latest;
      }
    }

    // target_info carries the resource once, instead of every attribute on every series.
    const extra = rm.resource.filter(([k]) => k !== SERVICE_NAME && k !== SERVICE_NAMESPACE && k !== SERVICE_INSTANCE);
    if (extra.length > 0 && out.samples.length > before) {
      const labels = { ...attributeLabels(extra), ...target };
      out.samples.push({ metric: 'target_info', labels, tsMs: latestMs, value: 1 });
      out.pointOf.push(-1);
      metadata.set('target_info', { metric: 'target_info', type: 'gauge', unit: '', help: 'Target metadata' });
    }
  }
  out.metadata = [...metadata.values()];
  return out;
}

interface SeriesContext {
  delta: DeltaBatch;
  keyPrefix: string;
}

function sortedAttributes(attrs: Attributes): Attributes {
  return [...attrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Converts one metric; returns the latest timestamp among its stored points (or -1). */
function convertMetric(
  m: OtlpMetric,
  scopeLabels: Record<string, string>,
  series: SeriesContext,
  out: ConvertedOtlp,
  metadata: Map<string, MetricMetadata>,
): number {
  const data = m.data;
  if (!data) return -1;
  const pointsOf = data.points as PointBase[];
  const reject = (reason: string, skippedAs = 'invalid', n = pointsOf.length): number => {
    out.points += n;
    out.rejectedPoints += n;
    out.skipped[skippedAs] = (out.skipped[skippedAs] ?? 0) + n;
    if (out.problems.length < MAX_PROBLEMS) out.problems.push(`metric "${m.name}": ${reason}`);
    return -1;
  };
  if (pointsOf.length === 0) return -1;

  let type: MetricType;
  let counter = false;
  switch (data.kind) {
    case 'gauge':
      type = 'gauge';
      break;
    case 'sum':
      if (data.temporality === TEMPORALITY_DELTA && !data.monotonic)
        return reject(
          'a non-monotonic DELTA sum (UpDownCounter) has no known starting level and cannot be stored; ' +
            'export UpDownCounters with CUMULATIVE temporality (the SDKs do so with temporalityPreference: delta too)',
          'delta_non_monotonic',
        );
      counter =
        data.monotonic && (data.temporality === TEMPORALITY_CUMULATIVE || data.temporality === TEMPORALITY_DELTA);
      // A non-monotonic sum may go down: a gauge, so rate() is never applied to it by type.
      type = counter ? 'counter' : 'gauge';
      break;
    case 'histogram':
    case 'exponentialHistogram':
      type = 'histogram';
      break;
    case 'summary':
      type = 'summary';
      break;
  }

  const name = metricName(m.name, m.unit, type === 'gauge', counter);
  if (name === '') return reject(`the name "${m.name}" has no valid characters left once sanitized`);
  const unit = unitWords(m.unit);
  metadata.set(name, { metric: name, type, unit, help: m.description });

  const isDelta = data.kind !== 'gauge' && data.kind !== 'summary' && data.temporality === TEMPORALITY_DELTA;
  const metricKey = isDelta ? JSON.stringify([m.name, m.unit, data.kind]) : '';
  let latest = -1;
  for (const delta of pointsOf) {
    const index = out.points++;
    // "No recorded value" is OTLP's staleness signal; MetricSample has no stale flag, so skip it.
    if ((delta.flags & FLAG_NO_RECORDED_VALUE) !== 0) {
      out.skipped.no_recorded_value = (out.skipped.no_recorded_value ?? 0) + 1;
      continue;
    }
    if (delta.exemplars > 0) out.skipped.exemplar = (out.skipped.exemplar ?? 0) + delta.exemplars;
    const refuse = (problem: string, reason: string): void => {
      out.rejectedPoints++;
      out.skipped[reason] = (out.skipped[reason] ?? 0) + 1;
      if (out.problems.length < MAX_PROBLEMS) out.problems.push(`metric "${m.name}": ${problem}`);
    };
    let p = delta;
    if (isDelta) {
      // Checked before adding: an invalid point must not change the running total.
      const problem = deltaProblem(data.kind, name, delta);
      if (problem) {
        refuse(problem, 'invalid');
        continue;
      }
      const key = createHash('sha1')
        .update(series.keyPrefix)
        .update(metricKey)
        .update(JSON.stringify(sortedAttributes(delta.attributes)))
        .digest('base64');
      const added = series.delta.add(key, { kind: data.kind, point: delta } as DeltaPoint);
      if (!added.ok) {
        // A resend of a point already added is not an error: the exporter did its job.
        if (added.reason === 'delta_duplicate') out.skipped[added.reason] = (out.skipped[added.reason] ?? 0) + 1;
        else refuse(added.message, added.reason);
        continue;
      }
      p = added.point;
    }
    const labels = { ...attributeLabels(p.attributes), ...scopeLabels };
    const emit = (metric: string, value: number, extra?: [string, string]): void => {
      out.samples.push({ metric, labels: extra ? { ...labels, [extra[0]]: extra[1] } : labels, tsMs: p.timeMs, value });
      out.pointOf.push(index);
    };
    const problem = emitPoint(data.kind, name, p, emit);
    if (problem) {
      refuse(problem, 'invalid');
      continue;
    }
    if (p.timeMs > latest) latest = p.timeMs;
  }
  return latest;
}

type Emit = (metric: string, value: number, extra?: [string, string]) => void;

/** Why a DELTA point cannot be added up, checked the way `emitPoint` checks what it emits. */
function deltaProblem(kind: string, name: string, point: PointBase): string | null {
  if (point.startMs > point.timeMs) return 'a DELTA point has startTimeUnixNano after timeUnixNano';
  return emitPoint(kind, name, point, () => {});
}

/** Emits one point's samples; returns why it cannot be stored instead, before emitting anything. */
function emitPoint(kind: string, name: string, point: PointBase, emit: Emit): string | null {
  if (point.timeMs <= 0) return 'a data point has no timeUnixNano';
  switch (kind) {
    case 'gauge':
    case 'sum': {
      const value = (point as NumberPoint).value;
      if (value === undefined) return 'a data point has neither asDouble nor asInt';
      emit(name, value);
      return null;
    }
    case 'histogram': {
      const p = point as HistogramPoint;
      if (p.bucketCounts.length !== 0 && p.bucketCounts.length !== p.explicitBounds.length + 1)
        return `a histogram point has ${p.bucketCounts.length} bucket counts for ${p.explicitBounds.length} bounds (needs bounds + 1)`;
      let cumulative = 0;
      for (let i = 0; i < p.explicitBounds.length && p.bucketCounts.length > 0; i++) {
        cumulative += p.bucketCounts[i] as number;
        emit(`${name}_bucket`, cumulative, ['le', leText(p.explicitBounds[i] as number)]);
      }
      histogramTail(name, p.count, p.sum, emit);
      return null;
    }
    case 'exponentialHistogram': {
      const p = point as ExponentialHistogramPoint;
      const buckets = exponentialBuckets(p);
      if (typeof buckets === 'string') return buckets;
      for (const [le, cumulative] of buckets) emit(`${name}_bucket`, cumulative, ['le', leText(le)]);
      histogramTail(name, p.count, p.sum, emit);
      return null;
    }
    case 'summary': {
      const p = point as SummaryPoint;
      for (const q of p.quantiles) emit(name, q.value, ['quantile', leText(q.quantile)]);
      emit(`${name}_sum`, p.sum);
      emit(`${name}_count`, p.count);
      return null;
    }
  }
  return `unknown data kind ${kind}`;
}

/** The `+Inf` bucket (always equal to the count), `_sum` when the point has one, and `_count`. */
function histogramTail(name: string, count: number, sum: number | undefined, emit: Emit): void {
  emit(`${name}_bucket`, count, ['le', '+Inf']);
  if (sum !== undefined) emit(`${name}_sum`, sum);
  emit(`${name}_count`, count);
}

/** Label values for `le` and `quantile` the way Prometheus prints floats. */
export function leText(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}

const MAX_EXPONENTIAL_BUCKETS = 1024;

/**
 * An exponential histogram as cumulative `le` buckets, exact at the boundaries it emits.
 * Buckets are merged down to scale 0 (or kept at a coarser negative scale), so every boundary
 * is a power of two: bucket j covers (2^(j·2^-s), 2^((j+1)·2^-s)]. That keeps the set of `le`
 * series small and stable while the SDK changes its scale, at the cost of resolution (one
 * bucket per doubling, which histogram_quantile interpolates within). Negative buckets come
 * first as `le = -lower bound`, then the zero bucket at `le = zero_threshold` (0 by default);
 * a value exactly on a negative boundary is counted one bucket early (OTLP's negative buckets
 * are upper-inclusive in magnitude, Prometheus' `le` is upper-inclusive in value).
 */
export function exponentialBuckets(p: ExponentialHistogramPoint): Array<[number, number]> | string {
  const target = Math.min(p.scale, 0);
  const shift = p.scale - target;
  const merge = (b: { offset: number; counts: number[] }): Map<number, number> => {
    const out = new Map<number, number>();
    b.counts.forEach((c, i) => {
      if (c === 0) return;
      const j = Math.floor((b.offset + i) / 2 ** shift);
      out.set(j, (out.get(j) ?? 0) + c);
    });
    return out;
  };
  const pos = merge(p.positive);
  const neg = merge(p.negative);
  const width = 2 ** -target;
  const bound = (j: number): number => 2 ** (j * width);
  const range = (m: Map<number, number>): [number, number] | null => {
    if (m.size === 0) return null;
    const keys = [...m.keys()];
    return [Math.min(...keys), Math.max(...keys)];
  };
  const out: Array<[number, number]> = [];
  let cumulative = 0;
  const nr = range(neg);
  const pr = range(pos);
  const span = (nr ? nr[1] - nr[0] + 1 : 0) + (pr ? pr[1] - pr[0] + 1 : 0);
  if (span > MAX_EXPONENTIAL_BUCKETS)
    return `an exponential histogram point spans ${span} power-of-two buckets (more than ${MAX_EXPONENTIAL_BUCKETS})`;
  if (nr) {
    // Most negative first: bucket j holds values in [-bound(j+1), -bound(j)).
    for (let j = nr[1]; j >= nr[0]; j--) {
      cumulative += neg.get(j) ?? 0;
      out.push([-bound(j), cumulative]);
    }
  }
  cumulative += p.zeroCount;
  if (p.zeroCount > 0 || nr || pr) out.push([p.zeroThreshold, cumulative]);
  if (pr) {
    for (let j = pr[0]; j <= pr[1]; j++) {
      cumulative += pos.get(j) ?? 0;
      out.push([bound(j + 1), cumulative]);
    }
  }
  // Boundaries must rise; a zero threshold above the first positive bound would break that.
  for (let i = 1; i < out.length; i++) {
    if ((out[i] as [number, number])[0] <= (out[i - 1] as [number, number])[0])
      return 'an exponential histogram point has a zero_threshold above its first positive bucket';
  }
  return out;
}

// ---- Names ------------------------------------------------------------------------------

/** UCUM units → the words Prometheus names use (the OpenTelemetry Collector's table). */
const UNIT_WORDS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tebibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
  '1': '',
};

/** The denominator of `X/Y` units, singular (`m/s` → `meters_per_second`). */
const PER_UNIT_WORDS: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** The unit as name words: `{…}` annotations dropped, UCUM mapped, `/` → `_per_`. */
export function unitWords(unit: string): string {
  const clean = unit.replace(/\{[^}]*\}/g, '').trim();
  if (clean === '') return '';
  const [main = '', per = ''] = clean.split('/', 2);
  const words: string[] = [];
  const mainWord = UNIT_WORDS[main] ?? main;
  if (mainWord) words.push(mainWord);
  if (per) words.push('per', PER_UNIT_WORDS[per] ?? UNIT_WORDS[per] ?? per);
  return words
    .join('_')
    .replace(/[^a-zA-Z0-9_:]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
}

/**
 * The Prometheus name of an OTLP metric: sanitized to `[a-zA-Z0-9_:]`, underscores collapsed,
 * the unit words appended unless the name already ends with them, `_ratio` for gauges of unit
 * `1`, `_total` last for counters; a leading digit gets a `_` prefix.
 */
export function metricName(name: string, unit: string, gauge: boolean, counter: boolean): string {
  let tokens = name.split(/[^a-zA-Z0-9:]+/).filter((t) => t !== '');
  const words = unitWords(unit);
  if (words) {
    const unitTokens = words.split('_');
    const tail = tokens.slice(-unitTokens.length).join('_');
    if (tail !== words) tokens.push(...unitTokens);
  }
  if (gauge && unit.trim() === '1') {
    tokens = tokens.filter((t) => t !== 'ratio');
    tokens.push('ratio');
  }
  if (counter) {
    tokens = tokens.filter((t) => t !== 'total');
    tokens.push('total');
  }
  if (tokens.length === 0) return '';
  const joined = tokens.join('_');
  // A name made of `total`/`ratio`/unit words alone still says nothing about what it measures.
  if (name.replace(/[^a-zA-Z0-9:]+/g, '') === '') return '';
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

/** A label name from an attribute key: invalid characters → `_`; a leading digit or `__` gets `key_`/`key`. */
export function sanitizeLabel(key: string): string {
  const s = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (s === '') return '';
  if (/^[0-9]/.test(s)) return `key_${s}`;
  // `__` is reserved for Prometheus-internal labels, which ingest refuses.
  if (s.startsWith('__')) return `key${s}`;
  return s;
}

/**
 * Attributes as labels. Keys that sanitize to the same name keep all their values, joined by
 * `;` in the order of the original keys (the spec's rule); empty values mean "no label".
 */
export function attributeLabels(attrs: Attributes): Record<string, string> {
  const labels: Record<string, string> = {};
  if (attrs.length === 0) return labels;
  let collided = false;
  const seen = new Map<string, string>();
  for (const [k, v] of attrs) {
    if (v === '') continue;
    const name = sanitizeLabel(k);
    if (name === '') continue;
    if (seen.has(name) && seen.get(name) !== k) collided = true;
    seen.set(name, k);
    labels[name] = v;
  }
  if (!collided) return labels;
  const groups = new Map<string, Array<[string, string]>>();
  for (const [k, v] of attrs) {
    const name = sanitizeLabel(k);
    if (v === '' || name === '') continue;
    const g = groups.get(name) ?? [];
    g.push([k, v]);
    groups.set(name, g);
  }
  const out: Record<string, string> = {};
  for (const [name, g] of groups) {
    g.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    out[name] = g.map(([, v]) => v).join(';');
  }
  return out;
}
