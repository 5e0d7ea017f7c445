/**
 * The log shipper: records are encoded as NDJSON lines when logged (so later mutation of
 * the caller's objects cannot change them), queued, and POSTed to /api/v1/logs in batches.
 * Nothing here throws into user code; problems go to `onError` and the counters.
 */
import { type Attributes, type AttributeValue, LOG_LEVELS, type LogLevel } from '@stellwerk/contracts';
import { createClock, formatLocalTime } from './clock.ts';
import { rateLimitedWarner, SdkError } from './errors.ts';
import { defaultHost } from './platform.ts';
import { BatchQueue, type QueueStats } from './queue.ts';
import { type PreparedRequest, type RetryPolicy, transportFrom } from './transport.ts';

/** What callers may pass: values are typed on the way in (see normalizeAttributes). */
export type LogAttributes = Record<string, unknown>;

export interface LoggerOptions {
  /** Base URL of Stellwerk, e.g. http://127.0.0.1:8420. */
  url: string;
  /** API token with the `ingest` scope, sent as `Authorization: Bearer`. */
  token?: string;
  service: string;
  /** Defaults to the machine's host name (Node) or '' (browser). */
  host?: string;
  /** Resource attributes shared by every record (sent once per request, not per record). */
  resource?: Record<string, string>;
  /** ML run the records belong to. */
  runId?: string;
  /** Least severe level that is shipped; lower ones are skipped cheaply. Default trace. */
  level?: LogLevel;
  /** Records per request. Default 1000. */
  batchSize?: number;
  /** Longest a record waits for its batch to fill. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Records waiting or in flight before new ones are dropped. Default 10 000. */
  maxQueue?: number;
  /** Bytes waiting or in flight before new records are dropped. Default 16 MiB. */
  maxQueueBytes?: number;
  /** Bytes per request. Default 1 MiB (the server allows 16 MiB). */
  maxBatchBytes?: number;
  /** Per-request timeout. Default 10 000 ms. */
  timeoutMs?: number;
  /** How long shutdown() keeps trying before it abandons what is left. Default 5000 ms. */
  shutdownTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Bodies from this size on are gzipped (Node only). Default 4096 bytes. */
  gzipMinBytes?: number;
  /** Where problems go. Default: one stderr warning per distinct problem per minute. */
  onError?: (err: SdkError) => void;
  /** A custom fetch (proxies, tests). Defaults to the global fetch. */
  fetch?: typeof fetch;
}

export type LogMethod = (message: string | Error, attributes?: LogAttributes) => void;

export interface Logger {
  trace: LogMethod;
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  fatal: LogMethod;
  log(level: LogLevel, message: string | Error, attributes?: LogAttributes): void;
  /** A logger whose records carry these attributes too; it shares the parent's queue. */
  child(attributes: LogAttributes): Logger;
  /** Resolves once everything logged before the call is stored or has definitively failed. Never rejects. */
  flush(): Promise<void>;
  /** Flushes within shutdownTimeoutMs, then stops; later records are dropped. Never rejects. */
  shutdown(): Promise<void>;
  stats(): QueueStats;
}

/** Keys the SDK writes itself; a caller's attribute of the same name is kept as `attr.<name>`. */
const RESERVED = new Set(['time', 'level', 'msg', 'service', 'host', 'run_id']);
const SEVERITY: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5 };
const MAX_DEPTH = 4;
const MAX_RECORD_BYTES = 256 * 1024; // the server's default ingest.maxLineBytes

export function createLogger(options: LoggerOptions): Logger {
  const onError = options.onError ?? rateLimitedWarner();
  const transport = transportFrom(options);
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.resource ?? {})) query[`resource.${k}`] = v;
  const batchSize = Math.max(1, options.batchSize ?? 1000);
  const queue = new BatchQueue<PreparedRequest>({
    maxBatchRecords: batchSize,
    maxBatchBytes: options.maxBatchBytes ?? 1024 * 1024,
    flushIntervalMs: options.flushIntervalMs ?? 1000,
    maxQueueRecords: Math.max(1, options.maxQueue ?? 10_000),
    maxQueueBytes: options.maxQueueBytes ?? 16 * 1024 * 1024,
    maxRecordBytes: MAX_RECORD_BYTES,
    maxAttempts: transport.retry.maxAttempts,
    prepare: (lines) =>
      transport.prepare({
        path: '/api/v1/logs',
        query,
        contentType: 'application/x-ndjson',
        body: `${lines.join('\n')}\n`,
        records: lines.length,
      }),
    send: (req, ctx) => transport.send(req, ctx),
    onError,
  });
  const shared: Shared = {
    queue,
    clock: createClock(),
    service: options.service,
    host: options.host ?? defaultHost(),
    runId: options.runId,
    minSeverity: SEVERITY[options.level ?? 'trace'] ?? 0,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5000,
    onError,
  };
  return makeLogger(shared, {});
}

