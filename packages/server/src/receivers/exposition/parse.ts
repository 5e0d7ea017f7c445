import type { MetricMetadata, MetricType } from '@stellwerk/contracts';

/**
 * Prometheus text exposition (0.0.4) and OpenMetrics 1.0 parser, shared by the scraper and the
 * Pushgateway receiver. Hand-written over char codes: it runs for every scrape of every target.
 */

export type ExpositionFormat = 'text' | 'openmetrics';

export interface ParsedSample {
  metric: string;
  /** Labels without `__name__`; empty values are dropped (Prometheus treats `l=""` as no label). */
  labels: Record<string, string>;
  value: number;
  /** Epoch ms when the exposition carried a timestamp. */
  tsMs: number | undefined;
  /** The metric family (TYPE/HELP name) the sample belongs to: `foo` for `foo_bucket`. */
  family: string;
  /**
   * OpenMetrics only: the family's `_created` sample for these labels, in epoch ms, on the
   * `_total`, `_bucket`, `_count` and `_sum` samples of counters, histograms and summaries. The
   * `_created` sample itself stays a sample too, as Prometheus 2.42 stores it.
   */
  createdMs?: number;
}

export interface ParsedExposition {
  samples: ParsedSample[];
  /** One entry per family that had a TYPE, HELP or UNIT line, keyed by the family name. */
  metadata: MetricMetadata[];
}

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** Picks the format from a Content-Type header; anything not OpenMetrics is text 0.0.4. */
export function formatOf(contentType: string | undefined): ExpositionFormat {
  return contentType && /application\/openmetrics-text/i.test(contentType) ? 'openmetrics' : 'text';
}

const TEXT_TYPES: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
  untyped: 'unknown',
};
const OM_TYPES: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'gaugehistogram',
  summary: 'summary',
  info: 'info',
  stateset: 'stateset',
  unknown: 'unknown',
};
/** Sample-name suffixes that belong to a family of another name. */
const SUFFIXES = ['_total', '_created', '_bucket', '_count', '_sum', '_gcount', '_gsum', '_info'] as const;

const C_CR = 13;
const C_SPACE = 32;
const C_TAB = 9;
const C_HASH = 35;
const C_LBRACE = 123;
const C_RBRACE = 125;
const C_QUOTE = 34;
const C_BACKSLASH = 92;
const C_COMMA = 44;
const C_EQ = 61;

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}
function isLabelStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isLabelChar(c: number): boolean {
  return isLabelStart(c) || (c >= 48 && c <= 57);
}

interface Family {
  type: MetricType | undefined;
  help: string | undefined;
  unit: string | undefined;
}

/** Parses a whole exposition; throws ExpositionError naming the first bad line. */
export function parseExposition(text: string, format: ExpositionFormat): ParsedExposition {
  const om = format === 'openmetrics';
  const families = new Map<string, Family>();
  const samples: ParsedSample[] = [];
  const len = text.length;
  let pos = 0;
  let lineNo = 0;
  let sawEof = false;
  // The family lookup per sample name is cached: consecutive samples mostly share a name.
  let lastName = '';
  let lastFamily = '';

  const familyOf = (name: string): string => {
    if (name === lastName) return lastFamily;
    let fam = name;
    if (!families.has(name)) {
      for (const suffix of SUFFIXES) {
        if (name.length > suffix.length && name.endsWith(suffix)) {
          const base = name.slice(0, name.length - suffix.length);
          if (families.has(base)) {
            fam = base;
            break;
          }
        }
      }
    }
    lastName = name;
    lastFamily = fam;
    return fam;
  };

  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    lineNo++;
    let lineEnd = end;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === C_CR) lineEnd--;
    const start = pos;
    pos = end + 1;
    if (lineEnd === start) continue;
    if (sawEof) throw new ExpositionError(lineNo, 'content after "# EOF"');
    const first = text.charCodeAt(start);
    if (first === C_HASH) {
      if (parseComment(text, start, lineEnd, lineNo, om, families)) sawEof = true;
      continue;
    }
    samples.push(parseSample(text, start, lineEnd, lineNo, om, familyOf));
  }
  if (om && !sawEof) throw new ExpositionError(lineNo, 'OpenMetrics exposition does not end with "# EOF"');
  if (om) linkCreated(samples, families);

  const metadata: MetricMetadata[] = [];
  for (const [metric, f] of families) {
    metadata.push({ metric, type: f.type ?? 'unknown', help: f.help ?? '', unit: f.unit ?? '' });
  }
  return { samples, metadata };
}

/** Families whose OpenMetrics samples may have a `_created` line, and the samples it dates. */
const CREATED_TYPES = new Set<MetricType | undefined>(['counter', 'histogram', 'summary']);
const CREATED_SUFFIXES = ['_total', '_bucket', '_count', '_sum'];

/**
 * Sets `createdMs` from `<family>_created{labels}` on the family's samples with the same labels
 * (`le` aside). OpenMetrics puts `_created` after the samples it dates, hence a second pass.
 */
