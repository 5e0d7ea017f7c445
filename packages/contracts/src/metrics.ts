/** Metric samples as receivers hand them to the metrics writer. */

export type MetricType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'summary'
  | 'gaugehistogram'
  | 'info'
  | 'stateset'
  | 'unknown';

export interface MetricSample {
  /** The series name, Prometheus-style (`__name__`). */
  metric: string;
  /** Labels other than `__name__`. */
  labels: Record<string, string>;
  /** Epoch milliseconds. */
  tsMs: number;
  value: number;
}

export interface MetricMetadata {
  metric: string;
  type: MetricType;
  unit: string;
  help: string;
}
