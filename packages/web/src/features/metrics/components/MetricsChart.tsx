import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DataFrame, Field } from '../../../shared/frame/frame.ts';
import { formatShort } from '../../../shared/time/range.ts';
import { formatAxis, formatValue } from '../format.ts';

interface Props {
  frame: DataFrame;
  /** The number fields to draw, already cut to the series limit. */
  series: Field[];
  hidden: Set<string>;
  fromMs: number;
  toMs: number;
  height?: number;
  /** Called with the dragged-over span (drag-zoom into the time range). */
  onSelect?: (fromMs: number, toMs: number) => void;
}

const TOOLTIP_ROWS = 12;

/** One line per series; hover shows a tooltip with the values at that instant. */
export function MetricsChart({ frame, series, hidden, fromMs, toMs, height = 300, onSelect }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const tip = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const range = useRef({ fromMs, toMs });
  range.current = { fromMs, toMs };
  const select = useRef(onSelect);
  select.current = onSelect;
  const fields = useRef(series);
  fields.current = series;
  const hiddenRef = useRef(hidden);
  hiddenRef.current = hidden;

  // A new set of series needs a new plot; the same set with new values only needs setData.
  const signature = useMemo(() => series.map((f) => `${f.name}\u0000${f.config?.color}`).join('\u0001'), [series]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt only when the series set changes (signature)
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: el.clientWidth || 800,
      height,
      ms: 1,
      padding: [10, 20, 0, 0],
      legend: { show: false }, // the React legend below lists label sets that would not fit here
      focus: { alpha: 0.25 },
      cursor: {
        drag: { x: true, y: false, setScale: false },
        focus: { prox: 24 },
        points: { size: 6 },
      },
      scales: {
        x: { time: true, range: () => [range.current.fromMs, range.current.toMs] },
      },
      axes: [
        { stroke: '#5b6779', grid: { stroke: '#eef1f5', width: 1 }, ticks: { stroke: '#dfe3ea', width: 1 }, size: 30 },
        {
          stroke: '#5b6779',
          grid: { stroke: '#eef1f5', width: 1 },
          ticks: { show: false },
          size: 58,
          values: (_u, vals) => vals.map(formatAxis),
        },
      ],
      series: [
        {},
        ...fields.current.map((f) => ({
          label: f.config?.displayName ?? f.name,
          stroke: f.config?.color ?? '#1f77b4',
          width: 1.5,
          show: !hiddenRef.current.has(f.name),
          spanGaps: false,
          points: { show: false },
        })),
      ],
      hooks: {
        setCursor: [(u) => renderTooltip(u, tip.current, fields.current)],
        setSelect: [
          (u) => {
            if (u.select.width < 4 || !select.current) return;
            const a = u.posToVal(u.select.left, 'x');
            const b = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            select.current(Math.floor(a), Math.ceil(b));
          },
        ],
      },
    };
    const u = new uPlot(opts, toAligned(frame, fields.current), el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      if (el.clientWidth > 0) u.setSize({ width: el.clientWidth, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [signature, height]);

  useEffect(() => {
    plot.current?.setData(toAligned(frame, series), true);
  }, [frame, series]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    series.forEach((f, i) => {
      const show = !hidden.has(f.name);
      if (u.series[i + 1]?.show !== show) u.setSeries(i + 1, { show });
    });
  }, [hidden, series]);

  useEffect(() => {
    plot.current?.setScale('x', { min: fromMs, max: toMs });
  }, [fromMs, toMs]);

  return (
    <div className="metrics-chart-wrap">
      <div className="metrics-chart" ref={host} data-testid="metrics-chart" />
      <div className="chart-tooltip" ref={tip} data-testid="chart-tooltip" hidden />
    </div>
  );
}

function toAligned(frame: DataFrame, series: Field[]): uPlot.AlignedData {
  const t = frame.fields[0]?.values as number[];
  return [t, ...series.map((f) => f.values as Array<number | null>)] as uPlot.AlignedData;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Written imperatively: cursor moves are too frequent for React renders with many series. */
function renderTooltip(u: uPlot, el: HTMLDivElement | null, fields: Field[]): void {
  if (!el) return;
  const idx = u.cursor.idx;
  const left = u.cursor.left ?? -1;
  if (idx == null || left < 0) {
    el.hidden = true;
    return;
  }
  const t = u.data[0][idx];
  const rows: Array<{ name: string; color: string; v: number }> = [];
  fields.forEach((f, i) => {
    const v = u.data[i + 1]?.[idx];
    if (u.series[i + 1]?.show && v != null)
      rows.push({ name: f.config?.displayName ?? f.name, color: f.config?.color ?? '#999', v });
  });
  if (t == null || rows.length === 0) {
    el.hidden = true;
    return;
  }
  rows.sort((a, b) => b.v - a.v);
  const more = rows.length - TOOLTIP_ROWS;
  el.innerHTML =
    `<div class="tt-time">${esc(formatShort(t))}</div>` +
    rows
      .slice(0, TOOLTIP_ROWS)
      .map(
        (r) =>
          `<div class="tt-row"><span class="swatch" style="background:${r.color}"></span><span class="tt-name">${esc(r.name)}</span><span class="tt-val">${esc(formatValue(r.v))}</span></div>`,
      )
      .join('') +
    (more > 0 ? `<div class="tt-more">+${more} more</div>` : '');
  el.hidden = false;
  // Flip to the left half when the cursor is on the right so the tooltip stays in view.
  const over = u.over.getBoundingClientRect();
  const wrap = el.parentElement?.getBoundingClientRect();
  const x = over.left - (wrap?.left ?? 0) + left;
  const y = over.top - (wrap?.top ?? 0) + (u.cursor.top ?? 0);
  const flip = left > u.over.clientWidth / 2;
  el.style.left = flip ? '' : `${x + 14}px`;
  el.style.right = flip ? `${(wrap?.width ?? 0) - x + 14}px` : '';
  el.style.top = `${Math.max(0, y - 10)}px`;
}
