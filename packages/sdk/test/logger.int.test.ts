/**
 * The SDK against a real Stellwerk (embedded engine): what a user checks is what the search
 * API returns, not what the SDK believes it sent.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.ts';
import { eventually } from '../../server/test/http.ts';
import { createLogger, type SdkError } from '../src/index.ts';

const TOKEN = 'sdk-integration-test-token';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ token: TOKEN });
});
afterAll(async () => {
  await server?.close();
});

async function search(url: string, query: string): Promise<any[]> {
  const res = await fetch(`${url}/api/v1/logs?query=${encodeURIComponent(query)}&from=now-1h&limit=1000`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { records: any[] }).records;
}

/** Wraps the global fetch to see what the SDK actually sent and when (observation, not a mock). */
function observedFetch() {
  const requests: Array<{ at: number; status: number; key: string; body: string }> = [];
  const f = (async (input: string, init: RequestInit) => {
    const headers = init.headers as Record<string, string>;
    const raw = init.body;
    const body =
      typeof raw === 'string'
        ? raw
        : headers['content-encoding'] === 'gzip'
          ? gunzipSync(raw as Uint8Array).toString()
          : '';
    const at = Date.now();
    const res = await fetch(input, init);
    requests.push({ at, status: res.status, key: headers['idempotency-key'] ?? '', body });
    return res;
  }) as unknown as typeof fetch;
  return { f, requests };
}

const unique = (name: string) => `${name}-${Date.now().toString(36)}`;

describe('logger against a real Stellwerk', () => {
  it('stores records with level, message, typed attributes and nanosecond time; flush means stored', async () => {
    const service = unique('sdk-basic');
    const { f, requests } = observedFetch();
    const errors: SdkError[] = [];
    const log = createLogger({
      url: server.url,
      token: TOKEN,
      service,
      host: 'box-1',
      fetch: f,
      onError: (e) => errors.push(e),
    });
    const db = log.child({ component: 'db' });
    log.info('request done', { latency_ms: 12.5, status: 200, cached: true, user: 'bob' });
    db.warn('slow query', { rows: 5000 });
    log.error(new TypeError('bad input'), { path: '/x' });
    for (let i = 0; i < 200; i++) log.debug('bulk', { seq: i, pad: 'x'.repeat(40) }); // > gzip threshold

    await log.flush();
    // No polling: flush resolves only once the server acknowledged, and it acknowledges after the insert.
    const records = await search(server.url, `service:${service}`);
    expect(records).toHaveLength(203);
    expect(errors).toEqual([]);
    expect(log.stats()).toMatchObject({ sent: 203, failed: 0, dropped: 0, queued: 0 });

    const byMsg = (m: string) => records.find((r) => r.message === m);
    expect(byMsg('request done')).toMatchObject({
      level: 'info',
      service,
      host: 'box-1',
      attributes: { latency_ms: 12.5, status: 200, cached: true, user: 'bob' },
    });
    expect(byMsg('slow query')).toMatchObject({ level: 'warn', attributes: { component: 'db', rows: 5000 } });
    const err = byMsg('bad input');
    expect(err).toMatchObject({
      level: 'error',
      attributes: { 'error.type': 'TypeError', 'error.message': 'bad input', path: '/x' },
    });
    expect(err.attributes['error.stack']).toContain('TypeError: bad input');
    // Numbers stayed numbers: a numeric comparison finds them.
    expect(await search(server.url, `service:${service} latency_ms>10`)).toHaveLength(1);
    expect(await search(server.url, `service:${service} seq:[10 TO 19]`)).toHaveLength(10);

    // The stored time is exactly what was sent: nine fraction digits in the local offset.
    const sent = new Map<string, string>();
    for (const r of requests)
      for (const line of r.body.split('\n').filter(Boolean)) {
        const rec = JSON.parse(line);
        sent.set(rec.msg === 'bulk' ? `bulk-${rec.seq}` : rec.msg, rec.time);
      }
    const offset = -new Date().getTimezoneOffset();
    const suffix = offset === 0 ? 'Z' : `${offset < 0 ? '-' : '+'}`;
    for (const r of records) {
      expect(r.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d)$/);
      expect(r.time.includes(suffix)).toBe(true);
      const key = r.message === 'bulk' ? `bulk-${r.attributes.seq}` : r.message;
      expect(r.time).toBe(sent.get(key));
    }
    // Sub-millisecond digits are real, not zero padding.
    expect(records.some((r) => !/\.\d{3}000000/.test(r.time))).toBe(true);
    await log.shutdown();
  });

  it('without the token it reports a 401 that says what to fix, and never throws', async () => {
    const errors: SdkError[] = [];
    const log = createLogger({ url: server.url, service: unique('sdk-noauth'), onError: (e) => errors.push(e) });
    expect(() => log.info('denied')).not.toThrow();
    await log.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'unauthorized', status: 401, records: 1 });
    expect(errors[0]?.message).toMatch(/requires an API token: pass `token`/);
    expect(log.stats()).toMatchObject({ sent: 0, failed: 1, retried: 0 });
    await log.shutdown();
  });

  it('a retry after a lost answer is stored once', async () => {
    const proxy = await lossyProxy(new URL(server.url));
    const service = unique('sdk-lost');
    const errors: SdkError[] = [];
    const log = createLogger({
      url: proxy.url,
      token: TOKEN,
      service,
      retry: { initialBackoffMs: 50 },
      onError: (e) => errors.push(e),
    });
    proxy.dropNextResponse();
    for (let i = 0; i < 30; i++) log.info('once', { seq: i });
    await log.flush();

    expect(proxy.posts).toHaveLength(2);
    const keys = proxy.posts.map((head) => /idempotency-key: *(\S+)/i.exec(head)?.[1]);
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBe(keys[0]);
    expect(log.stats()).toMatchObject({ sent: 30, retried: 30, failed: 0 });
    expect(errors).toEqual([]);
    const records = await search(server.url, `service:${service}`);
    expect(records).toHaveLength(30);
    expect(new Set(records.map((r) => r.attributes.seq)).size).toBe(30);
    await log.shutdown();
    await proxy.close();
  });
});

