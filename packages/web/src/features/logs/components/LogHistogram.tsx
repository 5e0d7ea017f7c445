import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { mountPlot, selectSpanHook } from '../../../shared/chart/uplot-mount.ts';
import { type DataFrame, requireField } from '../../../shared/frame/frame.ts';
import { LEVEL_GROUPS } from '../api/logsApi.ts';

interface Props {
  frame: DataFrame | undefined;
  fromMs: number;
  toMs: number;
  height?: number;
  /** Called with the dragged-over span; omit to disable drag-zoom. */
  onSelect?: (fromMs: number, toMs: number) => void;
  testId?: string;
}

/**
 * Stacked bars per level group. uPlot has no stacking, so each series is drawn as the
 * cumulative sum and later (smaller) series paint over earlier ones; the legend shows the raw
 * counts.
 */
export function LogHistogram({ frame, fromMs, toMs, height = 130, onSelect, testId = 'histogram' }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const raw = useRef<number[][]>([]);
  const range = useRef({ fromMs, toMs });
  range.current = { fromMs, toMs };
  const select = useRef(onSelect);
  select.current = onSelect;

  // Create the chart once; data and range updates go through setData/setScale.
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const bars = uPlot.paths.bars?.({ size: [0.85, 40, 1], align: 1 });
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      ms: 1,
      padding: [6, 18, 0, 0], // room for the last x label
      legend: { show: true, live: true },
      cursor: {
        drag: { x: !!select.current, y: false, setScale: false },
        points: { show: false },
      },
      scales: {
        x: { time: true, range: () => [range.current.fromMs, range.current.toMs] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
      },
      axes: [
        { stroke: '#5b6779', grid: { stroke: '#eef1f5', width: 1 }, ticks: { stroke: '#dfe3ea', width: 1 }, size: 28 },
        {
          stroke: '#5b6779',
          grid: { stroke: '#eef1f5', width: 1 },
          ticks: { show: false },
          size: 44,
          values: (_u, vals) => vals.map((v) => (Number.isInteger(v) ? compact(v) : '')),
        },
      ],
      series: [
        { label: 'Time', value: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}' },
        ...LEVEL_GROUPS.map((g, i) => ({
          label: g.label,
          fill: g.color,
          stroke: g.color,
          width: 0,
          paths: bars,
          points: { show: false },
          value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) =>
            idx == null ? '–' : String(raw.current[i]?.[idx] ?? 0),
        })),
      ],
      hooks: {
        setSelect: [selectSpanHook(select)],
      },
    };
    return mountPlot(opts, [[], [], [], []], el, plot);
  }, [height]);

  useEffect(() => {
    const u = plot.current;
    if (!u || !frame) return;
    const t = requireField<number>(frame, 't').values;
    const series = LEVEL_GROUPS.map((g) => requireField<number>(frame, g.name).values);
    raw.current = series;
    // Cumulative sums, top of stack first: other = all, warn = warn+error, error = error.
    const stacked = series.map((_, i) => t.map((_t, j) => series.slice(i).reduce((s, col) => s + (col[j] ?? 0), 0)));
    u.setData([t, ...stacked] as uPlot.AlignedData, true);
  }, [frame]);

  useEffect(() => {
    plot.current?.setScale('x', { min: fromMs, max: toMs });
  }, [fromMs, toMs]);

  return <div className="histogram" ref={host} data-testid={testId} />;
}

function compact(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}
