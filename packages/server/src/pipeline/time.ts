/**
 * Timestamp parsing and formatting with exact nanoseconds. Seconds go through Date.UTC
 * (integers, exact) and the fraction digits are appended as text, so no float ever
 * carries the sub-second part.
 */
import type { ParsedTime } from './types.ts';

// ZEROS[k] is k zeros: padding without padEnd's per-call work.
const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000', '000000000'];
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const C_0 = 48;
const C_9 = 57;
const C_PLUS = 43;
const C_MINUS = 45;
const C_DOT = 46;
const C_COMMA = 44;
const C_COLON = 58;
const C_SPACE = 32;
const C_SLASH = 47;

function isDigit(c: number): boolean {
  // charCodeAt past the end is NaN, which fails both comparisons.
  return c >= C_0 && c <= C_9;
}

/** Two digits at i as a number, or -1. */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  if (!isDigit(a) || !isDigit(b)) return -1;
  return (a - C_0) * 10 + (b - C_0);
}

function d4(s: string, i: number): number {
  const hi = d2(s, i);
  const lo = d2(s, i + 2);
  if (hi < 0 || lo < 0) return -1;
  return hi * 100 + lo;
}

function daysIn(y: number, m: number): number {
  if (m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) return 29;
  return DAYS_IN_MONTH[m - 1] ?? 0;
}

/** Seconds + fraction text (at most 9 digits) → epoch ns string. */
function nsString(secs: number, s: string, fracStart: number, fracEnd: number): string {
  const n = fracEnd - fracStart;
  if (secs === 0) {
    // Avoid leading zeros: the fraction alone is the value (< 1e9, exact as a number).
    return n === 0 ? '0' : String(Number(s.slice(fracStart, fracEnd) + ZEROS[9 - n]));
  }
  if (n === 0) return `${secs}000000000`;
  return secs + s.slice(fracStart, fracEnd) + ZEROS[9 - n];
}

/** Date and time fields (already range-checked) + offset → ParsedTime, or null before 1970. */
function build(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  sec: number,
  offsetMin: number,
  s: string,
  fracStart: number,
  fracEnd: number,
): ParsedTime | null {
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 60) return null;
  // A leap second (:60) rolls over into the next minute: Date.UTC normalises it.
  const secs = Date.UTC(y, mo - 1, d, h, mi, sec) / 1000 - offsetMin * 60;
  if (secs < 0) return null;
  return { ns: nsString(secs, s, fracStart, fracEnd), offsetMin };
}

/**
 * Parses a zone at i: `Z`, `z`, `UTC`, `±hh:mm`, `±hhmm`, `±hh`, optionally after one space.
 * Returns the offset in minutes, or NaN if the rest of [i, end) is not exactly a zone.
 * `naive` is returned when there is no zone at all.
 */
function parseZone(s: string, i: number, end: number, naive: number): number {
  if (i === end) return naive;
  if (s.charCodeAt(i) === C_SPACE) {
    i++;
    if (i === end) return Number.NaN;
  }
  const c = s.charCodeAt(i);
  if (c === 90 || c === 122) return i + 1 === end ? 0 : Number.NaN; // Z z
  if (c === 85) return end - i === 3 && s.startsWith('UTC', i) ? 0 : Number.NaN;
  if ((c !== C_PLUS && c !== C_MINUS) || i + 3 > end) return Number.NaN;
  const hh = d2(s, i + 1);
  if (hh < 0 || hh > 18) return Number.NaN;
  i += 3;
  let mm = 0;
  if (i < end) {
    if (s.charCodeAt(i) === C_COLON) i++;
    if (i + 2 > end) return Number.NaN;
    mm = d2(s, i);
    if (mm < 0 || mm > 59) return Number.NaN;
    i += 2;
  }
  if (i !== end) return Number.NaN;
  const off = hh * 60 + mm;
  // -00:00 (RFC 3339's "offset unknown") becomes 0, not -0.
  return c === C_MINUS && off !== 0 ? -off : off;
}

