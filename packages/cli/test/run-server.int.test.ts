import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.ts';
import { get } from '../../server/test/http.ts';
import { CLI } from '../../server/test/process.ts';
import { downPort, eventually, runStellwerk, startStellwerk, tempDirs } from './run-cli.ts';

// `stellwerk run` against a real Stellwerk with the embedded engine: what a user then sees
// in the runs API, the log search and PromQL.
let server: TestServer;
const dirs = tempDirs();
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  server = await startTestServer({ overrides: { scrape: { self: false } } });
  env = { STELLWERK_URL: server.url, STELLWERK_SPOOL_DIR: dirs.make('stw-spool-') };
});
afterAll(async () => {
  await server?.close();
  dirs.cleanup();
});

async function runOf(id: string) {
  const r = await get(`${server.url}/api/v1/runs/${id}`);
  return r.status === 200 ? r.json.run : undefined;
}

/** The run once the wrapper's final update has arrived. */
function endedRun(id: string) {
  return eventually(async () => {
    const run = await runOf(id);
    return run && run.status !== 'RUNNING' ? run : undefined;
  }, 'the run to end');
}

async function logsOf(id: string, extra = ''): Promise<any[]> {
  const q = encodeURIComponent(`run_id:${id}${extra}`);
  const r = await get(`${server.url}/api/v1/logs?query=${q}&from=now-1h&limit=1000`);
  return r.json.records;
}

function idFrom(output: string, label = 'run'): string {
  const m = new RegExp(`${label}=([0-9a-f]{32})`).exec(output);
  if (!m) throw new Error(`no ${label}= in output:\n${output}`);
  return m[1] as string;
}

