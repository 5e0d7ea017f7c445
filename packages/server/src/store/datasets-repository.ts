import type {
  CategoricalColumnProfile,
  ColumnProfile,
  DatasetBaseline,
  DatasetProfile,
  DatasetRole,
  DriftReport,
  NumericColumnProfile,
} from '@stellwerk/contracts';
import { DECILES, PROFILE_QUANTILES } from '@stellwerk/contracts';
import type { Store } from './client.ts';
import { p, type Sql, sql, unsafeRaw } from './sql.ts';

/** One staged value of an upload: nulls are not staged. */
export interface StagedValue {
  column: string;
  value: string;
  /** The value when it reads as a finite number, else null. */
  num: number | null;
}

export interface ProfileOptions {
  /** Columns profiled as categories even when every value is a number. */
  categorical: ReadonlySet<string>;
  histogramBins: number;
  topK: number;
}

interface ProfileRow {
  profile_json: string;
}

const QUANTILE_LEVELS = unsafeRaw(PROFILE_QUANTILES.join(', '));
const DECILE_LEVELS = unsafeRaw(DECILES.join(', '));

/**
 * Dataset profiles of runs, pinned baselines, staged upload values and drift reports
 * (tables of migration 008). Profiles from rows and exact drift statistics are computed
 * here, by the engine, over the staged values, so server memory stays bounded.
 */
export class DatasetsRepository {
  constructor(readonly store: Store) {}

  /** One batch of an upload's values; the token makes a retried batch a no-op. */
  async stageValues(uploadId: string, batch: number, values: readonly StagedValue[]): Promise<void> {
    if (values.length === 0) return;
    // Built by hand: one JSON.stringify per value rather than per row object is about twice as fast.
    const prefix = `{"upload_id":${JSON.stringify(uploadId)},"column":`;
    const columns = new Map<string, string>();
    let text = '';
    for (const v of values) {
      let column = columns.get(v.column);
      if (column === undefined) {
        column = JSON.stringify(v.column);
        columns.set(v.column, column);
      }
      text += `${prefix}${column},"value":${JSON.stringify(v.value)},"num":${v.num === null ? 'null' : String(v.num)}}\n`;
    }
    await this.store.insertJsonEachRow('dataset_values', Buffer.from(text), `dataset_values:${uploadId}:${batch}`);
  }

  /** Drops an upload's staged values (a failed or superseded upload). */
  async dropValues(uploadId: string): Promise<void> {
    await this.store.command(sql`DELETE FROM dataset_values WHERE upload_id = ${p.String(uploadId)}`);
  }

  /** Profiles every staged column of an upload of `rows` rows; columns come back in `order`. */
  async profileUpload(
    uploadId: string,
    rows: number,
    order: readonly string[],
    options: ProfileOptions,
  ): Promise<ColumnProfile[]> {
    const id = p.String(uploadId);
    const stats = await this.store.query<{
      column: string;
      n: string;
      n_num: string;
      min: number | string | null;
      max: number | string | null;
      mean: number | string | null;
      std: number | string | null;
      q: Array<number | string>;
    }>(sql`
      SELECT column, count() AS n, count(num) AS n_num, min(num) AS min, max(num) AS max, avg(num) AS mean,
        stddevSamp(num) AS std, quantilesExactInclusive(${QUANTILE_LEVELS})(num) AS q
      FROM dataset_values WHERE upload_id = ${id}
      GROUP BY column`);
    const byName = new Map(stats.map((s) => [s.column, s]));
    const numeric: string[] = [];
    const categorical: string[] = [];
    for (const name of order) {
      const s = byName.get(name);
      const n = s ? Number(s.n) : 0;
      if (s && n > 0 && Number(s.n_num) === n && !options.categorical.has(name)) numeric.push(name);
      else categorical.push(name);
    }
    const profiles = new Map<string, ColumnProfile>();
    for (const name of numeric) {
      const s = byName.get(name) as NonNullable<ReturnType<typeof byName.get>>;
      profiles.set(name, await this.numericProfile(uploadId, name, rows, s, options.histogramBins));
    }
    for (const c of await this.categoricalProfiles(uploadId, rows, categorical, byName, options.topK)) {
      profiles.set(c.name, c);
    }
    return order.map((name) => profiles.get(name) as ColumnProfile);
  }

