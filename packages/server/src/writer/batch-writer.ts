import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { StellwerkError } from '../errors.ts';

/** Where a sealed batch goes: one insert of encoded rows, idempotent under its token. */
export type InsertBatch = (body: Buffer, dedupToken: string) => Promise<void>;

export interface BatchWriterOptions {
  kind: string;
  insert: InsertBatch;
  maxBatchRecords: number;
  maxBatchAgeMs: number;
  /**
   * A batch at least this large goes at once when no insert is in flight, instead of waiting
   * out maxBatchAgeMs: busy writers get large batches without waiting, and a trickle of tiny
   * requests still coalesces rather than making one part each.
   */
  minImmediateRecords?: number;
  maxQueuedRecords: number;
  maxQueuedBytes: number;
  /** How long a batch is retried while the store is unreachable before writers get a 503. */
  retryForMs?: number;
  log?: Logger;
  onStored?: (records: number, seconds: number) => void;
  onRetry?: () => void;
  onQueueDepth?: (records: number) => void;
}

interface Waiter {
  records: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Batch {
  parts: Buffer[];
  records: number;
  bytes: number;
  waiters: Waiter[];
  token: string;
}

/**
 * Collects encoded rows from many requests into batches (the engine wants few, large
 * inserts) and resolves each request only when the batch holding it is stored: a 2xx
 * means stored. Memory is bounded: past the queue limits `write` refuses at once with
 * STW_ERR_OVERLOADED instead of buffering more. A batch keeps its dedup token across
 * retries, so a retry after an unacknowledged insert that did land is not stored twice.
 */
export class BatchWriter {
  private open: Batch | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly sealed: Batch[] = [];
  private queuedRecords = 0;
  private queuedBytes = 0;
  private sending = false;
  private closed = false;
  private idle: Array<() => void> = [];

  constructor(private readonly options: BatchWriterOptions) {}

  get depth(): number {
    return this.queuedRecords;
  }

  /**
   * Queues encoded rows. With an idempotency token the rows go as their own batch under that
   * token, so a client's resend of the same request is deduplicated by the store.
   */
  write(encoded: Buffer | string, records: number, idempotencyToken?: string): Promise<void> {
    if (this.closed) {
      return Promise.reject(
        new StellwerkError('STW_ERR_STORE_UNAVAILABLE', 'Stellwerk is shutting down; retry shortly.', {
          retryAfterSec: 5,
        }),
      );
    }
    if (records === 0) return Promise.resolve();
    const part = typeof encoded === 'string' ? Buffer.from(encoded) : encoded;
    const bytes = part.length;
    const o = this.options;
    if (this.queuedRecords + records > o.maxQueuedRecords || this.queuedBytes + bytes > o.maxQueuedBytes) {
      const retryAfterSec = Math.max(1, Math.ceil(this.queuedRecords / 100_000));
      return Promise.reject(
        new StellwerkError(
          'STW_ERR_OVERLOADED',
          `The ${o.kind} ingest queue is full (${this.queuedRecords} records waiting); retry after ${retryAfterSec}s.`,
          { retryAfterSec },
        ),
      );
    }
    this.queuedRecords += records;
    this.queuedBytes += bytes;
    this.options.onQueueDepth?.(this.queuedRecords);
    return new Promise<void>((resolve, reject) => {
      const waiter = { records, resolve, reject };
      if (idempotencyToken) {
        this.sealed.push({ parts: [part], records, bytes, waiters: [waiter], token: idempotencyToken });
        this.pump();
        return;
      }
      if (!this.open) this.open = { parts: [], records: 0, bytes: 0, waiters: [], token: randomUUID() };
      const batch = this.open;
      batch.parts.push(part);
      batch.records += records;
      batch.bytes += bytes;
      batch.waiters.push(waiter);
      if (batch.records >= o.maxBatchRecords || (!this.sending && batch.records >= this.minImmediate)) this.seal();
      else if (!this.timer) this.timer = setTimeout(() => this.seal(), o.maxBatchAgeMs);
    });
  }

  /** Sends everything queued and resolves when it is stored (or has failed). */
  async flush(): Promise<void> {
    this.seal();
    if (!this.sending && this.sealed.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private seal(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.open) {
      this.sealed.push(this.open);
      this.open = null;
    }
    this.pump();
  }

  private get minImmediate(): number {
    return this.options.minImmediateRecords ?? Math.min(1000, this.options.maxBatchRecords);
  }

  private pump(): void {
    if (this.sending) return;
    // What piled up during the last insert goes next, if it is worth an insert of its own.
    if (this.sealed.length === 0 && this.open && this.open.records >= this.minImmediate) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.sealed.push(this.open);
      this.open = null;
    }
    const batch = this.sealed.shift();
    if (!batch) {
      for (const done of this.idle.splice(0)) done();
      return;
    }
    this.sending = true;
    this.send(batch)
      .then(
        () => {
          for (const w of batch.waiters) w.resolve();
        },
        (err) => {
          for (const w of batch.waiters) w.reject(err);
        },
      )
      .finally(() => {
        this.queuedRecords -= batch.records;
        this.queuedBytes -= batch.bytes;
        this.options.onQueueDepth?.(this.queuedRecords);
        this.sending = false;
        this.pump();
      });
  }

  private async send(batch: Batch): Promise<void> {
    const body = batch.parts.length === 1 ? (batch.parts[0] as Buffer) : Buffer.concat(batch.parts, batch.bytes);
    const deadline = Date.now() + (this.options.retryForMs ?? 30_000);
    let delay = 100;
    for (;;) {
      const started = performance.now();
      try {
        await this.options.insert(body, batch.token);
        this.options.onStored?.(batch.records, (performance.now() - started) / 1000);
        return;
      } catch (err) {
        const retryable = err instanceof StellwerkError && err.code === 'STW_ERR_STORE_UNAVAILABLE';
        if (!retryable || Date.now() + delay > deadline) throw err;
        this.options.onRetry?.();
        this.options.log?.warn(
          { kind: this.options.kind, records: batch.records, delayMs: delay },
          'store unavailable; retrying batch',
        );
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
  }
}
