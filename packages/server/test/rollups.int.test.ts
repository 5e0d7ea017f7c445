import type { MetricSample } from '@stellwerk/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MetricsRepository,
  type RollupResolution,
  type RollupRow,
  rollupCounterIncrease,
} from '../src/store/metrics-repository.ts';
import { p, sql } from '../src/store/sql.ts';
import { startTestServer, type TestServer } from './harness.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const STEP = 15_000;
const BUCKET_MS: Record<RollupResolution, number> = { '1m': MIN, '1h': HOUR, '1d': 24 * HOUR };

let server: TestServer;
let repo: MetricsRepository;
// Hour-aligned, a day back: inside raw retention and the "last 2 days".
const t0 = Math.floor((Date.now() - 26 * HOUR) / HOUR) * HOUR;
const STEPS = (3 * HOUR) / STEP;
// Mid-minute (62.5 min in), so the 1m and 1h buckets see the reset inside them.
const RESET_AT = 250;
let gauges: string[] = [];
let counter = '';

beforeAll(async () => {
  server = await startTestServer({ overrides: { scrape: { self: false } } });
  repo = new MetricsRepository(server.running.store);
  const samples: MetricSample[] = [];
  let c = 1000;
  for (let i = 0; i < STEPS; i++) {
    const tsMs = t0 + i * STEP;
    samples.push({ metric: 'rollup_gauge', labels: { host: 'a' }, tsMs, value: Math.sin(i / 7) * 100 + i / 3 });
    samples.push({ metric: 'rollup_gauge', labels: { host: 'b' }, tsMs, value: ((i * 7919) % 1000) / 13 - 20 });
    // Increments in halves keep counter arithmetic exact in binary floating point.
    c = i === RESET_AT ? 2 : c + ((i * 31) % 11) / 2;
    samples.push({ metric: 'rollup_requests_total', labels: { job: 'x' }, tsMs, value: c });
  }
  // A staleness marker off the 15 s grid: must not reach any rollup.
  samples.push({ metric: 'rollup_gauge', labels: { host: 'a' }, tsMs: t0 + 7_000, value: Number.NaN, stale: true });
  const r = await server.app.metricsIngest.ingest(samples, { receiver: 'test' });
  expect(r.rejected).toBe(0);
  // Into the tiers now, so the comparisons below read them rather than the raw tail.
  await server.app.rollups.rollAll();
  gauges = (await repo.matchSeries(sql`metric = 'rollup_gauge'`)).map((s) => s.fingerprint);
  counter = (await repo.matchSeries(sql`metric = 'rollup_requests_total'`))[0]?.fingerprint ?? '';
  expect(gauges).toHaveLength(2);
  expect(counter).not.toBe('');
});
afterAll(async () => {
  await server?.close();
});

/** The same aggregates straight from raw samples, for buckets starting in [fromMs, toMs]. */
async function rawBuckets(
  resolution: RollupResolution,
  fingerprints: string[],
  fromMs: number,
  toMs: number,
): Promise<RollupRow[]> {
  const width = BUCKET_MS[resolution] / 1000;
  const rows = await server.running.store.query<{
    fingerprint: string;
    t: string;
    min: number;
    max: number;
    sum: number;
    count: string;
    first: number;
    last: number;
  }>(sql`
    SELECT toString(fingerprint) AS fingerprint,
      toString(toUnixTimestamp(toStartOfInterval(toDateTime(ts, 'UTC'), toIntervalSecond(${p.UInt32(width)}))) * 1000) AS t,
      min(value) AS min, max(value) AS max, sum(value) AS sum, toString(count()) AS count,
      argMin(value, ts) AS first, argMax(value, ts) AS last
    FROM metric_samples
    WHERE stale = 0
      AND fingerprint IN (SELECT arrayJoin(${p.ArrayString(fingerprints)})::UInt64)
      AND ts >= fromUnixTimestamp64Milli(${p.Int64(fromMs)}, 'UTC')
      AND ts < fromUnixTimestamp64Milli(${p.Int64(toMs + BUCKET_MS[resolution])}, 'UTC')
    GROUP BY fingerprint, t
    ORDER BY fingerprint, toUInt64(t)`);
  return rows.map((r) => ({ ...r, t: Number(r.t), count: Number(r.count) }));
}

