import type { ProvisionFlag, ResourceVerdict, RightsizingRow } from '@stellwerk/contracts';
import { formatBytes } from './format.ts';

/** Badge and bar colours: red for too little, amber for too much, green for fine, grey for no limit. */
export const FLAG_COLORS: Record<ProvisionFlag, string> = {
  under: '#d64545',
  over: '#e09b12',
  ok: '#1f9d55',
  unknown: '#8a94a6',
};

export const FLAG_LABELS: Record<ProvisionFlag, string> = {
  under: 'under-provisioned',
  over: 'over-provisioned',
  ok: 'fits',
  unknown: 'no limit',
};

export type ResourceKind = 'cpu' | 'memory';

export function formatCores(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const text = n < 10 ? n.toFixed(2).replace(/\.?0+$/, '') : n.toFixed(1).replace(/\.0$/, '');
  return `${text} ${n === 1 ? 'core' : 'cores'}`;
}

export function formatResource(kind: ResourceKind, v: number | null | undefined): string {
  return kind === 'cpu' ? formatCores(v) : formatBytes(v);
}

/** Where each marker sits on a bar, as percentages of the bar's width. */
export interface BarLayout {
  p50: number;
  p95: number;
  max: number;
  limit: number | null;
  suggestion: number | null;
}

/** Room after the largest marker, so a marker at the top is not lost in the bar's border. */
const BAR_HEADROOM = 1.05;

/**
 * The bar's scale is the largest of limit, peak and suggestion (plus a little room), so every
 * marker fits and the track (the limit) shows how much of the bar the step had.
 */
export function barLayout(v: ResourceVerdict): BarLayout {
  const top = Math.max(v.limit ?? 0, v.max, v.p95, v.suggestion ?? 0) * BAR_HEADROOM;
  const pct = (x: number) => (top > 0 ? Math.min(100, Math.max(0, (x / top) * 100)) : 0);
  return {
    p50: pct(v.p50),
    p95: pct(v.p95),
    max: pct(v.max),
    limit: v.limit === null ? null : pct(v.limit),
    suggestion: v.suggestion === null ? null : pct(v.suggestion),
  };
}

/** Rows grouped by pipeline, in the server's order; steps outside pipelines come last. */
export function groupByPipeline(rows: RightsizingRow[]): Array<{ pipeline: string; rows: RightsizingRow[] }> {
  const groups = new Map<string, RightsizingRow[]>();
  for (const r of rows) {
    const list = groups.get(r.pipeline);
    if (list) list.push(r);
    else groups.set(r.pipeline, [r]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === '' ? 1 : 0) - (b === '' ? 1 : 0))
    .map(([pipeline, list]) => ({ pipeline, rows: list }));
}
