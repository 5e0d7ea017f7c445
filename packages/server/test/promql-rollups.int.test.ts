import type { MetricSample } from '@stellwerk/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { post } from './http.ts';

/*
 * Three days of 15 s samples (two counters with resets, two gauges) go through the metrics
 * ingest path; the roller rolls them up (at once here, so the rollup reads are tier reads). The same query_range is then asked at
 * stellwerk_resolution=auto and =raw over the same range and the answers compared.
 *
 * Tolerances, per function:
 * - exact (same decimal text): min/max/count/last_over_time and plain selectors (last value
 *   in the bucket ending at the step);
 * - 1e-9 relative: sum_over_time and avg_over_time (the store sums in another order);
 * - rate/increase: 1/3585 relative. The value change is exact, but buckets do not keep sample
 *   times: the first and last sample are placed half a sample interval inside their buckets
 *   (7.5 s instead of 7 s and 8 s here). Where Prometheus extrapolates from those times (a
 *   series starting or ending inside the window, a counter extrapolated to zero after a
 *   reset) that moves the result by at most 1 s over a sampled span of at least 3585 s;
 *   elsewhere the answers agree to float precision.
 * Samples sit 7 s off the 15 s grid, so none lies exactly on a bucket edge (such a sample is
 * in a raw window's closed end but in the next bucket).
 */

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const STEP = 15_000;
// Midnight UTC four to five days back: three days of data, inside raw retention (15 d).
const D0 = Math.floor((Date.now() - 4 * DAY) / DAY) * DAY;
const N = (3 * DAY) / STEP;
// Job a resets mid-hour on day 2 (pre-reset peak above what the hour ends at); job b resets
// on an hour's first sample, between buckets.
const RESET_A = Math.round((DAY + 13.5 * HOUR) / STEP);
const RESET_B = (DAY + 20 * HOUR) / STEP;

function makeSamples(): MetricSample[] {
  const out: MetricSample[] = [];
  let a = 100;
  let b = 5_000;
  for (let i = 0; i < N; i++) {
    const tsMs = D0 + 7_000 + i * STEP;
    // Increments in halves keep counter arithmetic exact in binary floating point.
    a = i === RESET_A ? 2 : a + ((i * 31) % 11) / 2;
    b = i === RESET_B ? 0.5 : b + 1 + (i % 3);
    out.push({ metric: 'jobs_total', labels: { job: 'a' }, tsMs, value: a });
    out.push({ metric: 'jobs_total', labels: { job: 'b' }, tsMs, value: b });
    out.push({ metric: 'gpu_util', labels: { gpu: '0' }, tsMs, value: 50 + 40 * Math.sin(i / 37) + (i % 7) * 0.25 });
    out.push({ metric: 'gpu_util', labels: { gpu: '1' }, tsMs, value: 20 + ((i * 7919) % 1000) / 17 });
  }
  return out;
}

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ overrides: { scrape: { self: false } } });
  const samples = makeSamples();
  for (let i = 0; i < samples.length; i += 50_000) {
    const r = await server.app.metricsIngest.ingest(samples.slice(i, i + 50_000), { receiver: 'test' });
    expect(r.rejected).toBe(0);
  }
  await server.app.rollups.rollAll();
}, 120_000);

afterAll(async () => {
  await server?.close();
});

interface Answer {
  resolution: string | null;
  infos: string[];
  /** labels → [[t, value]] */
  series: Map<string, Array<[number, string]>>;
}

async function queryRange(query: string, start: number, end: number, step: number, resolution: string) {
  const res = await post(
    `${server.url}/api/v1/query_range`,
    new URLSearchParams({
      query,
      start: String(start / 1000),
      end: String(end / 1000),
      step: String(step / 1000),
      stellwerk_resolution: resolution,
    }).toString(),
    { 'content-type': 'application/x-www-form-urlencoded' },
  );
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  const answer: Answer = {
    resolution: res.headers.get('stellwerk-resolution'),
    infos: res.json.infos ?? [],
    series: new Map(),
  };
  for (const s of res.json.data.result) answer.series.set(JSON.stringify(Object.entries(s.metric).sort()), s.values);
  return answer;
}

/** Differences beyond `relative` tolerance (0: the same decimal text), at most three. */
function compare(raw: Answer, rolled: Answer, relative: number): string[] {
  const diffs: string[] = [];
  expect([...rolled.series.keys()].sort()).toEqual([...raw.series.keys()].sort());
  for (const [k, want] of raw.series) {
    const got = rolled.series.get(k) ?? [];
    if (got.length !== want.length) diffs.push(`${k}: ${want.length} points raw, ${got.length} from rollups`);
    want.forEach(([t, v], i) => {
      const [gt, gv] = got[i] ?? [Number.NaN, ''];
      const x = Number(v);
      const y = Number(gv);
      const ok = relative === 0 ? v === gv : Math.abs(x - y) <= relative * Math.max(Math.abs(x), Math.abs(y));
      if (t !== gt || !ok) diffs.push(`${k} @${t}: raw ${v}, rollup ${gt}=${gv}`);
    });
  }
  return diffs.slice(0, 3);
}

const EXACT = 0;
const SUMS = 1e-9;
const RATES = 1 / 3585;

