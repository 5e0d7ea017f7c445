/**
 * Parser for the log search language:
 *   timeout  "a phrase"  time*            free text in the message (whole words, ASCII case-insensitive)
 *   level:error  user:"john doe"  path:/api/*  user:*  has:user  status>=500  status:>=500  ms:[100 TO 500]
 *   -x  NOT x  a b (= a AND b)  a OR b  ( )   precedence NOT > AND > OR; keywords are upper case
 *   \x escapes one character in a bare word; the empty query and `*` match everything.
 * Hand-written in two steps: a scanner that turns the text into terms, parentheses and
 * keywords (field filters need context a regex lexer can't give: ranges contain spaces,
 * `127.0.0.1:6060` is text but `user:bob` is a filter), then a recursive-descent parser.
 * Every error carries the offset of the offending text and says what to write instead.
 */

import { type CompareOp, type LeafNode, type QueryNode, QueryParseError } from './log-query-ast.ts';

export type { CompareOp, LeafNode, QueryNode } from './log-query-ast.ts';
export { QueryParseError } from './log-query-ast.ts';
// The API imports time parsing from here too (api/logs-routes.ts).
export { parseTimeInput, TimeInputError } from './time-range.ts';

/** Longer queries are refused: the compiled SQL must stay under the engine's max_query_size. */
export const MAX_QUERY_LENGTH = 4096;
/** Nesting of parentheses and NOT; bounds recursion here and AST depth in the engine. */
const MAX_DEPTH = 64;

type Token =
  | { kind: '(' | ')' | 'AND' | 'OR' | 'NOT' | '-'; pos: number }
  | { kind: 'term'; node: LeafNode | { type: 'all' }; pos: number };

/** Parses a search query; the empty query (or `*`) is `{ type: 'all' }`. */
export function parseLogQuery(query: string): QueryNode {
  if (query.length > MAX_QUERY_LENGTH) {
    throw new QueryParseError(
      `query is too long (${query.length} characters, at most ${MAX_QUERY_LENGTH}): shorten it`,
      MAX_QUERY_LENGTH,
    );
  }
  const tokens = new Scanner(query).scan();
  if (tokens.length === 0) return { type: 'all' };
  return new Parser(tokens, query.length).parse();
}

// ---------------------------------------------------------------------------------------
// Scanner

const FIELD = /@?[A-Za-z_][A-Za-z0-9_.-]*/y;
const OPERATOR_WORDS = new Set([':', '>', '>=', '<', '<=']);

const isSpace = (ch: string | undefined): boolean => ch !== undefined && /\s/.test(ch);
/** Characters that end a bare word. */
const isDelimiter = (ch: string | undefined): boolean => ch === undefined || ch === '(' || ch === ')' || isSpace(ch);

interface Word {
  value: string;
  /** Ended in an unescaped `*`. */
  star: boolean;
  /** The raw text had no escapes or stars (so it may be a keyword). */
  plain: boolean;
}

class Scanner {
  private i = 0;
  private readonly tokens: Token[] = [];

  constructor(private readonly src: string) {}

  scan(): Token[] {
    const { src } = this;
    while (this.i < src.length) {
      const ch = src[this.i];
      const pos = this.i;
      if (isSpace(ch)) {
        this.i++;
      } else if (ch === '(' || ch === ')') {
        this.tokens.push({ kind: ch, pos });
        this.i++;
      } else if (ch === '-') {
        const next = src[pos + 1];
        if (next === undefined || isSpace(next) || next === ')') {
          throw new QueryParseError(
            `'-' at ${pos} must be followed directly by what to exclude (e.g. -user:bot); to search for a dash, quote it: "-"`,
            pos,
          );
        }
        this.tokens.push({ kind: '-', pos });
        this.i++;
      } else {
        this.tokens.push(this.term());
      }
    }
    return this.tokens;
  }

