import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readProcess, reapedChildrenCpuSeconds, TreeSampler, treePids } from './sampler.ts';

const MiB = 1024 * 1024;
const limits = { memoryLimitBytes: 8 * 1024 * MiB, cpuLimitCores: 2 };
const children: { kill: (s?: NodeJS.Signals) => boolean }[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/**
 * A real process tree: a shell that starts two node children, each holding ~100 MiB and
 * burning half a second of CPU (measured by itself, so a busy machine only slows it).
 */
function startTree() {
  const worker = `const b = Buffer.alloc(${100 * MiB}, 1); while (process.cpuUsage().user + process.cpuUsage().system < 5e5) b[Math.floor(Math.random() * b.length)]++; setTimeout(() => {}, 120000);`;
  const shell = spawn('sh', ['-c', `node -e "$W" & node -e "$W" & wait`], {
    env: { ...process.env, W: worker },
    stdio: 'ignore',
    detached: true,
  });
  children.push({ kill: (s) => process.kill(-(shell.pid as number), s) });
  return shell.pid as number;
}

// Samples half a second apart: CPU times come in 10 ms ticks, so much shorter intervals
// would make the percentage jumpy (as a 1 s sampling interval in real use does not).
async function poll<T>(probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`nothing within ${timeoutMs} ms`);
}

describe('process tree sampler', () => {
  it('leaves out exited processes not yet reaped (zombies): they hold no memory', async () => {
    // `exec sleep` replaces the shell, and sleep never reaps the child it inherited.
    const parent = spawn('sh', ['-c', 'sleep 0.1 & exec sleep 30'], { stdio: 'ignore' });
    children.push(parent);
    const root = parent.pid as number;
    const zombie = await poll(() => {
      const kid = treePids(root).find((p) => p !== root);
      if (kid === undefined) return undefined;
      try {
        return readFileSync(`/proc/${kid}/stat`, 'utf8').includes(') Z ') ? kid : undefined;
      } catch {
        return undefined;
      }
    });
    expect(readProcess(zombie)).toBeUndefined();
    const sample = new TreeSampler(root, limits, Date.now()).sample();
    expect(sample?.processes).toBe(1);
    expect(sample?.rssBytes).toBeGreaterThan(0);
  });

  it('sums CPU, memory, threads and processes over the whole tree', async () => {
    const root = startTree();
    const sampler = new TreeSampler(root, limits, Date.now());
    await poll(() => (treePids(root).length >= 3 ? true : undefined));
    // Wait until both children hold their buffers; meanwhile they burn CPU.
    let busiest = 0;
    const sample = await poll(() => {
      const s = sampler.sample(Date.now());
      busiest = Math.max(busiest, s?.cpuPercent ?? 0);
      return s && s.rssBytes > 200 * MiB ? s : undefined;
    });
    expect(sample.processes).toBe(3);
    expect(sample.threads).toBeGreaterThanOrEqual(3);
    expect(sample.openFds).toBeGreaterThanOrEqual(3);
    expect(sample.peakRssBytes).toBeGreaterThanOrEqual(sample.rssBytes);
    expect(sample).toMatchObject({ memoryLimitBytes: limits.memoryLimitBytes, cpuLimitCores: 2 });
    // The tree's CPU time is the sum of both children's half second each (less up to a
    // 10 ms tick each: /proc counts whole ticks).
    const done = await poll(() => {
      const s = sampler.sample(Date.now());
      busiest = Math.max(busiest, s?.cpuPercent ?? 0);
      return s && s.cpuSeconds >= 0.95 ? s : undefined;
    }, 60_000);
    expect(done.cpuSeconds).toBeLessThan(1.5);
    expect(busiest).toBeGreaterThan(0);
    // Two cores here: at most 200 %, plus the tick rounding of three processes over 0.5 s.
    expect(busiest).toBeLessThanOrEqual(100 * 2 + 15);
  }, 90_000);

  it('counts storage writes from /proc/<pid>/io', async () => {
    const dd = spawn('sh', ['-c', 'dd if=/dev/zero of="$F" bs=1M count=64 conv=fsync 2>/dev/null; sleep 30'], {
      env: { ...process.env, F: `/tmp/stw-sampler-${process.pid}` },
      stdio: 'ignore',
    });
    children.push(dd);
    const sampler = new TreeSampler(dd.pid as number, limits, Date.now());
    const s = await poll(() => {
      const x = sampler.sample();
      return x && x.writeBytes >= 64 * MiB ? x : undefined;
    });
    expect(s.writeBytes).toBeGreaterThanOrEqual(64 * MiB);
    spawn('rm', ['-f', `/tmp/stw-sampler-${process.pid}`]);
  });

  it('says when the root has gone, and takes the exact CPU total of a reaped command', async () => {
    const before = reapedChildrenCpuSeconds();
    const busy = spawn(process.execPath, ['-e', 'while (process.cpuUsage().user + process.cpuUsage().system < 7e5);']);
    const pid = busy.pid as number;
    const sampler = new TreeSampler(pid, limits, Date.now());
    await new Promise((r) => busy.on('exit', r));
    expect(sampler.sample()).toBeUndefined();
    sampler.finish(reapedChildrenCpuSeconds() - before);
    expect(sampler.cpuSeconds).toBeGreaterThanOrEqual(0.7);
  });
});
