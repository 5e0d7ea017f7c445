/** Entry point of line parsing: per-line format detection or a forced per-source format. */

import { detectFormat } from './detect.ts';
import { trimEol } from './fields.ts';
import { parseJsonLine } from './json.ts';
import { parseLogfmt } from './logfmt.ts';
import { parseLogrusLine } from './logrus.ts';
import { parsePythonLine } from './python.ts';
import type { ParsedLine, ParseOptions, ParserHint } from './types.ts';

// Receivers that decode JSON bodies themselves hand objects to the same mapping.
export { parseJsonObject } from './json.ts';

/**
 * Removes ANSI escape sequences (colour codes from TTY loggers such as logrus or colorlog):
 * they would break detection and are noise in stored text.
 */
export function stripAnsi(s: string): string {
  let esc = s.indexOf('\x1b');
  if (esc < 0) return s;
  let out = '';
  let last = 0;
  const n = s.length;
  while (esc >= 0) {
    out += s.slice(last, esc);
    let i = esc + 1;
    if (s.charCodeAt(i) === 91) {
      // CSI: ESC [ parameters (0x30–0x3F) intermediates (0x20–0x2F) final (0x40–0x7E)
      i++;
      while (i < n && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x3f) i++;
      while (i < n && s.charCodeAt(i) >= 0x20 && s.charCodeAt(i) <= 0x2f) i++;
      if (i < n && s.charCodeAt(i) >= 0x40 && s.charCodeAt(i) <= 0x7e) i++;
    } else if (i < n) {
      i++; // two-character escape
    }
    last = i;
    esc = s.indexOf('\x1b', last);
  }
  return out + s.slice(last);
}

/** The fallback: the line as it is, no attributes. */
export function rawLine(line: string): ParsedLine {
  return {
    format: 'raw',
    ts: undefined,
    levelRaw: undefined,
    message: line,
    attributes: {},
    service: undefined,
    host: undefined,
    traceId: undefined,
    spanId: undefined,
    runId: undefined,
  };
}

/**
 * A line that is clearly meant as JSON (`{"`) but does not parse, e.g. cut off by Docker's
 * 16 KiB line split: raw, flagged so users can find such lines.
 */
function brokenJson(line: string): ParsedLine {
  const p = rawLine(line);
  p.attributes.parse_error = 'invalid JSON';
  return p;
}

function looksLikeJson(line: string): boolean {
  const i = line.indexOf('{');
  return i >= 0 && line.charCodeAt(i + 1) === 34;
}

/**
 * Parses one log line. Never throws. `hint` forces a format (a per-source setting); lines
 * that do not fit it fall back to raw (`logrus` also accepts logrus's logfmt output).
 * Trailing CR/LF and ANSI colour codes are removed first.
 */
export function parseLine(line: string, hint: ParserHint = 'auto', options?: ParseOptions): ParsedLine {
  const naive = options?.naiveOffsetMin ?? 0;
  let s = trimEol(line);
  if (s.indexOf('\x1b') >= 0) s = stripAnsi(s);
  switch (hint) {
    case 'json':
      return parseJsonLine(s, naive) ?? brokenJson(s);
    case 'logfmt':
      return parseLogfmt(s, naive, true) ?? rawLine(s);
    case 'logrus':
      return parseLogrusLine(s, naive) ?? parseLogfmt(s, naive, false) ?? rawLine(s);
    case 'python':
      return parsePythonLine(s, naive) ?? rawLine(s);
    case 'raw':
      return rawLine(s);
    default:
      break;
  }
  if (s.length === 0) return rawLine(s);
  const guess = detectFormat(s);
  let p: ParsedLine | null = null;
  switch (guess) {
    case 'json':
      p = parseJsonLine(s, naive);
      if (p === null && looksLikeJson(s)) return brokenJson(s);
      break;
    case 'logrus':
      p = parseLogrusLine(s, naive);
      break;
    case 'python':
      p = parsePythonLine(s, naive);
      break;
    case 'logfmt':
      return parseLogfmt(s, naive, false) ?? rawLine(s);
    default:
      return rawLine(s);
  }
  if (p !== null) return p;
  return (s.indexOf('=') >= 0 ? parseLogfmt(s, naive, false) : null) ?? rawLine(s);
}