/** Fraction digits after a `.`/`,` at i: returns the end of the digit run (> i + 1), or -1. */
function fractionEnd(s: string, i: number, end: number): number {
  let j = i + 1;
  while (j < end && isDigit(s.charCodeAt(j))) j++;
  return j === i + 1 ? -1 : j;
}

/** RFC 3339 / ISO 8601 extended: `YYYY-MM-DD[(T| )hh:mm[:ss[(.|,)f…]]][zone]`. */
function parseIso(s: string, start: number, end: number, naive: number): ParsedTime | null {
  const y = d4(s, start);
  if (y < 1000 || s.charCodeAt(start + 7) !== C_MINUS) return null;
  const mo = d2(s, start + 5);
  const d = d2(s, start + 8);
  if (mo < 0 || d < 0) return null;
  let i = start + 10;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let fracStart = 0;
  let fracEnd = 0;
  if (i < end) {
    const sep = s.charCodeAt(i);
    if ((sep !== 84 && sep !== 116 && sep !== C_SPACE) || i + 6 > end) return null; // T t space
    h = d2(s, i + 1);
    mi = d2(s, i + 4);
    if (h < 0 || mi < 0 || s.charCodeAt(i + 3) !== C_COLON) return null;
    i += 6;
    if (s.charCodeAt(i) === C_COLON && i + 3 <= end) {
      sec = d2(s, i + 1);
      if (sec < 0) return null;
      i += 3;
      const c = s.charCodeAt(i);
      if ((c === C_DOT || c === C_COMMA) && i < end) {
        const j = fractionEnd(s, i, end);
        if (j < 0) return null;
        fracStart = i + 1;
        // Beyond nanoseconds we truncate (as Go does) rather than round: rounding could carry.
        fracEnd = Math.min(j, i + 10);
        i = j;
      }
    }
  }
  const off = parseZone(s, i, end, naive);
  if (Number.isNaN(off)) return null;
  return build(y, mo, d, h, mi, sec, off, s, fracStart, fracEnd);
}

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

/** Common Log Format as nginx/Apache write it: `06/Jan/2021:17:44:13 -0800`. */
function parseClf(s: string, start: number, end: number, naive: number): ParsedTime | null {
  if (end - start < 20 || s.charCodeAt(start + 6) !== C_SLASH || s.charCodeAt(start + 11) !== C_COLON) return null;
  const d = d2(s, start);
  const mIdx = MONTHS.indexOf(s.slice(start + 3, start + 6));
  const y = d4(s, start + 7);
  const h = d2(s, start + 12);
  const mi = d2(s, start + 15);
  const sec = d2(s, start + 18);
  if (d < 0 || mIdx < 0 || mIdx % 3 !== 0 || y < 1000 || h < 0 || mi < 0 || sec < 0) return null;
  if (s.charCodeAt(start + 14) !== C_COLON || s.charCodeAt(start + 17) !== C_COLON) return null;
  let i = start + 20;
  let fracStart = 0;
  let fracEnd = 0;
  const c = s.charCodeAt(i);
  if ((c === C_DOT || c === C_COMMA) && i < end) {
    const j = fractionEnd(s, i, end);
    if (j < 0) return null;
    fracStart = i + 1;
    fracEnd = Math.min(j, i + 10);
    i = j;
  }
  const off = parseZone(s, i, end, naive);
  if (Number.isNaN(off)) return null;
  return build(y, mIdx / 3 + 1, d, h, mi, sec, off, s, fracStart, fracEnd);
}

/**
 * Epoch number `digits[.digits]`; the unit follows from the integer part's magnitude:
 * ≤10 digits seconds (until 2286), 11–13 ms, 14–16 µs, 17–19 ns.
 */
