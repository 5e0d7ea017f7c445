import { randomBytes } from 'node:crypto';
import type { ResourceSample } from '@stellwerk/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { eventually, get } from './http.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ overrides: { scrape: { self: false } } });
});
afterAll(async () => {
  await server?.close();
});

async function send(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

describe('native runs API', () => {
  it('creates a run with a client id once, however often the creation is resent', async () => {
    const id = randomBytes(16).toString('hex');
    const body = { id, experimentName: 'native-idem', name: 'train', params: { lr: '0.1' }, tags: { team: 'a' } };
    const first = await send('POST', '/api/v1/runs', body);
    expect(first.status).toBe(201);
    expect(first.json.run).toMatchObject({ runId: id, name: 'train', status: 'RUNNING', params: { lr: '0.1' } });
    expect(first.json.run.artifactUri).toBe(`mlflow-artifacts:/${first.json.run.experimentId}/${id}/artifacts`);
    const again = await send('POST', '/api/v1/runs', body);
    expect(again.status).toBe(200);
    expect(again.json.run.runId).toBe(id);
    expect(again.json.run.startTimeMs).toBe(first.json.run.startTimeMs);

    const listed = await get(`${server.url}/api/v1/runs?experimentId=${first.json.run.experimentId}`);
    expect(listed.status).toBe(200);
    expect(listed.json.runs.map((r: any) => r.runId)).toEqual([id]);
    const filtered = await get(
      `${server.url}/api/v1/runs?experimentId=${first.json.run.experimentId}&filter=${encodeURIComponent("params.lr = '0.2'")}`,
    );
    expect(filtered.json.runs).toEqual([]);
    const badFilter = await get(`${server.url}/api/v1/runs?filter=${encodeURIComponent('params.lr =')}`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.json.code).toBe('STW_ERR_BAD_QUERY');
  });

  it('updates status, end time and exit code, and keeps metric history', async () => {
    const created = await send('POST', '/api/v1/runs', { experimentName: 'native-history' });
    const id = created.json.run.runId as string;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const t0 = Date.now();
    const logged = await send('POST', `/api/v1/runs/${id}/log`, {
      metrics: [
        { key: 'loss', value: 1, step: 0, timestampMs: t0 },
        { key: 'loss', value: 0.5, step: 1, timestampMs: t0 + 1 },
        { key: 'loss', value: 'NaN', step: 2, timestampMs: t0 + 2 },
      ],
      params: { depth: '3' },
      tags: { phase: 'fit' },
    });
    expect(logged.status).toBe(200);

    const history = await get(`${server.url}/api/v1/runs/${id}/metrics/loss`);
    expect(history.json.metrics).toEqual([
      { key: 'loss', value: 1, step: 0, timestampMs: t0 },
      { key: 'loss', value: 0.5, step: 1, timestampMs: t0 + 1 },
      { key: 'loss', value: 'NaN', step: 2, timestampMs: t0 + 2 },
    ]);
    const paged = await get(`${server.url}/api/v1/runs/${id}/metrics/loss?maxResults=2`);
    expect(paged.json.metrics).toHaveLength(2);
    const rest = await get(
      `${server.url}/api/v1/runs/${id}/metrics/loss?maxResults=2&pageToken=${encodeURIComponent(paged.json.nextPageToken)}`,
    );
    expect(rest.json.metrics.map((m: any) => m.step)).toEqual([2]);
    expect(rest.json.nextPageToken).toBeUndefined();

    const updated = await send('PATCH', `/api/v1/runs/${id}`, { status: 'FAILED', endTimeMs: t0 + 5000, exitCode: 2 });
    expect(updated.status).toBe(200);
    expect(updated.json.run).toMatchObject({ status: 'FAILED', endTimeMs: t0 + 5000, exitCode: 2 });
    const fetched = await get(`${server.url}/api/v1/runs/${id}`);
    expect(fetched.json.run).toMatchObject({
      status: 'FAILED',
      exitCode: 2,
      params: { depth: '3' },
      tags: { phase: 'fit' },
      metrics: [{ key: 'loss', value: 'NaN', step: 2, timestampMs: t0 + 2 }],
    });
  });

  it('refuses a changed param, bad bodies and unknown runs with problem+json naming the problem', async () => {
    const { json } = await send('POST', '/api/v1/runs', { experimentName: 'native-bad', params: { lr: '0.1' } });
    const id = json.run.runId as string;
    const changed = await send('POST', `/api/v1/runs/${id}/params`, { params: { lr: '0.2' } });
    expect(changed.status).toBe(400);
    expect(changed.json.detail).toContain("key='lr' was already logged with value='0.1'");
    expect((await send('POST', `/api/v1/runs/${id}/params`, { params: { lr: '0.1' } })).status).toBe(200);

    const badStatus = await send('PATCH', `/api/v1/runs/${id}`, { status: 'DONE' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.json.code).toBe('STW_ERR_BAD_REQUEST');
    expect(badStatus.json.errors[0].field).toBe('status');

    const badKey = await send('POST', `/api/v1/runs/${id}/metrics`, { metrics: [{ key: 'a*b', value: 1 }] });
    expect(badKey.status).toBe(400);
    expect(badKey.json.detail).toContain("Invalid metric name: 'a*b'");

    const missing = await get(`${server.url}/api/v1/runs/${'0'.repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('STW_ERR_NOT_FOUND');

    const dup = await send('POST', '/api/v1/experiments', { name: 'native-bad' });
    expect(dup.status).toBe(409);
    expect(dup.json.code).toBe('STW_ERR_CONFLICT');
  });

  it('stores resource samples as metric series and as MLflow system metrics of the run', async () => {
    const { json } = await send('POST', '/api/v1/runs', {
      experimentName: 'native-resources',
      tags: { 'stellwerk.pipeline': 'etl', 'stellwerk.step': 'load' },
    });
    const id = json.run.runId as string;
    const t0 = Date.now() - 2000;
    const sample = (i: number): ResourceSample => ({
      timestampMs: t0 + i * 1000,
      cpuPercent: 50 + i,
      cpuSeconds: 1 + i,
      rssBytes: 200e6 + i * 1e6,
      peakRssBytes: 210e6,
      readBytes: 1000,
      writeBytes: 2000,
      threads: 4,
      openFds: 12,
      processes: 2,
      memoryLimitBytes: null,
      cpuLimitCores: null,
      gpus: [{ index: 0, name: 'test-gpu', utilizationPercent: 90, memoryUsedBytes: 3e9, memoryTotalBytes: 8e9 }],
    });
    const posted = await send('POST', `/api/v1/runs/${id}/resources`, { samples: [sample(0), sample(1)] });
    expect(posted).toEqual({ status: 200, json: { accepted: 2, skipped: 0 } });
    // A second request continues the step count; a resent one is skipped.
    expect((await send('POST', `/api/v1/runs/${id}/resources`, [sample(2)])).json).toEqual({ accepted: 1, skipped: 0 });
    expect((await send('POST', `/api/v1/runs/${id}/resources`, [sample(1), sample(2)])).json).toEqual({
      accepted: 0,
      skipped: 2,
    });

    const q = encodeURIComponent(`stellwerk_run_cpu_percent{run_id="${id}"}`);
    const result = await eventually(
      async () => {
        const r = await get(`${server.url}/api/v1/query?query=${q}&time=${(t0 + 2000) / 1000}`);
        return r.json?.data?.result?.length === 1 ? r.json.data.result : undefined;
      },
      20_000,
      'the run CPU series',
    );
    expect(result[0].metric).toMatchObject({
      run_id: id,
      experiment: 'native-resources',
      pipeline: 'etl',
      step: 'load',
    });
    expect(result[0].value[1]).toBe('52');
    const gpu = await get(
      `${server.url}/api/v1/query?query=${encodeURIComponent(`stellwerk_run_gpu_utilization_percent{run_id="${id}"}`)}&time=${(t0 + 2000) / 1000}`,
    );
    expect(gpu.json.data.result[0].metric.gpu).toBe('0');

    const history = await get(`${server.url}/api/v1/runs/${id}/metrics/system%2Fcpu_utilization_percentage`);
    expect(history.json.metrics.map((m: any) => [m.step, m.value])).toEqual([
      [0, 50],
      [1, 51],
      [2, 52],
    ]);
    const run = await get(`${server.url}/api/v1/runs/${id}`);
    const byKey = Object.fromEntries(run.json.run.metrics.map((m: any) => [m.key, m]));
    expect(byKey['system/cpu_utilization_percentage']).toMatchObject({ value: 52, step: 2 });
    expect(byKey['system/system_memory_usage_megabytes']).toMatchObject({ value: 202, step: 2 });
    expect(byKey['system/gpu_0_memory_usage_megabytes']).toMatchObject({ value: 3000 });
    expect(byKey['system/gpu_0_utilization_percentage']).toMatchObject({ value: 90 });

    const bad = await send('POST', `/api/v1/runs/${id}/resources`, { samples: [{ timestampMs: 'now' }] });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toContain('samples.0.timestampMs');
  });
});
