import type { FastifyPluginAsync } from 'fastify';
import type { RunsPluginOptions } from './runs-plugin-options.ts';

/** Native runs API (see contracts/runs.ts). Skeleton. */
export const runsRoutes: FastifyPluginAsync<RunsPluginOptions> = async () => {};
