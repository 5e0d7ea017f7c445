import type { MetricMetadata } from '@stellwerk/contracts';
import type { Store } from './client.ts';
import { ROLLUP_TABLES, rebuildTiers, rollupStateOf } from './rollup-roller.ts';
import { RowBinaryReader } from './row-binary-reader.ts';
import { ident, p, type Sql, sql, unsafeRaw } from './sql.ts';

/** metric_samples as the writer encodes its rows (writer/encode-metrics.ts), in this order. */
export const SAMPLE_COLUMNS = ['metric', 'fingerprint', 'ts', 'value', 'stale'] as const;

export interface SeriesRow {
  metric: string;
  /** UInt64 as a decimal string. */
  fingerprint: string;
  labels: Record<string, string>;
}

export interface SampleRow {
  fingerprint: string;
  /** Epoch milliseconds. */
  t: number;
  value: number;
  /** A staleness marker: the series ended at t. */
  stale: boolean;
}

/** One series' samples in time order; `stale[i]` is 1 where a staleness marker ends it. */
export interface SeriesSamples {
  fingerprint: string;
  t: number[];
  v: number[];
  stale: Uint8Array;
}

export type RollupResolution = '1m' | '1h' | '1d';

export { ROLLUP_TABLES };

const RESOLUTION_MS: Record<RollupResolution, number> = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 };

/** A raw sample's bucket start per tier, as the tiers compute it. */
const BUCKET_OF_TS: Record<RollupResolution, string> = {
  '1m': "toStartOfMinute(toDateTime(ts, 'UTC'))",
  '1h': "toStartOfHour(toDateTime(ts, 'UTC'))",
  '1d': "toStartOfDay(toDateTime(ts, 'UTC'))",
};

/** One series' aggregates over one bucket; staleness markers are not counted. */
export interface RollupRow {
  fingerprint: string;
  /** Bucket start, epoch milliseconds (UTC). */
  t: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  /** The value of the earliest sample in the bucket. */
  first: number;
  /** The value of the latest sample in the bucket. */
  last: number;
}

/**
 * Which data answers a query over `rangeMs` with one point per `stepMs`:
 * - when the range starts before raw retention (`startAgeMs > rawRetentionMs`, both given),
 *   raw cannot answer: the tier the step allows, at least 1m;
 * - raw when the step is under 60 s (a rollup would be coarser than a step), or when the range
 *   is small (≤ `smallRangeMs`, default 6 h: few raw samples, and raw keeps exact counter resets);
 * - otherwise the coarsest tier not coarser than the step: 1d when step ≥ 86400 s, 1h when
 *   step ≥ 3600 s, else 1m.
 */
export function chooseResolution(
  rangeMs: number,
  stepMs: number,
  opts: { smallRangeMs?: number; rawRetentionMs?: number; startAgeMs?: number } = {},
): 'raw' | RollupResolution {
  const byStep: RollupResolution = stepMs >= 86_400_000 ? '1d' : stepMs >= 3_600_000 ? '1h' : '1m';
  const { smallRangeMs = 6 * 3_600_000, rawRetentionMs, startAgeMs } = opts;
  if (rawRetentionMs !== undefined && startAgeMs !== undefined && startAgeMs > rawRetentionMs) return byStep;
  if (stepMs < 60_000 || rangeMs <= smallRangeMs) return 'raw';
  return byStep;
}

/**
 * A counter's reset-adjusted increase (Prometheus semantics: a drop is a restart from 0, so
 * the new value counts whole) over consecutive buckets of one series, ordered by time.
 * Between buckets it compares last with the next first, as raw would. Inside a bucket only
 * first/min/max/last are known: a reset shows as min < first or last < max, and is counted as
 * (max - first) + last. That is exact for at most one reset per bucket whose pre-reset peak is
 * at least the bucket's last value; otherwise it is an estimate.
 */
export function rollupCounterIncrease(buckets: readonly Pick<RollupRow, 'min' | 'max' | 'first' | 'last'>[]): number {
  let total = 0;
  let prevLast: number | undefined;
  for (const b of buckets) {
    if (prevLast !== undefined) total += b.first >= prevLast ? b.first - prevLast : b.first;
    total += b.min < b.first || b.last < b.max ? b.max - b.first + b.last : b.last - b.first;
    prevLast = b.last;
  }
  return total;
}

/** The metrics tables: series (labels once per series), samples, metadata. */
export class MetricsRepository {
  constructor(private readonly store: Store) {}

