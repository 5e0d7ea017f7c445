import type { ColumnDrift, ColumnProfile, DatasetProfile, DriftReport, Run } from '@stellwerk/contracts';
import { useState } from 'react';
import { useApi } from '../../../shared/api/useApi.ts';
import { formatValue } from '../../../shared/chart/format.ts';
import { EmptyState, ErrorState } from '../../../shared/components/States.tsx';
import { formatShort } from '../../../shared/time/range.ts';
import { fetchBaselines, fetchDatasetProfiles, fetchDrift, fetchDriftReports } from '../api/runsApi.ts';

const pct = (share: number) => `${formatValue(+(share * 100).toFixed(2))}%`;

/** The run's dataset profiles (train, validation, serving) with their KPIs and drift per column. */
export function RunDatasets({ run }: { run: Run }) {
  const profiles = useApi((signal) => fetchDatasetProfiles(run.runId, signal), [run.runId]);
  if (profiles.error && !profiles.data)
    return <ErrorState error={profiles.error} retrying={profiles.retrying} onRetry={profiles.reload} />;
  if (!profiles.data) return <div className="loading-rows">Loading dataset profiles…</div>;
  if (profiles.data.length === 0)
    return (
      <EmptyState title="No dataset profiles for this run" testId="empty-datasets">
        <p>
          Send the rows a step trained or served on, and Stellwerk profiles them (class balance, outliers, quantiles):
        </p>
        <p>
          <code className="cmd">
            curl -X POST --data-binary @train.csv -H 'Content-Type: text/csv' \{'\n'}
            {`  '${window.location.origin}/api/v1/runs/${run.runId}/datasets/train/rows?label=<column>'`}
          </code>
        </p>
      </EmptyState>
    );
  return (
    <div className="datasets" data-testid="run-datasets">
      {profiles.data.map((p) => (
        <DatasetPanel key={p.role} profile={p} />
      ))}
    </div>
  );
}

