import type { Metrics } from '../observability/metrics.ts';
import type { BatchWriter } from '../writer/batch-writer.ts';
import type { LogContext, LogIngestResult, LogIngestService, LogInput } from './log-input.ts';
import { type ProcessLogsJob, processLogs } from './process-logs.ts';
import type { ParserHint } from './types.ts';
import type { PipelineWorkers } from './worker-pool.ts';

const HINTS = new Set(['auto', 'json', 'logfmt', 'logrus', 'python', 'raw']);

/** Requests smaller than this are handled on the loop: a thread hop would cost more. */
const INLINE_MAX_CHARS = 64 * 1024;
const INLINE_MAX_OBJECTS = 200;

function isSmall(inputs: LogInput[]): boolean {
  let chars = 0;
  for (const input of inputs) {
    if (input.kind === 'lines') chars += input.text.length;
    else if (input.kind === 'line') chars += input.line.length;
  }
  return chars < INLINE_MAX_CHARS && inputs.length < INLINE_MAX_OBJECTS;
}

/** The log path after a receiver: parse and enrich each input, then hand the batch to the writer. */
export class LogIngest implements LogIngestService {
  constructor(
    private readonly writer: BatchWriter,
    private readonly metrics: Metrics,
    private readonly limits: {
      maxAttributes: number;
      maxLineBytes: number;
      retentionMs: number;
      retentionText: string;
    },
    private readonly workers?: PipelineWorkers,
  ) {}

  async ingest(
    inputs: LogInput[],
    context: LogContext,
    options: { idempotencyToken?: string; atomic?: boolean; receiver: string },
  ): Promise<LogIngestResult> {
    const job: ProcessLogsJob = {
      inputs,
      context,
      hint: (context.format && HINTS.has(context.format) ? context.format : 'auto') as ParserHint,
      maxAttributes: this.limits.maxAttributes,
      maxLineBytes: this.limits.maxLineBytes,
      oldestKeptMs: Date.now() - this.limits.retentionMs,
      retentionText: this.limits.retentionText,
    };
    const { encoded, accepted, errors, received } =
      this.workers && !isSmall(inputs) ? await this.workers.processLogs(job) : processLogs(job);
    this.metrics.recordsReceived.inc({ receiver: options.receiver, kind: 'logs' }, received);
    if (errors.length > 0)
      this.metrics.recordsRejected.inc({ receiver: options.receiver, reason: 'invalid' }, errors.length);
    if (options.atomic && errors.length > 0) return { accepted: 0, rejected: errors.length, errors };
    await this.writer.write(
      Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength),
      accepted,
      options.idempotencyToken,
    );
    return { accepted, rejected: errors.length, errors };
  }
}
