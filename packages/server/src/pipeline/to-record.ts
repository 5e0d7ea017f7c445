/** ParsedLine + ingest context → LogRecord (the contracts type the writer stores). */
import type { LogRecord } from '@stellwerk/contracts';
import { normalizeLevel } from './level.ts';
import type { ParsedLine } from './types.ts';

export interface RecordContext {
  /** Default service for lines that do not name one (from the source config or request). */
  service: string;
  /** Default host, likewise. */
  host: string;
  /** Resource attributes of the source; shared by reference across its records, never mutated here. */
  resource: Record<string, string>;
  /** Receive time, epoch ns. Used as the event time for lines without a readable timestamp. */
  observedNs: string;
  /** Default ML run id (e.g. set by the SDK for everything logged inside a run). */
  runId?: string;
}

/**
 * Builds the record. Precedence: what the line itself says wins over the context, because
 * the context is a per-source default while a line's own `service`/`host`/`run_id` is the
 * more specific statement (one collector often forwards many services). The context fills
 * only what the line leaves out. Lines without a level are `info` with an empty levelRaw.
 */
export function toLogRecord(p: ParsedLine, ctx: RecordContext): LogRecord {
  const ts = p.ts;
  const levelRaw = p.levelRaw ?? '';
  return {
    ts: ts === undefined ? ctx.observedNs : ts.ns,
    tzOffsetMin: ts === undefined ? 0 : ts.offsetMin,
    observedTs: ctx.observedNs,
    service: p.service || ctx.service,
    host: p.host || ctx.host,
    level: levelRaw === '' ? 'info' : normalizeLevel(levelRaw),
    levelRaw,
    message: p.message,
    attributes: p.attributes,
    resource: ctx.resource,
    runId: p.runId || ctx.runId || '',
    traceId: p.traceId ?? '',
    spanId: p.spanId ?? '',
  };
}