  private term(): Token {
    const { src } = this;
    const pos = this.i;
    if (src[pos] === '"') {
      const value = this.quoted();
      if (value === '') {
        throw new QueryParseError(`empty phrase at ${pos}: put text between the quotes or remove them`, pos);
      }
      return { kind: 'term', node: { type: 'text', value, quoted: true, pos }, pos };
    }

    FIELD.lastIndex = pos;
    const field = FIELD.exec(src)?.[0];
    if (field !== undefined) {
      const after = pos + field.length;
      // `https://host/...` is a URL to search for, not the attribute `https`.
      const isUrl = src.startsWith('://', after);
      const op = isUrl ? undefined : operatorAt(src, after);
      if (op !== undefined) {
        this.i = after + op.length;
        // Datadog users write `@attr`; the `@` only marks an attribute there.
        const name = field.startsWith('@') ? field.slice(1) : field;
        return { kind: 'term', node: this.fieldValue(name, op, pos), pos };
      }
    }

    const word = this.word(isDelimiter);
    const raw = src.slice(pos, this.i);
    if (word.plain && (raw === 'AND' || raw === 'OR' || raw === 'NOT')) return { kind: raw, pos };
    if (word.plain && OPERATOR_WORDS.has(raw)) {
      throw new QueryParseError(
        `'${raw}' at ${pos} needs a field name right before it, without spaces (e.g. status>=500, level:error)`,
        pos,
      );
    }
    if (word.star) {
      const node =
        word.value === '' ? { type: 'all' as const } : { type: 'textPrefix' as const, prefix: word.value, pos };
      return { kind: 'term', node, pos };
    }
    return { kind: 'term', node: { type: 'text', value: word.value, quoted: false, pos }, pos };
  }

  /** The value after `field` and its operator; `this.i` is just past the operator. */
  private fieldValue(field: string, op: ':' | CompareOp, pos: number): LeafNode {
    const { src } = this;
    const valuePos = this.i;
    const ch = src[valuePos];
    const written = src.slice(pos, valuePos);

    if (op !== ':') return { type: 'compare', field, op, value: this.compareValue(written), pos };

    if (isDelimiter(ch)) {
      throw new QueryParseError(
        `expected a value after '${written}' at ${valuePos}: write ${field}:value, ${field}:"two words" or ${field}:* (has any value)`,
        valuePos,
      );
    }
    const cmp = operatorAt(src, valuePos);
    if (cmp !== undefined && cmp !== ':') {
      // Kibana style: `status:>=500`.
      this.i += cmp.length;
      return { type: 'compare', field, op: cmp, value: this.compareValue(src.slice(pos, this.i)), pos };
    }

    if (field === 'has') {
      const name = ch === '"' ? { value: this.quoted(), star: false } : this.word(isDelimiter);
      if (name.star || name.value === '') {
        throw new QueryParseError(`has: takes a field name at ${valuePos}, e.g. has:user (no wildcards)`, valuePos);
      }
      return { type: 'exists', field: name.value, pos };
    }
    if (ch === '"') return { type: 'match', field, value: this.quoted(), quoted: true, pos };
    if (ch === '[') return this.range(field, pos);

    const word = this.word(isDelimiter);
    if (word.star) {
      return word.value === '' ? { type: 'exists', field, pos } : { type: 'prefix', field, prefix: word.value, pos };
    }
    return { type: 'match', field, value: word.value, quoted: false, pos };
  }

  private compareValue(written: string): string {
    const valuePos = this.i;
    if (isDelimiter(this.src[valuePos])) {
      throw new QueryParseError(`expected a value after '${written}' at ${valuePos}, e.g. ${written}500`, valuePos);
    }
    const word = this.word(isDelimiter);
    if (word.star) {
      throw new QueryParseError(
        `'*' can't be compared at ${this.i - 1}: write a number after '${written}'`,
        this.i - 1,
      );
    }
    return word.value;
  }

