import type { MetricSample } from '@stellwerk/contracts';

/**
 * InfluxDB line protocol → MetricSample, one sample per numeric or boolean field, named
 * `<measurement>_<field>` with the tags as labels. Hand-written: this is the ingest hot path,
 * so it walks char codes once, slices names without copying unless they hold escapes, and
 * skips string field values without unescaping them (they are not stored).
 */

export type Precision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

export interface ParseOptions {
  precision: Precision;
  /** Receive time in epoch ms, for points without a timestamp. */
  nowMs: number;
  /** Series parsed before, kept across requests: lets a point's series part skip parsing. */
  series?: SeriesCache;
}

/**
 * Parsed series parts (`measurement,tag=value,…` exactly as written) and what they mean.
 * A hit hands back the same labels object, so the caches downstream that are keyed by
 * identity (label validation, the series fingerprint) hit too. Bounded: starts over when full.
 */
export class SeriesCache {
  private readonly entries = new Map<string, { metricPrefix: string; labels: Record<string, string> }>();

  constructor(private readonly maxEntries = 100_000) {}

  get(text: string): { metricPrefix: string; labels: Record<string, string> } | undefined {
    return this.entries.get(text);
  }

  /** Stores copies detached from the request body (slices would keep the whole body alive). */
  set(
    text: string,
    metricPrefix: string,
    labels: Record<string, string>,
  ): { metricPrefix: string; labels: Record<string, string> } {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const kept: Record<string, string> = {};
    for (const k in labels) kept[detach(k)] = detach(labels[k] as string);
    const entry = { metricPrefix: detach(metricPrefix), labels: Object.freeze(kept) };
    this.entries.set(detach(text), entry);
    return entry;
  }
}

/** A flat copy of a string: V8 keeps a slice's parent string alive, the copy does not. */
function detach(s: string): string {
  return ` ${s}`.slice(1);
}

export interface LineError {
  /** 1-based physical line of the body. */
  line: number;
  /** 1-based column, in characters, where the problem was found. */
  column: number;
  message: string;
  /** The start of the offending line, for the error message. */
  text: string;
}

export interface ParseResult {
  samples: MetricSample[];
  /** Per sample: the line and column of its field key, to report rejects from the store. */
  sampleLines: number[];
  sampleColumns: number[];
  errors: LineError[];
  /** Points (lines with data) parsed without error. */
  points: number;
  /** String field values skipped (Stellwerk stores numbers only). */
  skippedStringFields: number;
}

const TAB = 9;
const NL = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const EQ = 61;
const UPPER_E = 69;
const BACKSLASH = 92;
const LOWER_E = 101;
const LOWER_I = 105;
const LOWER_U = 117;

/** What ends a name: measurement stops at `,`/space, keys also at `=`, tag values like measurements. */
const MEASUREMENT = 0;
const KEY = 1;

const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';
const UINT64_MAX = '18446744073709551615';
/** Date's range; beyond it a timestamp cannot be stored as epoch ms. */
const MAX_ABS_MS = 8.64e15;

const DIVISOR_DIGITS: Record<Precision, number> = { ns: 6, us: 3, ms: 0, s: 0, m: 0, h: 0 };
const MULTIPLIER: Record<Precision, number> = { ns: 1, us: 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

const PRECISIONS: Record<string, Precision> = {
  '': 'ns',
  n: 'ns',
  ns: 'ns',
  u: 'us',
  us: 'us',
  µ: 'us',
  µs: 'us',
  ms: 'ms',
  s: 's',
  m: 'm',
  h: 'h',
};

/**
 * Accepts the v1 spellings (n, u, ms, s, m, h) and the v2 ones (ns, us, ms, s) on both
 * endpoints: a client that sends the other dialect's spelling means the same thing.
 */
export function parsePrecision(value: string | undefined): Precision | null {
  return PRECISIONS[value ?? ''] ?? null;
}

class Fail {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly message: string,
  ) {}
}

export function parseLineProtocol(text: string, options: ParseOptions): ParseResult {
  return new Parser(text, options).run();
}

