import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect.ts';
import { parseLine, stripAnsi } from './parse-line.ts';
import { formatRfc3339Nano } from './time.ts';

// Verbatim from the seed article (Abb. 1: "Ereignisprotokolle in Textform").
const SEED = [
  'INFO[2021-01-06T17:44:13.368024402-08:00] starting *secrets.YamlSecrets',
  'INFO[2021-01-06T17:44:13.368679356-08:00] starting *config.YamlConfig',
  'INFO[2021-01-06T17:44:13.369046236-08:00] starting *s3.DefaultService',
  'INFO[2021-01-06T17:44:13.369518352-08:00] starting *lambda.DefaultService',
  'ERROR[2021-01-06T17:44:13.369694698-08:00] http server error error="listen tcp 127.0.0.1:6060: bind: address already in use"',
];

describe('seed article lines', () => {
  it('parses the first line exactly', () => {
    // 2021-01-06T17:44:13-08:00 = 2021-01-07T01:44:13Z = 1609983853 s since the epoch
    expect(parseLine(SEED[0] ?? '')).toEqual({
      format: 'logrus',
      ts: { ns: '1609983853368024402', offsetMin: -480 },
      levelRaw: 'INFO',
      message: 'starting *secrets.YamlSecrets',
      attributes: {},
    });
  });

  it('parses the error line with its field', () => {
    expect(parseLine(SEED[4] ?? '')).toEqual({
      format: 'logrus',
      ts: { ns: '1609983853369694698', offsetMin: -480 },
      levelRaw: 'ERROR',
      message: 'http server error',
      attributes: { error: 'listen tcp 127.0.0.1:6060: bind: address already in use' },
    });
  });

  it('keeps order and exact nanoseconds for all lines, and formats them back as written', () => {
    const parsed = SEED.map((l) => parseLine(l));
    expect(parsed.map((p) => p.message)).toEqual([
      'starting *secrets.YamlSecrets',
      'starting *config.YamlConfig',
      'starting *s3.DefaultService',
      'starting *lambda.DefaultService',
      'http server error',
    ]);
    const ns = parsed.map((p) => p.ts?.ns ?? '');
    expect(ns).toEqual([
      '1609983853368024402',
      '1609983853368679356',
      '1609983853369046236',
      '1609983853369518352',
      '1609983853369694698',
    ]);
    for (const [i, p] of parsed.entries()) {
      const written = SEED[i]?.slice(SEED[i]?.indexOf('[') + 1, SEED[i]?.indexOf(']'));
      expect(formatRfc3339Nano(p.ts?.ns ?? '', p.ts?.offsetMin ?? 0)).toBe(written);
    }
  });

  it('parses the same events as logrus writes them without a TTY (logfmt)', () => {
    expect(
      parseLine(
        'time="2021-01-06T17:44:13-08:00" level=error msg="http server error" error="listen tcp 127.0.0.1:6060: bind: address already in use"',
      ),
    ).toEqual({
      format: 'logfmt',
      ts: { ns: '1609983853000000000', offsetMin: -480 },
      levelRaw: 'error',
      message: 'http server error',
      attributes: { error: 'listen tcp 127.0.0.1:6060: bind: address already in use' },
    });
  });

  it('maps the key-value record of Abb. 2 when written as JSON', () => {
    // Abb. 2 shows a JS-style object; as a JSON log line it reads:
    const p = parseLine(
      '{"time":"2021-01-06T17:44:13-08:00","mode":"reader","debug_http_error":"listen tcp 127.0.0.1:6061: bind: address already in use","servicePort":8089,"duration_ms":180262}',
    );
    expect(p).toEqual({
      format: 'json',
      ts: { ns: '1609983853000000000', offsetMin: -480 },
      message: '',
      attributes: {
        mode: 'reader',
        debug_http_error: 'listen tcp 127.0.0.1:6061: bind: address already in use',
        servicePort: 8089,
        duration_ms: 180262,
      },
    });
  });
});

describe('detectFormat', () => {
  it.each([
    ['{"a":1}', 'json'],
    ['  {"a":1}', 'json'],
    ['INFO[0000] x', 'logrus'],
    ['ERROR[2021-01-06T17:44:13Z] x', 'logrus'],
    ['WARNING:root:x', 'python'],
    ['2024-01-05 10:11:12,345 - a - INFO - x', 'python'],
    ['level=info msg=x', 'logfmt'],
    ['GET /x 200 took=5ms', 'logfmt'],
    ['plain text', 'raw'],
    ['', 'raw'],
    ['[2024-01-05] bracketed', 'raw'],
  ])('%j → %s', (line, format) => {
    expect(detectFormat(line)).toBe(format);
  });
});

