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
