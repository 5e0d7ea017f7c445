import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { MetricSample } from '@stellwerk/contracts';
import { describe, expect, it } from 'vitest';
import { CLIENT_FIXTURES } from '../../../test/fixtures.ts';
import { partialSuccess } from './index.ts';
import { decodeJsonRequest } from './json.ts';
import { decodeProtobufRequest, encodeExportResponse, encodeStatus, OtlpDecodeError } from './protobuf.ts';
import { attributeLabels, exponentialBuckets, metricName, toMetricSamples, unitWords } from './to-samples.ts';

// Bodies captured from the real OpenTelemetry JS exporters (shared/clients/README.md), beside the repo.
const FIXTURES = join(CLIENT_FIXTURES, 'otel-node');

function fixture(seq: string): { body: Buffer; decoded: any; encoding?: string } {
  const meta = JSON.parse(readFileSync(join(FIXTURES, `${seq}-POST-v1_metrics.json`), 'utf8'));
  const encoding = (meta.rawHeaders as string[][]).find(([k]) => k?.toLowerCase() === 'content-encoding')?.[1];
  const raw = readFileSync(join(FIXTURES, `${seq}-POST-v1_metrics.body.bin`));
  const decoded = JSON.parse(readFileSync(join(FIXTURES, `${seq}-POST-v1_metrics.decoded.json`), 'utf8'));
  return { body: encoding === 'gzip' ? gunzipSync(raw) : raw, decoded: decoded.message, encoding };
}

