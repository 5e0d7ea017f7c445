import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MetricSample } from '@stellwerk/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { get, post } from './http.ts';

const run = promisify(execFile);

/*
 * The same samples go into a real Prometheus 2.42 (through its own backfill tool) and into
 * Stellwerk; the table of queries below must answer the same within 1e-9 relative.
 */

// Data from the last hours, so the backfilled blocks are inside Prometheus' retention.
const T0 = Math.floor((Date.now() - 3 * 3600_000) / 60_000) * 60_000;
const STEP = 15_000;
const POINTS = 240; // one hour

function makeSamples(): MetricSample[] {
  const out: MetricSample[] = [];
  const add = (metric: string, labels: Record<string, string>, f: (i: number) => number | undefined, n = POINTS) => {
    for (let i = 0; i < n; i++) {
      const v = f(i);
      if (v !== undefined) out.push({ metric, labels, tsMs: T0 + i * STEP, value: v });
    }
  };
  // Counters, one with a reset at sample 120, one with jittered increments.
  add('req_total', { job: 'api', instance: 'a', code: '200' }, (i) => (i < 120 ? i * 3 : (i - 120) * 2 + 1));
  add('req_total', { job: 'api', instance: 'b', code: '500' }, (i) => i * 0.5 + ((i * 7) % 5));
  add('req_total', { job: 'web', instance: 'c', code: '200' }, (i) => i * i * 0.01);
  // Gauges; one stops half-way so the lookback window matters.
  add('temp', { job: 'api', instance: 'a' }, (i) => 20 + 5 * Math.sin(i / 10));
  add('temp', { job: 'web', instance: 'c' }, (i) => 15 + ((i * 13) % 7) * 0.25, 120);
  add('team_info', { job: 'api', team: 'x' }, () => 1);
  add('team_info', { job: 'web', team: 'y' }, () => 1);
  // A classic histogram.
  const bounds = ['0.1', '0.5', '1', '+Inf'];
  bounds.forEach((le, b) => {
    add('lat_bucket', { job: 'api', le }, (i) => Math.floor(i * (b + 1) * 1.5 + ((i * (b + 3)) % 4)) * 1 + i * b);
  });
  return out;
}

function openMetrics(samples: MetricSample[]): string {
  const byName = new Map<string, MetricSample[]>();
  for (const s of samples) byName.set(s.metric, [...(byName.get(s.metric) ?? []), s]);
  let text = '';
  for (const [name, list] of byName) {
    text += `# TYPE ${name} unknown\n`;
    for (const s of list) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',');
      text += `${name}{${labels}} ${s.value} ${s.tsMs / 1000}\n`;
    }
  }
  return `${text}# EOF\n`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitReady(url: string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Prometheus at ${url} not ready within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let server: TestServer;
let prom: ChildProcess | undefined;
let promUrl = '';
let dir = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stellwerk-promql-'));
  const samples = makeSamples();
  writeFileSync(join(dir, 'data.om'), openMetrics(samples));
  await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'data.om'), join(dir, 'tsdb')]);
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prom = spawn(
    'prometheus',
    [
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=15d',
    ],
    { stdio: 'ignore' },
  );
  // No self-scrape: the comparison with Prometheus needs identical series sets.
  server = await startTestServer({ overrides: { scrape: { self: false } } });
  const r = await server.app.metricsIngest.ingest(samples, { receiver: 'test' });
  expect(r.rejected).toBe(0);
  await waitReady(promUrl, 30_000);
});

