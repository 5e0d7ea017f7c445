/**
 * Formats epoch nanoseconds (decimal string) as RFC 3339 with nine fraction digits in the
 * given UTC offset, e.g. 2021-01-06T17:44:13.368024402-08:00 (`Z` for offset 0).
 * Integer string math keeps every nanosecond; a float64 cannot.
 */
export function formatRfc3339Nano(ns: string, offsetMin: number): string {
  const negative = ns.startsWith('-');
  const digits = (negative ? ns.slice(1) : ns).padStart(10, '0');
  let seconds = Number(digits.slice(0, -9));
  let fraction = digits.slice(-9);
  if (negative) {
    seconds = -seconds;
    if (fraction !== '000000000') {
      seconds -= 1;
      fraction = String(1_000_000_000 - Number(fraction)).padStart(9, '0');
    }
  }
  const local = new Date((seconds + offsetMin * 60) * 1000).toISOString().slice(0, 19);
  if (offsetMin === 0) return `${local}.${fraction}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}.${fraction}${sign}${hh}:${mm}`;
}

/** Epoch nanoseconds from epoch milliseconds (integer string math, no float rounding). */
export function msToNs(ms: number): string {
  return `${Math.trunc(ms)}000000`;
}