function linkCreated(samples: ParsedSample[], families: Map<string, Family>): void {
  let created: Map<string, number> | undefined;
  for (const s of samples) {
    if (!s.metric.endsWith('_created') || s.metric.length !== s.family.length + 8) continue;
    if (!CREATED_TYPES.has(families.get(s.family)?.type) || !Number.isFinite(s.value)) continue;
    created ??= new Map();
    created.set(createdKey(s.family, s.labels), Math.round(s.value * 1000));
  }
  if (!created) return;
  for (const s of samples) {
    if (s.metric.length === s.family.length || !CREATED_TYPES.has(families.get(s.family)?.type)) continue;
    const suffix = s.metric.slice(s.family.length);
    if (!CREATED_SUFFIXES.includes(suffix)) continue;
    const ms = created.get(createdKey(s.family, s.labels));
    if (ms !== undefined) s.createdMs = ms;
  }
}

function createdKey(family: string, labels: Record<string, string>): string {
  const pairs = Object.entries(labels).filter(([k]) => k !== 'le');
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${family}\u0000${JSON.stringify(pairs)}`;
}

/** Returns true for `# EOF`. */
function parseComment(
  text: string,
  start: number,
  end: number,
  lineNo: number,
  om: boolean,
  families: Map<string, Family>,
): boolean {
  // "# " then a keyword; plain comments are allowed in text format and skipped.
  if (end - start === 5 && text.startsWith('# EOF', start)) return true;
  let i = start + 1;
  while (i < end && (text.charCodeAt(i) === C_SPACE || text.charCodeAt(i) === C_TAB)) i++;
  const kwStart = i;
  while (i < end && text.charCodeAt(i) !== C_SPACE && text.charCodeAt(i) !== C_TAB) i++;
  const keyword = text.slice(kwStart, i);
  if (keyword !== 'HELP' && keyword !== 'TYPE' && keyword !== 'UNIT') {
    if (om) throw new ExpositionError(lineNo, `unknown comment "${text.slice(start, Math.min(end, start + 40))}"`);
    return false;
  }
  if (keyword === 'UNIT' && !om) return false;
  while (i < end && (text.charCodeAt(i) === C_SPACE || text.charCodeAt(i) === C_TAB)) i++;
  const nameStart = i;
  if (i >= end || !isNameStart(text.charCodeAt(i)))
    throw new ExpositionError(lineNo, `# ${keyword} without a metric name`);
  while (i < end && isNameChar(text.charCodeAt(i))) i++;
  const name = text.slice(nameStart, i);
  if (i < end && text.charCodeAt(i) !== C_SPACE && text.charCodeAt(i) !== C_TAB) {
    throw new ExpositionError(lineNo, `invalid metric name in # ${keyword}`);
  }
  if (i < end) i++;
  const rest = text.slice(i, end);
  let fam = families.get(name);
  if (!fam) {
    fam = { type: undefined, help: undefined, unit: undefined };
    families.set(name, fam);
  }
  if (keyword === 'TYPE') {
    const word = rest.trim();
    const type = (om ? OM_TYPES : TEXT_TYPES)[word];
    if (!type) throw new ExpositionError(lineNo, `unknown metric type "${word}" for ${name}`);
    if (fam.type !== undefined) throw new ExpositionError(lineNo, `second TYPE line for ${name}`);
    fam.type = type;
  } else if (keyword === 'HELP') {
    fam.help = rest.includes('\\') ? unescapeText(rest, om) : rest;
  } else {
    fam.unit = rest.trim();
  }
  return false;
}

/** HELP escapes: `\\` and `\n`, plus `\"` in OpenMetrics; other sequences stay as written. */
function unescapeText(s: string, quotes: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === C_BACKSLASH && i + 1 < s.length) {
      const n = s[i + 1] as string;
      if (n === 'n') out += '\n';
      else if (n === '\\') out += '\\';
      else if (n === '"' && quotes) out += '"';
      else out += `\\${n}`;
      i++;
    } else out += s[i];
  }
  return out;
}

