/**
 * metric_samples rows arrive as RowBinary: (metric String, fingerprint UInt64, ts Int64 ms,
 * value Float64, stale UInt8). The embedded engine takes an insert's data as the tail of its
 * statement text and ends that data at the first empty line, so binary rows holding the bytes
 * "\n\n" (a row in about three thousand) would cut the insert short. Those rows go as
 * JSONEachRow instead: in a large batch only they do, in a second insert; a small batch goes
 * whole as JSON, since a second insert costs the engine more than parsing its rows as JSON.
 */

export const SAMPLE_COLUMNS = ['metric', 'fingerprint', 'ts', 'value', 'stale'] as const;

const EMPTY_LINE = Buffer.from('\n\n');
/** fingerprint + ts + value + stale */
const FIXED_BYTES = 25;

export interface SeparatedSamples {
  /** The rows safe to send as RowBinary. */
  rows: Buffer;
  /** The others, as JSONEachRow. */
  json: string;
  moved: number;
}

/** About 25k rows: past this, JSON parsing costs the engine more than a second insert. */
const SPLIT_FROM_BYTES = 1 << 20;

/** What to insert for a batch of RowBinary sample rows: binary rows, JSON rows, or both. */
export function samplesForInsert(body: Buffer): SeparatedSamples {
  if (body.indexOf(EMPTY_LINE) < 0) return { rows: body, json: '', moved: 0 };
  if (body.length >= SPLIT_FROM_BYTES) return separateEmptyLineRows(body);
  let json = '';
  let moved = 0;
  for (let p = 0; p < body.length; p = rowEnd(body, p), moved++) json += rowJson(body, p);
  return { rows: Buffer.alloc(0), json, moved };
}

export function separateEmptyLineRows(body: Buffer): SeparatedSamples {
  let hit = body.indexOf(EMPTY_LINE);
  if (hit < 0) return { rows: body, json: '', moved: 0 };
  const kept: Buffer[] = [];
  let json = '';
  let moved = 0;
  let keptFrom = 0;
  let p = 0;
  while (hit >= 0 && p < body.length) {
    if (hit + 1 < p) {
      hit = body.indexOf(EMPTY_LINE, hit + 1);
      continue;
    }
    const end = rowEnd(body, p);
    // The pair [hit, hit + 1] overlaps this row.
    if (hit < end) {
      if (keptFrom < p) kept.push(body.subarray(keptFrom, p));
      json += rowJson(body, p);
      moved++;
      keptFrom = end;
    }
    p = end;
  }
  if (keptFrom < body.length) kept.push(body.subarray(keptFrom));
  const rows = Buffer.concat(kept);
  // Rows joined across a removed one meet at a stale byte (0 or 1), so this never repeats in
  // practice; checked anyway, since a cut insert would lose data.
  if (rows.indexOf(EMPTY_LINE) >= 0) {
    const again = separateEmptyLineRows(rows);
    return { rows: again.rows, json: json + again.json, moved: moved + again.moved };
  }
  return { rows, json, moved };
}

function readVarint(body: Buffer, p: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = body[p++];
    if (byte === undefined) throw new Error('metric sample rows end inside a length');
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, p];
    scale *= 128;
  }
}

function rowEnd(body: Buffer, p: number): number {
  const [length, at] = readVarint(body, p);
  const end = at + length + FIXED_BYTES;
  if (end > body.length) throw new Error('metric sample rows end inside a row');
  return end;
}

/** Fingerprint decimals by their low 32 bits (checked against the high ones), so rows skip BigInt. */
const fingerprintText = new Map<number, { hi: number; text: string }>();

function fingerprintAt(body: Buffer, q: number): string {
  const lo = body.readUInt32LE(q);
  const hi = body.readUInt32LE(q + 4);
  const known = fingerprintText.get(lo);
  if (known !== undefined && known.hi === hi) return known.text;
  const text = body.readBigUInt64LE(q).toString();
  if (fingerprintText.size >= 100_000) fingerprintText.clear();
  fingerprintText.set(lo, { hi, text });
  return text;
}

function rowJson(body: Buffer, p: number): string {
  const [length, at] = readVarint(body, p);
  const metric = body.toString('utf8', at, at + length);
  const q = at + length;
  // Millisecond timestamps are safe integers: the high half times 2^32 plus the low is exact.
  const ts = body.readInt32LE(q + 12) * 4_294_967_296 + body.readUInt32LE(q + 8);
  const value = body.readDoubleLE(q + 16);
  const stale = body[q + 24] !== 0;
  return `{"metric":${JSON.stringify(metric)},"fingerprint":${fingerprintAt(body, q)},"ts":${ts},"value":${floatJson(value)}${stale ? ',"stale":1' : ''}}\n`;
}

/** JSON has no NaN or infinities; the engine reads these quoted spellings as Float64. */
function floatJson(v: number): string {
  if (Number.isFinite(v)) return String(v);
  if (Number.isNaN(v)) return '"nan"';
  return v > 0 ? '"inf"' : '"-inf"';
}
