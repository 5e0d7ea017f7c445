/**
 * Shared by the structured parsers (JSON, logfmt, logrus fields, user regex): which keys
 * carry the time, level, message and ids, how their values are typed, and the collector
 * that turns a stream of key/value pairs into a ParsedLine.
 */
import type { Attributes, AttributeValue } from '@stellwerk/contracts';
import { parseEpochNumber, parseTimestamp } from './time.ts';
import type { LineFormat, ParsedLine, ParsedTime } from './types.ts';

export const ROLE_NONE = 0;
export const ROLE_TIME = 1;
export const ROLE_LEVEL = 2;
export const ROLE_MESSAGE = 3;
export const ROLE_SERVICE = 4;
export const ROLE_HOST = 5;
export const ROLE_TRACE = 6;
export const ROLE_SPAN = 7;
export const ROLE_RUN = 8;
const ROLE_COUNT = 9;

/**
 * The role a key plays, encoded as `role | priority << 4` (lower priority wins). When a line
 * has several candidates (e.g. `msg` and `event`), the best becomes the field and the others
 * stay attributes, regardless of key order.
 */
export function keyRole(key: string): number {
  switch (key) {
    case 'time':
    case 'timestamp':
    case 'ts':
    case '@timestamp':
      return ROLE_TIME;
    case 't':
    case '@t': // Serilog compact JSON
    case 'asctime': // python-json-logger
      return ROLE_TIME | (1 << 4);
    case 'level':
    case 'severity':
    case 'lvl':
    case 'loglevel':
    case 'log_level':
    case 'log.level': // ECS, flattened
    case 'severity_text':
    case 'levelname':
    case '@l':
      return ROLE_LEVEL;
    case 'msg':
    case 'message':
      return ROLE_MESSAGE;
    case '@message':
    case '@m':
    case 'body':
      return ROLE_MESSAGE | (1 << 4);
    case 'log': // Docker json-file
      return ROLE_MESSAGE | (2 << 4);
    case 'event': // structlog's message key; weakest since other schemas use it for event names
      return ROLE_MESSAGE | (3 << 4);
    case 'service':
    case 'service.name':
    case 'service_name':
      return ROLE_SERVICE;
    case 'host':
    case 'hostname':
    case 'host.name':
    case 'host_name':
      return ROLE_HOST;
    case 'trace_id':
    case 'traceId':
    case 'traceid':
    case 'trace.id':
    case 'dd.trace_id':
      return ROLE_TRACE;
    case 'span_id':
    case 'spanId':
    case 'spanid':
    case 'span.id':
    case 'dd.span_id':
      return ROLE_SPAN;
    case 'run_id':
    case 'runId':
    case 'run.id':
      return ROLE_RUN;
    default:
      return ROLE_NONE;
  }
}

