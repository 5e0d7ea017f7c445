import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../server/test/process.ts';
import { downPort, runStellwerk, startStellwerk, tempDirs } from './run-cli.ts';

// `stellwerk run` as the user meets it, with Stellwerk down: the command must behave exactly
// as it would unwrapped, and everything about the run must wait in the spool.
const dirs = tempDirs();
afterAll(dirs.cleanup);
let env: NodeJS.ProcessEnv;
let spool: string;
beforeAll(async () => {
  spool = dirs.make('stw-spool-');
  env = { STELLWERK_URL: `http://127.0.0.1:${await downPort()}`, STELLWERK_SPOOL_DIR: spool };
});

function spooled(): { file: string; lines: any[] }[] {
  return readdirSync(spool)
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => ({
      file: join(spool, n),
      lines: readFileSync(join(spool, n), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    }));
}

function spoolOf(runId: string) {
  const found = spooled().find((s) => s.lines[0].runId === runId);
  if (!found) throw new Error(`no spool file for ${runId}`);
  return found.lines.slice(1);
}

describe('stellwerk run: the command behaves as unwrapped', () => {
  it('keeps stdout and stderr apart, returns the exit code, and warns once that the server is down', async () => {
    const r = await runStellwerk(['run', '--', 'sh', '-c', 'echo out1; echo err1 >&2; echo out2; exit 3'], env);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('out1\nout2\n');
    const stderr = r.stderr.split('\n').filter(Boolean);
    expect(stderr).toContain('err1');
    const warnings = stderr.filter((l) => l.startsWith('stellwerk:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/is unavailable \(ECONNREFUSED\); this run is kept in .*stellwerk flush/);
  });

  it('passes stdin through', async () => {
    const r = await runStellwerk(['run', '--', 'tr', 'a-z', 'A-Z'], env, 'hello\nworld\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('HELLO\nWORLD\n');
  });

  it('forwards output as it comes, not when the command ends', async () => {
    // The command prints its second line only once the test has seen the first.
    const go = join(dirs.make('stw-go-'), 'go');
    const run = startStellwerk(
      ['run', '--', 'sh', '-c', 'echo first; while [ ! -e "$GO" ]; do sleep 0.05; done; echo second'],
      {
        ...env,
        GO: go,
      },
    );
    await run.waitFor(/first/);
    expect(run.stdout()).toBe('first\n');
    writeFileSync(go, '');
    expect((await run.done).stdout).toBe('first\nsecond\n');
  });

  it('exits 127 for a command that does not exist, and 2 for a bad flag', async () => {
    const missing = await runStellwerk(['run', '--', 'no-such-command-xyz'], env);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('stellwerk run: no-such-command-xyz: command not found');
    const bad = await runStellwerk(['run', '--param', 'novalue', '--', 'true'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--param "novalue": write key=value');
    const interval = await runStellwerk(['run', '--sample-interval', 'fast', '--', 'true'], env);
    expect(interval.code).toBe(2);
    expect(interval.stderr).toContain('--sample-interval "fast"');
  });

  it('gives the command the run id, PYTHONUNBUFFERED and OTEL attributes, but no MLflow run without a server', async () => {
    const script =
      'echo "$PYTHONUNBUFFERED|$STELLWERK_RUN_ID|$OTEL_RESOURCE_ATTRIBUTES|$(printenv MLFLOW_RUN_ID || echo unset)|$STELLWERK_URL"';
    const r = await runStellwerk(['run', '--', 'sh', '-c', script], {
      ...env,
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=trainer',
    });
    const [unbuffered, runId, otel, mlflow, url] = r.stdout.trim().split('|');
    expect(unbuffered).toBe('1');
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(otel).toBe(`service.name=trainer,stellwerk.run_id=${runId}`);
    expect(mlflow).toBe('unset');
    expect(url).toBe(env.STELLWERK_URL);
    const own = await runStellwerk(['run', '--', 'sh', '-c', 'echo $PYTHONUNBUFFERED'], {
      ...env,
      PYTHONUNBUFFERED: '0',
    });
    expect(own.stdout).toBe('0\n');
  });

  it('exits as the command does when a background process it started keeps the output open', async () => {
    const started = Date.now();
    const r = await runStellwerk(['run', '--', 'sh', '-c', 'sleep 20 & echo started'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('started\n');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('stellwerk run: signals', () => {
  // Each signal reaches the command once; its handler prints and exits with a code of its own.
  it.each([
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
    ['SIGQUIT', 3],
    ['SIGUSR1', 10],
    ['SIGUSR2', 12],
  ] as const)('forwards %s to the command', async (signal, n) => {
    const name = signal.slice(3);
    const script = `trap 'echo got ${name}; exit ${40 + n}' ${name}; echo ready; while :; do sleep 0.05; done`;
    const run = startStellwerk(['run', '--', 'bash', '-c', script], env);
    await run.waitFor(/ready/);
    run.child.kill(signal);
    const r = await run.done;
    expect(r.stdout).toBe(`ready\ngot ${name}\n`);
    expect(r.code).toBe(40 + n);
  });

  it('exits 128+n when the command is killed by signal n, and records the run as KILLED', async () => {
    const run = startStellwerk(['run', '--', 'sh', '-c', 'echo ready; exec sleep 30'], env);
    await run.waitFor(/ready/);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code).toBe(143);
    expect(r.signal).toBeNull();
    const interrupted = startStellwerk(['run', '--', 'sh', '-c', 'echo ready; exec sleep 30'], env);
    await interrupted.waitFor(/ready/);
    interrupted.child.kill('SIGINT');
    expect((await interrupted.done).code).toBe(130);
    const runId = spooled()
      .map((s) => s.lines)
      .filter((l) => l[1].body.includes('exec sleep 30'))
      .map((l) => l[0].runId);
    for (const id of runId) {
      const patch = spoolOf(id).at(-1);
      expect(patch.method).toBe('PATCH');
      expect(JSON.parse(patch.body)).toMatchObject({ status: 'KILLED' });
    }
    expect(runId).toHaveLength(2);
  });
});

describe('stellwerk run with a terminal on stdin', () => {
  // util-linux `script` gives the wrapper a real terminal; what the test writes is typed into it.
  // `exec`, because `script` starts the line with $SHELL -c, and dash (Debian's sh) would stay
  // as the wrapper's parent in the terminal's foreground group, where Ctrl-C kills it. A user's
  // interactive shell puts the wrapper in a foreground group of its own, as `exec` does here.
  function inTerminal(args: string[]) {
    const words = [process.execPath, CLI, 'run', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`);
    const line = `exec ${words.join(' ')}`;
    const child = spawn('script', ['--quiet', '--return', '--command', line, '/dev/null'], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const done = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const waitFor = async (pattern: RegExp) => {
      for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
        if (pattern.test(out)) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no ${pattern} in:\n${out}`);
    };
    return { child, waitFor, done, output: () => out };
  }

  it('feeds typed input to the command and delivers Ctrl-C to it exactly once', async () => {
    const script =
      'read line; echo "got $line"; n=0; trap "n=\\$((n+1))" INT; echo ready; while [ $n -eq 0 ]; do sleep 0.1; done; sleep 0.5; echo "interrupts=$n"';
    const t = inTerminal(['--', 'bash', '-c', script]);
    t.child.stdin.write('hello\r');
    await t.waitFor(/got hello/);
    await t.waitFor(/ready/);
    t.child.stdin.write('\x03');
    await t.waitFor(/interrupts=/);
    t.child.stdin.end();
    expect(await t.done, t.output()).toBe(0);
    expect(t.output()).toMatch(/interrupts=1\r?\n/);
  });
});

describe('stellwerk run --pty', () => {
  it('gives the command a terminal, merges its streams, and keeps exit codes and signals', async () => {
    const r = await runStellwerk(
      ['run', '--pty', '--', 'sh', '-c', 'test -t 1 && echo on-a-tty; echo to-stderr >&2; exit 4'],
      env,
    );
    expect(r.code).toBe(4);
    expect(r.stdout.replace(/\r/g, '')).toBe('on-a-tty\nto-stderr\n');
    const killed = startStellwerk(['run', '--pty', '--', 'sh', '-c', 'echo ready; exec sleep 30'], env);
    await killed.waitFor(/ready/);
    killed.child.kill('SIGTERM');
    expect((await killed.done).code).toBe(143);
  });

  it('passes stdin through the terminal without echoing it', async () => {
    const r = await runStellwerk(['run', '--pty', '--', 'sh', '-c', 'read line; echo "got $line"'], env, 'abc\n');
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\r/g, '')).toBe('got abc\n');
  });
});

describe('stellwerk run: the spool while the server is down', () => {
  it('keeps the whole run in order: creation, logs with their stream, resources, metrics, tags, end', async () => {
    const r = await runStellwerk(
      [
        'run',
        '--experiment',
        'spooled',
        '--param',
        'lr=0.1',
        '--tag',
        'team=ml',
        '--sample-interval',
        '200ms',
        '--',
        'sh',
        '-c',
        'echo working; echo oops >&2; sleep 1; API_TOKEN=x; exit 1',
        '--password=hunter2',
      ],
      env,
    );
    expect(r.code).toBe(1);
    const file = spooled().find((s) => s.lines[1]?.body.includes('"spooled"'));
    expect(file).toBeDefined();
    const [header, ...requests] = file?.lines ?? [];
    expect(header.server).toBe(env.STELLWERK_URL);
    const create = JSON.parse(requests[0].body);
    expect(requests[0]).toMatchObject({ method: 'POST', path: '/api/v1/runs' });
    expect(create).toMatchObject({
      id: header.runId,
      experimentName: 'spooled',
      kind: 'training',
      name: 'sh',
      params: { lr: '0.1' },
      tags: { team: 'ml' },
    });
    expect(create.command).toContain('--password=***');
    expect(create.command).not.toContain('hunter2');
    const logs = requests.filter((q) => q.path.startsWith('/api/v1/logs'));
    expect(logs.map((q) => [new URLSearchParams(q.path.split('?')[1]).get('resource.stream'), q.body])).toEqual(
      expect.arrayContaining([
        ['stdout', 'working\n'],
        ['stderr', 'oops\n'],
      ]),
    );
    const resources = requests.filter((q) => q.path.endsWith('/resources'));
    expect(resources.length).toBeGreaterThanOrEqual(2);
    const tail = requests.slice(-2);
    expect(tail.map((q) => `${q.method} ${q.path.replace(header.runId, ':id')}`)).toEqual([
      'POST /api/v1/runs/:id/log',
      'PATCH /api/v1/runs/:id',
    ]);
    const end = JSON.parse(tail[0].body);
    expect(end.tags).toEqual({ 'stellwerk.exit_code': '1' });
    expect(end.metrics.map((m: { key: string }) => m.key)).toEqual([
      'duration_seconds',
      'cpu_seconds',
      'peak_rss_bytes',
    ]);
    expect(JSON.parse(tail[1].body)).toMatchObject({ status: 'FAILED', exitCode: 1 });
    const keys = requests.map((q) => q.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('attaches GPU readings from nvidia-smi to the samples (a stand-in: there is no GPU here)', async () => {
    const bin = dirs.make('stw-fake-gpu-');
    // Prints what the real tool prints for this query, once per --loop-ms interval.
    writeFileSync(
      join(bin, 'nvidia-smi'),
      '#!/bin/sh\nwhile :; do echo "0, NVIDIA A100-SXM4-40GB, 87, 30123, 40960"; sleep 0.2; done\n',
      { mode: 0o755 },
    );
    const r = await runStellwerk(
      ['run', '--sample-interval', '300ms', '--', 'sh', '-c', 'echo "run=$STELLWERK_RUN_ID"; sleep 1.5'],
      {
        ...env,
        PATH: `${bin}:${process.env.PATH}`,
      },
    );
    expect(r.code).toBe(0);
    const runId = /run=([0-9a-f]{32})/.exec(r.stdout)?.[1] as string;
    const samples = spoolOf(runId)
      .filter((q) => q.path.endsWith('/resources'))
      .flatMap((q) => JSON.parse(q.body).samples);
    const withGpu = samples.filter((x: any) => x.gpus?.length);
    expect(withGpu.length).toBeGreaterThan(0);
    expect(withGpu[0].gpus[0]).toEqual({
      index: 0,
      name: 'NVIDIA A100-SXM4-40GB',
      utilizationPercent: 87,
      memoryUsedBytes: 30123 * 2 ** 20,
      memoryTotalBytes: 40960 * 2 ** 20,
    });
  });

  it('flush against a down server keeps everything and says so', async () => {
    const before = spooled().reduce((n, s) => n + s.lines.length, 0);
    const r = await runStellwerk(['flush'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stopped: .*ECONNREFUSED/);
    expect(spooled().reduce((n, s) => n + s.lines.length, 0)).toBe(before);
  });

  it('flush with an empty spool says there is nothing to send', async () => {
    const empty = dirs.make('stw-empty-');
    const r = await runStellwerk(['flush'], { ...env, STELLWERK_SPOOL_DIR: empty });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nothing spooled');
  });

  it('does not flush a spool file that a running stellwerk run still writes', async () => {
    const dir = dirs.make('stw-locked-');
    const file = join(dir, '00000000000001-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ stellwerkSpool: 1, server: env.STELLWERK_URL, runId: 'a'.repeat(32), createdMs: 1 })}\n{"method":"POST","path":"/api/v1/logs","contentType":"text/plain","body":"x\\n","key":"k1"}\n`,
    );
    writeFileSync(`${file}.lock`, String(process.pid));
    const r = await runStellwerk(['flush'], { ...env, STELLWERK_SPOOL_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('sent 0 requests of 0 runs; 1 left');
  });
});