  /** `[from TO to]`, `this.i` at `[`. */
  private range(field: string, pos: number): LeafNode {
    const { src } = this;
    const open = this.i;
    this.i++;
    const bound = (what: string): string | null => {
      this.skipSpaces();
      const at = this.i;
      const ch = src[at];
      if (ch === undefined || ch === ']') {
        throw new QueryParseError(`expected ${what} at ${at}: write ${field}:[100 TO 500] (* for an open end)`, at);
      }
      const word = this.word((c) => c === undefined || c === ']' || isSpace(c));
      if (word.star && word.value === '') return null;
      if (word.star) throw new QueryParseError(`expected ${what} at ${at}, not a wildcard`, at);
      return word.value;
    };
    const from = bound('the lower bound');
    this.skipSpaces();
    if (!(src.startsWith('TO', this.i) && isSpace(src[this.i + 2]))) {
      throw new QueryParseError(`expected 'TO' at ${this.i}: write ${field}:[100 TO 500]`, this.i);
    }
    this.i += 2;
    const to = bound('the upper bound');
    this.skipSpaces();
    if (src[this.i] !== ']') {
      throw new QueryParseError(`expected ']' at ${this.i} to close the range opened at ${open}`, this.i);
    }
    this.i++;
    this.expectDelimiter();
    return { type: 'range', field, from, to, pos };
  }

  /** A quoted string, `this.i` at the opening quote; `\"` and `\\` are escapes. */
  private quoted(): string {
    const { src } = this;
    const open = this.i;
    let out = '';
    let i = open + 1;
    for (;;) {
      const ch = src[i];
      if (ch === undefined) {
        throw new QueryParseError(`unterminated phrase starting at ${open}: add a closing '"'`, open);
      }
      if (ch === '"') break;
      if (ch === '\\') {
        const next = src[i + 1];
        if (next === undefined) {
          throw new QueryParseError(`unterminated phrase starting at ${open}: add a closing '"'`, open);
        }
        out += next;
        i += 2;
      } else {
        out += ch;
        i++;
      }
    }
    this.i = i + 1;
    this.expectDelimiter();
    return out;
  }

  /** A bare word up to a delimiter. `\x` is a literal x; `*` is allowed only at the end. */
  private word(ends: (ch: string | undefined) => boolean): Word {
    const { src } = this;
    let value = '';
    let plain = true;
    let star = false;
    let i = this.i;
    while (!ends(src[i])) {
      const ch = src[i] as string;
      if (star) {
        throw new QueryParseError(
          `'*' at ${i - 1}: wildcards only work at the end of a word (prefix search, e.g. time*); write \\* for a literal star`,
          i - 1,
        );
      }
      if (ch === '\\') {
        const next = src[i + 1];
        if (next === undefined)
          throw new QueryParseError(`'\\' at ${i} escapes nothing: write \\\\ for a backslash`, i);
        value += next;
        plain = false;
        i += 2;
      } else if (ch === '"') {
        throw new QueryParseError(
          `unexpected '"' at ${i}: put a space before a quoted phrase, or write \\" for a literal quote`,
          i,
        );
      } else if (ch === '*') {
        star = true;
        plain = false;
        i++;
      } else {
        value += ch;
        i++;
      }
    }
    this.i = i;
    return { value, star, plain };
  }

  private skipSpaces(): void {
    while (isSpace(this.src[this.i])) this.i++;
  }

  private expectDelimiter(): void {
    if (!isDelimiter(this.src[this.i])) {
      throw new QueryParseError(
        `expected a space at ${this.i}, found '${this.src[this.i]}': separate terms with spaces`,
        this.i,
      );
    }
  }
}

