import { RESOURCE_LIMITS, RESOURCE_METRICS, type Run } from '@stellwerk/contracts';
import { type ReactNode, useMemo, useState } from 'react';
import { useApi } from '../../../shared/api/useApi.ts';
import { PALETTE } from '../../../shared/chart/colors.ts';
import { formatValue } from '../../../shared/chart/format.ts';
import { type ChartBand, LineChart } from '../../../shared/chart/LineChart.tsx';
import { SeriesLegend } from '../../../shared/chart/SeriesLegend.tsx';
import { EmptyState, ErrorState } from '../../../shared/components/States.tsx';
import type { DataFrame, Field } from '../../../shared/frame/frame.ts';
import { queryRange } from '../../metrics/index.ts';
import { linesToFrame } from '../api/frames.ts';
import { fetchMemorySpikes } from '../api/rightsizingApi.ts';
import { fetchMetricHistory } from '../api/runsApi.ts';
import { formatBytes } from '../format.ts';
import { MemorySpikeList, spikeBands } from './MemorySpikes.tsx';

const LIMIT_COLOR = '#b42323';
const LIMIT_DASH = [6, 4];
/** MLflow reports memory in megabytes of 10^6 bytes. */
const MEGABYTE = 1e6;

interface ResourceCharts {
  cpu: DataFrame | undefined;
  memory: DataFrame | undefined;
  source: 'series' | 'run-metrics' | 'none';
}

/**
 * CPU and memory of the run's process tree. Samples of `stellwerk run` are metric series
 * labelled run_id (PromQL over the run's lifetime); a run that only logged MLflow system
 * metrics is drawn from those instead.
 */
export function RunResources({ run }: { run: Run }) {
  const toMs = Math.max(run.endTimeMs ?? Date.now(), run.startTimeMs + 60_000);
  const charts = useApi(
    (signal) => loadResources(run, run.startTimeMs, toMs, signal),
    [run.runId, run.startTimeMs, run.endTimeMs, run.status],
  );
  // Spikes are extra: when they cannot be read the charts are still shown, without marks.
  const spikes = useApi((signal) => fetchMemorySpikes(run.runId, signal), [run.runId, run.endTimeMs, run.status]);
  const memoryBands = useMemo(() => spikeBands(spikes.data?.spikes ?? []), [spikes.data]);

  if (charts.error && !charts.data)
    return <ErrorState error={charts.error} retrying={charts.retrying} onRetry={charts.reload} />;
  if (!charts.data) return <div className="loading-rows">Loading resource samples…</div>;
  const { cpu, memory, source } = charts.data;
  if (source === 'none')
    return (
      <EmptyState title="No resource samples for this run" testId="empty-run-resources">
        Wrap the command with <span className="mono">stellwerk run -- …</span> to sample its CPU, memory and I/O, or log
        MLflow system metrics (<span className="mono">mlflow.enable_system_metrics_logging()</span>).
      </EmptyState>
    );
  return (
    <div className="run-charts" data-testid="run-resources" data-source={source}>
      {cpu && (
        <ResourceChart
          title="CPU"
          hint="100% = one core busy"
          frame={cpu}
          format={(v) => `${formatValue(v)}%`}
          testId="cpu-chart"
        />
      )}
      {memory && (
        <ResourceChart
          title="Memory (RSS)"
          hint="dashed: the memory limit"
          frame={memory}
          format={formatBytes}
          testId="memory-chart"
          bands={memoryBands}
          footer={spikes.data && <MemorySpikeList spikes={spikes.data.spikes} limitBytes={spikes.data.limitBytes} />}
        />
      )}
    </div>
  );
}

function ResourceChart({
  title,
  hint,
  frame,
  format,
  testId,
  bands,
  footer,
}: {
  title: string;
  hint: string;
  frame: DataFrame;
  format: (v: number) => string;
  testId: string;
  bands?: ChartBand[];
  footer?: ReactNode;
}) {
  const series = useMemo(() => frame.fields.slice(1), [frame]);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const toggle = (name: string) =>
    setHidden((h) => {
      const n = new Set(h);
      if (n.has(name)) n.delete(name);
      else n.add(name);
      return n;
    });
  const peak = useMemo(() => {
    let max = Number.NEGATIVE_INFINITY;
    for (const f of series) {
      if (f.config?.dash) continue;
      for (const v of f.values as Array<number | null>) if (v !== null && v > max) max = v;
    }
    return Number.isFinite(max) ? max : null;
  }, [series]);
  return (
    <section className="panel metric-card" data-testid={testId}>
      <header className="panel-head">
        <span>{title}</span>
        {peak !== null && <span className="muted">peak {format(peak)}</span>}
        <span className="muted right small">{series.some((f) => f.config?.dash) ? hint : ''}</span>
      </header>
      <LineChart
        frame={frame}
        series={series}
        hidden={hidden}
        xKind="time"
        formatY={format}
        height={220}
        spanGaps
        bands={bands}
        testId={`${testId}-plot`}
      />
      <SeriesLegend series={series} hidden={hidden} onToggle={toggle} format={(v) => (v === null ? '–' : format(v))} />
      {footer}
    </section>
  );
}

