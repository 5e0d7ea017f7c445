import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricSample } from '@stellwerk/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsRepository, type RollupRow } from '../src/store/metrics-repository.ts';
import { rollSql } from '../src/store/rollup-roller.ts';
import { ident, p, sql } from '../src/store/sql.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { eventually } from './http.ts';

/*
 * The roller writes the rollup tiers every metrics.rollupInterval; reads add the raw samples
 * it has not reached. These tests look at the tier tables themselves (what the roller wrote)
 * and at MetricsRepository.rollup (what queries get), each against raw aggregates.
 */

const HOUR = 3_600_000;
// Hour-aligned, two hours back: every minute of it is closed.
const T0 = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR;

const dirs: string[] = [];
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(opts: { dataDir?: string; interval?: string } = {}): Promise<TestServer> {
  const server = await startTestServer({
    dataDir: opts.dataDir,
    overrides: { scrape: { self: false }, metrics: { rollupInterval: opts.interval ?? '1h' } },
  });
  servers.push(server);
  return server;
}

function series(metric: string, n: number, value: (i: number) => number, fromMs = T0): MetricSample[] {
  return Array.from({ length: n }, (_, i) => ({
    metric,
    labels: { job: 'roller' },
    tsMs: fromMs + i * 15_000,
    value: value(i),
  }));
}

async function fingerprint(server: TestServer, metric: string): Promise<string> {
  const [row] = await new MetricsRepository(server.running.store).matchSeries(sql`metric = ${p.String(metric)}`);
  return row?.fingerprint as string;
}

type Bucket = Pick<RollupRow, 't' | 'count' | 'min' | 'max' | 'sum' | 'first' | 'last'>;

/** 1m buckets straight from raw samples. */
async function rawMinutes(server: TestServer, fp: string): Promise<Bucket[]> {
  const rows = await server.running.store.query<Bucket & { t: string; count: string }>(sql`
    SELECT toString(toUnixTimestamp(toStartOfMinute(toDateTime(ts, 'UTC'))) * 1000) AS t, toString(count()) AS count,
      min(value) AS min, max(value) AS max, sum(value) AS sum, argMin(value, ts) AS first, argMax(value, ts) AS last
    FROM metric_samples WHERE fingerprint = ${p.UInt64(fp)} AND stale = 0
    GROUP BY t ORDER BY toUInt64(t)`);
  return rows.map((r) => ({ ...r, t: Number(r.t), count: Number(r.count) }));
}

/** What the roller has written to a tier, without the raw tail reads add. */
async function tierMinutes(server: TestServer, fp: string, table = 'metric_rollup_1m'): Promise<Bucket[]> {
  const rows = await server.running.store.query<Bucket & { t: string; count: string }>(sql`
    SELECT toString(toUnixTimestamp(bucket) * 1000) AS t, toString(countMerge(sample_count)) AS count,
      minMerge(min_value) AS min, maxMerge(max_value) AS max, sumMerge(sum_value) AS sum,
      argMinMerge(first_value) AS first, argMaxMerge(last_value) AS last
    FROM ${ident(table)} WHERE fingerprint = ${p.UInt64(fp)}
    GROUP BY bucket ORDER BY bucket`);
  return rows.map((r) => ({ ...r, t: Number(r.t), count: Number(r.count) }));
}

async function readMinutes(server: TestServer, fp: string): Promise<Bucket[]> {
  const rows = await new MetricsRepository(server.running.store).rollup('1m', [fp], T0 - HOUR, T0 + 2 * HOUR);
  return rows.map(({ fingerprint: _, ...b }) => b);
}

