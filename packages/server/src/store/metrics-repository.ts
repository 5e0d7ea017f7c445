import type { MetricMetadata } from '@stellwerk/contracts';
import type { Store } from './client.ts';
import { p, type Sql, sql, unsafeRaw } from './sql.ts';

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

/** The metrics tables: series (labels once per series), samples, metadata. */
export class MetricsRepository {
  constructor(private readonly store: Store) {}

  insertSamples(body: Buffer, dedupToken: string): Promise<void> {
    return this.store.insertJsonEachRow('metric_samples', body, dedupToken);
  }

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

  /** Raw samples of some series in [fromMs, toMs], ordered by series and time. */
  async samples(metric: string | null, fingerprints: string[], fromMs: number, toMs: number): Promise<SampleRow[]> {
    if (fingerprints.length === 0) return [];
    const byMetric = metric === null ? unsafeRaw('1') : sql`metric = ${p.String(metric)}`;
    const rows = await this.store.query<{ fingerprint: string; t: string; value: number | string; stale: number }>(sql`
      SELECT toString(fingerprint) AS fingerprint, toString(toUnixTimestamp64Milli(ts)) AS t, value, stale
      FROM metric_samples
      WHERE ${byMetric} AND fingerprint IN (SELECT arrayJoin(${p.ArrayString(fingerprints)})::UInt64)
        AND ts >= ${msTime(fromMs)} AND ts <= ${msTime(toMs)}
      ORDER BY fingerprint, ts`);
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      t: Number(r.t),
      value: toNumber(r.value),
      stale: Number(r.stale) === 1,
    }));
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

function msTime(ms: number): Sql {
  return sql`fromUnixTimestamp64Milli(${p.Int64(Math.trunc(ms))}, 'UTC')`;
}

/** The engine writes non-finite floats as JSON strings ("nan", "inf", "-inf"). */
function toNumber(v: number | string): number {
  if (typeof v === 'number') return v;
  if (v === 'nan' || v === 'NaN') return Number.NaN;
  if (v === 'inf' || v === '+inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(v);
}
