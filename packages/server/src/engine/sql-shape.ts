import { quoteLiteral } from './settings.ts';

/**
 * The little the shim needs to know about a statement's text. It never rewrites user SQL:
 * it only recognises an insert whose data is the request body, and statements that may
 * change connection state (which the connection must not carry to the next request).
 */

const INSERT_WITH_DATA = /^\s*INSERT\s+INTO\s[\s\S]*?\sFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i;

/** The data format of an `INSERT … FORMAT X` whose rows follow separately, or null. */
export function insertDataFormat(sql: string): string | null {
  const m = INSERT_WITH_DATA.exec(sql);
  return m?.[1] ?? null;
}

// The table (qualified or quoted, no spaces) and an optional column list, then what follows it.
const INSERT_PARTS =
  /^\s*(INSERT\s+INTO\s+(?:TABLE\s+)?[\w.`"]+(?:\s*\([^()]*\))?)\s+((?:SETTINGS\s[\s\S]*?\s)?FORMAT\s+[A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i;

/**
 * `INSERT INTO t … FORMAT X` reading its rows from a file: `FROM INFILE` goes after the table
 * and its columns, before SETTINGS and FORMAT. Null for a statement of another shape.
 */
export function insertFromFile(prefix: string, path: string): string | null {
  const m = INSERT_PARTS.exec(prefix);
  if (!m) return null;
  return `${m[1]} FROM INFILE ${quoteLiteral(path)} ${m[2]}`;
}

// SET and USE stick to a chDB connection, and so do temporary tables. Matching the bare
// words over-approximates (a string literal 'set' also matches), which only costs a check.
const STATE_CHANGING = /\b(SET|USE|TEMPORARY)\b/i;

export function mayChangeConnectionState(sql: string): boolean {
  return STATE_CHANGING.test(sql);
}

const TRAILING_FORMAT = /\sFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i;

/** The output format named at the end of a query, for the X-ClickHouse-Format header. */
export function outputFormat(sql: string, fallback: string): string {
  return TRAILING_FORMAT.exec(sql)?.[1] ?? fallback;
}

export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}
