import type { DatasetJob, DatasetRole } from '@stellwerk/contracts';

/** Finished jobs stay visible this long, and at most this many are kept. */
const KEEP_FINISHED_MS = 60 * 60 * 1000;
const MAX_JOBS = 1000;

/**
 * Progress of row uploads, for `GET /api/v1/datasets/jobs/:id` while the upload request is
 * still open. Held in this process's memory: the process that receives the upload answers.
 */
export class DatasetJobs {
  private readonly jobs = new Map<string, DatasetJob>();

  start(id: string, runId: string, role: DatasetRole): DatasetJob {
    this.prune();
    const now = Date.now();
    const job: DatasetJob = { id, runId, role, state: 'receiving', bytes: 0, rows: 0, startedMs: now, updatedMs: now };
    this.jobs.set(id, job);
    return job;
  }

  isRunning(id: string): boolean {
    const job = this.jobs.get(id);
    return job !== undefined && (job.state === 'receiving' || job.state === 'profiling');
  }

  update(job: DatasetJob, change: Partial<Pick<DatasetJob, 'state' | 'bytes' | 'rows' | 'error'>>): void {
    Object.assign(job, change, { updatedMs: Date.now() });
  }

  get(id: string): DatasetJob | undefined {
    return this.jobs.get(id);
  }

  list(runId?: string): DatasetJob[] {
    return [...this.jobs.values()].filter((j) => !runId || j.runId === runId).sort((a, b) => b.startedMs - a.startedMs);
  }

  private prune(): void {
    const cutoff = Date.now() - KEEP_FINISHED_MS;
    for (const [id, job] of this.jobs) {
      const finished = job.state === 'done' || job.state === 'failed';
      if ((finished && job.updatedMs < cutoff) || (finished && this.jobs.size >= MAX_JOBS)) this.jobs.delete(id);
    }
  }
}
