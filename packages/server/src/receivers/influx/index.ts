import type { FastifyInstance } from 'fastify';
import type { MetricsReceiverOptions } from '../metrics-receiver.ts';

/** InfluxDB line protocol: v1 /write and /ping, v2 /api/v2/write. */
export async function influxReceiver(_app: FastifyInstance, _options: MetricsReceiverOptions): Promise<void> {}
