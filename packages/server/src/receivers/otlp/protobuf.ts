import type {
  AnyValue,
  ExponentialBuckets,
  ExponentialHistogramPoint,
  HistogramPoint,
  NumberPoint,
  OtlpData,
  OtlpMetric,
  OtlpRequest,
  OtlpResourceMetrics,
  OtlpScope,
  OtlpScopeMetrics,
  SummaryPoint,
} from './model.ts';
import { anyValueToString } from './model.ts';

/**
 * A protobuf reader for `opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest`,
 * written from the public opentelemetry-proto definitions (v1.x). Hand-written on purpose:
 * `@opentelemetry/otlp-transformer` 0.223 ships only a request *serializer* and a response
 * deserializer (its ProtobufReader is internal, not exported), so there is no packaged decoder;
 * protobufjs would mean a runtime dependency plus a .proto copy for about twelve messages,
 * and this reader turns the wire form straight into the receiver's model (attribute values to
 * label strings, nanoseconds to milliseconds) without an intermediate object graph.
 *
 *   ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
 *   ResourceMetrics  { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; string schema_url = 3; }
 *   Resource         { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
 *   ScopeMetrics     { InstrumentationScope scope = 1; repeated Metric metrics = 2; string schema_url = 3; }
 *   InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
 *   KeyValue         { string key = 1; AnyValue value = 2; }
 *   AnyValue         { oneof { string string_value = 1; bool bool_value = 2; int64 int_value = 3;
 *                      double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6;
 *                      bytes bytes_value = 7; } }
 *   ArrayValue       { repeated AnyValue values = 1; }    KeyValueList { repeated KeyValue values = 1; }
 *   Metric           { string name = 1; string description = 2; string unit = 3; oneof data { Gauge gauge = 5;
 *                      Sum sum = 7; Histogram histogram = 9; ExponentialHistogram exponential_histogram = 10;
 *                      Summary summary = 11; } repeated KeyValue metadata = 12; }
 *   Gauge            { repeated NumberDataPoint data_points = 1; }
 *   Sum              { repeated NumberDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2;
 *                      bool is_monotonic = 3; }
 *   Histogram / ExponentialHistogram { repeated …DataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2; }
 *   Summary          { repeated SummaryDataPoint data_points = 1; }
 *   NumberDataPoint  { repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
 *                      oneof value { double as_double = 4; sfixed64 as_int = 6; } repeated Exemplar exemplars = 5;
 *                      uint32 flags = 8; }
 *   HistogramDataPoint { repeated KeyValue attributes = 9; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
 *                      fixed64 count = 4; optional double sum = 5; repeated fixed64 bucket_counts = 6;
 *                      repeated double explicit_bounds = 7; repeated Exemplar exemplars = 8; uint32 flags = 10;
 *                      optional double min = 11; optional double max = 12; }
 *   ExponentialHistogramDataPoint { repeated KeyValue attributes = 1; fixed64 start_time_unix_nano = 2;
 *                      fixed64 time_unix_nano = 3; fixed64 count = 4; optional double sum = 5; sint32 scale = 6;
 *                      fixed64 zero_count = 7; Buckets positive = 8; Buckets negative = 9; uint32 flags = 10;
 *                      repeated Exemplar exemplars = 11; optional double min = 12; optional double max = 13;
 *                      double zero_threshold = 14; }
 *     Buckets        { sint32 offset = 1; repeated uint64 bucket_counts = 2; }
 *   SummaryDataPoint { repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
 *                      fixed64 count = 4; double sum = 5; repeated ValueAtQuantile quantile_values = 6; uint32 flags = 8; }
 *     ValueAtQuantile { double quantile = 1; double value = 2; }
 *
 * Unknown fields are skipped, as protobuf requires; repeated scalars are read packed or not.
 */

