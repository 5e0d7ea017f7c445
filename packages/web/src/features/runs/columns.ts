import type { Run } from '@stellwerk/contracts';

/**
 * Runs table columns. Fixed ones are run attributes (`attributes.start_time`); the user adds
 * any metric, param or tag as `metrics.<key>`, `params.<key>`, `tags.<key>`. Sorting is done
 * by the server through MLflow's order_by, so it holds across pages.
 */
export type ColumnId = string;
export type ColumnKind = 'metrics' | 'params' | 'tags';

export interface SortState {
  column: ColumnId;
  desc: boolean;
}

export const DEFAULT_SORT: SortState = { column: 'attributes.start_time', desc: true };

/** Fixed columns that sort on the server; duration and user are shown but sort by start. */
export const SORTABLE_ATTRIBUTES = ['attributes.run_name', 'attributes.status', 'attributes.start_time'];

/** `sort=<column>:asc|desc` in the URL. */
export function parseSort(raw: string | null): SortState {
  if (!raw) return DEFAULT_SORT;
  const i = raw.lastIndexOf(':');
  const column = i > 0 ? raw.slice(0, i) : raw;
  if (!splitColumn(column) && !SORTABLE_ATTRIBUTES.includes(column)) return DEFAULT_SORT;
  return { column, desc: raw.slice(i + 1) !== 'asc' };
}

export function splitColumn(id: ColumnId): { kind: ColumnKind; key: string } | undefined {
  const m = /^(metrics|params|tags)\.(.+)$/s.exec(id);
  return m ? { kind: m[1] as ColumnKind, key: m[2] as string } : undefined;
}

/** MLflow's grammar takes plain identifiers bare and anything else in backticks. */
function quoteKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : `\`${key.replace(/`/g, '')}\``;
}

export function orderByFor(sort: SortState): string {
  const c = splitColumn(sort.column);
  const target = c ? `${c.kind}.${quoteKey(c.key)}` : sort.column;
  return `${target} ${sort.desc ? 'DESC' : 'ASC'}`;
}

export function parseColumns(raw: string): ColumnId[] {
  return raw
    .split(',')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return '';
      }
    })
    .filter((c) => splitColumn(c) !== undefined);
}

/** System metrics (CPU, memory) belong on the resources view, not in the comparison of results. */
export const isSystemMetric = (key: string) => key.startsWith('system/');

/** Every metric, param and tag key on these runs, sorted, for the column picker. */
export function availableColumns(runs: Run[]): Record<ColumnKind, string[]> {
  const out = { metrics: new Set<string>(), params: new Set<string>(), tags: new Set<string>() };
  for (const r of runs) {
    for (const m of r.metrics) out.metrics.add(m.key);
    for (const k of Object.keys(r.params)) out.params.add(k);
    // mlflow.* tags are bookkeeping (run name, parent, source) already shown elsewhere.
    for (const k of Object.keys(r.tags)) if (!k.startsWith('mlflow.')) out.tags.add(k);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { metrics: sorted(out.metrics), params: sorted(out.params), tags: sorted(out.tags) };
}

/** Until the user picks, the first few result metrics and params of the runs shown. */
export function defaultColumns(runs: Run[]): ColumnId[] {
  const a = availableColumns(runs);
  return [
    ...a.metrics
      .filter((k) => !isSystemMetric(k))
      .slice(0, 4)
      .map((k) => `metrics.${k}`),
    ...a.params.slice(0, 3).map((k) => `params.${k}`),
  ];
}

export function cellValue(run: Run, column: ColumnId): string | number | undefined {
  const c = splitColumn(column);
  if (!c) return undefined;
  if (c.kind === 'metrics') return run.metrics.find((m) => m.key === c.key)?.value;
  if (c.kind === 'params') return run.params[c.key];
  return run.tags[c.key];
}
