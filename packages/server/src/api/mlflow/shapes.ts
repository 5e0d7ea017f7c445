import type { DatasetInput, Experiment, Run, RunMetric } from '@stellwerk/contracts';

/**
 * Stellwerk's runs rendered as MLflow 2.x's REST JSON: snake_case field names, int64 times
 * as JSON numbers (as MLflow's server writes them), key/value lists for tags and params.
 * Empty lists are written out, where MLflow omits them; its clients read both.
 */

export interface KeyValue {
  key: string;
  value: string;
}

export function keyValues(map: Record<string, string>): KeyValue[] {
  return Object.entries(map).map(([key, value]) => ({ key, value }));
}

export function experimentJson(e: Experiment) {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTimeMs,
    creation_time: e.creationTimeMs,
    tags: keyValues(e.tags),
  };
}

export function runInfoJson(run: Run) {
  return {
    run_id: run.runId,
    run_uuid: run.runId,
    run_name: run.name,
    experiment_id: run.experimentId,
    user_id: run.user,
    status: run.status,
    start_time: run.startTimeMs,
    ...(run.endTimeMs === null ? {} : { end_time: run.endTimeMs }),
    artifact_uri: run.artifactUri,
    lifecycle_stage: run.lifecycleStage,
  };
}

/** Protobuf's JSON mapping writes non-finite doubles as these strings; MLflow's clients read them. */
export function metricJson(m: RunMetric) {
  const value = Number.isFinite(m.value)
    ? m.value
    : Number.isNaN(m.value)
      ? 'NaN'
      : m.value > 0
        ? 'Infinity'
        : '-Infinity';
  return { key: m.key, value, timestamp: m.timestampMs, step: m.step };
}

export function datasetInputJson(d: DatasetInput) {
  return {
    tags: keyValues(d.tags),
    dataset: {
      name: d.name,
      digest: d.digest,
      source_type: d.sourceType,
      source: d.source,
      ...(d.schema ? { schema: d.schema } : {}),
      ...(d.profile ? { profile: d.profile } : {}),
    },
  };
}

export function runJson(run: Run) {
  return {
    info: runInfoJson(run),
    data: {
      metrics: run.metrics.map(metricJson),
      params: keyValues(run.params),
      tags: keyValues(run.tags),
    },
    inputs: { dataset_inputs: run.inputs.map(datasetInputJson) },
  };
}
