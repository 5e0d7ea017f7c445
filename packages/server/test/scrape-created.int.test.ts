import { type ChildProcess, spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { eventually, get } from './http.ts';

/** Debian's python3-prometheus-client, serving OpenMetrics when asked as Prometheus asks. */
const PYTHON = '/usr/bin/python3';
const APP = `
import sys
from prometheus_client import Counter, Histogram, start_http_server
jobs = Counter('itct_jobs', 'Jobs done', ['queue'])
latency = Histogram('itct_seconds', 'Latency', buckets=[0.1, 1])
jobs.labels(queue='default').inc(float(sys.argv[2]))
latency.observe(0.5)
start_http_server(int(sys.argv[1]), addr='127.0.0.1')
print('ready', flush=True)
for line in sys.stdin:
    if line.strip() == 'late':
        jobs.labels(queue='late').inc(4)
        print('late', flush=True)
`;

async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const address = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Starts the app with its `default` counter at `first`; resolves once it listens. */
async function startApp(
  port: number,
  first: number,
): Promise<{ child: ChildProcess; said: (word: string) => Promise<void> }> {
  const child = spawn(PYTHON, ['-c', APP, String(port), String(first)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) => lines.push(l));
  const said = async (word: string): Promise<void> => {
    await eventually(async () => (lines.includes(word) ? true : undefined), 10_000, `the app to print "${word}"`);
  };
  await said('ready');
  return { child, said };
}

async function stopApp(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

type Raw = Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;

describe('OpenMetrics _created from the real Python client, scraped', () => {
  let server: TestServer;
  let port: number;
  let app: Awaited<ReturnType<typeof startApp>> | undefined;

  async function raw(selector: string): Promise<Raw> {
    const res = await get(`${server.url}/api/v1/query?query=${encodeURIComponent(`${selector}[10m]`)}`);
    if (res.status !== 200) throw new Error(JSON.stringify(res.json));
    return res.json.data.result;
  }
  async function instant(q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const res = await get(`${server.url}/api/v1/query?query=${encodeURIComponent(q)}`);
    if (res.status !== 200) throw new Error(JSON.stringify(res.json));
    return res.json.data.result;
  }
  /** Raw samples of one series, once `ready` accepts them. */
  function samplesUntil(selector: string, ready: (v: Array<[number, number]>) => boolean) {
    return eventually(
      async () => {
        const [series] = await raw(selector);
        const values = (series?.values ?? []).map(([t, v]) => [t, Number(v)] as [number, number]);
        return values.length > 0 && ready(values) ? values : undefined;
      },
      20_000,
      selector,
    );
  }

  beforeAll(async () => {
    port = await freePort();
    // The app (and its `default` counter) exists before Stellwerk scrapes it.
    app = await startApp(port, 3);
    server = await startTestServer({
      overrides: {
        scrape: {
          self: false,
          jobs: [{ name: 'py', targets: [`http://127.0.0.1:${port}/metrics`], interval: '1s', timeout: '1s' }],
        },
      },
    });
  });
  afterAll(async () => {
    await stopApp(app?.child);
    await server?.close();
  });

  it('stores _created samples as series, as Prometheus 2.42 does', async () => {
    const created = await eventually(async () => {
      const r = await instant('itct_jobs_created');
      return r.length === 1 ? r : undefined;
    });
    expect(created[0]?.metric).toEqual({
      __name__: 'itct_jobs_created',
      queue: 'default',
      job: 'py',
      instance: `127.0.0.1:${port}`,
    });
    // Seconds since the epoch, from the app's clock.
    expect(Number(created[0]?.value[1])).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(await instant('itct_seconds_created')).toHaveLength(1);
    const [total] = await instant('itct_jobs_total');
    expect(Number(total?.value[1])).toBe(3);
  });

  it('adds no zero for a counter created before scraping began', async () => {
    const values = await samplesUntil('itct_jobs_total{queue="default"}', (v) => v.length >= 2);
    expect(values.map(([, v]) => v).every((v) => v === 3)).toBe(true);
  });

  it('adds a zero at the creation time of a counter created while scraped, so increase() counts it', async () => {
    app?.child.stdin?.write('late\n');
    await app?.said('late');
    const values = await samplesUntil('itct_jobs_total{queue="late"}', (v) => v.length >= 2);
    const [createdSeries] = await raw('itct_jobs_created{queue="late"}');
    const createdS = Number(createdSeries?.values[0]?.[1]);
    expect(values[0]?.[1]).toBe(0);
    expect(values[0]?.[0]).toBeCloseTo(createdS, 2);
    expect(values.slice(1).every(([, v]) => v === 4)).toBe(true);
    // Without the zero, a series whose first sample is already 4 would show no increase at all.
    const [inc] = await instant('increase(itct_jobs_total{queue="late"}[10m])');
    expect(Number(inc?.value[1])).toBeGreaterThanOrEqual(4);
  });

  it('makes a restart visible to resets() even when the counter climbed past its old value', async () => {
    await stopApp(app?.child);
    app = await startApp(port, 10);
    const values = await samplesUntil('itct_jobs_total{queue="default"}', (v) => v.some(([, x]) => x === 10));
    const restart = values.findIndex(([, v]) => v === 0);
    expect(restart).toBeGreaterThan(0);
    expect(values[restart - 1]?.[1]).toBe(3);
    expect(values[restart + 1]?.[1]).toBe(10);
    const [resets] = await instant('resets(itct_jobs_total{queue="default"}[10m])');
    expect(Number(resets?.value[1])).toBe(1);
    // The histogram's buckets, count and sum got the zero too.
    const [count] = await raw('itct_seconds_count');
    expect(count?.values.some(([, v]) => v === '0')).toBe(true);
  });
});
