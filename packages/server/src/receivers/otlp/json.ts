import { parseProtoJsonDouble } from '../../proto-double.ts';
import type {
  AnyValue,
  Attributes,
  ExponentialBuckets,
  ExponentialHistogramPoint,
  HistogramPoint,
  NumberPoint,
  OtlpData,
  OtlpMetric,
  OtlpRequest,
  PointBase,
  SummaryPoint,
} from './model.ts';
import { anyValueToString } from './model.ts';
import { OtlpDecodeError } from './protobuf.ts';

/**
 * OTLP/JSON (the protobuf JSON mapping with OTLP's deviations): field names in lowerCamelCase,
 * with the original snake_case names accepted too as ProtoJSON parsers do; 64-bit integers as
 * decimal strings or as numbers; enums as numbers (names accepted); doubles as numbers or
 * "NaN"/"Infinity"/"-Infinity"; bytes as base64. Unknown fields are ignored, as the spec requires.
 */
type Obj = Record<string, unknown>;

export function decodeJsonRequest(text: string): OtlpRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new OtlpDecodeError(`the body is not valid JSON (${(err as Error).message})`);
  }
  const root = obj(doc, 'the request');
  return {
    resourceMetrics: list(field(root, 'resourceMetrics', 'resource_metrics'), 'resourceMetrics').map(resourceMetrics),
  };
}

/** Reads a field by its JSON name or its proto name. */
function field(o: Obj, camel: string, snake?: string): unknown {
  const v = o[camel];
  return v !== undefined ? v : snake !== undefined ? o[snake] : undefined;
}

function obj(v: unknown, what: string): Obj {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new OtlpDecodeError(`${what} must be an object`);
  return v as Obj;
}

