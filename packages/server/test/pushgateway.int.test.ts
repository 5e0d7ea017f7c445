import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Gauge, Pushgateway, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushGroupsOf } from '../src/receivers/pushgateway/index.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { eventually } from './http.ts';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const MIN = 60_000;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ overrides: { scrape: { self: false } } });
});
afterAll(async () => {
  await server?.close();
});

/** Instant query via the Prometheus API, evaluated at `atMs` (on `on`, by default the shared server). */
async function query(
  q: string,
  atMs: number,
  on: TestServer = server,
): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${on.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${atMs / 1000}`);
  const body = (await res.json()) as any;
  if (body.status !== 'success') throw new Error(`query ${q}: ${JSON.stringify(body)}`);
  return body.data.result;
}

/** Polls until the query returns exactly `n` series at `atMs`. */
function queryUntil(q: string, atMs: number, n: number, on: TestServer = server) {
  return eventually(
    async () => {
      const r = await query(q, atMs, on);
      return r.length === n ? r : undefined;
    },
    20_000,
    `${q} to return ${n} series`,
  );
}

describe('Pushgateway push with prom-client', () => {
  it('pushAdd / push / delete with grouping labels, "/" in a value and @base64 keys', async () => {
    const registry = new Registry();
    const gauge = new Gauge({
      name: 'pg_node_queue',
      help: 'Queue depth',
      labelNames: ['queue'],
      registers: [registry],
    });
    const other = new Gauge({ name: 'pg_node_other', help: 'Other', registers: [registry] });
    gauge.set({ queue: 'a' }, 7);
    other.set(1);
    const gateway = new Pushgateway(server.url, {}, registry);
    const groupings = { instance: 'w1', path: '/var/tmp', 'dir@base64': Buffer.from('/a/b').toString('base64url') };
    const t0 = Date.now();
    await gateway.pushAdd({ jobName: 'pg-node', groupings });

    const r = await queryUntil('pg_node_queue', t0 + 1000, 1);
    expect(r[0]?.metric).toEqual({
      __name__: 'pg_node_queue',
      job: 'pg-node',
      instance: 'w1',
      path: '/var/tmp',
      dir: '/a/b',
      queue: 'a',
    });
    expect(r[0]?.value[1]).toBe('7');
    const pushTime = await queryUntil('push_time_seconds{job="pg-node"}', t0 + 1000, 1);
    expect(Number(pushTime[0]?.value[1])).toBeGreaterThanOrEqual(t0 / 1000 - 1);

    // POST replaces only the families it carries; PUT replaces the whole group.
    const registry2 = new Registry();
    new Gauge({ name: 'pg_node_queue', help: 'Queue depth', registers: [registry2] }).set(9);
    const gateway2 = new Pushgateway(server.url, {}, registry2);
    const t1 = Date.now();
    await gateway2.pushAdd({ jobName: 'pg-node', groupings });
    const afterPost = await eventually(async () => {
      const x = await query('pg_node_queue', t1 + 1000);
      return x.length === 1 && x[0]?.value[1] === '9' ? x : undefined;
    });
    expect(afterPost[0]?.metric.queue).toBeUndefined();
    expect(await queryUntil('pg_node_other', t1 + 1000, 1)).toHaveLength(1);
    await gateway2.push({ jobName: 'pg-node', groupings });
    const t2 = Date.now();
    await queryUntil('pg_node_other', t2 + 1000, 0);

    // Survives the 5-minute lookback: the group's values are written again while it exists.
    const groups = pushGroupsOf(server.app.metricsIngest);
    expect(groups).toBeDefined();
    await groups?.refresh(t2 + 6 * MIN);
    const later = await queryUntil('pg_node_queue', t2 + 10 * MIN, 1);
    expect(later[0]?.value[1]).toBe('9');

    await gateway2.delete({ jobName: 'pg-node', groupings });
    const t3 = Date.now();
    await queryUntil('pg_node_queue', t3 + 1000, 0);
    await queryUntil('push_time_seconds{job="pg-node"}', t3 + 1000, 0);
    expect(groups?.size).toBe(0);
    // The history stays: every push is a sample over time.
    const history = await query('count_over_time(pg_node_queue[1h])', t3);
    expect(history.length).toBeGreaterThan(0);
  });

  it('answers 400 with a message on a bad body and on a bad path', async () => {
    const bad = await fetch(`${server.url}/metrics/job/x`, { method: 'PUT', body: 'metric{a="1" 1\n' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/line 1/);
    const ts = await fetch(`${server.url}/metrics/job/x`, { method: 'PUT', body: 'm 1 1700000000000\n' });
    expect(ts.status).toBe(400);
    expect(await ts.text()).toMatch(/timestamps/);
    const path = await fetch(`${server.url}/metrics/job/x/instance`, { method: 'PUT', body: 'm 1\n' });
    expect(path.status).toBe(400);
    const noJob = await fetch(`${server.url}/metrics/job@base64/=`, { method: 'PUT', body: 'm 1\n' });
    expect(noJob.status).toBe(400);
  });
});

describe('Pushgateway push with python3-prometheus-client', () => {
  it('push_to_gateway, pushadd_to_gateway and delete_from_gateway', async () => {
    const gateway = server.url.replace(/^http:\/\//, '');
    const script = `
import sys
from prometheus_client import CollectorRegistry, Gauge, Counter, push_to_gateway, pushadd_to_gateway, delete_from_gateway
gw = sys.argv[1]
grouping = {'instance': 'worker-1', 'path': '/var/tmp', 'empty': ''}
r = CollectorRegistry()
Gauge('py_batch_last_success', 'Last success', registry=r).set(1234.5)
c = Counter('py_batch_jobs', 'Jobs', ['queue'], registry=r)
c.labels('default').inc(3)
push_to_gateway(gw, job='py-batch', registry=r, grouping_key=grouping)
if sys.argv[2] == 'add':
    r2 = CollectorRegistry()
    Gauge('py_batch_last_success', 'Last success', registry=r2).set(99)
    pushadd_to_gateway(gw, job='py-batch', registry=r2, grouping_key=grouping)
if sys.argv[2] == 'delete':
    delete_from_gateway(gw, job='py-batch', grouping_key=grouping)
`;
    const t0 = Date.now();
    await run(PYTHON, ['-c', script, gateway, 'add']);
    const r = await queryUntil('py_batch_last_success', t0 + 2000, 1);
    expect(r[0]?.metric).toEqual({
      __name__: 'py_batch_last_success',
      job: 'py-batch',
      instance: 'worker-1',
      path: '/var/tmp',
    });
    expect(r[0]?.value[1]).toBe('99');
    const jobs = await queryUntil('py_batch_jobs_total', t0 + 2000, 1);
    expect(jobs[0]?.metric.queue).toBe('default');
    expect(jobs[0]?.value[1]).toBe('3');

    // 10 minutes after the push the group is still there (re-written while it exists).
    const groups = pushGroupsOf(server.app.metricsIngest);
    await groups?.refresh(t0 + 7 * MIN);
    expect((await queryUntil('py_batch_last_success', t0 + 10 * MIN, 1))[0]?.value[1]).toBe('99');

    // Delete: gone for all times after the delete, and nothing more is written for it.
    await run(PYTHON, ['-c', script, gateway, 'delete']);
    const tDel = Date.now();
    await queryUntil('py_batch_last_success', tDel + 1000, 0);
    await groups?.refresh(t0 + 8 * MIN);
    // The only samples after the delete are the ones written ahead of time above (t0+7min);
    // past their lookback nothing remains.
    await queryUntil('py_batch_last_success', t0 + 13 * MIN, 0);
    await queryUntil('push_time_seconds{job="py-batch"}', tDel + 1000, 0);
  });
});

describe('Pushgateway groups across restarts', () => {
  it('keeps a pushed group after a restart and forgets a deleted one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stellwerk-pg-restart-'));
    const start = () => startTestServer({ dataDir, overrides: { scrape: { self: false } } });
    const listed = async (on: TestServer) => {
      const body = (await (await fetch(`${on.url}/api/v1/pushgateway/groups`)).json()) as any;
      return body.data as Array<{ labels: Record<string, string>; series: number }>;
    };
    let current: TestServer | undefined;
    try {
      current = await start();
      const registry = new Registry();
      new Gauge({ name: 'pg_restart_value', help: 'Survives restarts', registers: [registry] }).set(42);
      const grouping = { jobName: 'pg-restart', groupings: { instance: 'r1' } };
      await new Pushgateway(current.url, {}, registry).push(grouping);
      await current.close();
      current = undefined;

      current = await start();
      expect(await listed(current)).toEqual([
        expect.objectContaining({ labels: { job: 'pg-restart', instance: 'r1' }, series: 1 }),
      ]);
      // The restored group is re-written: 10 minutes after the restart, past the lookback of
      // anything written before it, the value is still answered.
      const tRestart = Date.now();
      await pushGroupsOf(current.app.metricsIngest)?.refresh(tRestart + 8 * MIN);
      const later = await queryUntil('pg_restart_value', tRestart + 10 * MIN, 1, current);
      expect(later[0]?.metric).toEqual({ __name__: 'pg_restart_value', job: 'pg-restart', instance: 'r1' });
      expect(later[0]?.value[1]).toBe('42');

      await new Pushgateway(current.url, {}, new Registry()).delete(grouping);
      expect(await listed(current)).toEqual([]);
      await current.close();
      current = undefined;

      current = await start();
      expect(await listed(current)).toEqual([]);
      expect(pushGroupsOf(current.app.metricsIngest)?.size).toBe(0);
    } finally {
      await current?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
