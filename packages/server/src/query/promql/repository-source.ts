import type { MetricsRepository } from '../../store/metrics-repository.ts';
import type { LabelMatcher } from './ast.ts';
import { compareLabels } from './labels.ts';
import { matchersToSql } from './matchers.ts';
import { type QueryLimits, type SampleSource, type SeriesData, tooManySeries } from './source.ts';

/**
 * Reads selectors from the metrics tables: matching series first (labels are stored once per
 * series), then their raw samples in one query.
 *
 * Staleness: the ingest path writes values through JSON, which keeps NaN but not its bit
 * pattern, so Prometheus' stale marker cannot be told from a NaN sample once stored. Every
 * stored NaN is therefore read as a staleness marker: a series that ended stops answering
 * instead of turning every sum over it into NaN for five minutes.
 */
export class RepositorySource implements SampleSource {
  constructor(private readonly repo: MetricsRepository) {}

  async select(
    matchers: readonly LabelMatcher[],
    fromMs: number,
    toMs: number,
    limits: QueryLimits,
  ): Promise<SeriesData[]> {
    const rows = await this.repo.matchSeries(matchersToSql(matchers), undefined, limits.maxSeriesPerSelector + 1);
    if (rows.length > limits.maxSeriesPerSelector) throw tooManySeries(limits.maxSeriesPerSelector);
    if (rows.length === 0) return [];
    const name = matchers.find((m) => m.name === '__name__' && m.op === '=')?.value ?? null;
    const samples = await this.repo.samples(
      name,
      rows.map((r) => r.fingerprint),
      fromMs,
      toMs,
    );
    const byFp = new Map<string, { t: number[]; v: number[] }>();
    for (const s of samples) {
      let acc = byFp.get(s.fingerprint);
      if (!acc) {
        acc = { t: [], v: [] };
        byFp.set(s.fingerprint, acc);
      }
      // The engine may hold a sample twice until merges deduplicate; keep one per timestamp.
      if (acc.t[acc.t.length - 1] === s.t) acc.v[acc.v.length - 1] = s.value;
      else {
        acc.t.push(s.t);
        acc.v.push(s.value);
      }
    }
    const out: SeriesData[] = [];
    for (const r of rows) {
      const acc = byFp.get(r.fingerprint);
      if (!acc) continue;
      const stale = Uint8Array.from(acc.v, (v) => (Number.isNaN(v) ? 1 : 0));
      out.push({ labels: { ...r.labels, __name__: r.metric }, t: acc.t, v: acc.v, stale });
    }
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }
}
