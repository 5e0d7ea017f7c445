import mlflowModule from 'mlflow';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

// The package's index sets module.exports to the class, while its types describe an ES
// module with a default export. Its parameter types also demand fields the API has as
// optional, so calls go through `any` to send exactly what a caller of the client sends.
const MLflow = mlflowModule as unknown as typeof mlflowModule.default;

const TOKEN = 'mlflow-node-token';
let server: TestServer;
let client: any;

beforeAll(async () => {
  server = await startTestServer({ token: TOKEN, overrides: { scrape: { self: false } } });
  client = new MLflow({ endpoint: server.url, headers: { Authorization: `Bearer ${TOKEN}` } });
  // The client prints every request body it sends.
  vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterAll(async () => {
  vi.restoreAllMocks();
  await server?.close();
});

/** The client throws Error(JSON of {status, statusText, data}) for anything but 200. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; data: any }> {
  try {
    await promise;
  } catch (err) {
    const text = String((err as Error).message).replace(/^Error: /, '');
    return JSON.parse(text);
  }
  throw new Error('expected the call to fail');
}

describe('npm mlflow 2.0.7 client', () => {
  it('tracks a run from experiment creation to deletion and restore', async () => {
    const { experiment_id } = await client.Experiments.create({ name: 'node-client' });
    expect(experiment_id).toMatch(/^\d+$/);
    const got = await client.Experiments.get({ experiment_id });
    expect(got.experiment).toMatchObject({
      experiment_id,
      name: 'node-client',
      artifact_location: `mlflow-artifacts:/${experiment_id}`,
      lifecycle_stage: 'active',
    });
    const listed = await client.Experiments.list();
    expect(listed.experiments.map((e: any) => e.name)).toEqual(['Default', 'node-client']);

    const created = await client.Runs.create({
      experiment_id,
      user_id: 'alice',
      start_time: 1_700_000_000_000,
      tags: [{ key: 'mlflow.runName', value: 'node-run' }],
    });
    const runId = created.run.info.run_id as string;
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(created.run.info).toMatchObject({ run_name: 'node-run', user_id: 'alice', status: 'RUNNING' });

    expect(await client.Runs.logParameter({ run_id: runId, key: 'lr', value: '0.01' })).toEqual({});
    for (let step = 0; step < 3; step++) {
      await client.Runs.logMetric({
        run_id: runId,
        key: 'loss',
        value: 1 / (step + 1),
        timestamp: 1_700_000_000_000 + step,
        step,
      });
    }
    await client.Runs.setTag({ run_id: runId, key: 'team', value: 'stellwerk' });
    await client.Runs.logBatch({
      run_id: runId,
      metrics: [{ key: 'acc', value: 0.9, timestamp: 1_700_000_000_100, step: 2 }],
      params: [{ key: 'batch', value: '32' }],
      tags: [{ key: 'k', value: 'v' }],
    });

    const history = await client.Metrics.getHistory({ run_id: runId, metric_key: 'loss' });
    expect(history.metrics).toEqual([
      { key: 'loss', value: 1, timestamp: 1_700_000_000_000, step: 0 },
      { key: 'loss', value: 0.5, timestamp: 1_700_000_000_001, step: 1 },
      { key: 'loss', value: 1 / 3, timestamp: 1_700_000_000_002, step: 2 },
    ]);

    const found = await client.Runs.search({ experiment_ids: [experiment_id], max_results: 10 });
    expect(found.runs.map((r: any) => r.info.run_id)).toEqual([runId]);

    const updated = await client.Runs.update({ run_id: runId, status: 'FINISHED', end_time: 1_700_000_060_000 });
    expect(updated.run_info).toMatchObject({ run_id: runId, status: 'FINISHED', end_time: 1_700_000_060_000 });

    const { run } = await client.Runs.get({ run_id: runId });
    expect(run.info).toMatchObject({ status: 'FINISHED', start_time: 1_700_000_000_000, lifecycle_stage: 'active' });
    expect(run.data.params).toEqual([
      { key: 'lr', value: '0.01' },
      { key: 'batch', value: '32' },
    ]);
    expect(Object.fromEntries(run.data.tags.map((t: any) => [t.key, t.value]))).toEqual({
      'mlflow.runName': 'node-run',
      team: 'stellwerk',
      k: 'v',
    });
    expect(run.data.metrics).toEqual(
      expect.arrayContaining([
        { key: 'loss', value: 1 / 3, timestamp: 1_700_000_000_002, step: 2 },
        { key: 'acc', value: 0.9, timestamp: 1_700_000_000_100, step: 2 },
      ]),
    );

    await client.Runs.deleteTag({ run_id: runId, key: 'k' });
    await client.Runs.delete({ run_id: runId });
    expect((await client.Runs.get({ run_id: runId })).run.info.lifecycle_stage).toBe('deleted');
    expect((await client.Runs.search({ experiment_ids: [experiment_id] })).runs).toEqual([]);
    const deleted = await client.Runs.search({ experiment_ids: [experiment_id], run_view_type: 'DELETED_ONLY' });
    expect(deleted.runs.map((r: any) => r.info.run_id)).toEqual([runId]);
    // A deleted run takes no more values.
    const refused = await failure(
      client.Runs.logMetric({ run_id: runId, key: 'loss', value: 0, timestamp: 1, step: 9 }),
    );
    expect(refused.status).toBe(400);
    expect(refused.data.error_code).toBe('INVALID_PARAMETER_VALUE');
    await client.Runs.restore({ run_id: runId });
    const restored = await client.Runs.get({ run_id: runId });
    expect(restored.run.info.lifecycle_stage).toBe('active');
    expect(restored.run.data.tags.map((t: any) => t.key)).not.toContain('k');

    await client.Experiments.update({ experiment_id, new_name: 'node-client-renamed' });
    await client.Experiments.delete({ experiment_id });
    expect((await client.Experiments.get({ experiment_id })).experiment.lifecycle_stage).toBe('deleted');
    // Deleting an experiment deletes its runs; restoring brings both back.
    expect((await client.Runs.get({ run_id: runId })).run.info.lifecycle_stage).toBe('deleted');
    expect((await client.Experiments.list()).experiments.map((e: any) => e.name)).toEqual(['Default']);
    await client.Experiments.restore({ experiment_id });
    expect((await client.Experiments.get({ experiment_id })).experiment.name).toBe('node-client-renamed');
    expect((await client.Runs.get({ run_id: runId })).run.info.lifecycle_stage).toBe('active');
  });

  it('gets MLflow error codes and statuses', async () => {
    const missing = await failure(client.Experiments.get({ experiment_id: '424242' }));
    expect(missing).toMatchObject({ status: 404, data: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    await client.Experiments.create({ name: 'node-dup' });
    const dup = await failure(client.Experiments.create({ name: 'node-dup' }));
    expect(dup).toMatchObject({ status: 400, data: { error_code: 'RESOURCE_ALREADY_EXISTS' } });

    const { run } = await client.Runs.create({ experiment_id: '0', start_time: Date.now(), tags: [] });
    expect(run.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    await client.Runs.logParameter({ run_id: run.info.run_id, key: 'lr', value: '0.1' });
    const changed = await failure(client.Runs.logParameter({ run_id: run.info.run_id, key: 'lr', value: '0.2' }));
    expect(changed).toMatchObject({ status: 400, data: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(changed.data.message).toContain("Param with key='lr' was already logged with value='0.1'");

    const tooMany = await failure(
      client.Runs.logBatch({
        run_id: run.info.run_id,
        metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i })),
        params: [],
        tags: [],
      }),
    );
    expect(tooMany).toMatchObject({ status: 400, data: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(tooMany.data.message).toContain('at most 1000 metrics');
  });

  it('setExperimentTag posts to a path without a slash (a client bug) and gets ENDPOINT_NOT_FOUND', async () => {
    const { experiment_id } = await client.Experiments.create({ name: 'node-tag' });
    const broken = await failure(client.Experiments.setExperimentTag({ experiment_id, key: 'owner', value: 'ops' }));
    expect(broken).toMatchObject({
      status: 404,
      data: { error_code: 'ENDPOINT_NOT_FOUND', message: 'No API route for POST experimentsset-experiment-tag' },
    });
    // The endpoint itself works at its documented path.
    const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/set-experiment-tag`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ experiment_id, key: 'owner', value: 'ops' }),
    });
    expect(res.status).toBe(200);
    expect((await client.Experiments.get({ experiment_id })).experiment.tags).toEqual([{ key: 'owner', value: 'ops' }]);
  });

  it('needs a token: none is UNAUTHENTICATED, Basic auth with the token as password works', async () => {
    const anonymous: any = new MLflow({ endpoint: server.url });
    const denied = await failure(anonymous.Experiments.list());
    expect(denied).toMatchObject({ status: 401, data: { error_code: 'UNAUTHENTICATED' } });
    const basic: any = new MLflow({
      endpoint: server.url,
      headers: { Authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}` },
    });
    expect((await basic.Experiments.list()).experiments.length).toBeGreaterThan(0);
  });
});
