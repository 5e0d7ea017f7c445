import type { Attributes } from '@stellwerk/contracts';

/** Formats the built-in parsers recognise; `regex` marks lines parsed by a user-configured pattern. */
export type LineFormat = 'json' | 'logfmt' | 'logrus' | 'python' | 'raw' | 'regex';

/** What a source may force with a per-source format setting; `auto` (or none) detects per line. */
export type ParserHint = Exclude<LineFormat, 'regex'> | 'auto';

export interface ParsedTime {
  /** Epoch nanoseconds as a decimal string (no float rounding). */
  ns: string;
  /** The UTC offset the source wrote, in minutes (0 for `Z` and for naive times). */
  offsetMin: number;
}

/**
 * One line after parsing, before it becomes a LogRecord. Every parser returns all keys
 * (absent ones as undefined) so the objects share one hidden class on the hot path.
 */
export interface ParsedLine {
  format: LineFormat;
  ts?: ParsedTime | undefined;
  levelRaw?: string | undefined;
  message: string;
  attributes: Attributes;
  service?: string | undefined;
  host?: string | undefined;
  traceId?: string | undefined;
  spanId?: string | undefined;
  runId?: string | undefined;
}

export interface ParseOptions {
  /**
   * Offset (minutes) assumed for timestamps written without a zone, e.g. Python's asctime.
   * Defaults to 0 (UTC) because the pipeline cannot know the source's local zone.
   */
  naiveOffsetMin?: number;
}
