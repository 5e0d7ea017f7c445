import { createHash } from 'node:crypto';
import { StellwerkError } from '../errors.ts';

/**
 * A series' fingerprint: the UInt64 as a decimal string (for the store's queries and sets)
 * and as its low and high 32 bits, which row encoders write without a BigInt per sample.
 */
export interface Fingerprint {
  readonly text: string;
  readonly lo: number;
  readonly hi: number;
}

/**
 * Knows which series exist, gives each a stable 64-bit fingerprint, and enforces the
 * cardinality limits. A fingerprint is the first 8 bytes of SHA-1 over the name and the
 * sorted labels: computed only when a series is first seen, then cached.
 */
export class SeriesRegistry {
  /** Series key → fingerprint, so the hash is computed once per series (bounded). */
  private readonly keyCache = new Map<string, Fingerprint>();
  /** Every fingerprint stored, seeded from the store at start. */
  private readonly stored = new Set<string>();
  private readonly perMetric = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: { maxSeries: number; maxSeriesPerMetric: number; cacheSize?: number }) {}

  /** Seeds counts and fingerprints from the store, so limits hold across restarts. */
  seed(counts: Array<{ metric: string; n: number }>, fingerprints: string[]): void {
    for (const f of fingerprints) this.stored.add(f);
    for (const { metric, n } of counts) {
      this.perMetric.set(metric, n);
      this.total += n;
    }
  }

  get seriesCount(): number {
    return this.total;
  }

  /**
   * Receivers hand one labels object to all samples of a point (InfluxDB: one per field), so
   * the sorted label part of the key is built once per object. Labels are never mutated after
   * they reach the pipeline.
   */
  private static readonly labelParts = new WeakMap<Record<string, string>, string>();

  static key(metric: string, labels: Record<string, string>): string {
    let part = SeriesRegistry.labelParts.get(labels);
    if (part === undefined) {
      part = '';
      for (const n of Object.keys(labels).sort()) part += `\u0000${n}\u0000${labels[n]}`;
      SeriesRegistry.labelParts.set(labels, part);
    }
    return metric + part;
  }

  static fingerprintOf(key: string): string {
    return SeriesRegistry.fingerprint(key).text;
  }

  static fingerprint(key: string): Fingerprint {
    const digest = createHash('sha1').update(key).digest();
    return {
      text: digest.readBigUInt64BE(0).toString(),
      lo: digest.readUInt32BE(4),
      hi: digest.readUInt32BE(0),
    };
  }

  /**
   * The fingerprint of a series and whether it is new to this process. `isNew` means not yet
   * in the store: the caller checks room, stores the series, then admits it.
   */
  resolve(metric: string, labels: Record<string, string>): { fingerprint: Fingerprint; isNew: boolean } {
    const known = this.byLabels.get(labels);
    let fingerprint =
      known === undefined ? undefined : known.metric === metric ? known.fingerprint : known.others?.get(metric);
    if (fingerprint === undefined) {
      const key = SeriesRegistry.key(metric, labels);
      fingerprint = this.keyCache.get(key);
      if (fingerprint === undefined) {
        fingerprint = SeriesRegistry.fingerprint(key);
        if (this.keyCache.size >= (this.limits.cacheSize ?? 1_000_000)) this.keyCache.clear();
        this.keyCache.set(key, fingerprint);
      }
      if (known === undefined) {
        this.byLabels.set(labels, { metric, fingerprint });
      } else {
        known.others ??= new Map();
        known.others.set(metric, fingerprint);
      }
    }
    return { fingerprint, isNew: !this.stored.has(fingerprint.text) };
  }

  /**
   * Fingerprints by labels object: receivers that see a series again hand over the same
   * object (remote_write's label cache, one object per InfluxDB point for all its fields),
   * which skips building and hashing the series key. Weak, so it lives as long as they do.
   */
  private readonly byLabels = new WeakMap<
    Record<string, string>,
    { metric: string; fingerprint: Fingerprint; others?: Map<string, Fingerprint> }
  >();

  /** Records a new series as stored and counts it against the limits. */
  admit(metric: string, fingerprint: string): void {
    if (this.stored.has(fingerprint)) return;
    this.stored.add(fingerprint);
    this.perMetric.set(metric, (this.perMetric.get(metric) ?? 0) + 1);
    this.total++;
  }

  /** Throws when one more series of `metric` (beyond those pending in this request) would cross a limit. */
  checkRoom(metric: string, pendingTotal = 0, pendingForMetric = 0): void {
    if (this.total + pendingTotal >= this.limits.maxSeries) {
      throw new StellwerkError(
        'STW_ERR_CARDINALITY',
        `The store already holds ${this.total} series, the limit (metrics.maxSeries); new series are refused. Drop high-cardinality labels or raise the limit.`,
      );
    }
    const n = (this.perMetric.get(metric) ?? 0) + pendingForMetric;
    if (n >= this.limits.maxSeriesPerMetric) {
      throw new StellwerkError(
        'STW_ERR_CARDINALITY',
        `Metric "${metric}" already has ${n} series, the limit (metrics.maxSeriesPerMetric); new series of it are refused. Drop a high-cardinality label or raise the limit.`,
        { metric },
      );
    }
  }
}