// Two days at 1 h steps: the 1h tier.
const HOURLY: Array<[string, number]> = [
  ['max_over_time(gpu_util[1h])', EXACT],
  ['min_over_time(gpu_util[3h])', EXACT],
  ['count_over_time(gpu_util[1h])', EXACT],
  ['last_over_time(gpu_util[2h])', EXACT],
  ['gpu_util', EXACT],
  ['max by (gpu) (max_over_time(gpu_util[6h]))', EXACT],
  ['sum_over_time(gpu_util[1h])', SUMS],
  ['avg_over_time(gpu_util[6h])', SUMS],
  ['rate(jobs_total[1h])', RATES],
  ['increase(jobs_total[6h])', RATES],
  ['sum(rate(jobs_total[2h]))', RATES],
];

describe('PromQL over rollups against raw samples', () => {
  it.each(HOURLY)('1h tier: %s', async (q, tolerance) => {
    const start = D0 + DAY;
    const end = D0 + 3 * DAY;
    const rolled = await queryRange(q, start, end, HOUR, 'auto');
    expect(rolled.resolution).toBe('1h');
    const raw = await queryRange(q, start, end, HOUR, 'raw');
    expect(raw.resolution).toBe('raw');
    expect(raw.series.size).toBeGreaterThan(0);
    expect(compare(raw, rolled, tolerance)).toEqual([]);
  });

  it.each([
    ['max_over_time(gpu_util[10m])', EXACT],
    ['avg_over_time(gpu_util[5m])', SUMS],
    ['rate(jobs_total[5m])', RATES],
    ['increase(jobs_total[15m])', RATES],
  ] as Array<[string, number]>)('1m tier (12 h at 5 min steps): %s', async (q, tolerance) => {
    // Around job a's reset.
    const start = D0 + DAY + 8 * HOUR;
    const end = start + 12 * HOUR;
    const rolled = await queryRange(q, start, end, 5 * MIN, 'auto');
    expect(rolled.resolution).toBe('1m');
    expect(compare(await queryRange(q, start, end, 5 * MIN, 'raw'), rolled, tolerance)).toEqual([]);
  });

  it.each([
    ['max_over_time(gpu_util[1d])', EXACT],
    ['count_over_time(gpu_util[1d])', EXACT],
    ['increase(jobs_total[1d])', RATES],
  ] as Array<[string, number]>)('1d tier (daily steps): %s', async (q, tolerance) => {
    const start = D0 + DAY;
    const end = D0 + 3 * DAY;
    const rolled = await queryRange(q, start, end, DAY, 'auto');
    expect(rolled.resolution).toBe('1d');
    expect(compare(await queryRange(q, start, end, DAY, 'raw'), rolled, tolerance)).toEqual([]);
  });

  it('reads the 1h tier for a 30-day range at 1 h steps and says so', async () => {
    const end = Math.floor(Date.now() / HOUR) * HOUR;
    const start = end - 30 * DAY;
    const q = 'max_over_time(gpu_util[1h])';
    const rolled = await queryRange(q, start, end, HOUR, 'auto');
    expect(rolled.resolution).toBe('1h');
    expect(rolled.infos).toEqual([expect.stringMatching(/1h rollup.*stellwerk_resolution=raw/)]);
    const raw = await queryRange(q, start, end, HOUR, 'raw');
    expect(raw.infos).toEqual([]);
    // 72 hourly windows hold data.
    expect(raw.series.get(JSON.stringify([['gpu', '0']]))).toHaveLength(72);
    expect(compare(raw, rolled, EXACT)).toEqual([]);
  });

  it('keeps raw samples where rollups cannot answer', async () => {
    const start = D0 + DAY;
    const end = D0 + 3 * DAY;
    // irate needs the last two samples; a window that is no whole number of hours reads the
    // next finer tier that fits; short ranges and small steps read raw.
    expect((await queryRange('irate(jobs_total[5m])', start, end, HOUR, 'auto')).resolution).toBe('raw');
    expect((await queryRange('rate(jobs_total[90m])', start, end, HOUR, 'auto')).resolution).toBe('1m');
    expect((await queryRange('gpu_util', start, start + 6 * HOUR, HOUR, 'auto')).resolution).toBe('raw');
    expect((await queryRange('gpu_util', start, end, 30_000, 'auto')).resolution).toBe('raw');
  });

  it('refuses a forced resolution the query does not fit, naming what to change', async () => {
    const form = (params: Record<string, string>) =>
      post(`${server.url}/api/v1/query_range`, new URLSearchParams(params).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
      });
    const base = {
      query: 'rate(jobs_total[1h])',
      start: String((D0 + DAY) / 1000),
      end: String((D0 + 2 * DAY) / 1000),
    };
    const misaligned = await form({ ...base, step: '90', stellwerk_resolution: '1h' });
    expect(misaligned.status).toBe(400);
    expect(misaligned.json).toMatchObject({ status: 'error', errorType: 'bad_data' });
    expect(misaligned.json.error).toMatch(/stellwerk_resolution=1h needs .*multiples of 1h \(got step 90s\)/);
    const unknown = await form({ ...base, step: '3600', stellwerk_resolution: '5m' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatch(/"5m" is not one of auto, raw, 1m, 1h, 1d/);
  });
});