async function expectRollupMatchesRaw(resolution: RollupResolution, fps: string[], fromMs: number, toMs: number) {
  const [rolled, raw] = await Promise.all([
    repo.rollup(resolution, fps, fromMs, toMs),
    rawBuckets(resolution, fps, fromMs, toMs),
  ]);
  expect(rolled.length).toBeGreaterThan(0);
  expect(rolled.map((r) => [r.fingerprint, r.t])).toEqual(raw.map((r) => [r.fingerprint, r.t]));
  rolled.forEach((r, i) => {
    const w = raw[i] as RollupRow;
    // Exact: min, max, count, first, last. Sum: 1e-9 relative (summation order differs).
    expect({ min: r.min, max: r.max, count: r.count, first: r.first, last: r.last }).toEqual({
      min: w.min,
      max: w.max,
      count: w.count,
      first: w.first,
      last: w.last,
    });
    expect(Math.abs(r.sum - w.sum)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(w.sum)));
  });
  return rolled;
}

/** Reset-adjusted increase per hour from raw, deltas between samples of the same hour only. */
async function rawHourlyIncrease(fingerprint: string): Promise<Map<number, number>> {
  const rows = await server.running.store.query<{ h: string; inc: number }>(sql`
    SELECT toString(toUnixTimestamp(h) * 1000) AS h, sum(if(d >= 0, d, value)) AS inc
    FROM (
      SELECT toStartOfHour(toDateTime(ts, 'UTC')) AS h, value,
        value - lagInFrame(value, 1, value) OVER (PARTITION BY h ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS d
      FROM metric_samples
      WHERE fingerprint = ${p.UInt64(fingerprint)} AND stale = 0
        AND ts >= fromUnixTimestamp64Milli(${p.Int64(t0)}, 'UTC')
        AND ts < fromUnixTimestamp64Milli(${p.Int64(t0 + 3 * HOUR)}, 'UTC'))
    GROUP BY h ORDER BY h`);
  return new Map(rows.map((r) => [Number(r.h), r.inc]));
}

