import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

/** The MLflow REST API's edges, over plain HTTP: what clients other than the two captured ones rely on. */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ overrides: { scrape: { self: false } } });
});
afterAll(async () => {
  await server?.close();
});

async function call(
  path: string,
  body?: unknown,
  init: { method?: string; headers?: Record<string, string>; raw?: string } = {},
): Promise<{ status: number; json: any }> {
  const method = init.method ?? (body === undefined && init.raw === undefined ? 'GET' : 'POST');
  const res = await fetch(`${server.url}/api/2.0/mlflow/${path}`, {
    method,
    headers: init.headers ?? (method === 'POST' ? { 'content-type': 'application/json' } : {}),
    body: init.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  return { status: res.status, json: await res.json() };
}

async function newRun(experimentId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call('runs/create', { experiment_id: experimentId, start_time: Date.now(), ...extra });
  expect(r.status).toBe(200);
  return r.json.run.info.run_id;
}

describe('MLflow REST API', () => {
  it('takes bodies without a content type, under /ajax-api as well, and refuses malformed JSON as BAD_REQUEST', async () => {
    const res = await fetch(`${server.url}/ajax-api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      body: JSON.stringify({ name: 'api-ajax' }),
    });
    expect(res.status).toBe(200);
    const { experiment_id } = (await res.json()) as { experiment_id: string };
    const got = await call(`experiments/get?experiment_id=${experiment_id}`);
    expect(got.json.experiment.name).toBe('api-ajax');

    const malformed = await call('experiments/create', undefined, { raw: '{"name": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error_code).toBe('BAD_REQUEST');

    const missing = await call('experiments/create', {});
    expect(missing).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(missing.json.message).toContain("required parameter 'name'");

    const unknown = await call('runs/frobnicate', {});
    expect(unknown).toMatchObject({ status: 404, json: { error_code: 'ENDPOINT_NOT_FOUND' } });
  });

  it('searches experiments by name and tags, orders them and pages with a token', async () => {
    const ids: string[] = [];
    for (const [name, team] of [
      ['search-a', 'red'],
      ['search-b', 'blue'],
      ['search-c', 'red'],
    ] as const) {
      const r = await call('experiments/create', { name, tags: [{ key: 'team', value: team }] });
      ids.push(r.json.experiment_id);
    }
    const red = await call('experiments/search', { filter: "tags.team = 'red'", order_by: ['name DESC'] });
    expect(red.json.experiments.map((e: any) => e.name)).toEqual(['search-c', 'search-a']);
    const like = await call(`experiments/search?filter=${encodeURIComponent("name LIKE 'search-%'")}&max_results=2`);
    expect(like.status).toBe(200);
    expect(like.json.experiments).toHaveLength(2);
    expect(like.json.next_page_token).toBeTypeOf('string');
    const rest = await call('experiments/search', {
      filter: "name LIKE 'search-%'",
      max_results: 2,
      page_token: like.json.next_page_token,
    });
    const names = [...like.json.experiments, ...rest.json.experiments].map((e: any) => e.name).sort();
    expect(names).toEqual(['search-a', 'search-b', 'search-c']);
    expect(rest.json.next_page_token).toBeUndefined();

    const bad = await call('experiments/search', { filter: 'name = search-a' });
    expect(bad).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const tooMany = await call('experiments/search', { max_results: 50_001 });
    expect(tooMany.json.message).toContain('It must be at most 50000, but got value 50001');
    const badToken = await call('experiments/search', { page_token: 'not-a-token' });
    expect(badToken).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });

    await call('experiments/delete', { experiment_id: ids[1] });
    const deleted = await call('experiments/search', { view_type: 'DELETED_ONLY' });
    expect(deleted.json.experiments.map((e: any) => e.name)).toEqual(['search-b']);
    // Names stay taken by deleted experiments, as in MLflow.
    const reuse = await call('experiments/create', { name: 'search-b' });
    expect(reuse).toMatchObject({ status: 400, json: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    const defaultDelete = await call('experiments/delete', { experiment_id: '0' });
    expect(defaultDelete).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });

  it('searches runs with MLflow filters and pages runs and metric history', async () => {
    const { json } = await call('experiments/create', { name: 'runs-search' });
    const exp = json.experiment_id as string;
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await newRun(exp, { run_name: `r${i}`, start_time: 1_700_000_000_000 + i });
      await call('runs/log-batch', {
        run_id: id,
        metrics: [{ key: 'acc', value: 0.5 + i / 10, timestamp: 1_700_000_000_000, step: 0 }],
        params: [{ key: 'depth', value: String(i) }],
      });
      runIds.push(id);
    }
    const byAcc = await call('runs/search', {
      experiment_ids: [exp],
      filter: 'metrics.acc > 0.55',
      order_by: ['metrics.acc DESC'],
    });
    expect(byAcc.status).toBe(200);
    expect(byAcc.json.runs.map((r: any) => r.info.run_name)).toEqual(['r2', 'r1']);
    const page1 = await call('runs/search', { experiment_ids: [exp], max_results: 2 });
    expect(page1.json.runs.map((r: any) => r.info.run_name)).toEqual(['r2', 'r1']);
    const page2 = await call('runs/search', {
      experiment_ids: [exp],
      max_results: 2,
      page_token: page1.json.next_page_token,
    });
    expect(page2.json.runs.map((r: any) => r.info.run_name)).toEqual(['r0']);
    expect(page2.json.next_page_token).toBeUndefined();
    const badFilter = await call('runs/search', { experiment_ids: [exp], filter: 'metrics.acc >' });
    expect(badFilter).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });

    const id = runIds[0] as string;
    const metrics = Array.from({ length: 5 }, (_, step) => ({
      key: 'loss',
      value: 1 / (step + 1),
      timestamp: 1,
      step,
    }));
    await call('runs/log-batch', { run_id: id, metrics });
    const first = await call(`metrics/get-history?run_id=${id}&metric_key=loss&max_results=3`);
    expect(first.json.metrics.map((m: any) => m.step)).toEqual([0, 1, 2]);
    const second = await call(
      `metrics/get-history?run_id=${id}&metric_key=loss&max_results=3&page_token=${encodeURIComponent(first.json.next_page_token)}`,
    );
    expect(second.json.metrics.map((m: any) => m.step)).toEqual([3, 4]);
    expect(second.json.next_page_token).toBeUndefined();
  });

  it('applies log-batch limits, key rules and write-once params as MLflow does', async () => {
    const id = await newRun('0');
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' }));
    const tooManyParams = await call('runs/log-batch', { run_id: id, params });
    expect(tooManyParams.json.message).toContain('at most 100 params. Got 101 params');
    const tags = Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: '1' }));
    expect((await call('runs/log-batch', { run_id: id, tags })).json.message).toContain('at most 100 tags');
    const total = await call('runs/log-batch', {
      run_id: id,
      metrics: Array.from({ length: 950 }, (_, step) => ({ key: 'm', value: 1, timestamp: 1, step })),
      params: params.slice(0, 60),
    });
    expect(total).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(total.json.message).toContain('at most 1000 total metrics, params, and tags. Got 1010');
    // Nothing of a refused batch is stored.
    expect((await call(`runs/get?run_id=${id}`)).json.run.data.params).toEqual([]);

    const dupes = await call('runs/log-batch', {
      run_id: id,
      params: [
        { key: 'a', value: '1' },
        { key: 'a', value: '2' },
      ],
    });
    expect(dupes.json.message).toContain('Duplicate parameter keys have been submitted: ["a"]');
    const badName = await call('runs/log-metric', { run_id: id, key: '../x', value: 1, timestamp: 1 });
    expect(badName).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const noTimestamp = await call('runs/log-metric', { run_id: id, key: 'x', value: 1 });
    expect(noTimestamp.json.message).toContain("required parameter 'timestamp'");
    const early = await call('runs/log-metric', { run_id: id, key: 'x', value: 1, timestamp: -5 });
    expect(early).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect((await call('runs/log-metric', { run_id: id, key: 'größe', value: 1, timestamp: 1 })).status).toBe(200);
    const longValue = await call('runs/log-parameter', { run_id: id, key: 'long', value: 'x'.repeat(6001) });
    expect(longValue.json.message).toContain('at most 6000');
    // int64 fields as decimal strings (protobuf's JSON form) and non-finite doubles.
    expect(
      (await call('runs/log-metric', { run_id: id, key: 'nan', value: 'NaN', timestamp: '1700000000000', step: '3' }))
        .status,
    ).toBe(200);
    const history = await call(`metrics/get-history?run_id=${id}&metric_key=nan`);
    expect(history.json.metrics).toEqual([{ key: 'nan', value: 'NaN', timestamp: 1_700_000_000_000, step: 3 }]);

    const noTag = await call('runs/delete-tag', { run_id: id, key: 'absent' });
    expect(noTag).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    const noRun = await call(`runs/get?run_id=${'f'.repeat(32)}`);
    expect(noRun).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
  });

  it('renames a run through update and through the mlflow.runName tag', async () => {
    const id = await newRun('0', { run_name: 'before' });
    const updated = await call('runs/update', { run_id: id, run_name: 'after' });
    expect(updated.json.run_info.run_name).toBe('after');
    let run = (await call(`runs/get?run_id=${id}`)).json.run;
    expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'after' });
    await call('runs/set-tag', { run_id: id, key: 'mlflow.runName', value: 'by-tag' });
    run = (await call(`runs/get?run_uuid=${id}`)).json.run;
    expect(run.info.run_name).toBe('by-tag');
    const badStatus = await call('runs/update', { run_id: id, status: 'DONE' });
    expect(badStatus).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });

  it('logs dataset inputs and models, and records models in mlflow.log-model.history', async () => {
    const id = await newRun('0');
    const dataset = {
      name: 'iris',
      digest: 'abc123',
      source_type: 'local',
      source: '{"uri": "/data/iris.csv"}',
      schema: '{"mlflow_colspec": []}',
      profile: '{"num_rows": 150}',
    };
    const logged = await call('runs/log-inputs', {
      run_id: id,
      datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }],
    });
    expect(logged).toEqual({ status: 200, json: {} });
    const run = (await call(`runs/get?run_id=${id}`)).json.run;
    expect(run.inputs.dataset_inputs).toEqual([{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }]);
    const searched = await call('runs/search', { experiment_ids: ['0'], filter: "dataset.name = 'iris'" });
    expect(searched.json.runs.map((r: any) => r.info.run_id)).toEqual([id]);

    const model = {
      artifact_path: 'model',
      flavors: { python_function: { loader_module: 'mlflow.sklearn' } },
      utc_time_created: '2026-11-25 12:00:00.000000',
      run_id: id,
    };
    expect((await call('runs/log-model', { run_id: id, model_json: JSON.stringify(model) })).status).toBe(200);
    expect(
      (await call('runs/log-model', { run_id: id, model_json: JSON.stringify({ ...model, artifact_path: 'm2' }) }))
        .status,
    ).toBe(200);
    const tags = (await call(`runs/get?run_id=${id}`)).json.run.data.tags;
    const history = JSON.parse(tags.find((t: any) => t.key === 'mlflow.log-model.history').value);
    expect(history.map((m: any) => m.artifact_path)).toEqual(['model', 'm2']);
    const incomplete = await call('runs/log-model', { run_id: id, model_json: JSON.stringify({ artifact_path: 'x' }) });
    expect(incomplete.json.message).toContain('Model json is missing mandatory fields');
  });
});

describe('MLflow REST API scopes', () => {
  const READER = 'reader-token-0123456789';
  const WRITER = 'writer-token-0123456789';
  let scoped: TestServer;

  beforeAll(async () => {
    scoped = await startTestServer({
      overrides: {
        scrape: { self: false },
        auth: {
          tokens: [
            { name: 'reader', token: READER, scopes: ['read'] },
            { name: 'writer', token: WRITER, scopes: ['ingest'] },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await scoped?.close();
  });

  const as = async (token: string, path: string, body?: unknown) => {
    const res = await fetch(`${scoped.url}/api/2.0/mlflow/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };

  it('lets read tokens read and search, ingest tokens write, and names the missing scope', async () => {
    const created = await as(WRITER, 'experiments/create', { name: 'scoped' });
    expect(created.status).toBe(200);
    const denied = await as(READER, 'experiments/create', { name: 'scoped-2' });
    expect(denied).toMatchObject({ status: 403, json: { error_code: 'PERMISSION_DENIED' } });
    expect(denied.json.message).toContain('"ingest" scope');
    expect((await as(READER, `experiments/get?experiment_id=${created.json.experiment_id}`)).status).toBe(200);
    expect((await as(READER, 'runs/search', { experiment_ids: [created.json.experiment_id] })).status).toBe(200);
    expect((await as(WRITER, 'experiments/search', {})).status).toBe(403);
  });
});
