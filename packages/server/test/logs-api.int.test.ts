import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { eventually, get, post } from './http.ts';

// The seed article's Abb. 1 lines, exactly.
const SEED = [
  'INFO[2021-01-06T17:44:13.368024402-08:00] starting *secrets.YamlSecrets',
  'ERROR[2021-01-06T17:44:13.368393051-08:00] http server error error="listen tcp 127.0.0.1:6060: bind: address already in use"',
];
const ALL_TIME = 'from=0&to=now%2B1d';

let server: TestServer;
let base: string;

beforeAll(async () => {
  // Old seed timestamps must survive retention for these tests.
  server = await startTestServer({ overrides: { retention: { logs: '10000d' } } });
  base = server.url;
});
afterAll(async () => {
  await server?.close();
});

async function search(query: string, extra = ''): Promise<any> {
  const r = await get(`${base}/api/v1/logs?query=${encodeURIComponent(query)}&${ALL_TIME}${extra}`);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json;
}

describe('logs end to end on the embedded engine', () => {
  it('stores the seed lines as parsed records, with nanoseconds and offset', async () => {
    const r = await post(`${base}/api/v1/logs?service=seed&host=laptop`, SEED.join('\n'), {
      'content-type': 'text/plain',
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ accepted: 2, rejected: 0 });
    const { records } = await search('service:seed');
    expect(records).toHaveLength(2);
    const [error, info] = records;
    expect(error).toMatchObject({
      time: '2021-01-06T17:44:13.368393051-08:00',
      level: 'error',
      levelRaw: 'ERROR',
      service: 'seed',
      host: 'laptop',
      message: 'http server error',
      attributes: { error: 'listen tcp 127.0.0.1:6060: bind: address already in use' },
    });
    expect(info).toMatchObject({
      time: '2021-01-06T17:44:13.368024402-08:00',
      level: 'info',
      message: 'starting *secrets.YamlSecrets',
    });
  });

  it('takes JSON objects, arrays and NDJSON, gzip and deflate', async () => {
    const now = new Date().toISOString();
    const one = JSON.stringify({ time: now, level: 'warn', msg: 'json one', service: 'fmt', status: 503 });
    const arr = JSON.stringify([{ time: now, level: 'info', msg: 'json arr', service: 'fmt' }]);
    const nd = `${JSON.stringify({ time: now, level: 'debug', msg: 'nd a', service: 'fmt' })}\n${JSON.stringify({ time: now, level: 'info', msg: 'nd b', service: 'fmt' })}\n`;
    expect((await post(`${base}/api/v1/logs`, one, { 'content-type': 'application/json' })).status).toBe(200);
    expect(
      (
        await post(`${base}/api/v1/logs`, gzipSync(arr), {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        })
      ).status,
    ).toBe(200);
    const r = await post(`${base}/api/v1/logs`, deflateSync(nd), {
      'content-type': 'application/x-ndjson',
      'content-encoding': 'deflate',
    });
    expect(r.json).toEqual({ accepted: 2, rejected: 0 });
    const { records } = await search('service:fmt');
    expect(records.map((x: any) => x.message).sort()).toEqual(['json arr', 'json one', 'nd a', 'nd b']);
    // Typed attributes: numbers compare as numbers.
    expect((await search('service:fmt status>=500')).records.map((x: any) => x.message)).toEqual(['json one']);
    expect((await search('service:fmt status>503')).records).toEqual([]);
  });

  it('stores the valid records of a mixed batch and names the bad lines', async () => {
    const lines = ['{"msg":"good 1","service":"mixed"}', '{"msg": broken', '{"msg":"good 2","service":"mixed"}', '42'];
    const r = await post(`${base}/api/v1/logs`, lines.join('\n'), { 'content-type': 'application/x-ndjson' });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.json).toMatchObject({ code: 'STW_ERR_INVALID_RECORD', accepted: 2, rejected: 2 });
    expect(r.json.errors.map((e: any) => e.line)).toEqual([2, 4]);
    expect(r.json.detail).toMatch(/line 2/);
    expect((await search('service:mixed')).records).toHaveLength(2);
  });

  it('stores nothing of a mixed batch with atomic=true', async () => {
    const lines = ['{"msg":"atomic good","service":"atomic"}', 'not json'];
    const r = await post(`${base}/api/v1/logs?atomic=true`, lines.join('\n'), {
      'content-type': 'application/x-ndjson',
    });
    expect(r.status).toBe(400);
    expect(r.json.accepted).toBe(0);
    expect((await search('service:atomic')).records).toHaveLength(0);
  });

  it('rejects corrupt gzip, unknown encodings and over-large bodies with a clear 4xx', async () => {
    const bad = await post(`${base}/api/v1/logs`, Buffer.from('not gzip'), { 'content-encoding': 'gzip' });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('STW_ERR_BAD_ENCODING');
    const unknown = await post(`${base}/api/v1/logs`, 'x', { 'content-encoding': 'zstd' });
    expect(unknown.json.detail).toMatch(/zstd.*not supported/);
  });

  it('pages through results with a cursor, newest first, without gaps or repeats', async () => {
    const t0 = Date.UTC(2024, 0, 1);
    // 250 records, some sharing a timestamp, to exercise the tie-breaker.
    const lines = Array.from({ length: 250 }, (_, i) =>
      JSON.stringify({
        ts: new Date(t0 + Math.floor(i / 3) * 1000).toISOString(),
        msg: `page ${i}`,
        service: 'paging',
        i,
      }),
    );
    expect(
      (await post(`${base}/api/v1/logs`, lines.join('\n'), { 'content-type': 'application/x-ndjson' })).status,
    ).toBe(200);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await search('service:paging', `&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.records.map((r: any) => r.attributes.i));
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    const times = (await search('service:paging', '&limit=1000')).records.map((r: any) => r.time);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('answers histogram and facets for the same query', async () => {
    const h = await get(
      `${base}/api/v1/logs/histogram?query=service:paging&from=${Date.UTC(2024, 0, 1)}&to=${Date.UTC(2024, 0, 1, 0, 2)}&buckets=12`,
    );
    expect(h.status).toBe(200);
    expect(h.json.total).toBe(250);
    expect(h.json.stepMs).toBe(10_000);
    expect(h.json.buckets).toHaveLength(12);
    expect(h.json.buckets.reduce((s: number, b: any) => s + b.count, 0)).toBe(250);
    const f = await get(`${base}/api/v1/logs/facets?query=&${ALL_TIME}&field=service&limit=3`);
    expect(f.json.values[0]).toEqual({ value: 'paging', count: 250 });
    const lf = await get(`${base}/api/v1/logs/facets?query=service:fmt&${ALL_TIME}&field=level`);
    expect(lf.json.values.map((v: any) => v.value).sort()).toEqual(['debug', 'info', 'warn']);
  });

  it('explains a bad query', async () => {
    const r = await get(`${base}/api/v1/logs?query=${encodeURIComponent('(level:error')}&${ALL_TIME}`);
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('STW_ERR_BAD_QUERY');
    expect(typeof r.json.position).toBe('number');
  });

  it('deduplicates a resent request with the same Idempotency-Key', async () => {
    const body = '{"msg":"once","service":"idem"}\n{"msg":"twice?","service":"idem"}';
    const headers = { 'content-type': 'application/x-ndjson', 'idempotency-key': 'req-42' };
    expect((await post(`${base}/api/v1/logs`, body, headers)).status).toBe(200);
    expect((await post(`${base}/api/v1/logs`, body, headers)).status).toBe(200);
    expect((await search('service:idem')).records).toHaveLength(2);
    // Without the key a resend is a new request.
    expect((await post(`${base}/api/v1/logs`, body, { 'content-type': 'application/x-ndjson' })).status).toBe(200);
    expect((await search('service:idem')).records).toHaveLength(4);
  });

  it('streams new matching records on the live tail', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/api/v1/logs/tail?query=${encodeURIComponent('service:tail level:error')}`, {
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    await post(`${base}/api/v1/logs?service=tail`, 'level=info msg="not this"\nlevel=error msg="tail me"');
    const record = await eventually(
      async () => {
        const { value } = await reader.read();
        text += decoder.decode(value);
        const m = /data: (.*)\n\n/.exec(text);
        return m ? JSON.parse(m[1] as string) : undefined;
      },
      20_000,
      'a tailed record',
    );
    expect(record).toMatchObject({ message: 'tail me', level: 'error', service: 'tail' });
    controller.abort();
  });

  it('shows retention as configured and as applied to the store', async () => {
    const r = await get(`${base}/api/v1/settings/retention`);
    expect(r.json).toEqual({
      logs: '10000d',
      metrics: '15d',
      metrics1m: '90d',
      metrics1h: '730d',
      metrics1d: '1825d',
      applied: {
        logs: `${10000 * 86400}s`,
        metrics: `${15 * 86400}s`,
        metrics1m: `${90 * 86400}s`,
        metrics1h: `${730 * 86400}s`,
        metrics1d: `${1825 * 86400}s`,
      },
    });
  });

  it('rejects records older than retention instead of losing them silently', async () => {
    const old = await startTestServer({ overrides: { retention: { logs: '1d' } } });
    try {
      const lines = [
        `{"msg":"fresh","ts":"${new Date().toISOString()}"}`,
        '{"msg":"ancient","ts":"2020-01-01T00:00:00Z"}',
      ];
      const r = await post(`${old.url}/api/v1/logs?service=ret`, lines.join('\n'), {
        'content-type': 'application/x-ndjson',
      });
      expect(r.status).toBe(400);
      expect(r.json.accepted).toBe(1);
      expect(r.json.errors[0]).toMatchObject({ line: 2 });
      expect(r.json.errors[0].reason).toMatch(/older than the logs retention/);
    } finally {
      await old.close();
    }
  });

  it('counts what it received and stored on /metrics', async () => {
    const res = await fetch(`${base}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toContain('text/plain');
    const stored = /stellwerk_records_stored_total\{kind="logs"\} (\d+)/.exec(text);
    expect(Number(stored?.[1])).toBeGreaterThan(250);
    expect(text).toMatch(/stellwerk_records_rejected_total\{receiver="http",reason="invalid"\} \d+/);
    expect(text).toMatch(/stellwerk_store_insert_seconds_bucket/);
  });

  it('answers health and readiness', async () => {
    expect((await get(`${base}/healthz`)).json.status).toBe('ok');
    expect((await get(`${base}/readyz`)).status).toBe(200);
  });
});

describe('auth and limits', () => {
  let guarded: TestServer;
  const INGEST = 'ingest-only-token-123456';
  const ADMIN = 'admin-token-1234567890ab';
  beforeAll(async () => {
    guarded = await startTestServer({
      overrides: {
        auth: {
          tokens: [
            { name: 'shipper', token: INGEST, scopes: ['ingest'] },
            { name: 'ops', token: ADMIN, scopes: ['admin'] },
          ],
        },
        ingest: { queueMaxRecords: 10, maxBodyBytes: 4096 },
      },
    });
  });
  afterAll(async () => {
    await guarded?.close();
  });

  it('401 without a token, 403 with the wrong scope, 200 with the right one', async () => {
    const noToken = await get(`${guarded.url}/api/v1/logs`);
    expect(noToken.status).toBe(401);
    expect(noToken.json.code).toBe('STW_ERR_UNAUTHORIZED');
    const wrongScope = await get(`${guarded.url}/api/v1/logs`, { authorization: `Bearer ${INGEST}` });
    expect(wrongScope.status).toBe(403);
    expect(wrongScope.json.detail).toMatch(/"read" scope/);
    const ingest = await post(`${guarded.url}/api/v1/logs?service=a`, 'hello', { authorization: `Bearer ${INGEST}` });
    expect(ingest.status).toBe(200);
    const basic = `Basic ${Buffer.from(`user:${ADMIN}`).toString('base64')}`;
    expect((await get(`${guarded.url}/api/v1/logs`, { authorization: basic })).status).toBe(200);
    expect((await get(`${guarded.url}/healthz`)).status).toBe(200);
  });

  it('answers 429 with Retry-After when the ingest queue is full', async () => {
    const lines = Array.from({ length: 11 }, (_, i) => `line ${i}`).join('\n');
    const r = await post(`${guarded.url}/api/v1/logs`, lines, { authorization: `Bearer ${INGEST}` });
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(r.json.code).toBe('STW_ERR_OVERLOADED');
  });

  it('answers 413 over the body limit, also after decompression', async () => {
    const big = 'x'.repeat(5000);
    expect((await post(`${guarded.url}/api/v1/logs`, big, { authorization: `Bearer ${INGEST}` })).status).toBe(413);
    const bomb = await post(`${guarded.url}/api/v1/logs`, gzipSync(big), {
      authorization: `Bearer ${INGEST}`,
      'content-encoding': 'gzip',
    });
    expect(bomb.status).toBe(413);
    expect(bomb.json.detail).toMatch(/decompressed/);
  });
});
