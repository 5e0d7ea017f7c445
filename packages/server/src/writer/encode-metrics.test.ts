import { describe, expect, it } from 'vitest';
import { SeriesRegistry } from '../pipeline/series-registry.ts';
import { encodeSeriesRow, SampleRowsEncoder } from './encode-metrics.ts';

interface Decoded {
  metric: string;
  fingerprint: string;
  ts: number;
  value: number;
  stale: boolean;
}

/** A RowBinary reader for (String, UInt64, DateTime64(3), Float64, UInt8), written independently of the encoder. */
function decode(body: Buffer): Decoded[] {
  const rows: Decoded[] = [];
  let p = 0;
  while (p < body.length) {
    let length = 0;
    let shift = 0;
    for (;;) {
      const byte = body[p++] as number;
      length |= (byte & 0x7f) << shift;
      shift += 7;
      if (byte < 0x80) break;
    }
    const metric = body.toString('utf8', p, p + length);
    p += length;
    rows.push({
      metric,
      fingerprint: body.readBigUInt64LE(p).toString(),
      ts: Number(body.readBigInt64LE(p + 8)),
      value: body.readDoubleLE(p + 16),
      stale: body[p + 24] === 1,
    });
    p += 25;
  }
  expect(p).toBe(body.length);
  return rows;
}

describe('SampleRowsEncoder', () => {
  it('writes RowBinary rows a reader gets back exactly, special values included', () => {
    const long = `m_${'x'.repeat(300)}`;
    const a = SeriesRegistry.fingerprint('cpu\u0000host\u0000a');
    const b = SeriesRegistry.fingerprint(`${long}\u0000job\u0000b`);
    const rows: Decoded[] = [
      { metric: 'cpu', fingerprint: a.text, ts: 1_764_000_000_123, value: 0.25, stale: false },
      { metric: 'cpu', fingerprint: a.text, ts: 1_764_000_000_124, value: Number.NaN, stale: true },
      { metric: 'cpu', fingerprint: a.text, ts: 1_764_000_000_125, value: Number.POSITIVE_INFINITY, stale: false },
      { metric: 'cpu', fingerprint: a.text, ts: 1_764_000_000_126, value: Number.NEGATIVE_INFINITY, stale: false },
      { metric: long, fingerprint: b.text, ts: -86_400_001, value: -1e308, stale: false },
      { metric: long, fingerprint: b.text, ts: 0, value: 5e-324, stale: false },
    ];
    const enc = new SampleRowsEncoder(1);
    for (const r of rows) enc.sample(r.metric, r.metric === 'cpu' ? a : b, r.ts, r.value, r.stale);
    const back = decode(enc.finish());
    expect(back).toEqual(rows);
    expect(Buffer.byteLength(long)).toBeGreaterThan(127);
  });

  it('grows past its first guess and keeps every row', () => {
    const fp = SeriesRegistry.fingerprint('up');
    const enc = new SampleRowsEncoder(1);
    for (let i = 0; i < 10_000; i++) enc.sample(`metric_${i % 7}`, fp, 1_700_000_000_000 + i, i / 3, i % 5 === 0);
    const back = decode(enc.finish());
    expect(back).toHaveLength(10_000);
    expect(back[9_999]).toEqual({
      metric: 'metric_3',
      fingerprint: fp.text,
      ts: 1_700_000_009_999,
      value: 9_999 / 3,
      stale: false,
    });
    expect(back.filter((r) => r.stale)).toHaveLength(2_000);
  });

  it('truncates fractional milliseconds as before', () => {
    const fp = SeriesRegistry.fingerprint('up');
    const enc = new SampleRowsEncoder();
    enc.sample('up', fp, 1_700_000_000_000.9, 1);
    expect(decode(enc.finish())[0]?.ts).toBe(1_700_000_000_000);
  });
});

describe('encodeSeriesRow', () => {
  it('keeps non-ASCII label values as they are', () => {
    const row = encodeSeriesRow('up', '18446744073709551615', { city: 'Zürich', note: '東京 "quoted"\n' }, 1_000);
    expect(row.endsWith('\n')).toBe(true);
    expect(row).toContain('"fingerprint":18446744073709551615');
    expect(JSON.parse(row).labels).toEqual({ city: 'Zürich', note: '東京 "quoted"\n' });
  });
});
