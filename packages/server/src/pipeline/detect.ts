/**
 * Cheap per-line format guess from the first characters; the chosen parser confirms it
 * (parseLine falls back to logfmt/raw when it does not).
 */
import { logrusLevelEnd } from './logrus.ts';
import type { LineFormat } from './types.ts';

export type DetectedFormat = Exclude<LineFormat, 'regex'>;

function firstNonSpace(line: string): number {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  return i;
}

/**
 * `{` → json; `LEVEL[` → logrus; `LEVEL:` or `YYYY-MM-DD hh:mm:ss` → python (asctime);
 * any `=` → logfmt; otherwise raw.
 */
export function detectFormat(line: string): DetectedFormat {
  const c = line.charCodeAt(firstNonSpace(line));
  if (c === 123) return 'json';
  if (c >= 65 && c <= 90) {
    if (logrusLevelEnd(line) > 0) return 'logrus';
    let i = 1;
    while (i < 9 && line.charCodeAt(i) >= 65 && line.charCodeAt(i) <= 90) i++;
    if (line.charCodeAt(i) === 58) return 'python';
  } else if (c >= 48 && c <= 57) {
    if (
      line.charCodeAt(4) === 45 &&
      line.charCodeAt(7) === 45 &&
      line.charCodeAt(10) === 32 &&
      line.charCodeAt(13) === 58 &&
      line.charCodeAt(16) === 58
    ) {
      return 'python';
    }
  }
  return line.indexOf('=') >= 0 ? 'logfmt' : 'raw';
}
