import type { MetricsRepository } from '../../store/metrics-repository.ts';
import type { LabelMatcher } from './ast.ts';
import { compareLabels } from './labels.ts';
import { matchersToSql } from './matchers.ts';
import {
  type QueryLimits,
  type RollupSeriesData,
  type SampleSource,
  type SeriesData,
  type Tier,
  tooManySeries,
} from './source.ts';

/**
 * Reads selectors from the metrics tables: matching series first (labels are stored once per
 * series), then their raw samples (or rollup buckets) in one query.
 *
 * Staleness: samples carry a stored `stale` flag (Prometheus' marker), so a real NaN sample
 * stays a NaN value while a marker ends its series.
 */
export class RepositorySource implements SampleSource {
  constructor(private readonly repo: MetricsRepository) {}

  async selectRollup(
    tier: Tier,
    matchers: readonly LabelMatcher[],
    fromMs: number,
    toMs: number,
    limits: QueryLimits,
    deadlineMs?: number,
  ): Promise<RollupSeriesData[]> {
    const rows = await this.repo.matchSeries(matchersToSql(matchers), undefined, limits.maxSeriesPerSelector + 1);
    if (rows.length > limits.maxSeriesPerSelector) throw tooManySeries(limits.maxSeriesPerSelector);
    if (rows.length === 0) return [];
    const name = matchers.find((m) => m.name === '__name__' && m.op === '=')?.value ?? null;
    const buckets = await this.repo.rollup(
      tier,
      rows.map((r) => r.fingerprint),
      fromMs,
      toMs,
      name,
      remaining(deadlineMs),
    );
    const byFp = new Map<string, Omit<RollupSeriesData, 'labels'>>();
    for (const b of buckets) {
      let acc = byFp.get(b.fingerprint);
      if (!acc) {
        acc = { t: [], min: [], max: [], sum: [], count: [], first: [], last: [] };
        byFp.set(b.fingerprint, acc);
      }
      acc.t.push(b.t);
      acc.min.push(b.min);
      acc.max.push(b.max);
      acc.sum.push(b.sum);
      acc.count.push(b.count);
      acc.first.push(b.first);
      acc.last.push(b.last);
    }
    const out: RollupSeriesData[] = [];
    for (const r of rows) {
      const acc = byFp.get(r.fingerprint);
      if (acc) out.push({ labels: { ...r.labels, __name__: r.metric }, ...acc });
    }
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }

  async select(
    matchers: readonly LabelMatcher[],
    fromMs: number,
    toMs: number,
    limits: QueryLimits,
    deadlineMs?: number,
  ): Promise<SeriesData[]> {
    const rows = await this.repo.matchSeries(matchersToSql(matchers), undefined, limits.maxSeriesPerSelector + 1);
    if (rows.length > limits.maxSeriesPerSelector) throw tooManySeries(limits.maxSeriesPerSelector);
    if (rows.length === 0) return [];
    const name = matchers.find((m) => m.name === '__name__' && m.op === '=')?.value ?? null;
    const bySeries = await this.repo.samplesBySeries(
      name,
      rows.map((r) => r.fingerprint),
      fromMs,
      toMs,
      remaining(deadlineMs),
    );
    const out: SeriesData[] = [];
    for (const r of rows) {
      const series = bySeries.get(r.fingerprint);
      if (series)
        out.push({ labels: { ...r.labels, __name__: r.metric }, t: series.t, v: series.v, stale: series.stale });
    }
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }
}

function remaining(deadlineMs: number | undefined): number | undefined {
  return deadlineMs === undefined ? undefined : deadlineMs - Date.now();
}
