import { parser } from '@prometheus-io/lezer-promql';
import {
  type AggregateOp,
  type AtModifier,
  type BinaryOp,
  COMPARISON_OPS,
  type Expr,
  type LabelMatcher,
  type MatchOp,
  SET_OPS,
  type SelectorExpr,
  type SubqueryExpr,
  typeOf,
  type VectorMatching,
} from './ast.ts';
import { FUNCTIONS, TYPE_NAMES } from './catalog.ts';
import { badData } from './errors.ts';
import { parseDurationMs, parseNumber, unquote } from './literals.ts';
import { compileRegex } from './matchers.ts';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

const BINARY_OPS: Record<string, BinaryOp> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  Atan2: 'atan2',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
};

const MATCH_OPS: Record<string, MatchOp> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

const AGGREGATES = new Set<string>([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
]);

/** Parses PromQL with the official lezer grammar and converts the tree to our AST, type-checked. */
export function parsePromql(query: string): Expr {
  if (query.trim() === '') throw badData('parse error: no expression found in input');
  const tree = parser.parse(query);
  tree.iterate({
    enter(n) {
      if (n.type.isError) {
        unknownFunction(query);
        const near = query.slice(n.from, n.from + 10);
        throw badData(
          `parse error at char ${n.from + 1}: unexpected ${near === '' ? 'end of input' : JSON.stringify(near)}`,
        );
      }
    },
  });
  const conv = new Converter(query);
  const top = tree.topNode.firstChild;
  if (!top) throw badData('parse error: no expression found in input');
  const expr = conv.expr(top);
  check(expr);
  return expr;
}

class Converter {
  constructor(private readonly q: string) {}

  text(n: SyntaxNode): string {
    return this.q.slice(n.from, n.to);
  }

