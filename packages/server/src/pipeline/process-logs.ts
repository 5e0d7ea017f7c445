import type { LogRecord } from '@stellwerk/contracts';
import { encodeLogRecords } from '../writer/encode-logs.ts';
import type { InputError, LogContext, LogInput } from './log-input.ts';
import { parseJsonObject, parseLine } from './parse-line.ts';
import { splitLines } from './split-lines.ts';
import { toLogRecord } from './to-record.ts';
import type { ParserHint } from './types.ts';

export interface ProcessLogsJob {
  inputs: LogInput[];
  context: LogContext;
  hint: ParserHint;
  maxAttributes: number;
  maxLineBytes: number;
  /** Records older than this (epoch ms) would be deleted by retention at once. */
  oldestKeptMs: number;
  retentionText: string;
}

export interface ProcessLogsResult {
  /** The accepted records as JSONEachRow rows for the logs table. */
  encoded: Buffer;
  accepted: number;
  errors: InputError[];
  /** Records the request held, valid or not. */
  received: number;
}

/**
 * Parses, validates and encodes one request's inputs. Pure and synchronous, so it runs the
 * same on the event loop (small requests) or in a pipeline worker thread (large ones).
 */
export function processLogs(job: ProcessLogsJob): ProcessLogsResult {
  const records: LogRecord[] = [];
  const errors: InputError[] = [];
  const inputs: LogInput[] = [];
  for (const input of job.inputs) {
    if (input.kind === 'lines') splitLines(input.text, input.json, job.maxLineBytes, inputs, errors);
    else inputs.push(input);
  }
  for (const input of inputs) {
    if (input.kind === 'lines') continue;
    const parsed =
      input.kind === 'object' ? parseJsonObject(input.value) : parseLine(input.line, input.json ? 'json' : job.hint);
    if (input.kind === 'line' && input.json && parsed.format !== 'json') {
      errors.push({ line: input.position, reason: 'not a valid JSON object (the body was declared as NDJSON)' });
      continue;
    }
    const attributeCount = Object.keys(parsed.attributes).length;
    if (attributeCount > job.maxAttributes) {
      errors.push({
        line: input.position,
        reason: `${attributeCount} attributes exceed the limit of ${job.maxAttributes} (ingest.maxAttributes)`,
      });
      continue;
    }
    const record = toLogRecord(parsed, job.context);
    // The store's TTL would delete such a record at once: a 2xx for it would be a lie.
    if (Number(record.ts.slice(0, -6)) < job.oldestKeptMs) {
      errors.push({
        line: input.position,
        reason: `its time is older than the logs retention (${job.retentionText}) and would be deleted at once; raise retention.logs to keep old records`,
      });
      continue;
    }
    records.push(record);
  }
  errors.sort((a, b) => a.line - b.line);
  return {
    encoded: Buffer.from(encodeLogRecords(records)),
    accepted: records.length,
    errors,
    received: inputs.length + errors.length,
  };
}
