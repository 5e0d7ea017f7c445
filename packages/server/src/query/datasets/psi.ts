import { DECILES, type Histogram } from '@stellwerk/contracts';
import { HistogramCdf } from './cdf.ts';

/** Stands in for an empty bin's share so the logarithm stays finite (as Evidently does). */
export const PSI_EPSILON = 1e-4;

/**
 * PSI's bin edges: the reference's deciles (linear interpolation, numpy's default), equal
 * edges merged. Bin i holds edges[i−1] < x ≤ edges[i]; the first and last bins are open.
 */
export function psiEdges(referenceQuantiles: Record<string, number>): number[] {
  const edges: number[] = [];
  for (const q of DECILES) {
    const v = referenceQuantiles[String(q)];
    if (v === undefined || !Number.isFinite(v)) throw new RangeError(`profile lacks the ${q} quantile`);
    if (edges.length === 0 || v > (edges[edges.length - 1] as number)) edges.push(v);
  }
  return edges;
}

/** PSI = Σ (cᵢ − rᵢ) · ln(cᵢ / rᵢ) over the shares of each bin; empty bins count as PSI_EPSILON. */
export function psi(currentCounts: readonly number[], referenceCounts: readonly number[]): number {
  if (currentCounts.length !== referenceCounts.length) throw new RangeError('psi: bin counts differ in length');
  const nc = currentCounts.reduce((s, c) => s + c, 0);
  const nr = referenceCounts.reduce((s, c) => s + c, 0);
  if (nc === 0 || nr === 0) return 0;
  let total = 0;
  for (let i = 0; i < currentCounts.length; i++) {
    const c = Math.max((currentCounts[i] as number) / nc, 0) || PSI_EPSILON;
    const r = Math.max((referenceCounts[i] as number) / nr, 0) || PSI_EPSILON;
    total += (c - r) * Math.log(c / r);
  }
  return total;
}

/** Approximate counts per PSI bin from a histogram, spreading each bin's values evenly. */
export function binnedCounts(histogram: Histogram, edges: readonly number[]): number[] {
  const cdf = new HistogramCdf(histogram);
  const out: number[] = [];
  let below = 0;
  for (const e of edges) {
    const upTo = cdf.at(e) * cdf.total;
    out.push(upTo - below);
    below = upTo;
  }
  out.push(cdf.total - below);
  return out;
}