function find(samples: MetricSample[], metric: string, labels: Record<string, string> = {}): MetricSample[] {
  return samples.filter((s) => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

function one(samples: MetricSample[], metric: string, labels: Record<string, string> = {}): MetricSample {
  const found = find(samples, metric, labels);
  expect(found, `${metric} ${JSON.stringify(labels)}`).toHaveLength(1);
  return found[0] as MetricSample;
}

describe('OTLP decoding of captured exporter bodies', () => {
  it.each(['006', '007', '008', '010', '011', '012'])('protobuf %s decodes like its decoded JSON', (seq) => {
    const f = fixture(seq);
    expect(decodeProtobufRequest(f.body)).toEqual(decodeJsonRequest(JSON.stringify(f.decoded)));
  });

  it.each(['002', '003', '004'])('JSON %s decodes (int64 as strings and numbers, enums as numbers)', (seq) => {
    const f = fixture(seq);
    const req = decodeJsonRequest(f.body.toString('utf8'));
    expect(req).toEqual(decodeJsonRequest(JSON.stringify(f.decoded)));
    const m = req.resourceMetrics[0]?.scopeMetrics[0]?.metrics[0];
    expect(m?.data).toMatchObject({ kind: 'sum', temporality: 2, monotonic: true });
    const ns: string = f.decoded.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0].timeUnixNano;
    expect(m?.data?.points[0]?.timeMs).toBe(Number(BigInt(ns) / 1_000_000n));
  });

  it('maps every kind in the JSON capture to Prometheus series', () => {
    const { samples, metadata, rejectedPoints, problems } = toMetricSamples(
      decodeJsonRequest(fixture('002').body.toString('utf8')),
    );
    expect(problems).toEqual([]);
    expect(rejectedPoints).toBe(0);
    const common = {
      job: 'stellwerk-demo-json',
      otel_scope_name: 'stellwerk-demo-meter',
      otel_scope_version: '1.2.3',
    };
    const requests = one(samples, 'http_server_requests_total', { route: '/a', method: 'GET' });
    expect(requests.labels).toEqual({ route: '/a', method: 'GET', ...common });
    expect(requests.value).toBe(3);
    expect(requests.tsMs).toBe(1795627864402);
    expect(one(samples, 'http_server_requests_total', { route: '/b' }).value).toBe(1);
    // Non-monotonic sum → gauge, `{item}` annotation dropped from the name.
    expect(one(samples, 'queue_depth').value).toBe(3);
    expect(one(samples, 'process_temperature_celsius', { room: 'a' }).value).toBe(21.5);
    expect(one(samples, 'build_info_sync_gauge', { version: '0.1.0' }).value).toBe(1);

    const buckets = find(samples, 'http_server_duration_milliseconds_bucket', { route: '/a' });
    const byLe = Object.fromEntries(buckets.map((s) => [s.labels.le, s.value]));
    expect(byLe).toMatchObject({
      '0': 0,
      '5': 1,
      '10': 2,
      '25': 3,
      '100': 3,
      '250': 4,
      '1000': 4,
      '2500': 5,
      '+Inf': 5,
    });
    expect(buckets).toHaveLength(16);
    expect(one(samples, 'http_server_duration_milliseconds_sum').value).toBe(1472);
    expect(one(samples, 'http_server_duration_milliseconds_count').value).toBe(5);

    // The other resource attributes go to target_info, not onto every series.
    expect(one(samples, 'target_info').labels).toEqual({
      job: 'stellwerk-demo-json',
      service_version: '0.1.0',
      deployment_environment: 'test',
    });
    expect(requests.labels).not.toHaveProperty('service_version');

    const meta = Object.fromEntries(metadata.map((m) => [m.metric, m]));
    expect(meta.http_server_requests_total).toEqual({
      metric: 'http_server_requests_total',
      type: 'counter',
      unit: '',
      help: 'requests served',
    });
    expect(meta.queue_depth?.type).toBe('gauge');
    expect(meta.http_server_duration_milliseconds).toMatchObject({ type: 'histogram', unit: 'milliseconds' });
    expect(meta.process_temperature_celsius).toMatchObject({ type: 'gauge', unit: 'celsius' });
  });
});

describe('OTLP mapping rules', () => {
  it('names metrics like the OpenTelemetry→Prometheus compatibility spec', () => {
    expect(metricName('http.server.duration', 's', false, false)).toBe('http_server_duration_seconds');
    expect(metricName('http.server.requests', '{request}', false, true)).toBe('http_server_requests_total');
    expect(metricName('requests_total', '', false, true)).toBe('requests_total');
    expect(metricName('total.requests', '', false, true)).toBe('requests_total');
    expect(metricName('request.duration.seconds', 's', false, false)).toBe('request_duration_seconds');
    expect(metricName('memory.usage', 'By', false, false)).toBe('memory_usage_bytes');
    expect(metricName('cpu.utilization', '1', true, false)).toBe('cpu_utilization_ratio');
    expect(metricName('speed', 'm/s', true, false)).toBe('speed_meters_per_second');
    expect(metricName('2xx..responses', '', false, false)).toBe('_2xx_responses');
    expect(metricName('a-b/c:d', '', false, false)).toBe('a_b_c:d');
    expect(metricName('...', 'ms', false, false)).toBe('');
    expect(unitWords('{packets}/s')).toBe('per_second');
    expect(unitWords('KiBy')).toBe('kibibytes');
  });

  it('turns attributes into labels: sanitized keys, typed values, collisions joined with ;', () => {
    expect(
      attributeLabels([
        ['http.route', '/x'],
        ['1st', 'a'],
        ['__x', 'b'],
        ['empty', ''],
      ]),
    ).toEqual({
      http_route: '/x',
      key_1st: 'a',
      key__x: 'b',
    });
    expect(
      attributeLabels([
        ['a.b', '2'],
        ['a_b', '1'],
      ]),
    ).toEqual({ a_b: '2;1' });
    const req = decodeJsonRequest(
      JSON.stringify({
        resourceMetrics: [
          {
            resource: {
              attributes: [
                { key: 'service.name', value: { stringValue: 'api' } },
                { key: 'service.namespace', value: { stringValue: 'shop' } },
                { key: 'service.instance.id', value: { stringValue: 'i-1' } },
              ],
            },
            scopeMetrics: [
              {
                scope: { name: 's', attributes: [{ key: 'lib.kind', value: { stringValue: 'x' } }] },
                metrics: [
                  {
                    name: 'g',
                    gauge: {
                      dataPoints: [
                        {
                          timeUnixNano: 1_700_000_000_123_456_800, // a JSON number (exact as a double)
                          asInt: '42',
                          attributes: [
                            { key: 'i', value: { intValue: '9007199254740993' } },
                            { key: 'b', value: { boolValue: true } },
                            { key: 'd', value: { doubleValue: 1.5 } },
                            { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1 }] } } },
                            {
                              key: 'kv',
                              value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: false } }] } },
                            },
                            { key: 'bytes', value: { bytesValue: 'AQI=' } },
                            { key: 'job', value: { stringValue: 'overridden' } },
                          ],
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const { samples } = toMetricSamples(req);
    // No other resource attributes: no target_info.
    expect(samples).toHaveLength(1);
    expect(samples[0]).toEqual({
      metric: 'g',
      tsMs: 1_700_000_000_123,
      value: 42,
      labels: {
        i: '9007199254740993',
        b: 'true',
        d: '1.5',
        arr: '["a",1]',
        kv: '{"k":false}',
        bytes: 'AQI=',
        job: 'shop/api',
        instance: 'i-1',
        otel_scope_name: 's',
        otel_scope_lib_kind: 'x',
      },
    });
  });

  const wrap = (metric: object) =>
    JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ scope: { name: 'm' }, metrics: [metric] }] }] });

  it('maps a summary to quantile series plus _sum and _count', () => {
    const { samples, metadata } = toMetricSamples(
      decodeJsonRequest(
        wrap({
          name: 'rpc.latency',
          unit: 's',
          summary: {
            dataPoints: [
              {
                timeUnixNano: '1700000000000000000',
                count: '10',
                sum: 4.5,
                quantileValues: [
                  { quantile: 0.5, value: 0.3 },
                  { quantile: 0.99, value: 1.2 },
                ],
              },
            ],
          },
        }),
      ),
    );
    expect(one(samples, 'rpc_latency_seconds', { quantile: '0.5' }).value).toBe(0.3);
    expect(one(samples, 'rpc_latency_seconds', { quantile: '0.99' }).value).toBe(1.2);
    expect(one(samples, 'rpc_latency_seconds_sum').value).toBe(4.5);
    expect(one(samples, 'rpc_latency_seconds_count').value).toBe(10);
    expect(metadata[0]).toMatchObject({ metric: 'rpc_latency_seconds', type: 'summary', unit: 'seconds' });
  });

  it('adds up DELTA sums and histograms, refuses non-monotonic DELTA sums, skips points without a recorded value', () => {
    const body = JSON.stringify({
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'd',
                  sum: {
                    aggregationTemporality: 1,
                    isMonotonic: false,
                    dataPoints: [
                      { timeUnixNano: '1700000000000000000', asDouble: 1 },
                      { timeUnixNano: '1700000000000000000', asDouble: 2 },
                    ],
                  },
                },
                {
                  name: 'h',
                  histogram: {
                    aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
                    dataPoints: [
                      { startTimeUnixNano: '1699999990000000000', timeUnixNano: '1700000000000000000', count: 1 },
                      { startTimeUnixNano: '1700000000000000000', timeUnixNano: '1700000010000000000', count: 2 },
                    ],
                  },
                },
                {
                  name: 'c',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [
                      { timeUnixNano: '1700000000000000000', asDouble: 5 },
                      { timeUnixNano: '1700000000000000000', flags: 1, attributes: [{ key: 'x', value: {} }] },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const converted = toMetricSamples(decodeJsonRequest(body));
    // The histogram's two deltas become totals 1 and 3.
    expect(find(converted.samples, 'h_count').map((s) => s.value)).toEqual([1, 3]);
    expect(find(converted.samples, 'c_total').map((s) => s.value)).toEqual([5]);
    expect(converted.points).toBe(6);
    expect(converted.rejectedPoints).toBe(2);
    expect(converted.skipped).toEqual({ delta_non_monotonic: 2, no_recorded_value: 1 });
    expect(converted.metadata.find((m) => m.metric === 'h')?.type).toBe('histogram');
    const partial = partialSuccess(converted, []);
    expect(partial?.rejectedDataPoints).toBe(2);
    expect(partial?.errorMessage).toMatch(/2 of 6 data points rejected; metric "d": a non-monotonic DELTA sum/);
  });

  it('counts a point once in partialSuccess when ingest refuses several of its samples', () => {
    const converted = toMetricSamples(decodeJsonRequest(fixture('002').body.toString('utf8')));
    const bucketIdx = converted.samples.flatMap((s, i) => (s.metric.endsWith('_bucket') ? [i] : []));
    const partial = partialSuccess(
      converted,
      bucketIdx.map((index) => ({ index, reason: 'too many series' })),
    );
    expect(partial?.rejectedDataPoints).toBe(1);
    expect(partial?.errorMessage).toContain('too many series');
  });

  it('rejects a histogram point whose bucket counts do not match its bounds', () => {
    const converted = toMetricSamples(
      decodeJsonRequest(
        wrap({
          name: 'bad',
          histogram: {
            aggregationTemporality: 2,
            dataPoints: [{ timeUnixNano: '1700000000000000000', count: 1, bucketCounts: [1], explicitBounds: [1, 2] }],
          },
        }),
      ),
    );
    expect(converted.samples).toEqual([]);
    expect(converted.problems[0]).toMatch(/1 bucket counts for 2 bounds/);
  });

  it('converts exponential histograms to power-of-two le buckets, exactly', () => {
    // Scale 1: base √2; positive offset 0 → buckets (1,√2],(√2,2],(2,2√2],(2√2,4].
    const buckets = exponentialBuckets({
      attributes: [],
      startMs: 0,
      timeMs: 1,
      flags: 0,
      exemplars: 0,
      count: 12,
      sum: 20,
      scale: 1,
      zeroCount: 2,
      zeroThreshold: 0,
      positive: { offset: 0, counts: [1, 2, 3, 4] },
      negative: { offset: 1, counts: [2] },
    });
    // Negative bucket 1 at scale 1 → scale 0 bucket 0: values in [-2, -1).
    expect(buckets).toEqual([
      [-1, 2],
      [0, 4],
      [2, 7],
      [4, 14],
    ]);
  });

  it('rejects garbage', () => {
    expect(() => decodeProtobufRequest(Buffer.from([0x0a, 0x05, 0x01]))).toThrow(OtlpDecodeError);
    expect(() => decodeProtobufRequest(Buffer.from('{"resourceMetrics":[]}'))).toThrow(OtlpDecodeError);
    expect(() => decodeJsonRequest('{"resourceMetrics":')).toThrow(OtlpDecodeError);
    expect(() => decodeJsonRequest('{"resourceMetrics":{}}')).toThrow(/must be an array/);
    expect(decodeProtobufRequest(Buffer.alloc(0))).toEqual({ resourceMetrics: [] });
  });

  it('encodes responses and statuses as protobuf', () => {
    expect(encodeExportResponse()).toHaveLength(0);
    expect([...encodeExportResponse({ rejectedDataPoints: 2, errorMessage: 'x' })]).toEqual([
      0x0a, 5, 0x08, 2, 0x12, 1, 0x78,
    ]);
    expect([...encodeStatus(3, 'no')]).toEqual([0x08, 3, 0x12, 2, 0x6e, 0x6f]);
  });
});

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** Real SDK data through the SDK's own serializers, both encodings. */
async function sdkRequest(temporality: AggregationTemporality): Promise<ResourceMetrics> {
  const reader = new CollectingReader({ aggregationTemporalitySelector: () => temporality });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'unit', 'host.name': 'h1' }),
    readers: [reader],
    views: [{ instrumentName: 'latency', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('unit-meter', '0.0.1');
  const latency = meter.createHistogram('latency', { unit: 's' });
  for (const v of [0.001, 0.2, 0.3, 3, 3.5, 1000]) latency.record(v, { route: '/r' });
  meter.createCounter('jobs', { unit: '{job}' }).add(7, { queue: 'q' });
  meter.createUpDownCounter('inflight').add(-2);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

describe('OTLP decoding of the SDK serializers output', () => {
  it('decodes protobuf and JSON identically, including exponential histograms', async () => {
    const rm = await sdkRequest(AggregationTemporality.CUMULATIVE);
    const proto = ProtobufMetricsSerializer.serializeRequest(rm) as Uint8Array;
    const json = JsonMetricsSerializer.serializeRequest(rm) as Uint8Array;
    const fromProto = decodeProtobufRequest(Buffer.from(proto));
    expect(fromProto).toEqual(decodeJsonRequest(Buffer.from(json).toString('utf8')));

    const { samples, problems } = toMetricSamples(fromProto);
    expect(problems).toEqual([]);
    expect(one(samples, 'jobs_total', { queue: 'q', job: 'unit', otel_scope_name: 'unit-meter' }).value).toBe(7);
    expect(one(samples, 'inflight').value).toBe(-2);
    expect(one(samples, 'latency_seconds_count').value).toBe(6);
    expect(one(samples, 'latency_seconds_sum').value).toBeCloseTo(1006.999 + 0.002, 6);
    const buckets = find(samples, 'latency_seconds_bucket').map((s) => [Number(s.labels.le), s.value]);
    const at = (le: number) => buckets.find(([b]) => b === le)?.[1];
    // Exact at power-of-two bounds: ≤0.25 → 0.001, 0.2; ≤0.5 → +0.3; ≤4 → +3, 3.5; ≤1024 → +1000.
    expect(at(0.25)).toBe(2);
    expect(at(0.5)).toBe(3);
    expect(at(4)).toBe(5);
    expect(at(1024)).toBe(6);
    expect(one(samples, 'latency_seconds_bucket', { le: '+Inf' }).value).toBe(6);
    expect(one(samples, 'target_info').labels).toMatchObject({ job: 'unit', host_name: 'h1' });
  });

  it('maps DELTA data from the SDK like CUMULATIVE data, except the non-monotonic sum', async () => {
    const decode = (rm: ResourceMetrics) =>
      toMetricSamples(decodeProtobufRequest(Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm) as Uint8Array)));
    const delta = decode(await sdkRequest(AggregationTemporality.DELTA));
    const cumulative = decode(await sdkRequest(AggregationTemporality.CUMULATIVE));
    // The selector makes all three instruments DELTA; only the UpDownCounter is refused.
    expect(delta.rejectedPoints).toBe(1);
    expect(partialSuccess(delta, [])?.errorMessage).toMatch(/"inflight": a non-monotonic DELTA sum/);
    const values = (c: ReturnType<typeof decode>) =>
      c.samples.filter((s) => s.metric !== 'inflight').map((s) => [s.metric, s.labels, s.value]);
    expect(values(delta)).toEqual(values(cumulative));
    expect(delta.metadata).toEqual(cumulative.metadata.filter((m) => m.metric !== 'inflight'));
  });
});
