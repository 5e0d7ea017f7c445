import { compress } from 'snappyjs';
import type { RemoteWriteMetadata, RemoteWriteSeries } from './write-request.ts';

/**
 * Test-only encoder for WriteRequest, so tests can build bodies Prometheus would send
 * (NaN, stale markers, negative timestamps, histograms) without a Prometheus at hand.
 */
export interface WriteRequestInput {
  timeseries?: Array<Partial<RemoteWriteSeries>>;
  metadata?: RemoteWriteMetadata[];
}

export function encodeWriteRequest(req: WriteRequestInput): Buffer {
  const parts: Buffer[] = [];
  for (const ts of req.timeseries ?? []) parts.push(field(1, timeSeries(ts)));
  for (const m of req.metadata ?? []) parts.push(field(3, metadata(m)));
  return Buffer.concat(parts);
}

/** Snappy block format, as Prometheus sends it. */
export function snappyBody(req: WriteRequestInput): Buffer {
  return Buffer.from(compress(new Uint8Array(encodeWriteRequest(req))));
}

/** The float64 bit pattern Prometheus uses as its stale marker (value.StaleNaN). */
export const STALE_NAN = Buffer.from([2, 0, 0, 0, 0, 0, 0xf0, 0x7f]).readDoubleLE(0);

function timeSeries(ts: Partial<RemoteWriteSeries>): Buffer {
  const parts: Buffer[] = [];
  for (const l of ts.labels ?? []) parts.push(field(1, Buffer.concat([str(1, l.name), str(2, l.value)])));
  for (const s of ts.samples ?? []) {
    const v = Buffer.alloc(9);
    v[0] = (1 << 3) | 1;
    // The marker's bytes are written as such: JS does not promise to keep a NaN's payload.
    if (s.stale) Buffer.from([2, 0, 0, 0, 0, 0, 0xf0, 0x7f]).copy(v, 1);
    else v.writeDoubleLE(s.value, 1);
    parts.push(field(2, Buffer.concat([v, Buffer.from([(2 << 3) | 0]), varint(BigInt(s.timestampMs))])));
  }
  // Opaque stand-ins: the reader only counts these.
  for (let i = 0; i < (ts.exemplars ?? 0); i++) parts.push(field(3, Buffer.from([0x10, 0x01])));
  for (let i = 0; i < (ts.histograms ?? 0); i++) parts.push(field(4, Buffer.from([0x08, 0x01])));
  return Buffer.concat(parts);
}

function metadata(m: RemoteWriteMetadata): Buffer {
  return Buffer.concat([
    Buffer.from([(1 << 3) | 0]),
    varint(BigInt(m.type)),
    str(2, m.metricFamilyName),
    str(4, m.help),
    str(5, m.unit),
  ]);
}

function field(no: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(no << 3) | 2]), varint(BigInt(payload.length)), payload]);
}

function str(no: number, s: string): Buffer {
  return field(no, Buffer.from(s, 'utf8'));
}

function varint(v: bigint): Buffer {
  let u = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    const b = Number(u & 0x7fn);
    u >>= 7n;
    out.push(u > 0n ? b | 0x80 : b);
  } while (u > 0n);
  return Buffer.from(out);
}
