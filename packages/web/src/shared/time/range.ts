/**
 * Time ranges as they appear in the URL: `from=now-1h&to=now` (relative, re-evaluated on every
 * refresh) or epoch milliseconds as digits (absolute, what a drag-zoom or a shared link pins).
 */
export interface RawTimeRange {
  from: string;
  to: string;
}

export interface AbsoluteRange {
  fromMs: number;
  toMs: number;
}

export const DEFAULT_RANGE: RawTimeRange = { from: 'now-1h', to: 'now' };

export const PRESETS: Array<{ label: string; from: string }> = [
  { label: 'Last 5 minutes', from: 'now-5m' },
  { label: 'Last 15 minutes', from: 'now-15m' },
  { label: 'Last 1 hour', from: 'now-1h' },
  { label: 'Last 6 hours', from: 'now-6h' },
  { label: 'Last 24 hours', from: 'now-24h' },
  { label: 'Last 7 days', from: 'now-7d' },
];

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses `now`, `now-15m` or epoch-ms digits; undefined if it is none of those. */
export function parseTimeExpr(expr: string, now: number): number | undefined {
  if (/^\d+$/.test(expr)) return Number(expr);
  if (expr === 'now') return now;
  const m = /^now-(\d+)([smhdw])$/.exec(expr);
  if (m?.[1] && m[2]) return now - Number(m[1]) * (UNIT_MS[m[2]] ?? 0);
  return undefined;
}

export function isValidRange(raw: RawTimeRange): boolean {
  const now = Date.now();
  const f = parseTimeExpr(raw.from, now);
  const t = parseTimeExpr(raw.to, now);
  return f !== undefined && t !== undefined && f < t;
}

export function resolveRange(raw: RawTimeRange, now: number): AbsoluteRange {
  const fromMs = parseTimeExpr(raw.from, now) ?? now - 3_600_000;
  const toMs = parseTimeExpr(raw.to, now) ?? now;
  return fromMs < toMs ? { fromMs, toMs } : { fromMs: toMs - 3_600_000, toMs };
}

export function isRelative(raw: RawTimeRange): boolean {
  return raw.from.startsWith('now') || raw.to.startsWith('now');
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local wall-clock time for datetime-local inputs (`YYYY-MM-DDTHH:mm:ss`). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fromLocalInput(value: string): number | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime(); // datetime-local values are parsed as local time
  return Number.isNaN(ms) ? undefined : ms;
}

export function formatShort(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function describeRange(raw: RawTimeRange): string {
  if (raw.to === 'now') {
    const preset = PRESETS.find((p) => p.from === raw.from);
    if (preset) return preset.label;
    const m = /^now-(\d+)([smhdw])$/.exec(raw.from);
    if (m) return `Last ${m[1]}${m[2]}`;
  }
  const now = Date.now();
  const r = resolveRange(raw, now);
  // Absolute ranges are shown in the viewer's zone (records keep their own offsets): name it.
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return `${formatShort(r.fromMs)} → ${formatShort(r.toMs)}${zone ? ` (${zone})` : ''}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)}m`;
  if (ms < 86_400_000) return `${+(ms / 3_600_000).toFixed(1)}h`;
  return `${+(ms / 86_400_000).toFixed(1)}d`;
}

export const REFRESH_OPTIONS: Array<{ label: string; value: string; ms: number }> = [
  { label: 'Off', value: '', ms: 0 },
  { label: '5s', value: '5s', ms: 5000 },
  { label: '10s', value: '10s', ms: 10_000 },
  { label: '30s', value: '30s', ms: 30_000 },
  { label: '1m', value: '1m', ms: 60_000 },
];
