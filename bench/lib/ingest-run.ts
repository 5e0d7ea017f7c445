import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, waitForExit } from '../../packages/server/test/process.ts';
import { cpuSecondsOf, postAll } from './measure.ts';
import type { Peer } from './peers.ts';

/** The connection counts every ingest bench runs, each on its own share of the data. */
export const CONNECTIONS = [1, 2, 4] as const;

/** A running target, with the processes whose CPU time counts (server, then engine) when known. */
export interface MeasuredPeer extends Peer {
  pids?: number[];
}

/** Stellwerk from its binary, with an ingest queue deep enough for the benches' bursts. */
export async function startStellwerk(dir: string): Promise<MeasuredPeer> {
  const server = await startCli(['--data-dir', dir], { STELLWERK_INGEST__QUEUE_MAX_RECORDS: '2000000' });
  const health = (await (await fetch(`${server.url}/healthz`)).json()) as { engine: { pid: number } };
  return {
    url: server.url,
    pids: [server.child.pid as number, health.engine.pid],
    stop: async () => {
      server.child.kill('SIGTERM');
      await waitForExit(server.child);
    },
  };
}

/**
 * Starts a target in a fresh directory and runs `measure` on it, then stops it, calls
 * `stopped` (to size the directory) and removes the directory. A target that is not
 * installed (start gives null) is skipped with a line saying so.
 */
export async function withTarget<P extends Peer>(
  name: string,
  dirPrefix: string,
  start: (dir: string) => Promise<P | null>,
  measure: (peer: P) => Promise<void>,
  stopped: (dir: string) => void,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  const running = await start(dir);
  if (!running) {
    console.log(`  ${name}: not installed, skipped`);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  try {
    await measure(running);
  } finally {
    await running.stop();
  }
  stopped(dir);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Posts `bodies` to `url`, the first `perSetting` of them over one connection, the next over
 * two, then four; gives `itemsPerSetting` per second for each.
 */
export async function ratesByConnections(
  url: string,
  bodies: Buffer[],
  perSetting: number,
  itemsPerSetting: number,
  headers: Record<string, string>,
  okStatus: number,
): Promise<number[]> {
  const rates: number[] = [];
  for (const [i, connections] of CONNECTIONS.entries()) {
    const slice = bodies.slice(i * perSetting, (i + 1) * perSetting);
    const seconds = await postAll(url, slice, connections, headers, okStatus);
    rates.push(itemsPerSetting / seconds);
  }
  return rates;
}

/** Starts counting CPU time of `pids`; the result gives the seconds each used since. */
export function cpuMeter(pids: number[] | undefined): () => number[] | null {
  const before = pids?.map(cpuSecondsOf);
  return () => (pids && before ? pids.map((pid, i) => cpuSecondsOf(pid) - (before[i] ?? 0)) : null);
}
