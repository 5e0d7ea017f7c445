/**
 * Prometheus relabelling (`relabel_configs`, `metric_relabel_configs`) as a pure function.
 * Semantics follow Prometheus' `model/relabel`: the regex is anchored at both ends, `replace`
 * expands `$1`, `${1}`, `$name` and `${name}` (Go's `Regexp.Expand`), and an empty replacement
 * result deletes the target label.
 */

export type RelabelAction = 'replace' | 'keep' | 'drop' | 'labelmap' | 'labeldrop' | 'labelkeep';

export interface RelabelConfig {
  sourceLabels?: string[] | undefined;
  separator?: string | undefined;
  regex?: string | undefined;
  targetLabel?: string | undefined;
  replacement?: string | undefined;
  action?: RelabelAction | undefined;
}

const DEFAULT_REGEX = '(.*)';
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const cache = new Map<string, RegExp>();

/**
 * Compiles a relabel regex the way Prometheus anchors it: `^(?:re)$`. RE2's `(?P<name>…)`
 * named groups are accepted and mean `(?<name>…)`. Throws on a bad pattern (config/schema.ts
 * checks patterns the same way at load).
 */
export function compileRelabelRegex(source: string): RegExp {
  let re = cache.get(source);
  if (!re) {
    re = new RegExp(`^(?:${source.replaceAll('(?P<', '(?<')})$`);
    if (cache.size > 1000) cache.clear();
    cache.set(source, re);
  }
  return re;
}

/** Go's `Regexp.Expand`: `$$` is a dollar, `$name`/`${name}` a group (missing ones are empty). */
export function expand(template: string, match: RegExpExecArray): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) break;
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const braced = template[i] === '{';
    const start = braced ? i + 1 : i;
    let end = start;
    while (end < template.length && /[a-zA-Z0-9_]/.test(template[end] as string)) end++;
    if (end === start || (braced && template[end] !== '}')) {
      // Malformed: the dollar is literal text.
      out += '$';
      continue;
    }
    const name = template.slice(start, end);
    i = braced ? end + 1 : end;
    if (/^\d+$/.test(name)) out += match[Number(name)] ?? '';
    else out += match.groups?.[name] ?? '';
  }
  return out + template.slice(i);
}

/**
 * Applies `configs` in order to a copy of `labels`. Returns `null` when a `keep` or `drop`
 * rule drops the target or sample.
 */
export function relabel(
  labels: Record<string, string>,
  configs: readonly RelabelConfig[],
): Record<string, string> | null {
  let out: Record<string, string> = { ...labels };
  for (const cfg of configs) {
    const re = compileRelabelRegex(cfg.regex ?? DEFAULT_REGEX);
    const action = cfg.action ?? 'replace';
    const replacement = cfg.replacement ?? '$1';
    const value = (cfg.sourceLabels ?? []).map((n) => out[n] ?? '').join(cfg.separator ?? ';');
    switch (action) {
      case 'keep':
        if (!re.test(value)) return null;
        break;
      case 'drop':
        if (re.test(value)) return null;
        break;
      case 'replace': {
        const m = re.exec(value);
        if (!m || cfg.targetLabel === undefined) break;
        const target = expand(cfg.targetLabel, m);
        if (!LABEL_NAME.test(target)) break;
        const result = expand(replacement, m);
        if (result === '') delete out[target];
        else out[target] = result;
        break;
      }
      case 'labelmap': {
        const mapped: Record<string, string> = { ...out };
        for (const [name, v] of Object.entries(out)) {
          const m = re.exec(name);
          if (m) mapped[expand(replacement, m)] = v;
        }
        out = mapped;
        break;
      }
      case 'labeldrop':
        for (const name of Object.keys(out)) if (re.test(name)) delete out[name];
        break;
      case 'labelkeep':
        for (const name of Object.keys(out)) if (!re.test(name)) delete out[name];
        break;
    }
  }
  return out;
}
