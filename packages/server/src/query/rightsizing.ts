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

type Measured = Pick<ResourceVerdict, 'p50' | 'p95' | 'max' | 'limit'>;

/** What one resource's rules concluded, given a known limit. */
interface Judgement {
  utilization: number;
  under: boolean;
  over: boolean;
  /** What to give the step instead, when it is under or over. */
  suggestion: number;
  reasons: { under: string; over: string; ok: string };
}

/** The verdict both resources share: unknown without a limit, else under before over before ok. */
function verdict(measured: Measured, judge: (limit: number) => Judgement, unknownReason: string): ResourceVerdict {
  const limit = measured.limit;
  if (limit === null || !(limit > 0)) {
    return { ...measured, utilization: null, flag: 'unknown', suggestion: null, reason: unknownReason };
  }
  const j = judge(limit);
  const flag = j.under ? 'under' : j.over ? 'over' : 'ok';
  return {
    ...measured,
    utilization: j.utilization,
    flag,
    suggestion: flag === 'ok' ? null : j.suggestion,
    reason: j.reasons[flag],
  };
}

export function judgeMemory(
  a: Pick<UsageAggregate, 'memP50' | 'memP95' | 'memMax' | 'memLimitBytes'>,
): ResourceVerdict {
  const r = RIGHTSIZING_RULES;
  return verdict(
    { p50: a.memP50, p95: a.memP95, max: a.memMax, limit: a.memLimitBytes },
    (limit) => {
      const peakShare = a.memMax / limit;
      const p95Share = a.memP95 / limit;
      const suggestion = roundMiB(a.memMax * r.headroom);
      return {
        utilization: peakShare,
        under: peakShare > r.memoryUnderAbove,
        over: p95Share < r.memoryOverBelow,
        suggestion,
        reasons: {
          under: `Peak ${bytesText(a.memMax)} is ${Math.round(peakShare * 100)} % of the ${bytesText(limit)} limit; raise it to about ${bytesText(suggestion)} before a larger input is OOM-killed.`,
          over: `p95 ${bytesText(a.memP95)} uses ${Math.round(p95Share * 100)} % of the ${bytesText(limit)} limit; about ${bytesText(suggestion)} (peak + 25 %) would do.`,
          ok: 'Memory fits its limit with headroom.',
        },
      };
    },
    'No memory limit or host capacity was recorded.',
  );
}

function coresText(n: number): string {
  return `${n.toFixed(n < 10 ? 2 : 1)} cores`;
}

export function judgeCpu(a: Pick<UsageAggregate, 'cpuP50' | 'cpuP95' | 'cpuMax' | 'cpuLimitCores'>): ResourceVerdict {
  const r = RIGHTSIZING_RULES;
  return verdict(
    { p50: a.cpuP50, p95: a.cpuP95, max: a.cpuMax, limit: a.cpuLimitCores },
    (limit) => {
      const share = a.cpuP95 / limit;
      const suggestion = Math.max(r.minCores, Math.ceil(a.cpuP95 * r.headroom * 10) / 10);
      const used = `p95 ${coresText(a.cpuP95)} is ${Math.round(share * 100)} % of ${coresText(limit)}`;
      return {
        utilization: share,
        under: share > r.cpuUnderAbove,
        over: share < r.cpuOverBelow,
        suggestion,
        reasons: {
          under: `${used}; the step is CPU-bound: give it about ${coresText(suggestion)} or more.`,
          over: `${used}; about ${coresText(suggestion)} would do.`,
          ok: 'CPU use fits what the step has.',
        },
      };
    },
    'No CPU limit or host capacity was recorded.',
  );
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