describe('stellwerk run against a real server', () => {
  it('records a finished run with its logs (stderr marked), resources as series and end metrics', async () => {
    const r = await runStellwerk(
      [
        'run',
        '--experiment',
        'wrapped',
        '--param',
        'lr=0.01',
        '--tag',
        'team=ml',
        '--sample-interval',
        '250ms',
        '--',
        'sh',
        '-c',
        'echo "run=$STELLWERK_RUN_ID mlflow=$MLFLOW_RUN_ID uri=$MLFLOW_TRACKING_URI"; echo "level=error msg=\\"disk low\\"" >&2; sleep 1.5; echo done',
        '--token=abc',
      ],
      env,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('stellwerk:');
    const id = idFrom(r.stdout);
    expect(r.stdout).toContain(`mlflow=${id} uri=${server.url}`);

    const run = await endedRun(id);
    expect(run).toMatchObject({
      runId: id,
      name: 'sh',
      kind: 'training',
      status: 'FINISHED',
      exitCode: 0,
      params: { lr: '0.01' },
      tags: { team: 'ml', 'stellwerk.exit_code': '0' },
    });
    expect(run.command).toContain('--token=***');
    expect(run.endTimeMs - run.startTimeMs).toBeGreaterThanOrEqual(1500);
    const metrics = Object.fromEntries(run.metrics.map((m: any) => [m.key, m.value]));
    expect(metrics.duration_seconds).toBeGreaterThanOrEqual(1.5);
    expect(metrics.cpu_seconds).toBeGreaterThanOrEqual(0);
    expect(metrics.peak_rss_bytes).toBeGreaterThan(0);

    const logs = await eventually(async () => {
      const found = await logsOf(id);
      return found.length >= 3 ? found : undefined;
    }, 'the run logs');
    // Each line is parsed like any log: the first is logfmt, so its words are attributes.
    expect(logs.map((l) => l.message).sort()).toEqual(['', 'disk low', 'done']);
    expect(logs.find((l) => l.message === '')?.attributes).toMatchObject({ run: id, mlflow: id });
    const stderr = await logsOf(id, ' resource.stream:stderr');
    // The server parsed the logfmt line like any log.
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatchObject({ message: 'disk low', level: 'error', service: 'sh' });

    const query = encodeURIComponent(`stellwerk_run_rss_bytes{run_id="${id}"}`);
    const rss = await eventually(async () => {
      const q = await get(`${server.url}/api/v1/query?query=${query}`);
      return q.json?.data?.result?.length > 0 ? q.json.data.result : undefined;
    }, 'the rss series');
    expect(rss[0].metric).toMatchObject({ run_id: id, experiment: 'wrapped' });
    expect(Number(rss[0].value[1])).toBeGreaterThan(0);
  });

  it('records FAILED and KILLED runs with their exit codes', async () => {
    const failed = await runStellwerk(['run', '--', 'sh', '-c', 'echo "run=$STELLWERK_RUN_ID"; exit 3'], env);
    expect(failed.code).toBe(3);
    expect(await endedRun(idFrom(failed.stdout))).toMatchObject({
      status: 'FAILED',
      exitCode: 3,
      tags: { 'stellwerk.exit_code': '3' },
    });

    const killed = startStellwerk(['run', '--', 'sh', '-c', 'echo "run=$STELLWERK_RUN_ID"; exec sleep 30'], env);
    await killed.waitFor(/run=/);
    killed.child.kill('SIGTERM');
    expect((await killed.done).code).toBe(143);
    expect(await endedRun(idFrom(killed.stdout()))).toMatchObject({
      status: 'KILLED',
      exitCode: 143,
      tags: { 'stellwerk.exit_code': '143' },
    });
  });

  it('records the exit code last, whatever the command reported through MLflow', async () => {
    // The command ends its own run as FINISHED through the MLflow REST API (what end_run
    // sends), using the MLFLOW_* variables the wrapper gave it, and then fails.
    const script = [
      'import json, os, time, urllib.request',
      'body = {"run_id": os.environ["MLFLOW_RUN_ID"], "status": "FINISHED", "end_time": int(time.time() * 1000)}',
      'req = urllib.request.Request(os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/runs/update", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})',
      'print("mlflow", urllib.request.urlopen(req).status)',
      'print("run=" + os.environ["STELLWERK_RUN_ID"])',
      'raise SystemExit(1)',
    ].join('\n');
    const r = await runStellwerk(['run', '--', 'python3', '-c', script], env);
    expect(r.stdout).toContain('mlflow 200');
    expect(r.code).toBe(1);
    expect(await endedRun(idFrom(r.stdout))).toMatchObject({ status: 'FAILED', exitCode: 1 });
  });

  it('makes a stellwerk run inside a pipeline run a step of it', async () => {
    const inner = (step: string, code: number) =>
      `"${process.execPath}" "${CLI}" run --step ${step} -- sh -c 'echo "${step}=$STELLWERK_RUN_ID"; exit ${code}'`;
    const r = await runStellwerk(
      [
        'run',
        '--experiment',
        'pipes',
        '--pipeline',
        'demo',
        '--',
        'sh',
        '-c',
        `echo "run=$STELLWERK_RUN_ID"; ${inner('prepare', 0)}; ${inner('train', 0)}`,
      ],
      env,
    );
    expect(r.code).toBe(0);
    const pipelineId = idFrom(r.stdout);
    const pipeline = await endedRun(pipelineId);
    expect(pipeline).toMatchObject({
      kind: 'pipeline',
      name: 'demo',
      status: 'FINISHED',
      tags: { 'stellwerk.pipeline': 'demo' },
    });
    for (const step of ['prepare', 'train']) {
      const stepRun = await endedRun(idFrom(r.stdout, step));
      expect(stepRun).toMatchObject({
        kind: 'step',
        name: step,
        parentRunId: pipelineId,
        experimentId: pipeline.experimentId,
        status: 'FINISHED',
        tags: { 'stellwerk.pipeline': 'demo', 'stellwerk.step': step },
      });
    }
  });
});

describe('spool, then flush', () => {
  it('stores everything a run spooled while the server was down, once, even when flushed twice', async () => {
    const spool = dirs.make('stw-later-');
    const down = { STELLWERK_URL: `http://127.0.0.1:${await downPort()}`, STELLWERK_SPOOL_DIR: spool };
    const r = await runStellwerk(
      [
        'run',
        '--experiment',
        'offline',
        '--sample-interval',
        '200ms',
        '--',
        'sh',
        '-c',
        'echo "run=$STELLWERK_RUN_ID"; for i in 1 2 3 4 5; do echo line-$i; done; echo problem >&2; sleep 1',
      ],
      down,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/is unavailable .*stellwerk flush/);
    const id = idFrom(r.stdout);
    expect(await runOf(id)).toBeUndefined();
    const [file] = readdirSync(spool).filter((n) => n.endsWith('.jsonl'));
    expect(file).toBeDefined();
    const copy = join(dirs.make('stw-copy-'), file as string);
    copyFileSync(join(spool, file as string), copy);

    // The file remembers the (down) server it was meant for; --server sends it here instead.
    const flushStartMs = Date.now();
    const flushed = await runStellwerk(['flush', '--server', server.url], { STELLWERK_SPOOL_DIR: spool });
    expect(flushed.code).toBe(0);
    expect(flushed.stdout).toMatch(/sent \d+ requests of 1 runs; 0 left/);
    expect(readdirSync(spool).filter((n) => n.endsWith('.jsonl'))).toEqual([]);

    const run = await endedRun(id);
    expect(run).toMatchObject({ status: 'FINISHED', exitCode: 0, tags: { 'stellwerk.exit_code': '0' } });
    const logs = await eventually(async () => {
      const found = await logsOf(id);
      return found.length >= 7 ? found : undefined;
    }, 'the flushed logs');
    expect(logs).toHaveLength(7);
    // Lines keep the time they were printed, not the time they were flushed.
    for (const l of logs) expect(Date.parse(l.time)).toBeLessThan(flushStartMs);

    // The same file once more (a flush interrupted after the server stored it): nothing doubles.
    copyFileSync(copy, join(spool, file as string));
    const again = await runStellwerk(['flush', '--server', server.url], { STELLWERK_SPOOL_DIR: spool });
    expect(again.code).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await logsOf(id)).toHaveLength(7);
    const history = await get(`${server.url}/api/v1/runs/${id}/metrics/duration_seconds`);
    expect(history.json.metrics).toHaveLength(1);
    expect((await runOf(id)).status).toBe('FINISHED');
  });

  it('the logs endpoint names a malformed X-Stellwerk-Observed-Time', async () => {
    const res = await fetch(`${server.url}/api/v1/logs?service=x`, {
      method: 'POST',
      body: 'hello',
      headers: { 'x-stellwerk-observed-time': '2024-01-01T00:00:00Z' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toContain(
      'X-Stellwerk-Observed-Time must be epoch milliseconds',
    );
  });

  it('the next stellwerk run sends an earlier spool for its server in the background', async () => {
    const spool = dirs.make('stw-next-');
    const downUrl = `http://127.0.0.1:${await downPort()}`;
    const offline = await runStellwerk(['run', '--', 'sh', '-c', 'echo "run=$STELLWERK_RUN_ID"'], {
      STELLWERK_URL: downUrl,
      STELLWERK_SPOOL_DIR: spool,
    });
    const earlier = idFrom(offline.stdout);
    const [name] = readdirSync(spool).filter((n) => n.endsWith('.jsonl')) as [string];
    // The same run as if it had been spooled while this server was down: the header names the server.
    const [header, ...rest] = readFileSync(join(spool, name), 'utf8').split('\n');
    const forThisServer = `00000000000000-${earlier}.jsonl`;
    writeFileSync(
      join(spool, forThisServer),
      [JSON.stringify({ ...JSON.parse(header as string), server: server.url }), ...rest].join('\n'),
    );
    rmSync(join(spool, name));
    const other = await runStellwerk(['run', '--', 'sh', '-c', 'echo "run=$STELLWERK_RUN_ID"; sleep 2'], {
      STELLWERK_URL: server.url,
      STELLWERK_SPOOL_DIR: spool,
    });
    expect(other.code).toBe(0);
    expect(await endedRun(earlier)).toMatchObject({ status: 'FINISHED' });
    expect(readdirSync(spool).filter((n) => n.endsWith('.jsonl'))).toEqual([]);
    // A spool meant for another server is left for `stellwerk flush`.
    await runStellwerk(['run', '--', 'true'], { STELLWERK_URL: downUrl, STELLWERK_SPOOL_DIR: spool });
    await runStellwerk(['run', '--', 'sh', '-c', 'sleep 1'], { STELLWERK_URL: server.url, STELLWERK_SPOOL_DIR: spool });
    expect(readdirSync(spool).filter((n) => n.endsWith('.jsonl'))).toHaveLength(1);
  });
});

describe('stellwerk run against a server that needs a token', () => {
  let secured: TestServer;
  beforeAll(async () => {
    secured = await startTestServer({ token: 'stw-test-token-0123456789', overrides: { scrape: { self: false } } });
  });
  afterAll(async () => {
    await secured?.close();
  });

  it('sends STELLWERK_TOKEN as a Bearer token, and spools with one warning when the token is wrong', async () => {
    const spool = dirs.make('stw-token-');
    const good = await runStellwerk(['run', '--', 'sh', '-c', 'echo "run=$STELLWERK_RUN_ID"'], {
      STELLWERK_URL: secured.url,
      STELLWERK_TOKEN: 'stw-test-token-0123456789',
      STELLWERK_SPOOL_DIR: spool,
    });
    expect(good.code).toBe(0);
    const id = idFrom(good.stdout);
    const auth = { authorization: 'Bearer stw-test-token-0123456789' };
    const stored = await eventually(async () => {
      const r = await get(`${secured.url}/api/v1/runs/${id}`, auth);
      return r.json?.run?.status === 'FINISHED' ? r.json.run : undefined;
    }, 'the run with a token');
    expect(stored.exitCode).toBe(0);

    const wrong = await runStellwerk(['run', '--token', 'not-the-token', '--', 'true'], {
      STELLWERK_URL: secured.url,
      STELLWERK_SPOOL_DIR: spool,
    });
    expect(wrong.code).toBe(0);
    expect(wrong.stderr).toMatch(/is unavailable \(401 .*stellwerk flush/);
    expect(readdirSync(spool).filter((n) => n.endsWith('.jsonl'))).toHaveLength(1);
    // With the right token, the flush delivers it.
    const flushed = await runStellwerk(['flush', '--token', 'stw-test-token-0123456789'], {
      STELLWERK_SPOOL_DIR: spool,
    });
    expect(flushed.code).toBe(0);
    expect(readdirSync(spool).filter((n) => n.endsWith('.jsonl'))).toEqual([]);
  });
});
