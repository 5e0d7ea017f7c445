import type { ExponentialBuckets, ExponentialHistogramPoint, HistogramPoint, NumberPoint } from './model.ts';

/**
 * Turns OTLP DELTA points into CUMULATIVE ones, as the OpenTelemetry Collector's
 * deltatocumulative processor (which Prometheus embeds for OTLP deltas) does: per series a
 * running total and the end time of the last point added. docs/protocols/otlp-metrics.md has
 * the rules; in short, for a tracked series and a new point (start, end]:
 *
 * - end ≤ last end: the same start and end as the last point is a resend (skipped, not an
 *   error); anything else is out of order and refused;
 * - start < last end < end: the point overlaps what was already added and is refused;
 * - start ≥ last end (or start unset): added. A gap (start > last end) is added too: SDKs
 *   skip series without recordings and report the next point from its first recording, so a
 *   gap means "nothing happened", and restarting at the delta would lose the earlier total
 *   whenever the new value does not fall below it (rate() would see no reset).
 *
 * An untracked series starts at its first point's delta. The state lives in memory only:
 * after a restart, or once a series was idle longer than `idleTimeoutMs`, it starts again
 * from its next delta, which queries see as a counter reset. At most `maxSeries` series are
 * tracked; points of further series are refused until idle ones expire.
 */

export interface DeltaLimits {
  maxSeries: number;
  idleTimeoutMs: number;
}

/** A delta point of one of the kinds this converts. */
export type DeltaPoint =
  | { kind: 'sum'; point: NumberPoint }
  | { kind: 'histogram'; point: HistogramPoint }
  | { kind: 'exponentialHistogram'; point: ExponentialHistogramPoint };

export type DeltaOutcome =
  /** The cumulative point to store in place of the delta. */
  | { ok: true; point: NumberPoint | HistogramPoint | ExponentialHistogramPoint }
  /** Nothing to store: `duplicate` is a resend (not an error), the others are refusals. */
  | { ok: false; reason: DeltaRefusal; message: string };

export type DeltaRefusal = 'delta_duplicate' | 'delta_out_of_order' | 'delta_overlap' | 'delta_series_limit';

interface SeriesState {
  /** The delta point's start and end of the last point added (ms). */
  lastStartMs: number;
  endMs: number;
  /** Wall-clock time of the last update, for idle expiry. */
  touchedMs: number;
  /** The running total, as a cumulative point of the series' kind. */
  total: NumberPoint | HistogramPoint | ExponentialHistogramPoint;
}

interface Undo {
  key: string;
  before: SeriesState | undefined;
  after: SeriesState;
}

export class DeltaToCumulative {
  /** Ordered by last update, oldest first, so expiry stops at the first fresh entry. */
  private readonly series = new Map<string, SeriesState>();

  constructor(
    readonly limits: DeltaLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Series currently tracked. */
  get size(): number {
    return this.series.size;
  }

  /** Starts the points of one request; `rollback` undoes them if the store refused the request. */
  batch(): DeltaBatch {
    this.expire();
    return new DeltaBatch(this);
  }

  /** Drops series idle for longer than the idle timeout. */
  expire(): void {
    const cutoff = this.now() - this.limits.idleTimeoutMs;
    for (const [key, state] of this.series) {
      if (state.touchedMs > cutoff) break;
      this.series.delete(key);
    }
  }

  /** @internal */
  apply(key: string, delta: DeltaPoint, undo: Undo[]): DeltaOutcome {
    const p = delta.point;
    const before = this.series.get(key);
    let total: SeriesState['total'];
    if (!before) {
      if (this.series.size >= this.limits.maxSeries) {
        return {
          ok: false,
          reason: 'delta_series_limit',
          message: `more than ${this.limits.maxSeries} DELTA series are tracked (ingest.otlpDeltaMaxSeries); the point of a new series was refused`,
        };
      }
      total = copyPoint(delta);
    } else {
      if (p.timeMs <= before.endMs) {
        if (p.timeMs === before.endMs && p.startMs === before.lastStartMs) {
          return { ok: false, reason: 'delta_duplicate', message: 'the point was already added (a resend)' };
        }
        return {
          ok: false,
          reason: 'delta_out_of_order',
          message: `a DELTA point ending at ${iso(p.timeMs)} is not newer than the last one added (${iso(before.endMs)})`,
        };
      }
      if (p.startMs !== 0 && p.startMs < before.endMs) {
        return {
          ok: false,
          reason: 'delta_overlap',
          message: `a DELTA point starting at ${iso(p.startMs)} overlaps the last one added (ending at ${iso(before.endMs)})`,
        };
      }
      total = addPoint(before.total, delta);
    }
    const after: SeriesState = { lastStartMs: p.startMs, endMs: p.timeMs, touchedMs: this.now(), total };
    // Delete first so the entry moves to the end of the insertion order (most recently used).
    this.series.delete(key);
    this.series.set(key, after);
    undo.push({ key, before, after });
    return { ok: true, point: total };
  }

  /** @internal */
  undo(entries: Undo[]): void {
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i] as Undo;
      // A later request already moved this series on: its total includes ours, leave it.
      if (this.series.get(e.key) !== e.after) continue;
      if (e.before) this.series.set(e.key, e.before);
      else this.series.delete(e.key);
    }
  }
}

