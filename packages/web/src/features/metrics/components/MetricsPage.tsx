import { useEffect, useMemo, useState } from 'react';
import '../metrics.css';
import { LineChart } from '../../../shared/chart/LineChart.tsx';
import { SeriesLegend } from '../../../shared/chart/SeriesLegend.tsx';
import { EmptyState, ErrorState } from '../../../shared/components/States.tsx';
import type { Field } from '../../../shared/frame/frame.ts';
import { formatDuration } from '../../../shared/time/range.ts';
import { useTime } from '../../../shared/time/TimeContext.tsx';
import { PromError } from '../api/promApi.ts';
import { useMetadata, useMetricNames, useMetricsUrl, useRangeQuery } from '../hooks/useMetrics.ts';
import { type BuilderState, EMPTY_BUILDER } from '../promql.ts';
import { NoMetricsYet } from './NoMetricsYet.tsx';
import { PromqlEditor } from './PromqlEditor.tsx';
import { QueryBuilder } from './QueryBuilder.tsx';
import { SeriesTable } from './SeriesTable.tsx';

/** More lines than this are unreadable and slow to draw; the table still lists all series. */
export const SERIES_LIMIT = 50;

export function MetricsPage() {
  const [url, setUrl] = useMetricsUrl();
  const { abs, setRange } = useTime();
  const [text, setText] = useState(url.query);
  const [mode, setMode] = useState<'code' | 'builder'>('code');
  const [builder, setBuilder] = useState<BuilderState>(EMPTY_BUILDER);
  const [hidden, setHidden] = useState<Set<string>>(new Set());

  // The URL is the source of truth: follow it on back/forward and shared links.
  useEffect(() => setText(url.query), [url.query]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new query starts with all series visible
  useEffect(() => setHidden(new Set()), [url.query]);

  const names = useMetricNames();
  const noMetrics = names.data?.length === 0;
  const metricNames = names.data ?? [];
  const metadata = useMetadata();
  const result = useRangeQuery(url.query, url.minStep);

  const queryError = result.error instanceof PromError ? result.error.message : undefined;
  const frame = result.data;
  const allSeries = useMemo(() => (frame?.fields.slice(1) ?? []) as Field[], [frame]);
  const shown = useMemo(() => allSeries.slice(0, SERIES_LIMIT), [allSeries]);
  const stepSec = frame?.meta?.stepSec as number | undefined;

  const run = (q: string) => setUrl({ query: q });
  const toggle = (name: string, only: boolean) =>
    setHidden((h) => {
      if (only) {
        const othersHidden = shown.every((f) => f.name === name || h.has(f.name));
        return othersHidden && !h.has(name) ? new Set() : new Set(shown.map((f) => f.name).filter((n) => n !== name));
      }
      const next = new Set(h);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });

  return (
    <div className="metrics-page">
      <section className="panel metrics-query">
        <div className="metrics-query-head">
          <div className="seg" role="tablist" aria-label="Editor mode">
            <button
              type="button"
              role="tab"
              aria-selected={mode === 'code'}
              className={`seg-btn${mode === 'code' ? ' on' : ''}`}
              data-testid="mode-code"
              onClick={() => setMode('code')}
            >
              PromQL
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={mode === 'builder'}
              className={`seg-btn${mode === 'builder' ? ' on' : ''}`}
              data-testid="mode-builder"
              onClick={() => setMode('builder')}
            >
              Builder
            </button>
          </div>
          <span className="muted small">Enter runs · Shift+Enter adds a line · suggestions appear as you type</span>
          <label className="min-step">
            <span className="muted small">Min step</span>
            <select
              value={url.minStep ?? ''}
              data-testid="min-step"
              onChange={(e) => setUrl({ minStep: Number(e.target.value) || undefined })}
            >
              <option value="">auto</option>
              {[1, 5, 10, 15, 30, 60, 300].map((s) => (
                <option key={s} value={s}>
                  {formatDuration(s * 1000)}
                </option>
              ))}
            </select>
          </label>
        </div>
        {mode === 'builder' && (
          <QueryBuilder
            state={builder}
            metricNames={metricNames}
            metadata={metadata.data ?? {}}
            onChange={(next, q) => {
              setBuilder(next);
              setText(q);
            }}
          />
        )}
        <div className="metrics-editor-row">
          <PromqlEditor
            value={text}
            onChange={setText}
            onRun={run}
            metricNames={metricNames}
            metadata={metadata.data ?? {}}
            error={queryError}
            busy={result.loading}
          />
          <button type="button" className="btn btn-primary run-btn" data-testid="run-query" onClick={() => run(text)}>
            Run query
          </button>
        </div>
      </section>

      <section className="panel metrics-results">
        <header className="panel-head">
          <span data-testid="series-count" data-count={frame ? allSeries.length : ''}>
            {frame && url.query ? `${allSeries.length} series` : 'Results'}
          </span>
          {stepSec ? <span className="muted">step {formatDuration(stepSec * 1000)}</span> : null}
          {url.view === 'chart' && allSeries.length > 0 && (
            <span className="muted">Drag across the chart to zoom in</span>
          )}
          <div className="seg right" role="tablist" aria-label="View">
            <button
              type="button"
              role="tab"
              aria-selected={url.view === 'chart'}
              className={`seg-btn${url.view === 'chart' ? ' on' : ''}`}
              data-testid="view-chart"
              onClick={() => setUrl({ view: 'chart' })}
            >
              Chart
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={url.view === 'table'}
              className={`seg-btn${url.view === 'table' ? ' on' : ''}`}
              data-testid="view-table"
              onClick={() => setUrl({ view: 'table' })}
            >
              Table
            </button>
          </div>
        </header>

        {url.view === 'chart' && allSeries.length > SERIES_LIMIT && (
          <div className="notice series-limit" role="status" data-testid="series-limit">
            showing {SERIES_LIMIT} of {allSeries.length} series — narrow the query with label filters or sum by (...)
          </div>
        )}

        {noMetrics && !url.query ? (
          <NoMetricsYet />
        ) : !url.query ? (
          <EmptyState title="Choose a metric" testId="empty-no-query">
            <p>Type a metric name in the editor (suggestions appear as you type) or use the Builder.</p>
            {metricNames.length > 0 && (
              <p className="metric-chips">
                {metricNames.slice(0, 12).map((m) => (
                  <button
                    key={m}
                    type="button"
                    className="btn btn-small mono"
                    data-testid="metric-chip"
                    onClick={() => run(m)}
                  >
                    {m}
                  </button>
                ))}
              </p>
            )}
          </EmptyState>
        ) : queryError ? (
          <EmptyState title="Fix the query to see results" testId="empty-bad-query">
            The server could not run it; its message is shown under the editor.
          </EmptyState>
        ) : result.error && !frame ? (
          <ErrorState error={result.error} retrying={result.retrying} onRetry={result.reload} />
        ) : !frame ? (
          <div className="loading-rows">Running query…</div>
        ) : allSeries.length === 0 ? (
          <EmptyState title="No series match" testId="empty-no-series">
            Nothing matches <span className="mono">{url.query}</span> in this time range. Widen the time range or check
            the label filters.
          </EmptyState>
        ) : url.view === 'chart' ? (
          <>
            {result.error && result.retrying && <ErrorState error={result.error} retrying />}
            <LineChart
              frame={frame}
              series={shown}
              hidden={hidden}
              xMin={abs.fromMs}
              xMax={abs.toMs}
              testId="metrics-chart"
              onSelect={(f, t) => setRange({ from: String(f), to: String(t) })}
            />
            <SeriesLegend series={shown} hidden={hidden} onToggle={toggle} />
          </>
        ) : (
          <SeriesTable series={allSeries} times={(frame.fields[0]?.values ?? []) as number[]} />
        )}
      </section>
    </div>
  );
}
