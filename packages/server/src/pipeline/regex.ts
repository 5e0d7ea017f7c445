/**
 * User-configured parsing with a regular expression and named groups. Groups named like the
 * well-known keys (time/ts/timestamp, level/severity, msg/message, service, host, trace_id,
 * span_id, run_id, …) fill those fields; other groups become attributes, typed like unquoted
 * logfmt values. The pattern comes from the operator's configuration, so its cost (and any
 * catastrophic backtracking) is theirs to control; it is compiled once per source.
 */
import { FieldCollector } from './fields.ts';
import type { ParsedLine, ParseOptions } from './types.ts';

export type LineParser = (line: string) => ParsedLine | null;

const f = new FieldCollector();

const GROUP_NAME = /\(\?<([A-Za-z_$][\w$]*)>/g;

/**
 * Compiles a regex parser. Returns a function that yields null when the line does not match
 * (the caller decides the fallback, typically parseLine). Throws (at configuration time) if
 * the pattern is invalid or has no named group.
 */
export function compileRegexParser(pattern: string | RegExp, options?: ParseOptions): LineParser {
  // g/y would make exec stateful across lines through lastIndex.
  const re =
    typeof pattern === 'string' ? new RegExp(pattern) : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  const names = Array.from(re.source.matchAll(GROUP_NAME), (m) => m[1] ?? '').filter((n) => n !== '');
  if (names.length === 0) throw new Error(`log regex has no named groups: ${re.source}`);
  const naive = options?.naiveOffsetMin ?? 0;
  return (line: string): ParsedLine | null => {
    const m = re.exec(line);
    if (m === null) return null;
    const groups = m.groups;
    f.reset(naive);
    if (groups !== undefined) {
      for (const name of names) {
        const v = groups[name];
        if (v !== undefined) f.addText(name, v, false);
      }
    }
    return f.finish('regex', line);
  };
}
