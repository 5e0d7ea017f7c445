import { describe, expect, it } from 'vitest';
import { PromqlEngine } from './engine.ts';
import { PromqlError } from './errors.ts';
import { labelsKey } from './labels.ts';
import { MemorySource } from './source.ts';
import type { Value } from './values.ts';

const T = 1_700_000_000_000;
const s = (sec: number) => T + sec * 1000;

const source = new MemorySource([
  // A counter with a reset at 45s.
  {
    labels: { __name__: 'c', job: 'a' },
    points: [
      [s(0), 0],
      [s(15), 10],
      [s(30), 20],
      [s(45), 5],
      [s(60), 15],
    ],
  },
  // A counter whose samples do not line up with the window, to exercise extrapolation.
  {
    labels: { __name__: 'c2', job: 'a' },
    points: [
      [s(5), 10],
      [s(20), 20],
      [s(35), 30],
      [s(50), 40],
    ],
  },
  {
    labels: { __name__: 'g', job: 'a' },
    points: [
      [s(0), 1],
      [s(30), 3],
      [s(60), 2],
    ],
  },
  {
    labels: { __name__: 'lin', job: 'a' },
    points: [
      [s(0), 0],
      [s(30), 3],
      [s(60), 6],
    ],
  },
  {
    labels: { __name__: 'st', job: 'a' },
    points: [
      [s(0), 1],
      [s(30), 'stale'],
    ],
  },
  { labels: { __name__: 'http', job: 'api', code: '200', team: 'x' }, points: [[s(60), 10]] },
  { labels: { __name__: 'http', job: 'api', code: '500', team: 'x' }, points: [[s(60), 2]] },
  { labels: { __name__: 'http', job: 'web', code: '200', team: 'y' }, points: [[s(60), 4]] },
  { labels: { __name__: 'info', job: 'api', owner: 'ann' }, points: [[s(60), 1]] },
  { labels: { __name__: 'info', job: 'web', owner: 'bob' }, points: [[s(60), 1]] },
  { labels: { __name__: 'h_bucket', le: '0.1' }, points: [[s(60), 10]] },
  { labels: { __name__: 'h_bucket', le: '0.5' }, points: [[s(60), 20]] },
  { labels: { __name__: 'h_bucket', le: '+Inf' }, points: [[s(60), 30]] },
]);
const engine = new PromqlEngine(source);

/** An instant result as `{labels}` → value, order-independent. */
function flat(v: Value): Record<string, number> | number {
  if (v.type === 'scalar') return v.v;
  if (v.type !== 'vector') throw new Error(`unexpected ${v.type}`);
  const out: Record<string, number> = {};
  for (const x of v.samples) {
    const key = Object.entries(x.labels)
      .sort()
      .map(([k, val]) => `${k}=${val}`)
      .join(',');
    out[key] = x.v;
  }
  return out;
}

