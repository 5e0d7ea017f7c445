/**
 * Time ranges for log search: parsing what users type for `from`/`to`, and the SQL
 * condition on `ts`. Times are epoch nanoseconds in decimal strings throughout, because a
 * float64 can't hold nanoseconds (contracts/logs.ts).
 */

import { StellwerkError } from '../errors.ts';
import { p, type Sql, sql } from '../store/sql.ts';

export class TimeInputError extends StellwerkError {
  override readonly name = 'TimeInputError';
  constructor(message: string) {
    super('STW_ERR_BAD_REQUEST', message);
  }
}

const NS_PER_MS = 1_000_000n;
// DateTime64(9) holds 1900-01-01 .. 2262-04-11 (Int64 nanoseconds).
const MIN_NS = BigInt(Date.UTC(1900, 0, 1)) * NS_PER_MS;
const MAX_NS = 2n ** 63n - 1n;
const UNIT_MS: Record<string, bigint> = { s: 1000n, m: 60_000n, h: 3_600_000n, d: 86_400_000n, w: 604_800_000n };
const FORMATS =
  'expected RFC 3339 (2024-05-01T12:00:00Z, 2024-05-01T14:00:00.123+02:00), epoch milliseconds (1714564800000) or now, now-15m (units s, m, h, d, w)';

const RELATIVE = /^now(?:([+-])(\d+)([a-zA-Z]*))?$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses a `from`/`to` input into epoch nanoseconds: RFC 3339 (nanoseconds kept), epoch
 * milliseconds, or `now` with an optional `±<n><unit>` relative to `nowMs`.
 * Throws TimeInputError with a message the user can act on.
 */
export function parseTimeInput(s: string, nowMs: number): { ns: string } {
  const text = s.trim();
  if (text === '') throw new TimeInputError(`empty time: ${FORMATS}`);
  let ns: bigint;
  if (/^\d+$/.test(text)) {
    ns = epochMs(text);
  } else if (text.startsWith('now')) {
    ns = relative(text, nowMs);
  } else {
    ns = rfc3339(text);
  }
  if (ns < MIN_NS || ns > MAX_NS) {
    throw new TimeInputError(`time '${text}' is outside the supported range (1900-01-01 to 2262-04-11)`);
  }
  return { ns: ns.toString() };
}

function epochMs(text: string): bigint {
  const ms = BigInt(text);
  // Ten-digit values are almost always epoch seconds; as ms they would mean January 1970.
  if (ms >= 1_000_000_000n && ms < 100_000_000_000n) {
    throw new TimeInputError(
      `'${text}' looks like epoch seconds; times in digits are epoch milliseconds: write ${text}000`,
    );
  }
  return ms * NS_PER_MS;
}

function relative(text: string, nowMs: number): bigint {
  const m = RELATIVE.exec(text);
  if (m === null) throw new TimeInputError(`invalid relative time '${text}': write now, now-15m, now-1h or now-7d`);
  const now = BigInt(Math.trunc(nowMs)) * NS_PER_MS;
  const [, sign, amount, unit] = m;
  if (sign === undefined || amount === undefined || unit === undefined) return now;
  const unitMs = UNIT_MS[unit];
  if (unitMs === undefined) {
    throw new TimeInputError(
      unit === ''
        ? `missing unit in '${text}': write e.g. ${text}m (units s, m, h, d, w)`
        : `unknown unit '${unit}' in '${text}': use s, m, h, d or w (e.g. now-15m)`,
    );
  }
  const delta = BigInt(amount) * unitMs * NS_PER_MS;
  return sign === '-' ? now - delta : now + delta;
}

function rfc3339(text: string): bigint {
  const m = RFC3339.exec(text);
  if (m === null) throw new TimeInputError(`invalid time '${text}': ${FORMATS}`);
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = m[7] ?? '';
  const [offSign, offH, offM] = [m[8], Number(m[9] ?? 0), Number(m[10] ?? 0)];
  const daysInMonth = new Date(Date.UTC(2000, mo, 0)).getUTCDate() - (mo === 2 && !isLeap(y) ? 1 : 0);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || sec > 59 || offH > 23 || offM > 59) {
    throw new TimeInputError(`invalid time '${text}': a date or time field is out of range`);
  }
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // unlike Date.UTC, keeps years 0..99 as written
  date.setUTCHours(h, mi, sec, 0);
  const offsetMs = BigInt((offH * 60 + offM) * 60_000) * (offSign === '-' ? -1n : 1n);
  // Digits beyond nanoseconds can't be stored; drop them rather than refuse the input.
  const fractionNs = BigInt(fraction.slice(0, 9).padEnd(9, '0'));
  return (BigInt(date.getTime()) - offsetMs) * NS_PER_MS + fractionNs;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** `ts` in [from, to): half-open, so adjacent windows never count a record twice. */
export function compileTimeRange(fromNs: string, toNs: string): Sql {
  const from = p.DateTime64ns(fromNs); // validates: integer strings only
  const to = p.DateTime64ns(toNs);
  if (BigInt(fromNs) > BigInt(toNs)) {
    throw new TimeInputError(`the time range is reversed: 'from' (${fromNs}) is after 'to' (${toNs})`);
  }
  return sql`(ts >= ${from} AND ts < ${to})`;
}
