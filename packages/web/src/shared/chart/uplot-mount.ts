import type { RefObject } from 'react';
import uPlot from 'uplot';

/**
 * Creates a uPlot in `el`, keeps it in `plot` and follows the element's width; returns the
 * cleanup for the effect that mounted it.
 */
export function mountPlot(
  opts: uPlot.Options,
  data: uPlot.AlignedData,
  el: HTMLElement,
  plot: RefObject<uPlot | null>,
): () => void {
  const u = new uPlot(opts, data, el);
  plot.current = u;
  const ro = new ResizeObserver(() => {
    if (el.clientWidth > 0) u.setSize({ width: el.clientWidth, height: opts.height });
  });
  ro.observe(el);
  return () => {
    ro.disconnect();
    u.destroy();
    plot.current = null;
  };
}

/**
 * A setSelect hook that hands a dragged-over x span (whole units, widened outwards) to the
 * callback in `select`, and clears the selection box; spans under 4 px are clicks, not drags.
 */
export function selectSpanHook(select: RefObject<((from: number, to: number) => void) | undefined>) {
  return (u: uPlot): void => {
    if (u.select.width < 4 || !select.current) return;
    const a = u.posToVal(u.select.left, 'x');
    const b = u.posToVal(u.select.left + u.select.width, 'x');
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    select.current(Math.floor(a), Math.ceil(b));
  };
}