/** Assigns an attribute; `__proto__` from input must become a plain property, not the prototype. */
export function setAttr(attrs: Attributes, key: string, value: AttributeValue): void {
  if (key === '__proto__') {
    Object.defineProperty(attrs, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    attrs[key] = value;
  }
}

/**
 * Types an unquoted text value: true/false (any common casing) → boolean; a plain decimal
 * number → number, except leading zeros (`007` is an id, not 7), integers beyond 2^53
 * (they would lose digits) and overflow; everything else stays a string.
 */
export function inferScalar(s: string): AttributeValue {
  const len = s.length;
  if (len === 0) return s;
  const c0 = s.charCodeAt(0);
  if (c0 === 116 || c0 === 84) {
    return len === 4 && (s === 'true' || s === 'True' || s === 'TRUE') ? true : s;
  }
  if (c0 === 102 || c0 === 70) {
    return len === 5 && (s === 'false' || s === 'False' || s === 'FALSE') ? false : s;
  }
  let i = c0 === 45 ? 1 : 0; // '-'
  const intStart = i;
  while (i < len && isDigit(s.charCodeAt(i))) i++;
  const intLen = i - intStart;
  if (intLen === 0 || (intLen > 1 && s.charCodeAt(intStart) === 48)) return s;
  if (i === len) {
    if (intLen < 16) return Number(s);
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : s;
  }
  if (s.charCodeAt(i) === 46) {
    const f = ++i;
    while (i < len && isDigit(s.charCodeAt(i))) i++;
    if (i === f) return s;
  }
  if (i < len && (s.charCodeAt(i) | 32) === 101) {
    // exponent
    i++;
    const sc = s.charCodeAt(i);
    if (sc === 43 || sc === 45) i++;
    const e = i;
    while (i < len && isDigit(s.charCodeAt(i))) i++;
    if (i === e) return s;
  }
  if (i !== len) return s;
  const n = Number(s);
  return Number.isFinite(n) ? n : s;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Drops a trailing CR/LF (Docker's `log` field keeps the newline). */
export function trimEol(s: string): string {
  let end = s.length;
  while (end > 0) {
    const c = s.charCodeAt(end - 1);
    if (c !== 10 && c !== 13) break;
    end--;
  }
  return end === s.length ? s : s.slice(0, end);
}

/**
 * Collects key/value pairs for one line. Each parser module owns one instance and resets it
 * per line (parsing is synchronous, so there is no sharing hazard), which saves the
 * per-line allocation of the bookkeeping arrays.
 */
export class FieldCollector {
  attributes: Attributes = {};
  ts: ParsedTime | undefined = undefined;
  naiveOffsetMin = 0;
  /** Bit per role that has a value: resetting is one store instead of clearing arrays. */
  private filled = 0;
  private readonly keys: string[] = new Array<string>(ROLE_COUNT).fill('');
  private readonly vals: Array<AttributeValue | undefined> = new Array(ROLE_COUNT).fill(undefined);
  private readonly prios: number[] = new Array<number>(ROLE_COUNT).fill(0);
  /** The value as an attribute, for when a better candidate displaces it (undefined for headers). */
  private readonly asAttrs: Array<AttributeValue | undefined> = new Array(ROLE_COUNT).fill(undefined);
  /** Count of pairs added (for logfmt's "is this really logfmt" check). */
  pairs = 0;
  /** Whether a message or level key was seen. */
  sawCoreKey = false;

  reset(naiveOffsetMin: number): this {
    this.attributes = {};
    this.ts = undefined;
    this.naiveOffsetMin = naiveOffsetMin;
    this.filled = 0;
    this.pairs = 0;
    this.sawCoreKey = false;
    return this;
  }

  /** Sets a role from a line header (logrus `LEVEL[time]`): beats any key in the fields. */
  setHeader(role: number, value: string): void {
    this.filled |= 1 << role;
    this.prios[role] = -1;
    this.vals[role] = value;
    this.asAttrs[role] = undefined;
  }

  setHeaderTime(ts: ParsedTime): void {
    this.filled |= 1 << ROLE_TIME;
    this.prios[ROLE_TIME] = -1;
    this.ts = ts;
    this.asAttrs[ROLE_TIME] = undefined;
  }

  /** A typed value (JSON). */
  addValue(key: string, value: AttributeValue): void {
    this.pairs++;
    const r = keyRole(key);
    if (r === ROLE_NONE || typeof value === 'boolean') {
      setAttr(this.attributes, key, value);
      return;
    }
    this.place(key, value, r & 15, r >> 4, value);
  }

  /**
   * A text value (logfmt, regex). Role keys get the text verbatim; attributes are typed by
   * inferScalar unless the source quoted them (then the writer meant a string).
   */
  addText(key: string, text: string, quoted: boolean): void {
    this.pairs++;
    const r = keyRole(key);
    if (r === ROLE_NONE) {
      setAttr(this.attributes, key, quoted ? text : inferScalar(text));
      return;
    }
    this.place(key, text, r & 15, r >> 4, quoted ? text : inferScalar(text));
  }

  private place(key: string, value: string | number, role: number, prio: number, asAttr: AttributeValue): void {
    if (role === ROLE_MESSAGE || role === ROLE_LEVEL) this.sawCoreKey = true;
    const bit = 1 << role;
    const taken = (this.filled & bit) !== 0;
    if (taken && prio >= (this.prios[role] ?? 0)) {
      setAttr(this.attributes, key, asAttr);
      return;
    }
    if (role === ROLE_TIME) {
      const ts = typeof value === 'string' ? parseTimestamp(value, this.naiveOffsetMin) : parseEpochNumber(value);
      if (ts === null) {
        // Unparseable time: keep it visible rather than dropping it.
        setAttr(this.attributes, key, asAttr);
        return;
      }
      this.ts = ts;
    }
    if (taken) {
      // A displaced candidate becomes an ordinary attribute again.
      const old = this.asAttrs[role];
      if (old !== undefined) setAttr(this.attributes, this.keys[role] ?? '', old);
    }
    this.filled |= bit;
    this.prios[role] = prio;
    this.keys[role] = key;
    this.vals[role] = value;
    this.asAttrs[role] = asAttr;
  }

  private str(role: number): string | undefined {
    return (this.filled & (1 << role)) === 0 ? undefined : String(this.vals[role]);
  }

  finish(format: LineFormat, defaultMessage: string): ParsedLine {
    const m = this.str(ROLE_MESSAGE);
    return {
      format,
      ts: this.ts,
      levelRaw: this.str(ROLE_LEVEL),
      message: m === undefined ? defaultMessage : trimEol(m),
      attributes: this.attributes,
      service: this.str(ROLE_SERVICE),
      host: this.str(ROLE_HOST),
      traceId: this.str(ROLE_TRACE),
      spanId: this.str(ROLE_SPAN),
      runId: this.str(ROLE_RUN),
    };
  }
}
