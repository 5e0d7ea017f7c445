import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DataFrame, Field } from '../frame/frame.ts';
import { formatShort } from '../time/range.ts';
import './chart.css';
import { formatAxis, formatValue } from './format.ts';
import { mountPlot, selectSpanHook } from './uplot-mount.ts';

/** What the x values are: epoch milliseconds, or plain numbers such as training steps. */
export type XKind = 'time' | 'number';

/** An x span shaded behind the lines, such as a memory spike; hovering it shows the label. */
export interface ChartBand {
  from: number;
  to: number;
  /** A translucent fill, so the lines and grid stay readable through it. */
  color: string;
  label?: string;
}

interface Props {
  /** The first field holds the x values; `series` are number fields of the same frame. */
  frame: DataFrame;
  /** The number fields to draw, already cut to what is readable. */
  series: Field[];
  hidden?: Set<string>;
  xKind?: XKind;
  /** A fixed x range; without it the chart fits the data. */
  xMin?: number;
  xMax?: number;
  /** How the tooltip names an x value (default: local time, or the number). */
  formatX?: (x: number) => string;
  /** Axis labels and tooltip values (default: short numbers with k/M/G). */
  formatY?: (y: number) => string;
  height?: number;
  /** Draw a dot per point: for sparse data such as a few logged steps. */
  points?: boolean;
  /** x values are whole numbers (steps): no ticks between them. */
  xIntegers?: boolean;
  /** Join points across missing values (runs logged at different steps). */
  spanGaps?: boolean;
  /** Shaded x spans drawn under the lines; changing them redraws without rebuilding the plot. */
  bands?: ChartBand[];
  /** Called with the dragged-over x span (drag-zoom). */
  onSelect?: (from: number, to: number) => void;
  testId?: string;
}

const TOOLTIP_ROWS = 12;
/** Tick spacings for whole-number axes: 1, 2, 5, 10, 20, 50, … */
const INTEGER_INCRS = Array.from({ length: 30 }, (_, i) => ([1, 2, 5][i % 3] as number) * 10 ** Math.floor(i / 3));
const NO_HIDDEN: Set<string> = new Set();
const NO_BANDS: ChartBand[] = [];
/** A band of one sample has no width: it is drawn this wide (CSS pixels) to stay visible. */
const MIN_BAND_PX = 4;

/**
 * One line per series; hover shows a tooltip with the values at that x. Shared by the metrics
 * explorer (x = time) and the runs pages (x = step or time). A field's `config.dash` draws it
 * dashed, as for limit lines.
 */
export function LineChart({
  frame,
  series,
  hidden = NO_HIDDEN,
  xKind = 'time',
  xMin,
  xMax,
  formatX,
  formatY = formatAxis,
  height = 300,
  points = false,
  spanGaps = false,
  xIntegers = false,
  bands = NO_BANDS,
  onSelect,
  testId = 'line-chart',
}: Props) {
  const host = useRef<HTMLDivElement>(null);
  const tip = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const range = useRef({ xMin, xMax });
  range.current = { xMin, xMax };
  const select = useRef(onSelect);
  select.current = onSelect;
  const fields = useRef(series);
  fields.current = series;
  const hiddenRef = useRef(hidden);
  hiddenRef.current = hidden;
  const bandsRef = useRef(bands);
  bandsRef.current = bands;
  const fmt = useRef({ x: formatX ?? (xKind === 'time' ? formatShort : (v: number) => String(v)), y: formatY });
  fmt.current = { x: formatX ?? (xKind === 'time' ? formatShort : (v: number) => String(v)), y: formatY };

  // A new set of series needs a new plot; the same set with new values only needs setData.
  const signature = useMemo(
    () => series.map((f) => `${f.name}\u0000${f.config?.color}\u0000${f.config?.dash?.join(',')}`).join('\u0001'),
    [series],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt only when the series set or x kind changes
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const fixed = (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => {
      const r = range.current;
      if (r.xMin !== undefined && r.xMax !== undefined) return [r.xMin, r.xMax];
      // A single step would give an empty range: widen it so the point is drawn mid-chart.
      if (min === max) return [min - 1, max + 1];
      return [min, max];
    };
    const opts: uPlot.Options = {
      width: el.clientWidth || 800,
      height,
      ms: 1,
      padding: [10, 20, 0, 0],
      legend: { show: false }, // the React legend below the chart has room for long names
      focus: { alpha: 0.25 },
      cursor: {
        drag: { x: true, y: false, setScale: false },
        focus: { prox: 24 },
        points: { size: 6 },
      },
      scales: { x: { time: xKind === 'time', range: fixed } },
      axes: [
        {
          stroke: '#5b6779',
          grid: { stroke: '#eef1f5', width: 1 },
          ticks: { stroke: '#dfe3ea', width: 1 },
          size: 30,
          ...(xKind === 'number' ? { values: (_u: uPlot, vals: number[]) => vals.map(formatAxis) } : {}),
          ...(xIntegers ? { incrs: INTEGER_INCRS } : {}),
        },
        {
          stroke: '#5b6779',
          grid: { stroke: '#eef1f5', width: 1 },
          ticks: { show: false },
          size: 58,
          values: (_u, vals) => vals.map((v) => fmt.current.y(v)),
        },
      ],
      series: [
        {},
        ...fields.current.map((f) => ({
          label: f.config?.displayName ?? f.name,
          stroke: f.config?.color ?? '#1f77b4',
          width: 1.5,
          dash: f.config?.dash,
          show: !hiddenRef.current.has(f.name),
          spanGaps,
          points: { show: points && !f.config?.dash, size: 5 },
        })),
      ],
      hooks: {
        // drawClear runs before the grid and the series, so bands sit underneath both.
        drawClear: [(u) => drawBands(u, bandsRef.current)],
        setCursor: [(u) => renderTooltip(u, tip.current, fields.current, fmt.current, bandsRef.current)],
        setSelect: [selectSpanHook(select)],
      },
    };
    return mountPlot(opts, toAligned(frame, fields.current), el, plot);
  }, [signature, height, xKind, points, spanGaps, xIntegers]);

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
    if (xMin !== undefined && xMax !== undefined) plot.current?.setScale('x', { min: xMin, max: xMax });
  }, [xMin, xMax]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the hook reads bands through a ref; a change only redraws
  useEffect(() => {
    plot.current?.redraw(false);
  }, [bands]);

  return (
    <div className="chart-wrap">
      <div className="line-chart" ref={host} data-testid={testId} style={{ minHeight: height }} />
      <div className="chart-tooltip" ref={tip} data-testid="chart-tooltip" hidden />
    </div>
  );
}