const cases: Array<[string, number, Record<string, number> | number]> = [
  // rate/increase: reset at 45s adds the pre-reset value; the window is fully covered.
  ['rate(c[1m])', 60, { 'job=a': 35 / 60 }],
  ['increase(c[1m])', 60, { 'job=a': 35 }],
  ['resets(c[1m])', 60, { 'job=a': 1 }],
  // 45s of samples in a 60s window: extrapolated by 5s to the start and 10s to the end.
  ['increase(c2[1m])', 60, { 'job=a': 40 }],
  ['rate(c2[1m])', 60, { 'job=a': 40 / 60 }],
  ['irate(c[1m])', 60, { 'job=a': 10 / 15 }],
  ['idelta(g[1m])', 60, { 'job=a': -1 }],
  ['delta(g[1m])', 60, { 'job=a': 1 }],
  ['deriv(lin[1m])', 60, { 'job=a': 0.1 }],
  ['predict_linear(lin[1m], 60)', 60, { 'job=a': 12 }],
  ['avg_over_time(g[1m])', 60, { 'job=a': 2 }],
  ['min_over_time(g[1m])', 60, { 'job=a': 1 }],
  ['max_over_time(g[1m])', 60, { 'job=a': 3 }],
  ['sum_over_time(g[1m])', 60, { 'job=a': 6 }],
  ['count_over_time(g[1m])', 60, { 'job=a': 3 }],
  ['last_over_time(g[1m])', 60, { '__name__=g,job=a': 2 }],
  ['quantile_over_time(0.5, g[1m])', 60, { 'job=a': 2 }],
  ['stdvar_over_time(g[1m])', 60, { 'job=a': 2 / 3 }],
  ['stddev_over_time(g[1m])', 60, { 'job=a': Math.sqrt(2 / 3) }],
  ['changes(g[1m])', 60, { 'job=a': 2 }],
  ['present_over_time(g[1m])', 60, { 'job=a': 1 }],
  // Selectors, offset, @, lookback and staleness.
  ['g', 45, { '__name__=g,job=a': 3 }],
  ['g offset 30s', 60, { '__name__=g,job=a': 3 }],
  ['g @ 1700000030', 60, { '__name__=g,job=a': 3 }],
  ['g', 60 + 300, { '__name__=g,job=a': 2 }],
  ['g', 60 + 301, {}],
  ['st', 15, { '__name__=st,job=a': 1 }],
  ['st', 30, {}],
  ['st', 90, {}],
  ['count_over_time(st[1m])', 30, { 'job=a': 1 }],
  // Aggregations.
  ['sum by (job) (http)', 60, { 'job=api': 12, 'job=web': 4 }],
  ['avg without (code, team) (http)', 60, { 'job=api': 6, 'job=web': 4 }],
  ['sum(http)', 60, { '': 16 }],
  ['count(http) by (code)', 60, { 'code=200': 2, 'code=500': 1 }],
  ['max by (job) (http)', 60, { 'job=api': 10, 'job=web': 4 }],
  ['min(http)', 60, { '': 2 }],
  ['stddev(http)', 60, { '': Math.sqrt(((10 - 16 / 3) ** 2 + (2 - 16 / 3) ** 2 + (4 - 16 / 3) ** 2) / 3) }],
  ['topk(1, http)', 60, { '__name__=http,code=200,job=api,team=x': 10 }],
  ['bottomk(2, http)', 60, { '__name__=http,code=500,job=api,team=x': 2, '__name__=http,code=200,job=web,team=y': 4 }],
  ['quantile(0.5, http)', 60, { '': 4 }],
  ['count_values("v", http)', 60, { 'v=10': 1, 'v=2': 1, 'v=4': 1 }],
  ['group by (team) (http)', 60, { 'team=x': 1, 'team=y': 1 }],
  // Binary operators and vector matching.
  ['http * 2', 60, { 'code=200,job=api,team=x': 20, 'code=500,job=api,team=x': 4, 'code=200,job=web,team=y': 8 }],
  ['http > 3', 60, { '__name__=http,code=200,job=api,team=x': 10, '__name__=http,code=200,job=web,team=y': 4 }],
  ['http > bool 3', 60, { 'code=200,job=api,team=x': 1, 'code=500,job=api,team=x': 0, 'code=200,job=web,team=y': 1 }],
  ['3 < http', 60, { '__name__=http,code=200,job=api,team=x': 10, '__name__=http,code=200,job=web,team=y': 4 }],
  [
    'http * on(job) group_left(owner) info',
    60,
    {
      'code=200,job=api,owner=ann,team=x': 10,
      'code=500,job=api,owner=ann,team=x': 2,
      'code=200,job=web,owner=bob,team=y': 4,
    },
  ],
  ['sum by (job) (http) / on(job) info', 60, { 'job=api': 12, 'job=web': 4 }],
  ['sum by (job) (http) + ignoring(owner) sum by (job, owner) (info)', 60, { 'job=api': 13, 'job=web': 5 }],
  ['http{code="500"} and on(job) info', 60, { '__name__=http,code=500,job=api,team=x': 2 }],
  ['http unless on(job) info{owner="ann"}', 60, { '__name__=http,code=200,job=web,team=y': 4 }],
  ['sum by (job) (http) or on(job) info', 60, { 'job=api': 12, 'job=web': 4 }],
  ['1 + 2 * 3 ^ 2', 60, 19],
  ['2 > bool 1', 60, 1],
  ['-http{code="500"}', 60, { 'code=500,job=api,team=x': -2 }],
  // histogram_quantile: rank 15 falls in (0.1, 0.5] holding 10 of 30.
  ['histogram_quantile(0.5, h_bucket)', 60, { '': 0.3 }],
  ['histogram_quantile(0.99, h_bucket)', 60, { '': 0.5 }],
  // Functions.
  ['absent(nope{job="x", a=~"y"})', 60, { 'job=x': 1 }],
  ['absent(g)', 60, {}],
  ['absent_over_time(nope[1m])', 60, { '': 1 }],
  [
    'label_replace(info, "who", "u-$1", "owner", "(a.*)")',
    60,
    { '__name__=info,job=api,owner=ann,who=u-ann': 1, '__name__=info,job=web,owner=bob': 1 },
  ],
  [
    'label_join(info, "both", "/", "job", "owner")',
    60,
    { '__name__=info,both=api/ann,job=api,owner=ann': 1, '__name__=info,both=web/bob,job=web,owner=bob': 1 },
  ],
  [
    'clamp(http, 3, 5)',
    60,
    { 'code=200,job=api,team=x': 5, 'code=500,job=api,team=x': 3, 'code=200,job=web,team=y': 4 },
  ],
  ['clamp_max(g, 1.5)', 60, { 'job=a': 1.5 }],
  ['round(lin / 4)', 60, { 'job=a': 2 }],
  ['abs(-g)', 60, { 'job=a': 2 }],
  ['sqrt(lin)', 60, { 'job=a': Math.sqrt(6) }],
  ['scalar(g)', 60, 2],
  ['scalar(http)', 60, Number.NaN],
  ['vector(5)', 60, { '': 5 }],
  ['time()', 60, (T + 60_000) / 1000],
  ['timestamp(g)', 50, { 'job=a': (T + 30_000) / 1000 }],
  ['hour(vector(3600 * 5 + 60))', 60, { '': 5 }],
  ['minute(vector(3600 * 5 + 60))', 60, { '': 1 }],
  ['day_of_week(vector(0))', 60, { '': 4 }],
];

