/**
 * Compiles a parsed log query into a boolean SQL condition over the `logs` table
 * (migrations/001_logs.sql). Built only with the `sql` template: user text reaches the
 * engine as typed values, never as SQL.
 *
 * Free text must be able to use the tokenbf index on lower(message), so it compiles to
 * `hasToken(lower(message), token)` per token (the index's own tokenisation, ASCII-lowered
 * like `lower()`), plus an exact `positionCaseInsensitive` check when the term is more than
 * one token.
 */

import { LOG_LEVELS, type LogLevel } from '@stellwerk/contracts';
import { ident, join, p, type Sql, sql } from '../store/sql.ts';
import { type CompareOp, type LeafNode, type QueryNode, QueryParseError } from './log-query-ast.ts';
import { parseLogQuery } from './log-query-parser.ts';
import { asciiLower, isTokenCharAt, tokenize } from './message-tokens.ts';

/** Parses and compiles in one step; throws QueryParseError for any invalid query. */
export function logQueryToSql(query: string): Sql {
  return compileLogQuery(parseLogQuery(query));
}

/** The condition comes back parenthesised, so callers can AND it with anything. */
export function compileLogQuery(node: QueryNode): Sql {
  return sql`(${compile(node)})`;
}

function compile(node: QueryNode): Sql {
  switch (node.type) {
    case 'all':
      return sql`1`;
    case 'and':
      return join(node.children.map(wrap), ' AND ');
    case 'or':
      return join(node.children.map(wrap), ' OR ');
    case 'not':
      return sql`NOT ${wrap(node.child)}`;
    default:
      return compileLeaf(node);
  }
}

const wrap = (node: QueryNode): Sql => sql`(${compile(node)})`;
const and = (parts: Sql[]): Sql =>
  parts.length === 1
    ? (parts[0] as Sql)
    : join(
        parts.map((x) => sql`(${x})`),
        ' AND ',
      );
const or = (parts: Sql[]): Sql =>
  parts.length === 1
    ? (parts[0] as Sql)
    : join(
        parts.map((x) => sql`(${x})`),
        ' OR ',
      );

/** Plain columns: exact, case-sensitive equality, like facets. */
const COLUMNS: Record<string, string> = {
  service: 'service',
  host: 'host',
  level_raw: 'level_raw',
  run_id: 'run_id',
  run: 'run_id',
  trace_id: 'trace_id',
  span_id: 'span_id',
};
const MESSAGE_FIELDS = new Set(['message', 'msg']);
const RESOURCE_PREFIX = 'resource.';

function compileLeaf(node: LeafNode): Sql {
  switch (node.type) {
    case 'text':
      return textCondition(node.value);
    case 'textPrefix':
      return textPrefixCondition(node.prefix);
  }
  const { field } = node;
  if (field === 'level') return levelCondition(node);
  if (MESSAGE_FIELDS.has(field)) return messageCondition(node);
  const column = COLUMNS[field];
  if (column !== undefined) return columnCondition(node, column);
  if (field.startsWith(RESOURCE_PREFIX)) return resourceCondition(node, field.slice(RESOURCE_PREFIX.length));
  return attributeCondition(node);
}

type FieldNode = Exclude<LeafNode, { type: 'text' | 'textPrefix' }>;

// ---------------------------------------------------------------------------------------
// Free text

function hasToken(token: string): Sql {
  return sql`hasToken(lower(message), ${p.String(token)})`;
}

/** Whole-word, ASCII-case-insensitive match of `value` in the message. */
function textCondition(value: string): Sql {
  const tokens = [...new Set(tokenize(asciiLower(value)))];
  const parts = tokens.map(hasToken);
  // A single token is exact by itself; anything else needs the substring check, and the
  // tokens only prune granules through the index.
  if (!(tokens.length === 1 && tokens[0] === asciiLower(value))) {
    parts.push(sql`positionCaseInsensitive(message, ${p.String(value)}) > 0`);
  }
  return and(parts);
}

/** Matches ASCII characters that separate tokens, for a regex "start of a word". */
const NON_TOKEN_CLASS = '[\\x00-\\x2F\\x3A-\\x40\\x5B-\\x60\\x7B-\\x7F]';

/**
 * A word in the message starts with `prefix` (case-insensitive). A plain `ILIKE 'p%'` would
 * anchor at the start of the whole message and `ILIKE '%p%'` would let `time*` match
 * "runtime"; a regex anchored at a token boundary does what users mean. Tokens the prefix
 * completes (`connection re*` → "connection") still use the index.
 */
