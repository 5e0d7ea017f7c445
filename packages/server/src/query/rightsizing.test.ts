import { describe, expect, it } from 'vitest';
import { judgeCpu, judgeMemory, memorySpikes } from './rightsizing.ts';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe('judgeMemory', () => {
  it('flags a peak above 90 % of the limit as under-provisioned and suggests peak + 25 %', () => {
    const v = judgeMemory({ memP50: 1.5 * GiB, memP95: 1.8 * GiB, memMax: 1.9 * GiB, memLimitBytes: 2 * GiB });
    expect(v.flag).toBe('under');
    expect(v.suggestion).toBe(Math.ceil((1.9 * GiB * 1.25) / MiB) * MiB);
    expect(v.reason).toMatch(/95 % of the 2\.0 GiB limit/);
  });
  it('flags p95 below 40 % of the limit as over-provisioned', () => {
    const v = judgeMemory({ memP50: 200 * MiB, memP95: 300 * MiB, memMax: 500 * MiB, memLimitBytes: 4 * GiB });
    expect(v.flag).toBe('over');
    expect(v.suggestion).toBe(625 * MiB);
  });
  it('leaves a step that fits as ok, and one without a limit as unknown', () => {
    expect(judgeMemory({ memP50: 1 * GiB, memP95: 2 * GiB, memMax: 2.5 * GiB, memLimitBytes: 4 * GiB }).flag).toBe(
      'ok',
    );
    expect(judgeMemory({ memP50: 1, memP95: 1, memMax: 1, memLimitBytes: null }).flag).toBe('unknown');
  });
});

describe('judgeCpu', () => {
  it('under above 90 % of the cores at p95, over below 30 %, ok between', () => {
    expect(judgeCpu({ cpuP50: 1.9, cpuP95: 1.95, cpuMax: 2, cpuLimitCores: 2 }).flag).toBe('under');
    const over = judgeCpu({ cpuP50: 0.2, cpuP95: 0.5, cpuMax: 0.9, cpuLimitCores: 8 });
    expect(over.flag).toBe('over');
    expect(over.suggestion).toBe(0.7);
    expect(judgeCpu({ cpuP50: 1, cpuP95: 1.2, cpuMax: 2, cpuLimitCores: 2 }).flag).toBe('ok');
    expect(judgeCpu({ cpuP50: 0, cpuP95: 0.01, cpuMax: 0.01, cpuLimitCores: 4 }).suggestion).toBe(0.1);
  });
});

describe('memorySpikes', () => {
  const at = (i: number) => 1_000_000 + i * 1000;
  it('merges consecutive samples far above the median into one spike with its peak', () => {
    const rss = [100, 100, 110, 400, 500, 120, 100, 100].map((m) => m * MiB);
    const spikes = memorySpikes(
      rss.map((r, i) => ({ tsMs: at(i), rssBytes: r })),
      null,
    );
    expect(spikes).toEqual([{ startMs: at(3), endMs: at(4), peakBytes: 500 * MiB, reason: 'above-median' }]);
  });
  it('ignores small absolute jumps and marks samples near the limit', () => {
    const rss = [10, 10, 25, 10, 10].map((m) => m * MiB); // 2.5× the median but only 15 MiB more
    expect(
      memorySpikes(
        rss.map((r, i) => ({ tsMs: at(i), rssBytes: r })),
        null,
      ),
    ).toEqual([]);
    const high = [800, 800, 950, 800].map((m) => m * MiB);
    const spikes = memorySpikes(
      high.map((r, i) => ({ tsMs: at(i), rssBytes: r })),
      1000 * MiB,
    );
    expect(spikes).toEqual([{ startMs: at(2), endMs: at(2), peakBytes: 950 * MiB, reason: 'near-limit' }]);
  });
});
