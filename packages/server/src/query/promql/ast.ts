/** The PromQL syntax tree the evaluator works on (converted from the lezer tree in parse.ts). */

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

/** `@ <ts>` in epoch ms, or the query's start/end. */
export type AtModifier = { kind: 'time'; ms: number } | { kind: 'start' } | { kind: 'end' };

export interface SelectorExpr {
  kind: 'selector';
  matchers: LabelMatcher[];
  offsetMs: number;
  at?: AtModifier;
  /** Set for range vector selectors (`foo[5m]`). */
  rangeMs?: number;
}

/**
 * `expr[range:step]`: the inner instant-vector expression evaluated every `stepMs` (aligned to
 * multiples of the step), read back as a range vector. `stepMs` undefined: the default step.
 */
export interface SubqueryExpr {
  kind: 'subquery';
  expr: Expr;
  rangeMs: number;
  stepMs?: number;
  offsetMs: number;
  at?: AtModifier;
}

export interface VectorMatching {
  /** one-to-one, many-to-one (group_left), one-to-many (group_right), many-to-many (set operators). */
  card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  on: boolean;
  labels: string[];
  include: string[];
}

export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '^'
  | 'atan2'
  | '=='
  | '!='
  | '>'
  | '<'
  | '>='
  | '<='
  | 'and'
  | 'or'
  | 'unless';

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile'
  | 'count_values';

export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | SelectorExpr
  | SubqueryExpr
  | { kind: 'call'; func: string; args: Expr[] }
  | { kind: 'aggregate'; op: AggregateOp; param?: Expr; expr: Expr; grouping: string[]; without: boolean }
  | { kind: 'binary'; op: BinaryOp; lhs: Expr; rhs: Expr; bool: boolean; matching: VectorMatching }
  | { kind: 'unary'; op: '-' | '+'; expr: Expr }
  | { kind: 'paren'; expr: Expr };

export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set(['==', '!=', '>', '<', '>=', '<=']);
export const SET_OPS: ReadonlySet<BinaryOp> = new Set(['and', 'or', 'unless']);

export function typeOf(e: Expr): ValueType {
  switch (e.kind) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'selector':
      return e.rangeMs === undefined ? 'vector' : 'matrix';
    case 'subquery':
      return 'matrix';
    case 'call':
      return e.func === 'scalar' || e.func === 'time' || e.func === 'pi' ? 'scalar' : 'vector';
    case 'aggregate':
      return 'vector';
    case 'binary':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary':
    case 'paren':
      return typeOf(e.expr);
  }
}
