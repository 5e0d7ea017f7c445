import { DiagLogLevel, diag } from '@opentelemetry/api';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsRepository } from '../src/store/metrics-repository.ts';
import { p, sql } from '../src/store/sql.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { eventually, get, post } from './http.ts';

/** Series and samples as Stellwerk stored them. */
async function stored(repo: MetricsRepository, metric: string) {
  const series = await repo.matchSeries(sql`metric = ${p.String(metric)}`);
  const samples = await repo.samples(
    metric,
    series.map((s) => s.fingerprint),
    Date.now() - 3_600_000,
    Date.now() + 60_000,
  );
  return series.map((s) => ({
    labels: s.labels,
    values: samples.filter((x) => x.fingerprint === s.fingerprint).map((x) => x.value),
  }));
}

/** An instant query through Stellwerk's Prometheus API: label set → value. */
async function query(url: string, promql: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
  const res = await get(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  if (res.status !== 200 || res.json?.status !== 'success') throw new Error(`${promql}: ${JSON.stringify(res.json)}`);
  return res.json.data.result.map((r: any) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** Polls a query until it returns `n` series (the store answers right after ingest, but never sleep blindly). */
function queryUntil(url: string, promql: string, n: number) {
  return eventually(
    async () => {
      const r = await query(url, promql);
      return r.length >= n ? r : undefined;
    },
    20_000,
    promql,
  );
}

/** Records one set of every synchronous and observable instrument, then flushes through `exporter`. */
async function runSdk(exporter: PushMetricExporter, service: string, prefix: string): Promise<void> {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': service,
      'service.namespace': 'itest',
      'service.instance.id': `${service}-1`,
      'deployment.environment': 'test',
    }),
    readers: [reader],
  });
  const meter = provider.getMeter('itest-meter', '1.0.0');
  const requests = meter.createCounter(`${prefix}.requests`, { description: 'requests served', unit: '{request}' });
  requests.add(3, { route: '/a', method: 'GET' });
  requests.add(2, { route: '/b', method: 'POST' });
  const depth = meter.createUpDownCounter(`${prefix}.queue.depth`);
  depth.add(5);
  depth.add(-2);
  meter.createGauge(`${prefix}.temperature`, { unit: 'Cel' }).record(21.5, { room: 'a' });
  meter
    .createObservableGauge(`${prefix}.memory.usage`, { unit: 'By' })
    .addCallback((r) => r.observe(1024, { pool: 'heap' }));
  const duration = meter.createHistogram(`${prefix}.duration`, {
    unit: 'ms',
    advice: { explicitBucketBoundaries: [10, 100, 1000] },
  });
  for (const v of [5, 50, 60, 5000]) duration.record(v, { route: '/a' });
  await provider.forceFlush();
  await provider.shutdown();
}

