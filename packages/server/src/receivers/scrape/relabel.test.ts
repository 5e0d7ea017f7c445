import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.ts';
import { specFor } from './index.ts';
import { expand, type RelabelConfig, relabel } from './relabel.ts';

const base = { __name__: 'http_requests_total', job: 'api', instance: 'h:9100', code: '200', __meta_zone: 'eu-1' };

const cases: Array<{
  name: string;
  configs: RelabelConfig[];
  labels?: Record<string, string>;
  want: Record<string, string> | null;
}> = [
  {
    name: 'replace with defaults copies the joined source labels',
    configs: [{ sourceLabels: ['job', 'code'], targetLabel: 'both' }],
    want: { ...base, both: 'api;200' },
  },
  {
    name: 'replace uses the separator, $1 and named groups',
    configs: [
      {
        sourceLabels: ['instance', 'code'],
        separator: '|',
        regex: '(?P<host>[^:]+):\\d+\\|(.*)',
        targetLabel: 'host_code',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Prometheus replacement syntax, not a template
        replacement: '${host}-$2',
      },
    ],
    want: { ...base, host_code: 'h-200' },
  },
  {
    name: 'replace is anchored: a partial match does nothing',
    configs: [{ sourceLabels: ['job'], regex: 'ap', targetLabel: 'x', replacement: 'y' }],
    want: base,
  },
  {
    name: 'replace with an empty result deletes the target label',
    configs: [{ sourceLabels: ['missing'], targetLabel: 'code' }],
    want: { __name__: 'http_requests_total', job: 'api', instance: 'h:9100', __meta_zone: 'eu-1' },
  },
  {
    name: 'replace can rename the metric through __name__',
    configs: [{ sourceLabels: ['__name__'], regex: 'http_(.*)', targetLabel: '__name__', replacement: 'web_$1' }],
    want: { ...base, __name__: 'web_requests_total' },
  },
  {
    name: 'replace expands the target label too, and skips invalid names',
    configs: [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Prometheus replacement syntax, not a template
      { sourceLabels: ['code'], regex: '(\\d)\\d\\d', targetLabel: 'class_${1}xx', replacement: 'yes' },
      { sourceLabels: ['code'], targetLabel: '0bad' },
    ],
    want: { ...base, class_2xx: 'yes' },
  },
  {
    name: 'keep keeps a match',
    configs: [{ sourceLabels: ['code'], regex: '2..', action: 'keep' }],
    want: base,
  },
  {
    name: 'keep drops a non-match',
    configs: [{ sourceLabels: ['code'], regex: '5..', action: 'keep' }],
    want: null,
  },
  {
    name: 'drop drops a match',
    configs: [{ sourceLabels: ['__name__'], regex: 'http_.*', action: 'drop' }],
    want: null,
  },
  {
    name: 'drop keeps a non-match, and a missing label is the empty string',
    configs: [
      { sourceLabels: ['__name__'], regex: 'go_.*', action: 'drop' },
      { sourceLabels: ['missing'], regex: '.+', action: 'drop' },
    ],
    want: base,
  },
  {
    name: 'labelmap copies labels whose name matches to the replacement name',
    configs: [{ regex: '__meta_(.+)', action: 'labelmap' }],
    want: { ...base, zone: 'eu-1' },
  },
  {
    name: 'labeldrop removes labels by name',
    configs: [{ regex: '__meta_.*|code', action: 'labeldrop' }],
    want: { __name__: 'http_requests_total', job: 'api', instance: 'h:9100' },
  },
  {
    name: 'labelkeep keeps only labels whose name matches',
    configs: [{ regex: '__name__|job', action: 'labelkeep' }],
    want: { __name__: 'http_requests_total', job: 'api' },
  },
  {
    name: 'rules apply in order',
    configs: [
      { sourceLabels: ['code'], targetLabel: 'status' },
      { regex: 'code', action: 'labeldrop' },
      { sourceLabels: ['status'], regex: '200', action: 'keep' },
    ],
    want: { __name__: 'http_requests_total', job: 'api', instance: 'h:9100', __meta_zone: 'eu-1', status: '200' },
  },
];

