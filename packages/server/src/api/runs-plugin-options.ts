import type { Config } from '../config/index.ts';
import type { MetricsIngest } from '../pipeline/metrics-ingest.ts';
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
  metricsIngest: MetricsIngest;
}
