import type { MetricMetadata } from '@stellwerk/contracts';
import type { MetricsRepository } from '../../store/metrics-repository.ts';
import type { LabelMatcher } from './ast.ts';
import { badData } from './errors.ts';
import type { Labels } from './labels.ts';
import { selectorsToSql } from './matchers.ts';
import { parsePromql } from './parse.ts';

export const MAX_SERIES_RESULT = 10_000;

/** A `match[]` parameter: it must be a plain series selector. */
export function parseMatchSelector(text: string): LabelMatcher[] {
  const e = parsePromql(text);
  if (e.kind !== 'selector' || e.rangeMs !== undefined || e.offsetMs !== 0 || e.at)
    throw badData(`invalid parameter "match[]": ${JSON.stringify(text)} is not a series selector`);
  return e.matchers;
}

/** Series, label names and values for the metadata endpoints, over match[] selectors. */
export class SeriesQueries {
  constructor(private readonly repo: MetricsRepository) {}

  async series(matchers: LabelMatcher[][], range: { fromMs: number; toMs: number } | undefined): Promise<Labels[]> {
    const rows = await this.repo.matchSeries(selectorsToSql(matchers), range, MAX_SERIES_RESULT);
    return rows.map((r) => ({ __name__: r.metric, ...r.labels }));
  }

  async labelNames(matchers: LabelMatcher[][]): Promise<string[]> {
    const names = await this.repo.labelNames(selectorsToSql(matchers));
    return names.length === 0 ? [] : [...new Set(['__name__', ...names])].sort();
  }

  labelValues(name: string, matchers: LabelMatcher[][]): Promise<string[]> {
    return this.repo.labelValues(name, selectorsToSql(matchers));
  }

  metadata(metric?: string): Promise<MetricMetadata[]> {
    return this.repo.metadata(metric);
  }
}