  children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }

  exprChildren(n: SyntaxNode): SyntaxNode[] {
    return this.children(n).filter((c) => c.type.is('Expr'));
  }

  expr(n: SyntaxNode): Expr {
    switch (n.name) {
      case 'NumberDurationLiteral':
        return { kind: 'number', value: parseNumber(this.text(n).replace(/\s+/g, '')) };
      case 'StringLiteral':
        return { kind: 'string', value: unquote(this.text(n)) };
      case 'ParenExpr':
        return { kind: 'paren', expr: this.expr(this.soleExpr(n)) };
      case 'VectorSelector':
        return this.selector(n);
      case 'MatrixSelector': {
        const rangeMs = this.duration(this.child(n, 'DurationExpr'));
        if (rangeMs <= 0) throw badData(`parse error: range must be positive, got ${this.text(n)}`);
        return this.postfix(this.expr(this.soleExpr(n)), 'range', (s) => {
          if (s.kind !== 'selector' || s.rangeMs !== undefined) throw badData('parse error: range specified twice');
          return { ...s, rangeMs };
        });
      }
      case 'OffsetExpr': {
        const ms = this.offsetDuration(this.child(n, 'OffsetDurationExpr'));
        return this.postfix(this.expr(this.soleExpr(n)), 'offset', (s) => {
          if (s.offsetMs !== 0) throw badData('parse error: offset may not be set multiple times');
          return { ...s, offsetMs: ms };
        });
      }
      case 'StepInvariantExpr': {
        const pre = n.getChild('AtModifierPreprocessors');
        const num = n.getChild('NumberDurationLiteral');
        const at: AtModifier = pre
          ? { kind: pre.getChild('AtStart') ? 'start' : 'end' }
          : { kind: 'time', ms: Math.round(parseNumber(this.text(num as SyntaxNode)) * 1000) };
        if (at.kind === 'time' && !Number.isFinite(at.ms))
          throw badData('parse error: timestamp out of bounds for @ modifier');
        return this.postfix(this.expr(this.soleExpr(n)), '@', (s) => {
          if (s.at) throw badData('parse error: @ <timestamp> may not be set multiple times');
          return { ...s, at };
        });
      }
      case 'UnaryExpr': {
        const op = this.text(this.child(n, 'UnaryOp')) as '-' | '+';
        const inner = this.expr(this.soleExpr(n));
        if (inner.kind === 'number') return op === '-' ? { kind: 'number', value: -inner.value } : inner;
        return { kind: 'unary', op, expr: inner };
      }
      case 'BinaryExpr':
        return this.binary(n);
      case 'FunctionCall':
        return this.call(n);
      case 'AggregateExpr':
        return this.aggregate(n);
      case 'SubqueryExpr':
        return this.subquery(n);
      case 'AnchoredExpr':
      case 'SmoothedExpr':
        throw badData(`the ${n.name === 'AnchoredExpr' ? 'anchored' : 'smoothed'} modifier is not supported`);
      default:
        throw badData(`parse error: unexpected ${n.name} ${JSON.stringify(this.text(n))}`);
    }
  }

  soleExpr(n: SyntaxNode): SyntaxNode {
    const e = this.exprChildren(n)[0];
    if (!e) throw badData(`parse error: missing expression in ${JSON.stringify(this.text(n))}`);
    return e;
  }

  child(n: SyntaxNode, name: string): SyntaxNode {
    const c = n.getChild(name);
    if (!c) throw badData(`parse error: expected ${name} in ${JSON.stringify(this.text(n))}`);
    return c;
  }

  /**
   * The lezer grammar is written for editors and binds `[range]`, `offset` and `@` to the whole
   * expression on their left; in Prometheus they bind to the nearest selector or subquery, so
   * they are pushed down to the rightmost operand here.
   */
  postfix(e: Expr, what: string, apply: (s: SelectorExpr | SubqueryExpr) => Expr): Expr {
    if (e.kind === 'selector') return apply(e);
    if (e.kind === 'subquery' && what !== 'range') return apply(e);
    if (e.kind === 'binary') return { ...e, rhs: this.postfix(e.rhs, what, apply) };
    if (e.kind === 'unary') return { ...e, expr: this.postfix(e.expr, what, apply) };
    if (what === 'range') throw badData('parse error: ranges only allowed for vector selectors');
    throw badData(
      `parse error: ${what} modifier must be preceded by an instant vector selector or range vector selector`,
    );
  }

  /**
   * `expr[range:step]`. Like `[range]`, the grammar binds it to the whole expression on its
   * left, so it wraps the rightmost operand of a binary or unary expression, as in Prometheus.
   */
  subquery(n: SyntaxNode): Expr {
    const [rangeNode, stepNode] = n.getChildren('DurationExpr');
    if (!rangeNode) throw badData(`parse error: missing subquery range in ${JSON.stringify(this.text(n))}`);
    const rangeMs = this.duration(rangeNode);
    if (rangeMs <= 0) throw badData(`parse error: subquery range must be positive, got ${this.text(rangeNode)}`);
    const stepMs = stepNode ? this.duration(stepNode) : undefined;
    if (stepMs !== undefined && stepMs <= 0)
      throw badData(`parse error: subquery step must be positive, got ${this.text(stepNode as SyntaxNode)}`);
    const wrap = (e: Expr): Expr => {
      if (e.kind === 'binary') return { ...e, rhs: wrap(e.rhs) };
      if (e.kind === 'unary') return { ...e, expr: wrap(e.expr) };
      return { kind: 'subquery', expr: e, rangeMs, offsetMs: 0, ...(stepMs !== undefined ? { stepMs } : {}) };
    };
    return wrap(this.expr(this.soleExpr(n)));
  }

  selector(n: SyntaxNode): SelectorExpr {
    const matchers: LabelMatcher[] = [];
    const id = n.getChild('Identifier');
    if (id) matchers.push({ name: '__name__', op: '=', value: this.text(id) });
    const lm = n.getChild('LabelMatchers');
    if (lm) {
      for (const c of this.children(lm)) {
        if (c.name === 'QuotedLabelName') {
          matchers.push({ name: '__name__', op: '=', value: unquote(this.text(c)) });
          continue;
        }
        if (c.name !== 'UnquotedLabelMatcher' && c.name !== 'QuotedLabelMatcher') continue;
        const nameNode = c.getChild('LabelName') ?? c.getChild('QuotedLabelName');
        const opNode = c.getChild('MatchOp')?.firstChild;
        const valueNode = this.children(c).filter((x) => x.name === 'StringLiteral');
        const value = valueNode[valueNode.length - 1];
        if (!nameNode || !opNode || !value) throw badData(`parse error: bad matcher ${this.text(c)}`);
        const name = nameNode.name === 'LabelName' ? this.text(nameNode) : unquote(this.text(nameNode));
        const op = MATCH_OPS[opNode.name];
        if (!op) throw badData(`parse error: bad match operator in ${this.text(c)}`);
        const m = { name, op, value: unquote(this.text(value)) };
        if (op === '=~' || op === '!~') compileRegex(m.value);
        matchers.push(m);
      }
    }
    if (id && matchers.filter((m) => m.name === '__name__').length > 1)
      throw badData(`parse error: metric name must not be set twice: ${JSON.stringify(this.text(n))}`);
    const nonEmpty = matchers.some((m) => !matchesEmpty(m));
    if (!nonEmpty) throw badData('parse error: vector selector must contain at least one non-empty matcher');
    return { kind: 'selector', matchers, offsetMs: 0 };
  }

  binary(n: SyntaxNode): Expr {
    const [l, r] = this.exprChildren(n);
    if (!l || !r) throw badData(`parse error: incomplete binary expression ${JSON.stringify(this.text(n))}`);
    let op: BinaryOp | undefined;
    for (const c of this.children(n)) {
      const o = BINARY_OPS[c.name];
      if (o && !c.type.is('Expr')) op = o;
    }
    if (!op) throw badData(`parse error: unknown operator in ${JSON.stringify(this.text(n))}`);
    const bool = n.getChild('BoolModifier') !== null;
    const lhs = this.expr(l);
    const rhs = this.expr(r);
    const matching: VectorMatching = {
      card: SET_OPS.has(op) ? 'many-to-many' : 'one-to-one',
      on: false,
      labels: [],
      include: [],
    };
    const mm = n.getChild('MatchingModifierClause');
    if (mm) {
      matching.on = mm.getChild('On') !== null;
      const groups = mm.getChildren('GroupingLabels');
      matching.labels = groups[0] ? this.labelList(groups[0]) : [];
      if (mm.getChild('GroupLeft')) matching.card = 'many-to-one';
      if (mm.getChild('GroupRight')) matching.card = 'one-to-many';
      if (groups[1]) matching.include = this.labelList(groups[1]);
      if (SET_OPS.has(op) && matching.card !== 'many-to-many')
        throw badData(`parse error: no grouping allowed for "${op}" operation`);
      if (SET_OPS.has(op)) matching.card = 'many-to-many';
    }
    if (n.getChild('FillModifier')) throw badData('the fill() binary modifier is not supported');
    return { kind: 'binary', op, lhs, rhs, bool, matching };
  }

  labelList(g: SyntaxNode): string[] {
    return this.children(g)
      .filter((c) => c.name === 'LabelName' || c.name === 'QuotedLabelName')
      .map((c) => (c.name === 'LabelName' ? this.text(c) : unquote(this.text(c))));
  }

  args(body: SyntaxNode): Expr[] {
    return this.exprChildren(body).map((c) => this.expr(c));
  }

  call(n: SyntaxNode): Expr {
    const name = this.text(this.child(n, 'FunctionIdentifier'));
    if (!FUNCTIONS[name]) throw badData(`function "${name}" is not supported by Stellwerk's PromQL evaluator`);
    return { kind: 'call', func: name, args: this.args(this.child(n, 'FunctionCallBody')) };
  }

  aggregate(n: SyntaxNode): Expr {
    const op = this.text(this.child(n, 'AggregateOp'));
    if (!AGGREGATES.has(op)) throw badData(`aggregation "${op}" is not supported by Stellwerk's PromQL evaluator`);
    const args = this.args(this.child(n, 'FunctionCallBody'));
    const mod = n.getChild('AggregateModifier');
    const grouping = mod ? this.labelList(this.child(mod, 'GroupingLabels')) : [];
    const without = mod?.getChild('Without') !== null && mod !== null;
    const withParam = op === 'topk' || op === 'bottomk' || op === 'quantile' || op === 'count_values';
    const want = withParam ? 2 : 1;
    if (args.length !== want)
      throw badData(
        `parse error: wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`,
      );
    const expr = args[want - 1] as Expr;
    return {
      kind: 'aggregate',
      op: op as AggregateOp,
      expr,
      grouping,
      without,
      ...(withParam ? { param: args[0] as Expr } : {}),
    };
  }

  duration(n: SyntaxNode): number {
    const kids = this.children(n);
    if (n.name === 'NumberDurationLiteralInDurationContext') {
      const t = this.text(n);
      return parseDurationMs(t) ?? parseNumber(t) * 1000;
    }
    const [a, b, c] = kids;
    if (kids.length === 1 && a) return this.duration(a);
    if (kids.length === 2 && a?.name === 'UnaryOp' && b)
      return this.text(a) === '-' ? -this.duration(b) : this.duration(b);
    if (kids.length === 3 && a && b && c) {
      if (a.name === '(' || this.text(a) === '(') return this.duration(b);
      const x = this.duration(a);
      const y = this.duration(c);
      switch (b.name) {
        case 'Add':
          return x + y;
        case 'Sub':
          return x - y;
        case 'Mul':
          return (x * y) / 1000;
        case 'Div':
          return (x / y) * 1000;
        case 'Mod':
          return x % y;
      }
    }
    throw badData(`unsupported duration expression ${JSON.stringify(this.text(n))}`);
  }

  offsetDuration(n: SyntaxNode): number {
    return this.duration(n);
  }
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'start',
  'end',
]);