  private async numericProfile(
    uploadId: string,
    column: string,
    rows: number,
    s: { n: string; min: unknown; max: unknown; mean: unknown; std: unknown; q: Array<number | string> },
    bins: number,
  ): Promise<NumericColumnProfile> {
    const count = Number(s.n);
    const min = Number(s.min);
    const max = Number(s.max);
    const quantiles: Record<string, number> = {};
    PROFILE_QUANTILES.forEach((level, i) => {
      quantiles[String(level)] = Number(s.q[i]);
    });
    const q1 = quantiles['0.25'] as number;
    const q3 = quantiles['0.75'] as number;
    const lowFence = q1 - 1.5 * (q3 - q1);
    const highFence = q3 + 1.5 * (q3 - q1);
    const binCount = max > min ? bins : 1;
    const width = (max - min) / binCount;
    const binExpr: Sql =
      max > min
        ? sql`least(toUInt32(floor((assumeNotNull(num) - ${p.Float64(min)}) / ${p.Float64(width)})), ${p.UInt32(binCount - 1)})`
        : sql`toUInt32(0)`;
    const rowsOut = await this.store.query<{ bin: number; n: string; outliers: string }>(sql`
      SELECT ${binExpr} AS bin, count() AS n,
        countIf(assumeNotNull(num) < ${p.Float64(lowFence)} OR assumeNotNull(num) > ${p.Float64(highFence)}) AS outliers
      FROM dataset_values
      WHERE upload_id = ${p.String(uploadId)} AND column = ${p.String(column)} AND num IS NOT NULL
      GROUP BY bin`);
    const counts = new Array<number>(binCount).fill(0);
    let outliers = 0;
    for (const r of rowsOut) {
      counts[Number(r.bin)] = Number(r.n);
      outliers += Number(r.outliers);
    }
    const edges = Array.from({ length: binCount + 1 }, (_, i) => (i === binCount ? max : min + i * width));
    const std = Number(s.std);
    return {
      name: column,
      kind: 'numeric',
      count,
      nulls: rows - count,
      min,
      max,
      mean: Number(s.mean),
      // One value has no spread to estimate; 0 rather than NaN keeps the profile plain JSON.
      std: Number.isFinite(std) ? std : 0,
      quantiles,
      histogram: { edges, counts },
      outliers: { rule: 'tukey_1.5iqr', count: outliers, share: count > 0 ? outliers / count : 0 },
    };
  }

  private async categoricalProfiles(
    uploadId: string,
    rows: number,
    columns: readonly string[],
    stats: Map<string, { n: string }>,
    topK: number,
  ): Promise<CategoricalColumnProfile[]> {
    if (columns.length === 0) return [];
    const id = p.String(uploadId);
    const names = p.ArrayString(columns);
    const top = await this.store.query<{ column: string; value: string; n: string }>(sql`
      SELECT column, value, count() AS n FROM dataset_values
      WHERE upload_id = ${id} AND has(${names}, toString(column))
      GROUP BY column, value
      ORDER BY column, n DESC, value
      LIMIT ${p.UInt32(topK)} BY column`);
    const distinct = await this.store.query<{ column: string; d: string }>(sql`
      SELECT column, uniqExact(value) AS d FROM dataset_values
      WHERE upload_id = ${id} AND has(${names}, toString(column))
      GROUP BY column`);
    const distinctOf = new Map(distinct.map((r) => [r.column, Number(r.d)]));
    return columns.map((name) => {
      const count = Number(stats.get(name)?.n ?? 0);
      const topList = top.filter((r) => r.column === name).map((r) => ({ value: r.value, count: Number(r.n) }));
      const listed = topList.reduce((sum, t) => sum + t.count, 0);
      return {
        name,
        kind: 'categorical',
        count,
        nulls: rows - count,
        distinct: distinctOf.get(name) ?? 0,
        topK: topList,
        otherCount: count - listed,
      };
    });
  }

