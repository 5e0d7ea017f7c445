/**
 * Delivery of one run's requests, one at a time. The run's own records (creation, samples,
 * end) go in the order they were made and before any waiting log batch: they are small, and
 * the run's end must be recorded promptly even behind a flood of output. Log batches carry
 * their own time, so they may follow. From the first sign that the server is unavailable
 * (unreachable, overloaded, failing), everything goes to the spool instead, in the same
 * order; output faster than the server stores overflows into the spool too. The wrapped
 * command never waits for any of it; each condition is told once, in one line on stderr.
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

const isLogs = (req: ApiRequest) => req.path.startsWith('/api/v1/logs');

export class Delivery {
  private readonly records: ApiRequest[] = [];
  private readonly logs: ApiRequest[] = [];
  private inFlight: ApiRequest | undefined;
  private logBytes = 0;
  private offline = false;
  private overflowed = false;
  private spoolFailed = false;
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
    return this.records.length + this.logs.length + (this.inFlight ? 1 : 0);
  }

  /**
   * Asks the server whether it would take this run's writes (reachable, and the token has the
   * ingest scope) with one cheap read, then queues `create` as the first record: the command
   * can start at once instead of waiting for the creation to be stored. Returns whether the
   * server answered, which decides what the child is told. Records keep their order, so the
   * creation still reaches the server before anything of the run. `create` may still be in
   * the making (the git commit it names): the probe does not wait for it.
   */
  async begin(create: ApiRequest | Promise<ApiRequest>, timeoutMs: number, probeKey: string): Promise<boolean> {
    const [probe, ready] = await Promise.all([
      this.options.client.send(
        { method: 'GET', path: '/api/v1/session', contentType: 'application/json', body: '', key: probeKey },
        timeoutMs,
      ),
      create,
    ]);
    create = ready;
    if (probe.kind === 'unavailable') {
      this.goOffline(probe.reason, [create]);
      return false;
    }
    const session = probe.kind === 'stored' ? parseSession(probe.body) : undefined;
    if (!session) {
      // Not a Stellwerk that says what it allows (an older one, a proxy): send and see.
      return this.start(create, timeoutMs);
    }
    if (session.authRequired && !session.scopes.some((s) => s === 'ingest' || s === 'admin')) {
      const why = session.scopes.length === 0 ? 'the token was not accepted' : 'the token lacks the ingest scope';
      this.goOffline(`401 ${why}`, [create]);
      return false;
    }
    this.enqueue(create);
    return true;
  }

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
    if (!isLogs(req)) {
      this.records.push(req);
    } else if (this.logBytes + req.body.length > this.maxPendingBytes) {
      // Output faster than the server stores it: the wrapper's memory stays bounded.
      if (!this.overflowed) {
        this.overflowed = true;
        this.options.warn(
          `stellwerk: ${this.options.client.url} is not keeping up with the output; further log lines are kept in ${this.options.spool.file} — send them later with \`stellwerk flush\``,
        );
      }
      this.spoolSafely([req]);
      return;
    } else {
      this.logs.push(req);
      this.logBytes += req.body.length;
    }
    void this.pump();
  }

  /** Waits until everything is sent, or `deadlineMs` (epoch) passes; then spools what is left. */
  async drain(deadlineMs: number): Promise<void> {
    if (!this.offline && this.pending > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadlineMs - Date.now()));
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.pending > 0) this.goOffline('it did not take everything before the run ended', this.takeAll());
  }

  /** Everything not yet stored, in flight first (a resend of it is harmless: it has its key). */
  private takeAll(): ApiRequest[] {
    const all = [...(this.inFlight ? [this.inFlight] : []), ...this.records.splice(0), ...this.logs.splice(0)];
    this.inFlight = undefined;
    this.logBytes = 0;
    return all;
  }

  private async pump(): Promise<void> {
    if (this.inFlight) return;
    while (!this.offline) {
      // onIdle may have handed over a batch that started a send of its own.
      if (this.inFlight) return;
      const req = this.records.shift() ?? this.logs.shift();
      if (!req) break;
      if (isLogs(req)) this.logBytes -= req.body.length;
      this.inFlight = req;
      const result = await this.options.client.send(req);
      if (this.inFlight !== req) return; // taken into the spool while in flight
      this.inFlight = undefined;
      if (
        result.kind === 'unavailable' ||
        (result.kind === 'refused' && (result.status === 401 || result.status === 403))
      ) {
        this.goOffline(result.reason, [req, ...this.takeAll()]);
        return;
      }
      if (result.kind === 'refused') this.refused(req, result.reason);
      if (this.pending === 0) this.options.onIdle?.();
    }
    if (this.pending === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private goOffline(reason: string, requests: ApiRequest[]): void {
    const first = !this.offline;
    this.offline = true;
    this.spoolSafely(requests);
    for (const w of this.idleWaiters.splice(0)) w();
    if (first) {
      const { client, spool } = this.options;
      this.options.warn(
        `stellwerk: ${client.url} is unavailable (${reason}); this run is kept in ${spool.file} — send it later with \`stellwerk flush\``,
      );
    }
  }

  private spoolSafely(requests: ApiRequest[]): void {
    if (requests.length === 0) return;
    try {
      this.options.spool.append(requests);
    } catch (err) {
      if (this.spoolFailed) return;
      this.spoolFailed = true;
      this.options.warn(`stellwerk: cannot write the spool (${(err as Error).message}); this run's records are lost`);
    }
  }

  private refused(req: ApiRequest, reason: string): void {
    // One line per run is enough to say that something is wrong; more would drown the output.
    if (this.refusals++ === 0) {
      this.options.warn(`stellwerk: the server refused ${req.method} ${req.path.split('?')[0]}: ${reason}`);
    }
  }
}

function parseSession(body: string): { authRequired: boolean; scopes: string[] } | undefined {
  try {
    const v = JSON.parse(body) as { authRequired?: unknown; scopes?: unknown };
    if (typeof v.authRequired !== 'boolean' || !Array.isArray(v.scopes)) return undefined;
    return { authRequired: v.authRequired, scopes: v.scopes.map(String) };
  } catch {
    return undefined;
  }
}
