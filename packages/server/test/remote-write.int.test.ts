import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snappyBody } from '../src/receivers/remote-write/write-request.fixture.ts';
import { MetricsRepository } from '../src/store/metrics-repository.ts';
import { p, sql } from '../src/store/sql.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { eventually } from './http.ts';
import { waitForExit } from './process.ts';

const PROMETHEUS = '/usr/bin/prometheus';
const TOKEN = 'rw-test-token-0123456789';
const PROTO_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
};

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const address = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function write(url: string, body: Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/v1/write`, { method: 'POST', body, headers: { ...PROTO_HEADERS, ...headers } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Series and samples as Stellwerk stored them, keyed by the label set. */
async function stored(repo: MetricsRepository, metric: string, fromMs: number, toMs: number) {
  const series = await repo.matchSeries(sql`metric = ${p.String(metric)}`);
  const samples = await repo.samples(
    metric,
    series.map((s) => s.fingerprint),
    fromMs,
    toMs,
  );
  return series.map((s) => ({
    labels: s.labels,
    samples: samples.filter((x) => x.fingerprint === s.fingerprint).map((x) => [x.t, x.value] as [number, number]),
  }));
}

function key(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

async function promQuery(promUrl: string, path: string): Promise<any> {
  const res = await fetch(`${promUrl}${path}`);
  const body = (await res.json()) as any;
  if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${JSON.stringify(body)}`);
  return body.data;
}

