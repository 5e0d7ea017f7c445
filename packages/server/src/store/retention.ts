import type { Store } from './client.ts';
import { ident, p, sql, unsafeRaw } from './sql.ts';

/** Tables whose rows expire by their `ts` column, by retention setting. */
export const RETENTION_TABLES = { logs: 'logs', metrics: 'metric_samples' } as const;
export type RetentionKind = keyof typeof RETENTION_TABLES;

/** The TTL a table currently has, in seconds, or null when none. */
export async function retentionSeconds(store: Store, kind: RetentionKind): Promise<number | null> {
  const rows = await store.query<{ q: string }>(
    sql`SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = ${p.String(RETENTION_TABLES[kind])}`,
  );
  const m = /TTL\s+toDateTime\(ts\)\s*\+\s*toIntervalSecond\((\d+)\)/i.exec(rows[0]?.q ?? '');
  return m ? Number(m[1]) : null;
}

export async function setRetentionSeconds(store: Store, kind: RetentionKind, seconds: number): Promise<void> {
  if (!Number.isInteger(seconds) || seconds <= 0) throw new RangeError(`retention must be positive: ${seconds}`);
  // A validated integer; TTL clauses take no query parameters.
  await store.command(
    sql`ALTER TABLE ${ident(RETENTION_TABLES[kind])} MODIFY TTL toDateTime(ts) + toIntervalSecond(${unsafeRaw(String(seconds))})`,
  );
}
