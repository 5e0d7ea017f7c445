/** Helpers for the engine's integration tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
  ClickHouseLogLevel,
  createClient,
} from '@clickhouse/client';
import { isAlive } from './data-dir.ts';
import type { EmbeddedEngine } from './supervisor.ts';

export function tempDataDir(prefix = 'stw-engine-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function clientFor(
  engine: Pick<EmbeddedEngine, 'url' | 'username' | 'password'>,
  extra: ClickHouseClientConfigOptions = {},
): ClickHouseClient {
  return createClient({
    url: engine.url,
    username: engine.username,
    password: engine.password,
    // Expected failures would otherwise be logged by the client as errors.
    log: { level: ClickHouseLogLevel.OFF },
    ...extra,
  });
}

/** Polls `probe` until it returns a value other than undefined/false, or fails at the deadline. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 30_000, intervalMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Alive and not a zombie: a re-parented process may never be reaped in a container. */
export function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && fs.existsSync('/proc/self/stat')) return false;
    return isAlive(pid);
  }
}