/** Starts Debian's Prometheus scraping itself every second and remote-writing to Stellwerk. */
async function startPrometheus(
  dir: string,
  stellwerkUrl: string,
  token?: string,
): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: prometheus',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${port}']`,
      'remote_write:',
      `  - url: ${stellwerkUrl}/api/v1/write`,
      ...(token ? ['    authorization:', `      credentials: ${token}`] : []),
      '    queue_config:',
      '      batch_send_deadline: 1s',
      '      min_backoff: 100ms',
      '      max_backoff: 1s',
      '    metadata_config:',
      '      send: true',
      '      send_interval: 2s',
      '',
    ].join('\n'),
  );
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout?.on('data', (d) => {
    log += d;
  });
  child.stderr?.on('data', (d) => {
    log += d;
  });
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`Prometheus exited: ${log.slice(-2000)}`);
      return (await fetch(`${url}/-/ready`)).ok ? true : undefined;
    },
    30_000,
    'Prometheus to be ready',
  );
  return { child, url, log: () => log };
}

async function killPrometheus(child: ChildProcess | undefined): Promise<void> {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await waitForExit(child);
  }
}

describe('remote_write from a real Prometheus 2.42', () => {
  let server: TestServer;
  let repo: MetricsRepository;
  let prometheus: ChildProcess | undefined;
  let promUrl = '';
  let promLog: () => string = () => '';
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stellwerk-prom-'));
    // No self-scrape: it would add an `up` series Prometheus does not have.
    server = await startTestServer({ token: TOKEN, overrides: { scrape: { self: false } } });
    repo = new MetricsRepository(server.running.store);
    const started = await startPrometheus(dir, server.url, TOKEN);
    prometheus = started.child;
    promUrl = started.url;
    promLog = started.log;
  });

  afterAll(async () => {
    await killPrometheus(prometheus);
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores the series, samples and metadata Prometheus has, with the same labels and values', async () => {
    const metrics = ['up', 'prometheus_build_info', 'scrape_samples_scraped', 'prometheus_tsdb_head_series'];
    try {
      await eventually(
        async () => {
          for (const m of metrics) {
            const s = await stored(repo, m, 0, Date.now() + 60_000);
            if (s.length === 0 || (s[0]?.samples.length ?? 0) < 3) return undefined;
          }
          const meta = await repo.metadata('prometheus_build_info');
          return meta.length > 0 ? true : undefined;
        },
        60_000,
        'samples and metadata from Prometheus',
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\nPrometheus log:\n${promLog().slice(-3000)}`);
    }

    for (const metric of metrics) {
      // Prometheus' raw samples of the last 5 minutes (a range selector returns them unaltered).
      const now = Date.now() / 1000;
      const data = await promQuery(promUrl, `/api/v1/query?query=${encodeURIComponent(`${metric}[5m]`)}&time=${now}`);
      expect(data.resultType).toBe('matrix');
      const theirs = new Map<string, Map<number, number>>();
      for (const r of data.result) {
        const { __name__, ...labels } = r.metric;
        expect(__name__).toBe(metric);
        theirs.set(
          key(labels),
          new Map(r.values.map(([t, v]: [number, string]) => [Math.round(t * 1000), Number(v)] as const)),
        );
      }
      const ours = await stored(repo, metric, (now - 300) * 1000, now * 1000 + 60_000);
      // The same series, labels included (job, instance and e.g. version for build_info).
      expect(ours.map((s) => key(s.labels)).sort()).toEqual([...theirs.keys()].sort());
      expect(ours.every((s) => s.labels.job === 'prometheus' && s.labels.instance === promUrl.slice(7))).toBe(true);
      for (const s of ours) {
        const their = theirs.get(key(s.labels)) as Map<number, number>;
        expect(s.samples.length).toBeGreaterThanOrEqual(3);
        // Every sample Stellwerk stored is one Prometheus has, at the same ms, with the same value.
        for (const [t, v] of s.samples) {
          if (t < (now - 300) * 1000) continue;
          expect({ metric, t, v: their.get(t) }).toEqual({ metric, t, v });
        }
        // And nothing Prometheus had in the stored span is missing (remote_write is in order per series).
        const first = s.samples[0]?.[0] as number;
        const last = s.samples.at(-1)?.[0] as number;
        const expectedTimes = [...their.keys()].filter((t) => t >= first && t <= last).sort((a, b) => a - b);
        expect(s.samples.map(([t]) => t)).toEqual(expectedTimes);
      }
    }

    // Metadata as Prometheus itself reports it.
    const theirMeta = await promQuery(promUrl, '/api/v1/metadata?metric=prometheus_build_info');
    const [ourMeta] = await repo.metadata('prometheus_build_info');
    expect(ourMeta).toMatchObject({
      metric: 'prometheus_build_info',
      type: theirMeta.prometheus_build_info[0].type,
      help: theirMeta.prometheus_build_info[0].help,
      unit: theirMeta.prometheus_build_info[0].unit,
    });
    const [counterMeta] = await repo.metadata('prometheus_http_requests_total');
    expect(counterMeta?.type).toBe('counter');

    // Prometheus' own view: sent with Bearer auth, nothing failed or dropped.
    const sent = await promQuery(promUrl, '/api/v1/query?query=sum(prometheus_remote_storage_samples_total)');
    expect(Number(sent.result[0]?.value[1])).toBeGreaterThan(0);
    const failed = await promQuery(
      promUrl,
      `/api/v1/query?query=${encodeURIComponent('sum(prometheus_remote_storage_samples_failed_total) + sum(prometheus_remote_storage_metadata_failed_total)')}`,
    );
    expect(Number(failed.result[0]?.value[1])).toBe(0);
  });

  it('needs the token: none or a wrong one is 401', async () => {
    const body = snappyBody({ timeseries: [] });
    const none = await write(server.url, body);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/^text\/plain/);
    expect((await write(server.url, body, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await write(server.url, body, { authorization: `Bearer ${TOKEN}` })).status).toBe(204);
    // Prometheus' basic_auth with the token as password works too.
    const basic = `Basic ${Buffer.from(`prometheus:${TOKEN}`).toString('base64')}`;
    expect((await write(server.url, body, { authorization: basic })).status).toBe(204);
  });

  it('answers garbage with 400 and a one-line plain-text reason', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const notSnappy = await write(server.url, Buffer.from('this is not snappy data, not at all'), auth);
    expect(notSnappy.status).toBe(400);
    expect(notSnappy.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(notSnappy.text).toMatch(/snappy/);
    expect(notSnappy.text.trim().split('\n')).toHaveLength(1);
    // Valid snappy around bytes that are not a WriteRequest.
    const { compress } = await import('snappyjs');
    const notProto = await write(server.url, Buffer.from(compress(new Uint8Array([0x0a, 0xff, 0xff, 0x03, 1]))), auth);
    expect(notProto.status).toBe(400);
    expect(notProto.text).toMatch(/not a valid prometheus\.WriteRequest/);
    const wrongEncoding = await write(server.url, Buffer.from('x'), { ...auth, 'content-encoding': 'gzip' });
    expect(wrongEncoding.status).toBe(400);
  });

  it('stores the valid rest of a batch with a bad name and answers 400 naming the problem', async () => {
    const t = Date.now();
    const body = snappyBody({
      timeseries: [
        {
          labels: [
            { name: '__name__', value: 'rw_partial_ok' },
            { name: 'k', value: 'v' },
          ],
          samples: [{ value: 1.5, timestampMs: t }],
        },
        {
          labels: [
            { name: '__name__', value: 'rw_partial_bad' },
            { name: 'bad-label', value: 'v' },
          ],
          samples: [{ value: 2, timestampMs: t }],
        },
      ],
    });
    const res = await write(server.url, body, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/1 of 2 samples rejected.*bad-label.*other 1 samples/);
    const ok = await stored(repo, 'rw_partial_ok', t - 1, t + 1);
    expect(ok).toEqual([{ labels: { k: 'v' }, samples: [[t, 1.5]] }]);
  });

  it('stores a resent batch once (the body hash is the idempotency token)', async () => {
    const t = Date.now();
    const body = snappyBody({
      timeseries: [
        {
          labels: [{ name: '__name__', value: 'rw_resent' }],
          samples: [
            { value: 1, timestampMs: t },
            { value: Number.NaN, timestampMs: t + 1 },
          ],
        },
      ],
    });
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await write(server.url, body, auth)).status).toBe(204);
    expect((await write(server.url, body, auth)).status).toBe(204);
    const [series] = await stored(repo, 'rw_resent', t - 1, t + 10);
    expect(series?.samples).toHaveLength(2);
    expect(series?.samples[0]).toEqual([t, 1]);
    expect(Number.isNaN(series?.samples[1]?.[1])).toBe(true);
  });
});

