/**
 * Parser for MLflow's run search grammar (search_runs `filter` and `order_by`):
 *   metrics.acc > 0.9 AND params.model = 'cnn' AND tags.`mlflow.runName` LIKE 'sweep-%'
 *   attributes.status IN ('FINISHED', 'FAILED') AND attributes.start_time >= 1700000000000
 *   order_by: ['metrics.acc DESC', 'params.lr', 'attributes.start_time ASC']
 * Entity types and their aliases, attribute names and comparators per type follow MLflow 2.x;
 * expressions are joined by AND only (MLflow has no OR and no parentheses).
 * Hand-written, character by character: keys may be quoted three ways and values two, and
 * every error names the 0-based position and what would have been valid there.
 */

import type {
  Comparator,
  DatasetField,
  FilterClause,
  ListComparator,
  NumericComparator,
  OrderByEntry,
  RunAttribute,
  StringComparator,
} from './ast.ts';
import { RunFilterError } from './ast.ts';

/** Bounds on what one search may ask for; the compiled SQL grows with each. */
export const MAX_FILTER_LENGTH = 8192;
export const MAX_CLAUSES = 100;
export const MAX_LIST_VALUES = 1000;
export const MAX_ORDER_BY = 20;

type EntityKind = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

/** MLflow's entity type words, singular, plural and short forms. */
const ENTITY_TYPES: Record<string, EntityKind> = {
  metric: 'metric',
  metrics: 'metric',
  parameter: 'param',
  parameters: 'param',
  param: 'param',
  params: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

/** Attribute names, with the aliases MLflow's UI writes (`created`, `Run name`). */
const ATTRIBUTES: Record<string, RunAttribute> = {
  run_id: 'run_id',
  run_name: 'run_name',
  status: 'status',
  user_id: 'user_id',
  artifact_uri: 'artifact_uri',
  lifecycle_stage: 'lifecycle_stage',
  start_time: 'start_time',
  end_time: 'end_time',
  created: 'start_time',
  Created: 'start_time',
  'run name': 'run_name',
  'Run name': 'run_name',
  'Run Name': 'run_name',
};
const ATTRIBUTE_NAMES = 'run_id, run_name, status, user_id, artifact_uri, lifecycle_stage, start_time, end_time';
const NUMERIC_ATTRIBUTES = new Set<RunAttribute>(['start_time', 'end_time']);
/** MLflow takes lists for run_id only; status lists are a Stellwerk extension. */
const LIST_ATTRIBUTES = new Set<RunAttribute>(['run_id', 'status']);
const DATASET_FIELDS = new Set<string>(['name', 'digest', 'context']);

const NUMERIC_OPS: readonly Comparator[] = ['=', '!=', '<', '<=', '>', '>='];
const STRING_OPS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const LIST_OPS: readonly Comparator[] = ['IN', 'NOT IN'];

const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
/** An unquoted key may contain dots (`tags.mlflow.runName`): the type ends at the first one. */
const KEY = /[A-Za-z0-9_.]+/y;
const NUMBER = /[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/y;
const QUOTES = new Set(['"', "'", '`']);

interface Identifier {
  kind: EntityKind;
  key: string;
  /** As written, for messages. */
  text: string;
  pos: number;
}

/** Parses a search_runs filter; the empty filter (or only spaces) is no clause at all. */
export function parseRunFilter(text: string): FilterClause[] {
  if (text.length > MAX_FILTER_LENGTH) {
    throw new RunFilterError(
      `Invalid filter: it is ${text.length} characters long, at most ${MAX_FILTER_LENGTH} are accepted; shorten it`,
      MAX_FILTER_LENGTH,
    );
  }
  const c = new Cursor(text, (pos, what) => `Invalid filter at position ${pos}: ${what}`);
  const clauses: FilterClause[] = [];
  c.skipSpaces();
  if (c.atEnd()) return clauses;
  for (;;) {
    clauses.push(parseClause(c));
    if (clauses.length > MAX_CLAUSES) {
      c.fail(`more than ${MAX_CLAUSES} expressions; narrow the search into fewer`, c.i);
    }
    c.skipSpaces();
    if (c.atEnd()) return clauses;
    const pos = c.i;
    const word = c.word();
    if (word?.toUpperCase() === 'AND') {
      c.skipSpaces();
      if (c.atEnd()) c.fail(`expected an expression after AND, found the end of the filter`, c.i);
      continue;
    }
    if (word?.toUpperCase() === 'OR') {
      c.fail(
        'OR is not supported: MLflow search filters join expressions with AND only; run one search per alternative',
        pos,
      );
    }
    c.fail(`expected AND or the end of the filter, found ${c.found(pos)}`, pos);
  }
}

/** Parses search_runs `order_by` entries: `<identifier> [ASC|DESC]`, ascending by default. */
export function parseOrderBy(entries: readonly string[]): OrderByEntry[] {
  if (entries.length > MAX_ORDER_BY) {
    throw new RunFilterError(
      `Invalid order_by: ${entries.length} entries, at most ${MAX_ORDER_BY} are accepted; drop some`,
      0,
    );
  }
  return entries.map((entry, index) => {
    const c = new Cursor(
      entry,
      (pos, what) => `Invalid order_by entry ${index + 1} (${JSON.stringify(entry)}) at position ${pos}: ${what}`,
    );
    c.skipSpaces();
    if (c.atEnd()) c.fail('it is empty; write e.g. metrics.acc DESC or attributes.start_time', c.i);
    const id = identifier(c);
    if (id.kind === 'dataset')
      c.fail('runs cannot be ordered by datasets; use metrics, params, tags or attributes', id.pos);
    c.skipSpaces();
    let ascending = true;
    if (!c.atEnd()) {
      const pos = c.i;
      const word = c.word()?.toUpperCase();
      if (word !== 'ASC' && word !== 'DESC') c.fail(`expected ASC, DESC or the end, found ${c.found(pos)}`, pos);
      ascending = word === 'ASC';
      c.skipSpaces();
      if (!c.atEnd()) c.fail(`expected the end after ${word}, found ${c.found(c.i)}`, c.i);
    }
    if (id.kind === 'attribute') return { kind: 'attribute', key: id.key as RunAttribute, ascending };
    return { kind: id.kind as 'metric' | 'param' | 'tag', key: id.key, ascending };
  });
}

function parseClause(c: Cursor): FilterClause {
  const id = identifier(c);
  c.skipSpaces();
  const opPos = c.i;
  const op = comparator(c, id);
  c.skipSpaces();
  const { kind, key, pos } = id;

  if (kind === 'metric') {
    return { kind, key, op: checkOp(c, id, op, opPos, NUMERIC_OPS) as NumericComparator, value: number(c, id), pos };
  }
  if (kind === 'param' || kind === 'tag') {
    return { kind, key, op: checkOp(c, id, op, opPos, STRING_OPS) as StringComparator, value: string(c, id), pos };
  }
  if (kind === 'dataset') {
    const field = key as DatasetField;
    checkOp(c, id, op, opPos, [...STRING_OPS, ...LIST_OPS]);
    if (op === 'IN' || op === 'NOT IN') return { kind, key: field, op, value: list(c, id), pos };
    return { kind, key: field, op: op as StringComparator, value: string(c, id), pos };
  }
  const attr = key as RunAttribute;
  if (NUMERIC_ATTRIBUTES.has(attr)) {
    const numericOp = checkOp(c, id, op, opPos, NUMERIC_OPS) as NumericComparator;
    return { kind, key: attr as 'start_time' | 'end_time', op: numericOp, value: number(c, id), pos };
  }
  if (op === 'IN' || op === 'NOT IN') {
    if (!LIST_ATTRIBUTES.has(attr)) {
      c.fail(`${op} takes a list only for attributes.run_id and attributes.status, not ${id.text}`, opPos);
    }
    return { kind, key: attr as 'run_id' | 'status', op: op as ListComparator, value: list(c, id), pos };
  }
  const stringOp = checkOp(c, id, op, opPos, STRING_OPS) as StringComparator;
  return {
    kind,
    key: attr as Exclude<RunAttribute, 'start_time' | 'end_time'>,
    op: stringOp,
    value: string(c, id),
    pos,
  };
}

/** `metrics.acc`, `params."model-type"`, `tags.\`a b\``, `attributes.status`, or a bare attribute name. */
function identifier(c: Cursor): Identifier {
  const pos = c.i;
  const first = c.peek();
  if (first !== undefined && QUOTES.has(first)) {
    // A quoted name without a type is an attribute (MLflow's UI writes `Run name`).
    const name = c.quotedKey();
    return attributeIdentifier(c, name, c.text(pos), pos);
  }
  const word = c.word();
  if (word === undefined) {
    c.fail(
      `expected an identifier such as metrics.acc, params.lr, tags."mlflow.runName" or attributes.status, found ${c.found(pos)}`,
      pos,
    );
  }
  if (c.peek() !== '.') return attributeIdentifier(c, word, word, pos);
  const kind = ENTITY_TYPES[word.toLowerCase()];
  if (kind === undefined) {
    c.fail(`unknown entity type '${word}': use metrics, params, tags, attributes or datasets before the dot`, pos);
  }
  c.i++;
  const keyPos = c.i;
  const next = c.peek();
  let key: string;
  if (next !== undefined && QUOTES.has(next)) key = c.quotedKey();
  else {
    KEY.lastIndex = keyPos;
    const m = KEY.exec(c.src);
    if (m === null) c.fail(`expected a name after '${word}.', found ${c.found(keyPos)}`, keyPos);
    key = m[0];
    c.i = keyPos + key.length;
  }
  const text = c.text(pos);
  if (kind === 'attribute') return attributeIdentifier(c, key, text, pos);
  if (kind === 'dataset' && !DATASET_FIELDS.has(key)) {
    c.fail(`unknown dataset field '${key}': use datasets.name, datasets.digest or datasets.context`, keyPos);
  }
  return { kind, key, text, pos };
}

function attributeIdentifier(c: Cursor, name: string, text: string, pos: number): Identifier {
  const attr = Object.hasOwn(ATTRIBUTES, name) ? ATTRIBUTES[name] : undefined;
  if (attr === undefined) {
    c.fail(
      `unknown attribute '${name}': valid attributes are ${ATTRIBUTE_NAMES}; for metrics, params and tags write metrics.<name>, params.<name>, tags.<name>`,
      pos,
    );
  }
  return { kind: 'attribute', key: attr, text, pos };
}

function comparator(c: Cursor, id: Identifier): Comparator {
  const pos = c.i;
  const two = c.src.slice(pos, pos + 2);
  if (two === '!=' || two === '<=' || two === '>=') {
    c.i += 2;
    return two;
  }
  if (two === '==' || two === '<>') c.fail(`'${two}' is not a comparator: write '${two === '==' ? '=' : '!='}'`, pos);
  const one = c.peek();
  if (one === '=' || one === '<' || one === '>') {
    c.i++;
    return one;
  }
  const word = c.word()?.toUpperCase();
  if (word === 'LIKE' || word === 'ILIKE' || word === 'IN') return word;
  if (word === 'NOT') {
    c.skipSpaces();
    const inPos = c.i;
    if (c.word()?.toUpperCase() === 'IN') return 'NOT IN';
    c.fail(`expected IN after NOT, found ${c.found(inPos)}`, inPos);
  }
  const hint =
    one !== undefined && !/\s/.test(one) && word === undefined
      ? `; if the name contains special characters, quote it: ${id.text.split('.')[0]}.\`${id.key}${c.src.slice(pos).split(/\s/)[0]}\``
      : '';
  c.fail(
    `expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN) after ${id.text}, found ${c.found(pos)}${hint}`,
    pos,
  );
}

function checkOp(c: Cursor, id: Identifier, op: Comparator, pos: number, valid: readonly Comparator[]): Comparator {
  if (!valid.includes(op)) {
    c.fail(`comparator ${op} is not valid for ${describe(id)}; use one of ${valid.join(', ')}`, pos);
  }
  return op;
}

function describe(id: Identifier): string {
  switch (id.kind) {
    case 'metric':
      return `metrics (${id.text})`;
    case 'param':
      return `params (${id.text})`;
    case 'tag':
      return `tags (${id.text})`;
    case 'dataset':
      return `datasets (${id.text})`;
    default:
      return NUMERIC_ATTRIBUTES.has(id.key as RunAttribute)
        ? `the numeric attribute ${id.text} (epoch milliseconds)`
        : `the string attribute ${id.text}`;
  }
}

function number(c: Cursor, id: Identifier): number {
  const pos = c.i;
  const ch = c.peek();
  if (ch === '"' || ch === "'") {
    c.fail(`expected a number for ${id.text}, found a quoted string: compare it to a number without quotes`, pos);
  }
  NUMBER.lastIndex = pos;
  const m = NUMBER.exec(c.src);
  const after = m === null ? pos : pos + m[0].length;
  if (m === null || isWordChar(c.src[after])) c.fail(`expected a number for ${id.text}, found ${c.found(pos)}`, pos);
  c.i = after;
  return Number(m[0]);
}

function string(c: Cursor, id: Identifier): string {
  const pos = c.i;
  const ch = c.peek();
  if (ch !== '"' && ch !== "'") {
    const shown = c.peekToken(pos);
    c.fail(
      `expected a quoted string for ${id.text}, found ${c.found(pos)}: put the value in single or double quotes${shown ? `, e.g. ${id.text} = '${shown}'` : ''}`,
      pos,
    );
  }
  return c.quotedString();
}

function list(c: Cursor, id: Identifier): string[] {
  const open = c.i;
  if (c.peek() !== '(') c.fail(`expected a list such as ('a', 'b') for ${id.text}, found ${c.found(open)}`, open);
  c.i++;
  const values: string[] = [];
  for (;;) {
    c.skipSpaces();
    if (c.peek() === ')' && values.length === 0) c.fail('the list is empty: give at least one quoted value', c.i);
    values.push(string(c, id));
    if (values.length > MAX_LIST_VALUES) c.fail(`the list has more than ${MAX_LIST_VALUES} values`, open);
    c.skipSpaces();
    const pos = c.i;
    const ch = c.peek();
    c.i++;
    if (ch === ')') return values;
    if (ch !== ',') c.fail(`expected ',' or ')' in the list, found ${c.found(pos)}`, pos);
  }
}

const isWordChar = (ch: string | undefined): boolean => ch !== undefined && /[A-Za-z0-9_.]/.test(ch);

class Cursor {
  i = 0;
  constructor(
    readonly src: string,
    private readonly message: (pos: number, what: string) => string,
  ) {}

  fail(what: string, pos: number): never {
    throw new RunFilterError(this.message(pos, what), pos);
  }

  atEnd(): boolean {
    return this.i >= this.src.length;
  }

  peek(): string | undefined {
    return this.src[this.i];
  }

  text(from: number): string {
    return this.src.slice(from, this.i);
  }

  skipSpaces(): void {
    while (this.i < this.src.length && /\s/.test(this.src[this.i] as string)) this.i++;
  }

  word(): string | undefined {
    WORD.lastIndex = this.i;
    const m = WORD.exec(this.src);
    if (m === null) return undefined;
    this.i += m[0].length;
    return m[0];
  }

  /** The text at `pos` up to the next space, for messages. */
  peekToken(pos: number): string {
    return this.src.slice(pos).split(/\s/)[0] ?? '';
  }

  found(pos: number): string {
    if (pos >= this.src.length) return 'the end';
    const token = this.peekToken(pos);
    return `'${token.length > 40 ? `${token.slice(0, 40)}…` : token || this.src[pos]}'`;
  }

  /** A quoted key: backticks, double or single quotes; a doubled quote stands for itself. */
  quotedKey(): string {
    const open = this.i;
    const value = this.quoted(false);
    if (value === '') this.fail('the quoted name is empty', open);
    return value;
  }

  /** A quoted value; `\'` (or a doubled quote) is the quote itself, other backslashes stay (LIKE escapes). */
  quotedString(): string {
    return this.quoted(true);
  }

  private quoted(backslash: boolean): string {
    const open = this.i;
    const q = this.src[open] as string;
    let out = '';
    this.i++;
    for (;;) {
      const ch = this.src[this.i];
      if (ch === undefined) this.fail(`the quote opened here is never closed; end it with ${q}`, open);
      if (backslash && ch === '\\' && this.src[this.i + 1] === q) {
        out += q;
        this.i += 2;
      } else if (ch === q && this.src[this.i + 1] === q) {
        out += q;
        this.i += 2;
      } else if (ch === q) {
        this.i++;
        return out;
      } else {
        out += ch;
        this.i++;
      }
    }
  }
}
