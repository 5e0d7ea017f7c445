import type { FastifyPluginAsync } from 'fastify';
import type { RunsPluginOptions } from './runs-plugin-options.ts';

/** Dataset profiles and drift of runs. Skeleton. */
export const datasetsRoutes: FastifyPluginAsync<RunsPluginOptions> = async () => {};
