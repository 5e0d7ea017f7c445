import type { MemorySpikesResponse, RightsizingResponse } from '@stellwerk/contracts';
import type { FastifyPluginAsync } from 'fastify';
import { StellwerkError } from '../errors.ts';
import { memorySpikes, RIGHTSIZING_RULES, rightsize } from '../query/rightsizing.ts';
import { parseTimeInput } from '../query/time-range.ts';
import type { RightsizingRepository } from '../store/rightsizing-repository.ts';

const READ = { config: { scope: 'read' as const } };
const DEFAULT_WINDOW_MS = 7 * 24 * 3600 * 1000;

interface WindowQuery {
  from?: string;
  to?: string;
  experimentId?: string;
  pipeline?: string;
  /** Only the steps of this pipeline run (its child runs). */
  parentRunId?: string;
}

function timeMs(value: string | undefined, name: string, fallback: number, now: number): number {
  if (value === undefined || value === '') return fallback;
  try {
    return Number(BigInt(parseTimeInput(value, now).ns) / 1_000_000n);
  } catch (err) {
    throw new StellwerkError('STW_ERR_BAD_REQUEST', `\`${name}\`: ${(err as Error).message}`);
  }
}

/**
 * Right-sizing of pipeline steps over a window, and memory spikes on a run's timeline
 * (rules in query/rightsizing.ts and docs/api.md).
 */
export const rightsizingRoutes: FastifyPluginAsync<{ repo: RightsizingRepository }> = async (app, { repo }) => {
  app.get<{ Querystring: WindowQuery }>('/api/v1/rightsizing', READ, async (req): Promise<RightsizingResponse> => {
    const now = Date.now();
    const toMs = timeMs(req.query.to, 'to', now, now);
    const fromMs = timeMs(req.query.from, 'from', toMs - DEFAULT_WINDOW_MS, now);
    if (fromMs >= toMs) {
      throw new StellwerkError('STW_ERR_BAD_REQUEST', '`from` must be before `to`; swap them or widen the window.');
    }
    const usage = await repo.usageByStep({
      fromMs,
      toMs,
      experimentId: req.query.experimentId || undefined,
      pipeline: req.query.pipeline,
      parentRunId: req.query.parentRunId || undefined,
    });
    return { fromMs, toMs, rules: RIGHTSIZING_RULES, steps: usage.map(rightsize) };
  });

  app.get<{ Params: { id: string } }>(
    '/api/v1/runs/:id/memory-spikes',
    READ,
    async (req): Promise<MemorySpikesResponse> => {
      const { samples, limitBytes } = await repo.memoryTimeline(req.params.id);
      return { runId: req.params.id, limitBytes, spikes: memorySpikes(samples, limitBytes) };
    },
  );
};