/** On a syntax error, name a function call the grammar does not know, as Prometheus does. */
function unknownFunction(query: string): void {
  const stripped = query.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  for (const m of stripped.matchAll(/([a-zA-Z_][a-zA-Z0-9_:]*)\s*\(/g)) {
    const name = m[1] as string;
    if (FUNCTIONS[name] || AGGREGATES.has(name) || KEYWORDS.has(name.toLowerCase())) continue;
    throw badData(`parse error: unknown function with name "${name}" (not supported by Stellwerk's PromQL evaluator)`);
  }
}

function matchesEmpty(m: LabelMatcher): boolean {
  switch (m.op) {
    case '=':
      return m.value === '';
    case '!=':
      return m.value !== '';
    case '=~':
      return compileRegex(m.value).test('');
    case '!~':
      return !compileRegex(m.value).test('');
  }
}

/** Prometheus' type checks, with its wording. */
function check(e: Expr): void {
  switch (e.kind) {
    case 'number':
    case 'string':
    case 'selector':
      return;
    case 'subquery': {
      check(e.expr);
      const t = typeOf(e.expr);
      if (t !== 'vector')
        throw badData(`parse error: subquery is only allowed on instant vector, got ${TYPE_NAMES[t]} instead`);
      return;
    }
    case 'paren':
      check(e.expr);
      return;
    case 'unary': {
      check(e.expr);
      const t = typeOf(e.expr);
      if (t !== 'scalar' && t !== 'vector')
        throw badData(
          `parse error: unary expression only allowed on expressions of type scalar or instant vector, got "${TYPE_NAMES[t]}"`,
        );
      return;
    }
    case 'binary': {
      check(e.lhs);
      check(e.rhs);
      const lt = typeOf(e.lhs);
      const rt = typeOf(e.rhs);
      for (const t of [lt, rt])
        if (t !== 'scalar' && t !== 'vector')
          throw badData('parse error: binary expression must contain only scalar and instant vector types');
      if (e.bool && !COMPARISON_OPS.has(e.op))
        throw badData('parse error: bool modifier can only be used on comparison operators');
      if (COMPARISON_OPS.has(e.op) && lt === 'scalar' && rt === 'scalar' && !e.bool)
        throw badData('parse error: comparisons between scalars must use BOOL modifier');
      if (SET_OPS.has(e.op) && (lt !== 'vector' || rt !== 'vector'))
        throw badData(`parse error: set operator "${e.op}" not allowed in binary scalar expression`);
      const hasModifier = e.matching.on || e.matching.labels.length > 0 || e.matching.include.length > 0;
      if (
        (lt !== 'vector' || rt !== 'vector') &&
        (hasModifier || e.matching.card === 'many-to-one' || e.matching.card === 'one-to-many')
      )
        throw badData('parse error: vector matching only allowed between instant vectors');
      if (e.matching.on || e.matching.card !== 'one-to-one') {
        for (const l of e.matching.include)
          if (e.matching.on && e.matching.labels.includes(l))
            throw badData(`parse error: label "${l}" must not occur in ON and GROUP clause at once`);
      }
      return;
    }
    case 'call': {
      const sig = FUNCTIONS[e.func];
      if (!sig) throw badData(`function "${e.func}" is not supported by Stellwerk's PromQL evaluator`);
      const min = sig.args.length - (sig.optional ?? 0);
      const max = sig.variadicLast ? Number.POSITIVE_INFINITY : sig.args.length;
      if (e.args.length < min || e.args.length > max)
        throw badData(
          `parse error: expected ${min === max ? min : `at least ${min}`} argument(s) in call to "${e.func}", got ${e.args.length}`,
        );
      e.args.forEach((a, i) => {
        check(a);
        const want = sig.args[Math.min(i, sig.args.length - 1)];
        const got = typeOf(a);
        if (want && got !== want)
          throw badData(
            `parse error: expected type ${TYPE_NAMES[want]} in call to function "${e.func}", got ${TYPE_NAMES[got]}`,
          );
      });
      return;
    }
    case 'aggregate': {
      check(e.expr);
      const t = typeOf(e.expr);
      if (t !== 'vector')
        throw badData(`parse error: expected type instant vector in aggregation expression, got ${TYPE_NAMES[t]}`);
      if (e.param) {
        check(e.param);
        const want = e.op === 'count_values' ? 'string' : 'scalar';
        const got = typeOf(e.param);
        if (got !== want)
          throw badData(
            `parse error: expected type ${TYPE_NAMES[want]} in aggregation parameter, got ${TYPE_NAMES[got]}`,
          );
      }
      return;
    }
  }
}
