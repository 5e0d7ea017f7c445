import type { Logger } from 'pino';
import type { Store } from './client.ts';
import { ReadWriteLock } from './read-write-lock.ts';
import { ident, p, type Sql, sql } from './sql.ts';

/**
 * Rolls raw metric samples up into the 1m tier (whose views cascade to 1h and 1d) every
 * interval, instead of a view doing it on every insert: a small insert then costs the engine
 * about a third as much.
 *
 * What is rolled is tracked by insert block number (`_block_number`, migration 009): every
 * sample block up to `rolledTo` is in the tiers, none above it. A roll takes the blocks above
 * `rolledTo` up to a target and inserts their aggregate states. Late samples (for a minute
 * already rolled) are simply in a later block and append their states, which the tiers merge
 * exactly. The target is the largest block seen one interval earlier, so a block whose number
 * was given out just before the look but not yet visible cannot be skipped.
 *
 * Readers (MetricsRepository.rollup) read a tier plus the raw samples above `rolledTo`, under
 * the read side of a lock whose write side each roll holds, so no bucket is counted twice
 * or missed while a roll lands. One roller per store: two processes rolling the same store
 * would count samples twice.
 */

/**
 * Rolls larger than this many raw rows are split at part boundaries: each piece holds the
 * lock for a few hundred milliseconds at most, and reads waiting for it go between pieces.
 */
const MAX_ROWS_PER_ROLL = 250_000;

/** What the roller and the readers of one store share. */
export class RollupState {
  readonly lock = new ReadWriteLock();
  /** Decimal UInt64: every sample block up to this is in the tiers. Null until loaded. */
  rolledTo: string | null = null;
  /** A roll that failed part way: its blocks may be partly in the tiers until repaired. */
  unfinished: { from: string; to: string } | null = null;

  constructor(private readonly store: Store) {}

  /** Runs a read with the watermark it may rely on. */
  read<T>(work: (rolledTo: string) => Promise<T>): Promise<T> {
    return this.lock.read(async () => work(await this.load()));
  }

  async load(): Promise<string> {
    if (this.rolledTo !== null) return this.rolledTo;
    const [row] = await this.store.query<{ rolled: string; rolling: string; n: string }>(sql`
      SELECT toString(argMax(rolled_to, seq)) AS rolled, toString(argMax(rolling_to, seq)) AS rolling,
        toString(count()) AS n
      FROM metric_rollup_watermark`);
    // No record: migration 009 always writes one, so only a store created without it.
    const rolled = row && row.n !== '0' ? row.rolled : '0';
    const rolling = row && row.n !== '0' ? row.rolling : '0';
    if (BigInt(rolling) > BigInt(rolled)) this.unfinished = { from: rolled, to: rolling };
    this.rolledTo = rolled;
    return rolled;
  }
}

const states = new WeakMap<Store, RollupState>();

/** The one rollup state of a store, shared by every repository on it. */
export function rollupStateOf(store: Store): RollupState {
  let state = states.get(store);
  if (!state) {
    state = new RollupState(store);
    states.set(store, state);
  }
  return state;
}

export interface RollupRollerOptions {
  intervalMs: number;
  log?: Logger;
  /** Told after each roll: raw rows rolled (from the parts' row counts, an upper bound) and seconds taken. */
  onRoll?: (rows: number, seconds: number) => void;
}

export class RollupRoller {
  private readonly state: RollupState;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  /** The largest visible block at the previous tick: the next roll's target. */
  private seen: string | null = null;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly options: RollupRollerOptions,
  ) {
    this.state = rollupStateOf(store);
  }

  /** Loads the watermark, repairs a roll a crash interrupted, then rolls every interval. */
  async start(): Promise<void> {
    await this.state.lock.write(async () => {
      await this.state.load();
      await this.repair();
    });
    this.seen = await this.visibleBlock();
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const target = this.seen;
      this.seen = await this.visibleBlock();
      if (target !== null) await this.rollTo(target);
    } catch (err) {
      this.options.log?.warn({ err }, 'metric rollup failed; the next roll repairs and retries it');
    }
  }

  /**
   * Rolls every block visible now. Only safe when no sample insert is in flight (tests, or
   * after the writers are flushed): a block numbered but not yet visible would be skipped.
   */
  async rollAll(): Promise<void> {
    await this.running;
    await this.rollTo(await this.visibleBlock());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async visibleBlock(): Promise<string> {
    const [row] = await this.store.query<{ b: string }>(sql`
      SELECT toString(toUInt64(max(max_block_number))) AS b FROM system.parts
      WHERE database = currentDatabase() AND table = 'metric_samples' AND active`);
    return row?.b ?? '0';
  }

  /** Rolls blocks above the watermark up to `target`, in pieces of at most MAX_ROWS_PER_ROLL rows. */
  private async rollTo(target: string): Promise<void> {
    for (;;) {
      const done = await this.state.lock.write(async () => {
        await this.state.load();
        await this.repair();
        const from = this.state.rolledTo as string;
        if (BigInt(target) <= BigInt(from)) return true;
        const { to, rows } = await this.pieceEnd(from, target);
        const started = performance.now();
        await this.record(from, to);
        this.state.unfinished = { from, to };
        await this.store.command(rollSql(from, to), { insert_deduplicate: 0 });
        await this.record(to, to);
        this.state.unfinished = null;
        this.state.rolledTo = to;
        this.options.onRoll?.(rows, (performance.now() - started) / 1000);
        return to === target;
      });
      if (done) return;
    }
  }

  /** Where a roll from `from` ends: at `target`, or earlier at a part boundary past MAX_ROWS_PER_ROLL rows. */
  private async pieceEnd(from: string, target: string): Promise<{ to: string; rows: number }> {
    const parts = await this.store.query<{ b: string; rows: string }>(sql`
      SELECT toString(max_block_number) AS b, toString(rows) AS rows FROM system.parts
      WHERE database = currentDatabase() AND table = 'metric_samples' AND active
        AND max_block_number > ${p.UInt64(from)} AND min_block_number <= ${p.UInt64(target)}
      ORDER BY max_block_number`);
    let rows = 0;
    for (const part of parts) {
      rows += Number(part.rows);
      if (rows >= MAX_ROWS_PER_ROLL && BigInt(part.b) < BigInt(target)) return { to: part.b, rows };
    }
    return { to: target, rows };
  }

  private record(rolledTo: string, rollingTo: string): Promise<void> {
    const seq = BigInt(rollingTo) * 2n + (rolledTo === rollingTo ? 1n : 0n);
    return this.store.command(sql`
      INSERT INTO metric_rollup_watermark (id, rolled_to, rolling_to, seq)
      VALUES (0, ${p.UInt64(rolledTo)}, ${p.UInt64(rollingTo)}, ${p.UInt64(seq)})`);
  }

  /**
   * A roll that did not finish may have put some of its states into some tiers. The days its
   * samples fall in are rebuilt from raw with the watermark at the roll's end, which is exact
   * whatever had landed. Runs under the write lock.
   */
  private async repair(): Promise<void> {
    const unfinished = this.state.unfinished;
    if (!unfinished) return;
    const [span] = await this.store.query<{ lo: string; hi: string; n: string }>(sql`
      SELECT toString(toUnixTimestamp64Milli(min(ts))) AS lo, toString(toUnixTimestamp64Milli(max(ts))) AS hi,
        toString(count()) AS n
      FROM metric_samples
      WHERE _block_number > ${p.UInt64(unfinished.from)} AND _block_number <= ${p.UInt64(unfinished.to)}`);
    this.state.rolledTo = unfinished.to;
    if (span && span.n !== '0') {
      this.options.log?.warn(
        { fromMs: Number(span.lo), toMs: Number(span.hi) },
        'repairing metric rollups after an interrupted roll',
      );
      await rebuildTiers(this.store, Number(span.lo), Number(span.hi) + 1, unfinished.to);
    }
    await this.record(unfinished.to, unfinished.to);
    this.state.unfinished = null;
  }
}

