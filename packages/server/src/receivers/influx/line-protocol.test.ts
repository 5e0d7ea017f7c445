import { describe, expect, it } from 'vitest';
import {
  type Precision,
  parseLineProtocol,
  parsePrecision,
  SeriesCache,
  sanitizeLabelName,
  sanitizeMetricName,
} from './line-protocol.ts';
import { answerQuery, KnownDatabases } from './query.ts';

const NOW = 1_700_000_123_456;
const parse = (text: string, precision: Precision = 'ns') => parseLineProtocol(text, { precision, nowMs: NOW });
/** Compact view of the samples: [metric, labels, tsMs, value]. */
const view = (text: string, precision: Precision = 'ns') =>
  parse(text, precision).samples.map((s) => [s.metric, s.labels, s.tsMs, s.value]);

describe('line protocol: valid input', () => {
  const cases: Array<[string, string, unknown[]]> = [
    ['float', 'cpu value=1.5 1700000000000000000', [['cpu_value', {}, 1_700_000_000_000, 1.5]]],
    [
      'tags',
      'cpu,host=a,region=eu value=1 1700000000000000000',
      [['cpu_value', { host: 'a', region: 'eu' }, 1.7e12, 1]],
    ],
    ['integer', 'm f=42i 0', [['m_f', {}, 0, 42]]],
    ['negative integer', 'm f=-42i 0', [['m_f', {}, 0, -42]]],
    ['unsigned', 'm f=18446744073709551615u 0', [['m_f', {}, 0, 2 ** 64]]],
    ['int64 min', 'm f=-9223372036854775808i 0', [['m_f', {}, 0, -(2 ** 63)]]],
    ['leading zeros int', 'm f=0000000000000000000007i 0', [['m_f', {}, 0, 7]]],
    [
      'exponent',
      'm f=1.5e3,g=-2E-2,h=.5,i=1. 0',
      [
        ['m_f', {}, 0, 1500],
        ['m_g', {}, 0, -0.02],
        ['m_h', {}, 0, 0.5],
        ['m_i', {}, 0, 1],
      ],
    ],
    [
      'booleans',
      'm a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE 0',
      [...'abcde'.split('').map((k) => [`m_${k}`, {}, 0, 1]), ...'fghij'.split('').map((k) => [`m_${k}`, {}, 0, 0])],
    ],
    ['string fields are skipped, numbers kept', 'm s="x",v=2 0', [['m_v', {}, 0, 2]]],
    ['string with escaped quote, comma, space, equals', 'm s="a \\"b\\", c=d \\\\",v=3 0', [['m_v', {}, 0, 3]]],
    [
      'string with newline inside',
      'm s="two\nlines",v=4 0\nm v=5 1000000',
      [
        ['m_v', {}, 0, 4],
        ['m_v', {}, 1, 5],
      ],
    ],
    ['escaped measurement', 'my\\ cpu\\,x value=1 0', [['my_cpu_x_value', {}, 0, 1]]],
    ['escaped tag key and value', 'cpu,ho\\ st=eu\\ west\\,1\\=2 v=1 0', [['cpu_v', { ho_st: 'eu west,1=2' }, 0, 1]]],
    ['escaped field key', 'cpu f\\=1\\ x=1 0', [['cpu_f_1_x', {}, 0, 1]]],
    ['literal backslash', 'cpu,p=C:\\dir v=1 0', [['cpu_v', { p: 'C:\\dir' }, 0, 1]]],
    ['double backslash', 'cpu,p=a\\\\b v=1 0', [['cpu_v', { p: 'a\\b' }, 0, 1]]],
    ['= in tag value is literal', 'cpu,q=a=b v=1 0', [['cpu_v', { q: 'a=b' }, 0, 1]]],
    ['leading space (influx CLI INSERT)', ' cpu,host=a value=1\n', [['cpu_value', { host: 'a' }, NOW, 1]]],
    ['missing timestamp gets receive time', 'cpu v=1', [['cpu_v', {}, NOW, 1]]],
    ['trailing spaces', 'cpu v=1 5000000   ', [['cpu_v', {}, 5, 1]]],
    ['comments and blank lines', '# a comment\n\n  # indented\ncpu v=1 0\n\n', [['cpu_v', {}, 0, 1]]],
    [
      'CRLF',
      'a v=1 0\r\nb v=2 0\r\n',
      [
        ['a_v', {}, 0, 1],
        ['b_v', {}, 0, 2],
      ],
    ],
    [
      'no trailing newline',
      'a v=1 0\nb v=2 0',
      [
        ['a_v', {}, 0, 1],
        ['b_v', {}, 0, 2],
      ],
    ],
    [
      'sanitised names',
      '1cpu.load,host-name=x,1k=y la-1=1 0',
      [['_1cpu_load_la_1', { host_name: 'x', _1k: 'y' }, 0, 1]],
    ],
    ['unicode names', 'temp°,zone=küche v=1 0', [['temp__v', { zone: 'küche' }, 0, 1]]],
    ['colon kept in metric name', 'job:rate v=1 0', [['job:rate_v', {}, 0, 1]]],
    ['negative ns timestamp floors to ms', 'm v=1 -1', [['m_v', {}, -1, 1]]],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    const r = parse(text);
    expect(r.errors).toEqual([]);
    expect(view(text)).toEqual(expected);
  });

  it('shares one label object per point and counts skipped strings', () => {
    const r = parse('m,h=a x=1,y=2,s="q",t="r" 0');
    expect(r.samples).toHaveLength(2);
    expect(r.samples[0]?.labels).toBe(r.samples[1]?.labels);
    expect(r.skippedStringFields).toBe(2);
    expect(r.points).toBe(1);
  });

  it('a point with only string fields is not an error', () => {
    const r = parse('events msg="deploy" 0');
    expect(r.errors).toEqual([]);
    expect(r.samples).toEqual([]);
    expect(r.points).toBe(1);
    expect(r.skippedStringFields).toBe(1);
  });
});

