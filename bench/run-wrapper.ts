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

/** The command's own CPU seconds in a wrapped run, as the kernel counted them (the run's cpu_seconds). */
async function commandCpu(url: string, benchId: string): Promise<number> {
  const filter = encodeURIComponent(`tags.bench_id = '${benchId}'`);
  const { runs } = (await (await fetch(`${url}/api/v1/runs?filter=${filter}`)).json()) as {
    runs: Array<{ metrics: Array<{ key: string; value: number }> }>;
  };
  const cpu = runs[0]?.metrics.find((m) => m.key === 'cpu_seconds')?.value;
  if (cpu === undefined) throw new Error(`no cpu_seconds for the wrapped run ${benchId}`);
  return cpu;
}

async function compare(label: string, command: string, env: NodeJS.ProcessEnv, url: string) {
  const bare: Timing[] = [];
  const wrap: Timing[] = [];
  const own: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    bare.push(await timed(command, env));
    const benchId = `${process.pid}-${label.length}-${i}-${Date.now()}`;
    const t = await timed(
      `${q(process.execPath)} ${q(CLI)} run --server ${url} --tag bench_id=${benchId} -- ${command}`,
      env,
    );
    wrap.push(t);
    // The same work varies by 1-2 % of CPU from run to run on a shared machine, as much as the
    // target: the wrapper's own share is also taken exactly, as the tree's CPU less the command's.
    own.push(t.cpu - (await commandCpu(url, benchId)));
  }
  const b = { wall: median(bare.map((t) => t.wall)), cpu: median(bare.map((t) => t.cpu)) };
  const w = { wall: median(wrap.map((t) => t.wall)), cpu: median(wrap.map((t) => t.cpu)) };
  return { label, bare: b, wrapped: w, wrapperCpu: median(own) };
}

export async function benchRunWrapper(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stw-bench-run-'));
  const spool = mkdtempSync(join(tmpdir(), 'stw-bench-spool-'));
  const server = await startCli(['--data-dir', dataDir], { STELLWERK_INGEST__QUEUE_MAX_RECORDS: '2000000' });
  const env: NodeJS.ProcessEnv = { ...process.env, STELLWERK_SPOOL_DIR: spool };
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
    if (env.NODE_EXTRA_CA_CERTS) {
      const { NODE_EXTRA_CA_CERTS: _, ...without } = env;
      rows.push(await compare('nothing (`true`), NODE_EXTRA_CA_CERTS unset', 'true', without, server.url));
    }
    // The floor under every wrapped row: the wrapper is a Node process, and Node's own start
    // counts. NODE_EXTRA_CA_CERTS makes Node load a CA file before any JavaScript runs.
    const nodeStart = async (e: NodeJS.ProcessEnv) => {
      const runs: Timing[] = [];
      for (let i = 0; i < REPEATS * 2; i++) runs.push(await timed(`${q(process.execPath)} -e 0`, e));
      return { wall: median(runs.map((t) => t.wall)), cpu: median(runs.map((t) => t.cpu)) };
    };
    const node = await nodeStart(env);
    let nodeLine = `Node's own start (\`node -e 0\`): ${fmt(node.wall * 1000)} ms wall / ${fmt(node.cpu * 1000)} ms CPU`;
    if (env.NODE_EXTRA_CA_CERTS) {
      const { NODE_EXTRA_CA_CERTS: _, ...without } = env;
      const plain = await nodeStart(without);
      nodeLine += ` with NODE_EXTRA_CA_CERTS set (as here), ${fmt(plain.wall * 1000)} ms / ${fmt(plain.cpu * 1000)} ms without`;
    }
    console.log(
      '| command | bare wall / CPU (s) | wrapped wall / CPU (s) | wall added | CPU added | wrapper own CPU (tree less command) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const r of rows) {
      const pct = (x: number) => (r.bare.cpu > 1 ? ` (${fmt((x / r.bare.cpu) * 100, 2)} %)` : '');
      const added = r.wrapped.cpu - r.bare.cpu;
      console.log(
        `| ${r.label} | ${fmt(r.bare.wall, 2)} / ${fmt(r.bare.cpu, 2)} | ${fmt(r.wrapped.wall, 2)} / ${fmt(r.wrapped.cpu, 2)} | ${fmt((r.wrapped.wall - r.bare.wall) * 1000)} ms | ${fmt(added * 1000)} ms${pct(added)} | ${fmt(r.wrapperCpu * 1000)} ms${pct(r.wrapperCpu)} |`,
      );
    }

    console.log(`\n${nodeLine}`);

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
