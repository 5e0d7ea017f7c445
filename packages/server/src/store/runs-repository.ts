import type { Run, RunMetric } from '@stellwerk/contracts';
import type { Store } from './client.ts';

/**
 * Experiments, runs, params, tags, metrics, inputs (tables of migration 007).
 * Skeleton: the methods other parts call are declared here first.
 */
export class RunsRepository {
  constructor(readonly store: Store) {}

  async getRun(_runId: string): Promise<Run | null> {
    throw new Error('RunsRepository.getRun: not written yet');
  }

  async logMetrics(_runId: string, _metrics: RunMetric[]): Promise<void> {
    throw new Error('RunsRepository.logMetrics: not written yet');
  }
}
