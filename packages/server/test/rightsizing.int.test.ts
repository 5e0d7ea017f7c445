/**
 * Right-sizing over real runs: resource samples go in through the runs API (as `stellwerk run`
 * sends them), flags and memory spikes come out of the right-sizing API.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

async function call(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status < 200 || res.status > 299)
    throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A step run with samples of the given RSS (MiB) and CPU %, under the given limits. */
async function stepRun(
  pipeline: string,
  step: string,
  rssMiB: number[],
  cpuPercent: number[],
  memLimit: number,
  cores: number,
  parentRunId?: string,
) {
  const id = randomBytes(16).toString('hex');
  await call('POST', '/api/v1/runs', {
    id,
    experimentName: 'rightsizing',
    name: step,
    kind: 'step',
    host: 'worker-1',
    ...(parentRunId ? { parentRunId } : {}),
    tags: { 'stellwerk.pipeline': pipeline, 'stellwerk.step': step },
  });
  const t0 = Date.now() - rssMiB.length * 1000;
  await call('POST', `/api/v1/runs/${id}/resources`, {
    samples: rssMiB.map((rss, i) => ({
      timestampMs: t0 + i * 1000,
      cpuPercent: cpuPercent[i] ?? 0,
      cpuSeconds: i,
      rssBytes: rss * MiB,
      peakRssBytes: Math.max(...rssMiB.slice(0, i + 1)) * MiB,
      readBytes: 0,
      writeBytes: 0,
      threads: 4,
      openFds: 10,
      processes: 1,
      memoryLimitBytes: memLimit,
      cpuLimitCores: cores,
    })),
  });
  await call('PATCH', `/api/v1/runs/${id}`, { status: 'FINISHED', endTimeMs: Date.now(), exitCode: 0 });
  return id;
}

describe('right-sizing', () => {
  it('flags a step near its memory limit as under- and an idle one as over-provisioned, with suggestions', async () => {
    const pipeline = `p-${Date.now()}`;
    // load: 1.9 GiB of 2 GiB at the peak, CPU pinned at both cores.
    await stepRun(pipeline, 'load', [1500, 1700, 1900, 1946, 1800], [195, 198, 199, 197, 196], 2 * GiB, 2);
    // train: 300 MiB of 8 GiB, half a core of 8.
    await stepRun(pipeline, 'train', [250, 280, 300, 290, 300], [40, 50, 50, 45, 50], 8 * GiB, 8);
    const { steps } = await call('GET', `/api/v1/rightsizing?pipeline=${pipeline}&from=now-1h`);
    const byStep = Object.fromEntries(steps.map((s: { step: string }) => [s.step, s]));
    expect(Object.keys(byStep).sort()).toEqual(['load', 'train']);
    expect(byStep.load.host).toBe('worker-1');
    expect(byStep.load.memory.flag).toBe('under');
    expect(byStep.load.memory.max).toBeCloseTo(1946 * MiB, -4);
    expect(byStep.load.memory.suggestion).toBeGreaterThan(2 * GiB);
    expect(byStep.load.cpu.flag).toBe('under');
    expect(byStep.load.cpu.p95).toBeCloseTo(1.98, 1);
    expect(byStep.train.memory.flag).toBe('over');
    expect(byStep.train.memory.suggestion).toBeLessThan(1 * GiB);
    expect(byStep.train.cpu.flag).toBe('over');
    expect(byStep.train.cpu.suggestion).toBeCloseTo(0.7, 5);
    expect(byStep.train.runs).toBe(1);
    expect(byStep.train.samples).toBe(5);
  });

  it('marks memory spikes on a run timeline', async () => {
    const id = await stepRun(
      `p-${Date.now()}`,
      'spiky',
      [200, 210, 200, 900, 1000, 220, 200],
      [10, 10, 10, 10, 10, 10, 10],
      4 * GiB,
      4,
    );
    const { spikes } = await call('GET', `/api/v1/runs/${id}/memory-spikes`);
    expect(spikes).toHaveLength(1);
    expect(spikes[0].reason).toBe('above-median');
    expect(spikes[0].peakBytes).toBeCloseTo(1000 * MiB, -4);
    expect(spikes[0].endMs - spikes[0].startMs).toBe(1000);
  });

  it('keeps to one pipeline run’s steps when asked for its parentRunId', async () => {
    const pipeline = `p-${Date.now()}-parent`;
    const runA = await call('POST', '/api/v1/runs', {
      experimentName: 'rightsizing',
      name: pipeline,
      kind: 'pipeline',
    });
    const runB = await call('POST', '/api/v1/runs', {
      experimentName: 'rightsizing',
      name: pipeline,
      kind: 'pipeline',
    });
    await stepRun(pipeline, 'load', [100, 100, 100], [10, 10, 10], 1 * GiB, 1, runA.run.runId);
    await stepRun(pipeline, 'load', [900, 950, 990], [90, 95, 99], 1 * GiB, 1, runB.run.runId);
    const both = await call('GET', `/api/v1/rightsizing?pipeline=${pipeline}&from=now-1h`);
    expect(both.steps[0].runs).toBe(2);
    const onlyA = await call('GET', `/api/v1/rightsizing?parentRunId=${runA.run.runId}&from=now-1h`);
    expect(onlyA.steps).toHaveLength(1);
    expect(onlyA.steps[0].runs).toBe(1);
    expect(onlyA.steps[0].memory.flag).toBe('over');
  });

  it('refuses a window that ends before it starts', async () => {
    const res = await fetch(`${server.url}/api/v1/rightsizing?from=now&to=now-1h`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/`from` must be before `to`/);
  });
});