class Parser {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private readonly n: number;
  private readonly defaultTs: number;
  private readonly samples: MetricSample[] = [];
  private readonly sampleLines: number[] = [];
  private readonly sampleColumns: number[] = [];
  private readonly errors: LineError[] = [];
  private points = 0;
  private skipped = 0;

  constructor(
    private readonly s: string,
    private readonly options: ParseOptions,
  ) {
    this.n = s.length;
    // Like InfluxDB, the server time is truncated to the requested precision.
    const mult = MULTIPLIER[options.precision];
    this.defaultTs = mult > 1 ? Math.floor(options.nowMs / mult) * mult : options.nowMs;
  }

  run(): ParseResult {
    const s = this.s;
    while (this.i < this.n) {
      const pointLine = this.line;
      const pointStart = this.lineStart;
      const firstSample = this.samples.length;
      const skippedBefore = this.skipped;
      try {
        this.parseLine();
      } catch (err) {
        if (!(err instanceof Fail)) throw err;
        this.samples.length = firstSample;
        this.sampleLines.length = firstSample;
        this.sampleColumns.length = firstSample;
        this.skipped = skippedBefore;
        let end = s.indexOf('\n', pointStart);
        if (end < 0) end = this.n;
        let excerpt = s.slice(pointStart, Math.min(end, pointStart + 120));
        if (excerpt.endsWith('\r')) excerpt = excerpt.slice(0, -1);
        if (end - pointStart > 120) excerpt += '…';
        this.errors.push({ line: err.line, column: err.column, message: err.message, text: excerpt.trim() });
        // Resume after the line the point started on: an unterminated string must not swallow the rest.
        this.i = end < this.n ? end + 1 : this.n;
        this.line = pointLine + 1;
        this.lineStart = this.i;
      }
    }
    return {
      samples: this.samples,
      sampleLines: this.sampleLines,
      sampleColumns: this.sampleColumns,
      errors: this.errors,
      points: this.points,
      skippedStringFields: this.skipped,
    };
  }

  private fail(pos: number, message: string): never {
    throw new Fail(this.line, pos - this.lineStart + 1, message);
  }

  private code(pos: number): number {
    return pos < this.n ? this.s.charCodeAt(pos) : -1;
  }

  /** True at the end of a line: newline, CR (checked when the line ends), or end of input. */
  private static isEol(c: number): boolean {
    return c === NL || c === CR || c === -1;
  }

  private endLine(): void {
    let c = this.code(this.i);
    if (c === CR) {
      this.i++;
      c = this.code(this.i);
      if (c !== NL && c !== -1) this.fail(this.i - 1, 'unexpected carriage return inside a line');
    }
    if (c === NL) {
      this.i++;
      this.line++;
      this.lineStart = this.i;
    }
  }

  private parseLine(): void {
    const s = this.s;
    let i = this.i;
    let c = this.code(i);
    // The influx CLI sends `INSERT` bodies with a leading space.
    while (c === SPACE || c === TAB) c = this.code(++i);
    this.i = i;
    if (Parser.isEol(c)) {
      this.endLine();
      return;
    }
    if (c === HASH) {
      const end = s.indexOf('\n', i);
      this.i = end < 0 ? this.n : end;
      this.endLine();
      return;
    }

    const cache = this.options.series;
    const seriesEnd = cache ? this.seriesPartEnd(i) : -1;
    const known = cache && seriesEnd > i ? cache.get(s.slice(i, seriesEnd)) : undefined;
    if (known) {
      this.i = seriesEnd;
      this.parseFields(known.metricPrefix, known.labels);
      return;
    }
    const measurement = this.readName(MEASUREMENT, 'measurement');
    if (measurement === '') this.fail(i, 'missing measurement name');
    let labels: Record<string, string> = {};
    c = this.code(this.i);
    while (c === COMMA) {
      const keyPos = ++this.i;
      const key = this.readName(KEY, 'tag key');
      if (key === '') this.fail(keyPos, 'missing tag key');
      if (this.code(this.i) !== EQ) this.fail(this.i, `expected '=' after tag key "${key}"`);
      const valuePos = ++this.i;
      const value = this.readName(MEASUREMENT, 'tag value');
      if (value === '') this.fail(valuePos, `missing value for tag "${key}"`);
      const label = sanitizeLabelName(key);
      if (label in labels) this.fail(keyPos, `duplicate tag key "${key}" (as label "${label}")`);
      labels[label] = value;
      c = this.code(this.i);
    }
    let metricPrefix = `${sanitize(measurement, true, true)}_`;
    if (cache && this.i === seriesEnd && c === SPACE) {
      ({ metricPrefix, labels } = cache.set(s.slice(i, seriesEnd), metricPrefix, labels));
    }
    this.parseFields(metricPrefix, labels);
  }

