import type { MetricSample } from '@stellwerk/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeriesRegistry } from '../src/pipeline/series-registry.ts';
import { MetricsRepository } from '../src/store/metrics-repository.ts';
import { p, sql } from '../src/store/sql.ts';
import { startTestServer, type TestServer } from './harness.ts';

let server: TestServer;
let repo: MetricsRepository;
beforeAll(async () => {
  server = await startTestServer({ overrides: { metrics: { maxSeriesPerMetric: 3 } } });
  repo = new MetricsRepository(server.running.store);
});
afterAll(async () => {
  await server?.close();
});

describe('metric storage', () => {
  it('stores series once and samples by fingerprint, non-finite values included', async () => {
    const ingest = server.app.metricsIngest;
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
    const samples: MetricSample[] = [0, 1, 2].flatMap((i) => [
      { metric: 'http_requests_total', labels: { code: '200', job: 'api' }, tsMs: t0 + i * 15_000, value: 10 + i },
      { metric: 'http_requests_total', labels: { job: 'api', code: '500' }, tsMs: t0 + i * 15_000, value: i },
    ]);
    samples.push({ metric: 'temperature', labels: {}, tsMs: t0, value: Number.NaN });
    samples.push({ metric: 'temperature', labels: {}, tsMs: t0 + 1000, value: Number.POSITIVE_INFINITY });
    const r = await ingest.ingest(samples, { receiver: 'test' });
    expect(r).toEqual({ accepted: 8, rejected: 0, errors: [] });
    const series = await repo.matchSeries(sql`metric = ${p.String('http_requests_total')}`);
    expect(series.map((s) => s.labels).sort((a, b) => (a.code ?? '').localeCompare(b.code ?? ''))).toEqual([
      { code: '200', job: 'api' },
      { code: '500', job: 'api' },
    ]);
    const ok = series.find((s) => s.labels.code === '200');
    const values = await repo.samples('http_requests_total', [ok?.fingerprint as string], t0, t0 + 60_000);
    expect(values.map((v) => [v.t - t0, v.value])).toEqual([
      [0, 10],
      [15_000, 11],
      [30_000, 12],
    ]);
    const temp = await repo.matchSeries(sql`metric = 'temperature'`);
    const tv = await repo.samples('temperature', [temp[0]?.fingerprint as string], t0, t0 + 2000);
    expect(Number.isNaN(tv[0]?.value)).toBe(true);
    expect(tv[1]?.value).toBe(Number.POSITIVE_INFINITY);
    // Label order does not make a new series.
    expect(SeriesRegistry.fingerprintOf(SeriesRegistry.key('m', { a: '1', b: '2' }))).toBe(
      SeriesRegistry.fingerprintOf(SeriesRegistry.key('m', { b: '2', a: '1' })),
    );
  });

  it('refuses new series past the per-metric limit, keeps existing ones, and names the metric', async () => {
    const ingest = server.app.metricsIngest;
    const t = Date.now();
    const r = await ingest.ingest(
      [1, 2, 3, 4].map((i) => ({ metric: 'cardinal', labels: { user: `u${i}` }, tsMs: t, value: i })),
      { receiver: 'test' },
    );
    expect(r.accepted).toBe(3);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]?.reason).toMatch(/"cardinal" already has 3 series.*metrics\.maxSeriesPerMetric/);
    const again = await ingest.ingest([{ metric: 'cardinal', labels: { user: 'u1' }, tsMs: t + 1, value: 9 }], {
      receiver: 'test',
    });
    expect(again.accepted).toBe(1);
    // The refusal is counted, and the cardinality view names the top producer.
    const m = await (await fetch(`${server.url}/metrics`)).text();
    expect(m).toMatch(/stellwerk_records_rejected_total\{receiver="test",reason="cardinality"\} 1/);
    const tsdb = (await (await fetch(`${server.url}/api/v1/status/tsdb?limit=1000`)).json()) as any;
    expect(tsdb.status).toBe('success');
    expect(tsdb.data.seriesCountByMetricName).toContainEqual({ name: 'cardinal', value: 3 });
    expect(tsdb.data.labelValueCountByLabelName).toContainEqual({ name: 'user', value: 3 });
    expect(tsdb.data.headStats.numSeries).toBeGreaterThanOrEqual(3);
  });

  it('tells a stale marker from a NaN sample: NaN is a value, the marker ends the series', async () => {
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 600_000;
    await server.app.metricsIngest.ingest(
      [
        { metric: 'quantile_gauge', labels: { q: 'nan' }, tsMs: t0, value: Number.NaN },
        { metric: 'quantile_gauge', labels: { q: 'ended' }, tsMs: t0, value: 5 },
        { metric: 'quantile_gauge', labels: { q: 'ended' }, tsMs: t0 + 30_000, value: Number.NaN, stale: true },
      ],
      { receiver: 'test' },
    );
    const at = (t0 + 60_000) / 1000;
    const res = await fetch(`${server.url}/api/v1/query?query=quantile_gauge&time=${at}`);
    const body = (await res.json()) as {
      data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    expect(body.data.result.map((r) => [r.metric.q, r.value[1]])).toEqual([['nan', 'NaN']]);
  });

  it('refuses samples older than retention instead of losing them silently', async () => {
    const r = await server.app.metricsIngest.ingest(
      [{ metric: 'old_metric', labels: {}, tsMs: Date.now() - 30 * 86_400_000, value: 1 }],
      { receiver: 'test' },
    );
    expect(r.accepted).toBe(0);
    expect(r.errors[0]?.reason).toMatch(/older than the metrics retention \(15d\)/);
  });

  it('rejects invalid names with the reason', async () => {
    const r = await server.app.metricsIngest.ingest(
      [
        { metric: '1bad', labels: {}, tsMs: Date.now(), value: 1 },
        { metric: 'ok_metric', labels: { 'bad-label': 'x' }, tsMs: Date.now(), value: 1 },
      ],
      { receiver: 'test' },
    );
    expect(r.accepted).toBe(0);
    expect(r.errors.map((e) => e.index)).toEqual([0, 1]);
  });
});
