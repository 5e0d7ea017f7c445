import type { ResourceSample } from '@stellwerk/contracts';
import { describe, expect, it } from 'vitest';
import { resourceRecords } from './run-resources.ts';

const sample: ResourceSample = {
  timestampMs: 1_000,
  cpuPercent: 150,
  cpuSeconds: 3,
  rssBytes: 250_000_000,
  peakRssBytes: 300_000_000,
  readBytes: 10,
  writeBytes: 20,
  threads: 5,
  openFds: 7,
  processes: 2,
  memoryLimitBytes: 1_000_000_000,
  cpuLimitCores: null,
  gpus: [{ index: 1, name: 'g', utilizationPercent: 80, memoryUsedBytes: 2_000_000_000, memoryTotalBytes: 8e9 }],
};

describe('resource samples', () => {
  it('become series labelled by run, experiment, pipeline and step, and MLflow system metrics', () => {
    const run = { runId: 'r1', tags: { 'stellwerk.pipeline': 'etl', 'stellwerk.step': 'load' } };
    const { series, runMetrics } = resourceRecords(run, 'exp', [sample, { ...sample, timestampMs: 2_000 }], 10);
    const cpu = series.filter((s) => s.metric === 'stellwerk_run_cpu_percent');
    expect(cpu).toEqual([
      {
        metric: 'stellwerk_run_cpu_percent',
        labels: { run_id: 'r1', experiment: 'exp', pipeline: 'etl', step: 'load' },
        tsMs: 1_000,
        value: 150,
      },
      {
        metric: 'stellwerk_run_cpu_percent',
        labels: { run_id: 'r1', experiment: 'exp', pipeline: 'etl', step: 'load' },
        tsMs: 2_000,
        value: 150,
      },
    ]);
    const gpu = series.find((s) => s.metric === 'stellwerk_run_gpu_memory_used_bytes');
    expect(gpu?.labels.gpu).toBe('1');
    const byKey = (key: string) => runMetrics.filter((m) => m.key === key);
    expect(byKey('system/system_memory_usage_megabytes').map((m) => [m.value, m.step])).toEqual([
      [250, 10],
      [250, 11],
    ]);
    expect(byKey('system/gpu_1_memory_usage_megabytes')[0]?.value).toBe(2000);
    expect(byKey('system/gpu_1_utilization_percentage')[0]?.value).toBe(80);
    expect(byKey('system/cpu_utilization_percentage')[0]).toEqual({
      key: 'system/cpu_utilization_percentage',
      value: 150,
      step: 10,
      timestampMs: 1_000,
    });
    // Limits are written only when known.
    expect(series.some((s) => s.metric === 'stellwerk_run_memory_limit_bytes')).toBe(true);
    expect(series.some((s) => s.metric === 'stellwerk_run_cpu_limit_cores')).toBe(false);
  });

  it('leaves out pipeline labels a run does not have', () => {
    const { series } = resourceRecords({ runId: 'r2', tags: {} }, 'Default', [sample], 0);
    expect(series[0]?.labels).toEqual({ run_id: 'r2', experiment: 'Default' });
  });
});