  /** Where a line's series part ends: its first space that is not escaped (or the line's end). */
  private seriesPartEnd(start: number): number {
    const s = this.s;
    let i = start;
    for (;;) {
      const c = i < this.n ? s.charCodeAt(i) : -1;
      if (c === SPACE || c === NL || c === CR || c === -1) return i;
      i += c === BACKSLASH ? 2 : 1;
    }
  }

  /** The fields and timestamp after a point's series part; `i` is at the space before them. */
  private parseFields(metricPrefix: string, labels: Record<string, string>): void {
    let c = this.code(this.i);
    if (c !== SPACE) this.fail(this.i, 'missing fields: expected a space and field=value pairs');
    while (c === SPACE) c = this.code(++this.i);
    if (Parser.isEol(c)) this.fail(this.i, 'missing fields: expected field=value pairs');

    const first = this.samples.length;
    for (;;) {
      const keyPos = this.i;
      const key = this.readName(KEY, 'field key');
      if (key === '') this.fail(keyPos, 'missing field key');
      if (this.code(this.i) !== EQ) this.fail(this.i, `expected '=' after field key "${key}"`);
      const value = this.readFieldValue(++this.i, key);
      if (value !== null) {
        this.samples.push({ metric: metricPrefix + sanitize(key, true, false), labels, tsMs: 0, value });
        this.sampleLines.push(this.line);
        this.sampleColumns.push(keyPos - this.lineStart + 1);
      }
      c = this.code(this.i);
      if (c !== COMMA) break;
      this.i++;
    }

    let tsMs = this.defaultTs;
    if (c === SPACE) {
      while (c === SPACE) c = this.code(++this.i);
      if (!Parser.isEol(c)) {
        tsMs = this.readTimestamp();
        c = this.code(this.i);
        while (c === SPACE) c = this.code(++this.i);
        if (!Parser.isEol(c)) this.fail(this.i, 'expected the end of the line after the timestamp');
      }
    }
    for (let k = first; k < this.samples.length; k++) (this.samples[k] as MetricSample).tsMs = tsMs;
    this.points++;
    this.endLine();
  }

  /**
   * Reads a measurement, key or tag value up to its unescaped delimiter; copies only when
   * it holds escapes.
   */
  private readName(kind: number, what: string): string {
    const s = this.s;
    const start = this.i;
    let i = start;
    let escaped = false;
    for (;;) {
      const c = i < this.n ? s.charCodeAt(i) : -1;
      if (c === COMMA || c === SPACE || c === NL || c === CR || c === -1) break;
      if (c === EQ && kind === KEY) break;
      if (c === BACKSLASH) {
        const next = i + 1 < this.n ? s.charCodeAt(i + 1) : -1;
        if (next !== NL && next !== CR && next !== -1) {
          escaped = true;
          i += 2;
          continue;
        }
      }
      i++;
    }
    this.i = i;
    if (kind === KEY && start === i) return '';
    const c = this.code(i);
    if ((c === NL || c === CR || c === -1) && what !== 'tag value' && what !== 'measurement') {
      this.fail(i, `unexpected end of line in ${what}`);
    }
    return escaped ? unescapeName(s.slice(start, i)) : s.slice(start, i);
  }

