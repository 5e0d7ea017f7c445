import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_FIXTURES } from '../../../test/fixtures.ts';
import { ExpositionError, formatOf, parseExposition } from './parse.ts';

const FIXTURES = CLIENT_FIXTURES;
const fixture = (p: string) => readFileSync(`${FIXTURES}/${p}`, 'utf8');
/** The capture files start with a `# Content-Type:` comment line, which is a plain comment in text format. */
const withoutHeader = (s: string) => s.replace(/^# Content-Type:.*\n/, '');

describe('parseExposition: fixtures', () => {
  it('parses prom-client text 0.0.4', () => {
    const { samples, metadata } = parseExposition(fixture('prom-client-node/exposition-text-0.0.4.txt'), 'text');
    expect(samples).toHaveLength(14);
    expect(samples[0]).toEqual({
      metric: 'stellwerk_jobs_processed_total',
      labels: { queue: 'default', app: 'stellwerk-demo' },
      value: 3,
      tsMs: undefined,
      family: 'stellwerk_jobs_processed_total',
    });
    const bucket = samples.find((s) => s.labels.le === '+Inf');
    expect(bucket).toMatchObject({ metric: 'stellwerk_job_seconds_bucket', family: 'stellwerk_job_seconds', value: 4 });
    expect(metadata).toContainEqual({
      metric: 'stellwerk_job_seconds',
      type: 'histogram',
      help: 'Job duration',
      unit: '',
    });
    expect(metadata).toContainEqual({
      metric: 'stellwerk_payload_bytes',
      type: 'summary',
      help: 'Payload size',
      unit: '',
    });
  });

  it('parses prom-client OpenMetrics with an exemplar (ignored)', () => {
    const { samples, metadata } = parseExposition(
      withoutHeader(fixture('prom-client-node/exposition-openmetrics.txt')),
      'openmetrics',
    );
    expect(samples[0]).toMatchObject({
      metric: 'stellwerk_jobs_processed_total',
      value: 2,
      family: 'stellwerk_jobs_processed',
    });
    expect(metadata).toContainEqual({
      metric: 'stellwerk_jobs_processed',
      type: 'counter',
      help: 'Jobs processed',
      unit: '',
    });
  });

  it('parses prom-client default metrics', () => {
    // The capture is cut off with a "..." line; parse what comes before it.
    const body = fixture('prom-client-node/exposition-default-metrics.txt').split('\n...')[0] as string;
    const { samples } = parseExposition(body, 'text');
    expect(samples.length).toBeGreaterThan(5);
  });

  it('parses python text 0.0.4 and OpenMetrics 1.0', () => {
    const text = parseExposition(fixture('prometheus-client-python/exposition-text-0.0.4.txt'), 'text');
    const om = parseExposition(fixture('prometheus-client-python/exposition-openmetrics-1.0.0.txt'), 'openmetrics');
    expect(new Set(om.samples.map((s) => s.metric))).toEqual(new Set(text.samples.map((s) => s.metric)));
    const created = om.samples.find((s) => s.metric === 'stellwerk_job_seconds_created');
    expect(created?.family).toBe('stellwerk_job_seconds');
    expect(om.metadata).toContainEqual({ metric: 'stellwerk_state', type: 'stateset', help: 'State', unit: '' });
    expect(om.metadata).toContainEqual({ metric: 'stellwerk_build', type: 'info', help: 'Build info', unit: '' });
    expect(om.samples.find((s) => s.metric === 'stellwerk_build_info')?.family).toBe('stellwerk_build');
    expect(om.samples.find((s) => s.labels.le === '1.0')?.value).toBe(3);
  });

  it('dates counter, histogram and summary samples with their OpenMetrics _created line, and keeps the line', () => {
    const om = parseExposition(fixture('prometheus-client-python/exposition-openmetrics-1.0.0.txt'), 'openmetrics');
    const at = (metric: string, labels: Record<string, string> = {}) =>
      om.samples.find((s) => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(at('stellwerk_jobs_processed_total', { queue: 'default' })?.createdMs).toBe(1795627871572);
    expect(at('stellwerk_jobs_processed_total', { queue: 'urgent' })?.createdMs).toBe(1795627871572);
    const histogram = om.samples.filter((s) => s.family === 'stellwerk_job_seconds' && !s.metric.endsWith('_created'));
    expect(histogram).toHaveLength(7);
    expect(new Set(histogram.map((s) => s.createdMs))).toEqual(new Set([1795627871572]));
    expect(at('stellwerk_payload_bytes_count')?.createdMs).toBe(1795627871572);
    expect(at('stellwerk_payload_bytes_sum')?.createdMs).toBe(1795627871572);
    // The _created samples stay samples; gauges and other families get no date.
    expect(at('stellwerk_jobs_processed_created', { queue: 'default' })?.value).toBeCloseTo(1795627871.572, 3);
    expect(at('stellwerk_queue_depth')?.createdMs).toBeUndefined();
    expect(at('stellwerk_jobs_processed_created', { queue: 'default' })?.createdMs).toBeUndefined();
    // Text 0.0.4 has no created timestamps: there `_created` is a gauge family of its own.
    const text = parseExposition(fixture('prometheus-client-python/exposition-text-0.0.4.txt'), 'text');
    expect(text.samples.some((s) => s.createdMs !== undefined)).toBe(false);
  });

  it('matches _created by labels and ignores it on gauges', () => {
    const body = [
      '# TYPE c counter',
      'c_total{a="1"} 5',
      'c_total{a="2"} 6',
      'c_created{a="2"} 100.5',
      '# TYPE g gauge',
      'g 1',
      'g_created 7',
      '# EOF',
      '',
    ].join('\n');
    const { samples } = parseExposition(body, 'openmetrics');
    expect(samples.map((s) => [s.metric, s.labels.a, s.createdMs])).toEqual([
      ['c_total', '1', undefined],
      ['c_total', '2', 100_500],
      ['c_created', '2', undefined],
      ['g', undefined, undefined],
      ['g_created', undefined, undefined],
    ]);
  });

  it('picks the format from Content-Type', () => {
    expect(formatOf('application/openmetrics-text; version=1.0.0; charset=utf-8')).toBe('openmetrics');
    expect(formatOf('text/plain; version=0.0.4')).toBe('text');
    expect(formatOf(undefined)).toBe('text');
  });
});

describe('parseExposition: edge cases', () => {
  it('unescapes label values and HELP text', () => {
    const { samples, metadata } = parseExposition(
      '# HELP m a\\\\b\\nc "q"\nm{a="x\\"y",b="1\\\\2",c="l1\\nl2",d=""} 1\n',
      'text',
    );
    expect(samples[0]?.labels).toEqual({ a: 'x"y', b: '1\\2', c: 'l1\nl2' });
    expect(metadata[0]?.help).toBe('a\\b\nc "q"');
  });

  it('reads NaN, ±Inf, exponents and timestamps in each format', () => {
    const text = parseExposition('a NaN\nb +Inf 1700000000123\nc -Inf\nd 1.5e3 -5\n', 'text').samples;
    expect(text.map((s) => s.value)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1500]);
    expect(text[1]?.tsMs).toBe(1700000000123);
    expect(text[3]?.tsMs).toBe(-5);
    const om = parseExposition('# TYPE a gauge\na 1 1700000000.5\n# EOF\n', 'openmetrics').samples;
    expect(om[0]?.tsMs).toBe(1700000000500);
  });

  it('accepts CRLF, blank lines, comments, spaces in label sets and a trailing comma', () => {
    const { samples } = parseExposition('# just a comment\r\n\r\nm{ a = "1" , } 2\r\n', 'text');
    expect(samples).toEqual([{ metric: 'm', labels: { a: '1' }, value: 2, tsMs: undefined, family: 'm' }]);
  });

  it('maps untyped to unknown and keeps UNIT in OpenMetrics', () => {
    const text = parseExposition('# TYPE u untyped\nu 1\n', 'text');
    expect(text.metadata[0]?.type).toBe('unknown');
    const om = parseExposition('# TYPE d_seconds gauge\n# UNIT d_seconds seconds\nd_seconds 1\n# EOF', 'openmetrics');
    expect(om.metadata[0]).toEqual({ metric: 'd_seconds', type: 'gauge', unit: 'seconds', help: '' });
  });

  it('names the line of each error', () => {
    const bad: Array<[string, 'text' | 'openmetrics', RegExp]> = [
      ['ok 1\nbad{a="1"\n', 'text', /line 2: expected , or }/],
      ['ok 1\n\nx 1 2 3\n', 'text', /line 3: unexpected "3"/],
      ['x abc\n', 'text', /line 1: invalid value "abc"/],
      ['x 1 1.5\n', 'text', /line 1: invalid timestamp/],
      ['x{a="1",a="2"} 1\n', 'text', /appears twice/],
      ['x{1a="1"} 1\n', 'text', /invalid label name/],
      ['1x 1\n', 'text', /line 1: expected a metric name/],
      ['# TYPE x bogus\n', 'text', /unknown metric type "bogus"/],
      ['# TYPE x gauge\n# TYPE x gauge\n', 'text', /line 2: second TYPE/],
      ['x 1\n', 'openmetrics', /does not end with "# EOF"/],
      ['x 1\n# EOF\ny 1\n', 'openmetrics', /line 3: content after/],
      ['x\n', 'text', /line 1: expected a space and a value/],
      ['x 0x10\n', 'text', /invalid value "0x10"/],
    ];
    for (const [input, format, message] of bad) {
      expect(() => parseExposition(input, format), input).toThrow(message);
      try {
        parseExposition(input, format);
      } catch (err) {
        expect(err).toBeInstanceOf(ExpositionError);
      }
    }
  });

  it('parses a large exposition quickly', () => {
    let body = '# TYPE big counter\n';
    for (let i = 0; i < 100_000; i++) body += `big{instance="host-${i % 100}",cpu="${i}"} ${i}.5 1700000000000\n`;
    const t0 = performance.now();
    const { samples } = parseExposition(body, 'text');
    const ms = performance.now() - t0;
    expect(samples).toHaveLength(100_000);
    expect(ms).toBeLessThan(2000);
  });
});
