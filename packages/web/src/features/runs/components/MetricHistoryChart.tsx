import type { Run } from '@stellwerk/contracts';
import { type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import { useApi } from '../../../shared/api/useApi.ts';
import { formatValue } from '../../../shared/chart/format.ts';
import { LineChart } from '../../../shared/chart/LineChart.tsx';
import { ErrorState } from '../../../shared/components/States.tsx';
import { formatShort } from '../../../shared/time/range.ts';
import { linesToFrame, type XAxis } from '../api/frames.ts';
import { fetchMetricHistory } from '../api/runsApi.ts';
import { runLabel } from '../format.ts';

interface Props {
  metricKey: string;
  /** One line per run. */
  runs: Run[];
  /** Per run id. */
  colors: Map<string, string>;
  axis: XAxis;
  height?: number;
  /** Run ids whose lines are hidden. */
  hidden?: Set<string>;
  /** Changes when new values were logged, to reload the history. */
  version?: string;
}

const X_FORMAT: Record<XAxis, (x: number) => string> = {
  step: (x) => `step ${x}`,
  time: formatShort,
  elapsed: (x) => `${formatValue(x)} s after start`,
};

/** One metric's history, one line per run, x by step, wall clock or time since start. */
export function MetricHistoryChart({ metricKey, runs, colors, axis, height = 220, version, hidden }: Props) {
  const ids = runs.map((r) => r.runId).join(',');
  const card = useRef<HTMLElement>(null);
  const seen = useSeen(card);
  const history = useApi(
    (signal) => Promise.all(runs.map((r) => fetchMetricHistory(r.runId, metricKey, signal))),
    [ids, metricKey, version],
    seen,
  );
  const frame = useMemo(() => {
    if (!history.data) return undefined;
    return linesToFrame(
      runs.map((r, i) => ({
        name: r.runId,
        displayName: runLabel(r),
        color: colors.get(r.runId) ?? '#1f77b4',
        points: history.data?.[i] ?? [],
        startMs: r.startTimeMs,
      })),
      axis,
    );
  }, [history.data, runs, colors, axis]);
  const series = useMemo(() => frame?.fields.slice(1) ?? [], [frame]);
  const points = frame?.length ?? 0;

  return (
    <section className="panel metric-card" ref={card} data-testid="metric-card" data-key={metricKey}>
      <header className="panel-head">
        <span className="mono ellipsis" title={metricKey}>
          {metricKey}
        </span>
        {frame && (
          <span className="muted right small" data-testid="metric-points" data-points={points}>
            {points} {axis === 'step' ? (points === 1 ? 'step' : 'steps') : points === 1 ? 'point' : 'points'}
          </span>
        )}
      </header>
      {history.error && !history.data ? (
        <ErrorState error={history.error} retrying={history.retrying} onRetry={history.reload} />
      ) : !frame ? (
        <div className="loading-rows" style={{ height }}>
          Loading {metricKey}…
        </div>
      ) : points === 0 ? (
        <div className="loading-rows muted" style={{ height }}>
          No values logged for {metricKey}.
        </div>
      ) : (
        <LineChart
          frame={frame}
          series={series}
          hidden={hidden}
          xKind={axis === 'time' ? 'time' : 'number'}
          formatX={X_FORMAT[axis]}
          height={height}
          points={points <= 60}
          spanGaps
          xIntegers={axis === 'step'}
          testId="run-metric-chart"
        />
      )}
    </section>
  );
}

/**
 * True once the element came near the viewport: ten runs with dozens of metrics would
 * otherwise ask for every history at once, most of them for charts nobody scrolled to.
 */
function useSeen(ref: RefObject<HTMLElement | null>): boolean {
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (seen || !el) return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setSeen(true);
      },
      { rootMargin: '300px' },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [ref, seen]);
  return seen;
}
