import type { MemorySpikesResponse, RightsizingResponse } from '@stellwerk/contracts';
import { getJson, withParams } from '../../../shared/api/client.ts';

/** Calls to the right-sizing API (contracts/rightsizing.ts; rules in docs/api.md). */

export interface RightsizingQuery {
  fromMs: number;
  toMs: number;
  experimentId?: string;
  pipeline?: string;
  /** Only the steps of this pipeline run. */
  parentRunId?: string;
}

export function fetchRightsizing(q: RightsizingQuery, signal?: AbortSignal): Promise<RightsizingResponse> {
  return getJson<RightsizingResponse>(
    withParams('/api/v1/rightsizing', {
      from: String(Math.floor(q.fromMs)),
      to: String(Math.ceil(q.toMs)),
      experimentId: q.experimentId || undefined,
      pipeline: q.pipeline || undefined,
      parentRunId: q.parentRunId || undefined,
    }),
    signal,
  );
}

export function fetchMemorySpikes(runId: string, signal?: AbortSignal): Promise<MemorySpikesResponse> {
  return getJson<MemorySpikesResponse>(`/api/v1/runs/${encodeURIComponent(runId)}/memory-spikes`, signal);
}