interface Shared {
  queue: BatchQueue<PreparedRequest>;
  clock: () => string;
  service: string;
  host: string;
  runId: string | undefined;
  minSeverity: number;
  shutdownTimeoutMs: number;
  onError: (err: SdkError) => void;
}

function makeLogger(s: Shared, base: Attributes): Logger {
  const log = (level: LogLevel, message: string | Error, attributes?: LogAttributes): void => {
    try {
      const severity = SEVERITY[level];
      if (severity === undefined) {
        s.onError(
          new SdkError('encode', `Unknown level ${JSON.stringify(level)}; use one of ${LOG_LEVELS.join(', ')}.`),
        );
        return;
      }
      if (severity < s.minSeverity) return;
      s.queue.push(encodeRecord(s, s.clock(), level, message, base, attributes));
    } catch (err) {
      // Encoding is defensive already; this is the last line that keeps user code safe.
      try {
        s.onError(new SdkError('encode', 'A record could not be encoded and was dropped.', { records: 1, cause: err }));
      } catch {}
    }
  };
  const at =
    (level: LogLevel): LogMethod =>
    (message, attributes) =>
      log(level, message, attributes);
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    log,
    child: (attributes) => {
      const merged: Attributes = { ...base };
      try {
        normalizeAttributes(attributes, merged);
      } catch {}
      return makeLogger(s, merged);
    },
    flush: () => s.queue.flush(),
    shutdown: () => s.queue.close(s.shutdownTimeoutMs),
    stats: () => s.queue.stats(),
  };
}

/** One NDJSON line in the shape the server's JSON parser maps to its fields. */
export function encodeRecord(
  s: Pick<Shared, 'service' | 'host' | 'runId'>,
  ns: string,
  level: LogLevel,
  message: string | Error,
  base: Attributes,
  attributes: LogAttributes | undefined,
): string {
  // The SDK's own keys go first: the server lets the first of competing keys (msg vs message) win.
  const rec: Record<string, AttributeValue> = {
    time: formatLocalTime(ns),
    level,
    msg: '',
    service: s.service,
    host: s.host,
  };
  if (s.runId) rec.run_id = s.runId;
  const attrs: Attributes = { ...base };
  if (message instanceof Error) {
    rec.msg = message.message;
    addError(attrs, 'error', message);
  } else {
    rec.msg = typeof message === 'string' ? message : String(message);
  }
  if (attributes) normalizeAttributes(attributes, attrs);
  for (const [k, v] of Object.entries(attrs)) setAttr(rec, RESERVED.has(k) ? `attr.${k}` : k, v);
  return JSON.stringify(rec);
}

/**
 * Types attribute values: strings, finite numbers and booleans stay as they are (numbers
 * must stay numbers so `latency_ms>100` works); Errors become `<key>.type/.message/.stack`
 * (`err` is spelled `error`); Dates become RFC 3339; nested objects flatten with dots;
 * arrays and anything deeper become JSON; null, undefined and functions are left out.
 */
export function normalizeAttributes(input: LogAttributes, out: Attributes, prefix = '', depth = 0): Attributes {
  for (const key of Object.keys(input)) {
    const v = input[key];
    const k = prefix ? `${prefix}.${key}` : key;
    switch (typeof v) {
      case 'string':
      case 'boolean':
        setAttr(out, k, v);
        break;
      case 'number':
        setAttr(out, k, Number.isFinite(v) ? v : String(v)); // JSON has no NaN/Infinity
        break;
      case 'bigint':
        setAttr(out, k, v.toString());
        break;
      case 'object':
        if (v === null) break;
        if (v instanceof Error) addError(out, !prefix && key === 'err' ? 'error' : k, v);
        else if (v instanceof Date) setAttr(out, k, Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString());
        else if (Array.isArray(v) || depth >= MAX_DEPTH) setAttr(out, k, safeJson(v));
        else normalizeAttributes(v as LogAttributes, out, k, depth + 1);
        break;
      default:
        break; // undefined, function, symbol
    }
  }
  return out;
}

function addError(out: Attributes, key: string, err: Error): void {
  setAttr(out, `${key}.type`, err.name || err.constructor?.name || 'Error');
  setAttr(out, `${key}.message`, err.message);
  if (err.stack) setAttr(out, `${key}.stack`, err.stack);
}

/** `__proto__` from input must become a plain property, not the prototype. */
function setAttr(out: Attributes, key: string, value: AttributeValue): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? '';
  } catch {
    return '[unserializable]'; // cycles
  }
}