  /** `body` is RowBinary rows of SAMPLE_COLUMNS. */
  insertSamples(body: Buffer, dedupToken: string): Promise<void> {
    return this.store.insertRowBinary('metric_samples', SAMPLE_COLUMNS, body, dedupToken);
  }

  /** `body` is JSONEachRow rows. */
  insertSeries(body: Buffer, dedupToken: string): Promise<void> {
    return this.store.insertJsonEachRow('metric_series', body, dedupToken);
  }

  async upsertMetadata(entries: MetricMetadata[]): Promise<void> {
    if (entries.length === 0) return;
    const now = Date.now();
    const body = entries
      .map((m) => JSON.stringify({ metric: m.metric, type: m.type, unit: m.unit, help: m.help, updated: now }))
      .join('\n');
    await this.store.insertJsonEachRow('metric_metadata', Buffer.from(body), `meta:${now}:${Math.random()}`);
  }

  /** Series per metric, for cardinality limits at start. */
  async seriesCounts(): Promise<Array<{ metric: string; n: number }>> {
    const rows = await this.store.query<{ metric: string; n: string }>(
      sql`SELECT metric, toString(uniqExact(fingerprint)) AS n FROM metric_series GROUP BY metric`,
    );
    return rows.map((r) => ({ metric: r.metric, n: Number(r.n) }));
  }

  /** Where the series come from: the top producers by metric, label and label pair. */
  async cardinality(limit: number): Promise<{
    numSeries: number;
    byMetric: Array<{ name: string; value: number }>;
    valuesByLabel: Array<{ name: string; value: number }>;
    byLabelPair: Array<{ name: string; value: number }>;
  }> {
    const top = (rows: Array<{ name: string; value: string }>) =>
      rows.map((r) => ({ name: r.name, value: Number(r.value) }));
    const [total] = await this.store.query<{ n: string }>(
      sql`SELECT toString(uniqExact(fingerprint)) AS n FROM metric_series`,
    );
    const byMetric = await this.store.query<{ name: string; value: string }>(sql`
      SELECT metric AS name, toString(uniqExact(fingerprint)) AS value FROM metric_series
      GROUP BY metric ORDER BY uniqExact(fingerprint) DESC, name LIMIT ${p.UInt32(limit)}`);
    const valuesByLabel = await this.store.query<{ name: string; value: string }>(sql`
      SELECT k AS name, toString(uniqExact(labels[k])) AS value FROM metric_series ARRAY JOIN mapKeys(labels) AS k
      GROUP BY k ORDER BY uniqExact(labels[k]) DESC, name LIMIT ${p.UInt32(limit)}`);
    const byLabelPair = await this.store.query<{ name: string; value: string }>(sql`
      SELECT concat(k, '=', labels[k]) AS name, toString(uniqExact(fingerprint)) AS value FROM metric_series
      ARRAY JOIN mapKeys(labels) AS k GROUP BY name ORDER BY uniqExact(fingerprint) DESC, name LIMIT ${p.UInt32(limit)}`);
    return {
      numSeries: Number(total?.n ?? 0),
      byMetric: top(byMetric),
      valuesByLabel: top(valuesByLabel),
      byLabelPair: top(byLabelPair),
    };
  }

  /** Known fingerprints, to warm the writer's series cache at start. */
  async fingerprints(limit: number): Promise<string[]> {
    const rows = await this.store.query<{ f: string }>(
      sql`SELECT DISTINCT toString(fingerprint) AS f FROM metric_series LIMIT ${p.UInt32(limit)}`,
    );
    return rows.map((r) => r.f);
  }

  /**
   * Series matching a condition over `metric` and `labels` (built by the query layer), that
   * had samples in [fromMs, toMs] when a range is given. The subquery keeps the `labels`
   * column visible to the condition (an outer alias of the same name would shadow it).
   */
  async matchSeries(condition: Sql, range?: { fromMs: number; toMs: number }, limit = 100_000): Promise<SeriesRow[]> {
    const active = range
      ? sql`AND fingerprint IN (SELECT DISTINCT fingerprint FROM metric_samples WHERE ts >= ${msTime(range.fromMs)} AND ts <= ${msTime(range.toMs)})`
      : unsafeRaw('');
    return this.store.query<SeriesRow>(sql`
      SELECT metric, toString(fingerprint) AS fingerprint, any(series_labels) AS labels
      FROM (SELECT metric, fingerprint, labels AS series_labels FROM metric_series WHERE (${condition}) ${active})
      GROUP BY metric, fingerprint
      LIMIT ${p.UInt32(limit)}`);
  }