describe('remote_write under overload', () => {
  let server: TestServer;
  let prometheus: ChildProcess | undefined;
  let dir = '';
  beforeAll(async () => {
    server = await startTestServer({ overrides: { ingest: { queueMaxRecords: 5 }, scrape: { self: false } } });
  });
  afterAll(async () => {
    await killPrometheus(prometheus);
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After, never 429', async () => {
    const t = Date.now();
    const body = snappyBody({
      timeseries: Array.from({ length: 10 }, (_, i) => ({
        labels: [
          { name: '__name__', value: 'rw_overload' },
          { name: 'i', value: String(i) },
        ],
        samples: [{ value: i, timestampMs: t }],
      })),
    });
    const res = await write(server.url, body);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(res.text).toMatch(/STW_ERR_OVERLOADED/);
    // A batch that fits goes through.
    const small = snappyBody({
      timeseries: [{ labels: [{ name: '__name__', value: 'rw_small' }], samples: [{ value: 1, timestampMs: t }] }],
    });
    expect((await write(server.url, small)).status).toBe(204);
  });

  it('makes the real Prometheus retry the batch instead of dropping it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'stellwerk-prom-'));
    const started = await startPrometheus(dir, server.url);
    prometheus = started.child;
    // Its batches (hundreds of samples) never fit a 5-record queue: every send is refused with 503.
    const retried = await eventually(
      async () => {
        const r = await promQuery(
          started.url,
          '/api/v1/query?query=sum(prometheus_remote_storage_samples_retried_total)',
        );
        const n = Number(r.result[0]?.value[1] ?? 0);
        return n > 0 ? n : undefined;
      },
      60_000,
      'Prometheus to count retried samples',
    );
    expect(retried).toBeGreaterThan(0);
    const failed = await promQuery(
      started.url,
      '/api/v1/query?query=sum(prometheus_remote_storage_samples_failed_total)',
    );
    expect(Number(failed.result[0]?.value[1])).toBe(0);
  });
});
