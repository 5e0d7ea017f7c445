import {
  type MetricSample,
  RESOURCE_LIMITS,
  RESOURCE_METRICS,
  type ResourceSample,
  type Run,
  type RunMetric,
} from '@stellwerk/contracts';

export const GPU_SERIES = {
  utilization: 'stellwerk_run_gpu_utilization_percent',
  memoryUsed: 'stellwerk_run_gpu_memory_used_bytes',
} as const;

/** The tags `stellwerk run` sets on the runs of a pipeline; they become series labels. */
export const PIPELINE_TAG = 'stellwerk.pipeline';
export const STEP_TAG = 'stellwerk.step';

const MEGABYTE = 1e6;

/**
 * One request of resource samples in both forms a run's resources are read in: metric
 * samples (PromQL, labelled with the run and its pipeline step) and run metrics under
 * MLflow's system-metric names, whose step counts samples from `firstStep` on.
 */
export function resourceRecords(
  run: Pick<Run, 'runId' | 'tags'>,
  experimentName: string,
  samples: readonly ResourceSample[],
  firstStep: number,
): { series: MetricSample[]; runMetrics: RunMetric[] } {
  const labels: Record<string, string> = { run_id: run.runId };
  if (experimentName) labels.experiment = experimentName;
  const pipeline = run.tags[PIPELINE_TAG];
  const step = run.tags[STEP_TAG];
  if (pipeline) labels.pipeline = pipeline;
  if (step) labels.step = step;
  const series: MetricSample[] = [];
  const runMetrics: RunMetric[] = [];
  samples.forEach((s, i) => {
    const tsMs = s.timestampMs;
    const at = { step: firstStep + i, timestampMs: tsMs };
    for (const field of Object.keys(RESOURCE_METRICS) as Array<keyof typeof RESOURCE_METRICS>) {
      const names = RESOURCE_METRICS[field];
      const value = s[field];
      series.push({ metric: names.series, labels, tsMs, value });
      // MLflow reports memory in megabytes (10^6 bytes).
      const mlflowValue = field === 'rssBytes' ? value / MEGABYTE : value;
      runMetrics.push({ key: names.mlflow, value: mlflowValue, ...at });
    }
    // Limits only when the sampler knows them: charts draw them as the line to stay under.
    for (const field of Object.keys(RESOURCE_LIMITS) as Array<keyof typeof RESOURCE_LIMITS>) {
      const value = s[field];
      if (value === null || value === undefined) continue;
      series.push({ metric: RESOURCE_LIMITS[field].series, labels, tsMs, value });
      runMetrics.push({ key: RESOURCE_LIMITS[field].mlflow, value, ...at });
    }
    for (const gpu of s.gpus ?? []) {
      const gpuLabels = { ...labels, gpu: String(gpu.index) };
      series.push({ metric: GPU_SERIES.utilization, labels: gpuLabels, tsMs, value: gpu.utilizationPercent });
      series.push({ metric: GPU_SERIES.memoryUsed, labels: gpuLabels, tsMs, value: gpu.memoryUsedBytes });
      runMetrics.push({ key: `system/gpu_${gpu.index}_utilization_percentage`, value: gpu.utilizationPercent, ...at });
      runMetrics.push({
        key: `system/gpu_${gpu.index}_memory_usage_megabytes`,
        value: gpu.memoryUsedBytes / MEGABYTE,
        ...at,
      });
    }
  });
  return { series, runMetrics };
}
