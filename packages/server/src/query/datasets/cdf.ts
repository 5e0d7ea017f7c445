import type { Histogram } from '@stellwerk/contracts';

/**
 * The CDF a histogram implies when values are spread evenly inside each bin: exact at the
 * bin edges, linear in between, so it is never further from the data's true CDF than the
 * mass of one bin. A bin of zero width (all values equal) is a step.
 */
export class HistogramCdf {
  private readonly cumulative: number[];
  readonly total: number;
  /** The largest share of all values in one bin: the bound on this CDF's error. */
  readonly maxBinMass: number;

  constructor(readonly histogram: Histogram) {
    const { edges, counts } = histogram;
    if (edges.length !== counts.length + 1) throw new RangeError('histogram: edges must be one more than counts');
    this.cumulative = [0];
    let sum = 0;
    let largest = 0;
    for (const c of counts) {
      sum += c;
      largest = Math.max(largest, c);
      this.cumulative.push(sum);
    }
    this.total = sum;
    this.maxBinMass = sum > 0 ? largest / sum : 0;
  }

  /** P(X ≤ x) under the even-spread assumption; `leftLimit` gives P(X < x) at a step. */
  at(x: number, leftLimit = false): number {
    const { edges, counts } = this.histogram;
    if (this.total === 0) return 0;
    const first = edges[0] as number;
    const last = edges[edges.length - 1] as number;
    if (x < first) return 0;
    if (x >= last) {
      // Just left of the last edge only a degenerate last bin (all values equal) is missing.
      const lastLo = edges[counts.length - 1] as number;
      if (leftLimit && x === last && lastLo === last)
        return (this.cumulative[counts.length - 1] as number) / this.total;
      return 1;
    }
    // Bin i with edges[i] ≤ x < edges[i+1] (binary search over the increasing edges).
    let lo = 0;
    let hi = counts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((edges[mid] as number) <= x) lo = mid;
      else hi = mid - 1;
    }
    const a = edges[lo] as number;
    const b = edges[lo + 1] as number;
    const before = this.cumulative[lo] as number;
    const inBin = counts[lo] as number;
    const fraction = b > a ? (x - a) / (b - a) : leftLimit ? 0 : 1;
    return (before + inBin * fraction) / this.total;
  }
}
