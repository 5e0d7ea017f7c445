import { chooseResolution } from '../../store/metrics-repository.ts';
import type { Expr, SelectorExpr } from './ast.ts';
import { badData } from './errors.ts';
import { BUCKET_FUNCTIONS } from './rollup-functions.ts';
import { TIER_MS, type Tier } from './source.ts';

/** What a query asks for: `auto` lets Stellwerk choose, the others force one resolution. */
export type ResolutionRequest = 'auto' | 'raw' | Tier;
export const RESOLUTION_REQUESTS: readonly ResolutionRequest[] = ['auto', 'raw', '1m', '1h', '1d'];

/** Which tier each selector is read from; selectors not in `tiers` read raw samples. */
export interface ResolutionPlan {
  tiers: Map<SelectorExpr, Tier>;
  /** The coarsest tier read, or raw when no selector reads a rollup. */
  resolution: 'raw' | Tier;
  /** Selectors that read raw samples although a rollup was chosen or asked for. */
  rawSelectors: number;
}

const TIERS_COARSEST_FIRST: Tier[] = ['1d', '1h', '1m'];

/** How a selector's samples are used: plain (instant vector), by a range function, or only raw. */
type Use = { kind: 'instant' } | { kind: 'range'; fn: string } | { kind: 'raw' };

function collectUses(e: Expr, out: Map<SelectorExpr, Use>, rawOnly: boolean): void {
  switch (e.kind) {
    case 'selector':
      // `@` pins a selector to one time that need not sit on a bucket edge.
      out.set(e, rawOnly || e.at || e.rangeMs !== undefined ? { kind: 'raw' } : { kind: 'instant' });
      return;
    case 'subquery':
      // Inner steps are the subquery's own; they read raw samples.
      collectUses(e.expr, out, true);
      return;
    case 'call': {
      e.args.forEach((a, i) => {
        const inner = unwrap(a);
        if (i === 0 && inner.kind === 'selector' && inner.rangeMs !== undefined && BUCKET_FUNCTIONS[e.func])
          out.set(inner, rawOnly || inner.at ? { kind: 'raw' } : { kind: 'range', fn: e.func });
        else if (e.func === 'timestamp' && inner.kind === 'selector') out.set(inner, { kind: 'raw' });
        else collectUses(a, out, rawOnly);
      });
      return;
    }
    case 'aggregate':
      if (e.param) collectUses(e.param, out, rawOnly);
      collectUses(e.expr, out, rawOnly);
      return;
    case 'binary':
      collectUses(e.lhs, out, rawOnly);
      collectUses(e.rhs, out, rawOnly);
      return;
    case 'unary':
    case 'paren':
      collectUses(e.expr, out, rawOnly);
      return;
    default:
      return;
  }
}

function unwrap(e: Expr): Expr {
  return e.kind === 'paren' ? unwrap(e.expr) : e;
}

/** Why a selector cannot read `tier`, or null when its windows are whole buckets of it. */
function misalignment(sel: SelectorExpr, use: Use, tier: Tier, startMs: number, stepMs: number): string | null {
  const w = TIER_MS[tier];
  if (stepMs % w !== 0) return `step ${stepMs / 1000}s`;
  if (startMs % w !== 0) return `start ${startMs / 1000}`;
  if (sel.offsetMs % w !== 0) return `offset ${sel.offsetMs / 1000}s`;
  if (use.kind === 'range' && (sel.rangeMs ?? 0) % w !== 0) return `range ${(sel.rangeMs ?? 0) / 1000}s`;
  return null;
}

/**
 * The resolution rule for a range query:
 * - `raw` reads raw samples everywhere; so does every instant query (callers pass `raw`).
 * - `auto` takes the tier `chooseResolution(end - start, step)` picks (raw for steps under a
 *   minute or ranges up to 6 h). Each selector that rollups can answer (a plain selector, or
 *   the argument of rate, increase, delta or avg|min|max|sum|count|last|present_over_time)
 *   then reads the coarsest tier up to that one whose buckets its windows are made of
 *   (start, step, range and offset whole multiples of the bucket); otherwise raw.
 * - a forced tier reads exactly that tier for every such selector, and refuses a query whose
 *   windows are not whole buckets of it.
 * Other functions (quantile_over_time, irate, deriv, changes, resets …), `@`, `timestamp()`
 * and anything inside a subquery read raw samples.
 */
export function planResolution(
  expr: Expr,
  range: { startMs: number; endMs: number; stepMs: number },
  request: ResolutionRequest,
  opts: { rawRetentionMs?: number; nowMs?: number } = {},
): ResolutionPlan {
  const plan: ResolutionPlan = { tiers: new Map(), resolution: 'raw', rawSelectors: 0 };
  if (request === 'raw') return plan;
  const uses = new Map<SelectorExpr, Use>();
  collectUses(expr, uses, false);
  const ceiling =
    request === 'auto'
      ? chooseResolution(range.endMs - range.startMs, range.stepMs, {
          rawRetentionMs: opts.rawRetentionMs,
          startAgeMs: opts.rawRetentionMs === undefined ? undefined : (opts.nowMs ?? Date.now()) - range.startMs,
        })
      : request;
  if (ceiling === 'raw') return plan;
  for (const [sel, use] of uses) {
    let tier: Tier | undefined;
    if (use.kind !== 'raw') {
      if (request !== 'auto') {
        const why = misalignment(sel, use, request, range.startMs, range.stepMs);
        if (why)
          throw badData(
            `stellwerk_resolution=${request} needs start, step, ranges and offsets in whole multiples of ${request} (got ${why}); use stellwerk_resolution=auto or raw`,
          );
        tier = request;
      } else {
        const allowed = TIERS_COARSEST_FIRST.slice(TIERS_COARSEST_FIRST.indexOf(ceiling));
        tier = allowed.find((t) => misalignment(sel, use, t, range.startMs, range.stepMs) === null);
      }
    }
    if (!tier) {
      plan.rawSelectors++;
      continue;
    }
    plan.tiers.set(sel, tier);
    if (plan.resolution === 'raw' || TIER_MS[tier] > TIER_MS[plan.resolution]) plan.resolution = tier;
  }
  return plan;
}
