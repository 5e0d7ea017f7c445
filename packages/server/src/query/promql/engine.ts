import { aggregate } from './aggregate.ts';
import { type Expr, SET_OPS, type SelectorExpr, type SubqueryExpr, typeOf } from './ast.ts';
import { scalarBinop, setBinop, vectorBinop, vectorScalarBinop } from './binary.ts';
import { execError, PromqlError } from './errors.ts';
import { histogramQuantile } from './histogram.ts';
import {
  clamp,
  dateFunction,
  labelJoin,
  labelReplace,
  MATH_FUNCTIONS,
  mapValues,
  round,
  sortByValue,
} from './instant-functions.ts';
import { dropName, type Labels, labelsKey, METRIC_NAME } from './labels.ts';
import { parsePromql } from './parse.ts';
import { RANGE_FUNCTIONS } from './range-functions.ts';
import { planResolution, type ResolutionPlan, type ResolutionRequest } from './resolution-plan.ts';
import { BUCKET_FUNCTIONS } from './rollup-functions.ts';
import {
  DEFAULT_LIMITS,
  type QueryLimits,
  type RollupSeriesData,
  type SampleSource,
  type SeriesData,
  TIER_MS,
} from './source.ts';
import { assertNoDuplicates, type Sample, type Series, type Value } from './values.ts';

export const DEFAULT_LOOKBACK_MS = 5 * 60_000;
/** Prometheus' cap on points per series in a range query. */
export const MAX_POINTS_PER_SERIES = 11_000;
/** A subquery without a step (`x[10m:]`) steps by this; Prometheus' default evaluation interval. */
export const DEFAULT_SUBQUERY_STEP_MS = 60_000;

export interface EngineOptions {
  lookbackMs?: number;
  limits?: Partial<QueryLimits>;
  /** The step of subqueries written without one. */
  subqueryStepMs?: number;
  /** Raw sample retention: a range starting before it reads rollups under `auto`. */
  rawRetentionMs?: number;
}

export interface QueryOptions {
  /** Which resolution range queries read; instant queries always read raw samples. */
  resolution?: ResolutionRequest;
  /** Epoch ms after which the query gives up with a `timeout` error. */
  deadlineMs?: number;
}

export interface QueryResult {
  value: Value;
  plan: ResolutionPlan;
}

/**
 * Evaluates PromQL with Prometheus 2.42's semantics: each selector's samples (or rollup
 * buckets, see resolution-plan.ts) are fetched once for the whole query, then every step is
 * evaluated in memory.
 */
export class PromqlEngine {
  private readonly lookbackMs: number;
  private readonly limits: QueryLimits;
  private readonly subqueryStepMs: number;

  constructor(
    private readonly source: SampleSource,
    private readonly options: EngineOptions = {},
  ) {
    this.lookbackMs = options.lookbackMs ?? DEFAULT_LOOKBACK_MS;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.subqueryStepMs = options.subqueryStepMs ?? DEFAULT_SUBQUERY_STEP_MS;
  }

  async instantQuery(query: string, timeMs: number, opts: QueryOptions = {}): Promise<Value> {
    const expr = parsePromql(query);
    const ev = await this.prepare(expr, timeMs, timeMs, RAW_PLAN, opts.deadlineMs);
    return ev.evalTop(expr, timeMs);
  }

  async rangeQuery(
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    opts: QueryOptions = {},
  ): Promise<Value> {
    return (await this.evaluateRange(query, startMs, endMs, stepMs, opts)).value;
  }

