/**
 * A bounded batching queue with one request in flight. Items (encoded records) are batched
 * by count, bytes and age; a batch is prepared once and resent unchanged on retryable
 * answers, so its idempotency key and body stay the same. Memory is bounded: past the
 * limits new items are dropped and counted, never buffered, and `push` never throws or waits.
 * Generic over the prepared request so other record kinds (run tracking) can reuse it.
 */
import { SdkError } from './errors.ts';
import { utf8Length } from './platform.ts';
import type { SendResult } from './transport.ts';

/** Record counts since the queue was created. */
export interface QueueStats {
  /** Stored by the server (acknowledged). */
  sent: number;
  /** Never sent: the queue was full, the record too large, or it was logged after shutdown or still waiting at the shutdown deadline. */
  dropped: number;
  /** Sent but not stored: refused by the server, retries exhausted, or abandoned at the shutdown deadline. */
  failed: number;
  /** Record sends repeated after a retryable answer (a batch of 50 retried twice counts 100). */
  retried: number;
  /** Waiting or in flight right now. */
  queued: number;
}

export interface BatchQueueOptions<P> {
  /** A batch is sent once it holds this many records... */
  maxBatchRecords: number;
  /** ...or this many bytes... */
  maxBatchBytes: number;
  /** ...or its oldest record has waited this long. */
  flushIntervalMs: number;
  /** Records waiting or in flight; more are dropped. */
  maxQueueRecords: number;
  maxQueueBytes: number;
  /** A single record above this is dropped: the server would refuse the line anyway. */
  maxRecordBytes: number;
  /** Sends of one batch in total before it counts as failed. */
  maxAttempts: number;
  /** Builds the request for a batch once; retries resend it unchanged. */
  prepare: (items: string[]) => Promise<P>;
  send: (prepared: P, ctx: { attempt: number; signal: AbortSignal }) => Promise<SendResult>;
  onError: (err: SdkError) => void;
}

export class BatchQueue<P> {
  private items: string[] = [];
  private sizes: number[] = [];
  private pendingBytes = 0;
  private inFlightRecords = 0;
  private inFlightBytes = 0;
  private sending = false;
  /** The age timer fired: send what is pending even if the batch is not full. */
  private due = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private dropping = false;
  private closing: Promise<void> | undefined;
  private readonly abort = new AbortController();
  /** Records ever accepted by push, and records settled (sent, failed, or dropped after acceptance). */
  private accepted = 0;
  private settled = 0;
  private waiters: Array<{ target: number; resolve: () => void }> = [];
  private readonly counts = { sent: 0, dropped: 0, failed: 0, retried: 0 };

  constructor(private readonly o: BatchQueueOptions<P>) {}

  stats(): QueueStats {
    return { ...this.counts, queued: this.items.length + this.inFlightRecords };
  }

  /** Queues one encoded record; false if it was dropped (and counted). Never throws. */
  push(item: string): boolean {
    if (this.closed) {
      this.counts.dropped++;
      if (!this.dropping) {
        this.dropping = true;
        this.report(
          new SdkError('queue_full', 'Records logged after shutdown() are dropped (counted in stats().dropped).'),
        );
      }
      return false;
    }
    const bytes = utf8Length(item) + 1; // + the newline that separates NDJSON lines
    if (bytes > this.o.maxRecordBytes) {
      this.counts.dropped++;
      this.report(
        new SdkError(
          'record_too_large',
          `A record of ${bytes} bytes exceeds the limit of ${this.o.maxRecordBytes} bytes; it is dropped. Log less per record.`,
          { records: 1 },
        ),
      );
      return false;
    }
    const queued = this.items.length + this.inFlightRecords;
    if (queued + 1 > this.o.maxQueueRecords || this.pendingBytes + this.inFlightBytes + bytes > this.o.maxQueueBytes) {
      this.counts.dropped++;
      // Once per episode of dropping: a flood must not turn into a flood of onError calls.
      if (!this.dropping) {
        this.dropping = true;
        this.report(
          new SdkError(
            'queue_full',
            `The SDK queue is full (${queued} records waiting); new records are dropped until there is room (counted in stats().dropped). Raise maxQueue or log less.`,
          ),
        );
      }
      return false;
    }
    this.dropping = false;
    this.items.push(item);
    this.sizes.push(bytes);
    this.pendingBytes += bytes;
    this.accepted++;
    this.pump();
    return true;
  }