function toAligned(frame: DataFrame, series: Field[]): uPlot.AlignedData {
  const x = frame.fields[0]?.values as number[];
  return [x, ...series.map((f) => f.values as Array<number | null>)] as uPlot.AlignedData;
}

/** Where a band sits in CSS pixels of the plot area, widened to MIN_BAND_PX when narrower. */
function bandPx(u: uPlot, b: ChartBand): [number, number] {
  const a = u.valToPos(b.from, 'x');
  const z = u.valToPos(b.to, 'x');
  if (z - a >= MIN_BAND_PX) return [a, z];
  const mid = (a + z) / 2;
  return [mid - MIN_BAND_PX / 2, mid + MIN_BAND_PX / 2];
}

function drawBands(u: uPlot, bands: ChartBand[]): void {
  if (bands.length === 0) return;
  const { ctx, bbox } = u;
  const ratio = uPlot.pxRatio;
  ctx.save();
  ctx.beginPath();
  ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
  ctx.clip();
  for (const b of bands) {
    const [a, z] = bandPx(u, b);
    ctx.fillStyle = b.color;
    ctx.fillRect(bbox.left + a * ratio, bbox.top, (z - a) * ratio, bbox.height);
  }
  ctx.restore();
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Written imperatively: cursor moves are too frequent for React renders with many series. */
function renderTooltip(
  u: uPlot,
  el: HTMLDivElement | null,
  fields: Field[],
  fmt: { x: (v: number) => string; y: (v: number) => string },
  bands: ChartBand[],
): void {
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
  const value = (v: number) => (fmt.y === formatAxis ? formatValue(v) : fmt.y(v));
  el.innerHTML =
    `<div class="tt-time">${esc(fmt.x(t))}</div>` +
    rows
      .slice(0, TOOLTIP_ROWS)
      .map(
        (r) =>
          `<div class="tt-row"><span class="swatch" style="background:${r.color}"></span><span class="tt-name">${esc(r.name)}</span><span class="tt-val">${esc(value(r.v))}</span></div>`,
      )
      .join('') +
    (more > 0 ? `<div class="tt-more">+${more} more</div>` : '') +
    bands
      .filter((b) => {
        if (!b.label) return false;
        const [a, z] = bandPx(u, b);
        return left >= a - 2 && left <= z + 2;
      })
      .map(
        (b) =>
          // Over white, as the band looks on the plot (a translucent fill would darken on the tooltip).
          `<div class="tt-band"><span class="swatch" style="background:linear-gradient(${esc(b.color)},${esc(b.color)}),#fff"></span>${esc(b.label ?? '')}</div>`,
      )
      .join('');
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
