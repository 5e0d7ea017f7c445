import type { FastifyPluginAsync } from 'fastify';
import type { RunsPluginOptions } from '../runs-plugin-options.ts';

/** MLflow artifact proxy at /api/2.0/mlflow-artifacts/artifacts. Skeleton. */
export const mlflowArtifactsRoutes: FastifyPluginAsync<RunsPluginOptions> = async () => {};
