/**
 * Jensen–Shannon distance with base-2 logarithms, as SciPy's
 * `scipy.spatial.distance.jensenshannon(p, q, base=2)`: both vectors are normalised, and the
 * result is the square root of the divergence, between 0 (same) and 1 (disjoint).
 */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) throw new RangeError('jensenShannon: lengths differ');
  const sp = p.reduce((s, v) => s + v, 0);
  const sq = q.reduce((s, v) => s + v, 0);
  if (sp === 0 || sq === 0) return 0;
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const a = (p[i] as number) / sp;
    const b = (q[i] as number) / sq;
    const m = (a + b) / 2;
    if (a > 0) divergence += a * Math.log(a / m);
    if (b > 0) divergence += b * Math.log(b / m);
  }
  return Math.sqrt(Math.max(0, divergence / 2) / Math.LN2);
}
