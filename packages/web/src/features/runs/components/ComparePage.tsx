import type { Run } from '@stellwerk/contracts';
import { useMemo, useState } from 'react';
import { ApiError } from '../../../shared/api/client.ts';
import { useApi } from '../../../shared/api/useApi.ts';
import { PALETTE } from '../../../shared/chart/colors.ts';
import { formatValue } from '../../../shared/chart/format.ts';
import { EmptyState, ErrorState } from '../../../shared/components/States.tsx';
import { Link, setSearchParams, useSearch } from '../../../shared/router/router.tsx';
import type { XAxis } from '../api/frames.ts';
import { fetchRuns } from '../api/runsApi.ts';
import { isSystemMetric } from '../columns.ts';
import { formatRunDuration, runDurationMs, runLabel } from '../format.ts';
import { MAX_COMPARE, MIN_COMPARE, RUNS_PATH, runPath } from '../paths.ts';
import { AxisToggle } from './AxisToggle.tsx';
import { MetricHistoryChart } from './MetricHistoryChart.tsx';
import { StatusBadge } from './StatusBadge.tsx';

export function ComparePage() {
  const sp = new URLSearchParams(useSearch());
  const idsParam = sp.get('ids') ?? '';
  const ids = useMemo(() => [...new Set(idsParam.split(',').filter(Boolean))], [idsParam]);
  const axis: XAxis = sp.get('x') === 'elapsed' ? 'elapsed' : 'step';
  const ok = ids.length >= MIN_COMPARE && ids.length <= MAX_COMPARE;
  const runs = useApi((signal) => fetchRuns(ids, signal), [idsParam], ok);

  if (!ok)
    return (
      <EmptyState title={`Pick ${MIN_COMPARE} to ${MAX_COMPARE} runs to compare`} testId="compare-bad-selection">
        This link names {ids.length} {ids.length === 1 ? 'run' : 'runs'}. Tick the runs in the{' '}
        <Link href={RUNS_PATH}>runs list</Link> and press Compare.
      </EmptyState>
    );
  if (runs.error && !runs.data) {
    if (runs.error instanceof ApiError && runs.error.status === 404)
      return (
        <EmptyState title="One of these runs does not exist" testId="compare-not-found">
          {runs.error.message} Go back to the <Link href={RUNS_PATH}>runs list</Link> and pick the runs again.
        </EmptyState>
      );
    return <ErrorState error={runs.error} retrying={runs.retrying} onRetry={runs.reload} />;
  }
  if (!runs.data) return <div className="loading-rows">Loading {ids.length} runs…</div>;
  return <Comparison runs={runs.data} axis={axis} />;
}

