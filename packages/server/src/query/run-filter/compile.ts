/**
 * Compiles an MLflow run search into one SELECT of run ids, in order, against the runs
 * tables (store/migrations/007_runs.sql). Runs and tags change by new rows with a higher
 * version, so the latest state is read with FINAL (runs) or argMax by version (params,
 * tags); a deleted tag does not exist. A metric's value is its latest: highest step, then
 * latest timestamp, then highest value, as in MLflow.
 * Ordering follows MLflow's SQL store: runs missing the ordered value sort last in both
 * directions (NaN metrics just before them), then start_time DESC unless ordered by it
 * already, then run_id.
 */

import { ident, join, p, type Sql, sql, unsafeRaw } from '../../store/sql.ts';
import type { FilterClause, NumericComparator, OrderByEntry, RunAttribute, StringComparator } from './ast.ts';
import { RunFilterError } from './ast.ts';
import { parseOrderBy, parseRunFilter } from './parser.ts';

export interface RunSearchOptions {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  lifecycle: 'active' | 'deleted' | 'all';
  limit: number;
  offset: number;
}

/** The runs table's column behind each attribute (user_id is `user`, run_name is `name`). */
const ATTRIBUTE_COLUMNS: Record<RunAttribute, string> = {
  run_id: 'run_id',
  run_name: 'name',
  status: 'status',
  user_id: 'user',
  artifact_uri: 'artifact_uri',
  lifecycle_stage: 'lifecycle_stage',
  start_time: 'start_time',
  end_time: 'end_time',
};

/** Comparators are a closed set from the parser, so their text is a constant of this file. */
const OPERATORS: Record<NumericComparator | StringComparator, string> = {
  '=': '=',
  '!=': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  LIKE: 'LIKE',
  ILIKE: 'ILIKE',
};

/** MLflow's dataset context is the input's `mlflow.data.context` tag. */
const CONTEXT_TAG = 'mlflow.data.context';

/** Parses and compiles a search; bad filters or order_by entries throw RunFilterError (400). */
export function runSearchSql(opts: RunSearchOptions): Sql {
  if (!Number.isInteger(opts.limit) || opts.limit < 0) {
    throw new RunFilterError(`limit must be a non-negative integer, got ${opts.limit}`, 0);
  }
  if (!Number.isInteger(opts.offset) || opts.offset < 0) {
    throw new RunFilterError(`offset must be a non-negative integer, got ${opts.offset}`, 0);
  }
  const clauses = parseRunFilter(opts.filter ?? '');
  const order = parseOrderBy(opts.orderBy ?? []);

  const experiments = p.ArrayString(opts.experimentIds);
  // Per-key subqueries read only these experiments' runs: run_id leads the tables' keys.
  const scope = sql`run_id IN (SELECT run_id FROM runs WHERE has(${experiments}, experiment_id))`;
  const where: Sql[] = [sql`has(${experiments}, r.experiment_id)`];
  if (opts.lifecycle !== 'all') where.push(sql`r.lifecycle_stage = ${p.String(opts.lifecycle)}`);
  for (const clause of clauses) where.push(clauseSql(clause, scope));

  const joins: Sql[] = [];
  const orderTerms: Sql[] = [];
  order.forEach((entry, i) => {
    const { join: j, terms } = orderSql(entry, i, scope);
    if (j) joins.push(j);
    orderTerms.push(...terms);
  });
  if (!order.some((e) => e.kind === 'attribute' && e.key === 'start_time')) orderTerms.push(sql`r.start_time DESC`);
  orderTerms.push(sql`r.run_id ASC`);

  return sql`SELECT r.run_id AS run_id
FROM runs AS r FINAL
${join(joins, '\n')}
WHERE ${join(where, ' AND ')}
ORDER BY ${join(orderTerms, ', ')}
LIMIT ${p.UInt64(opts.limit)} OFFSET ${p.UInt64(opts.offset)}`;
}

/** The latest value of one metric per run: highest step, then timestamp, then value. */
function latestMetric(key: string, scope: Sql): Sql {
  return sql`SELECT run_id, argMax(value, (step, timestamp, value)) AS v, 1 AS present
FROM run_metrics WHERE key = ${p.String(key)} AND ${scope} GROUP BY run_id`;
}

