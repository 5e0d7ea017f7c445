/**
 * Rows for the metrics tables, hand-written: the ingest hot path.
 *
 * Samples are RowBinary: the engine parses binary rows for about half the CPU JSON costs it,
 * and they are written into one growable Buffer per request, with no per-row string. RowBinary
 * rows concatenate without separators, so the batch writer joins requests as they are.
 *
 * Series rows stay JSONEachRow: they are written once per new series, and label values may
 * hold any text.
 */

export function encodeSeriesRow(
  metric: string,
  fingerprint: string,
  labels: Record<string, string>,
  seenMs: number,
): string {
  let map = '';
  for (const k in labels) map += `${map ? ',' : ''}${JSON.stringify(k)}:${JSON.stringify(labels[k])}`;
  return `{"metric":${JSON.stringify(metric)},"fingerprint":${fingerprint},"labels":{${map}},"last_seen":${Math.trunc(seenMs)}}\n`;
}

const TWO_32 = 4_294_967_296;

/** Metric names repeat across rows: their length-prefixed bytes are kept (bounded). */
const nameCache = new Map<string, Buffer>();

function encodedString(s: string): Buffer {
  let b = nameCache.get(s);
  if (b === undefined) {
    const bytes = Buffer.from(s, 'utf8');
    b = Buffer.allocUnsafe(varintSize(bytes.length) + bytes.length);
    const at = writeVarint(b, 0, bytes.length);
    bytes.copy(b, at);
    if (nameCache.size >= 10_000) nameCache.clear();
    nameCache.set(s, b);
  }
  return b;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** A UInt64 as its low and high 32 bits, kept per series so no row needs a BigInt. */
export interface Uint64Parts {
  readonly lo: number;
  readonly hi: number;
}

/** The metric_samples rows of one request, in one Buffer. */
export class SampleRowsEncoder {
  private buf: Buffer;
  private pos = 0;

  constructor(expectedRows = 64) {
    this.buf = Buffer.allocUnsafe(Math.max(256, expectedRows * 48));
  }

  /**
   * One metric_samples row, columns (metric, fingerprint, ts, value, stale) as the store's
   * insert names them. NaN and the infinities are plain Float64 bits; stale marks where a
   * series ended.
   */
  sample(metric: string, fingerprint: Uint64Parts, tsMs: number, value: number, stale = false): void {
    const name = encodedString(metric);
    this.reserve(name.length + 25);
    const b = this.buf;
    let p = this.pos;
    p += name.copy(b, p);
    b.writeUInt32LE(fingerprint.lo, p);
    b.writeUInt32LE(fingerprint.hi, p + 4);
    p = this.int64(p + 8, Math.trunc(tsMs));
    b.writeDoubleLE(value, p);
    p += 8;
    b[p++] = stale ? 1 : 0;
    this.pos = p;
  }

  /** The rows written; the Buffer is trimmed when most of it would be slack held in a queue. */
  finish(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    return this.pos * 2 < this.buf.length ? Buffer.from(out) : out;
  }

  /** Int64 little-endian from a safe integer, negative ones in two's complement. */
  private int64(p: number, v: number): number {
    const hi = Math.floor(v / TWO_32);
    this.buf.writeUInt32LE(v - hi * TWO_32, p);
    this.buf.writeInt32LE(hi, p + 4);
    return p + 8;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}
