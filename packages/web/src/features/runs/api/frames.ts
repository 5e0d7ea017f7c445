import type { RunMetric } from '@stellwerk/contracts';
import { createFrame, type DataFrame, type Field } from '../../../shared/frame/frame.ts';

/** What a run metric chart puts on x: the logged step, the wall clock, or time since the run began. */
export type XAxis = 'step' | 'time' | 'elapsed';

export interface Line {
  /** Unique within the chart (a run id, or a series key). */
  name: string;
  displayName: string;
  color: string;
  points: RunMetric[];
  /** The run's start, for `elapsed`. */
  startMs?: number;
  dash?: number[];
}

function xOf(m: RunMetric, axis: XAxis, startMs: number): number {
  if (axis === 'step') return m.step;
  if (axis === 'time') return m.timestampMs;
  return (m.timestampMs - startMs) / 1000;
}

/**
 * Metric histories as one frame: `x` (the union of every line's x values, ascending) then one
 * number field per line, null where that line has no value. A value logged twice at the same
 * x keeps the later one, as MLflow's own charts do.
 */
export function linesToFrame(lines: Line[], axis: XAxis): DataFrame {
  const xs = new Set<number>();
  for (const l of lines) for (const m of l.points) xs.add(xOf(m, axis, l.startMs ?? 0));
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map(x.map((v, i) => [v, i]));
  const fields: Field[] = [{ name: 'x', type: axis === 'time' ? 'time' : 'number', values: x }];
  for (const l of lines) {
    const values: Array<number | null> = new Array(x.length).fill(null);
    const sorted = [...l.points].sort((a, b) => a.timestampMs - b.timestampMs);
    for (const m of sorted) {
      const i = index.get(xOf(m, axis, l.startMs ?? 0));
      // Non-finite values (NaN, ±Infinity) cannot be drawn; they leave a gap.
      if (i !== undefined) values[i] = Number.isFinite(m.value) ? m.value : null;
    }
    fields.push({
      name: l.name,
      type: 'number',
      values,
      config: { displayName: l.displayName, color: l.color, dash: l.dash },
    });
  }
  return createFrame(fields, { axis });
}
