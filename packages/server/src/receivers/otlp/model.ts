/**
 * The part of an OTLP ExportMetricsServiceRequest that Stellwerk maps to series, as both
 * decoders (protobuf and JSON) produce it. Attribute values are already strings (the form
 * they take as labels), timestamps already epoch milliseconds: nothing downstream needs the
 * wire types, and one shape keeps the two encodings from drifting apart.
 */

/** Attribute key and value as a label value would carry it (see `anyValueToString`). */
export type Attributes = Array<[key: string, value: string]>;

export interface OtlpRequest {
  resourceMetrics: OtlpResourceMetrics[];
}

export interface OtlpResourceMetrics {
  resource: Attributes;
  scopeMetrics: OtlpScopeMetrics[];
}

export interface OtlpScope {
  name: string;
  version: string;
  attributes: Attributes;
}

export interface OtlpScopeMetrics {
  scope: OtlpScope;
  metrics: OtlpMetric[];
}

export interface OtlpMetric {
  name: string;
  description: string;
  unit: string;
  /** null when the metric carries none of the known data kinds (a newer schema, or empty). */
  data: OtlpData | null;
}

/** AggregationTemporality: 0 UNSPECIFIED, 1 DELTA, 2 CUMULATIVE. */
export const TEMPORALITY_DELTA = 1;
export const TEMPORALITY_CUMULATIVE = 2;
/** DataPointFlags.FLAG_NO_RECORDED_VALUE_MASK. */
export const FLAG_NO_RECORDED_VALUE = 1;

export type OtlpData =
  | { kind: 'gauge'; points: NumberPoint[] }
  | { kind: 'sum'; temporality: number; monotonic: boolean; points: NumberPoint[] }
  | { kind: 'histogram'; temporality: number; points: HistogramPoint[] }
  | { kind: 'exponentialHistogram'; temporality: number; points: ExponentialHistogramPoint[] }
  | { kind: 'summary'; points: SummaryPoint[] };

export interface PointBase {
  attributes: Attributes;
  /** start_time_unix_nano in epoch milliseconds (truncated); 0 when unset. */
  startMs: number;
  /** time_unix_nano in epoch milliseconds (truncated). */
  timeMs: number;
  flags: number;
  /** Exemplars attached to the point: counted, not stored. */
  exemplars: number;
}

export interface NumberPoint extends PointBase {
  /** as_double or as_int; undefined when the oneof is unset. */
  value: number | undefined;
}

export interface HistogramPoint extends PointBase {
  count: number;
  sum: number | undefined;
  bucketCounts: number[];
  explicitBounds: number[];
}

export interface ExponentialBuckets {
  offset: number;
  counts: number[];
}

export interface ExponentialHistogramPoint extends PointBase {
  count: number;
  sum: number | undefined;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: ExponentialBuckets;
  negative: ExponentialBuckets;
}

export interface SummaryPoint extends PointBase {
  count: number;
  sum: number;
  quantiles: Array<{ quantile: number; value: number }>;
}

/** An AnyValue as decoded, before it becomes a label string. */
export type AnyValue =
  | string
  | number
  | boolean
  | bigint
  | Uint8Array
  | AnyValue[]
  | { [key: string]: AnyValue }
  | null;

/**
 * A label value from an attribute value, as the OpenTelemetry→Prometheus compatibility spec
 * asks: strings as they are, booleans and numbers in their usual text form, bytes as base64,
 * arrays and maps as JSON.
 */
export function anyValueToString(v: AnyValue): string {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return numberText(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return JSON.stringify(toJsonValue(v));
}

function numberText(v: number | boolean | bigint): string {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (v === Number.POSITIVE_INFINITY) return '+Inf';
    if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  }
  return String(v);
}

function toJsonValue(v: AnyValue): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return numberText(v);
  if (v instanceof Uint8Array) return anyValueToString(v);
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJsonValue(x);
    return out;
  }
  return v;
}
