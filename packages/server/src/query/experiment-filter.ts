import { StellwerkError } from '../errors.ts';
import { join, p, type Sql, sql } from '../store/sql.ts';

/**
 * MLflow's experiment search grammar: clauses joined by AND, each `<field> <op> <value>`.
 * Fields: `name` (also `attribute.name`), `creation_time`, `last_update_time` and
 * `tags.<key>` (the key may be quoted with backticks or double quotes). Strings take
 * =, !=, LIKE, ILIKE; times (epoch ms) take =, !=, <, <=, >, >=. OR is not part of it.
 */
export function experimentFilterSql(filter: string): Sql | undefined {
  const tokens = tokenize(filter);
  if (tokens.length === 0) return undefined;
  const clauses: Sql[] = [];
  let i = 0;
  const next = (what: string): Token => {
    const t = tokens[i++];
    if (!t) throw bad(`Expected ${what} at the end of the filter '${filter}'.`);
    return t;
  };
  for (;;) {
    const field = next('a field');
    if (field.kind !== 'word') throw bad(`Expected a field name at position ${field.pos}, found '${field.text}'.`);
    const op = next('a comparator');
    const opText = op.text.toUpperCase();
    const value = next('a value');
    clauses.push(clause(field, opText, value));
    if (i >= tokens.length) break;
    const and = next('AND');
    if (and.kind !== 'word' || and.text.toUpperCase() !== 'AND') {
      throw bad(`Expected AND at position ${and.pos}, found '${and.text}' (only AND joins clauses).`);
    }
  }
  return join(clauses, ' AND ');
}

/**
 * ORDER BY for experiment search: `name`, `experiment_id`, `creation_time` or
 * `last_update_time`, each optionally ASC or DESC; experiment_id breaks ties.
 */
export function experimentOrderSql(orderBy: readonly string[]): Sql | undefined {
  if (orderBy.length === 0) return undefined;
  const parts: Sql[] = [];
  let hasId = false;
  for (const entry of orderBy) {
    const m = /^\s*(?:attributes?\.|attr\.)?([a-z_]+)\s*(ASC|DESC)?\s*$/i.exec(entry);
    const column = m?.[1]?.toLowerCase();
    const desc = m?.[2]?.toUpperCase() === 'DESC';
    const dir = desc ? sql`DESC` : sql`ASC`;
    switch (column) {
      case 'name':
        parts.push(sql`name ${dir}`);
        break;
      case 'experiment_id':
        hasId = true;
        parts.push(sql`toUInt64OrZero(experiment_id) ${dir}`);
        break;
      case 'creation_time':
        parts.push(sql`creation_time ${dir}`);
        break;
      case 'last_update_time':
        parts.push(sql`last_update_time ${dir}`);
        break;
      default:
        throw bad(
          `Invalid order_by entry '${entry}': order by name, experiment_id, creation_time or last_update_time, optionally ASC or DESC.`,
        );
    }
  }
  if (!hasId) parts.push(sql`toUInt64OrZero(experiment_id) ASC`);
  return join(parts, ', ');
}

interface Token {
  kind: 'word' | 'string' | 'number' | 'op';
  text: string;
  pos: number;
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"') {
      let text = '';
      i++;
      while (i < input.length && input[i] !== c) {
        if (input[i] === '\\' && i + 1 < input.length) i++;
        text += input[i];
        i++;
      }
      if (i >= input.length) throw bad(`Unterminated string starting at position ${start} in the filter.`);
      i++;
      tokens.push({ kind: 'string', text, pos: start });
      continue;
    }
    const op = /^(?:!=|<=|>=|=|<|>)/.exec(input.slice(i));
    if (op) {
      tokens.push({ kind: 'op', text: op[0], pos: start });
      i += op[0].length;
      continue;
    }
    const num = /^-?\d+(?:\.\d+)?/.exec(input.slice(i));
    if (num && !/[A-Za-z_.]/.test(input[i + num[0].length] ?? '')) {
      tokens.push({ kind: 'number', text: num[0], pos: start });
      i += num[0].length;
      continue;
    }
    // A field: letters, digits, dots, with backtick- or double-quoted parts after a dot.
    let text = '';
    while (i < input.length) {
      const ch = input[i] as string;
      if (ch === '`' || (ch === '"' && text.endsWith('.'))) {
        const end = input.indexOf(ch, i + 1);
        if (end < 0) throw bad(`Unterminated quoted name starting at position ${i} in the filter.`);
        text += input.slice(i + 1, end);
        i = end + 1;
      } else if (/[A-Za-z0-9_.\-:/]/.test(ch)) {
        text += ch;
        i++;
      } else break;
    }
    if (text === '') throw bad(`Unexpected character '${c}' at position ${start} in the filter.`);
    tokens.push({ kind: 'word', text, pos: start });
  }
  return tokens;
}

function clause(field: Token, op: string, value: Token): Sql {
  const dot = field.text.indexOf('.');
  const prefix = dot < 0 ? '' : field.text.slice(0, dot).toLowerCase();
  const rest = dot < 0 ? field.text : field.text.slice(dot + 1);
  if (prefix === 'tags' || prefix === 'tag') {
    const v = stringValue(field, value);
    const col = sql`tags[${p.String(rest)}]`;
    return sql`mapContains(tags, ${p.String(rest)}) AND ${stringComparison(col, op, v, field)}`;
  }
  if (prefix !== '' && prefix !== 'attribute' && prefix !== 'attributes' && prefix !== 'attr') {
    throw bad(`Invalid entity type '${prefix}' in '${field.text}': use attribute or tags.`);
  }
  const name = rest.toLowerCase();
  if (name === 'name') return stringComparison(sql`name`, op, stringValue(field, value), field);
  if (name === 'creation_time' || name === 'last_update_time') {
    if (value.kind !== 'number' || !Number.isInteger(Number(value.text))) {
      throw bad(`${name} is compared with an integer (epoch milliseconds), not '${value.text}'.`);
    }
    const col =
      name === 'creation_time'
        ? sql`toUnixTimestamp64Milli(creation_time)`
        : sql`toUnixTimestamp64Milli(last_update_time)`;
    const v = p.Int64(value.text);
    switch (op) {
      case '=':
        return sql`${col} = ${v}`;
      case '!=':
        return sql`${col} != ${v}`;
      case '<':
        return sql`${col} < ${v}`;
      case '<=':
        return sql`${col} <= ${v}`;
      case '>':
        return sql`${col} > ${v}`;
      case '>=':
        return sql`${col} >= ${v}`;
    }
    throw bad(`Invalid comparator '${op}' for ${name}: use =, !=, <, <=, > or >=.`);
  }
  throw bad(
    `Invalid attribute '${rest}': experiments are filtered by name, creation_time, last_update_time or tags.<key>.`,
  );
}

function stringValue(field: Token, value: Token): string {
  if (value.kind !== 'string') throw bad(`${field.text} is compared with a quoted string, not '${value.text}'.`);
  return value.text;
}

function stringComparison(col: Sql, op: string, value: string, field: Token): Sql {
  const v = p.String(value);
  switch (op) {
    case '=':
      return sql`${col} = ${v}`;
    case '!=':
      return sql`${col} != ${v}`;
    case 'LIKE':
      return sql`like(${col}, ${v})`;
    case 'ILIKE':
      return sql`ilike(${col}, ${v})`;
  }
  throw bad(`Invalid comparator '${op}' for ${field.text}: use =, !=, LIKE or ILIKE.`);
}

function bad(message: string): StellwerkError {
  return new StellwerkError('STW_ERR_BAD_QUERY', message);
}
