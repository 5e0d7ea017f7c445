import type { FastifyInstance } from 'fastify';
import type { MetricsReceiverOptions } from '../metrics-receiver.ts';

/** Prometheus remote_write 1.0: POST /api/v1/write. */
export async function remoteWriteReceiver(_app: FastifyInstance, _options: MetricsReceiverOptions): Promise<void> {}
