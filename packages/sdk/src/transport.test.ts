import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  type ClassifyContext,
  classifyError,
  classifyResponse,
  createHttpTransport,
  DEFAULT_RETRY,
  parseRetryAfter,
} from './transport.ts';

const policy = { maxAttempts: 5, initialBackoffMs: 500, maxBackoffMs: 30_000 };
const ctx = (over: Partial<ClassifyContext> = {}): ClassifyContext => ({
  attempt: 1,
  policy,
  tokenConfigured: false,
  url: 'http://stw',
  records: 10,
  random: () => 1,
  nowMs: Date.parse('2025-01-01T00:00:00Z'),
  ...over,
});

describe('backoffMs', () => {
  it('doubles per attempt, with jitter between half and all of the step, and caps', () => {
    expect(backoffMs(1, policy, () => 1)).toBe(500);
    expect(backoffMs(1, policy, () => 0)).toBe(250);
    expect(backoffMs(2, policy, () => 1)).toBe(1000);
    expect(backoffMs(4, policy, () => 0.5)).toBe(3000);
    expect(backoffMs(20, policy, () => 1)).toBe(30_000);
    expect(backoffMs(20, policy, () => 0)).toBe(15_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    ['3', 3000],
    [' 0 ', 0],
    ['Wed, 01 Jan 2025 00:00:07 GMT', 7000],
    ['Tue, 31 Dec 2024 23:59:00 GMT', 0], // a date in the past means now
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
    ['-1', undefined],
  ])('%j → %j ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});

describe('classifyResponse', () => {
  it('2xx is success with the accepted count', () => {
    expect(classifyResponse(200, null, { accepted: 10, rejected: 0 }, ctx())).toEqual({
      kind: 'success',
      accepted: 10,
    });
  });

  it.each([429, 502, 503, 504, 507])('%i is retryable and honours Retry-After seconds', (status) => {
    const r = classifyResponse(status, '2', { code: 'X', detail: 'busy' }, ctx());
    expect(r).toMatchObject({ kind: 'retryable', retryAfterMs: 2000, status });
  });

  it('honours Retry-After as an HTTP date', () => {
    const r = classifyResponse(503, 'Wed, 01 Jan 2025 00:00:04 GMT', {}, ctx());
    expect(r).toMatchObject({ kind: 'retryable', retryAfterMs: 4000 });
  });

  it('without Retry-After backs off exponentially; a huge Retry-After is capped', () => {
    expect(classifyResponse(503, null, {}, ctx({ attempt: 3 }))).toMatchObject({ retryAfterMs: 2000 });
    expect(classifyResponse(429, '86400', {}, ctx())).toMatchObject({ retryAfterMs: 30_000 });
  });

  it('401 without a token says to configure one; with a token says it was not accepted', () => {
    const none = classifyResponse(401, null, { detail: 'A valid API token is required' }, ctx());
    expect(none.kind).toBe('failure');
    if (none.kind !== 'failure') return;
    expect(none.error.code).toBe('unauthorized');
    expect(none.error.message).toMatch(/pass `token`/);
    const wrong = classifyResponse(401, null, {}, ctx({ tokenConfigured: true }));
    expect(wrong.kind === 'failure' && wrong.error.message).toMatch(/was not accepted/);
  });

  it('403 names the scope to use', () => {
    const r = classifyResponse(403, null, {}, ctx());
    expect(r).toMatchObject({ kind: 'failure', status: 403 });
    expect(r.kind === 'failure' && r.error.code).toBe('forbidden');
    expect(r.kind === 'failure' && r.error.message).toMatch(/ingest/);
  });

  it('400 with partial acceptance is a failure that reports the rejected lines and the stored count', () => {
    const body = {
      code: 'STW_ERR_INVALID_RECORD',
      accepted: 8,
      rejected: 2,
      errors: [
        { line: 3, reason: 'too many attributes' },
        { line: 7, reason: 'older than retention' },
      ],
    };
    const r = classifyResponse(400, null, body, ctx());
    expect(r).toMatchObject({ kind: 'failure', accepted: 8, rejected: 2, status: 400 });
    if (r.kind !== 'failure') return;
    expect(r.error.code).toBe('rejected');
    expect(r.error.rejected).toEqual(body.errors);
    expect(r.error.message).toMatch(/line 3: too many attributes/);
  });

  it.each([400, 404, 413, 500])('%i otherwise is a plain failure (not resent)', (status) => {
    expect(classifyResponse(status, '1', { code: 'STW_ERR_BAD_REQUEST' }, ctx()).kind).toBe('failure');
  });
});

describe('classifyError', () => {
  it('network errors and timeouts are retryable with backoff', () => {
    const net = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const r = classifyError(net, { ...ctx({ attempt: 2 }), callerAborted: false });
    expect(r).toMatchObject({ kind: 'retryable', retryAfterMs: 1000 });
    expect(r.kind === 'retryable' && r.error.message).toMatch(/ECONNREFUSED/);
    const timeout = new DOMException('timed out', 'TimeoutError');
    expect(classifyError(timeout, { ...ctx(), callerAborted: false })).toMatchObject({
      kind: 'retryable',
      error: { code: 'timeout' },
    });
  });

  it("the caller's own abort is final", () => {
    const r = classifyError(new DOMException('aborted', 'AbortError'), { ...ctx(), callerAborted: true });
    expect(r).toMatchObject({ kind: 'failure', error: { code: 'aborted' } });
  });
});

describe('createHttpTransport', () => {
  function recordingFetch(answers: Array<() => Response | Promise<Response>>) {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const f = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      const next = answers.shift();
      if (!next) throw new Error('no more answers');
      return next();
    }) as unknown as typeof fetch;
    return { f, calls };
  }

  it('keeps the Idempotency-Key and body across retries of one batch, and sends the bearer token', async () => {
    const { f, calls } = recordingFetch([
      () => {
        throw new TypeError('fetch failed');
      },
      () => new Response('{"accepted":1,"rejected":0}', { status: 200 }),
    ]);
    const t = createHttpTransport({ url: 'http://stw/', token: 's3cret', fetch: f, gzip: null });
    const req = await t.prepare({
      path: '/api/v1/logs',
      contentType: 'application/x-ndjson',
      body: '{}\n',
      records: 1,
    });
    expect((await t.send(req, { attempt: 1 })).kind).toBe('retryable');
    expect((await t.send(req, { attempt: 2 })).kind).toBe('success');
    const keys = calls.map((c) => (c.init.headers as Record<string, string>)['idempotency-key']);
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBe(keys[0]);
    expect(calls[0]?.url).toBe('http://stw/api/v1/logs');
    expect((calls[0]?.init.headers as Record<string, string> | undefined)?.authorization).toBe('Bearer s3cret');
    const other = await t.prepare({ path: '/api/v1/logs', contentType: 'x', body: '{}\n', records: 1 });
    expect(other.idempotencyKey).not.toBe(req.idempotencyKey);
  });

  it('gzips bodies above the threshold only', async () => {
    const t = createHttpTransport({ url: 'http://stw', gzipMinBytes: 100 });
    const small = await t.prepare({ path: '/p', contentType: 'x', body: 'a'.repeat(99), records: 1 });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.body).toBe('a'.repeat(99));
    const big = await t.prepare({
      path: '/p',
      query: { 'resource.k': 'v w' },
      contentType: 'x',
      body: 'b'.repeat(100),
      records: 1,
    });
    expect(big.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(big.body as Uint8Array).toString()).toBe('b'.repeat(100));
    expect(big.url).toBe('http://stw/p?resource.k=v+w');
  });

  it('times out a request that gets no answer, as retryable', async () => {
    const hang = ((_u: string, init: RequestInit) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as unknown as typeof fetch;
    const t = createHttpTransport({ url: 'http://stw', fetch: hang, timeoutMs: 20 });
    const req = await t.prepare({ path: '/p', contentType: 'x', body: '{}', records: 1 });
    expect(await t.send(req, { attempt: 1 })).toMatchObject({ kind: 'retryable', error: { code: 'timeout' } });
    const stop = new AbortController();
    const pending = t.send(req, { attempt: 1, signal: stop.signal });
    stop.abort();
    expect(await pending).toMatchObject({ kind: 'failure', error: { code: 'aborted' } });
  });

  it('has sane defaults', () => {
    expect(createHttpTransport({ url: 'http://x' }).retry).toEqual(DEFAULT_RETRY);
  });
});
