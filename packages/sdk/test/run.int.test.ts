/**
 * Run tracking against a real Stellwerk: what a user checks is the run the server shows
 * (native API and MLflow API), not what the SDK believes it sent.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.ts';
import { eventually } from '../../server/test/http.ts';
import { type SdkError, startRun } from '../src/index.ts';

const TOKEN = 'sdk-run-test-token';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ token: TOKEN });
});
afterAll(async () => {
  await server?.close();
});

const auth = { authorization: `Bearer ${TOKEN}` };

async function getJson(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, { headers: auth });
  return { status: res.status, body: await res.json() };
}

describe('startRun against a real Stellwerk', () => {
  it('creates the run, stores params, tags and metric history, and ends it FINISHED', async () => {
    const errors: SdkError[] = [];
    const run = startRun({
      url: server.url,
      token: TOKEN,
      experiment: 'sdk-runs',
      name: 'train-small',
      params: { lr: 0.01, layers: 3 },
      tags: { team: 'vision' },
      flushIntervalMs: 50,
      onError: (e) => errors.push(e),
    });
    expect(run.runId).toMatch(/^[0-9a-f]{32}$/);
    run.logParams({ optimizer: 'adam' });
    for (let step = 0; step < 5; step++) run.logMetrics({ loss: 1 / (step + 1), acc: step / 10 }, step);
    run.logMetric('diverged', Number.NaN);
    run.setTag('stage', 'candidate');
    run.logger.info('epoch done', { epoch: 4 });
    await run.end();

    expect(errors.map((e) => e.message)).toEqual([]);
    const { status, body } = await getJson(`/api/v1/runs/${run.runId}`);
    expect(status).toBe(200);
    const stored = body.run;
    expect(stored.status).toBe('FINISHED');
    expect(stored.endTimeMs).toBeGreaterThanOrEqual(stored.startTimeMs);
    expect(stored.name).toBe('train-small');
    expect(stored.params).toMatchObject({ lr: '0.01', layers: '3', optimizer: 'adam' });
    expect(stored.tags).toMatchObject({ team: 'vision', stage: 'candidate' });
    const latest = Object.fromEntries(stored.metrics.map((m: { key: string; value: number }) => [m.key, m.value]));
    expect(latest.loss).toBeCloseTo(0.2, 12);
    expect(latest.acc).toBeCloseTo(0.4, 12);
    // JSON has no NaN: the API spells it as a word, like MLflow's JSON does.
    expect(latest.diverged).toBe('NaN');

    const history = await getJson(`/api/v1/runs/${run.runId}/metrics/loss`);
    expect(history.body.metrics.map((m: { step: number }) => m.step)).toEqual([0, 1, 2, 3, 4]);

    // The same run through the MLflow API, where MLflow users look.
    const mlflow = await getJson(`/api/2.0/mlflow/runs/get?run_id=${run.runId}`);
    expect(mlflow.status).toBe(200);
    expect(mlflow.body.run.info.status).toBe('FINISHED');
    const exp = await getJson(`/api/2.0/mlflow/experiments/get-by-name?experiment_name=sdk-runs`);
    expect(mlflow.body.run.info.experiment_id).toBe(exp.body.experiment.experiment_id);

    // The logger's records belong to the run.
    await eventually(async () => {
      const logs = await getJson(`/api/v1/logs?query=${encodeURIComponent(`run_id:${run.runId}`)}&from=now-1h`);
      expect(logs.body.records.map((r: { message: string }) => r.message)).toContain('epoch done');
      return true;
    });
  });

  it('ends FAILED when told, and a resumed run (runId given) logs into the existing run', async () => {
    const first = startRun({
      url: server.url,
      token: TOKEN,
      experiment: 'sdk-runs',
      name: 'outer',
      flushIntervalMs: 50,
    });
    first.logMetric('x', 1);
    await first.flush();
    const again = startRun({ url: server.url, token: TOKEN, runId: first.runId, flushIntervalMs: 50 });
    again.logMetric('y', 2);
    await again.end('FAILED');
    const { body } = await getJson(`/api/v1/runs/${first.runId}`);
    expect(body.run.status).toBe('FAILED');
    expect(body.run.metrics.map((m: { key: string }) => m.key).sort()).toEqual(['x', 'y']);
  });

  it('never throws into the app when the server is unreachable, and reports it', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const errors: SdkError[] = [];
    const run = startRun({
      url: `http://127.0.0.1:${port}`,
      experiment: 'nowhere',
      flushIntervalMs: 10,
      shutdownTimeoutMs: 500,
      retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
      onError: (e) => errors.push(e),
    });
    expect(() => {
      run.logParam('a', 1);
      run.logMetric('m', 1);
      run.logMetric('bad', 'x' as unknown as number);
    }).not.toThrow();
    await expect(run.end()).resolves.toBeUndefined();
    expect(errors.some((e) => /Cannot reach Stellwerk/.test(e.message))).toBe(true);
    expect(errors.some((e) => /not a number/.test(e.message))).toBe(true);
    expect(run.stats().failed).toBeGreaterThan(0);
  });
});
