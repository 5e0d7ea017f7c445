/**
 * Python `logging` text formats:
 * - basicConfig default `%(levelname)s:%(name)s:%(message)s`     → `WARNING:root:disk almost full`
 * - `%(asctime)s - %(name)s - %(levelname)s - %(message)s`         → `2024-01-05 10:11:12,345 - trainer - INFO - epoch 3 done`
 * - `%(asctime)s - %(levelname)s - %(message)s`
 * - `%(asctime)s %(levelname)s %(name)s: %(message)s` (also `[LEVEL]`, padded `%(levelname)-8s`,
 *   and without the `name:` part)
 * asctime has no zone: it is read with the configured naive offset (default UTC).
 */
import type { Attributes } from '@stellwerk/contracts';
import { parseTimeRange } from './time.ts';
import type { ParsedLine, ParsedTime } from './types.ts';

/** Whether s[start, end) is a standard Python level name (checked without slicing). */
function isPyLevel(s: string, start: number, end: number): boolean {
  switch (end - start) {
    case 4:
      return s.startsWith('INFO', start) || s.startsWith('WARN', start);
    case 5:
      return s.startsWith('DEBUG', start) || s.startsWith('ERROR', start) || s.startsWith('FATAL', start);
    case 7:
      return s.startsWith('WARNING', start);
    case 8:
      return s.startsWith('CRITICAL', start);
    default:
      return false;
  }
}

/** A logger name: non-empty, no spaces (Python logger names are dotted identifiers). */
function isLoggerName(s: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) if (s.charCodeAt(i) <= 32) return false;
  return true;
}

function result(
  ts: ParsedTime | undefined,
  line: string,
  lvStart: number,
  lvEnd: number,
  loggerStart: number,
  loggerEnd: number,
  msgStart: number,
): ParsedLine {
  const attributes: Attributes = {};
  if (loggerEnd > loggerStart) attributes.logger = line.slice(loggerStart, loggerEnd);
  return {
    format: 'python',
    ts,
    levelRaw: line.slice(lvStart, lvEnd),
    message: msgStart >= line.length ? '' : line.slice(msgStart),
    attributes,
    service: undefined,
    host: undefined,
    traceId: undefined,
    spanId: undefined,
    runId: undefined,
  };
}

/** `LEVEL:logger:message`. */
function parseBasic(line: string): ParsedLine | null {
  const c1 = line.indexOf(':');
  if (c1 < 4 || !isPyLevel(line, 0, c1)) return null;
  const c2 = line.indexOf(':', c1 + 1);
  if (c2 < 0 || !isLoggerName(line, c1 + 1, c2)) return null;
  return result(undefined, line, 0, c1, c1 + 1, c2, c2 + 1);
}

/** End of an asctime-shaped prefix `YYYY-MM-DD HH:MM:SS[,fff]`, or -1. */
function asctimeEnd(line: string): number {
  if (
    line.length < 21 ||
    line.charCodeAt(4) !== 45 ||
    line.charCodeAt(7) !== 45 ||
    line.charCodeAt(13) !== 58 ||
    line.charCodeAt(16) !== 58
  ) {
    return -1;
  }
  const sep = line.charCodeAt(10);
  if (sep !== 32 && sep !== 84) return -1;
  let i = 19;
  const c = line.charCodeAt(i);
  if (c === 44 || c === 46) {
    i++;
    while (i < line.length && line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
  }
  return i;
}

/** The level in line[i, stop), optionally `[LEVEL]` and space-padded: [start, end] of the name, or null. */
function levelToken(line: string, i: number, stop: number): [number, number] | null {
  let s = i;
  let e = stop;
  while (e > s && line.charCodeAt(e - 1) === 32) e--;
  if (line.charCodeAt(s) === 91 && line.charCodeAt(e - 1) === 93) {
    s++;
    e--;
  }
  return isPyLevel(line, s, e) ? [s, e] : null;
}

function parseWithAsctime(line: string, naiveOffsetMin: number): ParsedLine | null {
  const tEnd = asctimeEnd(line);
  if (tEnd < 0) return null;
  const ts = parseTimeRange(line, 0, tEnd, naiveOffsetMin);
  if (ts === null) return null;

  if (line.startsWith(' - ', tEnd)) {
    const a = tEnd + 3;
    const p1 = line.indexOf(' - ', a);
    if (p1 < 0) return null;
    const lv1 = levelToken(line, a, p1);
    if (lv1 !== null) return result(ts, line, lv1[0], lv1[1], 0, 0, p1 + 3); // asctime - LEVEL - msg
    const p2 = line.indexOf(' - ', p1 + 3);
    if (p2 < 0) return null;
    const lv2 = levelToken(line, p1 + 3, p2);
    if (lv2 === null || !isLoggerName(line, a, p1)) return null;
    return result(ts, line, lv2[0], lv2[1], a, p1, p2 + 3);
  }

  if (line.charCodeAt(tEnd) !== 32) return null;
  const a = tEnd + 1;
  let sp = line.indexOf(' ', a);
  if (sp < 0) sp = line.length;
  const lv = levelToken(line, a, sp);
  if (lv === null) return null;
  let i = sp;
  while (line.charCodeAt(i) === 32) i++; // %(levelname)-8s padding
  // `name: message` when the next token ends with a colon; otherwise it is all message.
  const colon = line.indexOf(': ', i);
  const nextSpace = line.indexOf(' ', i);
  if (colon > i && (nextSpace < 0 || colon < nextSpace) && isLoggerName(line, i, colon)) {
    return result(ts, line, lv[0], lv[1], i, colon, colon + 2);
  }
  if (line.charCodeAt(line.length - 1) === 58 && nextSpace < 0 && isLoggerName(line, i, line.length - 1)) {
    return result(ts, line, lv[0], lv[1], i, line.length - 1, line.length); // `name:` with empty message
  }
  return result(ts, line, lv[0], lv[1], 0, 0, i);
}

/** Parses a Python logging line, or returns null if it has none of the supported shapes. */
export function parsePythonLine(line: string, naiveOffsetMin = 0): ParsedLine | null {
  const c0 = line.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) return parseWithAsctime(line, naiveOffsetMin);
  if (c0 >= 65 && c0 <= 90) return parseBasic(line);
  return null;
}
