/**
 * The same log lines written to InfluxDB 1.6 (Debian `influxdb`) as line protocol, 5k lines a
 * request: the peer the logs ingest target names. Skipped with a note when influxd is absent.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, postAll } from './lib/measure.ts';

const INFLUXD = '/usr/bin/influxd';

function escapeTag(v: string): string {
  return v.replace(/[,= ]/g, (c) => `\\${c}`);
}
function fieldString(v: string): string {
  return `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Turns NDJSON bodies of bench log lines into line-protocol bodies with the same content. */
export function toLineProtocol(bodies: Buffer[]): Buffer[] {
  return bodies.map((b) =>
    Buffer.from(
      b
        .toString()
        .trimEnd()
        .split('\n')
        .map((line) => {
          const r = JSON.parse(line);
          const ns = `${Date.parse(r.time)}000000`;
          return `logs,service=${escapeTag(r.service)},host=${escapeTag(r.host)},level=${r.level} message=${fieldString(r.msg)},path=${fieldString(r.path)},status=${r.status}i,duration_ms=${r.duration_ms},user=${fieldString(r.user)} ${ns}`;
        })
        .join('\n'),
    ),
  );
}

export async function benchInflux(
  bodies: Buffer[],
  lines: number,
): Promise<Array<{ connections: number; linesPerSec: number }> | null> {
  if (!existsSync(INFLUXD)) {
    console.log('  InfluxDB 1.6: not installed (apt-get install influxdb), skipped');
    return null;
  }
  const lp = toLineProtocol(bodies);
  const out: Array<{ connections: number; linesPerSec: number }> = [];
  for (const connections of [1, 2, 4]) {
    const dir = mkdtempSync(join(tmpdir(), 'stw-bench-influx-'));
    const port = 18000 + Math.floor(Math.random() * 1000);
    const config = join(dir, 'influxdb.conf');
    writeFileSync(
      config,
      `reporting-disabled = true\nbind-address = "127.0.0.1:${port + 1000}"\n[meta]\n  dir = "${dir}/meta"\n[data]\n  dir = "${dir}/data"\n  wal-dir = "${dir}/wal"\n  query-log-enabled = false\n[http]\n  bind-address = "127.0.0.1:${port}"\n  log-enabled = false\n[monitor]\n  store-enabled = false\n`,
    );
    const child: ChildProcess = spawn(INFLUXD, ['-config', config], { stdio: 'ignore' });
    try {
      const url = `http://127.0.0.1:${port}`;
      for (const deadline = Date.now() + 30_000; ; ) {
        const ok = await fetch(`${url}/ping`).then(
          (r) => r.status === 204,
          () => false,
        );
        if (ok) break;
        if (Date.now() > deadline) throw new Error('influxd did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
      await fetch(`${url}/query?q=${encodeURIComponent('CREATE DATABASE bench')}`, { method: 'POST' });
      const seconds = await postAll(`${url}/write?db=bench&precision=ns`, lp, connections, {}, 204);
      out.push({ connections, linesPerSec: lines / seconds });
      console.log(`  InfluxDB 1.6, ${connections} connection(s): ${fmt(lines / seconds)} lines/s`);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}