/** The raw samples of blocks in (from, to] as 1m aggregate states; the 1h and 1d views cascade. */
export function rollSql(from: string, to: string): Sql {
  return sql`
    INSERT INTO metric_rollup_1m
    SELECT metric, fingerprint, toStartOfMinute(toDateTime(ts, 'UTC')) AS bucket,
      minState(value) AS min_value, maxState(value) AS max_value, sumState(value) AS sum_value,
      countState() AS sample_count, argMinState(value, ts) AS first_value, argMaxState(value, ts) AS last_value
    FROM metric_samples
    WHERE stale = 0 AND _block_number > ${p.UInt64(from)} AND _block_number <= ${p.UInt64(to)}
    GROUP BY metric, fingerprint, bucket`;
}

export const ROLLUP_TABLES = {
  '1m': 'metric_rollup_1m',
  '1h': 'metric_rollup_1h',
  '1d': 'metric_rollup_1d',
} as const;

const DAY_MS = 86_400_000;

/**
 * Recomputes every tier for [fromMs, toMs), widened to whole UTC days so that each 1h and 1d
 * bucket touched is rebuilt from all its minutes, from the raw samples of blocks up to
 * `rolledTo` (later ones are the roller's). The caller holds the rollup write lock. Returns
 * the widened range.
 */
export async function rebuildTiers(
  store: Store,
  fromMs: number,
  toMs: number,
  rolledTo: string,
): Promise<{ fromMs: number; toMs: number }> {
  const from = Math.floor(fromMs / DAY_MS) * DAY_MS;
  const to = Math.max(Math.ceil(toMs / DAY_MS) * DAY_MS, from + DAY_MS);
  for (const table of Object.values(ROLLUP_TABLES)) {
    await store.command(
      sql`ALTER TABLE ${ident(table)} DELETE WHERE bucket >= ${secTime(from / 1000)} AND bucket < ${secTime(to / 1000)}`,
      { mutations_sync: 2 },
    );
  }
  // The 1m insert feeds the 1h and 1d views. One day per statement keeps the GROUP BY's
  // memory bounded on long ranges.
  for (let start = from; start < to; start += DAY_MS) {
    await store.command(
      sql`
      INSERT INTO metric_rollup_1m
      SELECT metric, fingerprint, toStartOfMinute(toDateTime(ts, 'UTC')) AS bucket,
        minState(value) AS min_value, maxState(value) AS max_value, sumState(value) AS sum_value,
        countState() AS sample_count, argMinState(value, ts) AS first_value, argMaxState(value, ts) AS last_value
      FROM metric_samples
      WHERE stale = 0 AND _block_number <= ${p.UInt64(rolledTo)}
        AND ts >= ${msTime(start)} AND ts < ${msTime(start + DAY_MS)}
      GROUP BY metric, fingerprint, bucket`,
      // The rollup tables deduplicate retried inserts; a rebuild re-inserts blocks identical
      // to ones deleted a moment ago, which must not be taken for retries.
      { insert_deduplicate: 0 },
    );
  }
  return { fromMs: from, toMs: to };
}

function msTime(ms: number): Sql {
  return sql`fromUnixTimestamp64Milli(${p.Int64(Math.trunc(ms))}, 'UTC')`;
}

function secTime(seconds: number): Sql {
  return sql`toDateTime(${p.Int64(Math.trunc(seconds))}, 'UTC')`;
}
