import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { eventually } from './http.ts';

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';

async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const address = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A prom-client registry served over HTTP, answering OpenMetrics when asked for it. */
async function serveRegistry(registry: Registry<any>): Promise<{ server: Server; port: number; accepts: string[] }> {
  const accepts: string[] = [];
  const server = createServer(async (req, res) => {
    accepts.push(String(req.headers.accept));
    registry.setContentType(
      /openmetrics/.test(String(req.headers.accept))
        ? Registry.OPENMETRICS_CONTENT_TYPE
        : Registry.PROMETHEUS_CONTENT_TYPE,
    );
    res.setHeader('content-type', registry.contentType);
    res.end(await registry.metrics());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, accepts };
}

let server: TestServer;
let exporter: ChildProcess;
let exporterPort: number;
let dir: string;
let sdFile: string;
const servers: Server[] = [];
let first: Awaited<ReturnType<typeof serveRegistry>>;
let second: Awaited<ReturnType<typeof serveRegistry>>;
let third: Awaited<ReturnType<typeof serveRegistry>>;

async function query(
  q: string,
  atMs = Date.now(),
): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${server.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${atMs / 1000}`);
  const body = (await res.json()) as any;
  if (body.status !== 'success') throw new Error(`query ${q}: ${JSON.stringify(body)}`);
  return body.data.result;
}

function until<T>(q: string, check: (r: Awaited<ReturnType<typeof query>>) => T | undefined, timeoutMs = 30_000) {
  return eventually(async () => check(await query(q)), timeoutMs, q);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stellwerk-scrape-'));
  exporterPort = await freePort();
  exporter = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${exporterPort}`], { stdio: 'ignore' });

  const r1 = new Registry();
  new Gauge({ name: 'sd_app_temperature', help: 'Temperature', labelNames: ['job'], registers: [r1] }).set(
    { job: 'inner' },
    21.5,
  );
  new Counter({ name: 'sd_app_requests', help: 'Requests', registers: [r1] }).inc(5);
  first = await serveRegistry(r1);
  const r2 = new Registry();
  new Gauge({ name: 'sd_app_second', help: 'Second target', registers: [r2] }).set(2);
  second = await serveRegistry(r2);
  const r3 = new Registry();
  new Gauge({ name: 'rl_keep_me', help: 'Kept', labelNames: ['color'], registers: [r3] }).set({ color: 'red' }, 3);
  new Gauge({ name: 'rl_drop_me', help: 'Dropped by name', registers: [r3] }).set(4);
  new Gauge({ name: 'rl_old_name', help: 'Renamed', registers: [r3] }).set(5);
  third = await serveRegistry(r3);
  servers.push(first.server, second.server, third.server);

  sdFile = join(dir, 'targets.json');
  writeFileSync(sdFile, JSON.stringify([{ targets: [`127.0.0.1:${first.port}`], labels: { team: 'a' } }]));

  server = await startTestServer({
    overrides: {
      scrape: {
        self: true,
        interval: '1s',
        timeout: '1s',
        jobs: [
          { name: 'node', targets: [`http://127.0.0.1:${exporterPort}/metrics`], labels: { env: 'test' } },
          { name: 'sd', files: [sdFile] },
          {
            name: 'relabel',
            targets: [`http://127.0.0.1:${third.port}/metrics`],
            relabelConfigs: [
              { sourceLabels: ['__address__'], regex: '([^:]+):\\d+', targetLabel: 'host' },
              { sourceLabels: ['__metrics_path__'], targetLabel: 'path' },
            ],
            metricRelabelConfigs: [
              { sourceLabels: ['__name__'], regex: 'rl_drop_me', action: 'drop' },
              { sourceLabels: ['color'], targetLabel: 'colour' },
              { regex: 'color', action: 'labeldrop' },
              { sourceLabels: ['__name__'], regex: 'rl_old_(.*)', targetLabel: '__name__', replacement: 'rl_new_$1' },
            ],
          },
        ],
      },
    },
  });
});