function Comparison({ runs, axis }: { runs: Run[]; axis: XAxis }) {
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [onlyDiff, setOnlyDiff] = useState(false);
  const [system, setSystem] = useState(false);
  // Palette order rather than hashed slots: at most ten runs, so each gets a clearly different hue.
  const colors = useMemo(
    () => new Map(runs.map((r, i) => [r.runId, PALETTE[i % PALETTE.length] ?? '#1f77b4'])),
    [runs],
  );
  const metricKeys = useMemo(() => {
    const keys = new Set<string>();
    for (const r of runs) for (const m of r.metrics) keys.add(m.key);
    return [...keys].sort((a, b) => a.localeCompare(b));
  }, [runs]);
  const chartKeys = metricKeys.filter((k) => system || !isSystemMetric(k));
  const systemCount = metricKeys.filter(isSystemMetric).length;
  const toggle = (id: string) =>
    setHidden((h) => {
      const n = new Set(h);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  return (
    <div className="compare-page" data-testid="compare-page">
      <h1 className="page-title">Comparing {runs.length} runs</h1>
      <section className="panel">
        <header className="panel-head">
          <span>Runs</span>
          <span className="muted">click a run to hide or show its lines</span>
        </header>
        <ul className="series-legend compare-legend" data-testid="compare-legend">
          {runs.map((r) => {
            const off = hidden.has(r.runId);
            const color = colors.get(r.runId);
            return (
              <li key={r.runId}>
                <button
                  type="button"
                  className={`legend-item${off ? ' off' : ''}`}
                  aria-pressed={!off}
                  onClick={() => toggle(r.runId)}
                  data-testid="compare-legend-item"
                  data-run-id={r.runId}
                >
                  <span className="swatch" style={{ background: off ? 'transparent' : color, borderColor: color }} />
                  <span className="legend-name">{runLabel(r)}</span>
                </button>
                <Link href={runPath(r.runId)} className="small" title="Open this run">
                  open
                </Link>
              </li>
            );
          })}
        </ul>
      </section>

      <section className="run-charts-head">
        <h2 className="section-title">Metrics</h2>
        {systemCount > 0 && (
          <label className="builder-check">
            <input type="checkbox" checked={system} onChange={(e) => setSystem(e.target.checked)} />
            system metrics ({systemCount})
          </label>
        )}
        <AxisToggle
          value={axis}
          options={['step', 'elapsed']}
          onChange={(x) => setSearchParams({ x: x === 'step' ? null : x }, { replace: true })}
        />
      </section>
      {chartKeys.length === 0 ? (
        <EmptyState title="These runs logged no metrics" testId="empty-compare-metrics" />
      ) : (
        <div className="run-charts">
          {chartKeys.map((k) => (
            <MetricHistoryChart key={k} metricKey={k} runs={runs} colors={colors} axis={axis} hidden={hidden} />
          ))}
        </div>
      )}

      <section className="panel">
        <header className="panel-head">
          <span>Params</span>
          <label className="builder-check right">
            <input
              type="checkbox"
              checked={onlyDiff}
              onChange={(e) => setOnlyDiff(e.target.checked)}
              data-testid="only-differences"
            />
            only differences
          </label>
        </header>
        <DiffTable runs={runs} colors={colors} onlyDiff={onlyDiff} />
      </section>
      <section className="panel">
        <header className="panel-head">
          <span>Latest metrics</span>
        </header>
        <MetricsTable runs={runs} colors={colors} keys={metricKeys.filter((k) => !isSystemMetric(k))} />
      </section>
    </div>
  );
}

function RunHeads({ runs, colors }: { runs: Run[]; colors: Map<string, string> }) {
  return (
    <>
      {runs.map((r) => (
        <th key={r.runId} className="plain-th run-th">
          <span className="swatch" style={{ background: colors.get(r.runId) }} />{' '}
          <Link href={runPath(r.runId)}>{runLabel(r)}</Link>
        </th>
      ))}
    </>
  );
}

/** One row per param; rows whose values differ between runs are highlighted. */
function DiffTable({ runs, colors, onlyDiff }: { runs: Run[]; colors: Map<string, string>; onlyDiff: boolean }) {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort((a, b) => a.localeCompare(b));
  const rows = keys
    .map((k) => {
      const values = runs.map((r) => r.params[k]);
      return { key: k, values, differs: new Set(values).size > 1 };
    })
    .filter((r) => !onlyDiff || r.differs);
  if (keys.length === 0) return <div className="muted kv-empty">None of these runs logged params.</div>;
  return (
    <div className="series-table-wrap">
      <table className="series-table diff-table" data-testid="param-diff">
        <thead>
          <tr>
            <th className="plain-th">Param</th>
            <RunHeads runs={runs} colors={colors} />
          </tr>
        </thead>
        <tbody>
          <tr className="info-row">
            <td className="muted">status · duration</td>
            {runs.map((r) => (
              <td key={r.runId}>
                <StatusBadge status={r.status} /> {formatRunDuration(runDurationMs(r))}
              </td>
            ))}
          </tr>
          {rows.map((r) => (
            <tr
              key={r.key}
              className={r.differs ? 'differs' : undefined}
              data-testid="param-row"
              data-key={r.key}
              data-differs={r.differs}
            >
              <td className="mono">{r.key}</td>
              {r.values.map((v, i) => (
                <td key={runs[i]?.runId} className="mono">
                  {v ?? <span className="muted">–</span>}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Latest value per metric; the best of each row (highest, or lowest for loss/error) is bold. */
function MetricsTable({ runs, colors, keys }: { runs: Run[]; colors: Map<string, string>; keys: string[] }) {
  if (keys.length === 0) return <div className="muted kv-empty">No metrics.</div>;
  return (
    <div className="series-table-wrap">
      <table className="series-table diff-table" data-testid="metric-diff">
        <thead>
          <tr>
            <th className="plain-th">Metric</th>
            <RunHeads runs={runs} colors={colors} />
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const values = runs.map((r) => r.metrics.find((m) => m.key === k)?.value);
            const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
            const lowerIsBetter = /loss|err|mse|mae|rmse/i.test(k);
            const best = finite.length > 1 ? (lowerIsBetter ? Math.min(...finite) : Math.max(...finite)) : undefined;
            return (
              <tr key={k} data-testid="metric-row" data-key={k}>
                <td className="mono">{k}</td>
                {values.map((v, i) => (
                  <td key={runs[i]?.runId} className={`num mono${v === best ? ' best' : ''}`}>
                    {v === undefined ? <span className="muted">–</span> : formatValue(v)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
