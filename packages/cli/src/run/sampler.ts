/**
 * Samples a command's whole process tree from /proc: CPU (summed, 100 % = one core), CPU
 * seconds, resident memory and its peak, storage I/O, threads, open files and the number of
 * processes. Only the tree's own files are read (children are found through
 * /proc/<pid>/task/<tid>/children), so the cost does not grow with the host's process count.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { GpuSample, ResourceSample } from '@stellwerk/contracts';
import type { Limits } from './limits.ts';

/** USER_HZ: the unit of CPU times in /proc. Fixed at 100 by the kernel ABI on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** Monotonic milliseconds; unlike `performance.now()` it loads nothing (perf_hooks costs the start ~6 ms). */
function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

type SamplerLimits = Pick<Limits, 'memoryLimitBytes' | 'cpuLimitCores'>;

export interface ProcessReading {
  pid: number;
  ppid: number;
  /** Own CPU ticks plus those of children it has reaped (cutime, cstime). */
  cpuTicks: number;
  threads: number;
  rssBytes: number;
  peakRssBytes: number;
  readBytes: number;
  writeBytes: number;
  openFds: number;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces and parentheses. */
function statFields(text: string): string[] {
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

function statusKb(status: string, key: string): number {
  const at = status.indexOf(`\n${key}:`);
  if (at < 0) return 0;
  return Number.parseInt(status.slice(at + key.length + 2).trimStart(), 10) * 1024 || 0;
}

function ioField(io: string, key: string): number {
  const m = new RegExp(`^${key}: (\\d+)`, 'm').exec(io);
  return m ? Number(m[1]) : 0;
}

/** One process, or undefined when it has gone (a race every sampler has to accept). */
export function readProcess(pid: number, proc = '/proc'): ProcessReading | undefined {
  const stat = readText(`${proc}/${pid}/stat`);
  if (stat === undefined) return undefined;
  const f = statFields(stat);
  // A process that has exited but is not reaped yet (zombie) holds no memory and no files:
  // reading it would put a zero-memory sample at the end of every run.
  if (f[0] === 'Z' || f[0] === 'X') return undefined;
  // Field numbers as in proc(5), minus the three before the fields slice.
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  const status = readText(`${proc}/${pid}/status`) ?? '';
  const io = readText(`${proc}/${pid}/io`) ?? '';
  let openFds = 0;
  try {
    openFds = readdirSync(`${proc}/${pid}/fd`).length;
  } catch {}
  const rssBytes = statusKb(status, 'VmRSS');
  return {
    pid,
    ppid: Number(f[1]),
    cpuTicks: ticks,
    threads: Number(f[17]) || 0,
    rssBytes,
    peakRssBytes: Math.max(rssBytes, statusKb(status, 'VmHWM')),
    readBytes: ioField(io, 'read_bytes'),
    writeBytes: ioField(io, 'write_bytes'),
    openFds,
  };
}

/** Direct children of a process, over all its threads (a thread's children are listed under it). */
export function childPids(pid: number, proc = '/proc'): number[] {
  let tids: string[];
  try {
    tids = readdirSync(`${proc}/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) {
    const text = readText(`${proc}/${pid}/task/${tid}/children`) ?? '';
    for (const c of text.split(' ')) if (c.trim()) out.push(Number(c));
  }
  return out;
}

const childrenFiles = new Map<string, boolean>();

/** Whether the kernel has the children files (CONFIG_PROC_CHILDREN; Debian's and most others do). Asked once. */
function hasChildrenFiles(proc: string): boolean {
  let has = childrenFiles.get(proc);
  if (has === undefined) {
    has = existsSync(`${proc}/self/task/${process.pid}/children`);
    childrenFiles.set(proc, has);
  }
  return has;
}

/** Every process's parent, by a full scan: the fallback for kernels without children files. */
function parentMap(proc: string): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readText(`${proc}/${name}/stat`);
    if (stat === undefined) continue;
    const ppid = Number(statFields(stat)[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  return children;
}

/** The pids of `root` and all its descendants. */
export function treePids(root: number, proc = '/proc'): number[] {
  const seen = new Set<number>();
  const scan = hasChildrenFiles(proc) ? undefined : parentMap(proc);
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    for (const k of scan ? (scan.get(pid) ?? []) : childPids(pid, proc)) stack.push(k);
  }
  return [...seen];
}

/** CPU seconds of the children this process has reaped: the exact total of a finished command. */
export function reapedChildrenCpuSeconds(proc = '/proc'): number {
  const stat = readText(`${proc}/self/stat`);
  if (stat === undefined) return 0;
  const f = statFields(stat);
  return (Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND;
}

export class TreeSampler {
  private lastCpuSeconds = 0;
  /** Monotonic time the last /proc reads began; the CPU share is over the time since. */
  private lastReadStart: number;
  private peak = 0;
  private readBytes = 0;
  private writeBytes = 0;
  private limits: SamplerLimits | (() => SamplerLimits);

  /** `limits` may be a function: then it is read at the first sample, and never for a run that has none. */
  constructor(
    private readonly rootPid: number,
    limits: SamplerLimits | (() => SamplerLimits),
    startedAtMs: number,
    private readonly proc = '/proc',
  ) {
    this.limits = limits;
    this.lastReadStart = monotonicMs() - Math.max(0, Date.now() - startedAtMs);
  }

  get cpuSeconds(): number {
    return this.lastCpuSeconds;
  }

  get peakRssBytes(): number {
    return this.peak;
  }

  /** Reads the tree now; undefined once the root process has gone. */
  sample(nowMs = Date.now(), gpus?: GpuSample[]): ResourceSample | undefined {
    const readings: ProcessReading[] = [];
    const readStart = monotonicMs();
    for (const pid of treePids(this.rootPid, this.proc)) {
      const r = readProcess(pid, this.proc);
      if (r) readings.push(r);
    }
    // Reading a large tree on a busy machine takes a while, and each process is read at its
    // own moment within it: the interval runs from the start of the last reads to the end of
    // these, which holds every process's own interval, so the share never exceeds the cores.
    const readEnd = monotonicMs();
    if (!readings.some((r) => r.pid === this.rootPid)) return undefined;
    const sum = (key: keyof ProcessReading) => readings.reduce((s, r) => s + r[key], 0);
    // Totals only grow: a process that exits before its parent reaps it could otherwise
    // make them dip for a moment.
    const cpuSeconds = Math.max(this.lastCpuSeconds, sum('cpuTicks') / TICKS_PER_SECOND);
    const rssBytes = sum('rssBytes');
    // The tree's peak is at least its largest sampled total and at least any one process's
    // own high-water mark, which also catches spikes between two samples.
    this.peak = Math.max(this.peak, rssBytes, ...readings.map((r) => r.peakRssBytes));
    this.readBytes = Math.max(this.readBytes, sum('readBytes'));
    this.writeBytes = Math.max(this.writeBytes, sum('writeBytes'));
    const elapsed = (readEnd - this.lastReadStart) / 1000;
    const cpuPercent = elapsed > 0 ? ((cpuSeconds - this.lastCpuSeconds) / elapsed) * 100 : 0;
    this.lastCpuSeconds = cpuSeconds;
    this.lastReadStart = readStart;
    if (typeof this.limits === 'function') this.limits = this.limits();
    const sample: ResourceSample = {
      timestampMs: nowMs,
      cpuPercent: Math.round(cpuPercent * 10) / 10,
      cpuSeconds: Math.round(cpuSeconds * 100) / 100,
      rssBytes,
      peakRssBytes: this.peak,
      readBytes: this.readBytes,
      writeBytes: this.writeBytes,
      threads: sum('threads'),
      openFds: sum('openFds'),
      processes: readings.length,
      memoryLimitBytes: this.limits.memoryLimitBytes,
      cpuLimitCores: this.limits.cpuLimitCores,
    };
    if (gpus && gpus.length > 0) sample.gpus = gpus;
    return sample;
  }

  /** Folds in the exact CPU total known once the command has been reaped. */
  finish(reapedCpuSeconds: number): void {
    this.lastCpuSeconds = Math.max(this.lastCpuSeconds, reapedCpuSeconds);
  }
}
