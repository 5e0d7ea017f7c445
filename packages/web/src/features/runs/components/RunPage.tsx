import type { Run } from '@stellwerk/contracts';
import { useEffect, useMemo } from 'react';
import { ApiError } from '../../../shared/api/client.ts';
import { useApi } from '../../../shared/api/useApi.ts';
import { seriesColors } from '../../../shared/chart/colors.ts';
import { EmptyState, ErrorState } from '../../../shared/components/States.tsx';
import { Link, setSearchParams, useSearch } from '../../../shared/router/router.tsx';
import type { XAxis } from '../api/frames.ts';
import { fetchExperiments, fetchRun } from '../api/runsApi.ts';
import { isSystemMetric } from '../columns.ts';
import { runLabel } from '../format.ts';
import { experimentPath, RUNS_PATH } from '../paths.ts';
import { AxisToggle } from './AxisToggle.tsx';
import { KeyValueTable } from './KeyValueTable.tsx';
import { MetricHistoryChart } from './MetricHistoryChart.tsx';
import { RunArtifacts } from './RunArtifacts.tsx';
import { RunDatasets } from './RunDatasets.tsx';
import { RunInfo } from './RunInfo.tsx';
import { RunLogs } from './RunLogs.tsx';
import { RunResources } from './RunResources.tsx';
import { StatusBadge } from './StatusBadge.tsx';

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'logs', label: 'Logs' },
  { id: 'resources', label: 'Resources' },
  { id: 'datasets', label: 'Datasets' },
  { id: 'artifacts', label: 'Artifacts' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/** A running run is re-read this often so status, metrics and charts follow it. */
const LIVE_REFRESH_MS = 10_000;

export function RunPage({ runId }: { runId: string }) {
  const search = useSearch();
  const sp = useMemo(() => new URLSearchParams(search), [search]);
  const tab: Tab = TABS.find((t) => t.id === sp.get('tab'))?.id ?? 'overview';
  const axis: XAxis = sp.get('x') === 'time' ? 'time' : 'step';
  const run = useApi((signal) => fetchRun(runId, signal), [runId]);
  const experiments = useApi((signal) => fetchExperiments(signal), []);

  const data = run.data;
  const running = data?.status === 'RUNNING';
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload is stable
  useEffect(() => {
    if (!running) return;
    const id = setInterval(run.reload, LIVE_REFRESH_MS);
    return () => clearInterval(id);
  }, [running]);

  if (run.error && !data) {
    if (run.error instanceof ApiError && run.error.status === 404)
      return (
        <EmptyState title="This run does not exist" testId="run-not-found">
          No run has the id <span className="mono">{runId}</span>; it may have been deleted or the link is cut short.{' '}
          <Link href={RUNS_PATH}>Find it in the runs list</Link>.
        </EmptyState>
      );
    return <ErrorState error={run.error} retrying={run.retrying} onRetry={run.reload} />;
  }
  if (!data) return <div className="loading-rows">Loading run…</div>;

  return (
    <div className="run-page" data-testid="run-page" data-run-id={runId}>
      <header className="run-head">
        <div className="crumbs small">
          <Link href={RUNS_PATH}>Runs</Link> ›{' '}
          <Link href={experimentPath(data.experimentId)}>
            {experiments.data?.find((e) => e.experimentId === data.experimentId)?.name ??
              `experiment ${data.experimentId}`}
          </Link>
        </div>
        <h1 className="page-title run-title">
          <span data-testid="run-title">{runLabel(data)}</span>
          <StatusBadge status={data.status} />
          <span className="mono muted small">{data.runId}</span>
        </h1>
      </header>
      <div className="tabs" role="tablist" aria-label="Run sections">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            className={`tab${tab === t.id ? ' on' : ''}`}
            onClick={() => setSearchParams({ tab: t.id === 'overview' ? null : t.id, path: null, file: null })}
            data-testid={`tab-${t.id}`}
          >
            {t.label}
          </button>
        ))}
      </div>
      {run.error && run.retrying && <ErrorState error={run.error} retrying />}
      {tab === 'overview' && <Overview run={data} axis={axis} />}
      {tab === 'logs' && <RunLogs run={data} />}
      {tab === 'resources' && <RunResources run={data} />}
      {tab === 'datasets' && <RunDatasets run={data} />}
      {tab === 'artifacts' && <RunArtifacts run={data} path={sp.get('path') ?? ''} />}
    </div>
  );
}

function Overview({ run, axis }: { run: Run; axis: XAxis }) {
  const keys = useMemo(
    () =>
      run.metrics
        .map((m) => m.key)
        .filter((k) => !isSystemMetric(k))
        .sort((a, b) => a.localeCompare(b)),
    [run.metrics],
  );
  const runs = useMemo(() => [run], [run]);
  // The latest value's step and time: a chart reloads its history only when that moves.
  const latest = useMemo(() => new Map(run.metrics.map((m) => [m.key, `${m.step}:${m.timestampMs}`])), [run.metrics]);
  const colorMaps = useMemo(() => {
    const colors = seriesColors(keys);
    return new Map(keys.map((k, i) => [k, new Map([[run.runId, colors[i] ?? '#1f77b4']])]));
  }, [keys, run.runId]);

  return (
    <>
      <div className="run-overview">
        <RunInfo run={run} />
        <KeyValueTable title="Params" entries={run.params} testId="run-params" empty="No params were logged." />
        <KeyValueTable
          title="Tags"
          entries={run.tags}
          testId="run-tags"
          empty="No tags were set."
          hide={(k) => k === 'mlflow.runName' || k === 'mlflow.parentRunId'}
        />
      </div>
      <section className="run-charts-head">
        <h2 className="section-title">Metrics</h2>
        {keys.length > 0 && (
          <AxisToggle
            value={axis}
            options={['step', 'time']}
            onChange={(x) => setSearchParams({ x: x === 'step' ? null : x }, { replace: true })}
          />
        )}
      </section>
      {keys.length === 0 ? (
        <EmptyState title="No metrics logged" testId="empty-run-metrics">
          Metrics logged with <span className="mono">mlflow.log_metric</span> or the SDK appear here, one chart per key.
          {run.metrics.length > 0 && ' System metrics are on the Resources tab.'}
        </EmptyState>
      ) : (
        <div className="run-charts">
          {keys.map((k) => (
            <MetricHistoryChart
              key={k}
              metricKey={k}
              runs={runs}
              colors={colorMaps.get(k) ?? new Map()}
              axis={axis}
              version={latest.get(k)}
            />
          ))}
        </div>
      )}
    </>
  );
}