async function checkStored(server: TestServer, repo: MetricsRepository, service: string, prefix: string) {
  const url = server.url;
  const job = `itest/${service}`;
  const scope = { otel_scope_name: 'itest-meter', otel_scope_version: '1.0.0', job, instance: `${service}-1` };

  // Counter: `.` → `_`, `{request}` dropped, `_total` added; attributes and resource as labels.
  const counter = await queryUntil(url, `${prefix}_requests_total`, 2);
  const byRoute = Object.fromEntries(counter.map((r) => [r.metric.route, r]));
  expect(byRoute['/a']?.value).toBe(3);
  expect(byRoute['/b']?.value).toBe(2);
  expect(byRoute['/a']?.metric).toEqual({ __name__: `${prefix}_requests_total`, route: '/a', method: 'GET', ...scope });

  const [depth] = await queryUntil(url, `${prefix}_queue_depth`, 1);
  expect(depth?.value).toBe(3);
  const [temperature] = await queryUntil(url, `${prefix}_temperature_celsius{room="a"}`, 1);
  expect(temperature?.value).toBe(21.5);
  const [memory] = await queryUntil(url, `${prefix}_memory_usage_bytes{pool="heap"}`, 1);
  expect(memory?.value).toBe(1024);

  const buckets = await queryUntil(url, `${prefix}_duration_milliseconds_bucket{route="/a"}`, 4);
  expect(Object.fromEntries(buckets.map((b) => [b.metric.le, b.value]))).toEqual({
    '10': 1,
    '100': 3,
    '1000': 3,
    '+Inf': 4,
  });
  expect((await query(url, `${prefix}_duration_milliseconds_sum`))[0]?.value).toBe(5115);
  expect((await query(url, `${prefix}_duration_milliseconds_count`))[0]?.value).toBe(4);
  const [p50] = await query(url, `histogram_quantile(0.5, ${prefix}_duration_milliseconds_bucket)`);
  expect(p50?.value).toBeGreaterThan(10);
  expect(p50?.value).toBeLessThanOrEqual(100);

  // The other resource attributes live on target_info, joinable on job/instance.
  const info = await queryUntil(url, `target_info{job="${job}"}`, 1);
  expect(info[0]?.metric).toEqual({
    __name__: 'target_info',
    deployment_environment: 'test',
    job,
    instance: `${service}-1`,
  });

  // The same through the repository: series labels, sample values, metadata.
  const series = await stored(repo, `${prefix}_requests_total`);
  const a = series.find((s) => s.labels.route === '/a');
  expect(a?.labels).toEqual({ route: '/a', method: 'GET', ...scope });
  // forceFlush and shutdown each export the cumulative total once.
  expect(a?.values.length).toBeGreaterThanOrEqual(1);
  expect(new Set(a?.values)).toEqual(new Set([3]));
  const meta = Object.fromEntries((await repo.metadata()).map((m) => [m.metric, m]));
  expect(meta[`${prefix}_requests_total`]).toMatchObject({ type: 'counter', help: 'requests served' });
  expect(meta[`${prefix}_queue_depth`]?.type).toBe('gauge');
  expect(meta[`${prefix}_duration_milliseconds`]).toMatchObject({ type: 'histogram', unit: 'milliseconds' });
  expect(meta[`${prefix}_memory_usage_bytes`]).toMatchObject({ type: 'gauge', unit: 'bytes' });
}

