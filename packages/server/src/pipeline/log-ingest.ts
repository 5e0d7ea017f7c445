import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { LogRecord } from '@stellwerk/contracts';
import type { Metrics } from '../observability/metrics.ts';
import type { LogIngestResult, LogIngestService } from '../receivers/logs-http.ts';
import type { BatchWriter } from '../writer/batch-writer.ts';
import { encodeLogRecords } from '../writer/encode-logs.ts';
import type { InputError, LogContext, LogInput } from './log-input.ts';
import { parseJsonObject, parseLine } from './parse-line.ts';
import { toLogRecord } from './to-record.ts';
import type { ParserHint } from './types.ts';

const HINTS = new Set(['auto', 'json', 'logfmt', 'logrus', 'python', 'raw']);

/**
 * Inputs handled between two yields to the event loop. Parsing and encoding cost about
 * 10 µs a line, so a slice blocks the loop for roughly 10 ms however large the request.
 */
const SLICE = 1000;

/** The log path after a receiver: parse and enrich each input, then hand the batch to the writer. */
export class LogIngest implements LogIngestService {
  constructor(
    private readonly writer: BatchWriter,
    private readonly metrics: Metrics,
    private readonly limits: { maxAttributes: number; retentionMs: number; retentionText: string },
  ) {}

  async ingest(
    inputs: LogInput[],
    context: LogContext,
    options: { idempotencyToken?: string; atomic?: boolean; receiver: string },
  ): Promise<LogIngestResult> {
    const hint = (context.format && HINTS.has(context.format) ? context.format : 'auto') as ParserHint;
    let records: LogRecord[] = [];
    let encoded = '';
    let accepted = 0;
    const oldestKeptMs = Date.now() - this.limits.retentionMs;
    const errors: InputError[] = [];
    for (let i = 0; i < inputs.length; i++) {
      if (i > 0 && i % SLICE === 0) {
        encoded += encodeLogRecords(records);
        accepted += records.length;
        records = [];
        await yieldToLoop();
      }
      const input = inputs[i] as LogInput;
      const parsed =
        input.kind === 'object' ? parseJsonObject(input.value) : parseLine(input.line, input.json ? 'json' : hint);
      if (input.kind === 'line' && input.json && parsed.format !== 'json') {
        errors.push({ line: input.position, reason: 'not a valid JSON object (the body was declared as NDJSON)' });
        continue;
      }
      const attributeCount = Object.keys(parsed.attributes).length;
      if (attributeCount > this.limits.maxAttributes) {
        errors.push({
          line: input.position,
          reason: `${attributeCount} attributes exceed the limit of ${this.limits.maxAttributes} (ingest.maxAttributes)`,
        });
        continue;
      }
      const record = toLogRecord(parsed, context);
      // The store's TTL would delete such a record at once: a 2xx for it would be a lie.
      if (Number(record.ts.slice(0, -6)) < oldestKeptMs) {
        errors.push({
          line: input.position,
          reason: `its time is older than the logs retention (${this.limits.retentionText}) and would be deleted at once; raise retention.logs to keep old records`,
        });
        continue;
      }
      records.push(record);
    }
    this.metrics.recordsReceived.inc({ receiver: options.receiver, kind: 'logs' }, inputs.length);
    if (errors.length > 0)
      this.metrics.recordsRejected.inc({ receiver: options.receiver, reason: 'invalid' }, errors.length);
    encoded += encodeLogRecords(records);
    accepted += records.length;
    if (options.atomic && errors.length > 0) return { accepted: 0, rejected: errors.length, errors };
    await this.writer.write(encoded, accepted, options.idempotencyToken);
    return { accepted, rejected: errors.length, errors };
  }
}