  /** Returns the numeric value, or null for a (skipped) string field. Leaves `i` after the value. */
  private readFieldValue(start: number, key: string): number | null {
    const s = this.s;
    let i = start;
    let c = this.code(i);
    if (c === QUOTE) {
      const line = this.line;
      const lineStart = this.lineStart;
      i++;
      for (;;) {
        c = this.code(i);
        if (c === -1) {
          this.line = line;
          this.lineStart = lineStart;
          this.fail(start, `unterminated string value of field "${key}": expected a closing '"'`);
        }
        if (c === QUOTE) break;
        if (c === BACKSLASH) {
          i++;
          c = this.code(i);
        }
        // A string value may span lines; keep line/column right for what follows.
        if (c === NL) {
          this.line++;
          this.lineStart = i + 1;
        }
        i++;
      }
      this.i = i + 1;
      this.expectValueEnd(`after the string value of field "${key}"`);
      this.skipped++;
      return null;
    }
    if ((c >= ZERO && c <= NINE) || c === MINUS || c === PLUS || c === DOT) return this.readNumber(start, key);
    if (c === 116 /* t */ || c === 84 /* T */ || c === 102 /* f */ || c === 70 /* F */) {
      while (c !== COMMA && c !== SPACE && !Parser.isEol(c)) c = this.code(++i);
      const word = s.slice(start, i);
      this.i = i;
      switch (word) {
        case 't':
        case 'T':
        case 'true':
        case 'True':
        case 'TRUE':
          return 1;
        case 'f':
        case 'F':
        case 'false':
        case 'False':
        case 'FALSE':
          return 0;
      }
      this.fail(
        start,
        `invalid boolean "${word}" for field "${key}": expected t, T, true, True, TRUE, f, F, false, False or FALSE (strings must be double-quoted)`,
      );
    }
    if (Parser.isEol(c) || c === COMMA || c === SPACE) this.fail(start, `missing value for field "${key}"`);
    this.fail(
      start,
      `invalid value for field "${key}": expected a number, an integer (1i), an unsigned integer (1u), a boolean or a double-quoted string`,
    );
  }

  private readNumber(start: number, key: string): number {
    const s = this.s;
    let i = start;
    let c = this.code(i);
    const negative = c === MINUS;
    if (c === MINUS || c === PLUS) c = this.code(++i);
    const digitsStart = i;
    let digits = 0;
    while (c >= ZERO && c <= NINE) {
      digits++;
      c = this.code(++i);
    }
    const intEnd = i;
    let isFloat = false;
    if (c === DOT) {
      isFloat = true;
      c = this.code(++i);
      while (c >= ZERO && c <= NINE) {
        digits++;
        c = this.code(++i);
      }
    }
    if (digits === 0) this.fail(start, `invalid number for field "${key}": expected digits`);
    if (c === LOWER_E || c === UPPER_E) {
      isFloat = true;
      c = this.code(++i);
      if (c === PLUS || c === MINUS) c = this.code(++i);
      const expStart = i;
      while (c >= ZERO && c <= NINE) c = this.code(++i);
      if (i === expStart) this.fail(i, `invalid number for field "${key}": expected digits in the exponent`);
    }
    if (c === LOWER_I || c === LOWER_U) {
      const unsigned = c === LOWER_U;
      const kind = unsigned ? 'unsigned integer' : 'integer';
      if (isFloat) this.fail(start, `invalid ${kind} for field "${key}": it has a decimal point or exponent`);
      if (unsigned && (negative || s.charCodeAt(start) === PLUS)) {
        this.fail(start, `invalid unsigned integer for field "${key}": it has a sign`);
      }
      let d = digitsStart;
      while (d < intEnd - 1 && s.charCodeAt(d) === ZERO) d++;
      const abs = s.slice(d, intEnd);
      const max = unsigned ? UINT64_MAX : negative ? INT64_MIN_ABS : INT64_MAX;
      if (abs.length > max.length || (abs.length === max.length && abs > max)) {
        this.fail(start, `${kind} value of field "${key}" is out of range`);
      }
      this.i = i + 1;
      this.expectValueEnd(`after the value of field "${key}"`);
      const v = Number(abs);
      return negative ? -v : v;
    }
    this.i = i;
    this.expectValueEnd(`in the value of field "${key}"`);
    const v = Number(s.slice(start, i));
    if (!Number.isFinite(v)) this.fail(start, `float value of field "${key}" is out of range`);
    return v;
  }