export class OtlpDecodeError extends Error {}

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  fail(what: string): never {
    throw new OtlpDecodeError(`malformed protobuf at byte ${this.pos}: ${what}`);
  }

  byte(end: number): number {
    if (this.pos >= end) this.fail('truncated varint');
    return this.buf[this.pos++] as number;
  }

  /** A varint as a JS number (exact below 2^53, which covers tags, lengths, enums, flags and counts). */
  varint(end: number): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(end);
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** int64 varint, two's complement for negatives: BigInt keeps the attribute text exact. */
  int64(end: number): bigint {
    let big = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte(end);
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, big);
    }
    return this.fail('varint longer than 10 bytes');
  }

  sint32(end: number): number {
    const n = this.varint(end) % 2 ** 32;
    // ZigZag: 0→0, 1→-1, 2→1, …
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  tag(end: number): number {
    const t = this.varint(end);
    if (t < 8) this.fail('field number 0');
    return t;
  }

  length(end: number): number {
    const n = this.varint(end);
    if (n > end - this.pos) this.fail(`length ${n} runs past the end of its message`);
    return n;
  }

  /** Enters a length-delimited field and returns where it ends. */
  sub(end: number, wire: number, what: string): number {
    if (wire !== LEN) this.fail(`${what} is not length-delimited (wire type ${wire})`);
    const n = this.length(end);
    return this.pos + n;
  }

  string(end: number, wire: number, what: string): string {
    const stop = this.sub(end, wire, what);
    const s = this.buf.toString('utf8', this.pos, stop);
    this.pos = stop;
    return s;
  }

  bytes(end: number, wire: number, what: string): Uint8Array {
    const stop = this.sub(end, wire, what);
    const b = this.buf.subarray(this.pos, stop);
    this.pos = stop;
    return b;
  }

  need(end: number, n: number, what: string): void {
    if (end - this.pos < n) this.fail(`truncated ${what}`);
  }

  double(end: number, wire: number, what: string): number {
    if (wire !== I64) this.fail(`${what} is not a 64-bit field (wire type ${wire})`);
    this.need(end, 8, what);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** fixed64 as a JS number: counts stay exact below 2^53. */
  fixed64(end: number, wire: number, what: string): number {
    if (wire !== I64) this.fail(`${what} is not a 64-bit field (wire type ${wire})`);
    this.need(end, 8, what);
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return hi * 4294967296 + lo;
  }

  /** fixed64 nanoseconds since the epoch → integer milliseconds; BigInt because ns exceed 2^53. */
  nanosToMs(end: number, wire: number, what: string): number {
    if (wire !== I64) this.fail(`${what} is not a 64-bit field (wire type ${wire})`);
    this.need(end, 8, what);
    const ns = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return Number(ns / 1_000_000n);
  }

  sfixed64(end: number, wire: number, what: string): number {
    if (wire !== I64) this.fail(`${what} is not a 64-bit field (wire type ${wire})`);
    this.need(end, 8, what);
    const v = Number(this.buf.readBigInt64LE(this.pos));
    this.pos += 8;
    return v;
  }

  /** repeated fixed64 / double, packed (the proto3 default) or one per tag. */
  repeated64(end: number, wire: number, out: number[], read: (at: number) => number, what: string): void {
    if (wire === I64) {
      this.need(end, 8, what);
      out.push(read(this.pos));
      this.pos += 8;
      return;
    }
    const stop = this.sub(end, wire, what);
    if ((stop - this.pos) % 8 !== 0) this.fail(`packed ${what} is not a multiple of 8 bytes`);
    for (; this.pos < stop; this.pos += 8) out.push(read(this.pos));
  }

  /** repeated uint64 varints, packed or not. */
  repeatedVarint(end: number, wire: number, out: number[], what: string): void {
    if (wire === VARINT) {
      out.push(this.varint(end));
      return;
    }
    const stop = this.sub(end, wire, what);
    while (this.pos < stop) out.push(this.varint(stop));
  }

  skip(wire: number, end: number): void {
    switch (wire) {
      case VARINT:
        for (let i = 0; i < 10; i++) if (this.byte(end) < 0x80) return;
        this.fail('varint longer than 10 bytes');
        break;
      case I64:
        this.need(end, 8, 'fixed64');
        this.pos += 8;
        return;
      case LEN: {
        const n = this.length(end);
        this.pos += n;
        return;
      }
      case I32:
        this.need(end, 4, 'fixed32');
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wire}`);
    }
  }
}

export function decodeProtobufRequest(body: Buffer): OtlpRequest {
  const r = new Reader(body);
  const end = body.length;
  const resourceMetrics: OtlpResourceMetrics[] = [];
  while (r.pos < end) {
    const t = r.tag(end);
    if (t >>> 3 === 1) resourceMetrics.push(readResourceMetrics(r, r.sub(end, t & 7, 'resource_metrics')));
    else r.skip(t & 7, end);
  }
  return { resourceMetrics };
}

function readResourceMetrics(r: Reader, end: number): OtlpResourceMetrics {
  const out: OtlpResourceMetrics = { resource: [], scopeMetrics: [] };
  while (r.pos < end) {
    const t = r.tag(end);
    const field = t >>> 3;
    if (field === 1) {
      const stop = r.sub(end, t & 7, 'resource');
      while (r.pos < stop) {
        const rt = r.tag(stop);
        if (rt >>> 3 === 1) out.resource.push(readKeyValue(r, r.sub(stop, rt & 7, 'attribute')));
        else r.skip(rt & 7, stop);
      }
    } else if (field === 2) {
      out.scopeMetrics.push(readScopeMetrics(r, r.sub(end, t & 7, 'scope_metrics')));
    } else r.skip(t & 7, end);
  }
  return out;
}

function readScopeMetrics(r: Reader, end: number): OtlpScopeMetrics {
  const scope: OtlpScope = { name: '', version: '', attributes: [] };
  const metrics: OtlpMetric[] = [];
  while (r.pos < end) {
    const t = r.tag(end);
    const field = t >>> 3;
    if (field === 1) {
      const stop = r.sub(end, t & 7, 'scope');
      while (r.pos < stop) {
        const st = r.tag(stop);
        const sf = st >>> 3;
        if (sf === 1) scope.name = r.string(stop, st & 7, 'scope.name');
        else if (sf === 2) scope.version = r.string(stop, st & 7, 'scope.version');
        else if (sf === 3) scope.attributes.push(readKeyValue(r, r.sub(stop, st & 7, 'scope attribute')));
        else r.skip(st & 7, stop);
      }
    } else if (field === 2) {
      metrics.push(readMetric(r, r.sub(end, t & 7, 'metric')));
    } else r.skip(t & 7, end);
  }
  return { scope, metrics };
}

function readKeyValue(r: Reader, end: number): [string, string] {
  let key = '';
  let value: AnyValue = null;
  while (r.pos < end) {
    const t = r.tag(end);
    const field = t >>> 3;
    if (field === 1) key = r.string(end, t & 7, 'attribute key');
    else if (field === 2) value = readAnyValue(r, r.sub(end, t & 7, 'attribute value'));
    else r.skip(t & 7, end);
  }
  return [key, anyValueToString(value)];
}

function readAnyValue(r: Reader, end: number): AnyValue {
  let value: AnyValue = null;
  while (r.pos < end) {
    const t = r.tag(end);
    const wire = t & 7;
    switch (t >>> 3) {
      case 1:
        value = r.string(end, wire, 'string_value');
        break;
      case 2:
        value = r.varint(end) !== 0;
        break;
      case 3:
        value = r.int64(end);
        break;
      case 4:
        value = r.double(end, wire, 'double_value');
        break;
      case 5: {
        const stop = r.sub(end, wire, 'array_value');
        const values: AnyValue[] = [];
        while (r.pos < stop) {
          const at = r.tag(stop);
          if (at >>> 3 === 1) values.push(readAnyValue(r, r.sub(stop, at & 7, 'array element')));
          else r.skip(at & 7, stop);
        }
        value = values;
        break;
      }
      case 6: {
        const stop = r.sub(end, wire, 'kvlist_value');
        const map: Record<string, AnyValue> = {};
        while (r.pos < stop) {
          const kt = r.tag(stop);
          if (kt >>> 3 === 1) {
            const kvEnd = r.sub(stop, kt & 7, 'kvlist entry');
            let k = '';
            let v: AnyValue = null;
            while (r.pos < kvEnd) {
              const et = r.tag(kvEnd);
              if (et >>> 3 === 1) k = r.string(kvEnd, et & 7, 'kvlist key');
              else if (et >>> 3 === 2) v = readAnyValue(r, r.sub(kvEnd, et & 7, 'kvlist value'));
              else r.skip(et & 7, kvEnd);
            }
            map[k] = v;
          } else r.skip(kt & 7, stop);
        }
        value = map;
        break;
      }
      case 7:
        value = r.bytes(end, wire, 'bytes_value');
        break;
      default:
        r.skip(wire, end);
    }
  }
  return value;
}

function readMetric(r: Reader, end: number): OtlpMetric {
  const m: OtlpMetric = { name: '', description: '', unit: '', data: null };
  while (r.pos < end) {
    const t = r.tag(end);
    const wire = t & 7;
    switch (t >>> 3) {
      case 1:
        m.name = r.string(end, wire, 'metric name');
        break;
      case 2:
        m.description = r.string(end, wire, 'description');
        break;
      case 3:
        m.unit = r.string(end, wire, 'unit');
        break;
      case 5:
        m.data = readData(r, r.sub(end, wire, 'gauge'), 'gauge');
        break;
      case 7:
        m.data = readData(r, r.sub(end, wire, 'sum'), 'sum');
        break;
      case 9:
        m.data = readData(r, r.sub(end, wire, 'histogram'), 'histogram');
        break;
      case 10:
        m.data = readData(r, r.sub(end, wire, 'exponential_histogram'), 'exponentialHistogram');
        break;
      case 11:
        m.data = readData(r, r.sub(end, wire, 'summary'), 'summary');
        break;
      default:
        r.skip(wire, end);
    }
  }
  return m;
}

function readData(r: Reader, end: number, kind: OtlpData['kind']): OtlpData {
  const points: unknown[] = [];
  let temporality = 0;
  let monotonic = false;
  while (r.pos < end) {
    const t = r.tag(end);
    const field = t >>> 3;
    if (field === 1) {
      const stop = r.sub(end, t & 7, 'data_points');
      if (kind === 'gauge' || kind === 'sum') points.push(readNumberPoint(r, stop));
      else if (kind === 'histogram') points.push(readHistogramPoint(r, stop));
      else if (kind === 'exponentialHistogram') points.push(readExponentialPoint(r, stop));
      else points.push(readSummaryPoint(r, stop));
    } else if (field === 2 && kind !== 'gauge' && kind !== 'summary') {
      temporality = r.varint(end);
    } else if (field === 3 && kind === 'sum') {
      monotonic = r.varint(end) !== 0;
    } else r.skip(t & 7, end);
  }
  switch (kind) {
    case 'gauge':
      return { kind, points: points as NumberPoint[] };
    case 'sum':
      return { kind, temporality, monotonic, points: points as NumberPoint[] };
    case 'histogram':
      return { kind, temporality, points: points as HistogramPoint[] };
    case 'exponentialHistogram':
      return { kind, temporality, points: points as ExponentialHistogramPoint[] };
    case 'summary':
      return { kind, points: points as SummaryPoint[] };
  }
}

function readNumberPoint(r: Reader, end: number): NumberPoint {
  const p: NumberPoint = { attributes: [], startMs: 0, timeMs: 0, flags: 0, exemplars: 0, value: undefined };
  while (r.pos < end) {
    const t = r.tag(end);
    const wire = t & 7;
    switch (t >>> 3) {
      case 2:
        p.startMs = r.nanosToMs(end, wire, 'start_time_unix_nano');
        break;
      case 3:
        p.timeMs = r.nanosToMs(end, wire, 'time_unix_nano');
        break;
      case 4:
        p.value = r.double(end, wire, 'as_double');
        break;
      case 5:
        p.exemplars++;
        r.skip(wire, end);
        break;
      case 6:
        p.value = r.sfixed64(end, wire, 'as_int');
        break;
      case 7:
        p.attributes.push(readKeyValue(r, r.sub(end, wire, 'attribute')));
        break;
      case 8:
        p.flags = r.varint(end);
        break;
      default:
        r.skip(wire, end);
    }
  }
  return p;
}

function readHistogramPoint(r: Reader, end: number): HistogramPoint {
  const p: HistogramPoint = {
    attributes: [],
    startMs: 0,
    timeMs: 0,
    flags: 0,
    exemplars: 0,
    count: 0,
    sum: undefined,
    bucketCounts: [],
    explicitBounds: [],
  };
  const buf = r.buf;
  while (r.pos < end) {
    const t = r.tag(end);
    const wire = t & 7;
    switch (t >>> 3) {
      case 2:
        p.startMs = r.nanosToMs(end, wire, 'start_time_unix_nano');
        break;
      case 3:
        p.timeMs = r.nanosToMs(end, wire, 'time_unix_nano');
        break;
      case 4:
        p.count = r.fixed64(end, wire, 'count');
        break;
      case 5:
        p.sum = r.double(end, wire, 'sum');
        break;
      case 6:
        r.repeated64(
          end,
          wire,
          p.bucketCounts,
          (at) => (buf.readUInt32LE(at + 4) as number) * 4294967296 + buf.readUInt32LE(at),
          'bucket_counts',
        );
        break;
      case 7:
        r.repeated64(end, wire, p.explicitBounds, (at) => buf.readDoubleLE(at), 'explicit_bounds');
        break;
      case 8:
        p.exemplars++;
        r.skip(wire, end);
        break;
      case 9:
        p.attributes.push(readKeyValue(r, r.sub(end, wire, 'attribute')));
        break;
      case 10:
        p.flags = r.varint(end);
        break;
      default:
        r.skip(wire, end);
    }
  }
  return p;
}

function readBuckets(r: Reader, end: number): ExponentialBuckets {
  const b: ExponentialBuckets = { offset: 0, counts: [] };
  while (r.pos < end) {
    const t = r.tag(end);
    const field = t >>> 3;
    if (field === 1) b.offset = r.sint32(end);
    else if (field === 2) r.repeatedVarint(end, t & 7, b.counts, 'bucket_counts');
    else r.skip(t & 7, end);
  }
  return b;
}

function readExponentialPoint(r: Reader, end: number): ExponentialHistogramPoint {
  const p: ExponentialHistogramPoint = {
    attributes: [],
    startMs: 0,
    timeMs: 0,
    flags: 0,
    exemplars: 0,
    count: 0,
    sum: undefined,
    scale: 0,
    zeroCount: 0,
    zeroThreshold: 0,
    positive: { offset: 0, counts: [] },
    negative: { offset: 0, counts: [] },
  };
  while (r.pos < end) {
    const t = r.tag(end);
    const wire = t & 7;
    switch (t >>> 3) {
      case 1:
        p.attributes.push(readKeyValue(r, r.sub(end, wire, 'attribute')));
        break;
      case 2:
        p.startMs = r.nanosToMs(end, wire, 'start_time_unix_nano');
        break;
      case 3:
        p.timeMs = r.nanosToMs(end, wire, 'time_unix_nano');
        break;
      case 4:
        p.count = r.fixed64(end, wire, 'count');
        break;
      case 5:
        p.sum = r.double(end, wire, 'sum');
        break;
      case 6:
        p.scale = r.sint32(end);
        break;
      case 7:
        p.zeroCount = r.fixed64(end, wire, 'zero_count');
        break;
      case 8:
        p.positive = readBuckets(r, r.sub(end, wire, 'positive'));
        break;
      case 9:
        p.negative = readBuckets(r, r.sub(end, wire, 'negative'));
        break;
      case 10:
        p.flags = r.varint(end);
        break;
      case 11:
        p.exemplars++;
        r.skip(wire, end);
        break;
      case 14:
        p.zeroThreshold = r.double(end, wire, 'zero_threshold');
        break;
      default:
        r.skip(wire, end);
    }
  }
  return p;
}

function readSummaryPoint(r: Reader, end: number): SummaryPoint {
  const p: SummaryPoint = {
    attributes: [],
    startMs: 0,
    timeMs: 0,
    flags: 0,
    exemplars: 0,
    count: 0,
    sum: 0,
    quantiles: [],
  };
  while (r.pos < end) {
    const t = r.tag(end);
    const wire = t & 7;
    switch (t >>> 3) {
      case 2:
        p.startMs = r.nanosToMs(end, wire, 'start_time_unix_nano');
        break;
      case 3:
        p.timeMs = r.nanosToMs(end, wire, 'time_unix_nano');
        break;
      case 4:
        p.count = r.fixed64(end, wire, 'count');
        break;
      case 5:
        p.sum = r.double(end, wire, 'sum');
        break;
      case 6: {
        const stop = r.sub(end, wire, 'quantile_values');
        const q = { quantile: 0, value: 0 };
        while (r.pos < stop) {
          const qt = r.tag(stop);
          if (qt >>> 3 === 1) q.quantile = r.double(stop, qt & 7, 'quantile');
          else if (qt >>> 3 === 2) q.value = r.double(stop, qt & 7, 'value');
          else r.skip(qt & 7, stop);
        }
        p.quantiles.push(q);
        break;
      }
      case 7:
        p.attributes.push(readKeyValue(r, r.sub(end, wire, 'attribute')));
        break;
      case 8:
        p.flags = r.varint(end);
        break;
      default:
        r.skip(wire, end);
    }
  }
  return p;
}

// ---- Responses ---------------------------------------------------------------------------

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function lenField(field: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | LEN, ...varint(payload.length)]), payload]);
}

/**
 * ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; } with
 * ExportMetricsPartialSuccess { int64 rejected_data_points = 1; string error_message = 2; }.
 * A full success is the empty message: an empty body.
 */
export function encodeExportResponse(partial?: { rejectedDataPoints: number; errorMessage: string }): Buffer {
  if (!partial) return Buffer.alloc(0);
  const inner = Buffer.concat([
    Buffer.from([(1 << 3) | VARINT, ...varint(partial.rejectedDataPoints)]),
    lenField(2, Buffer.from(partial.errorMessage, 'utf8')),
  ]);
  return lenField(1, inner);
}

/** google.rpc.Status { int32 code = 1; string message = 2; repeated Any details = 3; }, the OTLP/HTTP error body. */
export function encodeStatus(code: number, message: string): Buffer {
  return Buffer.concat([Buffer.from([(1 << 3) | VARINT, ...varint(code)]), lenField(2, Buffer.from(message, 'utf8'))]);
}
