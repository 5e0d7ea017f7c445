/**
 * logfmt (`key=value key2="quoted \"value\""`), as written by logrus (non-TTY), go-kit, slog's
 * TextHandler and Heroku. Also "text then fields" lines such as
 * `GET /api 200 duration_ms=5 user=bob`, where the leading text becomes the message.
 */
import { FieldCollector, setAttr } from './fields.ts';
import type { ParsedLine } from './types.ts';

const f = new FieldCollector();

const C_SPACE = 32;
const C_TAB = 9;
const C_QUOTE = 34;
const C_EQ = 61;
const C_BACKSLASH = 92;

function isWs(c: number): boolean {
  return c === C_SPACE || c === C_TAB;
}

/** Strict key start for finding fields after free text: a letter or `_`. */
function isStrictKeyStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** Strict key chars: letters, digits, `_ . - @`. */
function isStrictKeyChar(c: number): boolean {
  return isStrictKeyStart(c) || (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 64;
}

// Per-line facts from two native scans, so the common case (no tabs, no escapes) can find
// token and quote ends with indexOf instead of char-by-char loops.
let hasTab = false;
let hasBackslash = false;

function prepare(s: string): void {
  hasTab = s.indexOf('\t') >= 0;
  hasBackslash = s.indexOf('\\') >= 0;
}

/** End of the token starting at i: the next space/tab, or the end of the line. */
function tokenEnd(s: string, i: number, n: number): number {
  if (!hasTab) {
    const sp = s.indexOf(' ', i);
    return sp < 0 ? n : sp;
  }
  while (i < n && !isWs(s.charCodeAt(i))) i++;
  return i;
}

/** Index of the closing quote for an opening quote at i, or -1 if unterminated. */
function quoteEnd(s: string, i: number): number {
  if (!hasBackslash) return s.indexOf('"', i + 1);
  const n = s.length;
  let j = i + 1;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === C_QUOTE) return j;
    j += c === C_BACKSLASH ? 2 : 1;
  }
  return -1;
}

/** A quoted value's content, unescaped only when the line has a backslash at all. */
function quotedText(s: string, start: number, end: number): string {
  return hasBackslash ? unquote(s, start, end) : s.slice(start, end);
}

