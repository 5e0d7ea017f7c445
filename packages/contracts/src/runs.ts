/**
 * Runs: the native model shared by the server, the `stellwerk run` wrapper, the SDK and the UI.
 * The MLflow REST API is a second rendering of the same model (server/src/api/mlflow).
 *
 * Native API (JSON, times in epoch milliseconds, scope read for GET, ingest for writes):
 *   POST   /api/v1/experiments                  ExperimentCreate → { experiment }
 *   GET    /api/v1/experiments?lifecycle=&filter=&orderBy=&maxResults=&pageToken=
 *                                               → { experiments, nextPageToken? }
 *   GET    /api/v1/experiments/:id              → { experiment }
 *   POST   /api/v1/runs                         RunCreate → { run }   (idempotent on `id`)
 *   GET    /api/v1/runs?experimentId=&lifecycle=&filter=&orderBy=&maxResults=&pageToken=
 *                                               → { runs, nextPageToken? }  (filter: MLflow grammar)
 *   GET    /api/v1/runs/:id                     → { run }
 *   PATCH  /api/v1/runs/:id                     RunUpdate → { run }
 *   POST   /api/v1/runs/:id/params              { params: Record<string,string> }
 *   POST   /api/v1/runs/:id/tags                { tags: Record<string,string> }
 *   POST   /api/v1/runs/:id/metrics             { metrics: RunMetricInput[] }
 *   POST   /api/v1/runs/:id/log                 { metrics?, params?, tags? } in one request (the SDK's batches;
 *                                               metric values may be "NaN", "Infinity", "-Infinity")
 *   GET    /api/v1/runs/:id/metrics/:key?maxResults=&pageToken=
 *                                               → { metrics: RunMetric[], nextPageToken? }  (history)
 *   POST   /api/v1/runs/:id/resources           { samples: ResourceSample[] } → { accepted, skipped }
 *   GET    /api/v1/runs/:id/artifacts?path=     → RunArtifactList  (one directory; path from the run's root)
 *   GET    /api/v1/runs/:id/artifacts/<path>    the file (images, text, JSON inline)
 *   Logs of a run: POST /api/v1/logs?run_id=<id> (the logs receiver).
 */

export type RunKind = 'training' | 'pipeline' | 'step';
export const RUN_KINDS: readonly RunKind[] = ['training', 'pipeline', 'step'];

/** MLflow's run statuses; `stellwerk run` maps exit 0 → FINISHED, signal → KILLED, else FAILED. */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

export type LifecycleStage = 'active' | 'deleted';

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  tags: Record<string, string>;
  creationTimeMs: number;
  lastUpdateTimeMs: number;
}

export interface ExperimentCreate {
  name: string;
  artifactLocation?: string;
  tags?: Record<string, string>;
}

export interface RunMetric {
  key: string;
  value: number;
  step: number;
  timestampMs: number;
}

export interface RunMetricInput {
  key: string;
  value: number;
  step?: number;
  timestampMs?: number;
}

export interface DatasetInput {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema: string;
  profile: string;
  tags: Record<string, string>;
}

export interface Run {
  runId: string;
  experimentId: string;
  name: string;
  kind: RunKind;
  /** Empty when the run has no parent. A pipeline's steps point at the pipeline run. */
  parentRunId: string;
  status: RunStatus;
  startTimeMs: number;
  endTimeMs: number | null;
  lifecycleStage: LifecycleStage;
  user: string;
  host: string;
  /** The command line, secrets masked. */
  command: string;
  gitCommit: string;
  exitCode: number | null;
  artifactUri: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** The latest value of each metric (highest step, then latest time). */
  metrics: RunMetric[];
  inputs: DatasetInput[];
}

export interface RunCreate {
  /** Client-chosen id (32 hex chars, as MLflow's), so an offline wrapper can spool its run. */
  id?: string;
  experimentId?: string;
  /** Created when it does not exist. */
  experimentName?: string;
  name?: string;
  kind?: RunKind;
  parentRunId?: string;
  status?: RunStatus;
  startTimeMs?: number;
  user?: string;
  host?: string;
  command?: string;
  gitCommit?: string;
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

export interface RunUpdate {
  status?: RunStatus;
  endTimeMs?: number;
  exitCode?: number;
  name?: string;
}

/** One entry of a run's artifact directory; paths are relative to the run's artifact root. */
export interface RunArtifactFile {
  path: string;
  isDir: boolean;
  /** Files only. */
  fileSize?: number;
}

export interface RunArtifactList {
  /** Where MLflow clients see the run's artifacts (`mlflow-artifacts:/<experiment>/<run>/artifacts`). */
  rootUri: string;
  files: RunArtifactFile[];
}

/** One sample of a run's whole process tree, taken by `stellwerk run` every interval. */
export interface ResourceSample {
  timestampMs: number;
  /** Sum over the tree; 100 = one core busy. */
  cpuPercent: number;
  /** CPU seconds used by the tree so far (user + system). */
  cpuSeconds: number;
  rssBytes: number;
  peakRssBytes: number;
  readBytes: number;
  writeBytes: number;
  threads: number;
  openFds: number;
  processes: number;
  /** Host or container limits; null when unknown. */
  memoryLimitBytes: number | null;
  cpuLimitCores: number | null;
  gpus?: GpuSample[];
}

export interface GpuSample {
  index: number;
  name: string;
  utilizationPercent: number;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
}

/**
 * How resource samples appear: as metric samples (PromQL, labelled run_id, plus step/pipeline
 * when set) and as run metrics under MLflow's system-metric names.
 */
export const RESOURCE_METRICS = {
  cpuPercent: { series: 'stellwerk_run_cpu_percent', mlflow: 'system/cpu_utilization_percentage' },
  rssBytes: { series: 'stellwerk_run_rss_bytes', mlflow: 'system/system_memory_usage_megabytes' },
  peakRssBytes: { series: 'stellwerk_run_peak_rss_bytes', mlflow: 'system/peak_rss_bytes' },
  cpuSeconds: { series: 'stellwerk_run_cpu_seconds_total', mlflow: 'system/cpu_seconds' },
  readBytes: { series: 'stellwerk_run_read_bytes_total', mlflow: 'system/disk_read_bytes' },
  writeBytes: { series: 'stellwerk_run_write_bytes_total', mlflow: 'system/disk_write_bytes' },
  threads: { series: 'stellwerk_run_threads', mlflow: 'system/threads' },
  openFds: { series: 'stellwerk_run_open_fds', mlflow: 'system/open_fds' },
} as const;

/**
 * The limits of a resource sample, as metric samples labelled like RESOURCE_METRICS (only
 * written when the sample knows them), so charts can draw the line a run must stay under.
 */
export const RESOURCE_LIMITS = {
  memoryLimitBytes: { series: 'stellwerk_run_memory_limit_bytes', mlflow: 'system/memory_limit_bytes' },
  cpuLimitCores: { series: 'stellwerk_run_cpu_limit_cores', mlflow: 'system/cpu_limit_cores' },
} as const;