function list(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${what} must be an array`);
  return v;
}

function str(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new OtlpDecodeError(`${what} must be a string`);
  return v;
}

function bool(v: unknown, what: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new OtlpDecodeError(`${what} must be a boolean`);
  return v;
}

/** A double: a number or one of ProtoJSON's special-value strings (decimal strings are accepted too). */
function double(v: unknown, what: string): number {
  const n = parseProtoJsonDouble(v);
  if (n !== undefined) return n;
  throw new OtlpDecodeError(`${what} must be a number`);
}

function optDouble(v: unknown, what: string): number | undefined {
  return v === undefined || v === null ? undefined : double(v, what);
}

/** int64/uint64/fixed64: a decimal string or a JSON number. */
function int64(v: unknown, what: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return BigInt(v.trim());
  throw new OtlpDecodeError(`${what} must be an integer (a number or a decimal string), got ${JSON.stringify(v)}`);
}

function count(v: unknown, what: string): number {
  return Number(int64(v, what));
}

function nanosToMs(v: unknown, what: string): number {
  return Number(int64(v, what) / 1_000_000n);
}

/** uint32/int32/enum: a number, a decimal string, or (enums) the value's name via `names`. */
function small(v: unknown, what: string, names?: Record<string, number>): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string' && names && v in names) return names[v] as number;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new OtlpDecodeError(`${what} must be an integer`);
  return n;
}

const TEMPORALITY: Record<string, number> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

function attributes(v: unknown, what: string): Attributes {
  return list(v, what).map((kv) => {
    const o = obj(kv, what);
    return [str(o.key, `${what} key`), anyValueToString(anyValue(o.value, what))] as [string, string];
  });
}

function anyValue(v: unknown, what: string): AnyValue {
  const o = obj(v, `${what} value`);
  if (o.stringValue !== undefined || o.string_value !== undefined)
    return str(field(o, 'stringValue', 'string_value'), what);
  if (o.boolValue !== undefined || o.bool_value !== undefined) return bool(field(o, 'boolValue', 'bool_value'), what);
  if (o.intValue !== undefined || o.int_value !== undefined) return int64(field(o, 'intValue', 'int_value'), what);
  if (o.doubleValue !== undefined || o.double_value !== undefined)
    return double(field(o, 'doubleValue', 'double_value'), what);
  if (o.bytesValue !== undefined || o.bytes_value !== undefined)
    return Buffer.from(str(field(o, 'bytesValue', 'bytes_value'), what), 'base64');
  const arr = field(o, 'arrayValue', 'array_value');
  if (arr !== undefined) return list(obj(arr, what).values, what).map((x) => anyValue(x, what));
  const kv = field(o, 'kvlistValue', 'kvlist_value');
  if (kv !== undefined) {
    const map: Record<string, AnyValue> = {};
    for (const e of list(obj(kv, what).values, what)) {
      const eo = obj(e, what);
      map[str(eo.key, `${what} key`)] = anyValue(eo.value, what);
    }
    return map;
  }
  return null;
}

function resourceMetrics(v: unknown, i: number): OtlpRequest['resourceMetrics'][number] {
  const o = obj(v, `resourceMetrics[${i}]`);
  const resource = obj(o.resource, 'resource');
  return {
    resource: attributes(resource.attributes, 'resource attribute'),
    scopeMetrics: list(field(o, 'scopeMetrics', 'scope_metrics'), 'scopeMetrics').map((s) => {
      const so = obj(s, 'scopeMetrics');
      const scope = obj(so.scope, 'scope');
      return {
        scope: {
          name: str(scope.name, 'scope.name'),
          version: str(scope.version, 'scope.version'),
          attributes: attributes(scope.attributes, 'scope attribute'),
        },
        metrics: list(so.metrics, 'metrics').map(metric),
      };
    }),
  };
}

function metric(v: unknown): OtlpMetric {
  const o = obj(v, 'metric');
  const name = str(o.name, 'metric name');
  const what = `metric "${name}"`;
  let data: OtlpData | null = null;
  const gauge = o.gauge;
  const sum = o.sum;
  const histogram = o.histogram;
  const exp = field(o, 'exponentialHistogram', 'exponential_histogram');
  const summary = o.summary;
  if (gauge !== undefined) {
    data = { kind: 'gauge', points: points(obj(gauge, what), what, numberPoint) };
  } else if (sum !== undefined) {
    const so = obj(sum, what);
    data = {
      kind: 'sum',
      temporality: temporality(so, what),
      monotonic: bool(field(so, 'isMonotonic', 'is_monotonic'), `${what} isMonotonic`),
      points: points(so, what, numberPoint),
    };
  } else if (histogram !== undefined) {
    const ho = obj(histogram, what);
    data = { kind: 'histogram', temporality: temporality(ho, what), points: points(ho, what, histogramPoint) };
  } else if (exp !== undefined) {
    const eo = obj(exp, what);
    data = {
      kind: 'exponentialHistogram',
      temporality: temporality(eo, what),
      points: points(eo, what, exponentialPoint),
    };
  } else if (summary !== undefined) {
    data = { kind: 'summary', points: points(obj(summary, what), what, summaryPoint) };
  }
  return { name, description: str(o.description, `${what} description`), unit: str(o.unit, `${what} unit`), data };
}

function temporality(o: Obj, what: string): number {
  return small(field(o, 'aggregationTemporality', 'aggregation_temporality'), `${what} temporality`, TEMPORALITY);
}

function points<T>(o: Obj, what: string, read: (p: Obj, what: string) => T): T[] {
  return list(field(o, 'dataPoints', 'data_points'), `${what} dataPoints`).map((p) => read(obj(p, what), what));
}

function base(p: Obj, what: string): PointBase {
  return {
    attributes: attributes(p.attributes, `${what} attribute`),
    startMs: nanosToMs(field(p, 'startTimeUnixNano', 'start_time_unix_nano'), `${what} startTimeUnixNano`),
    timeMs: nanosToMs(field(p, 'timeUnixNano', 'time_unix_nano'), `${what} timeUnixNano`),
    flags: small(p.flags, `${what} flags`),
    exemplars: list(p.exemplars, `${what} exemplars`).length,
  };
}

function numberPoint(p: Obj, what: string): NumberPoint {
  const d = field(p, 'asDouble', 'as_double');
  const i = field(p, 'asInt', 'as_int');
  const value =
    d !== undefined && d !== null
      ? double(d, `${what} asDouble`)
      : i !== undefined && i !== null
        ? count(i, `${what} asInt`)
        : undefined;
  return { ...base(p, what), value };
}

function histogramPoint(p: Obj, what: string): HistogramPoint {
  return {
    ...base(p, what),
    count: count(p.count, `${what} count`),
    sum: optDouble(p.sum, `${what} sum`),
    bucketCounts: list(field(p, 'bucketCounts', 'bucket_counts'), `${what} bucketCounts`).map((c) =>
      count(c, `${what} bucketCounts`),
    ),
    explicitBounds: list(field(p, 'explicitBounds', 'explicit_bounds'), `${what} explicitBounds`).map((b) =>
      double(b, `${what} explicitBounds`),
    ),
  };
}

function buckets(v: unknown, what: string): ExponentialBuckets {
  const o = obj(v, what);
  return {
    offset: small(o.offset, `${what} offset`),
    counts: list(field(o, 'bucketCounts', 'bucket_counts'), `${what} bucketCounts`).map((c) => count(c, what)),
  };
}

function exponentialPoint(p: Obj, what: string): ExponentialHistogramPoint {
  return {
    ...base(p, what),
    count: count(p.count, `${what} count`),
    sum: optDouble(p.sum, `${what} sum`),
    scale: small(p.scale, `${what} scale`),
    zeroCount: count(field(p, 'zeroCount', 'zero_count'), `${what} zeroCount`),
    zeroThreshold: optDouble(field(p, 'zeroThreshold', 'zero_threshold'), `${what} zeroThreshold`) ?? 0,
    positive: buckets(p.positive, `${what} positive`),
    negative: buckets(p.negative, `${what} negative`),
  };
}

function summaryPoint(p: Obj, what: string): SummaryPoint {
  return {
    ...base(p, what),
    count: count(p.count, `${what} count`),
    sum: optDouble(p.sum, `${what} sum`) ?? 0,
    quantiles: list(field(p, 'quantileValues', 'quantile_values'), `${what} quantileValues`).map((q) => {
      const qo = obj(q, what);
      return {
        quantile: optDouble(qo.quantile, `${what} quantile`) ?? 0,
        value: optDouble(qo.value, `${what} value`) ?? 0,
      };
    }),
  };
}
