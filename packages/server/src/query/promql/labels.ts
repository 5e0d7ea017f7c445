/** Label sets as plain objects; `__name__` is an ordinary label here, as in Prometheus. */
export type Labels = Record<string, string>;

export const METRIC_NAME = '__name__';

export function sortedNames(l: Labels): string[] {
  return Object.keys(l).sort();
}

/** A stable identity for a label set (for maps and duplicate checks). */
export function labelsKey(l: Labels): string {
  let out = '';
  for (const k of sortedNames(l)) out += `${k}\u0000${l[k]}\u0001`;
  return out;
}

/** Prometheus' labels.Compare: pairwise by name, then value, then length. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = sortedNames(a);
  const bn = sortedNames(b);
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) {
    const ka = an[i] as string;
    const kb = bn[i] as string;
    if (ka !== kb) return ka < kb ? -1 : 1;
    const va = a[ka] as string;
    const vb = b[kb] as string;
    if (va !== vb) return va < vb ? -1 : 1;
  }
  return an.length - bn.length;
}

export function dropName(l: Labels): Labels {
  if (!(METRIC_NAME in l)) return l;
  const { [METRIC_NAME]: _, ...rest } = l;
  return rest;
}

/** The signature used for vector matching: only `names` (on) or all but `names` and the metric name (ignoring). */
export function signature(l: Labels, on: boolean, names: readonly string[]): string {
  const out: Labels = {};
  if (on) {
    for (const n of names) {
      const v = l[n];
      if (v !== undefined && v !== '') out[n] = v;
    }
  } else {
    for (const [k, v] of Object.entries(l)) if (k !== METRIC_NAME && !names.includes(k)) out[k] = v;
  }
  return labelsKey(out);
}

/** Go's `{a="b", c="d"}` rendering, for error messages. */
export function formatLabels(l: Labels): string {
  return `{${sortedNames(l)
    .map((k) => `${k}=${JSON.stringify(l[k])}`)
    .join(', ')}}`;
}