describe('parseLine', () => {
  it.each([
    ['{"level":"info","msg":"json"}', 'json'],
    ['INFO[0000] logrus', 'logrus'],
    ['2024-01-05 10:11:12,345 - trainer - INFO - python', 'python'],
    ['WARNING:root:python basic', 'python'],
    ['level=info msg=logfmt', 'logfmt'],
    ['ts=1704449472 caller=main.go:12 msg="go-kit"', 'logfmt'],
    ['Starting server on :8080', 'raw'],
    ['a=1', 'raw'],
    // looks like python/logrus at first but is not: falls through to logfmt or raw
    ['ERROR: something went wrong', 'raw'],
    ['INFO[abc] status=1 code=2', 'logfmt'],
    ['2024-01-05 10:11:12 nothing python here', 'raw'],
    ['2024-01-05 10:11:12 request done status=200 took=5', 'logfmt'],
    ['{main} thread started', 'raw'],
  ])('%j → %s', (line, format) => {
    expect(parseLine(line).format).toBe(format);
  });

  it('falls back to raw with parse_error for broken JSON', () => {
    expect(parseLine('{"msg":"cut off by a 16k split')).toEqual({
      format: 'raw',
      message: '{"msg":"cut off by a 16k split',
      attributes: { parse_error: 'invalid JSON' },
    });
    expect(parseLine('{not json at all}').attributes).toEqual({});
  });

  it('strips trailing CR/LF, but nothing else', () => {
    expect(parseLine('  hello world  \r\n').message).toBe('  hello world  ');
    expect(parseLine('level=info msg=x\r').message).toBe('x');
  });

  it('handles empty and whitespace-only lines', () => {
    expect(parseLine('')).toEqual({ format: 'raw', message: '', attributes: {} });
    expect(parseLine('\n')).toEqual({ format: 'raw', message: '', attributes: {} });
    expect(parseLine('   ')).toEqual({ format: 'raw', message: '   ', attributes: {} });
  });

  it('keeps unicode intact', () => {
    expect(parseLine('Überwachung läuft ✓ 日本語 🚀').message).toBe('Überwachung läuft ✓ 日本語 🚀');
    expect(parseLine('level=info msg="Grüße 🚀" user=jürgen')).toMatchObject({
      message: 'Grüße 🚀',
      attributes: { user: 'jürgen' },
    });
    expect(parseLine('{"msg":"\\u00dcberwachung \\ud83d\\ude80"}').message).toBe('Überwachung 🚀');
  });

  it('removes ANSI colours (logrus on a TTY)', () => {
    const line = '\x1b[36mINFO\x1b[0m[0000] starting                                      \x1b[36mport\x1b[0m=8080';
    expect(parseLine(line)).toEqual({
      format: 'logrus',
      levelRaw: 'INFO',
      message: 'starting',
      attributes: { elapsed_s: 0, port: 8080 },
    });
    expect(stripAnsi('\x1b[1;31mred\x1b[0m plain \x1b')).toBe('red plain ');
  });

  it('parses very long lines', () => {
    const long = 'x'.repeat(1_000_000);
    expect(parseLine(long).message).toHaveLength(1_000_000);
    const json = JSON.stringify({ msg: long, level: 'info' });
    expect(parseLine(json)).toMatchObject({ format: 'json', levelRaw: 'info' });
    const fields = parseLine(`level=info msg="${long}" k=v`);
    expect(fields.message).toHaveLength(1_000_000);
    expect(fields.attributes).toEqual({ k: 'v' });
  });

  it('never throws on hostile input', () => {
    const inputs = [
      '{"a":',
      '{"a":1}garbage',
      'INFO[',
      'INFO[2021-99-99T99:99:99Z] x',
      '\x00\x01\x02',
      '"""',
      '=====',
      'a="b\\',
      'k="\\u12"',
      '\\',
      '\ud800',
      '2024-01-05 10:11:12,345 - ',
      'WARNING::',
      '{"__proto__":{"x":1}}',
    ];
    for (const line of inputs) {
      for (const hint of ['auto', 'json', 'logfmt', 'logrus', 'python', 'raw'] as const) {
        expect(() => parseLine(line, hint)).not.toThrow();
      }
    }
  });

  describe('hints', () => {
    it('forces a parser and falls back to raw when the line does not fit', () => {
      expect(parseLine('a=1', 'logfmt')).toMatchObject({ format: 'logfmt', attributes: { a: 1 } });
      expect(parseLine('INFO[0000] x', 'raw')).toMatchObject({ format: 'raw', message: 'INFO[0000] x' });
      expect(parseLine('not json', 'json')).toMatchObject({
        format: 'raw',
        attributes: { parse_error: 'invalid JSON' },
      });
      expect(parseLine('level=info msg=x', 'python')).toMatchObject({ format: 'raw' });
      expect(parseLine('WARNING:root:x', 'python')).toMatchObject({ format: 'python', message: 'x' });
    });

    it('logrus accepts both logrus outputs', () => {
      expect(parseLine('INFO[0000] x', 'logrus').format).toBe('logrus');
      expect(parseLine('time="2021-01-06T17:44:13-08:00" level=info msg=x', 'logrus').format).toBe('logfmt');
      expect(parseLine('plain', 'logrus').format).toBe('raw');
    });

    it('applies the naive offset to zone-less times', () => {
      expect(parseLine('2024-01-05 10:11:12,345 - a - INFO - x', 'auto', { naiveOffsetMin: 60 }).ts).toEqual({
        ns: '1704445872345000000',
        offsetMin: 60,
      });
    });
  });
});
