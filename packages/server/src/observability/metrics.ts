import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Stellwerk's own metrics, served at GET /metrics in Prometheus text format. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'stellwerk_process_' });
  return {
    registry,
    recordsReceived: new Counter({
      name: 'stellwerk_records_received_total',
      help: 'Records received, per receiver and kind.',
      labelNames: ['receiver', 'kind'] as const,
      registers: [registry],
    }),
    recordsRejected: new Counter({
      name: 'stellwerk_records_rejected_total',
      help: 'Records rejected as invalid or over a limit, per receiver and reason.',
      labelNames: ['receiver', 'reason'] as const,
      registers: [registry],
    }),
    recordsStored: new Counter({
      name: 'stellwerk_records_stored_total',
      help: 'Records acknowledged by the store, per kind.',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    valuesSkipped: new Counter({
      name: 'stellwerk_values_skipped_total',
      help: 'Values a receiver accepted but did not store, per receiver and reason (e.g. InfluxDB string fields).',
      labelNames: ['receiver', 'reason'] as const,
      registers: [registry],
    }),
    metricSeries: new Gauge({
      name: 'stellwerk_metric_series',
      help: 'Metric series stored, counted against metrics.maxSeries.',
      registers: [registry],
    }),
    otlpDeltaSeries: new Gauge({
      name: 'stellwerk_otlp_delta_series',
      help: 'OTLP DELTA series whose running totals are kept, counted against ingest.otlpDeltaMaxSeries.',
      registers: [registry],
    }),
    writesRefused: new Counter({
      name: 'stellwerk_writes_refused_total',
      help: 'Write requests refused because the ingest queue was full (answered 429/503).',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'stellwerk_ingest_queue_records',
      help: 'Records accepted and waiting for the store (including the batch in flight).',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    insertSeconds: new Histogram({
      name: 'stellwerk_store_insert_seconds',
      help: 'Time a batch insert took in the store.',
      labelNames: ['kind'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    insertRetries: new Counter({
      name: 'stellwerk_store_insert_retries_total',
      help: 'Batch inserts retried after a transient store failure.',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
