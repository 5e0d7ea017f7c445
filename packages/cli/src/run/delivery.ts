/**
 * Ordered delivery of one run's requests: sent one at a time in the order they were made,
 * and, from the first sign that the server is unavailable (unreachable, overloaded,
 * failing), everything from that request on goes to the spool instead, still in order.
 * Output faster than the server can store overflows into the spool too. The wrapped command
 * never waits for any of it; each condition is told once, in one line on stderr.
 */
import type { ApiClient, ApiRequest } from './client.ts';
import type { SpoolWriter } from './spool.ts';

export interface DeliveryOptions {
  client: ApiClient;
  spool: SpoolWriter;
  warn: (line: string) => void;
  /** Log bytes waiting to be sent beyond which further log batches are spooled. Default 32 MiB. */
  maxPendingBytes?: number;
  /** Called whenever the queue empties, so batchers can hand over what they held back. */
  onIdle?: () => void;
}

export class Delivery {
  private readonly queue: ApiRequest[] = [];
  private pendingBytes = 0;
  private sending = false;
  private offline = false;
  private refusals = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly maxPendingBytes: number;

  constructor(private readonly options: DeliveryOptions) {
    this.maxPendingBytes = options.maxPendingBytes ?? 32 * 1024 * 1024;
  }

  get isOffline(): boolean {
    return this.offline;
  }

  /** Requests waiting or in flight. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Sends the first request (creating the run) and waits for its answer, up to
   * `timeoutMs`: whether the server answered decides what the child is told. Returns true
   * when it was stored.
   */
  async start(req: ApiRequest, timeoutMs: number): Promise<boolean> {
    const result = await this.options.client.send(req, timeoutMs);
    if (result.kind === 'stored') return true;
    if (result.kind === 'unavailable' || result.status === 401 || result.status === 403) {
      this.goOffline(result.reason, [req]);
    } else {
      this.refused(req, result.reason);
    }
    return false;
  }

  enqueue(req: ApiRequest): void {
    if (this.offline) {
      this.spoolSafely([req]);
      return;
    }
    // Output faster than the server stores it: log batches beyond the limit go to the spool
    // (they carry their own time, so order among them does not matter), while the run's own
    // records, which are small and must stay in order, keep going live.
    if (this.pendingBytes + req.body.length > this.maxPendingBytes && req.path.startsWith('/api/v1/logs')) {
      if (!this.overflowed) {
        this.overflowed = true;
        this.options.warn(
          `stellwerk: ${this.options.client.url} is not keeping up with the output; further log lines are kept in ${this.options.spool.file} — send them later with \`stellwerk flush\``,
        );
      }
      this.spoolSafely([req]);
      return;
    }
    this.queue.push(req);
    this.pendingBytes += req.body.length;
    void this.pump();
  }

  private overflowed = false;

  /** Waits until everything is sent, or `deadlineMs` (epoch) passes; then spools what is left. */
  async drain(deadlineMs: number): Promise<void> {
    if (!this.offline && this.queue.length > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadlineMs - Date.now()));
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.queue.length > 0) this.goOffline('it did not take everything before the run ended', this.takeAll());
  }

  private takeAll(): ApiRequest[] {
    const all = this.queue.splice(0);
    this.pendingBytes = 0;
    return all;
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (!this.offline && this.queue.length > 0) {
        const req = this.queue[0] as ApiRequest;
        const result = await this.options.client.send(req);
        if (this.queue[0] !== req) continue; // drained away while in flight
        if (
          result.kind === 'unavailable' ||
          (result.kind === 'refused' && (result.status === 401 || result.status === 403))
        ) {
          this.goOffline(result.reason, this.takeAll());
          break;
        }
        this.queue.shift();
        this.pendingBytes -= req.body.length;
        if (result.kind === 'refused') this.refused(req, result.reason);
      }
    } finally {
      this.sending = false;
    }
    if (this.queue.length === 0) {
      this.options.onIdle?.();
      if (this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private goOffline(reason: string, requests: ApiRequest[]): void {
    const first = !this.offline;
    this.offline = true;
    this.spoolSafely(requests);
    if (first) {
      const { client, spool } = this.options;
      this.options.warn(
        `stellwerk: ${client.url} is unavailable (${reason}); this run is kept in ${spool.file} — send it later with \`stellwerk flush\``,
      );
    }
  }

  private spoolSafely(requests: ApiRequest[]): void {
    try {
      this.options.spool.append(requests);
    } catch (err) {
      if (this.spoolFailed) return;
      this.spoolFailed = true;
      this.options.warn(`stellwerk: cannot write the spool (${(err as Error).message}); this run's records are lost`);
    }
  }

  private spoolFailed = false;

  private refused(req: ApiRequest, reason: string): void {
    // One line per run is enough to say that something is wrong; more would drown the output.
    if (this.refusals++ === 0) {
      this.options.warn(`stellwerk: the server refused ${req.method} ${req.path.split('?')[0]}: ${reason}`);
    }
  }
}