describe('logger when the server pushes back', () => {
  let full: TestServer;
  beforeAll(async () => {
    // The ingest queue holds 10 records, so every batch of 50 is refused with 429.
    full = await startTestServer({ overrides: { ingest: { queueMaxRecords: 10 } } });
  });
  afterAll(async () => {
    await full?.close();
  });

  it('retries a 429 honouring Retry-After, then gives up and counts; drops past maxQueue', async () => {
    const { f, requests } = observedFetch();
    const errors: SdkError[] = [];
    const log = createLogger({
      url: full.url,
      service: unique('sdk-429'),
      batchSize: 50,
      maxQueue: 100,
      retry: { maxAttempts: 3 },
      fetch: f,
      onError: (e) => errors.push(e),
    });
    expect(() => {
      for (let i = 0; i < 150; i++) log.info('pressure', { seq: i });
    }).not.toThrow();
    // 50 in flight and 50 waiting fill maxQueue; the rest is dropped at once, without blocking.
    expect(log.stats()).toMatchObject({ dropped: 50, queued: 100 });
    await log.flush();

    const first = requests.filter((r) => r.key === requests[0]?.key);
    expect(first.map((r) => r.status)).toEqual([429, 429, 429]);
    // Retry-After: 1 from the server, honoured between attempts (not the 500 ms default backoff).
    for (let i = 1; i < first.length; i++) {
      expect((first[i]?.at ?? 0) - (first[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    }
    expect(log.stats()).toEqual({ sent: 0, dropped: 50, failed: 100, retried: 200, queued: 0 });
    expect(errors.filter((e) => e.code === 'queue_full')).toHaveLength(1); // once per episode, not per record
    expect(errors.filter((e) => e.code === 'retries_exhausted').map((e) => e.status)).toEqual([429, 429]);
    await log.shutdown();
  });
});

describe('logger when the server goes away', () => {
  it('keeps user code safe and shows failures in stats()', async () => {
    const doomed = await startTestServer();
    const errors: SdkError[] = [];
    const log = createLogger({
      url: doomed.url,
      service: unique('sdk-stop'),
      batchSize: 10,
      flushIntervalMs: 20,
      // Short caps keep the test quick; the server's shutdown 503 asks for 5 s.
      retry: { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 100 },
      timeoutMs: 2000,
      onError: (e) => errors.push(e),
    });
    let logged = 0;
    const stream = setInterval(() => {
      log.info('tick', { n: logged });
      logged++;
    }, 5);
    try {
      await eventually(async () => (log.stats().sent >= 20 ? true : undefined), 20_000, 'first records stored');
      await doomed.close();
      const failedBefore = log.stats().failed;
      await eventually(async () => (log.stats().failed > failedBefore ? true : undefined), 20_000, 'failures counted');
    } finally {
      clearInterval(stream);
    }
    await log.shutdown();
    const s = log.stats();
    expect(s.sent).toBeGreaterThanOrEqual(20);
    expect(s.failed).toBeGreaterThan(0);
    expect(s.queued).toBe(0);
    expect(s.sent + s.failed + s.dropped).toBe(logged);
    expect(errors.some((e) => e.code === 'retries_exhausted')).toBe(true);
  });
});

/**
 * Test scaffolding for a network fault, not part of the SDK: a TCP proxy in front of
 * Stellwerk that forwards a request but, when told to, swallows its response and cuts the
 * connection, so the server has stored the batch while the client never hears so.
 */
async function lossyProxy(target: URL): Promise<{
  url: string;
  posts: string[];
  dropNextResponse(): void;
  close(): Promise<void>;
}> {
  const posts: string[] = [];
  let dropNext = false;
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let swallow = false;
    client.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      if (text.startsWith('POST ')) {
        posts.push(text.slice(0, text.indexOf('\r\n\r\n')));
        if (dropNext) {
          dropNext = false;
          swallow = true;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (swallow) {
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const addr = proxy.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    dropNextResponse: () => {
      dropNext = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => resolve());
      }),
  };
}
