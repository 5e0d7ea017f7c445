import type { SessionPool } from './session-pool.ts';

/**
 * ClickHouse's system.*_log tables grow without bound unless they have a TTL. chDB 26.7
 * creates none of them (query_log, part_log, text_log, metric_log … are all absent; only
 * in-memory system tables exist), so today this finds nothing. It stays so that a chDB
 * upgrade that starts writing log tables cannot fill the disk unnoticed.
 */
export async function applySystemLogTtl(pool: SessionPool, ttlDays: number): Promise<string[]> {
  const run = async (sql: string) =>
    (
      await pool.execute({ sql, settings: new Map(), database: 'default', defaultFormat: 'TSV', readonly: false })
    ).body.toString('utf8');
  const listing = await run(
    "SELECT name FROM system.tables WHERE database = 'system' AND engine LIKE '%MergeTree' AND name LIKE '%\\_log%' " +
      "AND position(create_table_query, ' TTL ') = 0 " +
      "AND name IN (SELECT table FROM system.columns WHERE database = 'system' AND name = 'event_date') FORMAT TSV",
  );
  const tables = listing.split('\n').filter((t) => /^[A-Za-z0-9_]+$/.test(t));
  for (const table of tables) {
    await run(`ALTER TABLE system.${table} MODIFY TTL event_date + INTERVAL ${Math.max(1, Math.floor(ttlDays))} DAY`);
  }
  return tables;
}