/** The state changes of one request, kept so that a request the store refused can be resent. */
export class DeltaBatch {
  private readonly log: Undo[] = [];

  constructor(private readonly owner: DeltaToCumulative) {}

  /** Adds a delta point of the series `key`; returns the cumulative point to store, or why not. */
  add(key: string, delta: DeltaPoint): DeltaOutcome {
    return this.owner.apply(key, delta, this.log);
  }

  /** Undoes this request's additions (the exporter will resend the same deltas). */
  rollback(): void {
    this.owner.undo(this.log);
    this.log.length = 0;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The first point of a series, as its running total (copied: the request's objects are not kept). */
function copyPoint(delta: DeltaPoint): SeriesState['total'] {
  switch (delta.kind) {
    case 'sum':
      return { ...delta.point };
    case 'histogram':
      return { ...delta.point, bucketCounts: [...delta.point.bucketCounts] };
    case 'exponentialHistogram':
      return toCoarse(delta.point, Math.min(delta.point.scale, 0));
  }
}

/** The running total plus one delta point, as a new object (the old one stays for undo). */
function addPoint(total: SeriesState['total'], delta: DeltaPoint): SeriesState['total'] {
  const p = delta.point;
  const common = { attributes: p.attributes, startMs: total.startMs, timeMs: p.timeMs, flags: p.flags, exemplars: 0 };
  switch (delta.kind) {
    case 'sum': {
      const t = total as NumberPoint;
      return { ...common, value: (t.value ?? 0) + (delta.point.value ?? 0) };
    }
    case 'histogram': {
      const t = total as HistogramPoint;
      const d = delta.point;
      // Other bounds cannot be merged: the series starts again from this point (a reset).
      if (!sameBounds(t, d)) return { ...d, bucketCounts: [...d.bucketCounts] };
      return {
        ...common,
        count: t.count + d.count,
        sum: t.sum === undefined || d.sum === undefined ? undefined : t.sum + d.sum,
        explicitBounds: t.explicitBounds,
        bucketCounts:
          t.bucketCounts.length === 0
            ? [...d.bucketCounts]
            : t.bucketCounts.map((c, i) => c + (d.bucketCounts[i] ?? 0)),
      };
    }
    case 'exponentialHistogram': {
      const t = total as ExponentialHistogramPoint;
      const d = delta.point;
      // Another zero threshold moves the zero bucket's edge: start again from this point.
      if (t.zeroThreshold !== d.zeroThreshold) return toCoarse(d, Math.min(d.scale, 0));
      const scale = Math.min(t.scale, d.scale, 0);
      const a = toCoarse(t, scale);
      const b = toCoarse(d, scale);
      return {
        ...common,
        count: a.count + b.count,
        sum: a.sum === undefined || b.sum === undefined ? undefined : a.sum + b.sum,
        scale,
        zeroCount: a.zeroCount + b.zeroCount,
        zeroThreshold: a.zeroThreshold,
        positive: addBuckets(a.positive, b.positive),
        negative: addBuckets(a.negative, b.negative),
      };
    }
  }
}

function sameBounds(a: HistogramPoint, b: HistogramPoint): boolean {
  if (a.explicitBounds.length !== b.explicitBounds.length) return false;
  if (a.bucketCounts.length !== 0 && b.bucketCounts.length !== 0 && a.bucketCounts.length !== b.bucketCounts.length)
    return false;
  return a.explicitBounds.every((v, i) => v === b.explicitBounds[i]);
}

/**
 * An exponential histogram at `scale` (≤ its own): bucket i of scale s lies within bucket
 * i >> (s - scale) of the coarser scale. Totals are kept at scale 0 or coarser, the resolution
 * the mapping stores anyway, so an SDK changing its scale does not lose what was added.
 */
function toCoarse(p: ExponentialHistogramPoint, scale: number): ExponentialHistogramPoint {
  const shift = p.scale - scale;
  const coarse = (b: ExponentialBuckets): ExponentialBuckets => {
    if (b.counts.length === 0) return { offset: 0, counts: [] };
    const first = Math.floor(b.offset / 2 ** shift);
    const last = Math.floor((b.offset + b.counts.length - 1) / 2 ** shift);
    const counts = new Array<number>(last - first + 1).fill(0);
    b.counts.forEach((c, i) => {
      const j = Math.floor((b.offset + i) / 2 ** shift) - first;
      counts[j] = (counts[j] as number) + c;
    });
    return { offset: first, counts };
  };
  return { ...p, exemplars: 0, scale, positive: coarse(p.positive), negative: coarse(p.negative) };
}

function addBuckets(a: ExponentialBuckets, b: ExponentialBuckets): ExponentialBuckets {
  if (a.counts.length === 0) return { offset: b.offset, counts: [...b.counts] };
  if (b.counts.length === 0) return { offset: a.offset, counts: [...a.counts] };
  const first = Math.min(a.offset, b.offset);
  const last = Math.max(a.offset + a.counts.length, b.offset + b.counts.length);
  const counts = new Array<number>(last - first).fill(0);
  a.counts.forEach((c, i) => {
    counts[a.offset - first + i] = (counts[a.offset - first + i] as number) + c;
  });
  b.counts.forEach((c, i) => {
    counts[b.offset - first + i] = (counts[b.offset - first + i] as number) + c;
  });
  return { offset: first, counts };
}
