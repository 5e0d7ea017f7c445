import type { Histogram } from '@stellwerk/contracts';
import { HistogramCdf } from './cdf.ts';

/** SciPy's ks_2samp switches from the exact distribution to the asymptotic one above this sample size. */
export const KS_EXACT_MAX_N = 10_000;

/** `exact` up to KS_EXACT_MAX_N values in the larger sample, as ks_2samp(method='auto') chooses. */
export function ksMode(n1: number, n2: number): 'exact' | 'asymp' {
  return Math.max(n1, n2) <= KS_EXACT_MAX_N ? 'exact' : 'asymp';
}

/**
 * Survival function of Kolmogorov's limiting distribution (SciPy's kstwobign.sf): two
 * series, each used where it converges fast and keeps precision.
 */
export function kolmogorovSf(x: number): number {
  if (!(x > 0)) return 1;
  if (x < 1) {
    // CDF = sqrt(2π)/x · Σ exp(−(2k−1)²π²/(8x²)); small where the sf is close to 1.
    const c = (-Math.PI * Math.PI) / (8 * x * x);
    let cdf = 0;
    for (let k = 1; k < 100; k++) {
      const term = Math.exp(c * (2 * k - 1) ** 2);
      cdf += term;
      if (term < 1e-17 * cdf) break;
    }
    return 1 - (Math.sqrt(2 * Math.PI) / x) * cdf;
  }
  // sf = 2 Σ (−1)^(k−1) exp(−2k²x²); alternating with fast-falling terms.
  let sf = 0;
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sf += k % 2 === 1 ? term : -term;
    if (term < 1e-17 * sf) break;
  }
  return Math.min(1, Math.max(0, 2 * sf));
}

/** Asymptotic two-sided p-value of a two-sample statistic D for sample sizes n1 and n2. */
export function ksAsymptoticPValue(d: number, n1: number, n2: number): number {
  const en = (n1 * n2) / (n1 + n2);
  return kolmogorovSf(d * Math.sqrt(en));
}

export interface BinnedKs {
  statistic: number;
  pValue: number;
  /** |statistic − the exact statistic of the underlying samples| ≤ errorBound. */
  errorBound: number;
}

/**
 * Two-sample KS from histograms only. Each histogram's even-spread CDF is within its largest
 * bin mass of the true CDF everywhere, so the supremum distance between the two (reached at a
 * bin edge, as both are piecewise linear) is within the sum of the two largest bin masses of
 * the exact statistic. The p-value uses the asymptotic distribution.
 */
export function ksFromHistograms(current: Histogram, reference: Histogram): BinnedKs {
  const a = new HistogramCdf(current);
  const b = new HistogramCdf(reference);
  const points = [...new Set([...current.edges, ...reference.edges])];
  let d = 0;
  for (const x of points) {
    d = Math.max(d, Math.abs(a.at(x) - b.at(x)), Math.abs(a.at(x, true) - b.at(x, true)));
  }
  return {
    statistic: d,
    pValue: a.total > 0 && b.total > 0 ? ksAsymptoticPValue(d, a.total, b.total) : 1,
    errorBound: a.maxBinMass + b.maxBinMass,
  };
}