function textPrefixCondition(prefix: string): Sql {
  const tokens = tokenize(asciiLower(prefix));
  const lastIsPartial = isTokenCharAt(prefix, prefix.length - 1);
  const complete = [...new Set(lastIsPartial ? tokens.slice(0, -1) : tokens)];
  const anchor = isTokenCharAt(prefix, 0) ? `(?:^|${NON_TOKEN_CLASS})` : '';
  const parts = complete.map(hasToken);
  parts.push(sql`match(message, ${p.String(`(?i)${anchor}${re2Literal(prefix)}`)})`);
  return and(parts);
}

/** Escapes every ASCII non-alphanumeric as \x{..} so user text is literal in RE2. */
function re2Literal(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    out += code < 0x80 && !/[A-Za-z0-9]/.test(ch) ? `\\x{${code.toString(16).padStart(2, '0')}}` : ch;
  }
  return out;
}

function messageCondition(node: FieldNode): Sql {
  switch (node.type) {
    case 'match':
      return textCondition(node.value);
    case 'prefix':
      return textPrefixCondition(node.prefix);
    case 'exists':
      return sql`message != ''`;
    default:
      throw notNumeric(node, 'the message is text: search it with words or "a phrase"');
  }
}

// ---------------------------------------------------------------------------------------
// Columns

function columnCondition(node: FieldNode, name: string): Sql {
  const column = ident(name);
  switch (node.type) {
    case 'match':
      return sql`${column} = ${p.String(node.value)}`;
    case 'prefix':
      // startsWith has no metacharacters to escape, and the primary key can use it.
      return sql`startsWith(${column}, ${p.String(node.prefix)})`;
    case 'exists':
      return sql`${column} != ''`;
    default:
      throw notNumeric(node, `${node.field} is text: write ${node.field}:value or ${node.field}:prefix*`);
  }
}

// Level: the stored level is normalised; the words people type for levels map onto it.
const LEVEL_ALIASES: Record<string, LogLevel> = {
  trace: 'trace',
  trc: 'trace',
  finest: 'trace',
  verbose: 'trace',
  debug: 'debug',
  dbg: 'debug',
  fine: 'debug',
  info: 'info',
  inf: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  warn: 'warn',
  wrn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  erro: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  panic: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  alert: 'fatal',
};

export function normalizeLevelName(value: string): LogLevel | undefined {
  return LEVEL_ALIASES[value.toLowerCase()];
}

function levelCondition(node: FieldNode): Sql {
  switch (node.type) {
    case 'match': {
      const level = normalizeLevelName(node.value);
      // Unknown words (`level:notice2`) still find records whose raw level says so.
      return level !== undefined
        ? sql`level = ${p.String(level)}`
        : sql`lower(level_raw) = ${p.String(asciiLower(node.value))}`;
    }
    case 'prefix': {
      const prefix = p.String(asciiLower(node.prefix));
      return sql`startsWith(level, ${prefix}) OR startsWith(lower(level_raw), ${prefix})`;
    }
    case 'exists':
      return sql`level != ''`;
    case 'compare': {
      const at = LOG_LEVELS.indexOf(levelBound(node, node.value));
      const keep = LOG_LEVELS.filter((_, i) => compareIndex(i, node.op, at));
      return levelIn(keep);
    }
    case 'range': {
      const from = node.from === null ? 0 : LOG_LEVELS.indexOf(levelBound(node, node.from));
      const to = node.to === null ? LOG_LEVELS.length - 1 : LOG_LEVELS.indexOf(levelBound(node, node.to));
      return levelIn(LOG_LEVELS.filter((_, i) => i >= from && i <= to));
    }
  }
}

function levelBound(node: FieldNode, value: string): LogLevel {
  const level = normalizeLevelName(value);
  if (level === undefined) {
    throw new QueryParseError(
      `unknown level '${value}' at ${node.pos}: levels compare by severity, one of ${LOG_LEVELS.join(', ')}`,
      node.pos,
    );
  }
  return level;
}

function compareIndex(i: number, op: CompareOp, at: number): boolean {
  switch (op) {
    case '>':
      return i > at;
    case '>=':
      return i >= at;
    case '<':
      return i < at;
    case '<=':
      return i <= at;
  }
}

