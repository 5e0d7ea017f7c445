import { describe, expect, it } from 'vitest';
import { parseJsonLine, parseJsonObject, quoteBigInts } from './json.ts';

describe('parseJsonLine', () => {
  it('parses a pino line (epoch ms, numeric level)', () => {
    const p = parseJsonLine(
      '{"level":30,"time":1704449472123,"pid":4242,"hostname":"web-1","msg":"request completed","req":{"method":"GET","url":"/v1/items"},"responseTime":12.5}',
    );
    expect(p).toEqual({
      format: 'json',
      ts: { ns: '1704449472123000000', offsetMin: 0 },
      levelRaw: '30',
      message: 'request completed',
      host: 'web-1',
      attributes: { pid: 4242, 'req.method': 'GET', 'req.url': '/v1/items', responseTime: 12.5 },
    });
  });

  it('parses a zap line (float seconds, caller)', () => {
    const p = parseJsonLine(
      '{"level":"error","ts":1704449472.1234567,"caller":"server/main.go:42","msg":"listen failed","error":"bind: address already in use"}',
    );
    expect(p).toMatchObject({
      ts: { ns: '1704449472123456700', offsetMin: 0 },
      levelRaw: 'error',
      message: 'listen failed',
      attributes: { caller: 'server/main.go:42', error: 'bind: address already in use' },
    });
  });

  it('parses an slog / bunyan-style line with an RFC 3339 time and offset', () => {
    const p = parseJsonLine(
      '{"time":"2021-01-06T17:44:13.368024402-08:00","level":"INFO","msg":"starting *secrets.YamlSecrets","service":"secrets"}',
    );
    expect(p).toMatchObject({
      ts: { ns: '1609983853368024402', offsetMin: -480 },
      levelRaw: 'INFO',
      message: 'starting *secrets.YamlSecrets',
      service: 'secrets',
    });
  });

  it('maps ECS / OpenTelemetry-style nested keys', () => {
    const p = parseJsonLine(
      '{"@timestamp":"2024-01-05T10:11:12.345Z","log":{"level":"warn","logger":"app"},"message":"slow","service":{"name":"checkout","version":"1.2"},"host":{"name":"node-3","ip":"10.0.0.3"},"trace":{"id":"abc"},"span":{"id":"def"}}',
    );
    expect(p).toEqual({
      format: 'json',
      ts: { ns: '1704449472345000000', offsetMin: 0 },
      levelRaw: 'warn',
      message: 'slow',
      service: 'checkout',
      host: 'node-3',
      traceId: 'abc',
      spanId: 'def',
      attributes: { 'log.logger': 'app', 'service.version': '1.2', 'host.ip': '10.0.0.3' },
    });
  });

  it('takes the message from Docker json-file lines and drops the newline', () => {
    const p = parseJsonLine(
      '{"log":"hello from the container\\n","stream":"stderr","time":"2024-01-05T10:11:12.000000001Z"}',
    );
    expect(p).toMatchObject({
      message: 'hello from the container',
      ts: { ns: '1704449472000000001', offsetMin: 0 },
      attributes: { stream: 'stderr' },
    });
  });

  it('uses structlog `event` as message only when there is no msg/message', () => {
    expect(parseJsonLine('{"event":"epoch done","level":"info","epoch":3,"run_id":"r1"}')).toMatchObject({
      message: 'epoch done',
      runId: 'r1',
      attributes: { epoch: 3 },
    });
    expect(parseJsonLine('{"event":"login","msg":"user logged in"}')).toMatchObject({
      message: 'user logged in',
      attributes: { event: 'login' },
    });
  });

  it('flattens nesting, stringifies arrays, keeps types, drops null', () => {
    const p = parseJsonLine(
      '{"msg":"x","a":{"b":{"c":1,"d":[1,"two",{"x":null}]},"e":true},"n":null,"f":-0.25,"s":"","empty":{},"arr":[]}',
    );
    expect(p?.attributes).toEqual({
      'a.b.c': 1,
      'a.b.d': '[1,"two",{"x":null}]',
      'a.e': true,
      f: -0.25,
      s: '',
      arr: '[]',
    });
  });

  it('keeps integers beyond 2^53 exactly, as strings', () => {
    const p = parseJsonLine(
      '{"msg":"x","dd":{"trace_id":12345678901234567890,"span_id":9007199254740993},"small":9007199254740991,"neg":-9223372036854775808,"f":1.5e300,"t":"12345678901234567890"}',
    );
    expect(p?.traceId).toBe('12345678901234567890');
    expect(p?.spanId).toBe('9007199254740993');
    expect(p?.attributes).toEqual({
      small: 9007199254740991,
      neg: '-9223372036854775808',
      f: 1.5e300,
      t: '12345678901234567890',
    });
  });

  it('reads an epoch-ns number exactly', () => {
    expect(parseJsonLine('{"ts":1704449472123456789,"msg":"x"}')?.ts).toEqual({
      ns: '1704449472123456789',
      offsetMin: 0,
    });
  });

  it('cuts very deep nesting off as a JSON string', () => {
    const deep = `{"msg":"x","a":${'{"b":'.repeat(20)}1${'}'.repeat(20)}}`;
    const attrs = parseJsonLine(deep)?.attributes ?? {};
    const [key] = Object.keys(attrs);
    expect(key?.split('.').length).toBe(9); // a + 8 levels of b
    expect(typeof attrs[key ?? '']).toBe('string');
  });

  it('keeps odd keys and values', () => {
    const p = parseJsonLine(
      '{"__proto__":{"polluted":1},"constructor":"c","ключ":"значение 🚀","":"empty key","a.b":1}',
    );
    expect(p?.attributes).toEqual({
      '__proto__.polluted': 1,
      constructor: 'c',
      ключ: 'значение 🚀',
      '': 'empty key',
      'a.b': 1,
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('handles unparseable time and non-string roles', () => {
    expect(parseJsonLine('{"time":"soon","msg":42,"service":true,"level":"warn"}')).toMatchObject({
      ts: undefined,
      message: '42',
      levelRaw: 'warn',
      service: undefined,
      attributes: { time: 'soon', service: true },
    });
  });

  it.each(['{', '{"a":1', '{"a":1}}', '[1,2]', '"str"', '{a:1}', '', 'null'])('returns null for %j', (line) => {
    expect(parseJsonLine(line)).toBeNull();
  });
});

describe('parseJsonObject', () => {
  it('maps an already decoded object the same way', () => {
    expect(parseJsonObject({ level: 'info', msg: 'hi', nested: { k: 1 } })).toMatchObject({
      format: 'json',
      levelRaw: 'info',
      message: 'hi',
      attributes: { 'nested.k': 1 },
    });
  });
});

describe('quoteBigInts', () => {
  it('quotes only unsafe integer literals outside strings', () => {
    expect(
      quoteBigInts(
        '{"a":12345678901234567890,"b":"12345678901234567890","c":[99999999999999999],"d":1.2345678901234567e30}',
      ),
    ).toBe(
      '{"a":"12345678901234567890","b":"12345678901234567890","c":["99999999999999999"],"d":1.2345678901234567e30}',
    );
    expect(quoteBigInts('{"s":"esc \\" 12345678901234567890","n":1}')).toBe(
      '{"s":"esc \\" 12345678901234567890","n":1}',
    );
  });
});
