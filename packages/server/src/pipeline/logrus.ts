/**
 * logrus TextFormatter in its TTY/colour form: `INFO[2021-01-06T17:44:13.368024402-08:00] msg  k=v`
 * (full timestamps) or `INFO[0000] msg` (seconds since start). logrus writes 4-letter levels
 * (INFO WARN ERRO DEBU TRAC FATA PANI); with DisableLevelTruncation the full word (ERROR),
 * with PadLevelText trailing spaces before `[`. All are accepted.
 */
import { FieldCollector, ROLE_LEVEL, ROLE_MESSAGE, setAttr } from './fields.ts';
import { findFieldsStart, scanPairs, trimEndIndex } from './logfmt.ts';
import { parseTimeRange } from './time.ts';
import type { ParsedLine } from './types.ts';

const f = new FieldCollector();

/** Length of the `LEVEL` run if the line starts with `LEVEL[` (spaces allowed before `[`), else 0. */
export function logrusLevelEnd(line: string): number {
  let i = 0;
  const n = Math.min(line.length, 12);
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c < 65 || c > 90) break;
    i++;
  }
  if (i === 0) return 0;
  let j = i;
  while (j < n && line.charCodeAt(j) === 32) j++;
  return line.charCodeAt(j) === 91 ? i : 0;
}

/** Parses a logrus text line, or returns null if the line does not have the `LEVEL[…]` shape. */
export function parseLogrusLine(line: string, naiveOffsetMin = 0): ParsedLine | null {
  const levelEnd = logrusLevelEnd(line);
  if (levelEnd === 0) return null;
  const open = line.indexOf('[', levelEnd);
  const close = line.indexOf(']', open + 1);
  // The bracket holds a timestamp or elapsed seconds: both start with a digit.
  if (close < 0 || !isDigit(line.charCodeAt(open + 1))) return null;

  f.reset(naiveOffsetMin);
  f.setHeader(ROLE_LEVEL, line.slice(0, levelEnd));
  let allDigits = true;
  for (let i = open + 1; i < close; i++) {
    if (!isDigit(line.charCodeAt(i))) {
      allDigits = false;
      break;
    }
  }
  if (allDigits) {
    // `INFO[0042]`: seconds since the process started, not a point in time. Kept so the
    // relative timing is not lost; the record's time falls back to the observed time.
    setAttr(f.attributes, 'elapsed_s', Number(line.slice(open + 1, close)));
  } else {
    const ts = parseTimeRange(line, open + 1, close, naiveOffsetMin);
    if (ts !== null) f.setHeaderTime(ts);
    // A custom TimestampFormat we cannot read: keep the text instead of dropping it.
    else setAttr(f.attributes, 'time', line.slice(open + 1, close));
  }

  let msgStart = close + 1;
  while (line.charCodeAt(msgStart) === 32) msgStart++;
  const fs = findFieldsStart(line, msgStart);
  const msgEnd = trimEndIndex(line, msgStart, fs < 0 ? line.length : fs);
  f.setHeader(ROLE_MESSAGE, line.slice(msgStart, msgEnd));
  if (fs >= 0) scanPairs(f, line, fs);
  return f.finish('logrus', '');
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
