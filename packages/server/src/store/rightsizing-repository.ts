import type { Store } from './client.ts';
import { p, type Sql, sql, unsafeRaw } from './sql.ts';

const CPU = 'system/cpu_utilization_percentage';
const MEM_MB = 'system/system_memory_usage_megabytes';
const PEAK = 'system/peak_rss_bytes';
const MEM_LIMIT = 'system/memory_limit_bytes';
const CPU_LIMIT = 'system/cpu_limit_cores';

/** Aggregates of one group (pipeline step × host) as the store computes them. */
export interface UsageAggregate {
  pipeline: string;
  step: string;
  host: string;
  runs: number;
  samples: number;
  /** CPU in cores (100 % = 1 core). */
  cpuP50: number;
  cpuP95: number;
  cpuMax: number;
  cpuLimitCores: number | null;
  /** Memory in bytes (RSS of the process tree). */
  memP50: number;
  memP95: number;
  memMax: number;
  memLimitBytes: number | null;
}

interface UsageRow {
  pipeline: string;
  step: string;
  host: string;
  runs: string;
  samples: string;
  cpu_p50: number;
  cpu_p95: number;
  cpu_max: number;
  cpu_limit: number;
  mem_p50: number;
  mem_p95: number;
  mem_max: number;
  peak: number;
  mem_limit: number;
}

/**
 * What right-sizing reads: the resource samples `stellwerk run` records as run metrics
 * (MLflow's system-metric names), grouped by pipeline step and host.
 */
export class RightsizingRepository {
  constructor(private readonly store: Store) {}

  async usageByStep(opts: {
    fromMs: number;
    toMs: number;
    experimentId?: string;
    pipeline?: string;
    parentRunId?: string;
  }): Promise<UsageAggregate[]> {
    const experiment: Sql = opts.experimentId ? sql`AND experiment_id = ${p.String(opts.experimentId)}` : unsafeRaw('');
    const parent: Sql = opts.parentRunId ? sql`AND parent_run_id = ${p.String(opts.parentRunId)}` : unsafeRaw('');
    const pipeline: Sql =
      opts.pipeline !== undefined ? sql`HAVING pipeline = ${p.String(opts.pipeline)}` : unsafeRaw('');
    // A step is the `stellwerk.step` tag, else the run's name: runs outside pipelines group by name.
    // Pipeline runs are left out: their process tree holds their steps, whose use is counted already.
    const rows = await this.store.query<UsageRow>(sql`
      WITH
        r AS (SELECT run_id, name, host FROM runs FINAL WHERE lifecycle_stage = 'active' AND kind != 'pipeline' ${experiment} ${parent}),
        t AS (
          SELECT run_id,
            anyIf(value, key = 'stellwerk.pipeline') AS pipeline_tag,
            anyIf(value, key = 'stellwerk.step') AS step_tag
          FROM run_tags FINAL
          WHERE deleted = 0 AND key IN ('stellwerk.pipeline', 'stellwerk.step')
          GROUP BY run_id
        )
      SELECT
        t.pipeline_tag AS pipeline,
        if(t.step_tag = '', r.name, t.step_tag) AS step,
        r.host AS host,
        toString(uniqExact(m.run_id)) AS runs,
        toString(countIf(m.key = ${p.String(CPU)})) AS samples,
        quantileExactIf(0.5)(m.value, m.key = ${p.String(CPU)}) / 100 AS cpu_p50,
        quantileExactIf(0.95)(m.value, m.key = ${p.String(CPU)}) / 100 AS cpu_p95,
        maxIf(m.value, m.key = ${p.String(CPU)}) / 100 AS cpu_max,
        maxIf(m.value, m.key = ${p.String(CPU_LIMIT)}) AS cpu_limit,
        quantileExactIf(0.5)(m.value, m.key = ${p.String(MEM_MB)}) * 1e6 AS mem_p50,
        quantileExactIf(0.95)(m.value, m.key = ${p.String(MEM_MB)}) * 1e6 AS mem_p95,
        maxIf(m.value, m.key = ${p.String(MEM_MB)}) * 1e6 AS mem_max,
        maxIf(m.value, m.key = ${p.String(PEAK)}) AS peak,
        maxIf(m.value, m.key = ${p.String(MEM_LIMIT)}) AS mem_limit
      FROM run_metrics AS m
      INNER JOIN r ON r.run_id = m.run_id
      LEFT JOIN t ON t.run_id = m.run_id
      WHERE m.key IN (${p.String(CPU)}, ${p.String(MEM_MB)}, ${p.String(PEAK)}, ${p.String(MEM_LIMIT)}, ${p.String(CPU_LIMIT)})
        AND m.timestamp >= fromUnixTimestamp64Milli(${p.Int64(Math.trunc(opts.fromMs))})
        AND m.timestamp < fromUnixTimestamp64Milli(${p.Int64(Math.trunc(opts.toMs))})
      GROUP BY pipeline, step, host
      ${pipeline}
      ORDER BY pipeline, step, host`);
    return rows
      .filter((r) => Number(r.samples) > 0)
      .map((r) => ({
        pipeline: r.pipeline,
        step: r.step,
        host: r.host,
        runs: Number(r.runs),
        samples: Number(r.samples),
        cpuP50: Number(r.cpu_p50),
        cpuP95: Number(r.cpu_p95),
        cpuMax: Number(r.cpu_max),
        cpuLimitCores: Number(r.cpu_limit) > 0 ? Number(r.cpu_limit) : null,
        memP50: Number(r.mem_p50),
        memP95: Number(r.mem_p95),
        memMax: Math.max(Number(r.mem_max), Number(r.peak)),
        memLimitBytes: Number(r.mem_limit) > 0 ? Number(r.mem_limit) : null,
      }));
  }

  /** A run's RSS samples in time order and its largest recorded memory limit. */
  async memoryTimeline(
    runId: string,
  ): Promise<{ samples: Array<{ tsMs: number; rssBytes: number }>; limitBytes: number | null }> {
    const rows = await this.store.query<{ key: string; ts: string; value: number }>(sql`
      SELECT key, toString(toUnixTimestamp64Milli(timestamp)) AS ts, value
      FROM run_metrics
      WHERE run_id = ${p.String(runId)} AND key IN (${p.String(MEM_MB)}, ${p.String(MEM_LIMIT)})
      ORDER BY timestamp, step`);
    let limit = 0;
    const samples: Array<{ tsMs: number; rssBytes: number }> = [];
    for (const r of rows) {
      if (r.key === MEM_LIMIT) limit = Math.max(limit, Number(r.value));
      else samples.push({ tsMs: Number(r.ts), rssBytes: Number(r.value) * 1e6 });
    }
    return { samples, limitBytes: limit > 0 ? limit : null };
  }
}
