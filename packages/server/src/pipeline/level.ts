/**
 * Level normalisation. The mapping follows the OpenTelemetry log data model's severity
 * ranges: syslog crit/alert/emerg and panic land in FATAL, notice in INFO.
 */
import type { LogLevel } from '@stellwerk/contracts';

const NAMES: Record<LogLevel, readonly string[]> = {
  // verbose/vrb: Serilog, Android; finest/finer: java.util.logging.
  trace: ['trace', 'trc', 'trac', 'verbose', 'vrb', 'v', 'finest', 'finer'],
  debug: ['debug', 'dbg', 'debu', 'd', 'fine'],
  info: ['info', 'inf', 'information', 'informational', 'notice', 'i', 'config'],
  warn: ['warn', 'warning', 'wrn', 'w'],
  // `dpanic` is zap's development-only panic: in production it only logs, at error severity.
  error: ['error', 'err', 'erro', 'e', 'severe', 'dpanic'],
  fatal: ['fatal', 'fata', 'ftl', 'f', 'critical', 'crit', 'alert', 'emerg', 'emergency', 'panic', 'pani', 'pnc'],
};

// Exact spellings (lower, UPPER, Capitalised) resolve with one lookup and no allocation.
const TABLE = new Map<string, LogLevel>();
for (const [level, names] of Object.entries(NAMES) as Array<[LogLevel, readonly string[]]>) {
  for (const n of names) {
    TABLE.set(n, level);
    TABLE.set(n.toUpperCase(), level);
    TABLE.set(n.charAt(0).toUpperCase() + n.slice(1), level);
  }
}

const SYSLOG: readonly LogLevel[] = ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug'];

function numericLevel(raw: string): LogLevel | undefined {
  const len = raw.length;
  if (len === 0 || len > 3) return undefined;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const c = raw.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  // 0–7: syslog severities. ≥10: pino/bunyan (10 trace … 60 fatal), the common numeric
  // form in JSON from Node; Python's numeric levels (10 debug, 20 info) differ, but Python
  // JSON loggers write level names.
  if (n <= 7) return SYSLOG[n];
  if (n < 10) return undefined;
  if (n < 20) return 'trace';
  if (n < 30) return 'debug';
  if (n < 40) return 'info';
  if (n < 50) return 'warn';
  if (n < 60) return 'error';
  return 'fatal';
}

/** Maps a level as written to the normalised level; unknown values become `info`. */
export function normalizeLevel(raw: string): LogLevel {
  const hit = TABLE.get(raw);
  if (hit !== undefined) return hit;
  const lower = raw.trim().toLowerCase();
  return TABLE.get(lower) ?? numericLevel(lower) ?? 'info';
}
