import type { LabelMatcher } from './ast.ts';
import { execError } from './errors.ts';
import { compareLabels, type Labels } from './labels.ts';
import { matchAll } from './matchers.ts';

/** Raw samples of one series, ordered by time. */
export interface SeriesData {
  /** Including `__name__`. */
  labels: Labels;
  /** Epoch ms, ascending. */
  t: number[];
  v: number[];
  /** 1 where the sample is a staleness marker (the series ended there). */
  stale?: Uint8Array;
}

/** The rollup tiers, finest first, with their bucket width. */
export type Tier = '1m' | '1h' | '1d';
export const TIER_MS: Record<Tier, number> = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 };

/** One series' rollup buckets, ordered by bucket start; staleness markers are not in them. */
export interface RollupSeriesData {
  /** Including `__name__`. */
  labels: Labels;
  /** Bucket starts, epoch ms, ascending. */
  t: number[];
  min: number[];
  max: number[];
  sum: number[];
  count: number[];
  first: number[];
  last: number[];
}

export interface QueryLimits {
  maxSeriesPerSelector: number;
  maxSamplesPerQuery: number;
}

export const DEFAULT_LIMITS: QueryLimits = { maxSeriesPerSelector: 10_000, maxSamplesPerQuery: 5_000_000 };

/**
 * Where the evaluator reads raw samples: the store in production (repository-source.ts), plain
 * arrays in unit tests. One call per selector per query.
 */
export interface SampleSource {
  /** `deadlineMs` (epoch ms): the query's deadline, for a source that can stop its reads at it. */
  select(
    matchers: readonly LabelMatcher[],
    fromMs: number,
    toMs: number,
    limits: QueryLimits,
    deadlineMs?: number,
  ): Promise<SeriesData[]>;
  /** Rollup buckets starting in [fromMs, toMs]; a source without rollups leaves this out. */
  selectRollup?(
    tier: Tier,
    matchers: readonly LabelMatcher[],
    fromMs: number,
    toMs: number,
    limits: QueryLimits,
    deadlineMs?: number,
  ): Promise<RollupSeriesData[]>;
}

export function tooManySeries(limit: number): Error {
  return execError(
    `query selects more than ${limit} series in one selector; add label matchers to narrow it (Stellwerk's limit per selector)`,
  );
}

/** A point in a test series: `'stale'` writes a staleness marker. */
export type MemoryPoint = [tMs: number, value: number | 'stale'];

/** An in-memory source for tests and embedding. */
export class MemorySource implements SampleSource {
  private readonly series: SeriesData[];

  constructor(input: Array<{ labels: Labels; points: MemoryPoint[] }>) {
    this.series = input.map(({ labels, points }) => {
      const sorted = [...points].sort((a, b) => a[0] - b[0]);
      const stale = new Uint8Array(sorted.length);
      sorted.forEach(([, v], i) => {
        if (v === 'stale') stale[i] = 1;
      });
      return {
        labels,
        t: sorted.map((x) => x[0]),
        v: sorted.map((x) => (x[1] === 'stale' ? Number.NaN : x[1])),
        stale,
      };
    });
  }

  async select(
    matchers: readonly LabelMatcher[],
    fromMs: number,
    toMs: number,
    limits: QueryLimits,
  ): Promise<SeriesData[]> {
    const out: SeriesData[] = [];
    for (const s of this.series) {
      if (!matchAll(matchers, s.labels)) continue;
      const idx: number[] = [];
      s.t.forEach((t, i) => {
        if (t >= fromMs && t <= toMs) idx.push(i);
      });
      if (idx.length === 0) continue;
      if (out.length >= limits.maxSeriesPerSelector) throw tooManySeries(limits.maxSeriesPerSelector);
      out.push({
        labels: s.labels,
        t: idx.map((i) => s.t[i] as number),
        v: idx.map((i) => s.v[i] as number),
        stale: Uint8Array.from(idx.map((i) => s.stale?.[i] ?? 0)),
      });
    }
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }

  /** Buckets computed on the fly the way the store's views compute them. */
  async selectRollup(
    tier: Tier,
    matchers: readonly LabelMatcher[],
    fromMs: number,
    toMs: number,
    limits: QueryLimits,
  ): Promise<RollupSeriesData[]> {
    const width = TIER_MS[tier];
    const raw = await this.select(matchers, fromMs, toMs + width - 1, limits);
    const out: RollupSeriesData[] = [];
    for (const s of raw) {
      const r: RollupSeriesData = {
        labels: s.labels,
        t: [],
        min: [],
        max: [],
        sum: [],
        count: [],
        first: [],
        last: [],
      };
      s.t.forEach((t, i) => {
        if (s.stale?.[i]) return;
        const b = Math.floor(t / width) * width;
        if (b < fromMs || b > toMs) return;
        const v = s.v[i] as number;
        const k = r.t.length - 1;
        if (r.t[k] !== b) {
          r.t.push(b);
          r.min.push(v);
          r.max.push(v);
          r.sum.push(v);
          r.count.push(1);
          r.first.push(v);
          r.last.push(v);
          return;
        }
        r.min[k] = Math.min(r.min[k] as number, v);
        r.max[k] = Math.max(r.max[k] as number, v);
        r.sum[k] = (r.sum[k] as number) + v;
        r.count[k] = (r.count[k] as number) + 1;
        r.last[k] = v;
      });
      if (r.t.length > 0) out.push(r);
    }
    return out;
  }
}
