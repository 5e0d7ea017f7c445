import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENT_FIXTURES } from '../../../test/fixtures.ts';
import { StellwerkError } from '../../errors.ts';
import { decodeBody } from './index.ts';
import { toMetricSamples } from './to-samples.ts';
import { encodeWriteRequest, STALE_NAN, snappyBody } from './write-request.fixture.ts';
import { decodeWriteRequest, ProtobufError, type WriteRequest } from './write-request.ts';

// Bodies captured from a real Prometheus 2.42 (see shared/clients/README.md), with their decoding.
const FIXTURES = join(CLIENT_FIXTURES, 'prometheus');
const captured = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('-POST-api_v1_write.body.bin'))
  .map((f) => f.replace('.body.bin', ''));

const TYPE_NUMBERS: Record<string, number> = {
  UNKNOWN: 0,
  COUNTER: 1,
  GAUGE: 2,
  HISTOGRAM: 3,
  GAUGEHISTOGRAM: 4,
  SUMMARY: 5,
  INFO: 6,
  STATESET: 7,
};

/** The captured JSON (protobuf JSON mapping, defaults omitted) in this reader's shape. */
function expected(decoded: any): WriteRequest {
  const msg = decoded.message;
  return {
    timeseries: (msg.timeseries ?? []).map((ts: any) => ({
      labels: (ts.labels ?? []).map((l: any) => ({ name: l.name ?? '', value: l.value ?? '' })),
      samples: (ts.samples ?? []).map((s: any) => ({
        value: Number(s.value ?? 0),
        timestampMs: Number(s.timestamp ?? 0),
      })),
      exemplars: (ts.exemplars ?? []).length,
      histograms: (ts.histograms ?? []).length,
    })),
    metadata: (msg.metadata ?? []).map((m: any) => ({
      type: TYPE_NUMBERS[m.type ?? 'UNKNOWN'],
      metricFamilyName: m.metricFamilyName ?? '',
      help: m.help ?? '',
      unit: m.unit ?? '',
    })),
  };
}

