import type { MetricSample } from '@stellwerk/contracts';
import type { Config } from '../config/index.ts';
import type { ArtifactStore } from '../store/artifact-store.ts';
import type { DatasetsRepository } from '../store/datasets-repository.ts';
import type { RunsRepository } from '../store/runs-repository.ts';

/** What the runs, MLflow, artifacts and datasets route plugins get from the app. */
export interface RunsPluginOptions {
  config: Config;
  runs: RunsRepository;
  datasets: DatasetsRepository;
  artifacts: ArtifactStore;
  /** Resource samples of runs become metric samples through the normal metrics path. */
  metricsIngest: RunSamplesIngest;
}

/**
 * The part of the metrics ingest path the runs routes use, by shape: the API layer does not
 * import the pipeline (the app passes its MetricsIngest).
 */
export interface RunSamplesIngest {
  ingest(
    samples: MetricSample[],
    options: { receiver: string; idempotencyToken?: string },
  ): Promise<{ accepted: number; rejected: number; errors: Array<{ index: number; reason: string }> }>;
}