  /**
   * Raw samples of some series in [fromMs, toMs], ordered by series and time. `timeoutMs`
   * cuts the statement off sooner than storage.queryTimeout (a query's own deadline).
   */
  async samples(
    metric: string | null,
    fingerprints: string[],
    fromMs: number,
    toMs: number,
    timeoutMs?: number,
  ): Promise<SampleRow[]> {
    const out: SampleRow[] = [];
    for (const series of (await this.samplesBySeries(metric, fingerprints, fromMs, toMs, timeoutMs)).values()) {
      series.t.forEach((t, i) => {
        out.push({ fingerprint: series.fingerprint, t, value: series.v[i] as number, stale: series.stale[i] === 1 });
      });
    }
    return out;
  }

  /**
   * The same samples as `samples`, gathered per series into arrays as they are read: the
   * PromQL read path, where one row object per sample cost more than the engine's query.
   * The engine may hold a sample twice until merges deduplicate; one per timestamp is kept.
   */
  async samplesBySeries(
    metric: string | null,
    fingerprints: string[],
    fromMs: number,
    toMs: number,
    timeoutMs?: number,
  ): Promise<Map<string, SeriesSamples>> {
    const bySeries = new Map<string, SeriesSamples>();
    if (fingerprints.length === 0) return bySeries;
    const byMetric = metric === null ? unsafeRaw('1') : sql`metric = ${p.String(metric)}`;
    const bytes = await this.store.queryRowBinary(
      sql`
      SELECT fingerprint, toUnixTimestamp64Milli(ts) AS t, value, stale
      FROM metric_samples
      WHERE ${byMetric} AND fingerprint IN (SELECT arrayJoin(${p.ArrayString(fingerprints)})::UInt64)
        AND ts >= ${msTime(fromMs)} AND ts <= ${msTime(toMs)}
      ORDER BY fingerprint, ts`,
      executionLimit(timeoutMs),
    );
    let current: { fingerprint: string; t: number[]; v: number[]; s: number[] } | undefined;
    const close = () => {
      if (current) bySeries.set(current.fingerprint, { ...current, stale: Uint8Array.from(current.s) });
    };
    for (const r = new RowBinaryReader(bytes); !r.done; ) {
      const fingerprint = r.uint64Text();
      const t = r.int64();
      const value = r.float64();
      const stale = r.uint8();
      if (current?.fingerprint !== fingerprint) {
        close();
        current = { fingerprint, t: [], v: [], s: [] };
      }
      const last = current.t.length - 1;
      if (last >= 0 && current.t[last] === t) {
        current.v[last] = value;
        current.s[last] = stale;
      } else {
        current.t.push(t);
        current.v.push(value);
        current.s.push(stale);
      }
    }
    close();
    return bySeries;
  }