describe('rollup roller', () => {
  it('rolls new samples into the tiers every interval; reads are complete before and after', async () => {
    const server = await start({ interval: '200ms' });
    await server.app.metricsIngest.ingest(
      series('roller_gauge', 40, (i) => (i * 37) % 11),
      { receiver: 'test' },
    );
    const fp = await fingerprint(server, 'roller_gauge');
    const raw = await rawMinutes(server, fp);
    expect(raw.map((b) => b.count)).toEqual(Array(10).fill(4));
    // Whatever the roller has done so far, a read is whole.
    expect(await readMinutes(server, fp)).toEqual(raw);
    // The periodic roll (two intervals: one to see the block, one to roll it) fills the tier.
    const tier = await eventually(
      async () => {
        const t = await tierMinutes(server, fp);
        return t.length === raw.length ? t : undefined;
      },
      20_000,
      'the roller to write the 1m tier',
    );
    expect(tier).toEqual(raw);
    expect(await readMinutes(server, fp)).toEqual(raw);
    // The cascade wrote the hour as well.
    const [hour] = await tierMinutes(server, fp, 'metric_rollup_1h');
    expect(hour?.count).toBe(40);
  });

  it('a late sample for a rolled minute appends to its bucket, counted once', async () => {
    const server = await start();
    await server.app.metricsIngest.ingest(
      series('roller_late', 8, (i) => i + 1),
      { receiver: 'test' },
    );
    await server.app.rollups.rollAll();
    const fp = await fingerprint(server, 'roller_late');
    expect((await tierMinutes(server, fp)).map((b) => b.count)).toEqual([4, 4]);
    // Seven seconds into the first minute, arriving after it was rolled; larger than all.
    await server.app.metricsIngest.ingest(
      [{ metric: 'roller_late', labels: { job: 'roller' }, tsMs: T0 + 7_000, value: 100 }],
      {
        receiver: 'test',
      },
    );
    const raw = await rawMinutes(server, fp);
    expect(raw.map((b) => b.count)).toEqual([5, 4]);
    expect(raw[0]).toMatchObject({ max: 100, first: 1, last: 4 });
    // Before the next roll: the tier is behind, the read is not.
    expect((await tierMinutes(server, fp)).map((b) => b.count)).toEqual([4, 4]);
    expect(await readMinutes(server, fp)).toEqual(raw);
    await server.app.rollups.rollAll();
    expect(await tierMinutes(server, fp)).toEqual(raw);
    expect(await readMinutes(server, fp)).toEqual(raw);
    // Rolling again with nothing new changes nothing.
    await server.app.rollups.rollAll();
    expect(await tierMinutes(server, fp)).toEqual(raw);
  });

  it('a roll interrupted after its insert is repaired at the next start, nothing counted twice', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stw-roller-'));
    dirs.push(dataDir);
    let server = await start({ dataDir });
    await server.app.metricsIngest.ingest(
      series('roller_crash', 20, (i) => i * 2),
      { receiver: 'test' },
    );
    await server.app.rollups.rollAll();
    await server.app.metricsIngest.ingest(
      series('roller_crash', 20, (i) => i * 3, T0 + 20 * 15_000),
      {
        receiver: 'test',
      },
    );
    const store = server.running.store;
    const [w] = await store.query<{ rolled: string; top: string }>(sql`
      SELECT toString(argMax(rolled_to, seq)) AS rolled,
        (SELECT toString(max(max_block_number)) FROM system.parts WHERE table = 'metric_samples' AND active) AS top
      FROM metric_rollup_watermark`);
    const { rolled, top } = w as { rolled: string; top: string };
    expect(BigInt(top)).toBeGreaterThan(BigInt(rolled));
    // What a roll does before its last step, done by hand: the start record, then the insert;
    // then the process dies before recording the end.
    await server.app.rollups.stop();
    await store.command(sql`
      INSERT INTO metric_rollup_watermark (id, rolled_to, rolling_to, seq)
      VALUES (0, ${p.UInt64(rolled)}, ${p.UInt64(top)}, ${p.UInt64(BigInt(top) * 2n)})`);
    await store.command(rollSql(rolled, top), { insert_deduplicate: 0 });
    await server.close();
    servers.splice(servers.indexOf(server), 1);

    server = await start({ dataDir });
    const fp = await fingerprint(server, 'roller_crash');
    const raw = await rawMinutes(server, fp);
    expect(raw.reduce((n, b) => n + b.count, 0)).toBe(40);
    expect(await tierMinutes(server, fp)).toEqual(raw);
    expect(await readMinutes(server, fp)).toEqual(raw);
    const [done] = await server.running.store.query<{ rolled: string; rolling: string }>(sql`
      SELECT toString(argMax(rolled_to, seq)) AS rolled, toString(argMax(rolling_to, seq)) AS rolling
      FROM metric_rollup_watermark`);
    expect(done).toEqual({ rolled: top, rolling: top });
  });
});
