import { formatRfc3339Nano } from '@stellwerk/contracts';

/**
 * Wall-clock epoch nanoseconds (decimal string) with sub-millisecond precision from
 * performance.now(). The monotonic clock drifts from the wall clock over days (NTP, sleep),
 * so it is re-anchored to Date.now() whenever they disagree by more than 2 ms.
 */
export function createClock(
  perf: { now(): number; timeOrigin: number } | undefined = globalThis.performance,
  wallNow: () => number = Date.now,
): () => string {
  if (!perf) return () => `${wallNow()}000000`;
  let anchor = perf.timeOrigin;
  return () => {
    const p = perf.now();
    const wall = wallNow();
    if (Math.abs(anchor + p - wall) > 2) anchor = wall - p;
    // Integer and fraction apart: the sum as one float64 (~1.7e12 ms) would lose the sub-µs digits.
    const anchorInt = Math.floor(anchor);
    const t = anchor - anchorInt + p;
    const tInt = Math.floor(t);
    const fracNs = Math.min(999_999, Math.floor((t - tInt) * 1e6));
    return `${anchorInt + tInt}${String(fracNs).padStart(6, '0')}`;
  };
}

/** RFC 3339 with nanoseconds in the local UTC offset at that instant (DST-aware). */
export function formatLocalTime(ns: string): string {
  const ms = Number(ns.slice(0, -6));
  return formatRfc3339Nano(ns, -new Date(ms).getTimezoneOffset());
}
