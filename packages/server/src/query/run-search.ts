import { StellwerkError } from '../errors.ts';
import { p, type Sql, sql } from '../store/sql.ts';

export interface RunSearch {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  lifecycle: 'active' | 'deleted' | 'all';
  limit: number;
  offset: number;
}

/**
 * The SELECT of run ids for one page of a run search. Filters and order_by follow MLflow's
 * grammar once the run filter compiler is in place; until then only the experiments, the
 * lifecycle and MLflow's default order (newest start first) are applied, and a filter is
 * refused rather than ignored.
 */
export function runSearchIdsSql(search: RunSearch): Sql {
  if (search.filter?.trim() || (search.orderBy ?? []).some((o) => o.trim() !== '')) {
    throw new StellwerkError('STW_ERR_BAD_QUERY', 'Run filters and order_by are not supported by this server yet.');
  }
  const lifecycle = search.lifecycle === 'all' ? sql`1` : sql`lifecycle_stage = ${p.String(search.lifecycle)}`;
  return sql`
    SELECT run_id FROM runs FINAL
    WHERE experiment_id IN ${p.ArrayString(search.experimentIds)} AND ${lifecycle}
    ORDER BY start_time DESC, run_id ASC
    LIMIT ${p.UInt64(search.limit)} OFFSET ${p.UInt64(search.offset)}`;
}
