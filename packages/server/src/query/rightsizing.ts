/**
 * Right-sizing: how much CPU and memory a pipeline step used against what it had, and what
 * to give it instead. The rules are fixed and documented (docs/api.md, "Right-sizing"):
 * - memory: peak above 90 % of the limit is under-provisioned (the next larger input gets
 *   OOM-killed); p95 below 40 % of the limit is over-provisioned. Suggestion: peak + 25 %.
 * - CPU: p95 above 90 % of the cores available is under-provisioned (throttled or queued);
 *   p95 below 30 % is over-provisioned. Suggestion: p95 + 25 %, at least 0.1 core.
 * Without a known limit nothing is flagged: "over" needs something to be over.
 */

import type { MemorySpike, ResourceVerdict, RightsizingRow, RightsizingRules } from '@stellwerk/contracts';
import type { UsageAggregate } from '../store/rightsizing-repository.ts';

export type { MemorySpike, ProvisionFlag, ResourceVerdict, RightsizingRow } from '@stellwerk/contracts';
export type { UsageAggregate };

export const RIGHTSIZING_RULES = {
  memoryUnderAbove: 0.9,
  memoryOverBelow: 0.4,
  cpuUnderAbove: 0.9,
  cpuOverBelow: 0.3,
  headroom: 1.25,
  minCores: 0.1,
} as const satisfies RightsizingRules;

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

function bytesText(n: number): string {
  return n >= GIB ? `${(n / GIB).toFixed(1)} GiB` : `${Math.round(n / MIB)} MiB`;
}

/** Rounded up to a whole MiB, so suggestions read like limits people write. */
function roundMiB(n: number): number {
  return Math.ceil(n / MIB) * MIB;
}

export function judgeMemory(
  a: Pick<UsageAggregate, 'memP50' | 'memP95' | 'memMax' | 'memLimitBytes'>,
): ResourceVerdict {
  const base = { p50: a.memP50, p95: a.memP95, max: a.memMax, limit: a.memLimitBytes };
  const limit = a.memLimitBytes;
  if (limit === null || !(limit > 0)) {
    return {
      ...base,
      utilization: null,
      flag: 'unknown',
      suggestion: null,
      reason: 'No memory limit or host capacity was recorded.',
    };
  }
  const r = RIGHTSIZING_RULES;
  const peakShare = a.memMax / limit;
  const suggestion = roundMiB(a.memMax * r.headroom);
  if (peakShare > r.memoryUnderAbove) {
    return {
      ...base,
      utilization: peakShare,
      flag: 'under',
      suggestion,
      reason: `Peak ${bytesText(a.memMax)} is ${Math.round(peakShare * 100)} % of the ${bytesText(limit)} limit; raise it to about ${bytesText(suggestion)} before a larger input is OOM-killed.`,
    };
  }
  if (a.memP95 / limit < r.memoryOverBelow) {
    return {
      ...base,
      utilization: peakShare,
      flag: 'over',
      suggestion,
      reason: `p95 ${bytesText(a.memP95)} uses ${Math.round((a.memP95 / limit) * 100)} % of the ${bytesText(limit)} limit; about ${bytesText(suggestion)} (peak + 25 %) would do.`,
    };
  }
  return {
    ...base,
    utilization: peakShare,
    flag: 'ok',
    suggestion: null,
    reason: 'Memory fits its limit with headroom.',
  };
}

export function judgeCpu(a: Pick<UsageAggregate, 'cpuP50' | 'cpuP95' | 'cpuMax' | 'cpuLimitCores'>): ResourceVerdict {
  const base = { p50: a.cpuP50, p95: a.cpuP95, max: a.cpuMax, limit: a.cpuLimitCores };
  const limit = a.cpuLimitCores;
  if (limit === null || !(limit > 0)) {
    return {
      ...base,
      utilization: null,
      flag: 'unknown',
      suggestion: null,
      reason: 'No CPU limit or host capacity was recorded.',
    };
  }
  const r = RIGHTSIZING_RULES;
  const share = a.cpuP95 / limit;
  const suggestion = Math.max(r.minCores, Math.ceil(a.cpuP95 * r.headroom * 10) / 10);
  const cores = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} cores`;
  if (share > r.cpuUnderAbove) {
    return {
      ...base,
      utilization: share,
      flag: 'under',
      suggestion,
      reason: `p95 ${cores(a.cpuP95)} is ${Math.round(share * 100)} % of ${cores(limit)}; the step is CPU-bound: give it about ${cores(suggestion)} or more.`,
    };
  }
  if (share < r.cpuOverBelow) {
    return {
      ...base,
      utilization: share,
      flag: 'over',
      suggestion,
      reason: `p95 ${cores(a.cpuP95)} is ${Math.round(share * 100)} % of ${cores(limit)}; about ${cores(suggestion)} would do.`,
    };
  }
  return { ...base, utilization: share, flag: 'ok', suggestion: null, reason: 'CPU use fits what the step has.' };
}

export function rightsize(a: UsageAggregate): RightsizingRow {
  return {
    pipeline: a.pipeline,
    step: a.step,
    host: a.host,
    runs: a.runs,
    samples: a.samples,
    cpu: judgeCpu(a),
    memory: judgeMemory(a),
  };
}

/**
 * Memory spikes on a run's timeline: runs of consecutive samples whose RSS is at least twice
 * the run's median and 64 MiB above it, or above 90 % of the memory limit.
 */
export function memorySpikes(
  samples: ReadonlyArray<{ tsMs: number; rssBytes: number }>,
  limitBytes: number | null,
): MemorySpike[] {
  if (samples.length === 0) return [];
  const sorted = samples.map((s) => s.rssBytes).sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] as number;
  const nearLimit = (v: number) =>
    limitBytes !== null && limitBytes > 0 && v > RIGHTSIZING_RULES.memoryUnderAbove * limitBytes;
  const aboveMedian = (v: number) => v >= 2 * median && v >= median + 64 * MIB;
  const spikes: MemorySpike[] = [];
  let open: MemorySpike | null = null;
  for (const s of [...samples].sort((a, b) => a.tsMs - b.tsMs)) {
    const near = nearLimit(s.rssBytes);
    if (near || aboveMedian(s.rssBytes)) {
      if (open) {
        open.endMs = s.tsMs;
        open.peakBytes = Math.max(open.peakBytes, s.rssBytes);
        if (near) open.reason = 'near-limit';
      } else {
        open = { startMs: s.tsMs, endMs: s.tsMs, peakBytes: s.rssBytes, reason: near ? 'near-limit' : 'above-median' };
      }
    } else if (open) {
      spikes.push(open);
      open = null;
    }
  }
  if (open) spikes.push(open);
  return spikes;
}
