/**
 * What `stellwerk run` costs the command it wraps, against a real server: the same command
 * bare and wrapped, alternately, CPU (user + system of the whole tree, from the shell's
 * `time`) and wall time. A CPU-bound command of ~10 s (fixed work, so both do the same), a
 * command that does nothing (the wrapper's fixed start and end), and an output-heavy one
 * (1M lines) for the cost per million lines on the wrapper's side and the server's.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, startCli, waitForExit } from '../packages/server/test/process.ts';
import { cpuSecondsOf, fmt } from './lib/measure.ts';

const REPEATS = Number(process.env.BENCH_RUN_REPEATS ?? 3);
const LINES = 1_000_000;

interface Timing {
  wall: number;
  cpu: number;
}

/** Runs a shell command line under bash's `time`, which counts all reaped children. */
function timed(commandLine: string, env: NodeJS.ProcessEnv): Promise<Timing> {
  return new Promise((resolve, reject) => {
    // Only the time report comes back; the command's own output is discarded. The trailing
    // `true` keeps bash from exec'ing the last command, which would lose the report.
    const child = spawn(
      'bash',
      ['-c', `TIMEFORMAT='%3R %3U %3S'; { time eval "$STW_CMD" >/dev/null 2>&1; } 2>&1; true`],
      {
        env: { ...env, STW_CMD: commandLine },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let err = '';
    child.stdout.on('data', (d) => {
      err += d;
    });
    child.on('close', () => {
      const m = /(\d+\.\d+) (\d+\.\d+) (\d+\.\d+)\s*$/.exec(err);
      if (!m) return reject(new Error(`no timing in: ${err}`));
      resolve({ wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]) });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function compare(label: string, command: string, env: NodeJS.ProcessEnv, url: string) {
  const wrapped = `${q(process.execPath)} ${q(CLI)} run --server ${url} -- ${command}`;
  const bare: Timing[] = [];
  const wrap: Timing[] = [];
  for (let i = 0; i < REPEATS; i++) {
    bare.push(await timed(command, env));
    wrap.push(await timed(wrapped, env));
  }
  const b = { wall: median(bare.map((t) => t.wall)), cpu: median(bare.map((t) => t.cpu)) };
  const w = { wall: median(wrap.map((t) => t.wall)), cpu: median(wrap.map((t) => t.cpu)) };
  return { label, bare: b, wrapped: w };
}

export async function benchRunWrapper(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stw-bench-run-'));
  const spool = mkdtempSync(join(tmpdir(), 'stw-bench-spool-'));
  const server = await startCli(['--data-dir', dataDir], { STELLWERK_INGEST__QUEUE_MAX_RECORDS: '2000000' });
  const env = { ...process.env, STELLWERK_SPOOL_DIR: spool };
  try {
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { engine: { pid: number } };
    const serverPids = [server.child.pid as number, health.engine.pid];

    // Fixed work of about 10 s: calibrated once, then identical for bare and wrapped.
    const loop = (n: number) =>
      `${q(process.execPath)} -e ${q(`let x = 0; for (let i = 0; i < ${n}; i++) x = (x * 31 + i) % 1000003; console.log(x)`)}`;
    const probe = await timed(loop(2e8), env);
    const iterations = Math.round((2e8 * 10) / Math.max(0.2, probe.cpu));

    const rows = [
      await compare('nothing (`true`)', 'true', env, server.url),
      await compare('CPU-bound, ~10 s', loop(iterations), env, server.url),
    ];
    console.log('| command | bare wall / CPU (s) | wrapped wall / CPU (s) | wall added | CPU added |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const r of rows) {
      const pct = r.bare.cpu > 1 ? ` (${fmt(((r.wrapped.cpu - r.bare.cpu) / r.bare.cpu) * 100, 2)} %)` : '';
      console.log(
        `| ${r.label} | ${fmt(r.bare.wall, 2)} / ${fmt(r.bare.cpu, 2)} | ${fmt(r.wrapped.wall, 2)} / ${fmt(r.wrapped.cpu, 2)} | ${fmt((r.wrapped.wall - r.bare.wall) * 1000)} ms | ${fmt((r.wrapped.cpu - r.bare.cpu) * 1000)} ms${pct} |`,
      );
    }

    // Output-heavy: 1M lines of ~40 bytes; the server's CPU is read from /proc around it.
    const lines = `seq -f 'line %.0f of the output-heavy benchmark' 1 ${LINES}`;
    const bare = await timed(lines, env);
    const serverBefore = serverPids.reduce((s, p) => s + cpuSecondsOf(p), 0);
    const wrapped = await timed(`${q(process.execPath)} ${q(CLI)} run --server ${server.url} -- ${lines}`, env);
    // Lines the server did not take in time wait in the spool (the wrapper's memory is bounded).
    let spooled = 0;
    for (const f of readdirSync(spool).filter((n) => n.endsWith('.jsonl'))) {
      for (const line of readFileSync(join(spool, f), 'utf8').split('\n').slice(1)) {
        if (!line.includes('/api/v1/logs')) continue;
        spooled += (JSON.parse(line).body.match(/\n/g) ?? []).length;
      }
      rmSync(join(spool, f));
    }
    // The server may still be storing the last batches; give it until its CPU settles.
    let serverAfter = serverPids.reduce((s, p) => s + cpuSecondsOf(p), 0);
    for (let settled = 0; settled < 3; ) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = serverPids.reduce((s, p) => s + cpuSecondsOf(p), 0);
      settled = now - serverAfter < 0.05 ? settled + 1 : 0;
      serverAfter = now;
    }
    const perMillion = 1_000_000 / LINES;
    console.log(
      `\n1M lines: bare ${fmt(bare.wall, 2)} s wall / ${fmt(bare.cpu, 2)} s CPU; wrapped ${fmt(wrapped.wall, 2)} s wall / ${fmt(wrapped.cpu, 2)} s CPU`,
    );
    console.log(
      `per million lines: wrapper CPU ${fmt((wrapped.cpu - bare.cpu) * perMillion, 2)} s, wall added ${fmt((wrapped.wall - bare.wall) * perMillion, 2)} s, server + engine CPU ${fmt(((serverAfter - serverBefore) * 1_000_000) / Math.max(1, LINES - spooled), 2)} s per million lines stored live; ${fmt(LINES - spooled)} lines sent live, ${fmt(spooled)} spooled because the server fell behind`,
    );
    console.log(
      `(git ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()}, ${REPEATS} repeats, medians)`,
    );
  } finally {
    server.child.kill('SIGTERM');
    await waitForExit(server.child);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(spool, { recursive: true, force: true });
  }
}