  /** Values still staged per column of an upload (they expire after 30 days). */
  async stagedCounts(uploadId: string): Promise<Map<string, number>> {
    const rows = await this.store.query<{ column: string; n: string }>(sql`
      SELECT column, count() AS n FROM dataset_values WHERE upload_id = ${p.String(uploadId)} GROUP BY column`);
    return new Map(rows.map((r) => [r.column, Number(r.n)]));
  }

  /**
   * Counts per PSI bin of both uploads' values of a column; the bin edges are the reference's
   * deciles (linear interpolation, equal edges merged), bin i holding edges[i−1] < x ≤ edges[i].
   */
  async psiBinCounts(
    currentUpload: string,
    referenceUpload: string,
    column: string,
  ): Promise<{ current: number[]; reference: number[] }> {
    const col = p.String(column);
    const edges = sql`(SELECT arraySort(arrayDistinct(quantilesExactInclusive(${DECILE_LEVELS})(assumeNotNull(num))))
        FROM dataset_values WHERE upload_id = ${p.String(referenceUpload)} AND column = ${col} AND num IS NOT NULL)`;
    const side = (upload: string, n: number) => sql`
      SELECT ${p.UInt8(n)} AS side, length(${edges}) AS edge_count, arrayCount(e -> e < assumeNotNull(num), ${edges}) AS bin
      FROM dataset_values WHERE upload_id = ${p.String(upload)} AND column = ${col} AND num IS NOT NULL`;
    const rows = await this.store.query<{ side: number; edge_count: string; bin: string; n: string }>(sql`
      SELECT side, any(edge_count) AS edge_count, bin, count() AS n
      FROM (${side(currentUpload, 0)} UNION ALL ${side(referenceUpload, 1)})
      GROUP BY side, bin`);
    const bins = rows.length > 0 ? Number(rows[0]?.edge_count) + 1 : 1;
    const current = new Array<number>(bins).fill(0);
    const reference = new Array<number>(bins).fill(0);
    for (const r of rows) (Number(r.side) === 0 ? current : reference)[Number(r.bin)] = Number(r.n);
    return { current, reference };
  }

  /** The two-sample Kolmogorov–Smirnov test over both uploads' values of a column. */
  async ksTest(
    currentUpload: string,
    referenceUpload: string,
    column: string,
    mode: 'exact' | 'asymp',
  ): Promise<{ statistic: number; pValue: number }> {
    const col = p.String(column);
    const modeText = unsafeRaw(mode === 'exact' ? "'exact'" : "'asymp'");
    const rows = await this.store.query<{ r: { d_statistic: number | string; p_value: number | string } }>(sql`
      SELECT kolmogorovSmirnovTest('two-sided', ${modeText})(x, side) AS r FROM (
        SELECT assumeNotNull(num) AS x, toUInt8(0) AS side FROM dataset_values
        WHERE upload_id = ${p.String(currentUpload)} AND column = ${col} AND num IS NOT NULL
        UNION ALL
        SELECT assumeNotNull(num) AS x, toUInt8(1) AS side FROM dataset_values
        WHERE upload_id = ${p.String(referenceUpload)} AND column = ${col} AND num IS NOT NULL)`);
    const r = rows[0]?.r;
    const d = Number(r?.d_statistic);
    // For identical samples the engine reports the smallest normal double, not 0.
    return { statistic: d <= 2.3e-308 ? 0 : d, pValue: Number(r?.p_value) };
  }

  async saveProfile(profile: DatasetProfile): Promise<void> {
    const row = {
      run_id: profile.runId,
      role: profile.role,
      source: profile.source,
      upload_id: profile.uploadId ?? '',
      profile_json: JSON.stringify(profile),
      created: msToDateTime(profile.createdMs),
      version: versionNow(),
    };
    await this.store.insertJsonEachRow(
      'dataset_profiles',
      Buffer.from(`${JSON.stringify(row)}\n`),
      `dataset_profiles:${profile.runId}:${profile.role}:${row.version}`,
    );
  }

