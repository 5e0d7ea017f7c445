/**
 * Right-sizing of pipeline steps and memory spikes of a run, as the native API serves them
 * (`GET /api/v1/rightsizing`, `GET /api/v1/runs/:id/memory-spikes`; rules in docs/api.md).
 */

/** under: too little (throttled or near OOM); over: much more than used; unknown: no limit recorded. */
export type ProvisionFlag = 'under' | 'over' | 'ok' | 'unknown';

/** One resource of one step: CPU in cores (100 % = 1 core), memory in bytes. */
export interface ResourceVerdict {
  p50: number;
  p95: number;
  max: number;
  limit: number | null;
  /** Share of the limit used at p95 (CPU) or at the peak (memory); null without a limit. */
  utilization: number | null;
  flag: ProvisionFlag;
  /** What to request instead; null when the flag is ok or unknown. */
  suggestion: number | null;
  reason: string;
}

/** One pipeline step on one host, over the runs of the window. */
export interface RightsizingRow {
  pipeline: string;
  step: string;
  host: string;
  runs: number;
  samples: number;
  cpu: ResourceVerdict;
  memory: ResourceVerdict;
}

/** The thresholds the flags come from, as shares of the limit. */
export interface RightsizingRules {
  memoryUnderAbove: number;
  memoryOverBelow: number;
  cpuUnderAbove: number;
  cpuOverBelow: number;
  headroom: number;
  minCores: number;
}

export interface RightsizingResponse {
  fromMs: number;
  toMs: number;
  rules: RightsizingRules;
  steps: RightsizingRow[];
}

export interface MemorySpike {
  startMs: number;
  endMs: number;
  peakBytes: number;
  /** Why it counts: far above the run's median, or close to the limit. */
  reason: 'above-median' | 'near-limit';
}

export interface MemorySpikesResponse {
  runId: string;
  limitBytes: number | null;
  spikes: MemorySpike[];
}