async function loadResources(run: Run, fromMs: number, toMs: number, signal: AbortSignal): Promise<ResourceCharts> {
  const sel = (names: string[]) => `{__name__=~"${names.join('|')}",run_id="${run.runId}"}`;
  const range = { fromMs, toMs };
  const [cpu, mem] = await Promise.all([
    queryRange(
      { query: sel([RESOURCE_METRICS.cpuPercent.series, RESOURCE_LIMITS.cpuLimitCores.series]), range },
      signal,
    ),
    queryRange(
      { query: sel([RESOURCE_METRICS.rssBytes.series, RESOURCE_LIMITS.memoryLimitBytes.series]), range },
      signal,
    ),
  ]);
  if (cpu.fields.length > 1 || mem.fields.length > 1) {
    return {
      cpu: cpu.fields.length > 1 ? styleSeries(cpu, RESOURCE_LIMITS.cpuLimitCores.series, 100, 'CPU') : undefined,
      memory: mem.fields.length > 1 ? styleSeries(mem, RESOURCE_LIMITS.memoryLimitBytes.series, 1, 'RSS') : undefined,
      source: 'series',
    };
  }
  return fromRunMetrics(run, signal);
}

/** Names series by what they are (plus the step, for a pipeline's samples) and dashes limits. */
function styleSeries(frame: DataFrame, limitName: string, limitScale: number, label: string): DataFrame {
  let i = 0;
  const fields = frame.fields.map((f, idx): Field => {
    if (idx === 0) return f;
    const labels = f.labels ?? {};
    const step = labels.step ? ` (${labels.step})` : '';
    if (labels.__name__ === limitName) {
      const values = (f.values as Array<number | null>).map((v) => (v === null ? null : v * limitScale));
      return { ...f, values, config: { displayName: `limit${step}`, color: LIMIT_COLOR, dash: LIMIT_DASH } };
    }
    return { ...f, config: { displayName: `${label}${step}`, color: PALETTE[i++ % PALETTE.length] } };
  });
  // The measured lines first, the limits after them.
  const [x, ...rest] = fields;
  const ordered = [...rest.filter((f) => !f.config?.dash), ...rest.filter((f) => f.config?.dash)];
  return { ...frame, fields: x ? [x, ...ordered] : fields };
}

/** MLflow's system metrics: CPU %, memory in megabytes, and the limit when Stellwerk logged it. */
async function fromRunMetrics(run: Run, signal: AbortSignal): Promise<ResourceCharts> {
  const has = (k: string) => run.metrics.some((m) => m.key === k);
  const cpuKey = RESOURCE_METRICS.cpuPercent.mlflow;
  const memKey = RESOURCE_METRICS.rssBytes.mlflow;
  const limitKey = RESOURCE_LIMITS.memoryLimitBytes.mlflow;
  if (!has(cpuKey) && !has(memKey)) return { cpu: undefined, memory: undefined, source: 'none' };
  const history = (k: string) => (has(k) ? fetchMetricHistory(run.runId, k, signal) : Promise.resolve([]));
  const [cpu, mem, limit] = await Promise.all([history(cpuKey), history(memKey), history(limitKey)]);
  const memBytes = mem.map((m) => ({ ...m, value: m.value * MEGABYTE }));
  return {
    cpu: cpu.length
      ? linesToFrame([{ name: 'cpu', displayName: 'CPU', color: PALETTE[0] ?? '#1f77b4', points: cpu }], 'time')
      : undefined,
    memory: mem.length
      ? linesToFrame(
          [
            { name: 'rss', displayName: 'RSS', color: PALETTE[0] ?? '#1f77b4', points: memBytes },
            ...(limit.length
              ? [{ name: 'limit', displayName: 'limit', color: LIMIT_COLOR, points: limit, dash: LIMIT_DASH }]
              : []),
          ],
          'time',
        )
      : undefined,
    source: 'run-metrics',
  };
}
