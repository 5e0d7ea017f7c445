import { SessionSlot, type StatementRequest, type StatementResult } from './session-slot.ts';
import { overlayOf, type SettingsMap, settingsSignature } from './settings.ts';

export interface SessionPoolOptions {
  dataDir: string;
  connectionArgs: string[];
  /** Writable connections; each runs one statement at a time. */
  size: number;
  maxExecutionTimeSec: number;
  /** Readonly connections kept for distinct settings combinations (the plain one always stays). */
  maxReadonlySlots: number;
}

export interface PoolRequest extends StatementRequest {
  readonly: boolean;
}

/** A connection plus the requests waiting for it. */
class Lane {
  busy = false;
  lastUsed = Date.now();
  readonly waiters: Array<() => void> = [];
  constructor(readonly slot: SessionSlot) {}
}

/**
 * Connections on the one data directory. Writable requests go to any free writable
 * connection, in arrival order. Readonly requests go to a connection opened with
 * `readonly=1`, which no statement can lift (appending SETTINGS to user SQL can be
 * bypassed with a comment). readonly=1 also forbids changing settings, so such a
 * connection serves one combination of settings; a few combinations are kept.
 */
export class SessionPool {
  private readonly writable: Lane[] = [];
  private readonly writableWaiters: Array<(lane: Lane) => void> = [];
  private readonly readonlyLanes = new Map<string, Lane>();
  private readonly pendingReadonly = new Map<string, Promise<Lane>>();
  private paramTail: Promise<unknown> = Promise.resolve();
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  readonly baseline: SettingsMap;

  private constructor(private readonly opts: SessionPoolOptions) {
    this.baseline = new Map([
      ['max_execution_time', String(opts.maxExecutionTimeSec)],
      // ClickHouse's default; chDB's is 0, which would make JSON results differ between the two.
      ['output_format_json_quote_64bit_integers', '1'],
    ]);
  }

  static async open(opts: SessionPoolOptions): Promise<SessionPool> {
    const pool = new SessionPool(opts);
    try {
      // The first connection opens the data directory; the others attach to it.
      for (let i = 0; i < opts.size; i++) pool.writable.push(new Lane(await pool.openSlot(false, pool.baseline)));
      pool.readonlyLanes.set('', new Lane(await pool.openSlot(true, pool.baseline)));
    } catch (err) {
      pool.closeSlots();
      throw err;
    }
    return pool;
  }

  private openSlot(readonly: boolean, baseline: SettingsMap): Promise<SessionSlot> {
    return SessionSlot.open({
      dataDir: this.opts.dataDir,
      connectionArgs: this.opts.connectionArgs,
      baseline,
      readonly,
      runParameterised: (fn) => this.runParameterised(fn),
    });
  }

  /**
   * Parameterised statements run one at a time across all connections: chDB's parameter
   * state is not isolated per connection, and overlapping use can abort the engine
   * (chdb-node serialises them process-wide for the same reason).
   */
  private runParameterised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.paramTail.then(fn);
    this.paramTail = run.catch(() => undefined);
    return run;
  }

  get activeRequests(): number {
    return this.inFlight;
  }

  async execute(req: PoolRequest): Promise<StatementResult> {
    if (this.closed) throw new Error('the engine is shutting down');
    this.inFlight++;
    try {
      const lane = req.readonly ? await this.acquireReadonly(req.settings) : await this.acquireWritable();
      try {
        return await lane.slot.run(req);
      } finally {
        this.release(lane, req.readonly);
      }
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private acquireWritable(): Promise<Lane> {
    const free = this.writable.find((l) => !l.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }

  private async acquireReadonly(settings: SettingsMap): Promise<Lane> {
    const extras = overlayOf(this.baseline, settings);
    const key = settingsSignature(extras);
    const lane = this.readonlyLanes.get(key) ?? (await this.openReadonlyLane(key, extras));
    lane.lastUsed = Date.now();
    if (!lane.busy) {
      lane.busy = true;
      return lane;
    }
    await new Promise<void>((resolve) => lane.waiters.push(resolve));
    return lane;
  }

  private openReadonlyLane(key: string, extras: SettingsMap): Promise<Lane> {
    const pending = this.pendingReadonly.get(key);
    if (pending) return pending;
    const opening = (async () => {
      const slot = await this.openSlot(true, new Map([...this.baseline, ...extras]));
      const lane = new Lane(slot);
      this.evictIdleReadonly();
      this.readonlyLanes.set(key, lane);
      return lane;
    })().finally(() => this.pendingReadonly.delete(key));
    this.pendingReadonly.set(key, opening);
    return opening;
  }

  private evictIdleReadonly(): void {
    // Makes room for one more; the plain readonly lane ('') is never evicted.
    while (this.readonlyLanes.size >= this.opts.maxReadonlySlots + 1) {
      let victim: [string, Lane] | undefined;
      for (const entry of this.readonlyLanes) {
        const [k, l] = entry;
        if (k === '' || l.busy || l.waiters.length > 0) continue;
        if (!victim || l.lastUsed < victim[1].lastUsed) victim = entry;
      }
      if (!victim) return;
      this.readonlyLanes.delete(victim[0]);
      victim[1].slot.close();
    }
  }

  private release(lane: Lane, readonly: boolean): void {
    if (readonly) {
      const next = lane.waiters.shift();
      if (next) next();
      else lane.busy = false;
      return;
    }
    const next = this.writableWaiters.shift();
    if (next) next(lane);
    else lane.busy = false;
  }

  /** Refuses new requests, waits for running ones, then closes every connection. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.closeSlots();
  }

  private closeSlots(): void {
    for (const l of this.writable) l.slot.close();
    for (const l of this.readonlyLanes.values()) l.slot.close();
    this.writable.length = 0;
    this.readonlyLanes.clear();
  }
}
