import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsRepository } from '../src/store/metrics-repository.ts';
import { sql } from '../src/store/sql.ts';
import { startTestServer } from './harness.ts';
import { ackedWrites, writeThenKill } from './kill-cycle.ts';

/*
 * Metric writes acknowledged before kill -9 of server and engine are all stored, once, and
 * the rollup tiers agree with them after the next start, with the roller rolling every
 * 200 ms so that kills land between, and during, rolls.
 */

const POINTS = 50;
const MIN = 60_000;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Posts line-protocol batches (one series each, POINTS points a minute apart) until stopped. */
function writeStream(url: string, prefix: string, startMs: number) {
  return ackedWrites(
    (seq) => `${prefix}_${seq}`,
    async (id, seq) => {
      const lines = Array.from(
        { length: POINTS },
        (_, i) => `durable,batch=${id} v=${i + 1} ${startMs + i * MIN + ((seq + 1) % 60) * 1000}000000`,
      ).join('\n');
      const res = await fetch(`${url}/write?db=d`, { method: 'POST', body: lines });
      await res.text();
      return res.status === 204;
    },
  );
}

describe('metrics durability', () => {
  it('keeps acknowledged samples across kill -9 and rolls them up exactly once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stw-metrics-durable-'));
    dirs.push(dataDir);
    const startMs = Math.floor((Date.now() - 3 * 3_600_000) / MIN) * MIN;
    const acked: string[] = [];
    for (let cycle = 0; cycle < 3; cycle++) {
      acked.push(
        ...(await writeThenKill({
          args: ['--data-dir', dataDir],
          env: { STELLWERK_METRICS__ROLLUP_INTERVAL: '200ms' },
          write: (url) => writeStream(url, `c${cycle}`, startMs),
          minAcked: 10,
        })),
      );
    }

    const server = await startTestServer({ dataDir, overrides: { scrape: { self: false } } });
    try {
      const store = server.running.store;
      const series = await new MetricsRepository(store).matchSeries(sql`metric = 'durable_v'`);
      const batchOf = new Map(series.map((s) => [s.fingerprint, s.labels.batch as string]));
      const raw = await store.query<{ fp: string; n: string }>(sql`
        SELECT toString(fingerprint) AS fp, toString(count()) AS n FROM metric_samples
        WHERE metric = 'durable_v' GROUP BY fingerprint`);
      const stored = new Map(raw.map((r) => [batchOf.get(r.fp), Number(r.n)]));
      const missing = acked.filter((id) => stored.get(id) !== POINTS);
      expect(missing, `acknowledged batches missing or partial: ${missing.join(', ')}`).toEqual([]);
      expect([...stored.values()].filter((n) => n !== POINTS)).toEqual([]);

      // Rollups read now (tier plus what the roller has not reached) and once all is rolled
      // count every stored sample once.
      const repo = new MetricsRepository(store);
      const fps = raw.map((r) => r.fp);
      const countsOf = async () => {
        const buckets = await repo.rollup('1h', fps, startMs - 3_600_000, startMs + 2 * 3_600_000, 'durable_v');
        const per = new Map<string, number>();
        for (const b of buckets) per.set(b.fingerprint, (per.get(b.fingerprint) ?? 0) + b.count);
        return per;
      };
      const want = new Map(raw.map((r) => [r.fp, Number(r.n)]));
      expect(await countsOf()).toEqual(want);
      await server.app.rollups.rollAll();
      expect(await countsOf()).toEqual(want);
      const [tier] = await store.query<{ n: string }>(sql`
        SELECT toString(countMerge(sample_count)) AS n FROM metric_rollup_1m WHERE metric = 'durable_v'`);
      expect(Number(tier?.n)).toBe([...want.values()].reduce((a, b) => a + b, 0));
    } finally {
      await server.close();
    }
  });
});
