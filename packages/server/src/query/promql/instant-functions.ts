import { execError } from './errors.ts';
import { dropName, type Labels } from './labels.ts';
import { compileRegex } from './matchers.ts';
import type { Sample } from './values.ts';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Element-wise math; the result drops the metric name, as in Prometheus. */
export const MATH_FUNCTIONS: Record<string, (v: number) => number> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sqrt: Math.sqrt,
  sgn: (v) => (v > 0 ? 1 : v < 0 ? -1 : v),
};

export function mapValues(vec: Sample[], fn: (v: number) => number): Sample[] {
  return vec.map((s) => ({ labels: dropName(s.labels), v: fn(s.v) }));
}

export function round(v: number, toNearest: number): number {
  // Prometheus rounds half up, via the inverse to keep precision for fractions like 0.1.
  const inv = 1 / toNearest;
  return Math.floor(v * inv + 0.5) / inv;
}

export function clamp(vec: Sample[], min: number, max: number): Sample[] {
  if (max < min) return [];
  return mapValues(vec, (v) => Math.max(min, Math.min(max, v)));
}

/** Go's regexp.Expand template: $1, ${1}, $name, ${name}, $$. */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([^}]*)\}|([a-zA-Z0-9_]+))/g, (all, tok: string, braced?: string, bare?: string) => {
    if (tok === '$') return '$';
    const name = braced ?? bare ?? '';
    if (braced !== undefined && !/^[a-zA-Z0-9_]+$/.test(braced)) return all;
    if (/^\d+$/.test(name)) return match[Number(name)] ?? '';
    return match.groups?.[name] ?? '';
  });
}

function setLabel(l: Labels, name: string, value: string): Labels {
  const out = { ...l };
  if (value === '') delete out[name];
  else out[name] = value;
  return out;
}

export function labelReplace(vec: Sample[], dst: string, repl: string, src: string, regex: string): Sample[] {
  const re = compileRegex(regex);
  if (!LABEL_NAME.test(dst)) throw execError(`invalid destination label name in label_replace(): ${dst}`);
  return vec.map((s) => {
    const m = re.exec(s.labels[src] ?? '');
    if (!m) return s;
    return { ...s, labels: setLabel(s.labels, dst, expandTemplate(repl, m)) };
  });
}

export function labelJoin(vec: Sample[], dst: string, sep: string, srcs: string[]): Sample[] {
  if (!LABEL_NAME.test(dst)) throw execError(`invalid destination label name in label_join(): ${dst}`);
  for (const s of srcs) if (!LABEL_NAME.test(s)) throw execError(`invalid source label name in label_join(): ${s}`);
  return vec.map((s) => ({ ...s, labels: setLabel(s.labels, dst, srcs.map((n) => s.labels[n] ?? '').join(sep)) }));
}

/** Calendar functions on values as Unix seconds, in UTC. */
export const DATE_FUNCTIONS: Record<string, (d: Date) => number> = {
  minute: (d) => d.getUTCMinutes(),
  hour: (d) => d.getUTCHours(),
  day_of_week: (d) => d.getUTCDay(),
  day_of_month: (d) => d.getUTCDate(),
  day_of_year: (d) => Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1,
  days_in_month: (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate(),
  month: (d) => d.getUTCMonth() + 1,
  year: (d) => d.getUTCFullYear(),
};

export function dateFunction(name: string, vec: Sample[]): Sample[] {
  const fn = DATE_FUNCTIONS[name] as (d: Date) => number;
  return vec.map((s) => ({
    labels: dropName(s.labels),
    v: Number.isFinite(s.v) ? fn(new Date(Math.floor(s.v) * 1000)) : Number.NaN,
  }));
}

/** sort/sort_desc; NaN sorts first in both, like Prometheus' value heaps. */
export function sortByValue(vec: Sample[], desc: boolean): Sample[] {
  return [...vec].sort((a, b) => {
    if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : -1;
    if (Number.isNaN(b.v)) return 1;
    return desc ? b.v - a.v : a.v - b.v;
  });
}
