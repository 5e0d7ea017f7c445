import { rollupCounterIncrease } from '../../store/metrics-repository.ts';
import { extrapolate, kahanInc } from './range-functions.ts';
import type { RollupSeriesData } from './source.ts';

/**
 * Range functions answered from rollup buckets instead of raw samples. A window
 * `[ref - range, ref]` is read as the buckets starting in `[ref - range, ref - width]`: the
 * whole buckets inside it. When ref and range are multiples of the bucket width that is the
 * raw window except a sample exactly at `ref`, which falls in the next bucket.
 */
export interface BucketWindow {
  s: RollupSeriesData;
  /** Buckets [a, b) of `s`. */
  a: number;
  b: number;
  widthMs: number;
  start: number;
  end: number;
  rangeMs: number;
}

type BucketFn = (w: BucketWindow) => number | undefined;

function fold(w: BucketWindow, col: 'min' | 'max', better: (x: number, m: number) => boolean): number | undefined {
  if (w.b <= w.a) return undefined;
  let m = w.s[col][w.a] as number;
  for (let i = w.a + 1; i < w.b; i++) {
    const x = w.s[col][i] as number;
    if (better(x, m) || Number.isNaN(m)) m = x;
  }
  return m;
}

function total(w: BucketWindow, col: 'sum' | 'count'): number {
  let sum = 0;
  let c = 0;
  for (let i = w.a; i < w.b; i++) [sum, c] = kahanInc(w.s[col][i] as number, sum, c);
  return Number.isFinite(sum) ? sum + c : sum;
}

/**
 * rate/increase/delta from buckets. The value change is exact (first of the first bucket,
 * last of the last, resets as in `rollupCounterIncrease`); the sample times are not kept, so
 * the first and last sample are placed half a sample interval (width / count) inside their
 * buckets, which is where evenly spaced samples sit. Prometheus' extrapolation then runs on
 * those times.
 */
function extrapolatedFromBuckets(w: BucketWindow, isCounter: boolean, isRate: boolean): number | undefined {
  const { s, a, b, widthMs } = w;
  if (b <= a) return undefined;
  const n = total(w, 'count');
  if (n < 2) return undefined;
  const firstV = s.first[a] as number;
  const lastV = s.last[b - 1] as number;
  let increase = lastV - firstV;
  if (isCounter) {
    const buckets = [];
    for (let i = a; i < b; i++)
      buckets.push({
        min: s.min[i] as number,
        max: s.max[i] as number,
        first: s.first[i] as number,
        last: s.last[i] as number,
      });
    increase = rollupCounterIncrease(buckets);
  }
  const firstT = (s.t[a] as number) + widthMs / (s.count[a] as number) / 2;
  const lastT = (s.t[b - 1] as number) + widthMs - widthMs / (s.count[b - 1] as number) / 2;
  if (lastT <= firstT) return undefined;
  return extrapolate(increase, firstV, firstT, lastT, n, w, isCounter, isRate);
}

/** The range functions rollups can answer; any other keeps its selector on raw samples. */
export const BUCKET_FUNCTIONS: Record<string, BucketFn> = {
  rate: (w) => extrapolatedFromBuckets(w, true, true),
  increase: (w) => extrapolatedFromBuckets(w, true, false),
  delta: (w) => extrapolatedFromBuckets(w, false, false),
  min_over_time: (w) => fold(w, 'min', (x, m) => x < m),
  max_over_time: (w) => fold(w, 'max', (x, m) => x > m),
  sum_over_time: (w) => (w.b > w.a ? total(w, 'sum') : undefined),
  count_over_time: (w) => (w.b > w.a ? total(w, 'count') : undefined),
  avg_over_time: (w) => (w.b > w.a ? total(w, 'sum') / total(w, 'count') : undefined),
  last_over_time: (w) => (w.b > w.a ? (w.s.last[w.b - 1] as number) : undefined),
  present_over_time: (w) => (w.b > w.a ? 1 : undefined),
};
