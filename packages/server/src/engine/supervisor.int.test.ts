import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, type EmbeddedEngine, type EngineExitInfo, startEmbeddedEngine } from './index.ts';
import { clientFor, isRunning, tempDataDir, waitFor } from './testing.ts';

const FIXTURE = fileURLToPath(new URL('./engine-parent.fixture.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface ParentInfo {
  parent: ChildProcess;
  enginePid: number;
  url: string;
  username: string;
  password: string;
}

/** Starts a separate "server" process that runs an engine on `dataDir`. */
async function spawnParent(dataDir: string): Promise<ParentInfo> {
  const parent = spawn(process.execPath, ['--import', TSX_LOADER, FIXTURE, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: parent.stdout as NodeJS.ReadableStream });
    rl.once('line', resolve);
    parent.once('exit', (code) => reject(new Error(`fixture parent exited with ${code}`)));
  });
  return { parent, ...(JSON.parse(line) as Omit<ParentInfo, 'parent'>) };
}

describe('engine supervision', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function dataDirForTest(): string {
    const dir = tempDataDir();
    // Registered first, so it runs after the engines on it have stopped.
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  async function start(dataDir: string): Promise<{ engine: EmbeddedEngine; client: ClickHouseClient }> {
    const engine = await startEmbeddedEngine({ dataDir, poolSize: 2 });
    const client = clientFor(engine);
    cleanups.push(
      () => engine.stop(),
      () => client.close(),
    );
    return { engine, client };
  }

  async function count(client: ClickHouseClient, sql: string): Promise<number> {
    const rs = await client.query({ query: sql, format: 'JSONEachRow' });
    const [row] = await rs.json<{ c: string }>();
    return Number(row?.c);
  }

  it('restarts the engine after kill -9 and the same client keeps working', async () => {
    const dataDir = dataDirForTest();
    const { engine, client } = await start(dataDir);
    const urlBefore = engine.url;
    await client.command({
      query:
        'CREATE TABLE seq (i UInt32) ENGINE = MergeTree ORDER BY i SETTINGS non_replicated_deduplication_window = 1000',
    });
    const restarted = new Promise((resolve) => engine.once('restarted', resolve));

    // Idempotent writer: retries a batch until acknowledged, like the real writer.
    let acked = 0;
    let failures = 0;
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        try {
          await client.insert({
            table: 'seq',
            values: [{ i: acked }],
            format: 'JSONEachRow',
            clickhouse_settings: { insert_deduplication_token: `batch-${acked}` },
          });
          acked++;
        } catch {
          failures++;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    })();

    await waitFor('some inserts', () => acked >= 10);
    const victim = engine.pid as number;
    process.kill(victim, 'SIGKILL');
    await waitFor('a new engine process', () => engine.pid !== undefined && engine.pid !== victim);
    await restarted;
    const ackedAtRestart = acked;
    await waitFor('inserts after the restart', () => acked >= ackedAtRestart + 10);
    stop = true;
    await traffic;

    expect(engine.url).toBe(urlBefore);
    expect(engine.restarts).toBe(1);
    expect(isRunning(victim)).toBe(false);
    // Every acknowledged batch is there exactly once; a batch in flight at the kill and
    // retried afterwards is deduplicated.
    expect(await count(client, 'SELECT uniqExact(i) AS c FROM seq')).toBe(acked);
    expect(await count(client, 'SELECT count() AS c FROM seq')).toBe(acked);
    console.info(`kill -9 restart: ${acked} batches acknowledged, ${failures} failed attempts retried`);
  });

  it('refuses a second engine on the same directory with DataDirLockedError', async () => {
    const dataDir = dataDirForTest();
    const { engine } = await start(dataDir);
    const err = await startEmbeddedEngine({ dataDir, poolSize: 1 }).then(
      (second) => second.stop().then(() => undefined),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataDirLockedError);
    const locked = err as DataDirLockedError;
    expect(locked.dataDir).toBe(dataDir);
    expect(locked.message).toContain(dataDir);
    expect(locked.holderPid).toBe(engine.pid);
    expect(locked.holderParentPid).toBe(process.pid);
  });

  it('stops cleanly: running statements finish, the process exits 0', async () => {
    const { engine, client } = await start(dataDirForTest());
    const exited = new Promise<EngineExitInfo>((resolve) => engine.once('exited', resolve));
    const pid = engine.pid as number;
    const slow = client.query({ query: 'SELECT sleep(1) AS s', format: 'JSONEachRow' }).then((rs) => rs.json());
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the query reach the engine
    await engine.stop();
    expect(await slow).toEqual([{ s: 0 }]);
    expect(await exited).toMatchObject({ pid, code: 0, expected: true });
    expect(isRunning(pid)).toBe(false);
  });

  it('exits when its parent is killed with -9, and the directory opens again with its rows', async () => {
    const dataDir = dataDirForTest();
    const first = await spawnParent(dataDir);
    cleanups.push(() => first.parent.kill('SIGKILL'));
    const firstClient = clientFor(first);
    await firstClient.command({ query: 'CREATE TABLE kept (i UInt32) ENGINE = MergeTree ORDER BY i' });
    await firstClient.insert({ table: 'kept', values: [{ i: 1 }, { i: 2 }, { i: 3 }], format: 'JSONEachRow' });
    await firstClient.close();

    first.parent.kill('SIGKILL');
    await waitFor('the orphaned engine to exit', () => !isRunning(first.enginePid), { timeoutMs: 30_000 });

    const { client } = await start(dataDir);
    expect(await count(client, 'SELECT count() AS c FROM kept')).toBe(3);
  });

  it('starts on a directory left behind by kill -9 of both processes, rows intact', async () => {
    const dataDir = dataDirForTest();
    const first = await spawnParent(dataDir);
    cleanups.push(() => first.parent.kill('SIGKILL'));
    const firstClient = clientFor(first);
    await firstClient.command({ query: 'CREATE TABLE kept (i UInt32) ENGINE = MergeTree ORDER BY i' });
    await firstClient.insert({
      table: 'kept',
      values: Array.from({ length: 1000 }, (_, i) => ({ i })),
      format: 'JSONEachRow',
    });
    await firstClient.close();

    process.kill(first.enginePid, 'SIGKILL');
    first.parent.kill('SIGKILL');
    await waitFor('both processes to die', () => !isRunning(first.enginePid) && !isRunning(first.parent.pid as number));

    const { client } = await start(dataDir);
    expect(await count(client, 'SELECT count() AS c FROM kept')).toBe(1000);
  });
});
