import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { setSearchParams, useSearch } from '../router/router.tsx';
import { useDocumentVisible } from '../useDocumentVisible.ts';
import { type AbsoluteRange, DEFAULT_RANGE, type RawTimeRange, REFRESH_OPTIONS, resolveRange } from './range.ts';

interface TimeState {
  raw: RawTimeRange;
  /** The range resolved against "now" at the last refresh tick; stable between ticks. */
  abs: AbsoluteRange;
  /** Increments on every refresh (manual, auto, or a new range); data hooks depend on it. */
  tick: number;
  refresh: string;
  setRange: (r: RawTimeRange) => void;
  setRefresh: (value: string) => void;
  refreshNow: () => void;
}

const Ctx = createContext<TimeState | null>(null);

export function TimeProvider({ children }: { children: ReactNode }) {
  const search = useSearch();
  const params = useMemo(() => new URLSearchParams(search), [search]);
  const from = params.get('from') ?? DEFAULT_RANGE.from;
  const to = params.get('to') ?? DEFAULT_RANGE.to;
  const refresh = params.get('refresh') ?? '';
  const [tick, setTick] = useState(0);
  const visible = useDocumentVisible();

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick re-resolves "now" on purpose
  const abs = useMemo(() => resolveRange({ from, to }, Date.now()), [from, to, tick]);

  const intervalMs = REFRESH_OPTIONS.find((o) => o.value === refresh)?.ms ?? 0;
  useEffect(() => {
    // Auto-refresh pauses while the tab is hidden: nobody is looking, and it saves the server work.
    if (!intervalMs || !visible) return;
    const id = setInterval(() => setTick((t) => t + 1), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs, visible]);

  const setRange = useCallback((r: RawTimeRange) => {
    setSearchParams({ from: r.from, to: r.to });
    setTick((t) => t + 1);
  }, []);
  const setRefresh = useCallback((value: string) => setSearchParams({ refresh: value || null }, { replace: true }), []);
  const refreshNow = useCallback(() => setTick((t) => t + 1), []);

  const value = useMemo(
    () => ({ raw: { from, to }, abs, tick, refresh, setRange, setRefresh, refreshNow }),
    [from, to, abs, tick, refresh, setRange, setRefresh, refreshNow],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useTime(): TimeState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useTime outside TimeProvider');
  return v;
}