function hexAt(s: string, i: number, len: number): number {
  if (i + len > s.length) return -1;
  let v = 0;
  for (let k = 0; k < len; k++) {
    const c = s.charCodeAt(i + k);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}

/**
 * The content of a quoted value in s[start, end), with Go `%q` escapes resolved
 * (\" \\ \n \r \t \uXXXX \xXX; unknown escapes are kept as written). Slices when there is
 * no backslash, and otherwise joins slices between escapes rather than single chars.
 */
export function unquote(s: string, start: number, end: number): string {
  let bs = s.indexOf('\\', start);
  if (bs < 0 || bs >= end) return s.slice(start, end);
  let out = '';
  let last = start;
  while (bs >= 0 && bs < end) {
    out += s.slice(last, bs);
    const c = s.charCodeAt(bs + 1);
    let next = bs + 2;
    switch (c) {
      case 110:
        out += '\n';
        break;
      case 114:
        out += '\r';
        break;
      case 116:
        out += '\t';
        break;
      case 117: {
        const v = hexAt(s, bs + 2, 4);
        if (v >= 0) {
          out += String.fromCharCode(v);
          next = bs + 6;
        } else {
          out += '\\u';
        }
        break;
      }
      case 120: {
        const v = hexAt(s, bs + 2, 2);
        if (v >= 0) {
          out += String.fromCharCode(v);
          next = bs + 4;
        } else {
          out += '\\x';
        }
        break;
      }
      case C_QUOTE:
      case C_BACKSLASH:
      case 47: // '/'
        out += s.charAt(bs + 1);
        break;
      default:
        if (bs + 1 >= end) {
          next = bs + 1; // a lone trailing backslash (unterminated value): keep it
          out += '\\';
        } else {
          out += s.slice(bs, bs + 2);
        }
    }
    last = Math.min(next, end);
    bs = s.indexOf('\\', last);
  }
  return out + s.slice(last, end);
}

/**
 * Adds the pairs in s[start, end of line) to the collector. Lenient: bare keys become
 * `true` (the Heroku logfmt convention), stray `=`/`"` tokens are skipped, an unterminated
 * quote runs to the end of the line. Never throws.
 */
export function scanPairs(c: FieldCollector, s: string, start: number): void {
  prepare(s);
  const n = s.length;
  let i = start;
  let eq = s.indexOf('=', start); // next '=' at or after i (refreshed once passed)
  while (i < n) {
    const ch = s.charCodeAt(i);
    if (ch === C_SPACE || ch === C_TAB) {
      i++;
      continue;
    }
    if (ch === C_QUOTE) {
      const q = quoteEnd(s, i); // junk: a quoted string without a key
      i = q < 0 ? n : q + 1;
      continue;
    }
    if (eq >= 0 && eq < i) eq = s.indexOf('=', i);
    const te = tokenEnd(s, i, n);
    if (eq < 0 || eq >= te) {
      setAttr(c.attributes, s.slice(i, te), true);
      i = te;
      continue;
    }
    if (eq === i) {
      i = te; // junk: `=value` without a key
      continue;
    }
    const key = s.slice(i, eq);
    const v = eq + 1;
    if (s.charCodeAt(v) === C_QUOTE) {
      const q = quoteEnd(s, v);
      if (q < 0) {
        c.addText(key, quotedText(s, v + 1, n), true);
        break;
      }
      c.addText(key, quotedText(s, v + 1, q), true);
      i = q + 1;
    } else {
      c.addText(key, s.slice(v, te), false);
      i = te;
    }
  }
}

/**
 * Strict check that s[i, end) is one or more `key=value` pairs and nothing else.
 * Returns -1 if so, otherwise the position where it failed (for skipping ahead).
 */
function validatePairs(s: string, i: number): number {
  const n = s.length;
  let count = 0;
  let nq = s.indexOf('"', i); // next quote (refreshed once passed)
  for (;;) {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i >= n) return count > 0 ? -1 : n;
    if (!isStrictKeyStart(s.charCodeAt(i))) return i;
    i++;
    while (i < n && isStrictKeyChar(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== C_EQ) return i;
    const v = i + 1;
    if (s.charCodeAt(v) === C_QUOTE) {
      const q = quoteEnd(s, v);
      if (q < 0) return n;
      i = q + 1;
      if (i < n && !isWs(s.charCodeAt(i))) return i;
    } else {
      const te = tokenEnd(s, v, n);
      if (nq >= 0 && nq < v) nq = s.indexOf('"', v);
      if (nq >= 0 && nq < te) return nq; // a quote inside an unquoted value: not logfmt
      i = te;
    }
    count++;
  }
}

/**
 * Where trailing `key=value` fields begin after free text starting at `from`: the first
 * key (preceded by whitespace) from which the rest of the line is nothing but pairs; -1 if
 * there is none. Candidates are found by jumping from `=` to `=` with indexOf; after a
 * failed attempt the search resumes at the failure point, because every pair boundary in
 * between would fail there too, so the work stays linear.
 */
export function findFieldsStart(s: string, from: number): number {
  prepare(s);
  let eq = s.indexOf('=', from);
  while (eq >= 0) {
    let k = eq;
    while (k > from && isStrictKeyChar(s.charCodeAt(k - 1))) k--;
    if (k < eq && isStrictKeyStart(s.charCodeAt(k)) && (k === from || isWs(s.charCodeAt(k - 1)))) {
      const fail = validatePairs(s, k);
      if (fail < 0) return k;
      eq = s.indexOf('=', Math.max(fail, eq + 1));
    } else {
      eq = s.indexOf('=', eq + 1);
    }
  }
  return -1;
}

/** End of s[start, end) with trailing spaces/tabs dropped (logrus pads the message). */
export function trimEndIndex(s: string, start: number, end: number): number {
  while (end > start && isWs(s.charCodeAt(end - 1))) end--;
  return end;
}

function startsWithPair(s: string): boolean {
  if (!isStrictKeyStart(s.charCodeAt(0))) return false;
  let i = 1;
  while (i < s.length && isStrictKeyChar(s.charCodeAt(i))) i++;
  return s.charCodeAt(i) === C_EQ;
}

/**
 * Parses a logfmt line. When auto-detecting (`forced` false), the line must look like
 * logfmt: at least two pairs, or a message/level key; otherwise null (→ raw).
 * A line that starts with free text is split: the text is the message and the trailing
 * pairs are attributes (if there is also a `msg` key, the text is kept as `prefix`).
 */
export function parseLogfmt(line: string, naiveOffsetMin = 0, forced = false): ParsedLine | null {
  f.reset(naiveOffsetMin);
  if (forced || startsWithPair(line)) {
    scanPairs(f, line, 0);
    if (!forced && f.pairs < 2 && !f.sawCoreKey) return null;
    return f.finish('logfmt', '');
  }
  const fs = findFieldsStart(line, 0);
  if (fs < 0) return null;
  scanPairs(f, line, fs);
  if (f.pairs < 2 && !f.sawCoreKey) return null;
  const text = line.slice(0, trimEndIndex(line, 0, fs));
  const parsed = f.finish('logfmt', text);
  if (parsed.message !== text) setAttr(parsed.attributes, 'prefix', text);
  return parsed;
}