afterAll(async () => {
  await server?.close();
  exporter?.kill('SIGKILL');
  for (const s of servers) s.closeAllConnections?.();
  for (const s of servers) s.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('scrape', () => {
  it('scrapes a real prometheus-node-exporter as a static target', async () => {
    const up = await until('up{job="node"}', (r) => (r[0]?.value[1] === '1' ? r : undefined));
    expect(up[0]?.metric).toMatchObject({ job: 'node', instance: `127.0.0.1:${exporterPort}`, env: 'test' });
    const node = await until('node_time_seconds', (r) => (r.length > 0 ? r : undefined));
    expect(node[0]?.metric).toMatchObject({ job: 'node', instance: `127.0.0.1:${exporterPort}` });
    const scraped = await until('scrape_samples_scraped{job="node"}', (r) => r[0]);
    expect(Number(scraped.value[1])).toBeGreaterThan(50);
    expect((await until('scrape_duration_seconds{job="node"}', (r) => r[0])).metric.instance).toBeDefined();
  });

  it('scrapes a file_sd target with OpenMetrics, renames clashing labels, and reloads the file', async () => {
    const temp = await until('sd_app_temperature', (r) => r[0]);
    expect(temp.metric).toEqual({
      __name__: 'sd_app_temperature',
      job: 'sd',
      exported_job: 'inner',
      instance: `127.0.0.1:${first.port}`,
      team: 'a',
    });
    expect(temp.value[1]).toBe('21.5');
    expect(first.accepts[0]).toMatch(/^application\/openmetrics-text;version=1\.0\.0/);
    expect((await until('sd_app_requests_total', (r) => r[0])).value[1]).toBe('5');

    writeFileSync(
      sdFile,
      JSON.stringify([
        { targets: [`127.0.0.1:${first.port}`], labels: { team: 'a' } },
        { targets: [`127.0.0.1:${second.port}`], labels: { team: 'b' } },
      ]),
    );
    const added = await until('sd_app_second', (r) => r[0]);
    expect(added.metric).toMatchObject({ job: 'sd', team: 'b', instance: `127.0.0.1:${second.port}` });
  });

  it('marks a target that stops as up=0 and ends its series with a stale marker', async () => {
    await until(`up{instance="127.0.0.1:${second.port}"}`, (r) => (r[0]?.value[1] === '1' ? r : undefined));
    second.server.closeAllConnections();
    await new Promise<void>((r) => second.server.close(() => r()));
    await until(`up{instance="127.0.0.1:${second.port}"}`, (r) => (r[0]?.value[1] === '0' ? r : undefined));
    // Without the marker the last value would stay visible for the 5-minute lookback.
    await until('sd_app_second', (r) => (r.length === 0 ? true : undefined));
  });

  it('applies relabelConfigs to the target and metricRelabelConfigs to samples', async () => {
    const instance = `127.0.0.1:${third.port}`;
    const kept = await until('rl_keep_me', (r) => r[0]);
    expect(kept.metric).toEqual({
      __name__: 'rl_keep_me',
      job: 'relabel',
      instance,
      host: '127.0.0.1',
      path: '/metrics',
      colour: 'red',
    });
    expect(kept.value[1]).toBe('3');
    const renamed = await until('rl_new_name', (r) => r[0]);
    expect(renamed.metric).toMatchObject({ job: 'relabel', instance, host: '127.0.0.1' });
    expect(renamed.value[1]).toBe('5');
    // Target labels from relabelling reach the synthetic series too; no __ label is stored.
    const up = await until('up{job="relabel"}', (r) => r[0]);
    expect(up.metric).toEqual({ __name__: 'up', job: 'relabel', instance, host: '127.0.0.1', path: '/metrics' });
    expect(await query('rl_drop_me')).toEqual([]);
    expect(await query('rl_old_name')).toEqual([]);
    expect(await query('rl_keep_me{color="red"}')).toEqual([]);
  });

  it('scrapes itself in-process as job="stellwerk"', async () => {
    const self = await until('stellwerk_records_received_total{receiver="scrape"}', (r) => r[0]);
    expect(self.metric).toMatchObject({ job: 'stellwerk', instance: new URL(server.url).host, kind: 'metrics' });
    expect(Number(self.value[1])).toBeGreaterThan(0);
    expect((await until('up{job="stellwerk"}', (r) => r[0])).value[1]).toBe('1');
  });
});