function levelIn(levels: readonly string[]): Sql {
  return levels.length === 0
    ? sql`0`
    : sql`level IN (${join(
        levels.map((l) => sql`${p.String(l)}`),
        ', ',
      )})`;
}

// ---------------------------------------------------------------------------------------
// Maps. Keys are values (`attr_num['http.status']`), so dotted names need no quoting.

/** A missing key reads as '' (or 0), so an empty value needs mapContains to mean "set to ''". */
function stringEquals(map: Sql, key: string, value: string): Sql {
  const k = p.String(key);
  return value === '' ? sql`mapContains(${map}, ${k}) AND ${map}[${k}] = ''` : sql`${map}[${k}] = ${p.String(value)}`;
}

function resourceCondition(node: FieldNode, key: string): Sql {
  if (key === '') {
    throw new QueryParseError(
      `expected a resource key after 'resource.' at ${node.pos}, e.g. resource.k8s.pod`,
      node.pos,
    );
  }
  const map = sql`resource`;
  switch (node.type) {
    case 'match':
      return stringEquals(map, key, node.value);
    case 'prefix':
      return sql`startsWith(resource[${p.String(key)}], ${p.String(node.prefix)})`;
    case 'exists':
      return sql`mapContains(resource, ${p.String(key)})`;
    default:
      throw notNumeric(node, 'resource attributes are text: write resource.key:value');
  }
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseNumber(s: string): number | undefined {
  if (!NUMBER.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** Any other field is an attribute; its type decides which map holds it. */
function attributeCondition(node: FieldNode): Sql {
  const k = p.String(node.field);
  const numGuard = sql`mapContains(attr_num, ${k})`;
  switch (node.type) {
    case 'match': {
      // The value's type isn't known from the text: `status:500` may be stored as 500 or "500".
      const parts = [stringEquals(sql`attr_str`, node.field, node.value)];
      const n = parseNumber(node.value);
      if (n !== undefined) parts.push(sql`${numGuard} AND attr_num[${k}] = ${p.Float64(n)}`);
      const b = node.value.toLowerCase();
      if (b === 'true' || b === 'false') {
        parts.push(sql`mapContains(attr_bool, ${k}) AND attr_bool[${k}] = ${p.UInt8(b === 'true' ? 1 : 0)}`);
      }
      return or(parts);
    }
    case 'prefix':
      return sql`startsWith(attr_str[${k}], ${p.String(node.prefix)})`;
    case 'exists':
      return sql`mapContains(attr_str, ${k}) OR mapContains(attr_num, ${k}) OR mapContains(attr_bool, ${k})`;
    case 'compare': {
      const n = numberOperand(node, node.value);
      return sql`${numGuard} AND attr_num[${k}] ${comparison(node.op)} ${p.Float64(n)}`;
    }
    case 'range': {
      const parts = [numGuard];
      const from = node.from === null ? undefined : numberOperand(node, node.from);
      const to = node.to === null ? undefined : numberOperand(node, node.to);
      if (from !== undefined && to !== undefined && from > to) {
        throw new QueryParseError(
          `empty range [${node.from} TO ${node.to}] at ${node.pos}: put the smaller number first`,
          node.pos,
        );
      }
      if (from !== undefined) parts.push(sql`attr_num[${k}] >= ${p.Float64(from)}`);
      if (to !== undefined) parts.push(sql`attr_num[${k}] <= ${p.Float64(to)}`);
      return join(parts, ' AND ');
    }
  }
}

function numberOperand(node: FieldNode, value: string): number {
  const n = parseNumber(value);
  if (n === undefined) {
    throw new QueryParseError(
      `expected a number for ${node.field} at ${node.pos}, got '${value}': comparisons and ranges work on numbers (e.g. ${node.field}>=500)`,
      node.pos,
    );
  }
  return n;
}

// Operators come from a closed set in our own code, never from the query text.
const COMPARISON: Record<CompareOp, Sql> = { '>': sql`>`, '>=': sql`>=`, '<': sql`<`, '<=': sql`<=` };
const comparison = (op: CompareOp): Sql => COMPARISON[op];

function notNumeric(node: FieldNode, hint: string): QueryParseError {
  const what = node.type === 'range' ? 'a range' : `'${node.type === 'compare' ? node.op : ':'}'`;
  return new QueryParseError(`${node.field} can't be used with ${what} at ${node.pos}: ${hint}`, node.pos);
}
