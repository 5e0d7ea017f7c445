import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLimits } from './limits.ts';

// A cgroup cannot be created without privileges, so these lay out the files the kernel shows.
const root = mkdtempSync(join(tmpdir(), 'stw-cgroup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function layout(name: string, files: Record<string, string>) {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return {
    procCgroup: join(dir, 'proc-cgroup'),
    cgroupFs: join(dir, 'fs'),
    hostMemoryBytes: 64 * 2 ** 30,
    hostCores: 16,
  };
}

describe('cgroup limits', () => {
  it('reads cgroup v2 memory.max and cpu.max, the tightest along the path', () => {
    const roots = layout('v2', {
      'proc-cgroup': '0::/job/step\n',
      'fs/job/memory.max': '4294967296\n',
      'fs/job/step/memory.max': 'max\n',
      'fs/job/step/cpu.max': '250000 100000\n',
    });
    expect(readLimits(roots)).toMatchObject({
      memoryLimitBytes: 4 * 2 ** 30,
      cpuLimitCores: 2.5,
      source: { memory: 'cgroup2', cpu: 'cgroup2' },
    });
  });

  it('falls back to cgroup v1 files, treating the huge default as no limit', () => {
    const roots = layout('v1', {
      'proc-cgroup': '4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n',
      'fs/memory/docker/abc/memory.limit_in_bytes': '536870912\n',
      'fs/cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '50000\n',
      'fs/cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000\n',
    });
    expect(readLimits(roots)).toMatchObject({ memoryLimitBytes: 512 * 2 ** 20, cpuLimitCores: 0.5 });
    const unlimited = layout('v1-free', {
      'proc-cgroup': '4:memory:/\n',
      'fs/memory/memory.limit_in_bytes': '9223372036854771712\n',
    });
    expect(readLimits(unlimited)).toMatchObject({
      memoryLimitBytes: 64 * 2 ** 30,
      cpuLimitCores: 16,
      source: { memory: 'host', cpu: 'host' },
    });
  });

  it('uses the host capacity without cgroups, and never reports more than the host has', () => {
    expect(readLimits(layout('none', {}))).toMatchObject({ memoryLimitBytes: 64 * 2 ** 30, cpuLimitCores: 16 });
    const roots = layout('big', {
      'proc-cgroup': '0::/\n',
      'fs/memory.max': String(2 ** 50),
      'fs/cpu.max': 'max 100000',
    });
    expect(readLimits(roots)).toMatchObject({ memoryLimitBytes: 64 * 2 ** 30, cpuLimitCores: 16 });
  });

  it('reads this machine without failing', () => {
    const limits = readLimits();
    expect(limits.memoryLimitBytes).toBeGreaterThan(0);
    expect(limits.cpuLimitCores).toBeGreaterThan(0);
  });
});
