import type { DriftThresholds } from '@stellwerk/contracts';
import { StellwerkError } from '../../errors.ts';

/** Evidently's defaults: KS and chi-square p-value 0.05, PSI 0.1, JS 0.1, drift share 0.5. */
export const DEFAULT_THRESHOLDS: DriftThresholds = {
  ksPValue: 0.05,
  psi: 0.1,
  chiSquarePValue: 0.05,
  jensenShannon: 0.1,
  shareDrifted: 0.5,
  numericTest: 'ks',
  categoricalTest: 'chisquare',
};

const NUMBER_KEYS = ['ksPValue', 'psi', 'chiSquarePValue', 'jensenShannon', 'shareDrifted'] as const;

/** Thresholds from query parameters of the same names; anything unset keeps its default. */
export function thresholdsFrom(query: Record<string, string | undefined>): DriftThresholds {
  const out: DriftThresholds = { ...DEFAULT_THRESHOLDS };
  for (const key of NUMBER_KEYS) {
    const raw = query[key];
    if (raw === undefined || raw === '') continue;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0 || (key !== 'psi' && v > 1)) {
      throw new StellwerkError(
        'STW_ERR_BAD_REQUEST',
        `Query parameter ${key}=${raw} is not a valid threshold; give a number${key === 'psi' ? ' ≥ 0' : ' between 0 and 1'}.`,
        { errors: [{ field: key, reason: 'not a valid threshold' }] },
      );
    }
    out[key] = v;
  }
  if (query.numericTest !== undefined) {
    if (query.numericTest !== 'ks' && query.numericTest !== 'psi')
      throw new StellwerkError('STW_ERR_BAD_REQUEST', 'numericTest must be ks or psi.', {
        errors: [{ field: 'numericTest', reason: 'not ks or psi' }],
      });
    out.numericTest = query.numericTest;
  }
  if (query.categoricalTest !== undefined) {
    if (query.categoricalTest !== 'chisquare' && query.categoricalTest !== 'jensenshannon')
      throw new StellwerkError('STW_ERR_BAD_REQUEST', 'categoricalTest must be chisquare or jensenshannon.', {
        errors: [{ field: 'categoricalTest', reason: 'not chisquare or jensenshannon' }],
      });
    out.categoricalTest = query.categoricalTest;
  }
  return out;
}

/** A p-value test drifts below its threshold; a distance drifts at or above its threshold. */
export function numericDrifted(t: DriftThresholds, ksPValue: number, psiValue: number): boolean {
  return t.numericTest === 'ks' ? ksPValue < t.ksPValue : psiValue >= t.psi;
}

export function categoricalDrifted(t: DriftThresholds, chiSquarePValue: number | null, js: number): boolean {
  if (t.categoricalTest === 'jensenshannon') return js >= t.jensenShannon;
  return chiSquarePValue !== null && chiSquarePValue < t.chiSquarePValue;
}
