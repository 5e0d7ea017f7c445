import type { Store } from './client.ts';
import { ident, p, sql, unsafeRaw } from './sql.ts';

/** Tables whose rows expire by a time column, by retention setting. */
export const RETENTION_TABLES = {
  logs: { table: 'logs', column: 'ts' },
  metrics: { table: 'metric_samples', column: 'ts' },
  metrics1m: { table: 'metric_rollup_1m', column: 'bucket' },
  metrics1h: { table: 'metric_rollup_1h', column: 'bucket' },
  metrics1d: { table: 'metric_rollup_1d', column: 'bucket' },
} as const;
export type RetentionKind = keyof typeof RETENTION_TABLES;

/** The TTL a table currently has, in seconds, or null when none. */
export async function retentionSeconds(store: Store, kind: RetentionKind): Promise<number | null> {
  const { table, column } = RETENTION_TABLES[kind];
  const rows = await store.query<{ q: string }>(
    sql`SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = ${p.String(table)}`,
  );
  // The column names are constants above (plain identifiers), safe inside a pattern.
  const ttl = new RegExp(`TTL\\s+toDateTime\\(\`?${column}\`?\\)\\s*\\+\\s*toIntervalSecond\\((\\d+)\\)`, 'i');
  const m = ttl.exec(rows[0]?.q ?? '');
  return m ? Number(m[1]) : null;
}

export async function setRetentionSeconds(store: Store, kind: RetentionKind, seconds: number): Promise<void> {
  if (!Number.isInteger(seconds) || seconds <= 0) throw new RangeError(`retention must be positive: ${seconds}`);
  const { table, column } = RETENTION_TABLES[kind];
  // A validated integer; TTL clauses take no query parameters.
  await store.command(
    sql`ALTER TABLE ${ident(table)} MODIFY TTL toDateTime(${ident(column)}) + toIntervalSecond(${unsafeRaw(String(seconds))})`,
  );
}
