import type { MetricMetadata, MetricSample } from '@stellwerk/contracts';
import type { StellwerkError } from '../errors.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { BatchWriter } from '../writer/batch-writer.ts';
import { encodeSeriesRow, SampleRowsEncoder } from '../writer/encode-metrics.ts';
import type { SeriesRegistry } from './series-registry.ts';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface MetricsIngestResult {
  accepted: number;
  rejected: number;
  /** Per rejected sample: its index in the request and why. */
  errors: Array<{ index: number; reason: string }>;
}

export interface MetricsLimits {
  maxLabelsPerSeries: number;
  maxLabelValueBytes: number;
  /** Samples older than this would be deleted by retention at once, so they are refused. */
  retentionMs: number;
  retentionText: string;
}

/**
 * The metrics path after a receiver: validate names, resolve series (storing new ones first,
 * so a stored sample always has its labels), enforce cardinality limits, then write samples.
 */
export class MetricsIngest {
  constructor(
    private readonly samplesWriter: BatchWriter,
    private readonly seriesWriter: BatchWriter,
    private readonly registry: SeriesRegistry,
    private readonly storeMetadata: (entries: MetricMetadata[]) => Promise<void>,
    private readonly metrics: Metrics,
    private readonly limits: MetricsLimits,
  ) {}

  async ingest(
    samples: MetricSample[],
    options: { receiver: string; idempotencyToken?: string; metadata?: MetricMetadata[] },
  ): Promise<MetricsIngestResult> {
    const errors: MetricsIngestResult['errors'] = [];
    let overLimit = 0;
    const sampleRows = new SampleRowsEncoder(samples.length);
    let accepted = 0;
    let seriesRows = '';
    const newSeries: Array<{ metric: string; fingerprint: string }> = [];
    const pending = new Set<string>();
    const pendingPerMetric = new Map<string, number>();
    const now = Date.now();
    const oldestKeptMs = now - this.limits.retentionMs;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i] as MetricSample;
      const problem =
        this.validate(s) ??
        (s.tsMs < oldestKeptMs
          ? `${s.metric} at ${new Date(s.tsMs).toISOString()} is older than the metrics retention (${this.limits.retentionText}) and would be deleted at once; raise retention.metrics to keep it`
          : null);
      if (problem) {
        errors.push({ index: i, reason: problem });
        continue;
      }
      const { fingerprint, isNew } = this.registry.resolve(s.metric, s.labels);
      if (isNew && !pending.has(fingerprint.text)) {
        try {
          this.registry.checkRoom(s.metric, pending.size, pendingPerMetric.get(s.metric) ?? 0);
        } catch (err) {
          errors.push({ index: i, reason: (err as StellwerkError).detail });
          overLimit++;
          continue;
        }
        pending.add(fingerprint.text);
        pendingPerMetric.set(s.metric, (pendingPerMetric.get(s.metric) ?? 0) + 1);
        newSeries.push({ metric: s.metric, fingerprint: fingerprint.text });
        seriesRows += encodeSeriesRow(s.metric, fingerprint.text, s.labels, now);
      }
      sampleRows.sample(s.metric, fingerprint, s.tsMs, s.value, s.stale === true);
      accepted++;
    }
    this.metrics.recordsReceived.inc({ receiver: options.receiver, kind: 'metrics' }, samples.length);
    if (errors.length > overLimit) {
      this.metrics.recordsRejected.inc({ receiver: options.receiver, reason: 'invalid' }, errors.length - overLimit);
    }
    if (overLimit > 0)
      this.metrics.recordsRejected.inc({ receiver: options.receiver, reason: 'cardinality' }, overLimit);
    if (options.metadata && options.metadata.length > 0) await this.storeMetadata(options.metadata);
    if (newSeries.length > 0) {
      const token = options.idempotencyToken ? `${options.idempotencyToken}:series` : undefined;
      await this.seriesWriter.write(seriesRows, newSeries.length, token);
      for (const n of newSeries) this.registry.admit(n.metric, n.fingerprint);
      this.metrics.metricSeries.set(this.registry.seriesCount);
    }
    await this.samplesWriter.write(sampleRows.finish(), accepted, options.idempotencyToken);
    return { accepted, rejected: errors.length, errors };
  }

  /** Labels objects already found valid: shared by the samples of one point, checked once. */
  private readonly validLabels = new WeakSet<Record<string, string>>();

  /** Metric names already found valid (bounded; starts over when full). */
  private readonly validMetrics = new Set<string>();

  private validate(s: MetricSample): string | null {
    if (!this.validMetrics.has(s.metric)) {
      if (!METRIC_NAME.test(s.metric)) {
        return `metric name "${s.metric}" is not valid (letters, digits, _ and :, not starting with a digit)`;
      }
      if (this.validMetrics.size >= 100_000) this.validMetrics.clear();
      this.validMetrics.add(s.metric);
    }
    if (!Number.isFinite(s.tsMs)) return `${s.metric} has no valid timestamp`;
    if (this.validLabels.has(s.labels)) return null;
    let count = 0;
    for (const name in s.labels) {
      count++;
      if (!LABEL_NAME.test(name) || name.startsWith('__')) return `label name "${name}" of ${s.metric} is not valid`;
      const value = s.labels[name] as string;
      if (value.length > this.limits.maxLabelValueBytes) {
        return `label ${name} of ${s.metric} is longer than ${this.limits.maxLabelValueBytes} bytes (metrics.maxLabelValueBytes)`;
      }
    }
    if (count > this.limits.maxLabelsPerSeries) {
      return `${s.metric} has ${count} labels, more than ${this.limits.maxLabelsPerSeries} (metrics.maxLabelsPerSeries)`;
    }
    this.validLabels.add(s.labels);
    return null;
  }
}
