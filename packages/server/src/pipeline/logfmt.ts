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

/** Lenient key chars: anything visible but `=` and `"` (go-logfmt's rule). */
function isKeyChar(c: number): boolean {
  return c > C_SPACE && c !== C_EQ && c !== C_QUOTE && c !== 127;
}

/** Strict key start for finding fields after free text: a letter or `_`. */
function isStrictKeyStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** Strict key chars: letters, digits, `_ . - @`. */
function isStrictKeyChar(c: number): boolean {
  return isStrictKeyStart(c) || (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 64;
}

/** Index of the closing quote for an opening quote at i, or -1 if unterminated. */
function quoteEnd(s: string, i: number): number {
  const n = s.length;
  let j = i + 1;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === C_QUOTE) return j;
    j += c === C_BACKSLASH ? 2 : 1;
  }
  return -1;
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
 * `true` (the Heroku logfmt convention), stray `=`/`"` are skipped, an unterminated quote
 * runs to the end of the line. Never throws.
 */
export function scanPairs(c: FieldCollector, s: string, start: number): void {
  const n = s.length;
  let i = start;
  while (i < n) {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i >= n) break;
    const ks = i;
    while (i < n && isKeyChar(s.charCodeAt(i))) i++;
    if (i === ks) {
      // A token starting with `=` or `"`: skip it as junk.
      if (s.charCodeAt(i) === C_QUOTE) {
        const q = quoteEnd(s, i);
        i = q < 0 ? n : q + 1;
      } else {
        while (i < n && !isWs(s.charCodeAt(i))) i++;
      }
      continue;
    }
    const key = s.slice(ks, i);
    if (s.charCodeAt(i) !== C_EQ) {
      setAttr(c.attributes, key, true);
      continue;
    }
    i++;
    if (s.charCodeAt(i) === C_QUOTE) {
      const q = quoteEnd(s, i);
      if (q < 0) {
        c.addText(key, unquote(s, i + 1, n), true);
        break;
      }
      c.addText(key, unquote(s, i + 1, q), true);
      i = q + 1;
    } else {
      const vs = i;
      while (i < n && !isWs(s.charCodeAt(i))) i++;
      c.addText(key, s.slice(vs, i), false);
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
  for (;;) {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i >= n) return count > 0 ? -1 : n;
    if (!isStrictKeyStart(s.charCodeAt(i))) return i;
    i++;
    while (i < n && isStrictKeyChar(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== C_EQ) return i;
    i++;
    if (s.charCodeAt(i) === C_QUOTE) {
      const q = quoteEnd(s, i);
      if (q < 0) return n;
      i = q + 1;
      if (i < n && !isWs(s.charCodeAt(i))) return i;
    } else {
      while (i < n) {
        const c = s.charCodeAt(i);
        if (isWs(c)) break;
        if (c === C_QUOTE) return i;
        i++;
      }
    }
    count++;
  }
}

/**
 * Where trailing `key=value` fields begin after free text starting at `from`: the first
 * token start from which the rest of the line is nothing but pairs. -1 if there is none.
 * Linear: after a failed attempt the search resumes at the failure point, because every
 * pair boundary in between would fail at the same place.
 */
export function findFieldsStart(s: string, from: number): number {
  const n = s.length;
  let i = from;
  while (i < n) {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i >= n) return -1;
    if (isStrictKeyStart(s.charCodeAt(i))) {
      let j = i + 1;
      while (j < n && isStrictKeyChar(s.charCodeAt(j))) j++;
      if (s.charCodeAt(j) === C_EQ) {
        const fail = validatePairs(s, i);
        if (fail < 0) return i;
        i = Math.max(fail, j + 1);
      }
    }
    while (i < n && !isWs(s.charCodeAt(i))) i++;
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
