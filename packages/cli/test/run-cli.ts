import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../../server/test/process.ts';

/** The real `stellwerk` binary as a child, with its output collected and waited on by polling. */
export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stdout+stderr match, or rejects after `timeoutMs`. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function startStellwerk(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): CliRun {
  // The test runner may itself run inside `stellwerk run`; these tests start from a clean slate.
  const base = { ...process.env };
  for (const k of [
    'STELLWERK_RUN_ID',
    'STELLWERK_URL',
    'STELLWERK_PIPELINE',
    'STELLWERK_EXPERIMENT',
    'MLFLOW_RUN_ID',
    'MLFLOW_TRACKING_URI',
  ])
    delete base[k];
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...base, ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  if (input !== undefined) child.stdin?.end(input);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) =>
      child.on('close', (code, signal) => {
        process.off('exit', reap);
        resolve({ code, signal, stdout: out, stderr: err });
      }),
  );
  const waitFor = async (pattern: RegExp, timeoutMs = 20_000) => {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
      if (pattern.test(out + err)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no ${pattern} within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`);
  };
  return { child, stdout: () => out, stderr: () => err, waitFor, done };
}

export function runStellwerk(args: string[], env: NodeJS.ProcessEnv = {}, input?: string) {
  return startStellwerk(args, env, input).done;
}

/** A port nothing listens on: bound, then closed again. */
export async function downPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

export function tempDirs(): { make: (prefix: string) => string; cleanup: () => void } {
  const dirs: string[] = [];
  return {
    make: (prefix) => {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    cleanup: () => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  let last: unknown;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