function parseSample(
  text: string,
  start: number,
  end: number,
  lineNo: number,
  om: boolean,
  familyOf: (name: string) => string,
): ParsedSample {
  let i = start;
  if (!isNameStart(text.charCodeAt(i))) throw new ExpositionError(lineNo, 'expected a metric name');
  while (i < end && isNameChar(text.charCodeAt(i))) i++;
  const metric = text.slice(start, i);
  const labels: Record<string, string> = {};
  if (i < end && text.charCodeAt(i) === C_LBRACE) {
    i = parseLabels(text, i + 1, end, lineNo, labels, metric);
  }
  // Value, then optional timestamp, then (OpenMetrics) an optional exemplar, which is ignored.
  const sep = text.charCodeAt(i);
  if (i >= end || (sep !== C_SPACE && sep !== C_TAB)) {
    throw new ExpositionError(lineNo, `expected a space and a value after ${metric}`);
  }
  while (i < end && (text.charCodeAt(i) === C_SPACE || text.charCodeAt(i) === C_TAB)) i++;
  const vStart = i;
  while (i < end && text.charCodeAt(i) !== C_SPACE && text.charCodeAt(i) !== C_TAB) i++;
  const value = parseFloatToken(text.slice(vStart, i));
  if (value === undefined) throw new ExpositionError(lineNo, `invalid value "${text.slice(vStart, i)}" for ${metric}`);
  while (i < end && (text.charCodeAt(i) === C_SPACE || text.charCodeAt(i) === C_TAB)) i++;
  let tsMs: number | undefined;
  if (i < end && text.charCodeAt(i) !== C_HASH) {
    const tStart = i;
    while (i < end && text.charCodeAt(i) !== C_SPACE && text.charCodeAt(i) !== C_TAB) i++;
    const token = text.slice(tStart, i);
    if (om) {
      const sec = parseFloatToken(token);
      if (sec === undefined || !Number.isFinite(sec)) {
        throw new ExpositionError(lineNo, `invalid timestamp "${token}" for ${metric}`);
      }
      tsMs = Math.round(sec * 1000);
    } else {
      if (!/^-?\d+$/.test(token)) throw new ExpositionError(lineNo, `invalid timestamp "${token}" for ${metric}`);
      tsMs = Number(token);
    }
    while (i < end && (text.charCodeAt(i) === C_SPACE || text.charCodeAt(i) === C_TAB)) i++;
  }
  if (i < end) {
    if (!(om && text.charCodeAt(i) === C_HASH)) {
      throw new ExpositionError(
        lineNo,
        `unexpected "${text.slice(i, Math.min(end, i + 20))}" after the value of ${metric}`,
      );
    }
    // An exemplar: validated loosely (must start with `# {`) and dropped.
    if (!text.startsWith('# {', i)) throw new ExpositionError(lineNo, `invalid exemplar after ${metric}`);
  }
  return { metric, labels, value, tsMs, family: familyOf(metric) };
}

/** Parses `a="x",b="y"}` from just after `{`; returns the index after `}`. */
function parseLabels(
  text: string,
  i: number,
  end: number,
  lineNo: number,
  labels: Record<string, string>,
  metric: string,
): number {
  for (;;) {
    while (i < end && (text.charCodeAt(i) === C_SPACE || text.charCodeAt(i) === C_TAB)) i++;
    if (i >= end) throw new ExpositionError(lineNo, `unterminated label set of ${metric}`);
    if (text.charCodeAt(i) === C_RBRACE) return i + 1;
    const nStart = i;
    if (!isLabelStart(text.charCodeAt(i))) throw new ExpositionError(lineNo, `invalid label name in ${metric}`);
    while (i < end && isLabelChar(text.charCodeAt(i))) i++;
    const name = text.slice(nStart, i);
    while (i < end && (text.charCodeAt(i) === C_SPACE || text.charCodeAt(i) === C_TAB)) i++;
    if (text.charCodeAt(i) !== C_EQ) throw new ExpositionError(lineNo, `expected = after label ${name} of ${metric}`);
    i++;
    while (i < end && (text.charCodeAt(i) === C_SPACE || text.charCodeAt(i) === C_TAB)) i++;
    if (text.charCodeAt(i) !== C_QUOTE) {
      throw new ExpositionError(lineNo, `expected a quoted value for label ${name} of ${metric}`);
    }
    i++;
    const vStart = i;
    let escaped = false;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === C_QUOTE) break;
      if (c === C_BACKSLASH) {
        escaped = true;
        i++;
      }
      i++;
    }
    if (i >= end) throw new ExpositionError(lineNo, `unterminated value of label ${name} of ${metric}`);
    const raw = text.slice(vStart, i);
    const value = escaped ? unescapeText(raw, true) : raw;
    i++;
    if (name === '__name__') throw new ExpositionError(lineNo, `label __name__ in the label set of ${metric}`);
    if (Object.hasOwn(labels, name)) throw new ExpositionError(lineNo, `label ${name} appears twice in ${metric}`);
    if (value !== '') labels[name] = value;
    while (i < end && (text.charCodeAt(i) === C_SPACE || text.charCodeAt(i) === C_TAB)) i++;
    const c = text.charCodeAt(i);
    if (c === C_COMMA) {
      i++;
      continue;
    }
    if (c === C_RBRACE) return i + 1;
    throw new ExpositionError(lineNo, `expected , or } in the label set of ${metric}`);
  }
}

/** Go's ParseFloat spellings that matter here: decimals, exponents, NaN and ±Inf in any case. */
export function parseFloatToken(token: string): number | undefined {
  if (token === '') return undefined;
  const v = Number(token);
  if (!Number.isNaN(v)) {
    // Number() also takes "0x1f", "0b1", "Infinity"; only hex-free decimal forms or Inf are valid here.
    const c = token.charCodeAt(0);
    if (c === 48 && token.length > 1 && /^0[xXbBoO]/.test(token)) return undefined;
    return v;
  }
  switch (token.toLowerCase()) {
    case 'nan':
      return Number.NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Number.POSITIVE_INFINITY;
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY;
    default:
      return undefined;
  }
}
