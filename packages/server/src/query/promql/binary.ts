import { type BinaryOp, COMPARISON_OPS, type VectorMatching } from './ast.ts';
import { execError } from './errors.ts';
import { dropName, formatLabels, type Labels, labelsKey, METRIC_NAME, signature } from './labels.ts';
import type { Sample } from './values.ts';

/** Value of `l op r`, and for comparisons whether the element is kept (Prometheus' vectorElemBinop). */
export function elemBinop(op: BinaryOp, l: number, r: number): [number, boolean] {
  switch (op) {
    case '+':
      return [l + r, true];
    case '-':
      return [l - r, true];
    case '*':
      return [l * r, true];
    case '/':
      return [l / r, true];
    case '^':
      return [goPow(l, r), true];
    case '%':
      return [goMod(l, r), true];
    case 'atan2':
      return [Math.atan2(l, r), true];
    case '==':
      return [l, l === r];
    case '!=':
      return [l, l !== r];
    case '>':
      return [l, l > r];
    case '<':
      return [l, l < r];
    case '>=':
      return [l, l >= r];
    case '<=':
      return [l, l <= r];
    default:
      throw execError(`operator "${op}" not allowed here`);
  }
}

/** Go's math.Pow differs from JS for 1^NaN and (-1)^±Inf, where Go answers 1. */
function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return x ** y;
}

/** Go's math.Mod: result has the sign of x, like JS %. */
function goMod(x: number, y: number): number {
  return x % y;
}

const dropsName = (op: BinaryOp) => !COMPARISON_OPS.has(op);

export function scalarBinop(op: BinaryOp, l: number, r: number, bool: boolean): number {
  const [v, keep] = elemBinop(op, l, r);
  if (COMPARISON_OPS.has(op) && bool) return keep ? 1 : 0;
  return v;
}

/** vector op scalar, or scalar op vector when `scalarLeft`. */
export function vectorScalarBinop(
  op: BinaryOp,
  vec: Sample[],
  scalar: number,
  scalarLeft: boolean,
  bool: boolean,
): Sample[] {
  const out: Sample[] = [];
  for (const s of vec) {
    const [l, r] = scalarLeft ? [scalar, s.v] : [s.v, scalar];
    let [value, keep] = elemBinop(op, l, r);
    // A comparison keeps the vector element's own value even when the scalar is on the left.
    if (COMPARISON_OPS.has(op) && scalarLeft) value = r;
    if (bool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    out.push({ labels: dropsName(op) || bool ? dropName(s.labels) : s.labels, v: value });
  }
  return out;
}

function resultLabels(lhs: Labels, rhs: Labels, op: BinaryOp, m: VectorMatching): Labels {
  let out: Labels = { ...lhs };
  if (dropsName(op)) delete out[METRIC_NAME];
  if (m.card === 'one-to-one') {
    if (m.on) {
      const kept: Labels = {};
      for (const k of m.labels) if (out[k] !== undefined) kept[k] = out[k] as string;
      out = kept;
    } else for (const k of m.labels) delete out[k];
  }
  for (const k of m.include) {
    const v = rhs[k];
    if (v !== undefined && v !== '') out[k] = v;
    else delete out[k];
  }
  return out;
}

/** vector op vector with one-to-one or many-to-one/one-to-many matching (Prometheus' VectorBinop). */
export function vectorBinop(
  op: BinaryOp,
  lhsIn: Sample[],
  rhsIn: Sample[],
  m: VectorMatching,
  bool: boolean,
): Sample[] {
  if (lhsIn.length === 0 || rhsIn.length === 0) return [];
  const swapped = m.card === 'one-to-many';
  const [lhs, rhs] = swapped ? [rhsIn, lhsIn] : [lhsIn, rhsIn];
  const sig = (l: Labels) => signature(l, m.on, m.labels);
  const right = new Map<string, Sample>();
  for (const r of rhs) {
    const k = sig(r.labels);
    const dup = right.get(k);
    if (dup)
      throw execError(
        `found duplicate series for the match group on the ${swapped ? 'left' : 'right'} hand-side of the operation: [${formatLabels(r.labels)}, ${formatLabels(dup.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    right.set(k, r);
  }
  const matched = new Map<string, Set<string> | null>();
  const out: Sample[] = [];
  for (const l of lhs) {
    const k = sig(l.labels);
    const r = right.get(k);
    if (!r) continue;
    const [vl, vr] = swapped ? [r.v, l.v] : [l.v, r.v];
    let [value, keep] = elemBinop(op, vl, vr);
    if (bool) value = keep ? 1 : 0;
    else if (!keep) continue;
    let labels = resultLabels(l.labels, r.labels, op, m);
    if (bool) labels = dropName(labels);
    const seen = matched.get(k);
    if (m.card === 'one-to-one') {
      if (seen !== undefined)
        throw execError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      matched.set(k, null);
    } else {
      const ls = labelsKey(labels);
      let set = seen;
      if (!set) {
        set = new Set();
        matched.set(k, set);
      } else if (set.has(ls))
        throw execError('multiple matches for labels: grouping labels must ensure unique matches');
      set.add(ls);
    }
    out.push({ labels, v: value });
  }
  return out;
}

/** and / or / unless. */
export function setBinop(op: BinaryOp, lhs: Sample[], rhs: Sample[], m: VectorMatching): Sample[] {
  const sig = (l: Labels) => signature(l, m.on, m.labels);
  switch (op) {
    case 'and': {
      const r = new Set(rhs.map((s) => sig(s.labels)));
      return lhs.filter((s) => r.has(sig(s.labels)));
    }
    case 'unless': {
      const r = new Set(rhs.map((s) => sig(s.labels)));
      return lhs.filter((s) => !r.has(sig(s.labels)));
    }
    case 'or': {
      const l = new Set(lhs.map((s) => sig(s.labels)));
      return [...lhs, ...rhs.filter((s) => !l.has(sig(s.labels)))];
    }
    default:
      throw execError(`operator "${op}" is not a set operator`);
  }
}
