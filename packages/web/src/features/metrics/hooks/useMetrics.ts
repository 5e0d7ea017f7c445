import { useCallback, useMemo, useRef } from 'react';
import { useApi } from '../../../shared/api/useApi.ts';
import { setSearchParams, useSearch } from '../../../shared/router/router.tsx';
import { useTime } from '../../../shared/time/TimeContext.tsx';
import { fetchMetadata, fetchMetricNames, type MetricMeta, queryRange } from '../api/promApi.ts';

export type MetricsView = 'chart' | 'table';

export interface MetricsUrlState {
  query: string;
  view: MetricsView;
  /** Minimum step in seconds (`minStep=` in the URL); undefined means automatic. */
  minStep: number | undefined;
}

/** Query, view and minimum step live in the URL so an exploration can be shared as a link. */
export function useMetricsUrl(): [MetricsUrlState, (patch: Partial<MetricsUrlState>) => void] {
  const search = useSearch();
  const { refreshNow } = useTime();
  const state = useMemo(() => {
    const sp = new URLSearchParams(search);
    const minStep = Number(sp.get('minStep'));
    return {
      query: sp.get('q') ?? '',
      view: (sp.get('view') === 'table' ? 'table' : 'chart') as MetricsView,
      minStep: Number.isFinite(minStep) && minStep > 0 ? minStep : undefined,
    };
  }, [search]);
  const update = useCallback(
    (patch: Partial<MetricsUrlState>) => {
      const p: Record<string, string | null> = {};
      if (patch.query !== undefined) p.q = patch.query.trim() || null;
      if (patch.view !== undefined) p.view = patch.view === 'chart' ? null : patch.view;
      if ('minStep' in patch) p.minStep = patch.minStep ? String(patch.minStep) : null;
      // Only a new query is a history entry; view and step toggles replace the current one.
      setSearchParams(p, { replace: patch.query === undefined });
      // Running the same query again is a refresh: relative ranges move to "now".
      if (patch.query !== undefined) refreshNow();
    },
    [refreshNow],
  );
  return [state, update];
}

/** The range query over the page's time range; re-runs on every refresh tick. */
export function useRangeQuery(query: string, minStepSec: number | undefined) {
  const { abs, tick } = useTime();
  return useApi(
    (signal) => queryRange({ query, range: abs, minStepSec }, signal),
    [query, abs, tick, minStepSec],
    query.trim() !== '',
  );
}

/**
 * Metric names for autocomplete and the builder. Fetched once; while the store has none yet
 * (the empty state is showing) they follow the refresh tick, so the page notices new data.
 */
export function useMetricNames() {
  const { tick } = useTime();
  const empty = useRef(false);
  const names = useApi((signal) => fetchMetricNames(signal), [empty.current ? tick : 0]);
  empty.current = names.data?.length === 0;
  return names;
}

export function useMetadata() {
  return useApi<Record<string, MetricMeta>>((signal) => fetchMetadata(signal), []);
}
