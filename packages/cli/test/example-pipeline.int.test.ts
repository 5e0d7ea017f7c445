/**
 * The example pipeline (examples/pipeline: scikit-learn, pandas, three steps wrapped by
 * `stellwerk run`, metrics through the MLflow REST API) run for real against a real server;
 * the test asserts what the runs pages then show, through the same APIs the UI reads.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.ts';
import { eventually } from '../../server/test/http.ts';
import { CLI } from '../../server/test/process.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// Debian's interpreter: it is the one python3-sklearn and python3-pandas install into.
const PYTHON = '/usr/bin/python3';

let server: TestServer;
let work: string;
beforeAll(async () => {
  server = await startTestServer();
  work = mkdtempSync(join(tmpdir(), 'stellwerk-example-'));
});
afterAll(async () => {
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function get(path: string): Promise<any> {
  const res = await fetch(`${server.url}${path}`);
  const body = await res.json();
  if (res.status !== 200) throw new Error(`GET ${path} → ${res.status} ${JSON.stringify(body)}`);
  return body;
}

function runPipeline(experiment: string): Promise<{ code: number | null; output: string }> {
  const env = { ...process.env };
  for (const k of ['STELLWERK_RUN_ID', 'MLFLOW_RUN_ID', 'MLFLOW_TRACKING_URI']) delete env[k];
  const child = spawn('bash', [join(ROOT, 'examples/pipeline/run_pipeline.sh'), join(work, 'data')], {
    env: {
      ...env,
      STELLWERK_URL: server.url,
      STELLWERK_CLI: `${process.execPath} ${CLI}`,
      STELLWERK_SPOOL_DIR: join(work, 'spool'),
      PYTHON,
      EXPERIMENT: experiment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  return new Promise((done) => child.on('close', (code) => done({ code, output })));
}

describe('example pipeline', () => {
  it('runs prepare → train → evaluate as one pipeline run with three observed steps', async () => {
    const experiment = `example-${Date.now()}`;
    const { code, output } = await runPipeline(experiment);
    expect(code, output).toBe(0);

    const { experiment: exp } = await get(
      `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(experiment)}`,
    );
    const { runs } = await get(`/api/v1/runs?experimentId=${exp.experiment_id}`);
    const pipeline = runs.find((r: any) => r.kind === 'pipeline');
    expect(pipeline?.status).toBe('FINISHED');
    expect(pipeline.tags['stellwerk.exit_code']).toBe('0');
    const steps = Object.fromEntries(
      runs.filter((r: any) => r.parentRunId === pipeline.runId).map((r: any) => [r.tags['stellwerk.step'], r]),
    );
    expect(Object.keys(steps).sort()).toEqual(['evaluate', 'prepare', 'train']);
    for (const step of Object.values(steps) as any[]) {
      expect(step.status).toBe('FINISHED');
      expect(step.exitCode).toBe(0);
      expect(step.tags['stellwerk.pipeline']).toBe('demo');
      expect(step.endTimeMs).toBeGreaterThan(step.startTimeMs);
    }
    // The steps ran one after another, inside the pipeline's time.
    expect(steps.prepare.endTimeMs).toBeLessThanOrEqual(steps.train.startTimeMs);
    expect(steps.train.endTimeMs).toBeLessThanOrEqual(steps.evaluate.startTimeMs);
    expect(pipeline.endTimeMs).toBeGreaterThanOrEqual(steps.evaluate.endTimeMs);

    // Training logged its params and one loss per epoch through the MLflow REST API.
    expect(steps.train.params).toMatchObject({ model: 'SGDClassifier', epochs: '20', alpha: '0.0005' });
    const { metrics: loss } = await get(`/api/v1/runs/${steps.train.runId}/metrics/train_loss`);
    expect(loss.map((m: any) => m.step)).toEqual([...Array(20).keys()]);
    expect(loss[19].value).toBeLessThan(loss[0].value);
    const latest = (run: any, key: string) => run.metrics.find((m: any) => m.key === key)?.value;
    expect(latest(steps.evaluate, 'test_accuracy')).toBeGreaterThan(0.85);
    expect(latest(steps.prepare, 'rows_train')).toBeGreaterThan(300);

    // The evaluation step's dataset profile, computed by Stellwerk from the rows it sent.
    const { profile } = await get(`/api/v1/runs/${steps.evaluate.runId}/datasets/validation`);
    expect(profile.rows).toBe(latest(steps.prepare, 'rows_test'));
    const target = profile.columns.find((c: any) => c.name === 'target');
    expect(Object.values(target.classBalance.classCounts).reduce((a: number, b) => a + Number(b), 0)).toBe(
      profile.rows,
    );
    expect(profile.columns.find((c: any) => c.name === 'size_class').kind).toBe('categorical');

    // Each step's output is in its logs, and its resources are series and run metrics.
    await eventually(async () => {
      const logs = await get(
        `/api/v1/logs?query=${encodeURIComponent(`run_id:${steps.train.runId} epoch`)}&from=now-1h&limit=100`,
      );
      // `epoch 19 loss=0.04 accuracy=0.99` is parsed like any log line: logfmt fields stay numbers.
      const last = logs.records.find((r: any) => r.message === 'epoch 19');
      expect(last?.attributes.loss).toBeTypeOf('number');
      expect(last?.attributes.accuracy).toBeGreaterThan(0.8);
      return true;
    });
    const rss = await get(
      `/api/v1/query?query=${encodeURIComponent(`max_over_time(stellwerk_run_rss_bytes{run_id="${steps.train.runId}"}[1h])`)}`,
    );
    expect(Number(rss.data.result[0].value[1])).toBeGreaterThan(10 * 1024 * 1024);
    expect(latest(steps.train, 'system/cpu_utilization_percentage')).toBeGreaterThanOrEqual(0);

    // Right-sizing sees the three steps on this host with a known memory capacity.
    const { steps: sizing } = await get('/api/v1/rightsizing?pipeline=demo&from=now-1h');
    const sized = sizing.filter((s: any) => ['prepare', 'train', 'evaluate'].includes(s.step));
    expect(sized.map((s: any) => s.step).sort()).toEqual(['evaluate', 'prepare', 'train']);
    for (const s of sized) expect(['over', 'ok', 'under']).toContain(s.memory.flag);
  }, 180_000);
});