describe('metric rollups', () => {
  it('1m buckets equal raw aggregates, stale markers skipped', async () => {
    const rolled = await expectRollupMatchesRaw('1m', [...gauges, counter], t0, t0 + 3 * HOUR - MIN);
    expect(rolled).toHaveLength(3 * 180);
    expect(rolled.every((r) => r.count === 4)).toBe(true);
    // The marker is stored raw, so the 4 per minute above really did skip it.
    const [stale] = await server.running.store.query<{ n: string }>(
      sql`SELECT toString(count()) AS n FROM metric_samples WHERE stale = 1 AND fingerprint IN (SELECT arrayJoin(${p.ArrayString(gauges)})::UInt64)`,
    );
    expect(stale?.n).toBe('1');
    // A range not aligned to hours, for one series.
    await expectRollupMatchesRaw('1m', [gauges[0] as string], t0 + 37 * MIN, t0 + 133 * MIN);
  });

  it('1h and 1d buckets (cascaded from 1m) equal raw aggregates', async () => {
    const hourly = await expectRollupMatchesRaw('1h', [...gauges, counter], t0, t0 + 2 * HOUR);
    expect(hourly).toHaveLength(9);
    expect(hourly.every((r) => r.count === 240)).toBe(true);
    await expectRollupMatchesRaw('1h', [gauges[1] as string], t0 + HOUR, t0 + HOUR);
    const daily = await expectRollupMatchesRaw('1d', [...gauges, counter], t0 - 24 * HOUR, t0 + 3 * HOUR);
    expect(daily.reduce((n, r) => n + r.count, 0)).toBe(3 * STEPS);
  });

  it('counter increase per hour from rollup first/last matches raw, reset included', async () => {
    const raw = await rawHourlyIncrease(counter);
    expect(raw.size).toBe(3);
    const minutes = await repo.rollup('1m', [counter], t0, t0 + 3 * HOUR - MIN);
    const hours = await repo.rollup('1h', [counter], t0, t0 + 2 * HOUR);
    for (let h = 0; h < 3; h++) {
      const start = t0 + h * HOUR;
      const want = raw.get(start) as number;
      const fromMinutes = rollupCounterIncrease(minutes.filter((m) => m.t >= start && m.t < start + HOUR));
      const fromHour = rollupCounterIncrease(hours.filter((m) => m.t === start));
      // Tolerance 1e-9 relative: exact here (half-step increments, one reset whose pre-reset
      // peak exceeds the bucket's last value); the bound covers float summation order.
      expect(Math.abs(fromMinutes - want)).toBeLessThanOrEqual(1e-9 * Math.max(1, want));
      expect(Math.abs(fromHour - want)).toBeLessThanOrEqual(1e-9 * Math.max(1, want));
    }
    // The reset really is inside the second hour and its minute.
    const resetMinute = minutes.find((m) => m.min < m.first);
    expect(resetMinute?.t).toBe(t0 + 62 * MIN);
  });

  it('a retried insert with the same idempotency token adds nothing to the rollups', async () => {
    const batch: MetricSample[] = [0, 1, 2, 3, 4, 5].map((i) => ({
      metric: 'rollup_retry',
      labels: {},
      tsMs: t0 + 10 * MIN + i * STEP,
      value: i,
    }));
    for (let attempt = 0; attempt < 2; attempt++) {
      await server.app.metricsIngest.ingest(batch, { receiver: 'test', idempotencyToken: 'rollup-retry-1' });
      await server.app.rollups.rollAll();
    }
    const fp = (await repo.matchSeries(sql`metric = 'rollup_retry'`))[0]?.fingerprint as string;
    const raw = await rawBuckets('1m', [fp], t0, t0 + HOUR);
    expect(raw.map((r) => r.count)).toEqual([4, 2]);
    await expectRollupMatchesRaw('1m', [fp], t0, t0 + HOUR);
    await expectRollupMatchesRaw('1h', [fp], t0, t0);
    // Another batch into the same buckets, with its own token, still counts.
    const more = batch.slice(0, 2).map((s) => ({ ...s, tsMs: s.tsMs + 90_000, value: 7 }));
    await server.app.metricsIngest.ingest(more, { receiver: 'test', idempotencyToken: 'rollup-retry-2' });
    await server.app.rollups.rollAll();
    expect((await rawBuckets('1m', [fp], t0, t0 + HOUR)).map((r) => r.count)).toEqual([4, 4]);
    await expectRollupMatchesRaw('1m', [fp], t0, t0 + HOUR);
    await expectRollupMatchesRaw('1h', [fp], t0, t0);
  });

  it('rebuildRollups repairs a range lost from the 1m table', async () => {
    const all = [...gauges, counter];
    await server.running.store.command(
      sql`ALTER TABLE metric_rollup_1m DELETE WHERE bucket >= toDateTime(${p.Int64((t0 + HOUR) / 1000)}, 'UTC') AND bucket < toDateTime(${p.Int64((t0 + 2 * HOUR) / 1000)}, 'UTC')`,
      { mutations_sync: 2 },
    );
    expect(await repo.rollup('1m', all, t0, t0 + 3 * HOUR - MIN)).toHaveLength(2 * 180);
    const range = await repo.rebuildRollups(t0 + HOUR, t0 + 2 * HOUR);
    expect(range.fromMs).toBeLessThanOrEqual(t0 + HOUR);
    expect(range.toMs).toBeGreaterThanOrEqual(t0 + 2 * HOUR);
    const rolled = await expectRollupMatchesRaw('1m', all, t0, t0 + 3 * HOUR - MIN);
    expect(rolled).toHaveLength(3 * 180);
    // The cascade rebuilt whole hours and days, without counting anything twice.
    await expectRollupMatchesRaw('1h', all, t0, t0 + 2 * HOUR);
    await expectRollupMatchesRaw('1d', all, t0 - 24 * HOUR, t0 + 3 * HOUR);
    // Rebuilding the same range again inserts identical blocks: insert deduplication must not
    // swallow them after the delete.
    await repo.rebuildRollups(t0, t0 + 3 * HOUR);
    expect(await expectRollupMatchesRaw('1m', all, t0, t0 + 3 * HOUR - MIN)).toHaveLength(3 * 180);
    await expectRollupMatchesRaw('1h', all, t0, t0 + 2 * HOUR);
    await expectRollupMatchesRaw('1d', all, t0 - 24 * HOUR, t0 + 3 * HOUR);
  });
});
