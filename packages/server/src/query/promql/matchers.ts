import { join, p, type Sql, sql, unsafeRaw } from '../../store/sql.ts';
import type { LabelMatcher } from './ast.ts';
import { badData } from './errors.ts';
import type { Labels } from './labels.ts';

const regexCache = new Map<string, RegExp>();

/**
 * A Prometheus regex (RE2 syntax, fully anchored) as a JS RegExp, for in-memory matching and
 * label_replace. A leading `(?i)`/`(?s)` flag group becomes a JS flag; other RE2-only syntax is
 * rejected with the engine's message.
 */
export function compileRegex(re: string): RegExp {
  const cached = regexCache.get(re);
  if (cached) return cached;
  let body = re;
  let flags = '';
  const lead = /^\(\?([is]+)\)/.exec(body);
  if (lead) {
    flags = [...new Set(lead[1])].join('');
    body = body.slice(lead[0].length);
  }
  let out: RegExp;
  try {
    out = new RegExp(`^(?:${body})$`, flags);
  } catch (err) {
    throw badData(`invalid regular expression ${JSON.stringify(re)}: ${(err as Error).message}`);
  }
  if (regexCache.size > 1000) regexCache.clear();
  regexCache.set(re, out);
  return out;
}

export function matchLabel(m: LabelMatcher, labels: Labels): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return compileRegex(m.value).test(v);
    case '!~':
      return !compileRegex(m.value).test(v);
  }
}

export function matchAll(ms: readonly LabelMatcher[], labels: Labels): boolean {
  return ms.every((m) => matchLabel(m, labels));
}

/**
 * Matchers as a condition over `metric_series`. A missing map key reads as '' in the engine,
 * which is exactly Prometheus' rule that an absent label equals the empty value. ClickHouse's
 * `match` is RE2, Prometheus' dialect, so the regex passes through anchored.
 */
export function matchersToSql(ms: readonly LabelMatcher[]): Sql {
  if (ms.length === 0) return unsafeRaw('1');
  return join(ms.map(matcherToSql), ' AND ');
}

function matcherToSql(m: LabelMatcher): Sql {
  const col = m.name === '__name__' ? sql`metric` : sql`labels[${p.String(m.name)}]`;
  switch (m.op) {
    case '=':
      return sql`${col} = ${p.String(m.value)}`;
    case '!=':
      return sql`${col} != ${p.String(m.value)}`;
    case '=~':
      return sql`match(${col}, ${p.String(`^(?:${m.value})$`)})`;
    case '!~':
      return sql`NOT match(${col}, ${p.String(`^(?:${m.value})$`)})`;
  }
}

/** match[] selectors as one condition: any of them (OR), each all of its matchers (AND). */
export function selectorsToSql(selectors: readonly (readonly LabelMatcher[])[]): Sql {
  if (selectors.length === 0) return unsafeRaw('1');
  return join(
    selectors.map((ms) => sql`(${matchersToSql(ms)})`),
    ' OR ',
  );
}
