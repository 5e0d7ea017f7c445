import type { FastifyInstance } from 'fastify';
import type { MetricsReceiverOptions } from '../metrics-receiver.ts';

/** Pushgateway-style push: PUT/POST/DELETE /metrics/job/<job>{/<label>/<value>}. */
export async function pushgatewayReceiver(_app: FastifyInstance, _options: MetricsReceiverOptions): Promise<void> {}
