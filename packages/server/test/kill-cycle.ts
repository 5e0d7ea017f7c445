import { expect } from 'vitest';
import { eventually, get } from './http.ts';
import { isAlive, startCli, waitForExit } from './process.ts';

/** Batches written so far that the server acknowledged, and how to stop writing. */
export interface AckedWrites {
  acked: string[];
  stop: () => Promise<void>;
}

/**
 * Two concurrent loops send batches until stopped. `send` resolves true when the server
 * acknowledged batch `id`; a throw (the server was killed) leaves it unacknowledged, so
 * nothing is promised for it.
 */
export function ackedWrites(
  idOf: (seq: number) => string,
  send: (id: string, seq: number) => Promise<boolean>,
): AckedWrites {
  const acked: string[] = [];
  let stopped = false;
  let next = 0;
  const loop = async () => {
    while (!stopped) {
      const seq = next++;
      const id = idOf(seq);
      try {
        if (await send(id, seq)) acked.push(id);
      } catch {
        // Killed mid-request: unacknowledged.
      }
    }
  };
  const done = Promise.all([loop(), loop()]);
  return {
    acked,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

interface KillCycle {
  /** Arguments after `stellwerk up --port 0`. */
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Starts writing to the server at `url`. */
  write: (url: string) => AckedWrites;
  /** How many acknowledged batches to wait for before the kill. */
  minAcked: number;
}

/**
 * Starts the real binary, writes until `minAcked` batches are acknowledged, then kill -9 of
 * the server and its engine together; resolves with the acknowledged ids once both are gone.
 */
export async function writeThenKill({ args, env, write, minAcked }: KillCycle): Promise<string[]> {
  const server = await startCli(args, env);
  const enginePid = (await get(`${server.url}/healthz`)).json.engine.pid as number;
  expect(isAlive(enginePid)).toBe(true);
  const stream = write(server.url);
  await eventually(async () => (stream.acked.length >= minAcked ? true : undefined), 60_000, 'acked batches');
  server.child.kill('SIGKILL');
  process.kill(enginePid, 'SIGKILL');
  await waitForExit(server.child);
  await stream.stop();
  await eventually(async () => (isAlive(enginePid) ? undefined : true), 10_000, 'engine exit');
  return stream.acked;
}