function DatasetPanel({ profile }: { profile: DatasetProfile }) {
  const label = profile.columns.find((c) => c.name === profile.labelColumn);
  const balance = label?.kind === 'categorical' ? label.classBalance : undefined;
  const nullCells = profile.columns.reduce((n, c) => n + c.nulls, 0);
  const cells = profile.rows * profile.columns.length;
  const outliers = profile.columns.reduce((n, c) => n + (c.kind === 'numeric' ? (c.outliers?.count ?? 0) : 0), 0);
  return (
    <section className="panel dataset" data-testid="dataset" data-role={profile.role}>
      <header className="panel-head">
        <span>{profile.role}</span>
        <span className="muted">
          {profile.source === 'rows' ? 'profiled from uploaded rows' : 'profile sent by the client'} ·{' '}
          {formatShort(profile.createdMs)}
        </span>
      </header>
      <div className="kpis">
        <Kpi label="Rows" value={profile.rows.toLocaleString()} />
        <Kpi label="Columns" value={String(profile.columns.length)} />
        <Kpi label="Missing cells" value={cells ? pct(nullCells / cells) : '–'} />
        <Kpi label="Outliers (counted)" value={outliers.toLocaleString()} />
        {balance && (
          <Kpi
            label={`Class imbalance (${profile.labelColumn})`}
            value={`${formatValue(balance.imbalanceRatio)} : 1`}
            warn={balance.imbalanceRatio >= 3}
          />
        )}
        {profile.outliersRemoved.map((o) => (
          <Kpi
            key={`${o.column ?? ''}${o.rule}`}
            label={`Removed before profiling${o.column ? ` (${o.column})` : ''}`}
            value={`${o.count.toLocaleString()} · ${pct(o.share)}`}
            title={o.rule}
          />
        ))}
      </div>
      {balance && <ClassBars counts={balance.classCounts} />}
      <div className="series-table-wrap">
        <table className="series-table dataset-columns">
          <thead>
            <tr>
              {['Column', 'Kind', 'Values', 'Missing', 'Summary', 'Outliers'].map((h) => (
                <th key={h} className="plain-th">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {profile.columns.map((c) => (
              <tr key={c.name} data-testid="dataset-column">
                <td className="mono">
                  {c.name}
                  {c.name === profile.labelColumn && <span className="kind-chip">label</span>}
                </td>
                <td>{c.kind}</td>
                <td className="num">{c.count.toLocaleString()}</td>
                <td className="num">{c.count + c.nulls ? pct(c.nulls / (c.count + c.nulls)) : '–'}</td>
                <td className="mono small">{summary(c)}</td>
                <td className="num">
                  {c.kind === 'numeric' && c.outliers ? `${c.outliers.count} (${pct(c.outliers.share)})` : '–'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Drift profile={profile} />
    </section>
  );
}

function summary(c: ColumnProfile): string {
  if (c.kind === 'numeric')
    return `mean ${formatValue(c.mean)} ± ${formatValue(c.std)} · ${formatValue(c.min)} … ${formatValue(c.max)}`;
  const top = c.topK
    .slice(0, 3)
    .map((t) => `${t.value} (${t.count})`)
    .join(', ');
  return `${c.distinct} distinct · ${top}${c.topK.length > 3 || c.otherCount ? ', …' : ''}`;
}

function Kpi({ label, value, warn, title }: { label: string; value: string; warn?: boolean; title?: string }) {
  return (
    <div className={`kpi${warn ? ' warn' : ''}`} title={title}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{value}</div>
    </div>
  );
}

function ClassBars({ counts }: { counts: Record<string, number> }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const max = Math.max(1, ...entries.map(([, n]) => n));
  return (
    <div className="class-bars" data-testid="class-balance">
      {entries.slice(0, 20).map(([k, n]) => (
        <div key={k} className="class-bar">
          <span className="mono ellipsis">{k}</span>
          <span className="bar" style={{ width: `${(n / max) * 100}%` }} />
          <span className="muted small">{n.toLocaleString()}</span>
        </div>
      ))}
    </div>
  );
}

/** Drift against another run's data or a named baseline; shows the latest stored report first. */
function Drift({ profile }: { profile: DatasetProfile }) {
  const [reference, setReference] = useState('');
  const [asked, setAsked] = useState('');
  const baselines = useApi((signal) => fetchBaselines(signal), []);
  const stored = useApi(
    (signal) => fetchDriftReports(profile.runId, profile.role, signal),
    [profile.runId, profile.role],
  );
  const computed = useApi(
    (signal) => fetchDrift(profile.runId, profile.role, asked, signal),
    [profile.runId, profile.role, asked],
    asked !== '',
  );
  const report = asked ? computed.data : stored.data?.[0];

  return (
    <div className="drift">
      <form
        className="drift-form"
        onSubmit={(e) => {
          e.preventDefault();
          setAsked(reference.trim());
        }}
      >
        <span className="section-title">Drift</span>
        <label className="muted small">
          against{' '}
          <input
            list={`baselines-${profile.role}`}
            value={reference}
            onChange={(e) => setReference(e.target.value)}
            placeholder="run:<run id>[/<role>] or baseline:<name>"
            aria-label="Drift reference"
            className="mono drift-input"
            data-testid="drift-reference"
          />
        </label>
        <datalist id={`baselines-${profile.role}`}>
          {(baselines.data ?? []).map((b) => (
            <option key={b.name} value={`baseline:${b.name}`}>
              {b.role} of run {b.runId.slice(0, 8)}
            </option>
          ))}
        </datalist>
        <button type="submit" className="btn btn-small" disabled={!reference.trim()} data-testid="drift-compute">
          Compute
        </button>
      </form>
      {asked && computed.error ? (
        <ErrorState error={computed.error} retrying={computed.retrying} onRetry={computed.reload} />
      ) : asked && computed.loading && !computed.data ? (
        <div className="loading-rows">Computing drift…</div>
      ) : report ? (
        <DriftTable report={report} />
      ) : (
        <div className="muted small drift-none">
          No drift report yet. Name a reference: another run’s data (<span className="mono">run:&lt;id&gt;</span>) or a
          saved baseline.
        </div>
      )}
    </div>
  );
}

function statistic(c: ColumnDrift): string {
  if (c.test === 'psi') return `PSI ${formatValue(c.psi)}`;
  if (c.test === 'ks') return `KS ${formatValue(c.ksStatistic)} · p ${formatValue(c.ksPValue)}`;
  if (c.test === 'chisquare')
    return c.chiSquare === null
      ? 'χ² ∞ (unseen category)'
      : `χ² ${formatValue(c.chiSquare)} · p ${formatValue(c.chiSquarePValue)}`;
  return `JS ${formatValue(c.jensenShannon)}`;
}

function DriftTable({ report }: { report: DriftReport }) {
  const ref =
    report.reference.kind === 'baseline'
      ? `baseline ${report.reference.id}`
      : `run ${report.reference.runId.slice(0, 8)} (${report.reference.role})`;
  return (
    <div data-testid="drift-report">
      <div className={`drift-summary${report.datasetDrifted ? ' bad' : ''}`}>
        {report.datasetDrifted ? 'Drift detected' : 'No dataset drift'} against {ref}: {report.driftedColumns} of{' '}
        {report.columns.length} columns drifted ({pct(report.shareDrifted)}; threshold{' '}
        {pct(report.thresholds.shareDrifted)}) · {formatShort(report.computedMs)}
      </div>
      <table className="series-table">
        <thead>
          <tr>
            {['Column', 'Test', 'Statistic', 'Method', ''].map((h) => (
              <th key={h} className="plain-th">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.columns.map((c) => (
            <tr
              key={c.column}
              className={c.drifted ? 'drifted' : undefined}
              data-testid="drift-column"
              data-drifted={c.drifted}
            >
              <td className="mono">{c.column}</td>
              <td>{c.test}</td>
              <td className="mono small">{statistic(c)}</td>
              <td className="muted small">{c.method}</td>
              <td>{c.drifted ? <span className="badge lvl-error">drift</span> : <span className="badge">ok</span>}</td>
            </tr>
          ))}
          {report.skippedColumns.map((s) => (
            <tr key={s.column}>
              <td className="mono">{s.column}</td>
              <td colSpan={4} className="muted">
                skipped: {s.reason}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
