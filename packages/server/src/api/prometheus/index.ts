import type { FastifyInstance } from 'fastify';
import type { MetricsRepository } from '../../store/metrics-repository.ts';

/** The Prometheus HTTP API: query, query_range, series, labels, label values, metadata, buildinfo. */
export async function prometheusApi(_app: FastifyInstance, _options: { repo: MetricsRepository }): Promise<void> {}
