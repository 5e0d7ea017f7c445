import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Peers from Debian to measure against in the same run; each is skipped when not installed. */
export interface Peer {
  url: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitReady(url: string, ok: (status: number) => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; ; ) {
    const ready = await fetch(url).then(
      (r) => ok(r.status),
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`${what} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

export const INFLUXD = '/usr/bin/influxd';
export const VICTORIA = '/usr/bin/victoria-metrics';

export async function startInflux(dir: string): Promise<Peer | null> {
  if (!existsSync(INFLUXD)) return null;
  const port = await freePort();
  const config = join(dir, 'influxdb.conf');
  writeFileSync(
    config,
    `reporting-disabled = true\nbind-address = "127.0.0.1:${await freePort()}"\n[meta]\n  dir = "${dir}/meta"\n[data]\n  dir = "${dir}/data"\n  wal-dir = "${dir}/wal"\n  query-log-enabled = false\n[http]\n  bind-address = "127.0.0.1:${port}"\n  log-enabled = false\n[monitor]\n  store-enabled = false\n`,
  );
  const child = spawn(INFLUXD, ['-config', config], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/ping`, (s) => s === 204, 'influxd');
  await fetch(`${url}/query?q=${encodeURIComponent('CREATE DATABASE bench')}`, { method: 'POST' });
  return { url, stop: stopper(child) };
}

export async function startVictoria(dir: string): Promise<Peer | null> {
  if (!existsSync(VICTORIA)) return null;
  const port = await freePort();
  const child = spawn(
    VICTORIA,
    [`-storageDataPath=${dir}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=1y'],
    {
      stdio: 'ignore',
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/health`, (s) => s === 200, 'victoria-metrics');
  return { url, stop: stopper(child) };
}

/** Bytes a directory takes on disk. */
export function diskBytes(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}
