import { readFileSync } from 'node:fs';

/** Resident set size of a process in bytes, from /proc (Linux). */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples the peak RSS of some processes until stopped. */
export function peakRss(pids: () => number[]): { stop: () => Record<number, number> } {
  const peaks: Record<number, number> = {};
  const timer = setInterval(() => {
    for (const pid of pids()) peaks[pid] = Math.max(peaks[pid] ?? 0, rssOf(pid));
  }, 200);
  return {
    stop: () => {
      clearInterval(timer);
      return peaks;
    },
  };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Sends the bodies over `connections` parallel request loops; returns seconds taken. */
export async function postAll(
  url: string,
  bodies: Buffer[],
  connections: number,
  headers: Record<string, string>,
  okStatus = 200,
) {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= bodies.length) return;
      const res = await fetch(url, { method: 'POST', body: bodies[i], headers });
      const text = await res.text();
      if (res.status !== okStatus) throw new Error(`POST ${url} → ${res.status}: ${text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return (performance.now() - started) / 1000;
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const mib = (bytes: number) => `${fmt(bytes / 1024 / 1024)} MiB`;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 Hz on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