  /** Resolves once every record pushed before the call is stored, failed or dropped. Never rejects. */
  flush(): Promise<void> {
    const target = this.accepted;
    if (this.settled >= target) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push({ target, resolve });
      this.pump();
    });
  }

  /**
   * Stops taking records, flushes, and after `deadlineMs` abandons what is left (counted):
   * the in-flight request is aborted, waiting records are dropped. Timers are cleared.
   */
  close(deadlineMs: number): Promise<void> {
    this.closing ??= this.doClose(deadlineMs);
    return this.closing;
  }

  private async doClose(deadlineMs: number): Promise<void> {
    this.closed = true;
    const drained = this.flush();
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const expired = await Promise.race([
      drained.then(() => false),
      new Promise<boolean>((resolve) => {
        deadline = setTimeout(() => resolve(true), deadlineMs);
        unref(deadline);
      }),
    ]);
    clearTimeout(deadline);
    this.clearTimer();
    if (!expired) return;
    const waiting = this.items.length;
    const inFlight = this.inFlightRecords;
    // Abort first, then drop synchronously, so the in-flight batch cannot pick up another.
    this.abort.abort();
    this.items = [];
    this.sizes = [];
    this.pendingBytes = 0;
    this.counts.dropped += waiting;
    this.settle(waiting);
    this.report(
      new SdkError(
        'aborted',
        `shutdown() reached its deadline of ${deadlineMs} ms: ${inFlight} records in flight failed and ${waiting} waiting records were dropped.`,
        { records: inFlight + waiting },
      ),
    );
    await drained;
  }

  private pump(): void {
    if (this.sending || this.abort.signal.aborted) return;
    if (this.items.length === 0) {
      this.due = false;
      this.clearTimer();
      return;
    }
    const full = this.items.length >= this.o.maxBatchRecords || this.pendingBytes >= this.o.maxBatchBytes;
    if (!full && !this.due && this.waiters.length === 0) {
      this.armTimer();
      return;
    }
    let n = 0;
    let bytes = 0;
    while (n < this.items.length && n < this.o.maxBatchRecords) {
      const b = this.sizes[n] ?? 0;
      if (n > 0 && bytes + b > this.o.maxBatchBytes) break;
      bytes += b;
      n++;
    }
    const batch = this.items.splice(0, n);
    this.sizes.splice(0, n);
    this.pendingBytes -= bytes;
    this.inFlightRecords = n;
    this.inFlightBytes = bytes;
    this.sending = true;
    this.clearTimer();
    void this.ship(batch).then(() => {
      this.sending = false;
      this.pump();
    });
  }

  private async ship(batch: string[]): Promise<void> {
    const n = batch.length;
    const signal = this.abort.signal;
    let prepared: P;
    try {
      prepared = await this.o.prepare(batch);
    } catch (err) {
      this.counts.failed += n;
      this.report(new SdkError('encode', `Could not encode a batch of ${n} records.`, { records: n, cause: err }));
      this.landed(n);
      return;
    }
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) break;
      let result: SendResult;
      try {
        result = await this.o.send(prepared, { attempt, signal });
      } catch (err) {
        // A transport must not throw; if one does, the batch fails rather than the app.
        result = { kind: 'failure', error: new SdkError('internal', 'The transport threw.', { cause: err }) };
      }
      if (result.kind === 'success') {
        this.counts.sent += n;
        this.landed(n);
        return;
      }
      if (result.kind === 'failure') {
        // A mixed batch: what the server stored is sent, never resent; the rest failed.
        const stored = Math.min(n, Math.max(0, result.accepted ?? 0));
        this.counts.sent += stored;
        this.counts.failed += n - stored;
        if (!signal.aborted) this.report(result.error);
        this.landed(n);
        return;
      }
      if (attempt >= this.o.maxAttempts) {
        this.counts.failed += n;
        this.report(
          new SdkError(
            'retries_exhausted',
            `Gave up on ${n} records after ${attempt} attempts. Last: ${result.error.message}`,
            { status: result.status, records: n, cause: result.error },
          ),
        );
        this.landed(n);
        return;
      }
      this.counts.retried += n;
      await sleep(result.retryAfterMs, signal);
    }
    // Aborted at the shutdown deadline (reported once by close).
    this.counts.failed += n;
    this.landed(n);
  }

  /** The in-flight batch is done (whatever the outcome): it no longer counts as queued. */
  private landed(n: number): void {
    this.inFlightRecords = 0;
    this.inFlightBytes = 0;
    this.settle(n);
  }

  private settle(n: number): void {
    if (n === 0) return;
    this.settled += n;
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.settled >= w.target) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private armTimer(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.due = true;
      this.pump();
    }, this.o.flushIntervalMs);
    unref(this.timer);
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private report(err: SdkError): void {
    try {
      this.o.onError(err);
    } catch {
      // The user's handler failing must not reach the code that logged.
    }
  }
}

/** Timers must never keep a process alive just to ship logs. */
function unref(t: unknown): void {
  (t as { unref?: () => void } | undefined)?.unref?.();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    unref(t);
    signal.addEventListener('abort', done, { once: true });
  });
}
