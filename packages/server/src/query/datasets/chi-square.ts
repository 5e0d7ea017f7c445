import gammainc from '@stdlib/math-base-special-gammainc';

export interface ChiSquareResult {
  /** null when a category has observations but no expected count (statistic +∞, p-value 0). */
  statistic: number | null;
  pValue: number | null;
  dof: number;
}

/**
 * Pearson's chi-square of observed counts against expected proportions, as SciPy's
 * `chisquare(f_obs, f_exp)` with f_exp = proportions · Σ f_obs. The p-value is the upper
 * regularised incomplete gamma Q(dof/2, χ²/2), taken directly (not 1 − CDF) so small
 * p-values keep their precision; stdlib's gammainc implements it after Boost's.
 */
export function chiSquare(observed: readonly number[], expectedProportions: readonly number[]): ChiSquareResult {
  if (observed.length !== expectedProportions.length) throw new RangeError('chiSquare: lengths differ');
  const n = observed.reduce((s, o) => s + o, 0);
  const totalP = expectedProportions.reduce((s, p) => s + p, 0);
  const dof = observed.length - 1;
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const o = observed[i] as number;
    const e = ((expectedProportions[i] as number) / totalP) * n;
    if (e === 0) {
      if (o > 0) return { statistic: null, pValue: 0, dof };
      continue;
    }
    statistic += ((o - e) * (o - e)) / e;
  }
  // One category has no degrees of freedom: SciPy answers NaN, here null.
  if (dof < 1 || n === 0) return { statistic: dof < 1 ? 0 : statistic, pValue: null, dof };
  return { statistic, pValue: gammainc(statistic / 2, dof / 2, true, true), dof };
}
