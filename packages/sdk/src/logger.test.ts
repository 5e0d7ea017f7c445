import { describe, expect, it } from 'vitest';
import { createClock, formatLocalTime } from './clock.ts';
import { rateLimitedWarner, SdkError } from './errors.ts';
import { createLogger, encodeRecord, normalizeAttributes } from './logger.ts';

const ctx = { service: 'api', host: 'h1', runId: undefined };

describe('encodeRecord', () => {
  it('writes the SDK keys first and keeps attribute types', () => {
    const line = encodeRecord(ctx, '1700000000123456789', 'warn', 'slow', { region: 'eu' }, { ms: 12.5, ok: true });
    const rec = JSON.parse(line);
    expect(Object.keys(rec).slice(0, 5)).toEqual(['time', 'level', 'msg', 'service', 'host']);
    expect(rec).toMatchObject({
      level: 'warn',
      msg: 'slow',
      service: 'api',
      host: 'h1',
      region: 'eu',
      ms: 12.5,
      ok: true,
    });
    expect(rec.time).toMatch(/^2023-11-14T\d\d:\d\d:20\.123456789(Z|[+-]\d\d:\d\d)$/);
  });

  it('renames attributes that would collide with the SDK keys, and adds run_id when set', () => {
    const rec = JSON.parse(
      encodeRecord({ ...ctx, runId: 'r1' }, '1000000000', 'info', 'm', {}, { level: 3, msg: 'x', time: 't' }),
    );
    expect(rec).toMatchObject({
      level: 'info',
      msg: 'm',
      run_id: 'r1',
      'attr.level': 3,
      'attr.msg': 'x',
      'attr.time': 't',
    });
  });

  it('turns an Error message into msg plus error.* attributes', () => {
    const err = new RangeError('out of range');
    const rec = JSON.parse(encodeRecord(ctx, '1000000000', 'error', err, {}, undefined));
    expect(rec.msg).toBe('out of range');
    expect(rec['error.type']).toBe('RangeError');
    expect(rec['error.message']).toBe('out of range');
    expect(rec['error.stack']).toContain('RangeError: out of range');
  });
});

describe('normalizeAttributes', () => {
  it('types values, expands Errors, flattens objects, and drops what JSON cannot carry', () => {
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    const out = normalizeAttributes(
      {
        n: 1,
        f: 0.25,
        s: '007',
        b: false,
        nan: Number.NaN,
        big: 12345678901234567890n,
        when: new Date('2024-01-02T03:04:05.678Z'),
        err: new TypeError('bad'),
        cause: new Error('inner'),
        http: { status: 503, path: '/x' },
        list: [1, 'a'],
        nil: null,
        undef: undefined,
        fn: () => 1,
        deep: { a: { b: { c: { d: { e: { f: 1 } } } } } },
        cycle: [cyc],
      },
      {},
    );
    expect(out).toMatchObject({
      n: 1,
      f: 0.25,
      s: '007',
      b: false,
      nan: 'NaN',
      big: '12345678901234567890',
      when: '2024-01-02T03:04:05.678Z',
      'error.type': 'TypeError',
      'error.message': 'bad',
      'cause.type': 'Error',
      'cause.message': 'inner',
      'http.status': 503,
      'http.path': '/x',
      list: '[1,"a"]',
      'deep.a.b.c.d': '{"e":{"f":1}}',
      cycle: '[unserializable]',
    });
    expect(out).not.toHaveProperty('nil');
    expect(out).not.toHaveProperty('undef');
    expect(out).not.toHaveProperty('fn');
  });
});

describe('clock', () => {
  it('has sub-millisecond digits and follows the wall clock', () => {
    let p = 0.000123;
    const clock = createClock({ timeOrigin: 1_700_000_000_000, now: () => p }, () => 1_700_000_000_000);
    expect(clock()).toBe('1700000000000000123');
    p = 1.5;
    expect(clock()).toBe('1700000000001500000');
  });

  it('re-anchors when the monotonic clock drifts from the wall clock', () => {
    let wall = 1_700_000_000_000;
    const clock = createClock({ timeOrigin: wall, now: () => 10 }, () => wall);
    wall += 5000; // the wall clock jumped (NTP); 10 ms on the monotonic one
    expect(Number(clock().slice(0, -6))).toBe(wall);
  });

  it('formats in the local offset with nine fraction digits', () => {
    const t = formatLocalTime('1700000000123456789');
    const offset = -new Date(1_700_000_000_123).getTimezoneOffset();
    expect(t).toMatch(/\.123456789(Z|[+-]\d\d:\d\d)$/);
    if (offset === 0) expect(t).toBe('2023-11-14T22:13:20.123456789Z');
  });
});

describe('rateLimitedWarner', () => {
  it('warns once per distinct problem per interval and counts the rest', () => {
    const lines: string[] = [];
    let now = 0;
    const warn = rateLimitedWarner(
      1000,
      (l) => lines.push(l),
      () => now,
    );
    const e401 = new SdkError('unauthorized', 'needs token', { status: 401 });
    warn(e401);
    warn(e401);
    warn(new SdkError('queue_full', 'full'));
    now = 1500;
    warn(e401);
    expect(lines).toEqual([
      '[stellwerk-sdk] needs token',
      '[stellwerk-sdk] full',
      '[stellwerk-sdk] needs token (1 similar in the last 1 s)',
    ]);
  });
});

describe('createLogger', () => {
  it('never throws into user code, whatever it is given', async () => {
    const errors: SdkError[] = [];
    const log = createLogger({
      url: 'http://127.0.0.1:9', // nothing listens on the discard port
      service: 's',
      onError: (e) => errors.push(e),
      retry: { maxAttempts: 1 },
      fetch: (async () => {
        throw new TypeError('fetch failed');
      }) as unknown as typeof fetch,
    });
    const child = log.child({ component: 'db' });
    expect(() => {
      log.info('x', { a: 1 });
      log.log('nope' as never, 'bad level');
      child.error(new Error('boom'));
      log.fatal(undefined as never);
    }).not.toThrow();
    await log.shutdown();
    expect(log.stats()).toMatchObject({ failed: 3, queued: 0 });
    expect(errors.map((e) => e.code)).toContain('encode');
    expect(errors.map((e) => e.code)).toContain('retries_exhausted');
    log.info('after shutdown');
    expect(log.stats().dropped).toBe(1);
  });

  it('skips records below the configured level', async () => {
    const bodies: string[] = [];
    const log = createLogger({
      url: 'http://stw',
      service: 's',
      host: 'h',
      level: 'info',
      fetch: (async (_u: string, init: RequestInit) => {
        bodies.push(String(init.body));
        return new Response('{"accepted":1,"rejected":0}');
      }) as unknown as typeof fetch,
    });
    log.debug('hidden');
    log.info('shown');
    await log.flush();
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toContain('"msg":"shown"');
    expect(bodies[0]?.endsWith('\n')).toBe(true);
    await log.shutdown();
  });
});