  /**
   * Rollup rows of some series with bucket start in [fromMs, toMs], ordered by series and
   * bucket. States are merged on read: a bucket may still be spread over unmerged rows, and
   * the samples the roller has not reached yet (blocks above its watermark, late ones
   * included) are aggregated from raw in the same query, so a bucket is complete however far
   * the roller got. `metric`, when all the series share it, lets the engine use the tables'
   * sort key; `timeoutMs` as for `samples`.
   */
  async rollup(
    resolution: RollupResolution,
    fingerprints: string[],
    fromMs: number,
    toMs: number,
    metric: string | null = null,
    timeoutMs?: number,
  ): Promise<RollupRow[]> {
    if (fingerprints.length === 0) return [];
    const byMetric = metric === null ? unsafeRaw('1') : sql`metric = ${p.String(metric)}`;
    const bySeries = sql`fingerprint IN (SELECT arrayJoin(${p.ArrayString(fingerprints)})::UInt64)`;
    const width = RESOLUTION_MS[resolution];
    // Bucket starts in [fromMs, toMs] are whole multiples of the width (UTC days included).
    const firstBucket = Math.ceil(fromMs / width) * width;
    const lastBucket = Math.floor(toMs / width) * width;
    if (lastBucket < firstBucket) return [];
    const bytes = await rollupStateOf(this.store).read((rolledTo) =>
      this.store.queryRowBinary(
        sql`
      SELECT fingerprint, toUnixTimestamp(bucket) AS t,
        minMerge(min_value) AS min, maxMerge(max_value) AS max, sumMerge(sum_value) AS sum,
        countMerge(sample_count) AS count,
        argMinMerge(first_value) AS first, argMaxMerge(last_value) AS last
      FROM (
        SELECT fingerprint, bucket, min_value, max_value, sum_value, sample_count, first_value, last_value
        FROM ${ident(ROLLUP_TABLES[resolution])}
        WHERE ${byMetric} AND ${bySeries}
          AND bucket >= ${secTime(firstBucket / 1000)} AND bucket <= ${secTime(lastBucket / 1000)}
        UNION ALL
        SELECT fingerprint, ${unsafeRaw(BUCKET_OF_TS[resolution])} AS bucket,
          minState(value) AS min_value, maxState(value) AS max_value, sumState(value) AS sum_value,
          countState() AS sample_count, argMinState(value, ts) AS first_value, argMaxState(value, ts) AS last_value
        FROM metric_samples
        WHERE ${byMetric} AND ${bySeries} AND stale = 0 AND _block_number > ${p.UInt64(rolledTo)}
          AND ts >= ${msTime(firstBucket)} AND ts < ${msTime(lastBucket + width)}
        GROUP BY fingerprint, bucket)
      GROUP BY fingerprint, bucket
      ORDER BY fingerprint, bucket`,
        executionLimit(timeoutMs),
      ),
    );
    const out: RollupRow[] = [];
    for (const r = new RowBinaryReader(bytes); !r.done; ) {
      out.push({
        fingerprint: r.uint64Text(),
        t: r.uint32() * 1000,
        min: r.float64(),
        max: r.float64(),
        sum: r.float64(),
        count: r.int64(),
        first: r.float64(),
        last: r.float64(),
      });
    }
    return out;
  }

  /**
   * Recomputes all rollup tiers for [fromMs, toMs) from raw samples, e.g. after a tier lost
   * rows. The range is widened to whole UTC days so that every 1h and 1d bucket touched is
   * rebuilt from all its minutes; samples the roller has not reached stay its work. Rolls and
   * rollup reads wait while it runs. Returns the widened range.
   */
  async rebuildRollups(fromMs: number, toMs: number): Promise<{ fromMs: number; toMs: number }> {
    const state = rollupStateOf(this.store);
    return state.lock.write(async () => rebuildTiers(this.store, fromMs, toMs, await state.load()));
  }

  async labelNames(condition: Sql): Promise<string[]> {
    const rows = await this.store.query<{ k: string }>(
      sql`SELECT DISTINCT arrayJoin(mapKeys(labels)) AS k FROM metric_series WHERE ${condition} ORDER BY k`,
    );
    return rows.map((r) => r.k);
  }

  async labelValues(name: string, condition: Sql): Promise<string[]> {
    const rows =
      name === '__name__'
        ? await this.store.query<{ v: string }>(
            sql`SELECT DISTINCT metric AS v FROM metric_series WHERE ${condition} ORDER BY v`,
          )
        : await this.store.query<{ v: string }>(
            sql`SELECT DISTINCT labels[${p.String(name)}] AS v FROM metric_series WHERE ${condition} AND mapContains(labels, ${p.String(name)}) ORDER BY v`,
          );
    return rows.map((r) => r.v);
  }

  async metadata(metric?: string): Promise<MetricMetadata[]> {
    const filter = metric ? sql`WHERE metric = ${p.String(metric)}` : unsafeRaw('');
    return this.store.query<MetricMetadata>(
      sql`SELECT metric, argMax(type, updated) AS type, argMax(unit, updated) AS unit, argMax(help, updated) AS help FROM metric_metadata ${filter} GROUP BY metric ORDER BY metric`,
    );
  }
}

/** max_execution_time counts whole seconds here; a deadline already past still gets one. */
function executionLimit(timeoutMs: number | undefined): Record<string, number> {
  return timeoutMs === undefined ? {} : { max_execution_time: Math.max(1, Math.ceil(timeoutMs / 1000)) };
}

function msTime(ms: number): Sql {
  return sql`fromUnixTimestamp64Milli(${p.Int64(Math.trunc(ms))}, 'UTC')`;
}

function secTime(seconds: number): Sql {
  return sql`toDateTime(${p.Int64(Math.trunc(seconds))}, 'UTC')`;
}