describe('remote_write decoding of captured Prometheus 2.42 bodies', () => {
  it('has fixtures to test', () => {
    expect(captured.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of captured) {
    it(`decodes ${name} exactly like the capture`, () => {
      const raw = readFileSync(join(FIXTURES, `${name}.body.bin`));
      const decoded = JSON.parse(readFileSync(join(FIXTURES, `${name}.decoded.json`), 'utf8'));
      const req = decodeBody(raw, 16 * 1024 * 1024);
      expect(req).toEqual(expected(decoded));
    });
  }

  it('maps series to samples: __name__ → metric, the rest → labels, int64 ms timestamps', () => {
    const req = decodeBody(readFileSync(join(FIXTURES, '004-POST-api_v1_write.body.bin')), 1 << 20);
    const out = toMetricSamples(req);
    expect(out.problems).toEqual([]);
    expect(out.samples).toEqual([
      {
        metric: 'up',
        labels: { instance: '127.0.0.1:19190', job: 'prometheus', replica: 'capture-test' },
        tsMs: 1795627829359,
        value: 1,
      },
      {
        metric: 'scrape_samples_scraped',
        labels: { instance: '127.0.0.1:19190', job: 'prometheus', replica: 'capture-test' },
        tsMs: 1795627829359,
        value: 404,
      },
    ]);
  });

  it('maps metadata-only requests to MetricMetadata with lower-case types', () => {
    const req = decodeBody(readFileSync(join(FIXTURES, '007-POST-api_v1_write.body.bin')), 1 << 20);
    const out = toMetricSamples(req);
    expect(out.samples).toEqual([]);
    expect(out.metadata.length).toBe(req.metadata.length);
    expect(out.metadata).toContainEqual({
      metric: 'stellwerk_capture_requests_total',
      type: 'counter',
      help: 'Requests seen by the capture server.',
      unit: '',
    });
    const types = new Set(out.metadata.map((m) => m.type));
    expect([...types].sort()).toEqual(['counter', 'gauge', 'histogram', 'summary']);
  });

  it('refuses a decompressed size above the cap before allocating it', () => {
    const raw = readFileSync(join(FIXTURES, '007-POST-api_v1_write.body.bin'));
    expect(() => decodeBody(raw, 1000)).toThrowError(/larger than 1000 bytes once decompressed/);
    try {
      decodeBody(raw, 1000);
    } catch (err) {
      expect((err as StellwerkError).code).toBe('STW_ERR_BODY_TOO_LARGE');
    }
  });
});

describe('remote_write protobuf reader', () => {
  it('keeps NaN, the stale marker and infinities, and reads negative and large int64 timestamps', () => {
    const body = snappyBody({
      timeseries: [
        {
          labels: [
            { name: '__name__', value: 'g' },
            { name: 'empty', value: '' },
          ],
          samples: [
            { value: Number.NaN, timestampMs: 1 },
            { value: STALE_NAN, stale: true, timestampMs: 2 },
            { value: Number.NEGATIVE_INFINITY, timestampMs: -1000 },
            { value: -0.5, timestampMs: 2 ** 52 },
            { value: 0, timestampMs: 0 },
          ],
          exemplars: 1,
          histograms: 2,
        },
      ],
    });
    const req = decodeBody(body, 1 << 20);
    const s = req.timeseries[0]?.samples ?? [];
    expect(Number.isNaN(s[0]?.value)).toBe(true);
    expect(Number.isNaN(s[1]?.value)).toBe(true);
    // Only the marker's exact bit pattern counts as stale; a plain NaN stays a value.
    expect(s.map((x) => x.stale === true)).toEqual([false, true, false, false, false]);
    expect(s.map((x) => x.timestampMs)).toEqual([1, 2, -1000, 2 ** 52, 0]);
    expect(s.slice(2).map((x) => x.value)).toEqual([Number.NEGATIVE_INFINITY, -0.5, 0]);
    const out = toMetricSamples(req);
    // An empty label value means "no such label" in Prometheus.
    expect(out.samples[0]?.labels).toEqual({});
    expect(out.samples.map((x) => x.stale === true)).toEqual([false, true, false, false, false]);
    expect(out.histograms).toBe(2);
    expect(out.exemplars).toBe(1);
  });

  it('skips unknown fields', () => {
    const known = encodeWriteRequest({
      timeseries: [{ labels: [{ name: '__name__', value: 'm' }], samples: [{ value: 1, timestampMs: 5 }] }],
    });
    // field 2 (varint), field 9 (fixed32), field 10 (fixed64), field 11 (bytes) — all unknown here
    const extra = Buffer.from([
      0x10, 0x96, 0x01, 0x4d, 1, 2, 3, 4, 0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5a, 0x02, 0xaa, 0xbb,
    ]);
    const req = decodeWriteRequest(Buffer.concat([extra, known]));
    expect(req.timeseries[0]?.samples).toEqual([{ value: 1, timestampMs: 5 }]);
  });

  it('rejects truncated and garbage input with a position', () => {
    const good = encodeWriteRequest({
      timeseries: [{ labels: [{ name: '__name__', value: 'm' }], samples: [{ value: 1, timestampMs: 5 }] }],
    });
    expect(() => decodeWriteRequest(good.subarray(0, good.length - 3))).toThrow(ProtobufError);
    expect(() => decodeWriteRequest(Buffer.from([0, 0, 0]))).toThrow(/at byte \d+: field number 0/);
    expect(() => decodeWriteRequest(Buffer.from([0x0b]))).toThrow(/wire type 3/);
    expect(() => decodeBody(Buffer.from('hello, this is not snappy at all'), 1 << 20)).toThrow(StellwerkError);
    expect(() => decodeBody(Buffer.alloc(0), 1 << 20)).toThrow(/empty/);
  });

  it('names series it cannot map and keeps the rest', () => {
    const out = toMetricSamples(
      decodeWriteRequest(
        encodeWriteRequest({
          timeseries: [
            { labels: [{ name: 'job', value: 'x' }], samples: [{ value: 1, timestampMs: 1 }] },
            {
              labels: [
                { name: '__name__', value: 'ok' },
                { name: 'a', value: '1' },
              ],
              samples: [{ value: 2, timestampMs: 1 }],
            },
          ],
          metadata: [{ type: 9, metricFamilyName: 'ok', help: 'h', unit: 'seconds' }],
        }),
      ),
    );
    expect(out.problems).toEqual(['timeseries 0 ({job="x"}): it has no __name__ label']);
    expect(out.droppedSamples).toBe(1);
    expect(out.samples).toEqual([{ metric: 'ok', labels: { a: '1' }, tsMs: 1, value: 2 }]);
    expect(out.metadata).toEqual([{ metric: 'ok', type: 'unknown', help: 'h', unit: 'seconds' }]);
  });
});
