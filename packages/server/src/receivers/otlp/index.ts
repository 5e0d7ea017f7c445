import type { FastifyInstance } from 'fastify';
import type { MetricsReceiverOptions } from '../metrics-receiver.ts';

/** OTLP/HTTP metrics: POST /v1/metrics (protobuf and JSON). */
export async function otlpMetricsReceiver(_app: FastifyInstance, _options: MetricsReceiverOptions): Promise<void> {}
