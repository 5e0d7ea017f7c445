import type { Experiment, Run } from '@stellwerk/contracts';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useApi } from '../../../shared/api/useApi.ts';
import { EmptyState, ErrorState } from '../../../shared/components/States.tsx';
import { Link, navigate, setSearchParams, useSearch } from '../../../shared/router/router.tsx';
import { fetchExperiments, searchRuns } from '../api/runsApi.ts';
import { type ColumnId, defaultColumns, orderByFor, parseColumns, parseSort, type SortState } from '../columns.ts';
import { filterError } from '../filterError.ts';
import { comparePath, MAX_COMPARE, MIN_COMPARE } from '../paths.ts';
import { ColumnPicker } from './ColumnPicker.tsx';
import { ExperimentRightsizing } from './ExperimentRightsizing.tsx';
import { RunFilterBar } from './RunFilterBar.tsx';
import { RunsTable } from './RunsTable.tsx';

const PAGE_SIZES = [25, 50, 100, 200];
const DEFAULT_SIZE = 50;

export function RunsListPage() {
  const search = useSearch();
  const sp = useMemo(() => new URLSearchParams(search), [search]);
  const experimentId = sp.get('exp') ?? '';
  const filter = sp.get('filter') ?? '';
  const sort = parseSort(sp.get('sort'));
  const size = PAGE_SIZES.includes(Number(sp.get('size'))) ? Number(sp.get('size')) : DEFAULT_SIZE;
  const colsParam = sp.get('cols');
  const rightsizing = sp.get('view') === 'rightsizing';

  const experiments = useApi((signal) => fetchExperiments(signal), []);

  // Page tokens seen so far; index i holds the token of page i (page 0 has none).
  const [tokens, setTokens] = useState<Array<string | undefined>>([undefined]);
  const [pageIndex, setPageIndex] = useState(0);
  const queryKey = `${experimentId}\u0000${filter}\u0000${sort.column}\u0000${sort.desc}\u0000${size}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new question starts at page one
  useEffect(() => {
    setTokens([undefined]);
    setPageIndex(0);
  }, [queryKey]);

  const pageToken = tokens[pageIndex];
  const runs = useApi(
    (signal) => searchRuns({ experimentId, filter, orderBy: orderByFor(sort), maxResults: size, pageToken }, signal),
    [queryKey, pageToken],
    !rightsizing,
  );
  const badFilter = filterError(runs.error);
  const pageRuns = runs.data?.runs ?? [];

  const columns: ColumnId[] = useMemo(
    () => (colsParam === null ? defaultColumns(pageRuns) : parseColumns(colsParam)),
    [colsParam, pageRuns],
  );

  const [selected, setSelected] = useState<Map<string, Run>>(new Map());
  const toggleSelect = useCallback((run: Run) => {
    setSelected((s) => {
      const n = new Map(s);
      if (n.has(run.runId)) n.delete(run.runId);
      else if (n.size < MAX_COMPARE) n.set(run.runId, run);
      return n;
    });
  }, []);

  const setSort = (next: SortState) =>
    setSearchParams({
      sort:
        next.column === 'attributes.start_time' && next.desc ? null : `${next.column}:${next.desc ? 'desc' : 'asc'}`,
    });
  const setColumns = (cols: ColumnId[]) =>
    setSearchParams({ cols: cols.map(encodeURIComponent).join(',') }, { replace: true });
  const next = runs.data?.nextPageToken;

  const experimentList = (experiments.data ?? []).filter((e) => e.lifecycleStage === 'active');
  const current = experimentList.find((e) => e.experimentId === experimentId);

  return (
    <div className="runs-page">
      <ExperimentsSidebar
        experiments={experimentList}
        loading={experiments.loading && !experiments.data}
        error={experiments.error}
        current={experimentId}
        onRetry={experiments.reload}
      />
      <div className="runs-main">
        <div className="tabs" role="tablist" aria-label="View">
          {(
            [
              [false, 'Runs', 'view-runs'],
              [true, 'Right-sizing', 'view-rightsizing'],
            ] as const
          ).map(([on, label, testId]) => (
            <button
              key={testId}
              type="button"
              role="tab"
              aria-selected={rightsizing === on}
              className={`tab${rightsizing === on ? ' on' : ''}`}
              onClick={() => setSearchParams({ view: on ? 'rightsizing' : null })}
              data-testid={testId}
            >
              {label}
            </button>
          ))}
        </div>
        {rightsizing ? (
          <ExperimentRightsizing
            experimentId={experimentId}
            name={current ? current.name : experimentId ? `Experiment ${experimentId}` : 'All experiments'}
          />
        ) : (
          <>
            <section className="panel runs-query">
              <RunFilterBar
                filter={filter}
                error={badFilter}
                busy={runs.loading}
                onSubmit={(f) => setSearchParams({ filter: f.trim() || null })}
              />
            </section>

            <section className="panel">
              <header className="panel-head">
                <span data-testid="runs-heading">
                  {current ? current.name : experimentId ? `Experiment ${experimentId}` : 'All experiments'}
                </span>
                {runs.data && !badFilter && (
                  <span className="muted" data-testid="runs-count">
                    {pageRuns.length === 0
                      ? 'no runs'
                      : `runs ${(pageIndex * size + 1).toLocaleString()}–${(pageIndex * size + pageRuns.length).toLocaleString()}${next ? '' : ' (last page)'}`}
                  </span>
                )}
                <div className="right runs-tools">
                  {selected.size > 0 && (
                    <span className="muted" data-testid="selected-count">
                      {selected.size} selected
                      <button type="button" className="link-btn" onClick={() => setSelected(new Map())}>
                        clear
                      </button>
                    </span>
                  )}
                  <button
                    type="button"
                    className="btn btn-primary btn-small"
                    disabled={selected.size < MIN_COMPARE}
                    title={
                      selected.size < MIN_COMPARE
                        ? `Tick ${MIN_COMPARE} to ${MAX_COMPARE} runs to compare them`
                        : 'Open the selected runs side by side'
                    }
                    onClick={() => navigate(comparePath([...selected.keys()]))}
                    data-testid="compare-selected"
                  >
                    Compare{selected.size ? ` (${selected.size})` : ''}
                  </button>
                  <ColumnPicker runs={pageRuns} columns={columns} onChange={setColumns} />
                </div>
              </header>

              {badFilter ? (
                <EmptyState title="Fix the filter to see runs" testId="empty-bad-filter">
                  The server could not use it; its message is shown under the filter box.
                </EmptyState>
              ) : runs.error && !runs.data ? (
                <ErrorState error={runs.error} retrying={runs.retrying} onRetry={runs.reload} />
              ) : !runs.data ? (
                <div className="loading-rows">Loading runs…</div>
              ) : pageRuns.length === 0 ? (
                filter ? (
                  <EmptyState title="No runs match" testId="empty-no-match">
                    Nothing matches <span className="mono">{filter}</span>
                    {current ? ` in ${current.name}` : ''}. Loosen the filter or pick another experiment.
                  </EmptyState>
                ) : pageIndex > 0 ? (
                  <EmptyState title="No more runs" testId="empty-past-end">
                    <button type="button" className="btn" onClick={() => setPageIndex(0)}>
                      Back to the first page
                    </button>
                  </EmptyState>
                ) : (
                  <NoRunsYet />
                )
              ) : (
                <>
                  {runs.error && runs.retrying && <ErrorState error={runs.error} retrying />}
                  <RunsTable
                    runs={pageRuns}
                    columns={columns}
                    sort={sort}
                    onSort={setSort}
                    selected={selected}
                    onToggle={toggleSelect}
                    selectionFull={selected.size >= MAX_COMPARE}
                  />
                </>
              )}

              <div className="table-foot">
                <label className="muted small page-size">
                  Rows per page{' '}
                  <select
                    value={size}
                    onChange={(e) =>
                      setSearchParams({ size: e.target.value === String(DEFAULT_SIZE) ? null : e.target.value })
                    }
                    data-testid="page-size"
                  >
                    {PAGE_SIZES.map((s) => (
                      <option key={s} value={s}>
                        {s}
                      </option>
                    ))}
                  </select>
                </label>
                <span className="pager">
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={pageIndex === 0}
                    onClick={() => setPageIndex((i) => Math.max(0, i - 1))}
                    data-testid="page-prev"
                  >
                    ‹ Previous
                  </button>
                  <span className="muted small" data-testid="page-number">
                    page {pageIndex + 1}
                  </span>
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={!next || runs.loading}
                    onClick={() => {
                      setTokens((t) => [...t.slice(0, pageIndex + 1), next]);
                      setPageIndex((i) => i + 1);
                    }}
                    data-testid="page-next"
                  >
                    Next ›
                  </button>
                </span>
              </div>
            </section>
          </>
        )}
      </div>
    </div>
  );
}

function ExperimentsSidebar({
  experiments,
  loading,
  error,
  current,
  onRetry,
}: {
  experiments: Experiment[];
  loading: boolean;
  error: Error | undefined;
  current: string;
  onRetry: () => void;
}) {
  const link = (id: string) => {
    const sp = new URLSearchParams(window.location.search);
    if (id) sp.set('exp', id);
    else sp.delete('exp');
    const s = sp.toString();
    return `/runs${s ? `?${s}` : ''}`;
  };
  return (
    <nav className="panel experiments" aria-label="Experiments" data-testid="experiments">
      <div className="experiments-title">Experiments</div>
      <ul>
        <li>
          <Link href={link('')} className={`exp-link${current === '' ? ' active' : ''}`} data-testid="experiment-all">
            All experiments
          </Link>
        </li>
        {experiments.map((e) => (
          <li key={e.experimentId}>
            <Link
              href={link(e.experimentId)}
              className={`exp-link${current === e.experimentId ? ' active' : ''}`}
              title={`${e.name} (id ${e.experimentId})`}
              data-testid="experiment-item"
              data-name={e.name}
            >
              {e.name}
            </Link>
          </li>
        ))}
      </ul>
      {loading && <div className="muted small exp-note">Loading…</div>}
      {error && <ErrorState error={error} onRetry={onRetry} />}
    </nav>
  );
}

function NoRunsYet() {
  const origin = window.location.origin;
  return (
    <EmptyState title="No runs yet" testId="empty-no-runs">
      <p>Point an MLflow client at Stellwerk and train as usual:</p>
      <p>
        <code className="cmd">MLFLOW_TRACKING_URI={origin} python train.py</code>
      </p>
      <p>or wrap any command so its output, resources and exit code are recorded:</p>
      <p>
        <code className="cmd">stellwerk run -- python train.py</code>
      </p>
    </EmptyState>
  );
}
