import type {
  CategoricalColumnProfile,
  ColumnDrift,
  DatasetProfile,
  DriftReference,
  DriftReport,
  DriftThresholds,
  NumericColumnProfile,
} from '@stellwerk/contracts';
import { chiSquare } from './chi-square.ts';
import { jensenShannon } from './js.ts';
import { ksFromHistograms } from './ks.ts';
import { binnedCounts, psi, psiEdges } from './psi.ts';
import { categoricalDrifted, numericDrifted } from './thresholds.ts';

/** Statistics the engine computed from the staged rows of both sides, per numeric column. */
export interface ExactNumericStats {
  ksStatistic: number;
  ksPValue: number;
  ksMode: 'exact' | 'asymp';
  /** Counts per PSI bin (see psiEdges), current and reference. */
  psiCurrent: number[];
  psiReference: number[];
}

export interface DriftInput {
  current: DatasetProfile;
  reference: DatasetProfile;
  referenceInfo: DriftReference;
  thresholds: DriftThresholds;
  /** Columns missing here are compared from their histograms (method `binned`). */
  exact: Map<string, ExactNumericStats>;
  id: string;
  nowMs?: number;
}

/** Compares a profile with its reference column by column and overall. */
export function computeDrift(input: DriftInput): DriftReport {
  const { current, reference, thresholds: t } = input;
  const refColumns = new Map(reference.columns.map((c) => [c.name, c]));
  const columns: ColumnDrift[] = [];
  const skipped: DriftReport['skippedColumns'] = [];
  for (const cur of current.columns) {
    const ref = refColumns.get(cur.name);
    if (!ref) {
      skipped.push({ column: cur.name, reason: 'not in the reference' });
      continue;
    }
    if (ref.kind !== cur.kind) {
      skipped.push({ column: cur.name, reason: `${cur.kind} here but ${ref.kind} in the reference` });
      continue;
    }
    if (cur.count === 0 || ref.count === 0) {
      skipped.push({ column: cur.name, reason: 'no values on one side' });
      continue;
    }
    columns.push(
      cur.kind === 'numeric'
        ? numericDrift(cur, ref as NumericColumnProfile, t, input.exact.get(cur.name))
        : categoricalDrift(cur, ref as CategoricalColumnProfile, t),
    );
  }
  for (const ref of reference.columns) {
    if (!current.columns.some((c) => c.name === ref.name))
      skipped.push({ column: ref.name, reason: 'not in the current profile' });
  }
  const driftedColumns = columns.filter((c) => c.drifted).length;
  const shareDrifted = columns.length > 0 ? driftedColumns / columns.length : 0;
  return {
    id: input.id,
    runId: current.runId,
    role: current.role,
    reference: input.referenceInfo,
    thresholds: t,
    columns,
    skippedColumns: skipped,
    driftedColumns,
    shareDrifted,
    datasetDrifted: columns.length > 0 && shareDrifted >= t.shareDrifted,
    computedMs: input.nowMs ?? Date.now(),
  };
}

function numericDrift(
  cur: NumericColumnProfile,
  ref: NumericColumnProfile,
  t: DriftThresholds,
  exact: ExactNumericStats | undefined,
): ColumnDrift {
  if (exact) {
    const psiValue = psi(exact.psiCurrent, exact.psiReference);
    return {
      column: cur.name,
      kind: 'numeric',
      method: 'exact',
      psi: psiValue,
      ksStatistic: exact.ksStatistic,
      ksPValue: exact.ksPValue,
      ksMode: exact.ksMode,
      test: t.numericTest,
      drifted: numericDrifted(t, exact.ksPValue, psiValue),
    };
  }
  const edges = psiEdges(ref.quantiles);
  const psiValue = psi(binnedCounts(cur.histogram, edges), binnedCounts(ref.histogram, edges));
  const ks = ksFromHistograms(cur.histogram, ref.histogram);
  return {
    column: cur.name,
    kind: 'numeric',
    method: 'binned',
    psi: psiValue,
    ksStatistic: ks.statistic,
    ksPValue: ks.pValue,
    ksMode: 'asymp',
    ksErrorBound: ks.errorBound,
    test: t.numericTest,
    drifted: numericDrifted(t, ks.pValue, psiValue),
  };
}

const OTHER = '\u0000other';

function categoricalDrift(
  cur: CategoricalColumnProfile,
  ref: CategoricalColumnProfile,
  t: DriftThresholds,
): ColumnDrift {
  // Categories are the union of both sides; values beyond a side's top-k share one "other" bucket.
  const curCounts = new Map(cur.topK.map((c) => [c.value, c.count]));
  const refCounts = new Map(ref.topK.map((c) => [c.value, c.count]));
  const keys = [...new Set([...curCounts.keys(), ...refCounts.keys()])].sort();
  const truncated = cur.otherCount > 0 || ref.otherCount > 0;
  if (truncated) keys.push(OTHER);
  const observed = keys.map((k) => (k === OTHER ? cur.otherCount : (curCounts.get(k) ?? 0)));
  const expected = keys.map((k) => (k === OTHER ? ref.otherCount : (refCounts.get(k) ?? 0)));
  const chi = chiSquare(observed, expected);
  const js = jensenShannon(expected, observed);
  const unseen = keys.filter((k, i) => k !== OTHER && (expected[i] as number) === 0 && (observed[i] as number) > 0);
  return {
    column: cur.name,
    kind: 'categorical',
    method: truncated ? 'binned' : 'exact',
    chiSquare: chi.statistic,
    chiSquarePValue: chi.pValue,
    chiSquareDof: chi.dof,
    jensenShannon: js,
    ...(unseen.length > 0 ? { unseenCategories: unseen.slice(0, 100) } : {}),
    test: t.categoricalTest,
    drifted: categoricalDrifted(t, chi.pValue, js),
  };
}

/** Run metrics of a report: they chart and alert like any other metric of the run. */
export function driftMetrics(report: DriftReport): Array<{ key: string; value: number }> {
  const base = `drift/${report.role}`;
  const out: Array<{ key: string; value: number }> = [];
  for (const c of report.columns) {
    const k = `${base}/${metricName(c.column)}`;
    if (c.psi !== undefined) out.push({ key: `${k}/psi`, value: c.psi });
    if (c.ksStatistic !== undefined) out.push({ key: `${k}/ks_statistic`, value: c.ksStatistic });
    if (c.ksPValue !== undefined) out.push({ key: `${k}/ks_pvalue`, value: c.ksPValue });
    // An infinite statistic (an unseen category) is left out: its p-value 0 says the same, charts stay finite.
    if (c.chiSquare !== undefined && c.chiSquare !== null) out.push({ key: `${k}/chisquare`, value: c.chiSquare });
    if (c.chiSquarePValue !== undefined && c.chiSquarePValue !== null)
      out.push({ key: `${k}/chisquare_pvalue`, value: c.chiSquarePValue });
    if (c.jensenShannon !== undefined) out.push({ key: `${k}/js`, value: c.jensenShannon });
    out.push({ key: `${k}/drifted`, value: c.drifted ? 1 : 0 });
  }
  out.push({ key: `${base}/share_drifted`, value: report.shareDrifted });
  out.push({ key: `${base}/drifted`, value: report.datasetDrifted ? 1 : 0 });
  return out;
}

/** MLflow metric keys allow letters, digits, _ - . / and space; anything else becomes _. */
function metricName(column: string): string {
  return column.replace(/[^A-Za-z0-9_\-. ]/g, '_');
}
