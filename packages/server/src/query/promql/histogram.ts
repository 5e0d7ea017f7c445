import { type Labels, labelsKey } from './labels.ts';
import type { Sample } from './values.ts';

interface Bucket {
  upper: number;
  count: number;
}

/** histogram_quantile over classic `le` buckets, ported from Prometheus 2.42 (bucketQuantile). */
export function histogramQuantile(q: number, input: Sample[]): Sample[] {
  const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
  for (const s of input) {
    const le = s.labels.le;
    if (le === undefined) continue;
    const upper = parseLe(le);
    if (upper === null) continue;
    const { le: _le, __name__: _n, ...labels } = s.labels;
    const key = labelsKey(labels);
    let g = groups.get(key);
    if (!g) {
      g = { labels, buckets: [] };
      groups.set(key, g);
    }
    g.buckets.push({ upper, count: s.v });
  }
  const out: Sample[] = [];
  for (const g of groups.values()) out.push({ labels: g.labels, v: bucketQuantile(q, g.buckets) });
  return out;
}

function parseLe(le: string): number | null {
  const t = le.trim().toLowerCase();
  if (t === '+inf' || t === 'inf') return Number.POSITIVE_INFINITY;
  if (t === '-inf') return Number.NEGATIVE_INFINITY;
  if (t === 'nan') return Number.NaN;
  if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$|^0x[0-9a-f]+$/.test(t)) return null;
  return Number(t);
}

export function bucketQuantile(q: number, input: Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...input].sort((a, b) => a.upper - b.upper);
  const last = sorted[sorted.length - 1];
  if (!last || last.upper !== Number.POSITIVE_INFINITY) return Number.NaN;
  // Coalesce buckets with the same bound (e.g. from differently spelled `le` values).
  const buckets: Bucket[] = [];
  for (const b of sorted) {
    const prev = buckets[buckets.length - 1];
    if (prev && prev.upper === b.upper) prev.count += b.count;
    else buckets.push({ ...b });
  }
  // Counts must not decrease with the bound; scrape races can make them, so they are evened out.
  let max = Number.NEGATIVE_INFINITY;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (buckets.length < 2) return Number.NaN;
  const observations = (buckets[buckets.length - 1] as Bucket).count;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  let b = 0;
  while (b < buckets.length - 1 && (buckets[b] as Bucket).count < rank) b++;
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).upper;
  if (b === 0 && (buckets[0] as Bucket).upper <= 0) return (buckets[0] as Bucket).upper;
  let start = 0;
  const end = (buckets[b] as Bucket).upper;
  let count = (buckets[b] as Bucket).count;
  if (b > 0) {
    const prev = buckets[b - 1] as Bucket;
    start = prev.upper;
    count -= prev.count;
    rank -= prev.count;
  }
  return start + (end - start) * (rank / count);
}
