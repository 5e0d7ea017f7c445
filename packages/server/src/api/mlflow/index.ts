import type { FastifyPluginAsync } from 'fastify';
import type { RunsPluginOptions } from '../runs-plugin-options.ts';

/** MLflow tracking REST API 2.0 at /api/2.0/mlflow. Skeleton. */
export const mlflowApi: FastifyPluginAsync<RunsPluginOptions> = async () => {};
