import type { Run } from '@stellwerk/contracts';

/** Durations as people read them on a run: `2h 5m`, `3m 12s`, `850ms`. */
export function formatRunDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** How long a run took, or has been running until `now`. */
export function runDurationMs(run: Run, now = Date.now()): number {
  return (run.endTimeMs ?? (run.status === 'RUNNING' ? now : run.startTimeMs)) - run.startTimeMs;
}

export function formatBytes(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let x = Math.abs(v);
  let u = 0;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return `${v < 0 ? '-' : ''}${u === 0 ? x : +x.toFixed(x >= 100 ? 0 : 1)} ${units[u]}`;
}

/** A run's name, or its short id when it has none. */
export function runLabel(run: Pick<Run, 'name' | 'runId'>): string {
  return run.name || run.runId.slice(0, 8);
}
