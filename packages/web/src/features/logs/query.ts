/** Small helpers that edit the search query text; the server owns the real parser. */

// No ':' (field separator), '*' (prefix search) or leading '-' (exclusion) in bare values.
const BARE = /^[\w.@/][\w.\-/@]*$/;

/** `value` as a query token: bare when safe, else a quoted phrase with escapes. */
export function quoteValue(value: string): string {
  if (value !== '' && BARE.test(value) && !/^(AND|OR|NOT)$/i.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function fieldTerm(field: string, value: string, exclude = false): string {
  return `${exclude ? '-' : ''}${field}:${quoteValue(value)}`;
}

/** Appends a term (AND is implicit); removes an opposite term for the same field and value. */
export function addTerm(query: string, field: string, value: string, exclude = false): string {
  const term = fieldTerm(field, value, exclude);
  const opposite = fieldTerm(field, value, !exclude);
  let q = query.trim();
  const has = (t: string) => ` ${q} `.includes(` ${t} `);
  if (has(term)) return q;
  if (has(opposite)) q = ` ${q} `.replace(` ${opposite} `, ' ').trim();
  // Wrap an OR query so the new term applies to all of it, not just its last alternative.
  if (/\bOR\b/.test(q)) q = `(${q})`;
  return q ? `${q} ${term}` : term;
}
