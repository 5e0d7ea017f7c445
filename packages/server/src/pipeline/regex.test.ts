import { describe, expect, it } from 'vitest';
import { compileRegexParser } from './regex.ts';

describe('compileRegexParser', () => {
  it('parses nginx access logs with named groups', () => {
    const parse = compileRegexParser(
      String.raw`^(?<client>\S+) \S+ (?<user>\S+) \[(?<time>[^\]]+)\] "(?<method>\S+) (?<path>\S+) \S+" (?<status>\d{3}) (?<bytes>\d+)`,
    );
    const p = parse('127.0.0.1 - frank [06/Jan/2021:17:44:13 -0800] "GET /apache_pb.gif HTTP/1.0" 200 2326');
    expect(p).toEqual({
      format: 'regex',
      ts: { ns: '1609983853000000000', offsetMin: -480 },
      message: '127.0.0.1 - frank [06/Jan/2021:17:44:13 -0800] "GET /apache_pb.gif HTTP/1.0" 200 2326',
      attributes: {
        client: '127.0.0.1',
        user: 'frank',
        method: 'GET',
        path: '/apache_pb.gif',
        status: 200,
        bytes: 2326,
      },
    });
  });

  it('maps time, level, message and ids', () => {
    const parse = compileRegexParser(
      /^(?<ts>\S+) \[(?<level>\w+)\] (?<service>[\w-]+) trace=(?<trace_id>\w+) (?<msg>.*)$/g, // g is ignored
    );
    const line = '2024-01-05T10:11:12.5Z [WARN] billing-api trace=abc123 payment retried';
    const expected = {
      ts: { ns: '1704449472500000000', offsetMin: 0 },
      levelRaw: 'WARN',
      service: 'billing-api',
      traceId: 'abc123',
      message: 'payment retried',
      attributes: {},
    };
    expect(parse(line)).toMatchObject(expected);
    // stateless across calls despite the g flag
    expect(parse(line)).toMatchObject(expected);
  });

  it('skips optional groups that did not participate and keeps an unreadable time', () => {
    const parse = compileRegexParser(/^(?<time>\S+) (?<msg>[^|]*)(?:\|(?<extra>.*))?$/);
    expect(parse('later hello')).toMatchObject({ ts: undefined, message: 'hello', attributes: { time: 'later' } });
    expect(parse('later hello|007')?.attributes).toEqual({ time: 'later', extra: '007' });
  });

  it('returns null when the line does not match', () => {
    expect(compileRegexParser('^(?<a>\\d+)$')('abc')).toBeNull();
  });

  it('rejects patterns without named groups or invalid syntax at compile time', () => {
    expect(() => compileRegexParser('^(\\d+)$')).toThrow(/named groups/);
    expect(() => compileRegexParser('(?<=x)y')).toThrow(/named groups/);
    expect(() => compileRegexParser('(?<a>')).toThrow(SyntaxError);
  });
});
