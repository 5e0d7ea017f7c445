/** What a log receiver hands the pipeline: protocol decoded, nothing parsed or enriched yet. */
export type LogInput =
  /** A text line; `json` means the protocol promised JSON (NDJSON), so anything else is an error. */
  | { kind: 'line'; line: string; position: number; json?: boolean }
  /** A newline-delimited block (a text or NDJSON body); lines are numbered from 1. */
  | { kind: 'lines'; text: string; json: boolean }
  /** An already decoded JSON object (a JSON body, or an element of a JSON array). */
  | { kind: 'object'; value: Record<string, unknown>; position: number };

/** Defaults the request supplies for records that do not name these themselves. */
export interface LogContext {
  service: string;
  host: string;
  resource: Record<string, string>;
  runId: string;
  /** Forces one parser instead of per-line auto-detection. */
  format?: string;
  /** Receive time, epoch nanoseconds. */
  observedNs: string;
}

export interface InputError {
  /** 1-based line number, or index + 1 in a JSON array. */
  line: number;
  reason: string;
}

export interface LogIngestResult {
  accepted: number;
  rejected: number;
  errors: InputError[];
}

/** The ingest path a receiver hands its inputs to: pipeline, then writer. */
export interface LogIngestService {
  ingest(
    inputs: LogInput[],
    context: LogContext,
    options: { idempotencyToken?: string; atomic?: boolean; receiver: string },
  ): Promise<LogIngestResult>;
}