afterAll(async () => {
  prom?.kill('SIGKILL');
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Result = Map<string, Array<[number, string]>>;

/** A query result as labels → [[t, value]], independent of series order. */
async function query(base: string, path: string, params: Record<string, string>): Promise<Result> {
  const res = await post(`${base}${path}`, new URLSearchParams(params).toString(), {
    'content-type': 'application/x-www-form-urlencoded',
  });
  const out: Result = new Map();
  // Errors compare too: both sides must refuse a query the same way.
  if (res.status !== 200) return out.set('error', [[res.status, String(res.json?.errorType)]]);
  const data = res.json.data;
  if (data.resultType === 'scalar') out.set('scalar', [data.result]);
  for (const s of data.resultType === 'scalar' ? [] : data.result) {
    const key = JSON.stringify(Object.entries(s.metric).sort());
    out.set(key, s.values ?? [s.value]);
  }
  return out;
}

function close(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return false;
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
}

function compare(want: Result, got: Result): string[] {
  const diffs: string[] = [];
  for (const [k, w] of want) {
    const g = got.get(k);
    if (!g) {
      diffs.push(`missing series ${k}`);
      continue;
    }
    if (g.length !== w.length) diffs.push(`${k}: ${w.length} points in Prometheus, ${g.length} in Stellwerk`);
    w.forEach(([t, v], i) => {
      const [gt, gv] = g[i] ?? [Number.NaN, ''];
      if (t !== gt || !close(v, gv)) diffs.push(`${k} @${t}: Prometheus ${v}, Stellwerk ${gt}=${gv}`);
    });
  }
  for (const k of got.keys()) if (!want.has(k)) diffs.push(`extra series ${k}`);
  return diffs.slice(0, 3);
}

const AT = (T0 + 50 * 60_000) / 1000;
const QUERIES = [
  'rate(req_total[5m])',
  'increase(req_total[10m])',
  'irate(req_total[1m])',
  'delta(temp[10m])',
  'idelta(temp[5m])',
  'deriv(temp[10m])',
  'predict_linear(temp[10m], 600)',
  'resets(req_total[1h])',
  'changes(temp[10m])',
  'sum by (job) (rate(req_total[5m]))',
  'avg without (instance) (temp)',
  'max by (code) (req_total)',
  'min(temp)',
  'count by (job) (req_total)',
  'stddev(req_total)',
  'stdvar by (job) (req_total)',
  'topk(2, req_total)',
  'bottomk(1, temp)',
  'quantile(0.9, req_total)',
  'count_values("v", team_info)',
  'group by (job) (req_total)',
  'histogram_quantile(0.9, sum by (le) (rate(lat_bucket[5m])))',
  'histogram_quantile(0.5, lat_bucket)',
  'avg_over_time(temp[10m])',
  'min_over_time(temp[10m])',
  'max_over_time(temp[10m])',
  'sum_over_time(temp[10m])',
  'count_over_time(temp[10m])',
  'last_over_time(temp[10m])',
  'stddev_over_time(temp[10m])',
  'stdvar_over_time(temp[10m])',
  'quantile_over_time(0.75, temp[10m])',
  'present_over_time(temp[2m])',
  'req_total * on(job) group_left(team) team_info',
  'sum by (job) (rate(req_total[5m])) / on(job) team_info',
  'team_info * on(job) group_right(team) req_total',
  // Including labels the "one" side lacks collapses the results: both must refuse it.
  'team_info * on(job) group_right(instance, code) req_total',
  'req_total + on(job) team_info',
  'rate(req_total[5m]) > 0.3217',
  'rate(req_total[5m]) > bool 0.3217',
  '0.3217 < rate(req_total[5m])',
  'temp != 20',
  'req_total and on(job) team_info{team="x"}',
  'req_total unless on(job) team_info{team="x"}',
  'temp or team_info',
  'req_total - req_total offset 10m',
  'temp offset 10m',
  `temp @ ${AT - 600}`,
  'rate(req_total[5m] offset 5m)',
  '-temp',
  '(temp + 1) * 2 ^ 2 % 7',
  'absent(nope{job="x"})',
  'absent(temp)',
  'absent_over_time(nope[5m])',
  'label_replace(temp, "host", "h-$1", "instance", "(.*)")',
  'label_join(req_total, "both", "-", "job", "code")',
  'abs(delta(temp[10m]))',
  'ceil(temp)',
  'floor(temp)',
  'round(temp, 0.5)',
  'clamp(temp, 18, 22)',
  'clamp_min(temp, 20)',
  'clamp_max(temp, 20)',
  'sqrt(req_total)',
  'ln(req_total + 1)',
  'log2(req_total + 1)',
  'log10(req_total + 1)',
  'exp(temp / 10)',
  'sgn(deriv(temp[5m]))',
  'scalar(sum(temp))',
  'vector(1)',
  'time()',
  'timestamp(temp)',
  'sum(temp) / count(temp)',
  'hour(timestamp(temp))',
  'sort(temp)',
  // Subqueries: inner steps at multiples of the step; without one, the evaluation interval (1m).
  'max_over_time(rate(req_total[1m])[10m:1m])',
  'avg_over_time(temp[10m:])',
  'min_over_time(sum by (job) (rate(req_total[5m]))[15m:2m])',
  'rate(req_total[5m:30s])',
  'sum_over_time(deriv(temp[5m])[10m:90s])',
  'max_over_time(temp[10m:1m] offset 5m)',
  `last_over_time(temp[20m:1m] @ ${AT - 600})`,
  'count_over_time(max_over_time(temp[2m:30s])[10m:1m])',
  'quantile_over_time(0.5, (temp * 2)[7m:45s])',
  'temp[5m:1m]',
  'max_over_time((temp offset 2m)[10m:1m])',
  `max_over_time((temp @ ${AT - 600})[10m:1m])`,
  `sum_over_time(rate(req_total[5m] @ ${AT - 300})[10m:1m] offset 3m)`,
  'max_over_time((temp @ start())[10m:1m])',
];

describe('PromQL against the real Prometheus', () => {
  it.each(QUERIES)('instant: %s', async (q) => {
    const params = { query: q, time: String(AT) };
    const want = await query(promUrl, '/api/v1/query', params);
    const got = await query(server.url, '/api/v1/query', params);
    expect(compare(want, got)).toEqual([]);
  });

  it.each(QUERIES.filter((q) => !q.startsWith('sort')))('range: %s', async (q) => {
    const params = { query: q, start: String(T0 / 1000 + 300), end: String(AT + 900), step: '60' };
    const want = await query(promUrl, '/api/v1/query_range', params);
    const got = await query(server.url, '/api/v1/query_range', params);
    expect(compare(want, got)).toEqual([]);
  });

  it('answers a range selector at an instant query with raw samples', async () => {
    const params = { query: 'temp[2m]', time: String(AT) };
    expect(
      compare(await query(promUrl, '/api/v1/query', params), await query(server.url, '/api/v1/query', params)),
    ).toEqual([]);
  });

  it('serves series, labels, label values and buildinfo like Prometheus', async () => {
    const series = await get(`${server.url}/api/v1/series?match[]=temp&match[]=team_info{team="x"}`);
    expect(series.status).toBe(200);
    expect(
      series.json.data.map((l: Record<string, string>) => JSON.stringify(Object.entries(l).sort())).sort(),
    ).toEqual(
      [
        { __name__: 'temp', job: 'api', instance: 'a' },
        { __name__: 'temp', job: 'web', instance: 'c' },
        { __name__: 'team_info', job: 'api', team: 'x' },
      ]
        .map((l) => JSON.stringify(Object.entries(l).sort()))
        .sort(),
    );
    const labels = await get(`${server.url}/api/v1/labels`);
    expect(labels.json.data).toEqual(expect.arrayContaining(['__name__', 'code', 'instance', 'job', 'le', 'team']));
    const values = await get(`${server.url}/api/v1/label/job/values?match[]=req_total`);
    expect(values.json).toEqual({ status: 'success', data: ['api', 'web'] });
    const build = await get(`${server.url}/api/v1/status/buildinfo`);
    expect(build.json.data.version).toMatch(/^2\.\d+\.\d+/);
    const meta = await get(`${server.url}/api/v1/metadata`);
    expect(meta.json.status).toBe('success');
  });

  it('answers errors in Prometheus shape', async () => {
    const bad = await get(`${server.url}/api/v1/query?query=${encodeURIComponent('sum(')}`);
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ status: 'error', errorType: 'bad_data' });
    const unsupported = await get(
      `${server.url}/api/v1/query?query=${encodeURIComponent('holt_winters(temp[5m], 0.1, 0.1)')}`,
    );
    expect(unsupported.status).toBe(400);
    expect(unsupported.json.error).toMatch(/holt_winters/);
    const noStep = await get(`${server.url}/api/v1/query_range?query=up&start=1&end=2`);
    expect(noStep.status).toBe(400);
    expect(noStep.json.error).toMatch(/step/);
    const rfc = await get(
      `${server.url}/api/v1/query_range?query=vector(1)&start=2026-01-01T00:00:00Z&end=2026-01-01T00:01:00.5Z&step=30s`,
    );
    expect(rfc.status).toBe(200);
    expect(rfc.json.data.result[0].values).toEqual([
      [1767225600, '1'],
      [1767225630, '1'],
      [1767225660, '1'],
    ]);
  });

  it("answers a query past its timeout with Prometheus' timeout error", async () => {
    const params = new URLSearchParams({
      query: 'sum(rate(req_total[5m])) + sum(temp) + sum(rate(lat_bucket[5m]))',
      start: String(T0 / 1000),
      end: String(AT),
      step: '15',
      timeout: '1ms',
    });
    const res = await post(`${server.url}/api/v1/query_range`, params.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ status: 'error', errorType: 'timeout' });
    expect(res.json.error).toMatch(/timed out/);
    params.set('timeout', '-1s');
    const bad = await post(`${server.url}/api/v1/query_range`, params.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/timeout/);
    params.set('timeout', '30s');
    const ok = await post(`${server.url}/api/v1/query_range`, params.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(ok.status).toBe(200);
  });

  it('works with promtool query instant and range', async () => {
    const inst = await run('promtool', ['query', 'instant', '--time', String(AT), server.url, 'sum by (job) (temp)']);
    const want = await query(promUrl, '/api/v1/query', { query: 'sum by (job) (temp)', time: String(AT) });
    const apiValue = want.get(JSON.stringify([['job', 'api']]))?.[0]?.[1];
    expect(inst.stdout).toContain(`{job="api"} => ${apiValue} @[${AT}]`);
    const range = await run('promtool', [
      'query',
      'range',
      '--start',
      String(AT - 120),
      '--end',
      String(AT),
      '--step',
      '60s',
      '-o',
      'json',
      server.url,
      'count(temp)',
    ]);
    expect(JSON.parse(range.stdout)).toEqual([
      {
        metric: {},
        values: [
          [AT - 120, '1'],
          [AT - 60, '1'],
          [AT, '1'],
        ],
      },
    ]);
  });
});