  private expectValueEnd(where: string): void {
    const c = this.code(this.i);
    if (c !== COMMA && c !== SPACE && !Parser.isEol(c)) {
      this.fail(this.i, `unexpected '${this.s[this.i]}' ${where}: expected ',', a space or the end of the line`);
    }
  }

  private readTimestamp(): number {
    const s = this.s;
    const start = this.i;
    let i = start;
    let c = this.code(i);
    const negative = c === MINUS;
    if (negative) c = this.code(++i);
    const digitsStart = i;
    while (c >= ZERO && c <= NINE) c = this.code(++i);
    if (i === digitsStart || (c !== SPACE && !Parser.isEol(c))) {
      this.fail(start, 'invalid timestamp: expected an integer');
    }
    const len = i - digitsStart;
    if (len > 19) this.fail(start, 'timestamp out of range');
    this.i = i;
    const precision = this.options.precision;
    const k = DIVISOR_DIGITS[precision];
    let ms: number;
    if (k > 0) {
      // ns/us: keep whole milliseconds from the digits, so values beyond 2^53 lose nothing.
      const cut = i - k;
      const whole = cut > digitsStart ? Number(s.slice(digitsStart, cut)) : 0;
      let remainder = false;
      for (let d = Math.max(cut, digitsStart); d < i; d++) {
        if (s.charCodeAt(d) !== ZERO) {
          remainder = true;
          break;
        }
      }
      // Floor, so that a negative timestamp lands in the millisecond that contains it.
      ms = negative ? -(whole + (remainder ? 1 : 0)) : whole;
    } else {
      const v = Number(s.slice(digitsStart, i)) * MULTIPLIER[precision];
      ms = negative ? -v : v;
    }
    if (!(Math.abs(ms) <= MAX_ABS_MS)) this.fail(start, 'timestamp out of range');
    return ms === 0 ? 0 : ms;
  }
}

/** `\,` `\ ` `\=` `\\` stand for the character; any other backslash is literal. */
function unescapeName(raw: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < raw.length - 1; i++) {
    if (raw.charCodeAt(i) !== BACKSLASH) continue;
    const next = raw.charCodeAt(i + 1);
    if (next === COMMA || next === SPACE || next === EQ || next === BACKSLASH) {
      out += raw.slice(from, i);
      from = i + 1;
      i++;
    }
  }
  return out + raw.slice(from);
}

function isNameChar(c: number, first: boolean, colon: boolean): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    c === 95 ||
    (!first && c >= ZERO && c <= NINE) ||
    (colon && c === 58)
  );
}

/** `leading`: the name starts the result, so it may not start with a digit. */
function sanitize(name: string, colon: boolean, leading: boolean): string {
  let valid = name.length > 0;
  for (let i = 0; valid && i < name.length; i++) valid = isNameChar(name.charCodeAt(i), leading && i === 0, colon);
  if (valid) return name;
  if (name === '') return '_';
  let out = '';
  const start = name.charCodeAt(0);
  if (leading && start >= ZERO && start <= NINE) out = '_';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    // One `_` per character, not per UTF-16 unit.
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) continue;
    out += isNameChar(c, false, colon) ? name[i] : '_';
  }
  return out;
}

/** A valid Prometheus metric name: invalid characters become `_`, a leading digit gets a `_` prefix. */
export function sanitizeMetricName(name: string): string {
  return sanitize(name, true, true);
}

/** A valid Prometheus label name, by the same rule (no colons). */
export function sanitizeLabelName(name: string): string {
  return sanitize(name, false, true);
}
