import {
  AggregationTemporalityPreference,
  OTLPMetricExporter as JsonExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { eventually, get, post } from './http.ts';

type Series = { metric: Record<string, string>; value: number };

async function query(url: string, promql: string): Promise<Series[]> {
  const res = await get(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  if (res.status !== 200 || res.json?.status !== 'success') throw new Error(`${promql}: ${JSON.stringify(res.json)}`);
  return res.json.data.result.map((r: any) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** Raw samples of a range selector, per series: label set (without job/instance) → values. */
async function rawValues(url: string, selector: string): Promise<Record<string, number[]>> {
  const res = await get(`${url}/api/v1/query?query=${encodeURIComponent(`${selector}[10m]`)}`);
  if (res.status !== 200 || res.json?.data?.resultType !== 'matrix') throw new Error(JSON.stringify(res.json));
  const out: Record<string, number[]> = {};
  for (const r of res.json.data.result) out[labelKey(r.metric)] = r.values.map((v: [number, string]) => Number(v[1]));
  return out;
}

/** A series' labels without the ones that tell the two SDKs apart. */
function labelKey(metric: Record<string, string>): string {
  const { job: _job, instance: _instance, ...rest } = metric;
  return JSON.stringify(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function byLabels(series: Series[]): Record<string, number> {
  return Object.fromEntries(series.map((s) => [labelKey(s.metric), s.value]));
}

/**
 * One SDK with a counter, an observable counter, an explicit and an exponential histogram. Two
 * of them record the same values, one exporting DELTA and one CUMULATIVE; Stellwerk must end up
 * with the same series either way.
 */
function sdk(exporter: PushMetricExporter, service: string) {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.instance.id': `${service}-1` }),
    readers: [reader],
    views: [{ instrumentName: 'itdelta.latency', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('itdelta-meter', '1.0.0');
  const requests = meter.createCounter('itdelta.requests', { unit: '{request}' });
  let observed = 0;
  meter.createObservableCounter('itdelta.cpu', { unit: 's' }).addCallback((r) => r.observe(observed));
  const duration = meter.createHistogram('itdelta.duration', {
    unit: 'ms',
    advice: { explicitBucketBoundaries: [10, 100, 1000] },
  });
  const latency = meter.createHistogram('itdelta.latency', { unit: 's' });
  return {
    provider,
    /** One export cycle's recordings; `bToo` false leaves route /b without any in this cycle. */
    record(cycle: number, bToo: boolean): void {
      requests.add(cycle + 2, { route: '/a' });
      if (bToo) requests.add(1, { route: '/b' });
      observed += 1.5 * cycle;
      // Values away from powers of two, with exact binary sums.
      for (const v of [5, 50 * cycle, 5000]) duration.record(v, { route: '/a' });
      for (const v of [0.375, 3 * cycle, 6.5, 1500]) latency.record(v, { route: '/a' });
    },
  };
}

const METRICS = [
  'itdelta_requests_total',
  'itdelta_cpu_seconds_total',
  'itdelta_duration_milliseconds_bucket',
  'itdelta_duration_milliseconds_sum',
  'itdelta_duration_milliseconds_count',
  'itdelta_latency_seconds_bucket',
  'itdelta_latency_seconds_sum',
  'itdelta_latency_seconds_count',
];

describe('OTLP DELTA temporality from the real OpenTelemetry JS SDK', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('stores the same cumulative series and increase() as CUMULATIVE export of the same data', async () => {
    const url = `${server.url}/v1/metrics`;
    const delta = sdk(
      new ProtoExporter({ url, temporalityPreference: AggregationTemporalityPreference.DELTA }),
      'delta-svc',
    );
    const cumulative = sdk(
      new JsonExporter({ url, temporalityPreference: AggregationTemporalityPreference.CUMULATIVE }),
      'cumulative-svc',
    );
    let expectedA = 0;
    for (let cycle = 1; cycle <= 5; cycle++) {
      // Cycle 3 has no recording for /b: the DELTA SDK leaves it out and reports it again
      // later from its next recording (a gap Stellwerk must add across).
      const bToo = cycle !== 3;
      delta.record(cycle, bToo);
      cumulative.record(cycle, bToo);
      await Promise.all([delta.provider.forceFlush(), cumulative.provider.forceFlush()]);
      expectedA += cycle + 2;
      // Each cycle stored before the next (an export is answered once stored; polled anyway).
      await eventually(
        async () => {
          const rows = await query(server.url, `itdelta_requests_total{route="/a"}`);
          return rows.length === 2 && rows.every((r) => r.value === expectedA) ? rows : undefined;
        },
        20_000,
        `cycle ${cycle}: both counters at ${expectedA}`,
      );
    }
    const byRoute = byLabels(await query(server.url, 'itdelta_requests_total{job="delta-svc"}'));
    expect(Object.values(byRoute).sort((a, b) => a - b)).toEqual([4, expectedA]);
    for (const metric of METRICS) {
      const d = await query(server.url, `${metric}{job="delta-svc"}`);
      const c = await query(server.url, `${metric}{job="cumulative-svc"}`);
      expect(d.length, metric).toBeGreaterThan(0);
      expect(byLabels(d), metric).toEqual(byLabels(c));
    }
    // Every exported total, cycle by cycle, for the series recorded in every cycle.
    const everyCycle: Array<[string, string]> = [
      ['itdelta_requests_total', ',route="/a"'],
      ['itdelta_cpu_seconds_total', ''],
      ['itdelta_latency_seconds_bucket', ''],
      ['itdelta_duration_milliseconds_sum', ''],
    ];
    for (const [metric, matchers] of everyCycle) {
      const [d, c] = await Promise.all([
        rawValues(server.url, `${metric}{job="delta-svc"${matchers}}`),
        rawValues(server.url, `${metric}{job="cumulative-svc"${matchers}}`),
      ]);
      expect(Object.keys(d).length, metric).toBeGreaterThan(0);
      expect(d, metric).toEqual(c);
    }
    // The gap on /b: DELTA left cycle 3 out, CUMULATIVE repeated the total; both count the same.
    const [db, cb] = await Promise.all([
      rawValues(server.url, 'itdelta_requests_total{job="delta-svc",route="/b"}'),
      rawValues(server.url, 'itdelta_requests_total{job="cumulative-svc",route="/b"}'),
    ]);
    expect(Object.values(db)).toEqual([[1, 2, 3, 4]]);
    expect(Object.values(cb)).toEqual([[1, 2, 2, 3, 4]]);

    // Totals only grow, so increase() counts what was recorded, as with CUMULATIVE export. The
    // two SDKs export a few milliseconds apart, which moves the extrapolation slightly.
    expect(await query(server.url, 'resets(itdelta_requests_total{job="delta-svc"}[10m]) > 0')).toEqual([]);
    const inc = async (job: string) =>
      (await query(server.url, `increase(itdelta_requests_total{job="${job}",route="/a"}[10m])`))[0]?.value ?? 0;
    const [di, ci] = await Promise.all([inc('delta-svc'), inc('cumulative-svc')]);
    // 22 recorded after the first export, plus extrapolation towards the window's ends.
    expect(ci).toBeGreaterThanOrEqual(22);
    expect(Math.abs(di - ci) / ci).toBeLessThan(0.05);
    // Shut down only now: the CUMULATIVE SDK re-exports unchanged totals when it stops.
    await Promise.all([delta.provider.shutdown(), cumulative.provider.shutdown()]);
  });
});

describe('OTLP DELTA state limits and refused requests', () => {
  let server: TestServer;
  beforeAll(async () => {
    // A 3-record queue refuses bigger requests with 429; at most 5 DELTA series are tracked.
    server = await startTestServer({
      overrides: { ingest: { queueMaxRecords: 3, otlpDeltaMaxSeries: 5 }, scrape: { self: false } },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const startNs = `${Date.now() - 10_000}000000`;
  const endNs = `${Date.now()}000000`;
  /** One DELTA counter point per series `i`, all over the same interval. */
  const request = (series: number[]) =>
    JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'limits' } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'itlimit.jobs',
                  sum: {
                    aggregationTemporality: 1,
                    isMonotonic: true,
                    dataPoints: series.map((i) => ({
                      startTimeUnixNano: startNs,
                      timeUnixNano: endNs,
                      asInt: 10 + i,
                      attributes: [{ key: 'i', value: { intValue: i } }],
                    })),
                  },
                },
              ],
            },
          ],
        },
      ],
    });
  const send = (series: number[]) =>
    post(`${server.url}/v1/metrics`, request(series), { 'content-type': 'application/json' });

  it('adds the deltas of a request refused with 429 once, when the exporter sends them again', async () => {
    const refused = await send([0, 1, 2, 3, 4]);
    expect(refused.status).toBe(429);
    // Had the refused request left its additions behind, this resend would be skipped as one.
    const resent = await send([0, 1]);
    expect(resent.status).toBe(200);
    expect(resent.json).toEqual({});
    const rows = await eventually(async () => {
      const r = await query(server.url, 'itlimit_jobs_total');
      return r.length === 2 ? r : undefined;
    });
    expect(Object.fromEntries(rows.map((r) => [r.metric.i, r.value]))).toEqual({ 0: 10, 1: 11 });
    // A second resend of the stored request is skipped, not reported as rejected.
    expect((await send([0, 1])).json).toEqual({});
  });

  it('refuses points of new series beyond ingest.otlpDeltaMaxSeries with a partialSuccess naming the key', async () => {
    // Two series are tracked from the previous test; three more fit, two do not.
    const res = await send([10, 11, 12, 13, 14]);
    expect(res.status).toBe(200);
    expect(res.json.partialSuccess.rejectedDataPoints).toBe('2');
    expect(res.json.partialSuccess.errorMessage).toMatch(/more than 5 DELTA series.*ingest\.otlpDeltaMaxSeries/);
    const rows = await eventually(async () => {
      const r = await query(server.url, 'itlimit_jobs_total{i=~"1."}');
      return r.length === 3 ? r : undefined;
    });
    expect(rows.map((r) => r.metric.i).sort()).toEqual(['10', '11', '12']);
    const own = await (await fetch(`${server.url}/metrics`)).text();
    expect(own).toMatch(/^stellwerk_otlp_delta_series 5$/m);
    expect(own).toMatch(/^stellwerk_values_skipped_total\{receiver="otlp",reason="delta_series_limit"\} 2$/m);
  });
});