  async getProfile(runId: string, role: DatasetRole): Promise<DatasetProfile | null> {
    const rows = await this.store.query<ProfileRow>(sql`
      SELECT argMax(profile_json, version) AS profile_json FROM dataset_profiles
      WHERE run_id = ${p.String(runId)} AND role = ${p.String(role)}
      GROUP BY run_id, role`);
    return rows[0] ? (JSON.parse(rows[0].profile_json) as DatasetProfile) : null;
  }

  async listProfiles(runId: string): Promise<DatasetProfile[]> {
    const rows = await this.store.query<ProfileRow>(sql`
      SELECT argMax(profile_json, version) AS profile_json FROM dataset_profiles
      WHERE run_id = ${p.String(runId)}
      GROUP BY run_id, role ORDER BY role`);
    return rows.map((r) => JSON.parse(r.profile_json) as DatasetProfile);
  }

  async saveBaseline(name: string, profile: DatasetProfile): Promise<DatasetBaseline> {
    const createdMs = Date.now();
    const version = versionNow();
    const row = {
      name,
      run_id: profile.runId,
      role: profile.role,
      upload_id: profile.uploadId ?? '',
      profile_json: JSON.stringify(profile),
      created: msToDateTime(createdMs),
      version,
    };
    await this.store.insertJsonEachRow(
      'dataset_baselines',
      Buffer.from(`${JSON.stringify(row)}\n`),
      `dataset_baselines:${name}:${version}`,
    );
    return { name, runId: profile.runId, role: profile.role, createdMs };
  }

  async getBaseline(name: string): Promise<{ baseline: DatasetBaseline; profile: DatasetProfile } | null> {
    const rows = await this.store.query<BaselineRow>(sql`
      ${baselineSelect} WHERE name = ${p.String(name)} GROUP BY name`);
    const r = rows[0];
    return r ? { baseline: baselineOf(r), profile: JSON.parse(r.profile_json) as DatasetProfile } : null;
  }

  async listBaselines(): Promise<DatasetBaseline[]> {
    const rows = await this.store.query<BaselineRow>(sql`${baselineSelect} GROUP BY name ORDER BY name`);
    return rows.map(baselineOf);
  }

  async saveReport(report: DriftReport): Promise<void> {
    const row = {
      run_id: report.runId,
      role: report.role,
      report_id: report.id,
      reference: `${report.reference.kind}:${report.reference.id}`,
      report_json: JSON.stringify(report),
      created: msToDateTime(report.computedMs),
    };
    await this.store.insertJsonEachRow(
      'dataset_drift_reports',
      Buffer.from(`${JSON.stringify(row)}\n`),
      `dataset_drift_reports:${report.id}`,
    );
  }

  async listReports(runId: string, role: DatasetRole, limit: number): Promise<DriftReport[]> {
    const rows = await this.store.query<{ report_json: string }>(sql`
      SELECT report_json FROM dataset_drift_reports
      WHERE run_id = ${p.String(runId)} AND role = ${p.String(role)}
      ORDER BY created DESC, report_id LIMIT ${p.UInt32(limit)}`);
    return rows.map((r) => JSON.parse(r.report_json) as DriftReport);
  }
}

interface BaselineRow {
  name: string;
  run_id: string;
  role: DatasetRole;
  created_ms: string;
  profile_json: string;
}

const baselineSelect = sql`
  SELECT name, argMax(run_id, version) AS run_id, argMax(role, version) AS role,
    toString(toUnixTimestamp64Milli(argMax(created, version))) AS created_ms,
    argMax(profile_json, version) AS profile_json
  FROM dataset_baselines`;

function baselineOf(r: BaselineRow): DatasetBaseline {
  return { name: r.name, runId: r.run_id, role: r.role, createdMs: Number(r.created_ms) };
}

/** Later writes win; the clock in microseconds, so two saves in one millisecond still order. */
let lastVersion = 0;
function versionNow(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

/** DateTime64(3) in JSONEachRow input: seconds with a fraction. */
function msToDateTime(ms: number): string {
  return (ms / 1000).toFixed(3);
}
