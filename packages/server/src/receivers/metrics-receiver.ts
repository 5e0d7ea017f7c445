import type { Metrics } from '../observability/metrics.ts';
import type { MetricsIngest } from '../pipeline/metrics-ingest.ts';

/** What every metrics receiver plugin gets from the app. */
export interface MetricsReceiverOptions {
  ingest: MetricsIngest;
  maxBodyBytes: number;
  decode: (body: Buffer, encoding: string | undefined) => Promise<Buffer>;
  /** Stellwerk's own metrics, for what a receiver skips. */
  metrics: Metrics;
}
