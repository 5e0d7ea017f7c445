/**
 * Dataset profiles of runs and their drift against a reference (docs/datasets.md).
 *
 * Native API (JSON, scope ingest for writes, read for GETs):
 *   POST /api/v1/runs/:id/datasets/:role/profile    DatasetProfileInput → { profile }
 *   POST /api/v1/runs/:id/datasets/:role/rows       CSV, NDJSON or a JSON array of objects
 *        ?label=<column>&categorical=a,b&job=<id>    → { profile, jobId }
 *   GET  /api/v1/datasets/jobs[?runId=]              → { jobs: DatasetJob[] }  (upload progress)
 *   GET  /api/v1/datasets/jobs/:id                   → { job }
 *   GET  /api/v1/runs/:id/datasets                   → { profiles }
 *   GET  /api/v1/runs/:id/datasets/:role             → { profile }
 *   POST /api/v1/datasets/baselines                  BaselineCreate → { baseline }
 *   GET  /api/v1/datasets/baselines                  → { baselines }
 *   GET  /api/v1/runs/:id/datasets/:role/drift?reference=run:<id>[/<role>]|baseline:<name>
 *                                                    → { report }  (also logged as run metrics)
 *   GET  /api/v1/runs/:id/datasets/:role/drift/reports → { reports }  (stored, latest first)
 */

export type DatasetRole = 'train' | 'validation' | 'serving';
export const DATASET_ROLES: readonly DatasetRole[] = ['train', 'validation', 'serving'];

/** Quantile levels every numeric column profile carries; the deciles are PSI's bin edges. */
export const PROFILE_QUANTILES: readonly number[] = [
  0.01, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 0.99,
];
export const DECILES: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export interface Histogram {
  /** n + 1 increasing edges; bin i holds edges[i] ≤ x < edges[i+1], the last bin also x = edges[n]. */
  edges: number[];
  counts: number[];
}

export interface OutlierCount {
  /** How outliers were recognised, e.g. `tukey_1.5iqr` or `zscore>3`. */
  rule: string;
  count: number;
  /** count / (values the rule looked at). */
  share: number;
}

export interface NumericColumnProfile {
  name: string;
  kind: 'numeric';
  /** Values that are not null. */
  count: number;
  nulls: number;
  min: number;
  max: number;
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator). */
  std: number;
  /** Level → value; levels are PROFILE_QUANTILES, interpolated linearly (numpy's default). */
  quantiles: Record<string, number>;
  histogram: Histogram;
  /** Values outside the Tukey fences (Q1 − 1.5·IQR, Q3 + 1.5·IQR): counted, not removed. */
  outliers?: OutlierCount;
}

export interface CategoryCount {
  value: string;
  count: number;
}

export interface CategoricalColumnProfile {
  name: string;
  kind: 'categorical';
  count: number;
  nulls: number;
  distinct: number;
  /** The most frequent values, most frequent first (ties by value). */
  topK: CategoryCount[];
  /** Values outside topK; 0 when topK holds every category. */
  otherCount: number;
  /** Set on the label column. */
  classBalance?: {
    classCounts: Record<string, number>;
    /** Largest class count / smallest class count (1 = balanced). */
    imbalanceRatio: number;
  };
}

export type ColumnProfile = NumericColumnProfile | CategoricalColumnProfile;

/** What the pipeline reports it removed before the data was profiled. */
export interface OutliersRemoved {
  column?: string;
  rule: string;
  count: number;
  share: number;
}

export interface DatasetProfile {
  runId: string;
  role: DatasetRole;
  /** `rows`: Stellwerk computed it from uploaded rows; `precomputed`: the client sent it. */
  source: 'rows' | 'precomputed';
  rows: number;
  labelColumn?: string;
  columns: ColumnProfile[];
  outliersRemoved: OutliersRemoved[];
  /** Set for profiles computed from rows: the staged values behind exact drift statistics. */
  uploadId?: string;
  createdMs: number;
}

/** The body of POST .../profile: a profile computed elsewhere. */
export interface DatasetProfileInput {
  rows: number;
  labelColumn?: string;
  columns: ColumnProfile[];
  outliersRemoved?: OutliersRemoved[];
}

export interface DatasetJob {
  id: string;
  runId: string;
  role: DatasetRole;
  state: 'receiving' | 'profiling' | 'done' | 'failed';
  bytes: number;
  rows: number;
  startedMs: number;
  updatedMs: number;
  error?: string;
}

export interface BaselineCreate {
  name: string;
  runId: string;
  role: DatasetRole;
}

export interface DatasetBaseline {
  name: string;
  runId: string;
  role: DatasetRole;
  createdMs: number;
}

export interface DriftThresholds {
  /** A numeric column drifts when the KS p-value is below this. */
  ksPValue: number;
  /** ... or, with numericTest=psi, when PSI is at least this. */
  psi: number;
  /** A categorical column drifts when the chi-square p-value is below this. */
  chiSquarePValue: number;
  /** ... or, with categoricalTest=jensenshannon, when the JS distance is at least this. */
  jensenShannon: number;
  /** The dataset drifts when the share of drifted columns is at least this. */
  shareDrifted: number;
  numericTest: 'ks' | 'psi';
  categoricalTest: 'chisquare' | 'jensenshannon';
}

export interface ColumnDrift {
  column: string;
  kind: 'numeric' | 'categorical';
  /** `exact`: from the staged rows of both sides; `binned`: from the profiles' histograms or top-k. */
  method: 'exact' | 'binned';
  psi?: number;
  ksStatistic?: number;
  ksPValue?: number;
  /** exact: the exact distribution (max sample ≤ 10 000); asymp: Kolmogorov's limit. */
  ksMode?: 'exact' | 'asymp';
  /** Binned only: |ksStatistic − exact statistic| is at most this. */
  ksErrorBound?: number;
  /** null when the current data has a category the reference never saw (infinitely unlikely). */
  chiSquare?: number | null;
  chiSquarePValue?: number | null;
  chiSquareDof?: number;
  jensenShannon?: number;
  unseenCategories?: string[];
  test: 'ks' | 'psi' | 'chisquare' | 'jensenshannon';
  drifted: boolean;
}

export interface DriftReference {
  kind: 'run' | 'baseline';
  /** The run id, or the baseline's name. */
  id: string;
  runId: string;
  role: DatasetRole;
}

export interface DriftReport {
  id: string;
  runId: string;
  role: DatasetRole;
  reference: DriftReference;
  thresholds: DriftThresholds;
  columns: ColumnDrift[];
  /** Columns present on one side only; not part of the share. */
  skippedColumns: Array<{ column: string; reason: string }>;
  driftedColumns: number;
  shareDrifted: number;
  datasetDrifted: boolean;
  computedMs: number;
}