describe('line protocol: precisions', () => {
  const cases: Array<[Precision, string, number]> = [
    ['ns', '1700000000123456789', 1_700_000_000_123],
    ['us', '1700000000123456', 1_700_000_000_123],
    ['ms', '1700000000123', 1_700_000_000_123],
    ['s', '1700000000', 1_700_000_000_000],
    ['m', '28333333', 28_333_333 * 60_000],
    ['h', '472222', 472_222 * 3_600_000],
  ];
  it.each(cases)('%s', (precision, ts, ms) => {
    expect(view(`m v=1 ${ts}`, precision)).toEqual([['m_v', {}, ms, 1]]);
  });

  it('truncates the receive time to the precision', () => {
    expect(parse('m v=1', 's').samples[0]?.tsMs).toBe(1_700_000_123_000);
    expect(parse('m v=1', 'h').samples[0]?.tsMs).toBe(Math.floor(NOW / 3_600_000) * 3_600_000);
    expect(parse('m v=1', 'ns').samples[0]?.tsMs).toBe(NOW);
  });

  it('accepts v1 and v2 spellings', () => {
    expect(['', 'n', 'ns', 'u', 'us', 'µ', 'ms', 's', 'm', 'h'].map((p) => parsePrecision(p))).toEqual([
      'ns',
      'ns',
      'ns',
      'us',
      'us',
      'us',
      'ms',
      's',
      'm',
      'h',
    ]);
    expect(parsePrecision(undefined)).toBe('ns');
    expect(parsePrecision('d')).toBeNull();
  });
});

describe('line protocol: errors name line, column and what was expected', () => {
  const cases: Array<[string, string, number, number, RegExp]> = [
    ['no fields', 'cpu', 1, 4, /missing fields/],
    ['no fields after tags', 'cpu,host=a', 1, 11, /missing fields/],
    ['tag without =', 'cpu,host v=1', 1, 9, /expected '=' after tag key "host"/],
    ['empty tag value', 'cpu,host= v=1', 1, 10, /missing value for tag "host"/],
    ['empty tag key', 'cpu,=a v=1', 1, 5, /missing tag key/],
    ['duplicate tag', 'cpu,a=1,a=2 v=1', 1, 9, /duplicate tag key "a"/],
    ['field without =', 'cpu value', 1, 10, /unexpected end of line in field key/],
    ['field without value', 'cpu v=', 1, 7, /missing value for field "v"/],
    ['empty field key', 'cpu =1', 1, 5, /missing field key/],
    ['unquoted string', 'cpu v=hello', 1, 7, /invalid value for field "v".*double-quoted/],
    ['bad boolean', 'cpu v=tru', 1, 7, /invalid boolean "tru"/],
    ['bad number', 'cpu v=1x', 1, 8, /unexpected 'x' in the value of field "v"/],
    ['two dots', 'cpu v=1.2.3', 1, 10, /unexpected '.'/],
    ['float with i', 'cpu v=1.5i', 1, 7, /invalid integer.*decimal point/],
    ['int out of range', 'cpu v=9223372036854775808i', 1, 7, /integer value of field "v" is out of range/],
    ['negative unsigned', 'cpu v=-1u', 1, 7, /unsigned integer.*sign/],
    ['uint out of range', 'cpu v=18446744073709551616u', 1, 7, /out of range/],
    ['float out of range', 'cpu v=1e400', 1, 7, /out of range/],
    ['bad exponent', 'cpu v=1e', 1, 9, /exponent/],
    ['bad timestamp', 'cpu v=1 12a', 1, 9, /invalid timestamp/],
    ['float timestamp', 'cpu v=1 1.5', 1, 9, /invalid timestamp/],
    ['timestamp out of range', 'cpu v=1 12345678901234567890', 1, 9, /timestamp out of range/],
    ['extra token', 'cpu v=1 1 2', 1, 11, /end of the line after the timestamp/],
    ['unterminated string', 'cpu s="abc', 1, 7, /unterminated string/],
    ['junk after string', 'cpu s="abc"x', 1, 12, /unexpected 'x' after the string value/],
    ['error on line 3 after a comment and a blank line', '# c\n\ncpu v=1 0\ncpu v=x', 4, 7, /invalid value/],
    ['column counts the leading space', '  cpu v=', 1, 9, /missing value/],
    ['lone carriage return', 'cpu v=1 0\rcpu v=2', 1, 10, /carriage return/],
  ];
  it.each(cases)('%s', (_name, text, line, column, message) => {
    const r = parse(text);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ line, column });
    expect(r.errors[0]?.message).toMatch(message);
  });

  it('keeps valid points of a body with bad lines and reports each bad line', () => {
    const r = parse('a v=1 0\nb v=oops 0\nc v=3 0\nd,x v=1 0\ne v=5 0');
    expect(r.samples.map((s) => s.metric)).toEqual(['a_v', 'c_v', 'e_v']);
    expect(r.errors.map((e) => [e.line, e.column, e.text])).toEqual([
      [2, 5, 'b v=oops 0'],
      [4, 4, 'd,x v=1 0'],
    ]);
    expect(r.points).toBe(3);
  });

  it('drops all fields of a bad point, not only the bad one', () => {
    const r = parse('m a=1,b=2,c=bad 0\nm a=9 0');
    expect(r.samples.map((s) => [s.metric, s.value])).toEqual([['m_a', 9]]);
  });

  it('an unterminated string does not swallow the following lines', () => {
    const r = parse('m s="open 0\nm v=2 0');
    expect(r.samples.map((s) => s.value)).toEqual([2]);
    expect(r.errors[0]).toMatchObject({ line: 1, column: 5 });
  });

  it('positions of samples point at their field keys', () => {
    const r = parse('# c\nm,t=1 a=1,bb=2 0');
    expect([r.sampleLines, r.sampleColumns]).toEqual([
      [2, 2],
      [7, 11],
    ]);
  });
});