  /** A range query, with the resolution each selector was read at. */
  async evaluateRange(
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    opts: QueryOptions = {},
  ): Promise<QueryResult> {
    if (endMs < startMs) throw new PromqlError('bad_data', 'end timestamp must not be before start time');
    if (!(stepMs > 0))
      throw new PromqlError(
        'bad_data',
        'zero or negative query resolution step widths are not accepted. Try a positive integer',
      );
    if ((endMs - startMs) / stepMs > MAX_POINTS_PER_SERIES)
      throw new PromqlError(
        'bad_data',
        'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
      );
    const expr = parsePromql(query);
    const t = typeOf(expr);
    if (t !== 'scalar' && t !== 'vector')
      throw new PromqlError(
        'bad_data',
        `invalid expression type "${t === 'matrix' ? 'range vector' : t}" for range query, must be Scalar or instant Vector`,
      );
    // A source without rollups (tests, embedding) answers everything from raw samples.
    const request = this.source.selectRollup ? (opts.resolution ?? 'auto') : 'raw';
    const plan = planResolution(expr, { startMs, endMs, stepMs }, request, {
      rawRetentionMs: this.options.rawRetentionMs,
    });
    const ev = await this.prepare(expr, startMs, endMs, plan, opts.deadlineMs);
    const series = ev.evalSteps(expr, startMs, endMs, stepMs);
    return { value: { type: 'matrix', series: sortSeries(series) }, plan };
  }

  /**
   * Fetches every selector's samples for the whole query, once. Selectors inside subqueries
   * are fetched for the times the subquery evaluates them at.
   */
  private async prepare(
    expr: Expr,
    startMs: number,
    endMs: number,
    plan: ResolutionPlan,
    deadlineMs?: number,
  ): Promise<Evaluator> {
    const ev = new Evaluator(startMs, endMs, this.lookbackMs, this.limits, deadlineMs);
    let total = 0;
    const count = (n: number) => {
      total += n;
      if (total > this.limits.maxSamplesPerQuery)
        throw execError(
          `query processing would load too many samples into memory in query execution (more than ${this.limits.maxSamplesPerQuery}); narrow the selectors or the time range`,
        );
    };
    for (const { sel, from, to } of ev.fetchPlan(expr, this.subqueryStepMs)) {
      const tier = plan.tiers.get(sel);
      if (tier && this.source.selectRollup) {
        const width = TIER_MS[tier];
        // Whole buckets inside [from, to]: the last one ends at the latest step.
        // A plain selector reads the bucket ending at each step, not a lookback window.
        const lo = sel.rangeMs === undefined ? from + this.lookbackMs - width : from;
        const data = await this.source.selectRollup(tier, sel.matchers, lo, to - width, this.limits, deadlineMs);
        for (const s of data) count(s.t.length);
        ev.rollups.set(sel, { widthMs: width, data });
      } else {
        const data = await this.source.select(sel.matchers, from, to, this.limits, deadlineMs);
        for (const s of data) count(s.t.length);
        ev.data.set(sel, data);
      }
      ev.checkDeadline('fetching samples');
    }
    return ev;
  }
}

const RAW_PLAN: ResolutionPlan = { tiers: new Map(), resolution: 'raw', rawSelectors: 0 };

function unwrap(e: Expr): Expr {
  return e.kind === 'paren' ? unwrap(e.expr) : e;
}