function latestParam(key: string, scope: Sql): Sql {
  return sql`SELECT run_id, argMax(value, version) AS v, 1 AS present
FROM run_params WHERE key = ${p.String(key)} AND ${scope} GROUP BY run_id`;
}

/** Tags whose latest row is a deletion are left out: they do not exist. */
function latestTag(key: string, scope: Sql): Sql {
  return sql`SELECT run_id, argMax(value, version) AS v, 1 AS present
FROM run_tags WHERE key = ${p.String(key)} AND ${scope} GROUP BY run_id HAVING argMax(deleted, version) = 0`;
}

function clauseSql(c: FilterClause, scope: Sql): Sql {
  switch (c.kind) {
    case 'metric':
      // A run without the metric matches no comparison, not even !=, as in MLflow.
      return sql`r.run_id IN (SELECT run_id FROM (${latestMetric(c.key, scope)}) WHERE v ${op(c.op)} ${p.Float64(c.value)})`;
    case 'param':
      return sql`r.run_id IN (SELECT run_id FROM (${latestParam(c.key, scope)}) WHERE v ${op(c.op)} ${p.String(c.value)})`;
    case 'tag':
      return sql`r.run_id IN (SELECT run_id FROM (${latestTag(c.key, scope)}) WHERE v ${op(c.op)} ${p.String(c.value)})`;
    case 'dataset': {
      const column = c.key === 'context' ? sql`tags[${p.String(CONTEXT_TAG)}]` : sql`${ident(c.key)}`;
      const test =
        c.op === 'IN' || c.op === 'NOT IN'
          ? sql`${unsafeRaw(c.op === 'NOT IN' ? 'NOT ' : '')}has(${p.ArrayString(c.value as string[])}, ${column})`
          : sql`${column} ${op(c.op)} ${p.String(c.value as string)}`;
      return sql`r.run_id IN (SELECT run_id FROM run_inputs FINAL WHERE ${scope} AND ${test})`;
    }
    case 'attribute': {
      const column = sql`r.${ident(ATTRIBUTE_COLUMNS[c.key])}`;
      if (c.op === 'IN') return sql`has(${p.ArrayString(c.value as string[])}, ${column})`;
      if (c.op === 'NOT IN') return sql`NOT has(${p.ArrayString(c.value as string[])}, ${column})`;
      if (c.key === 'start_time' || c.key === 'end_time') {
        // A run still going has no end_time: NULL compares to nothing, so it never matches.
        return sql`toUnixTimestamp64Milli(${column}) ${op(c.op)} ${p.Float64(c.value as number)}`;
      }
      return sql`${column} ${op(c.op)} ${p.String(c.value as string)}`;
    }
  }
}

function orderSql(entry: OrderByEntry, i: number, scope: Sql): { join?: Sql; terms: Sql[] } {
  const dir = unsafeRaw(entry.ascending ? 'ASC' : 'DESC');
  if (entry.kind === 'attribute') {
    const column = sql`r.${ident(ATTRIBUTE_COLUMNS[entry.key])}`;
    // Only end_time can be missing (a run still going); it sorts last either way.
    if (entry.key === 'end_time') return { terms: [sql`isNull(${column}) ASC`, sql`${column} ${dir}`] };
    return { terms: [sql`${column} ${dir}`] };
  }
  const alias = ident(`o${i}`);
  const source =
    entry.kind === 'metric'
      ? latestMetric(entry.key, scope)
      : entry.kind === 'param'
        ? latestParam(entry.key, scope)
        : latestTag(entry.key, scope);
  // LEFT JOIN fills a missing run's `present` with 0, so it sorts after those with the value.
  const terms = [sql`${alias}.present = 0 ASC`];
  if (entry.kind === 'metric') terms.push(sql`isNaN(${alias}.v) ASC`);
  terms.push(sql`${alias}.v ${dir}`);
  return { join: sql`LEFT JOIN (${source}) AS ${alias} ON ${alias}.run_id = r.run_id`, terms };
}

function op(o: NumericComparator | StringComparator): Sql {
  return unsafeRaw(OPERATORS[o]);
}
