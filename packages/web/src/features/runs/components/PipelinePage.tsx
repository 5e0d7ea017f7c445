import { RESOURCE_METRICS, type Run } from '@stellwerk/contracts';
import { ApiError } from '../../../shared/api/client.ts';
import { useApi } from '../../../shared/api/useApi.ts';
import { EmptyState, ErrorState } from '../../../shared/components/States.tsx';
import { Link } from '../../../shared/router/router.tsx';
import { formatShort } from '../../../shared/time/range.ts';
import { fetchChildRuns, fetchRun, MAX_STEPS } from '../api/runsApi.ts';
import { formatBytes, formatRunDuration, runDurationMs, runLabel } from '../format.ts';
import { RUNS_PATH, runPath } from '../paths.ts';
import { PipelineRightsizing } from './PipelineRightsizing.tsx';
import { STATUS_COLORS, StatusBadge } from './StatusBadge.tsx';

/** The peak memory a step reports: its own metric, or the one `stellwerk run` logs. */
const PEAK_KEYS = ['peak_rss_bytes', RESOURCE_METRICS.peakRssBytes.mlflow];
/** Where the time axis is labelled, as shares of the pipeline's span. */
const TICK_SHARES = [0, 0.2, 0.4, 0.6, 0.8, 1];

function peakRss(run: Run): number | undefined {
  const values = run.metrics.filter((m) => PEAK_KEYS.includes(m.key) && Number.isFinite(m.value)).map((m) => m.value);
  return values.length ? Math.max(...values) : undefined;
}

/** A pipeline run's steps (its child runs) on one time axis, coloured by status. */
export function PipelinePage({ runId }: { runId: string }) {
  const data = useApi(
    async (signal) => {
      const [pipeline, steps] = await Promise.all([fetchRun(runId, signal), fetchChildRuns(runId, signal)]);
      return { pipeline, steps: steps.runs, cut: steps.nextPageToken !== undefined };
    },
    [runId],
  );
  if (data.error && !data.data) {
    if (data.error instanceof ApiError && data.error.status === 404)
      return (
        <EmptyState title="This pipeline run does not exist" testId="pipeline-not-found">
          No run has the id <span className="mono">{runId}</span>.{' '}
          <Link href={RUNS_PATH}>Find it in the runs list</Link>.
        </EmptyState>
      );
    return <ErrorState error={data.error} retrying={data.retrying} onRetry={data.reload} />;
  }
  if (!data.data) return <div className="loading-rows">Loading the pipeline…</div>;
  const { pipeline, steps, cut } = data.data;
  const now = Date.now();
  const t0 = Math.min(pipeline.startTimeMs, ...steps.map((s) => s.startTimeMs));
  const ends = [pipeline, ...steps].map((r) => r.startTimeMs + runDurationMs(r, now));
  const span = Math.max(1000, Math.max(...ends) - t0);
  const pos = (ms: number) => `${((ms - t0) / span) * 100}%`;

  return (
    <div className="pipeline-page" data-testid="pipeline-page">
      <div className="crumbs small">
        <Link href={RUNS_PATH}>Runs</Link> › <Link href={runPath(pipeline.runId)}>{runLabel(pipeline)}</Link>
      </div>
      <h1 className="page-title run-title">
        Pipeline {runLabel(pipeline)} <StatusBadge status={pipeline.status} />
        <span className="muted small">
          {steps.length} {steps.length === 1 ? 'step' : 'steps'} · {formatRunDuration(runDurationMs(pipeline, now))} ·
          started {formatShort(pipeline.startTimeMs)}
        </span>
      </h1>
      {cut && (
        <div className="notice" role="status">
          Showing the first {MAX_STEPS} steps.
        </div>
      )}
      {steps.length === 0 ? (
        <EmptyState title="This pipeline has no steps yet" testId="empty-pipeline">
          Steps are runs whose parent is this run: created with <span className="mono">parentRunId</span> in the native
          API, or with the MLflow tag <span className="mono">mlflow.parentRunId</span> (nested runs).
        </EmptyState>
      ) : (
        <section className="panel timeline" data-testid="pipeline-timeline">
          <div className="timeline-row timeline-axis" aria-hidden="true">
            <div className="timeline-label" />
            <div className="timeline-track">
              {TICK_SHARES.map((share) => (
                <span key={share} className="timeline-tick" style={{ left: `${share * 100}%` }}>
                  {share === 0 ? 'start' : `+${formatRunDuration(span * share)}`}
                </span>
              ))}
            </div>
            <div className="timeline-facts muted small">duration · peak memory</div>
          </div>
          {steps.map((s) => {
            const dur = runDurationMs(s, now);
            const peak = peakRss(s);
            return (
              <div key={s.runId} className="timeline-row" data-testid="pipeline-step" data-status={s.status}>
                <div className="timeline-label">
                  <Link href={runPath(s.runId)} className="ellipsis" title={s.name}>
                    {runLabel(s)}
                  </Link>
                  <StatusBadge status={s.status} />
                </div>
                <div className="timeline-track">
                  <Link
                    href={runPath(s.runId)}
                    className={`timeline-bar${s.status === 'RUNNING' ? ' running' : ''}`}
                    style={{
                      left: pos(s.startTimeMs),
                      width: `max(3px, ${(dur / span) * 100}%)`,
                      backgroundColor: STATUS_COLORS[s.status],
                    }}
                    title={`${runLabel(s)}: ${s.status.toLowerCase()}, ${formatShort(s.startTimeMs)}, ${formatRunDuration(dur)}`}
                    aria-label={`${runLabel(s)} ${s.status.toLowerCase()} for ${formatRunDuration(dur)}`}
                  />
                </div>
                <div className="timeline-facts mono small">
                  <span data-testid="step-duration">{formatRunDuration(dur)}</span> ·{' '}
                  <span data-testid="step-peak">{peak === undefined ? '–' : formatBytes(peak)}</span>
                  {s.exitCode !== null && s.exitCode !== 0 && <span className="field-error"> exit {s.exitCode}</span>}
                </div>
              </div>
            );
          })}
        </section>
      )}
      {steps.length > 0 && <PipelineRightsizing pipeline={pipeline} />}
    </div>
  );
}
