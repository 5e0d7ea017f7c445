/** Log records as they flow from receivers through the pipeline to the writer. */

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Attribute values keep their type so that numbers compare as numbers in queries. */
export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

export interface LogRecord {
  /** Event time as epoch nanoseconds in a decimal string: ns precision does not fit a float64. */
  ts: string;
  /** The source's UTC offset in minutes (e.g. -480 for -08:00), so the time can be shown as written. */
  tzOffsetMin: number;
  /** When Stellwerk received the record, epoch nanoseconds. */
  observedTs: string;
  service: string;
  host: string;
  level: LogLevel;
  /** The level exactly as the source wrote it (`ERRO`, `WARNING`, `E`, ...). */
  levelRaw: string;
  message: string;
  attributes: Attributes;
  resource: Record<string, string>;
  runId: string;
  traceId: string;
  spanId: string;
}

/** A record as the search API returns it. */
export interface LogRecordView {
  /** RFC 3339 with nanoseconds and the source's offset, e.g. 2021-01-06T17:44:13.368024402-08:00 */
  time: string;
  observedTime: string;
  level: LogLevel;
  levelRaw: string;
  service: string;
  host: string;
  message: string;
  attributes: Attributes;
  resource: Record<string, string>;
  runId?: string;
  traceId?: string;
  spanId?: string;
}

export interface LogSearchResponse {
  records: LogRecordView[];
  /** Opaque cursor for the next (older) page, or null at the end. */
  next: string | null;
}

export interface LogHistogramResponse {
  /** Bucket width in milliseconds. */
  stepMs: number;
  buckets: Array<{ t: number; count: number; byLevel: Partial<Record<LogLevel, number>> }>;
  total: number;
}

export interface FacetResponse {
  field: string;
  values: Array<{ value: string; count: number }>;
}
