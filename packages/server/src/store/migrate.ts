import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Store } from './client.ts';
import { p, sql, unsafeRaw } from './sql.ts';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.replace(/\.sql$/, ''),
      statements: splitStatements(readFileSync(join(dir, file), 'utf8')),
    }));
}

/** Splits a migration file on `;` at line ends; statements are written one per block. */
function splitStatements(text: string): string[] {
  return text
    .split(/;\s*(?:\n|$)/)
    .map((s) =>
      s
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((s) => s.length > 0);
}

/**
 * Applies numbered migrations once each, in order, and records them. Statements are written
 * idempotently (IF NOT EXISTS), so a crash between a statement and its record is harmless.
 */
export async function migrate(store: Store, log?: Logger): Promise<number[]> {
  await store.command(
    sql`CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY version`,
  );
  const rows = await store.query<{ version: number }>(sql`SELECT DISTINCT version FROM schema_migrations`);
  const done = new Set(rows.map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of loadMigrations()) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) await store.command(unsafeRaw(statement));
    await store.command(
      sql`INSERT INTO schema_migrations (version, name) VALUES (${p.UInt32(m.version)}, ${p.String(m.name)})`,
    );
    log?.info({ migration: m.name }, 'applied migration');
    applied.push(m.version);
  }
  await limitSystemLogTables(store, log);
  return applied;
}

/**
 * ClickHouse's own system.*_log tables grow without bound unless given a TTL; on a server
 * they can outgrow the data. Tables that do not exist (the embedded engine has none of
 * most) are skipped; a server that forbids the ALTER only earns a warning.
 */
async function limitSystemLogTables(store: Store, log?: Logger): Promise<void> {
  const tables = await store.query<{ name: string; create: string }>(
    sql`SELECT name, create_table_query AS create FROM system.tables WHERE database = 'system' AND name LIKE '%\\_log' AND engine LIKE '%MergeTree'`,
  );
  for (const t of tables) {
    if (/\bTTL\b/.test(t.create)) continue;
    if (!/\bevent_date\b/.test(t.create)) continue;
    try {
      await store.command(
        unsafeRaw(`ALTER TABLE system.\`${t.name.replace(/`/g, '')}\` MODIFY TTL event_date + INTERVAL 7 DAY`),
      );
      log?.info({ table: `system.${t.name}` }, 'set a 7-day TTL on a system log table');
    } catch (err) {
      log?.warn({ table: `system.${t.name}`, err }, 'could not set a TTL on a system log table');
    }
  }
}