function parseEpoch(s: string, start: number, end: number): ParsedTime | null {
  let i = start;
  while (i < end && s.charCodeAt(i) === C_0) i++; // leading zeros do not count for magnitude
  const intStart = i;
  while (i < end && isDigit(s.charCodeAt(i))) i++;
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (i < end) {
    if (s.charCodeAt(i) !== C_DOT) return null;
    fracEnd = fractionEnd(s, i, end);
    if (fracEnd !== end) return null;
    fracStart = i + 1;
  }
  const intLen = intEnd - intStart;
  let scale: number; // fraction digits needed to reach ns
  if (intLen <= 10) scale = 9;
  else if (intLen <= 13) scale = 6;
  else if (intLen <= 16) scale = 3;
  else if (intLen <= 19) scale = 0;
  else return null;
  const fracLen = Math.min(fracEnd - fracStart, scale);
  const frac = s.slice(fracStart, fracStart + fracLen) + ZEROS[scale - fracLen];
  if (intLen === 0) {
    // Below one unit: strip the fraction's leading zeros so the result is canonical.
    let k = 0;
    while (k < frac.length - 1 && frac.charCodeAt(k) === C_0) k++;
    return { ns: frac.slice(k), offsetMin: 0 };
  }
  return { ns: s.slice(intStart, intEnd) + frac, offsetMin: 0 };
}

/**
 * Parses the timestamp in s[start, end) exactly (no surrounding text allowed).
 * Accepts RFC 3339 / ISO 8601 (T or space, 0–9+ fraction digits with `.` or `,`,
 * zone Z / ±hh:mm / ±hhmm / ±hh / UTC or none), Python asctime, Common Log Format,
 * and epoch s / ms / µs / ns numbers. Returns null when unparseable or before 1970.
 */
export function parseTimeRange(s: string, start: number, end: number, naiveOffsetMin = 0): ParsedTime | null {
  if (end - start < 1 || !isDigit(s.charCodeAt(start))) return null;
  if (end - start >= 10 && s.charCodeAt(start + 4) === C_MINUS) return parseIso(s, start, end, naiveOffsetMin);
  if (s.charCodeAt(start + 2) === C_SLASH) return parseClf(s, start, end, naiveOffsetMin);
  return parseEpoch(s, start, end);
}

/** parseTimeRange over a whole string, ignoring surrounding whitespace. */
export function parseTimestamp(s: string, naiveOffsetMin = 0): ParsedTime | null {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= C_SPACE) start++;
  while (end > start && s.charCodeAt(end - 1) <= C_SPACE) end--;
  return parseTimeRange(s, start, end, naiveOffsetMin);
}

/**
 * A numeric timestamp from JSON (pino's epoch ms, zap's float seconds). Goes through the
 * number's shortest decimal text so the digits the source wrote are the digits we keep.
 */
export function parseEpochNumber(n: number): ParsedTime | null {
  if (!Number.isFinite(n) || n < 0) return null;
  const s = String(n);
  if (s.includes('e')) return null; // 1e21 and above: not a plausible epoch
  return parseEpoch(s, 0, s.length);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Epoch ns + offset → RFC 3339 with 9 fraction digits in the source's offset,
 * e.g. `2021-01-06T17:44:13.368024402-08:00`; `Z` when the offset is 0.
 * Throws RangeError if ns is not a non-negative decimal integer string.
 */
export function formatRfc3339Nano(ns: string, offsetMin: number): string {
  const len = ns.length;
  if (len === 0 || len > 21) throw new RangeError(`invalid epoch ns: ${ns}`);
  for (let i = 0; i < len; i++) {
    if (!isDigit(ns.charCodeAt(i))) throw new RangeError(`invalid epoch ns: ${ns}`);
  }
  const secs = len > 9 ? Number(ns.slice(0, len - 9)) : 0;
  const frac = len >= 9 ? ns.slice(len - 9) : ZEROS[9 - len] + ns;
  const d = new Date((secs + offsetMin * 60) * 1000);
  const y = d.getUTCFullYear();
  const yyyy = y < 1000 ? String(y).padStart(4, '0') : String(y);
  let zone = 'Z';
  if (offsetMin !== 0) {
    const abs = Math.abs(offsetMin);
    zone = `${offsetMin < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
  }
  return `${yyyy}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(
    d.getUTCMinutes(),
  )}:${pad2(d.getUTCSeconds())}.${frac}${zone}`;
}
