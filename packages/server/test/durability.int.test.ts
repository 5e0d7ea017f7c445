import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from '../src/store/sql.ts';
import { startTestServer } from './harness.ts';
import { eventually } from './http.ts';
import { ackedWrites, writeThenKill } from './kill-cycle.ts';
import { startCli, waitForExit } from './process.ts';

const BATCH = 100;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Posts batches with unique ids until stopped; `acked` holds the ids the server acknowledged. */
function writeStream(url: string, prefix: string) {
  return ackedWrites(
    (seq) => `${prefix}-${seq}`,
    async (id) => {
      const body = Array.from({ length: BATCH }, (_, i) =>
        JSON.stringify({ msg: `durable ${id} ${i}`, batch: id }),
      ).join('\n');
      const res = await fetch(`${url}/api/v1/logs?service=durability`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      await res.text();
      return res.status === 200;
    },
  );
}

async function batchCounts(dataDir: string): Promise<Map<string, number>> {
  const server = await startTestServer({ dataDir });
  try {
    const rows = await server.running.store.query<{ b: string; c: string }>(
      sql`SELECT attr_str['batch'] AS b, toString(count()) AS c FROM logs WHERE service = 'durability' GROUP BY b`,
    );
    return new Map(rows.map((r) => [r.b, Number(r.c)]));
  } finally {
    await server.close();
  }
}

describe('durability', () => {
  it('keeps every acknowledged record across kill -9 of server and engine, without duplicates (5 cycles)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stw-durable-'));
    dirs.push(dataDir);
    const acked: string[] = [];
    for (let cycle = 0; cycle < 5; cycle++) {
      // Let some batches be acknowledged, then kill everything mid-stream.
      acked.push(
        ...(await writeThenKill({
          args: ['--data-dir', dataDir],
          write: (url) => writeStream(url, `c${cycle}`),
          minAcked: 5 + cycle * 2,
        })),
      );
    }
    const counts = await batchCounts(dataDir);
    const missing = acked.filter((id) => counts.get(id) !== BATCH);
    expect(missing, `acknowledged batches missing or partial: ${missing.join(', ')}`).toEqual([]);
    const duplicated = [...counts.entries()].filter(([, c]) => c > BATCH);
    expect(duplicated).toEqual([]);
    expect(acked.length).toBeGreaterThanOrEqual(25);
  });

  it('restarts a killed engine mid-traffic and loses no acknowledged write', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stw-engine-kill-'));
    dirs.push(dataDir);
    const server = await startTestServer({ dataDir });
    const stream = writeStream(server.url, 'ek');
    await eventually(async () => (stream.acked.length >= 5 ? true : undefined), 60_000, 'acked batches');
    const engine = server.running.engine;
    const firstPid = engine?.pid as number;
    process.kill(firstPid, 'SIGKILL');
    const before = stream.acked.length;
    // Writes resume on the restarted engine.
    await eventually(
      async () => (stream.acked.length >= before + 5 ? true : undefined),
      60_000,
      'writes after restart',
    );
    expect(engine?.restarts).toBeGreaterThanOrEqual(1);
    expect(engine?.pid).not.toBe(firstPid);
    await stream.stop();
    await server.close();
    const counts = await batchCounts(dataDir);
    expect(stream.acked.filter((id) => counts.get(id) !== BATCH)).toEqual([]);
    expect([...counts.values()].filter((c) => c > BATCH)).toEqual([]);
  });

  it('refuses a second Stellwerk on the same data directory with a clear error', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stw-lock-'));
    dirs.push(dataDir);
    const first = await startCli(['--data-dir', dataDir]);
    try {
      const second = startCli(['--data-dir', dataDir]);
      await expect(second).rejects.toThrow(
        new RegExp(`exited \\(1\\)[\\s\\S]*${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
    } finally {
      first.child.kill('SIGTERM');
      await waitForExit(first.child);
    }
  });
});
