import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { StellwerkError } from '../errors.ts';
import type { ProcessLogsJob, ProcessLogsResult } from './process-logs.ts';

/** Requests waiting for a thread; beyond this, writers are told to back off (429). */
const MAX_WAITING_JOBS = 64;

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Threads for parsing and encoding, so a large request never holds the server's event loop
 * (the loop also serves queries and acknowledgements). Workers run TypeScript through tsx
 * like the rest of Stellwerk.
 */
export class PipelineWorkers {
  private readonly pool: Piscina;

  constructor(threads = Math.max(1, Math.min(4, availableParallelism() - 1))) {
    this.pool = new Piscina({
      filename: new URL('./log-worker.ts', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      execArgv: ['--import', TSX_LOADER],
      // Bounded: the writer's queue limits what is accepted, this limits what waits for a thread.
      maxQueue: MAX_WAITING_JOBS,
    });
  }

  async processLogs(job: ProcessLogsJob): Promise<ProcessLogsResult> {
    if (this.pool.queueSize >= MAX_WAITING_JOBS) {
      throw new StellwerkError(
        'STW_ERR_OVERLOADED',
        `${MAX_WAITING_JOBS} requests are already waiting to be parsed; retry after 1s.`,
        { retryAfterSec: 1 },
      );
    }
    return (await this.pool.run(job)) as ProcessLogsResult;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
