import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeriesRegistry } from '../src/pipeline/series-registry.ts';
import { MetricsRepository } from '../src/store/metrics-repository.ts';
import { p, sql } from '../src/store/sql.ts';
import { encodeSeriesRow, SampleRowsEncoder } from '../src/writer/encode-metrics.ts';
import { startTestServer, type TestServer } from './harness.ts';

let server: TestServer;
let repo: MetricsRepository;
beforeAll(async () => {
  server = await startTestServer();
  repo = new MetricsRepository(server.running.store);
});
afterAll(async () => {
  await server?.close();
});

/** A double whose little-endian bytes hold "\n\n", where chDB would end inline insert data. */
const VALUE_WITH_EMPTY_LINE = Buffer.from([1, 2, 0x0a, 0x0a, 3, 4, 5, 0x40]).readDoubleLE(0);

interface Row {
  t: string;
  value: number | string;
  stale: number;
}

async function rowsOf(metric: string, fingerprint: string): Promise<Row[]> {
  return server.running.store.query<Row>(sql`
    SELECT toString(toUnixTimestamp64Milli(ts)) AS t, value, stale FROM metric_samples
    WHERE metric = ${p.String(metric)} AND fingerprint = ${p.UInt64(fingerprint)} ORDER BY ts`);
}

describe('metric samples in RowBinary', () => {
  it('stores what was encoded: special values, stale markers, long names, "\\n\\n" bytes', async () => {
    const long = `long_${'n'.repeat(200)}`;
    const a = SeriesRegistry.fingerprint(SeriesRegistry.key(long, { host: 'a' }));
    const t0 = Math.floor((Date.now() - 3_600_000) / 65_536) * 65_536;
    const enc = new SampleRowsEncoder(4);
    const n = 20_000;
    for (let i = 0; i < n; i++) enc.sample(long, a, t0 + i, i);
    // t0 is a multiple of 65536, so row 0x0a0a has "\n\n" in its timestamp's low bytes.
    enc.sample(long, a, t0 + n, Number.NaN, true);
    enc.sample(long, a, t0 + n + 1, Number.POSITIVE_INFINITY);
    enc.sample(long, a, t0 + n + 2, Number.NEGATIVE_INFINITY);
    enc.sample(long, a, t0 + n + 3, VALUE_WITH_EMPTY_LINE);
    const body = enc.finish();
    expect(body.indexOf('\n\n')).toBeGreaterThan(0);
    await repo.insertSamples(body, 'rowbinary-test-1');

    const rows = await rowsOf(long, a.text);
    expect(rows).toHaveLength(n + 4);
    for (let i = 0; i < n; i++) {
      if (rows[i]?.t !== String(t0 + i) || rows[i]?.value !== i || rows[i]?.stale !== 0) {
        expect.fail(`row ${i} came back as ${JSON.stringify(rows[i])}`);
      }
    }
    expect(rows.slice(n)).toEqual([
      { t: String(t0 + n), value: 'nan', stale: 1 },
      { t: String(t0 + n + 1), value: 'inf', stale: 0 },
      { t: String(t0 + n + 2), value: '-inf', stale: 0 },
      { t: String(t0 + n + 3), value: VALUE_WITH_EMPTY_LINE, stale: 0 },
    ]);

    // A retried batch (same token) is not stored twice.
    await repo.insertSamples(body, 'rowbinary-test-1');
    expect(await rowsOf(long, a.text)).toHaveLength(n + 4);
  });

  it('stores a small batch holding "\\n\\n" bytes, once when retried', async () => {
    const fp = SeriesRegistry.fingerprint(SeriesRegistry.key('small_batch', {}));
    const t0 = Math.floor((Date.now() - 3_600_000) / 65_536) * 65_536;
    const enc = new SampleRowsEncoder();
    enc.sample('small_batch', fp, t0 + 1, 1);
    enc.sample('small_batch', fp, t0 + 2, VALUE_WITH_EMPTY_LINE, true);
    enc.sample('small_batch', fp, t0 + 0x0a0a, Number.NaN);
    const body = enc.finish();
    await repo.insertSamples(body, 'rowbinary-test-3');
    await repo.insertSamples(body, 'rowbinary-test-3');
    expect(await rowsOf('small_batch', fp.text)).toEqual([
      { t: String(t0 + 1), value: 1, stale: 0 },
      { t: String(t0 + 2), value: VALUE_WITH_EMPTY_LINE, stale: 1 },
      { t: String(t0 + 0x0a0a), value: 'nan', stale: 0 },
    ]);
  });

  it('keeps non-ASCII label values of series', async () => {
    const labels = { city: 'Zürich', note: '東京 "quoted"\nline' };
    const fp = SeriesRegistry.fingerprintOf(SeriesRegistry.key('weather', labels));
    await repo.insertSeries(Buffer.from(encodeSeriesRow('weather', fp, labels, Date.now())), 'rowbinary-test-2');
    const series = await repo.matchSeries(sql`metric = 'weather'`);
    expect(series).toEqual([{ metric: 'weather', fingerprint: fp, labels }]);
  });
});