describe('relabel', () => {
  it.each(cases)('$name', ({ configs, labels, want }) => {
    const input = { ...(labels ?? base) };
    expect(relabel(input, configs)).toEqual(want);
    expect(input).toEqual(labels ?? base);
  });

  it('expands templates like Go regexp.Expand', () => {
    const m = /^(?<a>x)(y)$/.exec('xy') as RegExpExecArray;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Prometheus replacement syntax, not a template
    expect(expand('$1-${2}-$a-${a}-$$-$9-$1x-${', m)).toBe('x-y-x-x-$---${');
  });
});

describe('relabel config', () => {
  const job = (rules: unknown) => ({
    scrape: { jobs: [{ name: 'j', targets: ['http://h:1/m'], relabelConfigs: rules }] },
  });

  it('fills in the Prometheus defaults', () => {
    const c = configSchema.parse(job([{ sourceLabels: ['a'], targetLabel: 'b' }]));
    expect(c.scrape.jobs[0]?.relabelConfigs[0]).toEqual({
      sourceLabels: ['a'],
      targetLabel: 'b',
      separator: ';',
      regex: '(.*)',
      replacement: '$1',
      action: 'replace',
    });
    expect(c.scrape.jobs[0]?.metricRelabelConfigs).toEqual([]);
  });

  it('rejects a bad regex, naming the key', () => {
    const r = configSchema.safeParse(job([{ regex: '(unclosed', action: 'drop' }]));
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path.join('.')).toBe('scrape.jobs.0.relabelConfigs.0.regex');
  });

  it('rejects unknown keys and replace without targetLabel', () => {
    expect(configSchema.safeParse(job([{ source_labels: ['a'], action: 'drop' }])).success).toBe(false);
    const r = configSchema.safeParse(job([{ sourceLabels: ['a'] }]));
    expect(r.error?.issues[0]?.path.join('.')).toBe('scrape.jobs.0.relabelConfigs.0.targetLabel');
  });
});

describe('target relabelling', () => {
  const jobWith = (relabelConfigs: unknown) =>
    configSchema.parse({ scrape: { jobs: [{ name: 'j', targets: [], labels: { env: 'p' }, relabelConfigs }] } }).scrape
      .jobs[0] as NonNullable<ReturnType<typeof configSchema.parse>['scrape']['jobs'][number]>;

  it('keeps the URL and labels without rules, dropping __ labels', () => {
    const spec = specFor(jobWith([]), 'http://u:p@h:9100/metrics?x=1', { __meta_a: 'b', team: 't' }, 1000, 1000);
    expect(spec?.url).toBe('http://u:p@h:9100/metrics?x=1');
    expect(spec?.labels).toEqual({ env: 'p', team: 't', job: 'j', instance: 'h:9100' });
  });

  it('rewrites the address and path, sets labels from __ labels, and drops targets', () => {
    const j = jobWith([
      { sourceLabels: ['__address__'], regex: '([^:]+):.*', targetLabel: 'host' },
      { sourceLabels: ['__meta_port'], targetLabel: '__address__', replacement: 'h:$1' },
      { targetLabel: '__metrics_path__', replacement: '/probe' },
      { sourceLabels: ['__meta_skip'], regex: 'yes', action: 'drop' },
    ]);
    const spec = specFor(j, 'http://h:9100/metrics?x=1', { __meta_port: '9200' }, 1000, 1000);
    expect(spec?.url).toBe('http://h:9200/probe?x=1');
    expect(spec?.labels).toEqual({ env: 'p', job: 'j', instance: 'h:9100', host: 'h' });
    expect(specFor(j, 'http://h:9100/metrics', { __meta_skip: 'yes' }, 1000, 1000)).toBeNull();
  });
});
