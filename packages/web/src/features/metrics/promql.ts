/** PromQL text helpers for the editor and the builder; the server owns the real parser. */
export type Labels = Record<string, string>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function quote(v: string): string {
  return JSON.stringify(v);
}

/** `name{a="1", b="2"}` with labels sorted; `{}` for a result without labels. */
export function formatSeries(labels: Labels): string {
  const { __name__: name = '', ...rest } = labels;
  const inner = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${quote(rest[k] ?? '')}`)
    .join(', ');
  return inner || !name ? `${name}{${inner}}` : name;
}

/** A key that identifies a series within one result. */
export function seriesKey(labels: Labels): string {
  return formatSeries(labels);
}

// ---- completion context ----

export type CompletionKind = 'metric' | 'labelName' | 'labelValue';

export interface CompletionContext {
  kind: CompletionKind;
  /** The text being completed, already typed; it is replaced on accept. */
  prefix: string;
  /** Offset in the text where `prefix` starts. */
  from: number;
  /** The metric whose `{...}` the cursor is in, if any. */
  metric?: string;
  /** For labelValue: the label the value is for. */
  label?: string;
}

/**
 * What to complete at `pos`: a label value inside quotes after `label=`, a label name inside
 * `{...}` or `by (...)`, otherwise a metric (or function) name.
 */
export function completionContext(text: string, pos: number): CompletionContext | null {
  const before = text.slice(0, pos);
  const brace = openBrace(before);
  if (brace >= 0) {
    const inner = before.slice(brace + 1);
    const metric = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*$/.exec(before.slice(0, brace))?.[1];
    const val = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)$/.exec(inner);
    if (val?.[1] !== undefined && val[3] !== undefined)
      return { kind: 'labelValue', prefix: val[3], from: pos - val[3].length, metric, label: val[1] };
    const name = /(?:^|,)\s*([a-zA-Z_][a-zA-Z0-9_]*)?$/.exec(inner);
    if (name) {
      const prefix = name[1] ?? '';
      return { kind: 'labelName', prefix, from: pos - prefix.length, metric };
    }
    return null;
  }
  const grouping = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([a-zA-Z0-9_,\s]*)$/.exec(before);
  if (grouping?.[1] !== undefined) {
    const prefix = /([a-zA-Z_][a-zA-Z0-9_]*)?$/.exec(grouping[1])?.[1] ?? '';
    return { kind: 'labelName', prefix, from: pos - prefix.length, metric: firstMetric(text) };
  }
  if (insideQuotes(before) || /\[[^\]]*$/.test(before)) return null; // strings and [5m] ranges
  const word = /[a-zA-Z_:][a-zA-Z0-9_:]*$/.exec(before);
  if (!word) return null;
  return { kind: 'metric', prefix: word[0], from: pos - word[0].length };
}

/** Index of the `{` the cursor is inside (outside quotes), or -1. */
function openBrace(before: string): number {
  let open = -1;
  let inStr = false;
  for (let i = 0; i < before.length; i++) {
    const c = before[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '{') open = i;
    else if (c === '}') open = -1;
  }
  return open;
}

function insideQuotes(before: string): boolean {
  let inStr = false;
  for (let i = 0; i < before.length; i++) {
    if (inStr && before[i] === '\\') i++;
    else if (before[i] === '"') inStr = !inStr;
  }
  return inStr;
}

export const FUNCTIONS = [
  'rate',
  'irate',
  'increase',
  'delta',
  'deriv',
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'stddev',
  'topk',
  'bottomk',
  'quantile',
  'histogram_quantile',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'last_over_time',
  'abs',
  'ceil',
  'floor',
  'round',
  'clamp',
  'label_replace',
  'label_join',
  'absent',
  'scalar',
  'vector',
  'time',
];

/** A metric name mentioned in the query that `known` has, for showing its type and help. */
export function firstMetric(text: string, known?: Set<string>): string | undefined {
  const stripped = text.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, '{}');
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const w = m[0];
    if (known ? known.has(w) : !FUNCTIONS.includes(w) && !KEYWORDS.has(w)) return w;
  }
  return undefined;
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
]);

// ---- builder ----

export type MatchOp = '=' | '!=' | '=~' | '!~';
export const MATCH_OPS: MatchOp[] = ['=', '!=', '=~', '!~'];
export const RANGE_FUNCTIONS = [
  'rate',
  'increase',
  'irate',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
] as const;
export const AGGREGATIONS = ['sum', 'avg', 'max', 'min', 'count'] as const;

export interface LabelFilter {
  label: string;
  op: MatchOp;
  value: string;
}

export interface BuilderState {
  metric: string;
  filters: LabelFilter[];
  fn: '' | (typeof RANGE_FUNCTIONS)[number];
  range: string;
  agg: '' | (typeof AGGREGATIONS)[number];
  by: string[];
}

export const EMPTY_BUILDER: BuilderState = { metric: '', filters: [], fn: '', range: '5m', agg: '', by: [] };

/** PromQL for the builder's choices; filters without a label are skipped. */
export function buildQuery(b: BuilderState): string {
  if (!b.metric) return '';
  const matchers = b.filters.filter((f) => f.label).map((f) => `${f.label}${f.op}${quote(f.value)}`);
  const metricOk = NAME.test(b.metric);
  if (!metricOk) matchers.unshift(`__name__=${quote(b.metric)}`);
  let q = `${metricOk ? b.metric : ''}${matchers.length || !metricOk ? `{${matchers.join(', ')}}` : ''}`;
  if (b.fn) q = `${b.fn}(${q}[${b.range || '5m'}])`;
  if (b.agg) q = `${b.agg}${b.by.length ? ` by (${b.by.join(', ')})` : ''} (${q})`;
  return q;
}