describe('OTLP/HTTP metrics from the real OpenTelemetry JS SDK', () => {
  let server: TestServer;
  let repo: MetricsRepository;
  beforeAll(async () => {
    server = await startTestServer();
    repo = new MetricsRepository(server.running.store);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('stores what the http/json exporter sends (chunked, no Content-Length)', async () => {
    await runSdk(new JsonExporter({ url: `${server.url}/v1/metrics` }), 'svc-json', 'itjson');
    await checkStored(server, repo, 'svc-json', 'itjson');
  });

  it('stores what the http/protobuf exporter sends', async () => {
    await runSdk(new ProtoExporter({ url: `${server.url}/v1/metrics` }), 'svc-proto', 'itproto');
    await checkStored(server, repo, 'svc-proto', 'itproto');
  });

  it('stores what the http/protobuf exporter sends gzip-compressed', async () => {
    // The option is typed as otlp-exporter-base's CompressionAlgorithm enum, whose GZIP is 'gzip'.
    const compression = 'gzip' as NonNullable<ConstructorParameters<typeof ProtoExporter>[0]>['compression'];
    await runSdk(new ProtoExporter({ url: `${server.url}/v1/metrics`, compression }), 'svc-gzip', 'itgzip');
    await checkStored(server, repo, 'svc-gzip', 'itgzip');
  });

  it('answers 400 with a google.rpc.Status for undecodable bodies, 415 for other types', async () => {
    const badJson = await post(`${server.url}/v1/metrics`, '{"resourceMetrics":', {
      'content-type': 'application/json',
    });
    expect(badJson.status).toBe(400);
    expect(badJson.json).toMatchObject({ code: 3, message: expect.stringMatching(/not valid JSON/) });

    const res = await fetch(`${server.url}/v1/metrics`, {
      method: 'POST',
      body: Buffer.from([0x0a, 0x05, 0x01]),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/x-protobuf/);
    const status = Buffer.from(await res.arrayBuffer());
    expect(status[0]).toBe(0x08); // Status.code = 3 (INVALID_ARGUMENT)
    expect(status[1]).toBe(3);
    expect(status.toString('utf8')).toMatch(/malformed protobuf/);

    const gzipLie = await post(`${server.url}/v1/metrics`, 'not gzip', {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(gzipLie.status).toBe(400);

    const text = await post(`${server.url}/v1/metrics`, 'x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
  });

  it('answers 200 with partialSuccess for points it cannot store (non-monotonic DELTA sums)', async () => {
    const now = `${Date.now()}000000`;
    const body = JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial' } }] },
          scopeMetrics: [
            {
              metrics: [
                { name: 'itpartial.ok', gauge: { dataPoints: [{ timeUnixNano: now, asInt: 7 }] } },
                {
                  name: 'itpartial.delta',
                  sum: { aggregationTemporality: 1, isMonotonic: false, dataPoints: [{ timeUnixNano: now, asInt: 1 }] },
                },
              ],
            },
          ],
        },
      ],
    });
    const res = await post(`${server.url}/v1/metrics`, body, { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(res.json.partialSuccess.rejectedDataPoints).toBe('1');
    expect(res.json.partialSuccess.errorMessage).toMatch(/itpartial\.delta.*non-monotonic DELTA sum/);
    const [ok] = await queryUntil(server.url, 'itpartial_ok', 1);
    expect(ok?.value).toBe(7);
  });
});

describe('OTLP/HTTP metrics under overload', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ overrides: { ingest: { queueMaxRecords: 5 } } });
  });
  afterAll(async () => {
    diag.disable();
    await server?.close();
  });

  async function refused(): Promise<number> {
    const res = await fetch(`${server.url}/metrics`);
    const m = /stellwerk_writes_refused_total\{kind="metrics"\} (\d+)/.exec(await res.text());
    return Number(m?.[1] ?? 0);
  }

  it('answers 429 with Retry-After and a Status body', async () => {
    const now = `${Date.now()}000000`;
    const points = Array.from({ length: 10 }, (_, i) => ({
      timeUnixNano: now,
      asDouble: i,
      attributes: [{ key: 'i', value: { intValue: i } }],
    }));
    const body = JSON.stringify({
      resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'itover', gauge: { dataPoints: points } }] }] }],
    });
    const res = await post(`${server.url}/v1/metrics`, body, { 'content-type': 'application/json' });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(res.json).toMatchObject({ code: 8, message: expect.stringMatching(/STW_ERR_OVERLOADED/) });
  });

  it('makes the real exporter retry (honouring Retry-After) without throwing into user code', async () => {
    const before = await refused();
    const errors: string[] = [];
    const log = (...args: unknown[]) => errors.push(args.map(String).join(' '));
    diag.setLogger({ error: log, warn: log, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
    const exporter = new JsonExporter({ url: `${server.url}/v1/metrics`, timeoutMillis: 5_000 });
    // A periodic export, as an application runs it: failures go to the SDK's error handler.
    const reader = new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: 5_000,
      exportTimeoutMillis: 5_000,
    });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'overload' }),
      readers: [reader],
    });
    const counter = provider.getMeter('m').createCounter('itoverload.requests');
    expect(() => {
      for (let i = 0; i < 10; i++) counter.add(1, { i });
    }).not.toThrow();
    // More than 5 samples never fit the 5-record queue: every attempt is refused, and each
    // retry shows up as another refusal on the server.
    const after = await eventually(
      async () => {
        const n = await refused();
        return n >= before + 2 ? n : undefined;
      },
      30_000,
      'the exporter to retry after 429',
    );
    expect(after).toBeGreaterThanOrEqual(before + 2);
    await provider.shutdown().catch(() => undefined);
    expect(errors.join('\n')).not.toMatch(/TypeError|ReferenceError/);
  });
});
