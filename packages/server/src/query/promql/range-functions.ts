/**
 * Functions over a range of raw samples, ported from Prometheus 2.42 (promql/functions.go)
 * including its extrapolation and counter-reset rules, so results agree to float precision.
 */

export interface Window {
  /** Epoch ms and values of the non-stale samples in [start, end], ascending. */
  t: number[];
  v: number[];
  start: number;
  end: number;
  rangeMs: number;
  /** The evaluation timestamp (for predict_linear). */
  evalTs: number;
}

type RangeFn = (w: Window, param: number) => number | undefined;

/** Neumaier-compensated summation step, as Prometheus' kahanSumInc. */
export function kahanInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

function extrapolatedRate(w: Window, isCounter: boolean, isRate: boolean): number | undefined {
  const n = w.t.length;
  if (n < 2) return undefined;
  const firstV = w.v[0] as number;
  // Resets are summed apart and added once, in Prometheus' order, so floats agree bit for bit.
  let correction = 0;
  let last = 0;
  for (const v of w.v) {
    if (isCounter && v < last) correction += last;
    last = v;
  }
  return extrapolate(
    last - firstV + correction,
    firstV,
    w.t[0] as number,
    w.t[n - 1] as number,
    n,
    w,
    isCounter,
    isRate,
  );
}

/**
 * Prometheus' extrapolation of an increase seen between the first and last sample of a window
 * (`n` samples, first value `firstV`) to the window's edges, then per second for rate.
 */
export function extrapolate(
  increase: number,
  firstV: number,
  firstT: number,
  lastT: number,
  n: number,
  w: Pick<Window, 'start' | 'end' | 'rangeMs'>,
  isCounter: boolean,
  isRate: boolean,
): number {
  let result = increase;
  let durationToStart = (firstT - w.start) / 1000;
  const durationToEnd = (w.end - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const avgBetween = sampledInterval / (n - 1);
  if (isCounter && result > 0 && firstV >= 0) {
    const durationToZero = sampledInterval * (firstV / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = avgBetween * 1.1;
  let extrapolateTo = sampledInterval;
  extrapolateTo += durationToStart < threshold ? durationToStart : avgBetween / 2;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : avgBetween / 2;
  result *= extrapolateTo / sampledInterval;
  if (isRate) result /= w.rangeMs / 1000;
  return result;
}

function instantValue(w: Window, isRate: boolean): number | undefined {
  const n = w.t.length;
  if (n < 2) return undefined;
  const last = w.v[n - 1] as number;
  const prev = w.v[n - 2] as number;
  const result = isRate && last < prev ? last : last - prev;
  const interval = (w.t[n - 1] as number) - (w.t[n - 2] as number);
  if (interval === 0) return undefined;
  return isRate ? result / (interval / 1000) : result;
}

/** Least squares over (t - interceptTime, v), as Prometheus' linearRegression. */
export function linearRegression(t: number[], v: number[], interceptTime: number): [number, number] {
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = v[0] as number;
  let constY = true;
  for (let i = 0; i < t.length; i++) {
    const y = v[i] as number;
    if (constY && i > 0 && y !== initY) constY = false;
    n += 1;
    const x = ((t[i] as number) - interceptTime) / 1e3;
    [sumX, cX] = kahanInc(x, sumX, cX);
    [sumY, cY] = kahanInc(y, sumY, cY);
    [sumXY, cXY] = kahanInc(x * y, sumXY, cXY);
    [sumX2, cX2] = kahanInc(x * x, sumX2, cX2);
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [Number.NaN, Number.NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

/** Prometheus' quantile over plain values (linear interpolation between closest ranks). */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...values].sort((a, b) => (Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : a - b));
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return (sorted[lower] as number) * (1 - weight) + (sorted[upper] as number) * weight;
}

function nonEmpty(fn: (v: number[]) => number): RangeFn {
  return (w) => (w.v.length === 0 ? undefined : fn(w.v));
}

function variance(v: number[]): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (const x of v) {
    count++;
    const delta = x - (mean + cMean);
    [mean, cMean] = kahanInc(delta / count, mean, cMean);
    [aux, cAux] = kahanInc(delta * (x - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

export const RANGE_FUNCTIONS: Record<string, RangeFn> = {
  rate: (w) => extrapolatedRate(w, true, true),
  increase: (w) => extrapolatedRate(w, true, false),
  delta: (w) => extrapolatedRate(w, false, false),
  irate: (w) => instantValue(w, true),
  idelta: (w) => instantValue(w, false),
  deriv: (w) => (w.t.length < 2 ? undefined : linearRegression(w.t, w.v, w.t[0] as number)[0]),
  predict_linear: (w, duration) => {
    if (w.t.length < 2) return undefined;
    const [slope, intercept] = linearRegression(w.t, w.v, w.evalTs);
    return slope * duration + intercept;
  },
  avg_over_time: nonEmpty((v) => {
    let mean = 0;
    let count = 0;
    for (const x of v) {
      count++;
      if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
        if (!Number.isFinite(x) && !Number.isNaN(x) && mean > 0 === x > 0) continue;
        if (Number.isFinite(x)) continue;
      }
      mean += x / count - mean / count;
    }
    return mean;
  }),
  sum_over_time: nonEmpty((v) => {
    let sum = 0;
    let c = 0;
    for (const x of v) [sum, c] = kahanInc(x, sum, c);
    return Number.isFinite(sum) ? sum + c : sum;
  }),
  count_over_time: nonEmpty((v) => v.length),
  min_over_time: nonEmpty((v) => {
    let m = v[0] as number;
    for (const x of v) if (x < m || Number.isNaN(m)) m = x;
    return m;
  }),
  max_over_time: nonEmpty((v) => {
    let m = v[0] as number;
    for (const x of v) if (x > m || Number.isNaN(m)) m = x;
    return m;
  }),
  last_over_time: nonEmpty((v) => v[v.length - 1] as number),
  present_over_time: nonEmpty(() => 1),
  stdvar_over_time: nonEmpty(variance),
  stddev_over_time: nonEmpty((v) => Math.sqrt(variance(v))),
  quantile_over_time: (w, q) => (w.v.length === 0 ? undefined : quantile(q, w.v)),
  changes: nonEmpty((v) => {
    let changes = 0;
    let prev = v[0] as number;
    for (let i = 1; i < v.length; i++) {
      const cur = v[i] as number;
      if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) changes++;
      prev = cur;
    }
    return changes;
  }),
  resets: nonEmpty((v) => {
    let resets = 0;
    let prev = v[0] as number;
    for (let i = 1; i < v.length; i++) {
      const cur = v[i] as number;
      if (cur < prev) resets++;
      prev = cur;
    }
    return resets;
  }),
};