describe('PromQL evaluator', () => {
  it.each(cases)('%s at +%ss', async (query, at, want) => {
    const got = flat(await engine.instantQuery(query, s(at)));
    if (typeof want === 'number') {
      expect(typeof got).toBe('number');
      if (Number.isNaN(want)) expect(Number.isNaN(got as number)).toBe(true);
      else expect(got).toBeCloseTo(want, 12);
      return;
    }
    expect(Object.keys(got as Record<string, number>).sort()).toEqual(Object.keys(want).sort());
    for (const [k, v] of Object.entries(want)) expect((got as Record<string, number>)[k]).toBeCloseTo(v, 12);
  });

  it('evaluates range queries step by step', async () => {
    const v = await engine.rangeQuery('g', s(0), s(60), 15_000);
    expect(v.type).toBe('matrix');
    if (v.type !== 'matrix') return;
    expect(v.series).toHaveLength(1);
    expect(v.series[0]?.points.map(([t, x]) => [(t - T) / 1000, x])).toEqual([
      [0, 1],
      [15, 1],
      [30, 3],
      [45, 3],
      [60, 2],
    ]);
    const st = await engine.rangeQuery('st', s(0), s(60), 15_000);
    if (st.type !== 'matrix') throw new Error('matrix expected');
    expect(st.series[0]?.points.map(([t]) => (t - T) / 1000)).toEqual([0, 15]);
  });

  it('answers a range vector at an instant query as a matrix of raw samples', async () => {
    const v = await engine.instantQuery('g[1m]', s(60));
    if (v.type !== 'matrix') throw new Error('matrix expected');
    expect(v.series[0]?.points).toEqual([
      [s(0), 1],
      [s(30), 3],
      [s(60), 2],
    ]);
    const keys = v.series.map((x) => labelsKey(x.labels));
    expect(keys).toHaveLength(1);
  });

  it.each([
    ['holt_winters(g[5m], 0.5, 0.5)', /holt_winters/],
    ['mad_over_time(g[5m])', /mad_over_time/],
    ['rate(g)', /expected type range vector in call to function "rate", got instant vector/],
    ['sum(', /parse error/],
    ['{job=""}', /at least one non-empty matcher/],
    ['g + g[5m:1m]', /binary expression must contain only scalar and instant vector types/],
    ['g[1m][5m:1m]', /subquery is only allowed on instant vector, got range vector/],
    ['rate(g[5m:0s])', /subquery step must be positive/],
    ['1 > 2', /BOOL/],
    ['http + on(job) info', /many-to-many|multiple matches|duplicate/],
  ])('rejects %s clearly', async (query, msg) => {
    await expect(engine.instantQuery(query, s(60))).rejects.toThrow(msg);
    await expect(engine.instantQuery(query, s(60))).rejects.toBeInstanceOf(PromqlError);
  });

  it('caps series per selector and samples per query', async () => {
    const small = new PromqlEngine(source, { limits: { maxSeriesPerSelector: 2 } });
    await expect(small.instantQuery('http', s(60))).rejects.toThrow(/more than 2 series/);
    const few = new PromqlEngine(source, { limits: { maxSamplesPerQuery: 3 } });
    await expect(few.instantQuery('c[1m]', s(60))).rejects.toThrow(/too many samples/);
  });

  it('evaluates subqueries at multiples of their step', async () => {
    // T is a multiple of 20 s, so the inner steps are s(0), s(20), s(40), s(60); g holds 1 until
    // s(30) (lookback), then 3, then 2.
    const sum = await engine.instantQuery('sum_over_time(g[1m:20s])', s(60));
    expect(sum.type === 'vector' && sum.samples.map((x) => x.v)).toEqual([7]);
    const count = await engine.instantQuery('count_over_time(g[1m:20s] offset 20s)', s(60));
    expect(count.type === 'vector' && count.samples.map((x) => x.v)).toEqual([3]);
    // Without a step: the default (1 m) gives s(0) and s(60) only.
    const dflt = await engine.instantQuery('sum_over_time(g[1m:])', s(60));
    expect(dflt.type === 'vector' && dflt.samples.map((x) => x.v)).toEqual([3]);
    const matrix = await engine.instantQuery('g[40s:20s]', s(60));
    expect(matrix.type === 'matrix' && matrix.series[0]?.points).toEqual([
      [s(20), 1],
      [s(40), 3],
      [s(60), 2],
    ]);
    // `@` pins the subquery: every step sees g at s(20) and s(40).
    const pinned = await engine.rangeQuery(`max_over_time(g[20s:20s] @ ${s(40) / 1000})`, s(0), s(60), 30_000);
    expect(pinned.type === 'matrix' && pinned.series[0]?.points.map((p) => p[1])).toEqual([3, 3, 3]);
  });

  it('gives up with a timeout error past its deadline', async () => {
    const err = await engine
      .rangeQuery('rate(c[1m])', s(0), s(60), 1000, { deadlineMs: Date.now() - 1 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(PromqlError);
    expect(err).toMatchObject({ errorType: 'timeout' });
  });
});

describe('PromQL over rollups', () => {
  const H = 3_600_000;
  // Hour-aligned; samples 7 s off the 15 s grid so none sits on a bucket edge.
  const T0 = Math.floor(T / H) * H;
  const points = (f: (i: number) => number): Array<[number, number]> =>
    Array.from({ length: (6 * H) / 15_000 }, (_, i) => [T0 + 7_000 + i * 15_000, f(i)]);
  const src = new MemorySource([
    { labels: { __name__: 'cnt', job: 'a' }, points: points((i) => (i < 500 ? i * 2 : (i - 500) * 3 + 1)) },
    { labels: { __name__: 'gauge', job: 'a' }, points: points((i) => Math.sin(i / 9) * 10) },
  ]);
  const eng = new PromqlEngine(src);
  const run = async (q: string, resolution: 'raw' | '1m' | '1h' | 'auto', step = H) =>
    eng.evaluateRange(q, T0 + H, T0 + 6 * H, step, { resolution });

  it.each([
    'max_over_time(gauge[1h])',
    'min_over_time(gauge[2h])',
    'count_over_time(gauge[1h])',
    'last_over_time(gauge[1h])',
    'gauge',
    'sum_over_time(gauge[1h])',
    'avg_over_time(gauge[3h])',
    'rate(cnt[1h])',
    'increase(cnt[2h])',
    'delta(gauge[1h])',
  ])('answers %s from 1m and 1h buckets as from raw samples', async (q) => {
    // Values from buckets are exact up to float summation order. rate/increase/delta place the
    // first and last sample at estimated times (half a sample interval inside its bucket), off
    // by at most 0.5 s here at each end of a sampled span of at least 3585 s where a window is
    // only partly covered; Prometheus' extrapolation then differs by at most 1 s / 3585 s.
    const tolerance = /^(rate|increase|delta)/.test(q) ? 1 / 3585 : 1e-9;
    const raw = await run(q, 'raw');
    expect(raw.plan.resolution).toBe('raw');
    for (const tier of ['1m', '1h'] as const) {
      const got = await run(q, tier);
      expect(got.plan.resolution).toBe(tier);
      const want = raw.value.type === 'matrix' ? raw.value.series : [];
      const have = got.value.type === 'matrix' ? got.value.series : [];
      expect(have.map((x) => x.labels)).toEqual(want.map((x) => x.labels));
      have.forEach((series, i) => {
        series.points.forEach(([t, v], j) => {
          const [wt, wv] = want[i]?.points[j] ?? [Number.NaN, Number.NaN];
          expect(t).toBe(wt);
          expect(Math.abs(v - wv)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(wv)));
        });
      });
    }
  });

  it('keeps raw samples for functions rollups cannot answer and for small ranges', async () => {
    expect((await run('irate(cnt[5m])', '1h')).plan).toMatchObject({ resolution: 'raw', rawSelectors: 1 });
    expect((await run('quantile_over_time(0.5, gauge[1h])', 'auto')).plan.resolution).toBe('raw');
    // 5 h range at 1 h step is under the 6 h small-range rule.
    expect((await run('max_over_time(gauge[1h])', 'auto')).plan.resolution).toBe('raw');
    const long = await eng.evaluateRange('max_over_time(gauge[1h]) + rate(cnt[5m])', T0, T0 + 12 * H, H);
    // 5m is no multiple of 1h: that selector steps down to the 1m tier.
    expect(long.plan.resolution).toBe('1h');
    expect([...long.plan.tiers.values()].sort()).toEqual(['1h', '1m']);
  });

  it('refuses a forced tier whose buckets do not make up the windows', async () => {
    await expect(run('rate(cnt[90s])', '1m')).rejects.toThrow(/whole multiples of 1m \(got range 90s\)/);
    await expect(run('gauge', '1h', 60_000)).rejects.toThrow(/got step 60s/);
  });
});