function sortSeries(s: Series[]): Series[] {
  return s.sort((a, b) => {
    const ka = labelsKey(a.labels);
    const kb = labelsKey(b.labels);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** Index of the first element >= x. */
function lowerBound(arr: number[], x: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Labels for absent()/absent_over_time(): the selector's equality matchers, each name once. */
function absentLabels(arg: Expr): Labels {
  const e = unwrap(arg);
  if (e.kind !== 'selector') return {};
  const out: Labels = {};
  const dropped = new Set<string>();
  for (const m of e.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.op === '=' && !(m.name in out) && !dropped.has(m.name)) out[m.name] = m.value;
    else {
      delete out[m.name];
      dropped.add(m.name);
    }
  }
  return out;
}

interface RangeSeries {
  labels: Labels;
  t: number[];
  v: number[];
}

/** A range vector's source: a range selector or a subquery (both carry range, offset and `@`). */
type RangeNode = SelectorExpr | SubqueryExpr;

/** The evaluation times of an expression: every `step` from `from` to `to`. */
interface Span {
  from: number;
  to: number;
}

class Evaluator {
  readonly data = new Map<SelectorExpr, SeriesData[]>();
  readonly rollups = new Map<SelectorExpr, { widthMs: number; data: RollupSeriesData[] }>();
  /** Where each subquery evaluates its inner expression. */
  private readonly subSpans = new Map<SubqueryExpr, Span & { stepMs: number }>();
  private readonly subData = new Map<SubqueryExpr, SeriesData[]>();
  private subPoints = 0;

  constructor(
    readonly startMs: number,
    readonly endMs: number,
    readonly lookbackMs: number,
    private readonly limits: QueryLimits,
    private readonly deadlineMs?: number,
  ) {}

  checkDeadline(stage: string): void {
    if (this.deadlineMs !== undefined && Date.now() > this.deadlineMs)
      throw new PromqlError(
        'timeout',
        `query timed out in ${stage}; narrow the time range or the selectors, or raise the timeout`,
      );
  }

  private refTime(node: RangeNode, ts: number): number {
    const base = !node.at
      ? ts
      : node.at.kind === 'start'
        ? this.startMs
        : node.at.kind === 'end'
          ? this.endMs
          : node.at.ms;
    return base - node.offsetMs;
  }

  /**
   * Every selector with the window its samples are needed for. Subqueries are resolved here
   * by Prometheus' rule: the inner expression runs every step from the first multiple of the
   * step at or after `first evaluation - offset - range` up to `last evaluation - offset`.
   */
  fetchPlan(expr: Expr, defaultStepMs: number): Array<{ sel: SelectorExpr; from: number; to: number }> {
    const out: Array<{ sel: SelectorExpr; from: number; to: number }> = [];
    const walk = (e: Expr, span: Span): void => {
      switch (e.kind) {
        case 'selector': {
          const lo = this.refTime(e, span.from);
          const hi = this.refTime(e, span.to);
          out.push({ sel: e, from: Math.min(lo, hi) - (e.rangeMs ?? this.lookbackMs), to: Math.max(lo, hi) });
          return;
        }
        case 'subquery': {
          const stepMs = e.stepMs ?? defaultStepMs;
          const lo = this.refTime(e, span.from);
          const hi = this.refTime(e, span.to);
          const inner = {
            from: Math.ceil((Math.min(lo, hi) - e.rangeMs) / stepMs) * stepMs,
            to: Math.max(lo, hi),
            stepMs,
          };
          this.subSpans.set(e, inner);
          walk(e.expr, inner);
          return;
        }
        case 'call':
          for (const a of e.args) walk(a, span);
          return;
        case 'aggregate':
          if (e.param) walk(e.param, span);
          walk(e.expr, span);
          return;
        case 'binary':
          walk(e.lhs, span);
          walk(e.rhs, span);
          return;
        case 'unary':
        case 'paren':
          walk(e.expr, span);
          return;
        default:
          return;
      }
    };
    walk(expr, { from: this.startMs, to: this.endMs });
    return out;
  }

  /** Evaluates `e` at every step as series, as a range query (and a subquery) answers. */
  evalSteps(e: Expr, from: number, to: number, stepMs: number): Series[] {
    const series = new Map<string, Series>();
    let n = 0;
    for (let ts = from; ts <= to; ts += stepMs) {
      if ((n++ & 63) === 0) this.checkDeadline('expression evaluation');
      const v = this.eval(e, ts);
      const samples: Sample[] = v.type === 'scalar' ? [{ labels: {}, v: v.v }] : v.type === 'vector' ? v.samples : [];
      for (const s of samples) {
        const key = labelsKey(s.labels);
        let out = series.get(key);
        if (!out) {
          out = { labels: s.labels, points: [] };
          series.set(key, out);
        }
        const last = out.points[out.points.length - 1];
        if (last && last[0] === ts) throw execError('vector cannot contain metrics with the same labelset');
        out.points.push([ts, s.v]);
      }
    }
    return [...series.values()];
  }

  evalTop(e: Expr, ts: number): Value {
    const inner = unwrap(e);
    if ((inner.kind === 'selector' && inner.rangeMs !== undefined) || inner.kind === 'subquery') {
      const series = this.rangeWindows(inner, ts).map((s) => ({
        labels: s.labels,
        points: s.t.map((t, i) => [t, s.v[i] as number] as [number, number]),
      }));
      return { type: 'matrix', series: sortSeries(series.filter((s) => s.points.length > 0)) };
    }
    return this.eval(e, ts);
  }

  eval(e: Expr, ts: number): Value {
    switch (e.kind) {
      case 'number':
        return { type: 'scalar', v: e.value };
      case 'string':
        return { type: 'string', s: e.value };
      case 'paren':
        return this.eval(e.expr, ts);
      case 'selector':
        if (e.rangeMs !== undefined) throw execError('range vector selector used where an instant vector is expected');
        return { type: 'vector', samples: this.instantSelect(e, ts) };
      case 'subquery':
        throw execError('subquery used where an instant vector is expected');
      case 'unary': {
        const v = this.eval(e.expr, ts);
        if (e.op === '+') return v;
        if (v.type === 'scalar') return { type: 'scalar', v: -v.v };
        if (v.type !== 'vector') throw execError('unary minus on a non-numeric value');
        const samples = v.samples.map((s) => ({ labels: dropName(s.labels), v: -s.v }));
        assertNoDuplicates(samples);
        return { type: 'vector', samples };
      }
      case 'binary':
        return this.binary(e, ts);
      case 'aggregate': {
        const input = this.vector(e.expr, ts);
        let param: number | string | undefined;
        if (e.param) {
          const p = this.eval(e.param, ts);
          param = p.type === 'scalar' ? p.v : p.type === 'string' ? p.s : undefined;
        }
        return { type: 'vector', samples: aggregate(e.op, input, e.grouping, e.without, param) };
      }
      case 'call': {
        const out = this.call(e.func, e.args, ts);
        if (out.type === 'vector') assertNoDuplicates(out.samples);
        return out;
      }
    }
  }

  private vector(e: Expr, ts: number): Sample[] {
    const v = this.eval(e, ts);
    if (v.type !== 'vector') throw execError(`expected an instant vector, got ${v.type}`);
    return v.samples;
  }

  private scalar(e: Expr, ts: number): number {
    const v = this.eval(e, ts);
    if (v.type !== 'scalar') throw execError(`expected a scalar, got ${v.type}`);
    return v.v;
  }

  private string(e: Expr, ts: number): string {
    const v = this.eval(e, ts);
    if (v.type !== 'string') throw execError(`expected a string, got ${v.type}`);
    return v.s;
  }

  /**
   * The newest sample within the lookback window, unless it is a staleness marker. From a
   * rollup: the last value of the bucket that ends at the step.
   */
  private instantSelect(sel: SelectorExpr, ts: number): Sample[] {
    const ref = this.refTime(sel, ts);
    const out: Sample[] = [];
    const rollup = this.rollups.get(sel);
    if (rollup) {
      for (const s of rollup.data) {
        const i = lowerBound(s.t, ref - rollup.widthMs);
        if (s.t[i] === ref - rollup.widthMs) out.push({ labels: s.labels, v: s.last[i] as number, t: ref });
      }
      return out;
    }
    for (const s of this.data.get(sel) ?? []) {
      const i = lowerBound(s.t, ref + 1) - 1;
      if (i < 0) continue;
      const t = s.t[i] as number;
      if (t < ref - this.lookbackMs || s.stale?.[i]) continue;
      out.push({ labels: s.labels, v: s.v[i] as number, t });
    }
    return out;
  }

  /** A subquery's inner result over its whole span, evaluated on first use. */
  private subqueryData(sq: SubqueryExpr): SeriesData[] {
    const cached = this.subData.get(sq);
    if (cached) return cached;
    const span = this.subSpans.get(sq);
    if (!span) throw execError('subquery was not planned');
    const out = this.evalSteps(sq.expr, span.from, span.to, span.stepMs).map((s) => ({
      labels: s.labels,
      t: s.points.map((p) => p[0]),
      v: s.points.map((p) => p[1]),
    }));
    for (const s of out) this.subPoints += s.t.length;
    if (this.subPoints > this.limits.maxSamplesPerQuery)
      throw execError(
        `query processing would load too many samples into memory in query execution (more than ${this.limits.maxSamplesPerQuery} subquery points); widen the subquery step or narrow its range`,
      );
    this.subData.set(sq, out);
    return out;
  }

  /** The non-stale samples in [ref - range, ref] per series (closed on both ends, as in 2.x). */
  private rangeWindows(node: RangeNode, ts: number): RangeSeries[] {
    const ref = this.refTime(node, ts);
    const from = ref - (node.rangeMs ?? 0);
    const out: RangeSeries[] = [];
    const source = node.kind === 'subquery' ? this.subqueryData(node) : (this.data.get(node) ?? []);
    for (const s of source) {
      const a = lowerBound(s.t, from);
      const b = lowerBound(s.t, ref + 1);
      const t: number[] = [];
      const v: number[] = [];
      for (let i = a; i < b; i++) {
        if (s.stale?.[i]) continue;
        t.push(s.t[i] as number);
        v.push(s.v[i] as number);
      }
      out.push({ labels: s.labels, t, v });
    }
    return out;
  }

  private matrixArg(e: Expr): RangeNode {
    const node = unwrap(e);
    if (node.kind === 'subquery') return node;
    if (node.kind !== 'selector' || node.rangeMs === undefined) throw execError('expected a range vector selector');
    return node;
  }

  /** A range function over whole rollup buckets: those starting in [ref - range, ref - width]. */
  private bucketCall(name: string, sel: SelectorExpr, ts: number): Sample[] | undefined {
    const rollup = this.rollups.get(sel);
    const fn = BUCKET_FUNCTIONS[name];
    if (!rollup || !fn) return undefined;
    const ref = this.refTime(sel, ts);
    const rangeMs = sel.rangeMs ?? 0;
    const out: Sample[] = [];
    for (const s of rollup.data) {
      const a = lowerBound(s.t, ref - rangeMs);
      const b = lowerBound(s.t, ref - rollup.widthMs + 1);
      const v = fn({ s, a, b, widthMs: rollup.widthMs, start: ref - rangeMs, end: ref, rangeMs });
      if (v === undefined) continue;
      out.push({ labels: name === 'last_over_time' ? s.labels : dropName(s.labels), v });
    }
    return out;
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>, ts: number): Value {
    const l = this.eval(e.lhs, ts);
    const r = this.eval(e.rhs, ts);
    if (l.type === 'scalar' && r.type === 'scalar') return { type: 'scalar', v: scalarBinop(e.op, l.v, r.v, e.bool) };
    if (l.type === 'vector' && r.type === 'vector') {
      if (SET_OPS.has(e.op)) return { type: 'vector', samples: setBinop(e.op, l.samples, r.samples, e.matching) };
      const samples = vectorBinop(e.op, l.samples, r.samples, e.matching, e.bool);
      return { type: 'vector', samples };
    }
    if (l.type === 'vector' && r.type === 'scalar') {
      const samples = vectorScalarBinop(e.op, l.samples, r.v, false, e.bool);
      assertNoDuplicates(samples);
      return { type: 'vector', samples };
    }
    if (l.type === 'scalar' && r.type === 'vector') {
      const samples = vectorScalarBinop(e.op, r.samples, l.v, true, e.bool);
      assertNoDuplicates(samples);
      return { type: 'vector', samples };
    }
    throw execError('binary expression must contain only scalar and instant vector types');
  }

  private call(name: string, args: Expr[], ts: number): Value {
    const vec = (samples: Sample[]): Value => ({ type: 'vector', samples });
    const rangeFn = RANGE_FUNCTIONS[name];
    if (rangeFn) {
      const matrixIndex = name === 'quantile_over_time' ? 1 : 0;
      const sel = this.matrixArg(args[matrixIndex] as Expr);
      if (sel.kind === 'selector') {
        const fromBuckets = this.bucketCall(name, sel, ts);
        if (fromBuckets) return vec(fromBuckets);
      }
      const paramExpr = name === 'quantile_over_time' ? args[0] : name === 'predict_linear' ? args[1] : undefined;
      const param = paramExpr ? this.scalar(paramExpr, ts) : 0;
      const ref = this.refTime(sel, ts);
      const out: Sample[] = [];
      for (const w of this.rangeWindows(sel, ts)) {
        const v = rangeFn(
          { t: w.t, v: w.v, start: ref - (sel.rangeMs ?? 0), end: ref, rangeMs: sel.rangeMs ?? 0, evalTs: ts },
          param,
        );
        if (v === undefined) continue;
        // last_over_time acts like offset and keeps the name; other range functions drop it.
        out.push({ labels: name === 'last_over_time' ? w.labels : dropName(w.labels), v });
      }
      return vec(out);
    }
    const math = MATH_FUNCTIONS[name];
    if (math) return vec(mapValues(this.vector(args[0] as Expr, ts), math));
    const arg = (i: number) => args[i] as Expr;
    switch (name) {
      case 'absent_over_time': {
        const any = this.rangeWindows(this.matrixArg(arg(0)), ts).some((w) => w.t.length > 0);
        return vec(any ? [] : [{ labels: absentLabels(arg(0)), v: 1 }]);
      }
      case 'absent':
        return vec(this.vector(arg(0), ts).length > 0 ? [] : [{ labels: absentLabels(arg(0)), v: 1 }]);
      case 'time':
        return { type: 'scalar', v: ts / 1000 };
      case 'pi':
        return { type: 'scalar', v: Math.PI };
      case 'vector':
        return vec([{ labels: {}, v: this.scalar(arg(0), ts) }]);
      case 'scalar': {
        const v = this.vector(arg(0), ts);
        return { type: 'scalar', v: v.length === 1 ? (v[0] as Sample).v : Number.NaN };
      }
      case 'timestamp': {
        // On a plain selector the sample's own time is returned; otherwise the evaluation time.
        const direct = unwrap(arg(0)).kind === 'selector';
        return vec(
          this.vector(arg(0), ts).map((s) => ({
            labels: dropName(s.labels),
            v: (direct && s.t !== undefined ? s.t : ts) / 1000,
          })),
        );
      }
      case 'round': {
        const to = args.length > 1 ? this.scalar(arg(1), ts) : 1;
        return vec(mapValues(this.vector(arg(0), ts), (v) => round(v, to)));
      }
      case 'clamp':
        return vec(clamp(this.vector(arg(0), ts), this.scalar(arg(1), ts), this.scalar(arg(2), ts)));
      case 'clamp_min':
        return vec(
          mapValues(
            this.vector(arg(0), ts),
            (
              (m) => (v: number) =>
                Math.max(m, v)
            )(this.scalar(arg(1), ts)),
          ),
        );
      case 'clamp_max':
        return vec(
          mapValues(
            this.vector(arg(0), ts),
            (
              (m) => (v: number) =>
                Math.min(m, v)
            )(this.scalar(arg(1), ts)),
          ),
        );
      case 'sort':
      case 'sort_desc':
        return vec(sortByValue(this.vector(arg(0), ts), name === 'sort_desc'));
      case 'label_replace':
        return vec(
          labelReplace(
            this.vector(arg(0), ts),
            this.string(arg(1), ts),
            this.string(arg(2), ts),
            this.string(arg(3), ts),
            this.string(arg(4), ts),
          ),
        );
      case 'label_join':
        return vec(
          labelJoin(
            this.vector(arg(0), ts),
            this.string(arg(1), ts),
            this.string(arg(2), ts),
            args.slice(3).map((a) => this.string(a, ts)),
          ),
        );
      case 'histogram_quantile':
        return vec(histogramQuantile(this.scalar(arg(0), ts), this.vector(arg(1), ts)));
      case 'minute':
      case 'hour':
      case 'day_of_week':
      case 'day_of_month':
      case 'day_of_year':
      case 'days_in_month':
      case 'month':
      case 'year': {
        const input = args.length > 0 ? this.vector(arg(0), ts) : [{ labels: {}, v: ts / 1000 }];
        return vec(dateFunction(name, input));
      }
    }
    throw execError(`function "${name}" is not supported by Stellwerk's PromQL evaluator`);
  }
}
