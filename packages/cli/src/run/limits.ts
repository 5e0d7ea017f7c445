/**
 * The memory and CPU a run may use: the cgroup's limits when the run is confined (a
 * container, a systemd slice, a batch scheduler), else the host's capacity. Read once per
 * run; cgroup limits rarely change while a job runs.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Limits {
  memoryLimitBytes: number | null;
  cpuLimitCores: number | null;
  /** Where the figures came from: `cgroup2`, `cgroup1` or `host`, per resource. */
  source: { memory: string; cpu: string };
}

export interface LimitsRoots {
  /** `/proc/self/cgroup` of the process whose limits count. */
  procCgroup: string;
  /** The cgroup file system mount, `/sys/fs/cgroup`. */
  cgroupFs: string;
  hostMemoryBytes: number;
  hostCores: number;
}

const DEFAULT_ROOTS: LimitsRoots = {
  procCgroup: '/proc/self/cgroup',
  cgroupFs: '/sys/fs/cgroup',
  hostMemoryBytes: totalmem(),
  hostCores: availableParallelism(),
};

// cgroup v1 writes "no limit" as a huge page-aligned number rather than a word.
const V1_UNLIMITED = 2 ** 60;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The cgroup directory and its ancestors up to the mount, innermost first: a parent's limit binds too. */
function chain(mount: string, path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  const dirs: string[] = [];
  for (let i = parts.length; i >= 0; i--) dirs.push(join(mount, ...parts.slice(0, i)));
  return dirs;
}

function minOf(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? Math.min(...known) : null;
}

function v2Memory(dir: string): number | null {
  const v = read(join(dir, 'memory.max'));
  return v === undefined || v === 'max' || !/^\d+$/.test(v) ? null : Number(v);
}

function v2Cpu(dir: string): number | null {
  const v = read(join(dir, 'cpu.max'));
  const m = v ? /^(\d+)\s+(\d+)$/.exec(v) : null;
  return m ? Number(m[1]) / Number(m[2]) : null;
}

function v1Memory(dir: string): number | null {
  const v = read(join(dir, 'memory.limit_in_bytes'));
  if (v === undefined || !/^\d+$/.test(v)) return null;
  const n = Number(v);
  return n >= V1_UNLIMITED ? null : n;
}

function v1Cpu(dir: string): number | null {
  const quota = Number(read(join(dir, 'cpu.cfs_quota_us')) ?? '-1');
  const period = Number(read(join(dir, 'cpu.cfs_period_us')) ?? '0');
  return quota > 0 && period > 0 ? quota / period : null;
}

/** Limits from cgroup v2 (unified) or v1 (per controller), falling back to the host. */
export function readLimits(roots: LimitsRoots = DEFAULT_ROOTS): Limits {
  const lines = (read(roots.procCgroup) ?? '').split('\n').filter(Boolean);
  let memory: number | null = null;
  let cpu: number | null = null;
  let memorySource = 'host';
  let cpuSource = 'host';
  for (const line of lines) {
    // hierarchy-id:controllers:path
    const [, controllers = '', path = '/'] = line.split(/:(.*?):/);
    if (controllers === '') {
      const dirs = chain(roots.cgroupFs, path);
      const m = minOf(dirs.map(v2Memory));
      const c = minOf(dirs.map(v2Cpu));
      if (m !== null) [memory, memorySource] = [m, 'cgroup2'];
      if (c !== null) [cpu, cpuSource] = [c, 'cgroup2'];
      continue;
    }
    const names = controllers.split(',');
    // In a container the v1 hierarchy is often mounted at its own root, so try both places.
    const mountsFor = (controller: string) => {
      const mount = join(roots.cgroupFs, controller);
      return [...chain(mount, path), mount];
    };
    if (memory === null && names.includes('memory')) {
      const m = minOf(mountsFor('memory').map(v1Memory));
      if (m !== null) [memory, memorySource] = [m, 'cgroup1'];
    }
    if (cpu === null && names.includes('cpu')) {
      const dirs = [...mountsFor('cpu'), ...mountsFor('cpu,cpuacct')];
      const c = minOf(dirs.map(v1Cpu));
      if (c !== null) [cpu, cpuSource] = [c, 'cgroup1'];
    }
  }
  return {
    memoryLimitBytes: memory === null ? roots.hostMemoryBytes : Math.min(memory, roots.hostMemoryBytes),
    cpuLimitCores: cpu === null ? roots.hostCores : Math.min(cpu, roots.hostCores),
    source: { memory: memorySource, cpu: cpuSource },
  };
}
