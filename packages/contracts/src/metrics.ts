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
  /**
   * Prometheus' staleness marker: the series ended here. Kept as a flag because the marker is
   * one NaN bit pattern among many and JSON (and JS arithmetic) do not preserve NaN payloads.
   */
  stale?: boolean;
}

export interface MetricMetadata {
  metric: string;
  type: MetricType;
  unit: string;
  help: string;
}