function operatorAt(src: string, i: number): ':' | CompareOp | undefined {
  const ch = src[i];
  if (ch === ':') return ':';
  if (ch === '>' || ch === '<') return src[i + 1] === '=' ? `${ch}=` : ch;
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Parser: or := and ('OR' and)* ; and := unary ('AND'? unary)* ; unary := ('NOT'|'-') unary | primary
// primary := '(' or ')' | term

class Parser {
  private i = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly end: number,
  ) {}

  parse(): QueryNode {
    const node = this.or(0, undefined);
    const extra = this.tokens[this.i];
    if (extra !== undefined) {
      // Only ')' can be left over: everything else starts or continues an expression.
      throw new QueryParseError(`unexpected ')' at ${extra.pos}: remove it or add a matching '('`, extra.pos);
    }
    return node;
  }

  private or(depth: number, after: Token | undefined): QueryNode {
    const children = [this.and(depth, after)];
    for (let t = this.peek(); t?.kind === 'OR'; t = this.peek()) {
      this.i++;
      children.push(this.and(depth, t));
    }
    return children.length === 1 ? (children[0] as QueryNode) : makeOr(children);
  }

  private and(depth: number, after: Token | undefined): QueryNode {
    const children = [this.unary(depth, after)];
    for (let t = this.peek(); t !== undefined; t = this.peek()) {
      if (t.kind === 'AND') {
        this.i++;
        children.push(this.unary(depth, t));
      } else if (t.kind === 'term' || t.kind === '(' || t.kind === 'NOT' || t.kind === '-') {
        children.push(this.unary(depth, undefined)); // implicit AND
      } else {
        break;
      }
    }
    return children.length === 1 ? (children[0] as QueryNode) : makeAnd(children);
  }

  private unary(depth: number, after: Token | undefined): QueryNode {
    const t = this.peek();
    if (t?.kind === 'NOT' || t?.kind === '-') {
      this.checkDepth(depth, t);
      this.i++;
      return { type: 'not', child: this.unary(depth + 1, t) };
    }
    return this.primary(depth, after);
  }

  private primary(depth: number, after: Token | undefined): QueryNode {
    const t = this.peek();
    if (t === undefined) {
      const what = after === undefined ? 'a term' : `a term after '${after.kind}' at ${after.pos}`;
      throw new QueryParseError(`query ends too early at ${this.end}: expected ${what}`, this.end);
    }
    switch (t.kind) {
      case 'term':
        this.i++;
        return t.node;
      case '(': {
        this.checkDepth(depth, t);
        this.i++;
        if (this.peek()?.kind === ')') {
          throw new QueryParseError(`empty parentheses at ${t.pos}: put a term inside or remove them`, t.pos);
        }
        const inner = this.or(depth + 1, t);
        if (this.peek()?.kind !== ')') {
          throw new QueryParseError(`unclosed '(' at ${t.pos}: add a matching ')'`, t.pos);
        }
        this.i++;
        return inner;
      }
      case ')':
        throw new QueryParseError(
          after?.kind === 'AND' || after?.kind === 'OR' || after?.kind === 'NOT' || after?.kind === '-'
            ? `unexpected ')' at ${t.pos}: expected a term after '${after.kind}' at ${after.pos}`
            : `unexpected ')' at ${t.pos}: remove it or add a matching '('`,
          t.pos,
        );
      default:
        // AND / OR with nothing usable on their left.
        throw new QueryParseError(
          `unexpected '${t.kind}' at ${t.pos}: ${t.kind} needs a term on both sides (to search for the word, quote it: "${t.kind}")`,
          t.pos,
        );
    }
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private checkDepth(depth: number, t: Token): void {
    if (depth >= MAX_DEPTH) {
      throw new QueryParseError(
        `query nests too deeply at ${t.pos} (more than ${MAX_DEPTH} levels of '(' and NOT)`,
        t.pos,
      );
    }
  }
}

/** Flattens nested ANDs; `*` adds nothing to an AND. */
function makeAnd(children: QueryNode[]): QueryNode {
  const flat = children.flatMap((c) => (c.type === 'and' ? c.children : c.type === 'all' ? [] : [c]));
  if (flat.length === 0) return { type: 'all' };
  return flat.length === 1 ? (flat[0] as QueryNode) : { type: 'and', children: flat };
}

/** Flattens nested ORs; `*` in an OR matches everything. */
function makeOr(children: QueryNode[]): QueryNode {
  if (children.some((c) => c.type === 'all')) return { type: 'all' };
  return { type: 'or', children: children.flatMap((c) => (c.type === 'or' ? c.children : [c])) };
}