describe('names', () => {
  it.each([
    ['cpu', 'cpu', 'cpu'],
    ['1x', '_1x', '_1x'],
    ['a.b-c', 'a_b_c', 'a_b_c'],
    ['a:b', 'a:b', 'a_b'],
    ['', '_', '_'],
    ['😀', '_', '_'],
  ])('%s', (raw, metric, label) => {
    expect(sanitizeMetricName(raw)).toBe(metric);
    expect(sanitizeLabelName(raw)).toBe(label);
  });
});

describe('/query', () => {
  it('answers the statements clients use to set up, and refuses other InfluxQL', () => {
    const dbs = new KnownDatabases();
    expect(answerQuery('CREATE DATABASE stellwerk\n', dbs)).toEqual({ results: [{ statement_id: 0 }] });
    expect(answerQuery('create database "x y"', dbs)).toEqual({ results: [{ statement_id: 0 }] });
    expect(answerQuery('show databases', dbs)).toEqual({
      results: [
        { statement_id: 0, series: [{ name: 'databases', columns: ['name'], values: [['stellwerk'], ['x y']] }] },
      ],
    });
    expect(
      answerQuery('CREATE DATABASE a; CREATE RETENTION POLICY rp ON a DURATION 1d REPLICATION 1', dbs).results,
    ).toEqual([{ statement_id: 0 }, { statement_id: 1 }]);
    expect(() => answerQuery('SELECT * FROM cpu', dbs)).toThrow(/does not run InfluxQL.*PromQL/);
    expect(() => answerQuery('', dbs)).toThrow(/missing required parameter "q"/);
  });
});

describe('series cache across requests', () => {
  const body = [
    'cpu,host=a,region=eu usage_user=1,usage_system=2i 1000000000',
    'cpu,host=b usage_user=3 2000000000',
    'my\\ cpu,host=a\\ b\\,c usage=4 3000000000',
    'cpu,host=a,region=eu',
    'cpu,host=a,region=eu usage_user=5 4000000000',
    'cpu,host=a,host=b usage=1',
  ].join('\n');
  const opts = { precision: 'ns' as const, nowMs: 5000 };

  it('parses exactly as without it, the first time and again', () => {
    const want = parseLineProtocol(body, opts);
    const series = new SeriesCache();
    expect(parseLineProtocol(body, { ...opts, series })).toEqual(want);
    const again = parseLineProtocol(body, { ...opts, series });
    expect(again).toEqual(want);
    expect(again.errors.map((e) => [e.line, e.column])).toEqual(want.errors.map((e) => [e.line, e.column]));
    expect(want.errors).toHaveLength(2);
  });

  it('hands back the same labels object for a series seen before', () => {
    const series = new SeriesCache();
    const a = parseLineProtocol('cpu,host=a usage=1 1000000000', { ...opts, series });
    const b = parseLineProtocol('cpu,host=a usage=2,idle=3 2000000000', { ...opts, series });
    expect(b.samples[0]?.labels).toBe(a.samples[0]?.labels);
    expect(b.samples.map((s) => [s.metric, s.value, s.tsMs])).toEqual([
      ['cpu_usage', 2, 2000],
      ['cpu_idle', 3, 2000],
    ]);
    expect(Object.isFrozen(b.samples[0]?.labels)).toBe(true);
  });
});
