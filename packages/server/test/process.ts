import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../cli/bin/stellwerk.js');

export interface CliServer {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts the real `stellwerk up` binary and resolves with the URL it prints. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<CliServer> {
  const child = spawn(process.execPath, [CLI, 'up', '--port', '0', ...args], {
    env: { ...process.env, STELLWERK_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Whatever happens to the test or bench process, the server it started does not outlive it
  // (its engine follows the server on its own).
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`stellwerk up did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = () => {
      const m = /UI and API: (http:\/\/[^/\s]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolvePromise({ child, url: m[1] as string, output: () => out });
      }
    };
    child.stdout?.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`stellwerk up exited (${code ?? signal}) before it was ready:\n${out}`));
    });
  });
}

export function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
