import { describe, expect, it } from 'vitest';
import { findFieldsStart, parseLogfmt, unquote } from './logfmt.ts';

describe('parseLogfmt', () => {
  it("parses logrus's logfmt output", () => {
    const p = parseLogfmt('time="2021-01-06T17:44:13-08:00" level=info msg="starting" component=secrets');
    expect(p).toEqual({
      format: 'logfmt',
      ts: { ns: '1609983853000000000', offsetMin: -480 },
      levelRaw: 'info',
      message: 'starting',
      attributes: { component: 'secrets' },
    });
  });

  it.each([
    // [line, expected attributes]
    ['a=1 b=2', { a: 1, b: 2 }],
    ['n=3.5 neg=-2 exp=1e3', { n: 3.5, neg: -2, exp: 1000 }],
    ['ok=true bad=false', { ok: true, bad: false }],
    ['id=007 big=12345678901234567890', { id: '007', big: '12345678901234567890' }],
    ['quoted="42" plain=42', { quoted: '42', plain: 42 }],
    ['empty= other=x', { empty: '', other: 'x' }],
    ['empty_quoted="" other=x', { empty_quoted: '', other: 'x' }],
    ['url=http://x/y?a=b&c=d n=1', { url: 'http://x/y?a=b&c=d', n: 1 }],
    ['a=1 b=2 flag', { a: 1, b: 2, flag: true }],
    ['dur=5ms size=1.5KB', { dur: '5ms', size: '1.5KB' }],
    ['a=1\tb=2', { a: 1, b: 2 }],
    ['a=1   b=2  ', { a: 1, b: 2 }],
    ['k.x=1 k-y=2 k@z=3', { 'k.x': 1, 'k-y': 2, 'k@z': 3 }],
  ])('%s', (line, attributes) => {
    expect(parseLogfmt(line)?.attributes).toEqual(attributes);
  });

  it.each([
    ['msg="say \\"hi\\""', 'say "hi"'],
    ['msg="back\\\\slash"', 'back\\slash'],
    ['msg="line1\\nline2\\ttab"', 'line1\nline2\ttab'],
    ['msg="caf\\u00e9 \\x41"', 'café A'],
    ['msg="unknown \\q escape"', 'unknown \\q escape'],
    ['msg="grüße 日本 🚀"', 'grüße 日本 🚀'],
    ['msg="a=b c=d"', 'a=b c=d'],
    ['msg="unterminated and more', 'unterminated and more'],
    ['msg=unquoted', 'unquoted'],
  ])('message %s', (line, message) => {
    expect(parseLogfmt(line)?.message).toBe(message);
  });

  it('maps the common keys', () => {
    const p = parseLogfmt(
      'ts=1704449472.5 lvl=warn message=hi service=api host=web-1 trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 run_id=run-7',
    );
    expect(p).toMatchObject({
      ts: { ns: '1704449472500000000', offsetMin: 0 },
      levelRaw: 'warn',
      message: 'hi',
      service: 'api',
      host: 'web-1',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      runId: 'run-7',
      attributes: {},
    });
  });

  it('keeps role values verbatim (a numeric-looking msg stays text)', () => {
    expect(parseLogfmt('msg=007 level=30')).toMatchObject({ message: '007', levelRaw: '30' });
  });

  it('splits free text from trailing fields', () => {
    expect(parseLogfmt('GET /api/items 200 duration_ms=5 user=bob')).toEqual({
      format: 'logfmt',
      message: 'GET /api/items 200',
      attributes: { duration_ms: 5, user: 'bob' },
    });
    // text containing `=` and quotes stays text when pairs do not follow it
    expect(parseLogfmt('set x=1 for "a b=c" now a=1 b=2')).toMatchObject({
      message: 'set x=1 for "a b=c" now',
      attributes: { a: 1, b: 2 },
    });
  });

  it('keeps the free text as `prefix` when a msg key exists', () => {
    expect(parseLogfmt('[worker-3] level=info msg="done" n=5')).toMatchObject({
      message: 'done',
      levelRaw: 'info',
      attributes: { prefix: '[worker-3]', n: 5 },
    });
  });

  it.each([
    'just some text',
    'a=1', // one pair and no msg/level: too weak a signal
    'result: x=1 then more words',
    'x == y is true',
    '==',
    '=',
    '"quoted" only',
  ])('auto-detection rejects %j', (line) => {
    expect(parseLogfmt(line)).toBeNull();
  });

  it('accepts anything when forced, never throwing', () => {
    expect(parseLogfmt('a=1', 0, true)?.attributes).toEqual({ a: 1 });
    expect(parseLogfmt('just text', 0, true)?.attributes).toEqual({ just: true, text: true });
    expect(parseLogfmt('debug a=1', 0, true)?.attributes).toEqual({ debug: true, a: 1 });
    expect(parseLogfmt('= "x" =y k=v', 0, true)?.attributes).toEqual({ k: 'v' });
    expect(parseLogfmt('', 0, true)?.attributes).toEqual({});
  });

  it('handles a very long line linearly', () => {
    const line = `${'word a=1 '.repeat(50_000)}tail`; // every candidate fails at the next bare word
    const t0 = performance.now();
    expect(parseLogfmt(line)).toBeNull();
    expect(performance.now() - t0).toBeLessThan(1000);
    const pairs = Array.from({ length: 10_000 }, (_, i) => `k${i}=${i}`).join(' ');
    const p = parseLogfmt(`msg="big" ${pairs}`);
    expect(Object.keys(p?.attributes ?? {})).toHaveLength(10_000);
    expect(p?.attributes.k9999).toBe(9999);
  });
});

describe('findFieldsStart', () => {
  it.each([
    ['http server error error="listen tcp"', 18],
    ['no fields here', -1],
    ['a=1', 0],
    ['x:a=1 b=2', 6], // `x:a` is no key; `b=2` is
    ['msg with "quoted b=c" d=e', 22],
  ])('%s', (line, at) => {
    expect(findFieldsStart(line, 0)).toBe(at);
  });
});

describe('unquote', () => {
  it('returns a slice when there is nothing to unescape', () => {
    expect(unquote('"abc"', 1, 4)).toBe('abc');
    expect(unquote('x\\"y', 0, 4)).toBe('x"y');
  });
});
