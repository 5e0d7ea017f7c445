/**
 * Splits text into tokens exactly like ClickHouse's tokenbf_v1 index and `hasToken`:
 * runs of ASCII letters and digits, where every non-ASCII byte also counts as a token
 * character (so UTF-8 words stay whole). Anything else separates tokens.
 */

const isTokenChar = (code: number): boolean =>
  code >= 0x80 || (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);

/** True when `ch` (one UTF-16 unit is enough: non-ASCII is always a token char) is part of a token. */
export function isTokenCharAt(s: string, i: number): boolean {
  const code = s.charCodeAt(i);
  return !Number.isNaN(code) && isTokenChar(code);
}

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && isTokenChar(text.charCodeAt(i))) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      tokens.push(text.slice(start, i));
      start = -1;
    }
  }
  return tokens;
}

/** ClickHouse `lower()` lowercases ASCII only; matching it keeps needles equal to indexed tokens. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}
