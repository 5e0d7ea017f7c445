import { describe, expect, it } from 'vitest';
import { SeriesRegistry } from '../pipeline/series-registry.ts';
import { SampleRowsEncoder } from '../writer/encode-metrics.ts';
import { samplesForInsert, separateEmptyLineRows } from './sample-rows.ts';

/** A double whose little-endian bytes hold "\n\n". */
const VALUE_WITH_EMPTY_LINE = Buffer.from([1, 2, 0x0a, 0x0a, 3, 4, 5, 0x40]).readDoubleLE(0);
/** A millisecond timestamp whose low bytes are "\n\n". */
const TS_WITH_EMPTY_LINE = 1_764_000_000_000 - (1_764_000_000_000 % 65_536) + 0x0a0a;

function countRows(body: Buffer): number {
  let n = 0;
  for (let p = 0; p < body.length; n++) p += 1 + (body[p] as number) + 25;
  return n;
}

describe('separateEmptyLineRows', () => {
  const fp = SeriesRegistry.fingerprint('up');

  it('passes rows without "\\n\\n" through untouched', () => {
    const enc = new SampleRowsEncoder();
    for (let i = 0; i < 100; i++) enc.sample('up', fp, 1_764_000_000_000 + i * 1000, i);
    const body = enc.finish();
    const out = separateEmptyLineRows(body);
    expect(out.rows).toBe(body);
    expect(out.json).toBe('');
  });

  it('moves exactly the rows holding "\\n\\n" to JSON, values and flags kept', () => {
    const enc = new SampleRowsEncoder();
    enc.sample('up', fp, 1_764_000_000_000, 1);
    enc.sample('up', fp, 1_764_000_001_000, VALUE_WITH_EMPTY_LINE, true);
    enc.sample('up', fp, TS_WITH_EMPTY_LINE, Number.NEGATIVE_INFINITY);
    enc.sample('up', fp, 1_764_000_002_000, 2);
    // The name's length byte is "\n", after a stale byte: not a pair, stays binary.
    enc.sample('abcdefghij', fp, 1_764_000_003_000, 3);
    enc.sample('up', fp, TS_WITH_EMPTY_LINE + 1, Number.NaN);
    const out = separateEmptyLineRows(enc.finish());
    expect(out.moved).toBe(2);
    expect(out.rows.indexOf('\n\n')).toBe(-1);
    expect(countRows(out.rows)).toBe(4);
    const moved = out.json
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(moved).toEqual([
      { metric: 'up', fingerprint: Number(fp.text), ts: 1_764_000_001_000, value: VALUE_WITH_EMPTY_LINE, stale: 1 },
      { metric: 'up', fingerprint: Number(fp.text), ts: TS_WITH_EMPTY_LINE, value: '-inf' },
    ]);
    // The fingerprint goes as an exact UInt64, not through a double.
    expect(out.json).toContain(`"fingerprint":${fp.text},`);
  });

  it('moves both rows when the pair spans a row boundary', () => {
    // A row ends with its stale byte; a stale byte is 0 or 1, so a crafted body stands in.
    const row = (last: number) => {
      const enc = new SampleRowsEncoder();
      enc.sample('abcdefghij', fp, 1_764_000_000_000, 1);
      const b = Buffer.from(enc.finish());
      b[b.length - 1] = last;
      return b;
    };
    const body = Buffer.concat([row(0), row(0x0a), row(0), row(0)]);
    const out = separateEmptyLineRows(body);
    expect(out.moved).toBe(2);
    expect(countRows(out.rows)).toBe(2);
    expect(out.rows.indexOf('\n\n')).toBe(-1);
  });
});

describe('samplesForInsert', () => {
  const fp = SeriesRegistry.fingerprint('up');

  it('sends a small batch holding "\\n\\n" whole as JSON, in one insert', () => {
    const enc = new SampleRowsEncoder();
    enc.sample('up', fp, 1_764_000_000_000, 1);
    enc.sample('up', fp, TS_WITH_EMPTY_LINE, 2, true);
    enc.sample('up', fp, 1_764_000_002_000, Number.POSITIVE_INFINITY);
    const out = samplesForInsert(enc.finish());
    expect(out.rows.length).toBe(0);
    expect(
      out.json
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { metric: 'up', fingerprint: Number(fp.text), ts: 1_764_000_000_000, value: 1 },
      { metric: 'up', fingerprint: Number(fp.text), ts: TS_WITH_EMPTY_LINE, value: 2, stale: 1 },
      { metric: 'up', fingerprint: Number(fp.text), ts: 1_764_000_002_000, value: 'inf' },
    ]);
  });

  it('splits a large batch instead, moving only the rows the engine cannot take', () => {
    const enc = new SampleRowsEncoder();
    for (let i = 0; i < 50_000; i++) enc.sample('up', fp, 1_764_000_000_000 + i * 1000, i % 100);
    enc.sample('up', fp, TS_WITH_EMPTY_LINE, 1);
    const out = samplesForInsert(enc.finish());
    expect(out.moved).toBeGreaterThanOrEqual(1);
    expect(out.moved).toBeLessThan(100);
    expect(countRows(out.rows) + out.moved).toBe(50_001);
    expect(out.rows.indexOf('\n\n')).toBe(-1);
  });
});
