import type { LogRecordView } from '@stellwerk/contracts';
import { Fragment, type ReactNode, useMemo, useState } from 'react';
import { type DataFrame, requireField } from '../../../shared/frame/frame.ts';
import { formatRecordTime, typeOf } from './format.ts';

export type FilterFn = (field: string, value: string, exclude: boolean) => void;

interface Props {
  frame: DataFrame;
  /** The first `liveCount` rows came from live tail and are marked as such. */
  liveCount?: number;
  onFilter: FilterFn;
}

const COLUMNS = ['time', 'level', 'service', 'host', 'message'] as const;

/** What tells two records apart without an id: arrival time plus where and what. */
export function recordIdentity(r: LogRecordView): string {
  return `${r.time}|${r.observedTime}|${r.service}|${r.host}|${r.message.slice(0, 64)}`;
}

/** Keys that survive new rows arriving on top, so expanded rows stay expanded. */
function rowKeys(records: LogRecordView[]): string[] {
  const seen = new Map<string, number>();
  return records.map((r) => {
    const base = recordIdentity(r);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n ? `${base}#${n}` : base;
  });
}

export function LogTable({ frame, liveCount = 0, onFilter }: Props) {
  const records = requireField<LogRecordView>(frame, 'record').values;
  const cols = COLUMNS.map((c) => requireField<string>(frame, c));
  const keys = useMemo(() => rowKeys(records), [records]);
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set());
  const toggle = (k: string) =>
    setExpanded((s) => {
      const n = new Set(s);
      if (n.has(k)) n.delete(k);
      else n.add(k);
      return n;
    });

  return (
    <table className="logtable" data-testid="log-table">
      <colgroup>
        <col className="c-expand" />
        <col className="c-time" />
        <col className="c-level" />
        <col className="c-service" />
        <col className="c-host" />
        <col />
      </colgroup>
      <thead>
        <tr>
          <th aria-label="Expand" />
          {cols.map((c) => (
            <th key={c.name}>{c.config?.displayName ?? c.name}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {records.map((rec, i) => {
          const k = keys[i] ?? String(i);
          const open = expanded.has(k);
          return (
            <Fragment key={k}>
              <tr
                className={`logrow${open ? ' open' : ''}${i < liveCount ? ' live' : ''} lvl-${rec.level}`}
                data-testid="log-row"
                data-level={rec.level}
                onClick={(e) => {
                  // Selecting text in a row should not toggle it.
                  if (!window.getSelection()?.toString() && !(e.target as HTMLElement).closest('button')) toggle(k);
                }}
              >
                <td>
                  <button
                    type="button"
                    className="expander"
                    aria-expanded={open}
                    aria-label={open ? 'Collapse record' : 'Expand record'}
                    onClick={() => toggle(k)}
                    data-testid="row-expand"
                  >
                    {open ? '▾' : '▸'}
                  </button>
                </td>
                <td className="mono nowrap" data-testid="row-time">
                  {formatRecordTime(rec.time)}
                </td>
                <td>
                  <LevelBadge level={rec.level} raw={rec.levelRaw} />
                </td>
                <td className="ellipsis" title={rec.service} data-testid="row-service">
                  {rec.service}
                </td>
                <td className="ellipsis" title={rec.host} data-testid="row-host">
                  {rec.host}
                </td>
                <td className="mono message" data-testid="row-message">
                  {rec.message}
                </td>
              </tr>
              {open && (
                <tr className="details-row">
                  <td />
                  <td colSpan={5}>
                    <RecordDetails rec={rec} onFilter={onFilter} />
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

export function LevelBadge({ level, raw }: { level: string; raw?: string }) {
  return (
    <span className={`badge lvl-${level}`} title={raw && raw !== level ? `written as ${raw}` : undefined}>
      {level}
    </span>
  );
}

interface FieldRow {
  /** The name used in queries. */
  query: string;
  label: ReactNode;
  type: string;
  value: string;
}

function RecordDetails({ rec, onFilter }: { rec: LogRecordView; onFilter: FilterFn }) {
  const [copied, setCopied] = useState(false);
  const core: FieldRow[] = [
    { query: 'level', label: 'level', type: 'level', value: rec.level },
    { query: 'service', label: 'service', type: 'string', value: rec.service },
    { query: 'host', label: 'host', type: 'string', value: rec.host },
  ];
  if (rec.runId) core.push({ query: 'run_id', label: 'run_id', type: 'id', value: rec.runId });
  if (rec.traceId) core.push({ query: 'trace_id', label: 'trace_id', type: 'id', value: rec.traceId });
  if (rec.spanId) core.push({ query: 'span_id', label: 'span_id', type: 'id', value: rec.spanId });
  const attrs: FieldRow[] = Object.entries(rec.attributes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => ({ query: k, label: k, type: typeOf(v), value: String(v) }));
  const resource: FieldRow[] = Object.entries(rec.resource)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => ({ query: `resource.${k}`, label: `resource.${k}`, type: 'string', value: v }));

  return (
    <div className="details" data-testid="row-details">
      <div className="details-meta">
        <span>
          <span className="muted">time</span> <span className="mono">{formatRecordTime(rec.time)}</span>
        </span>
        <span>
          <span className="muted">received</span> <span className="mono">{formatRecordTime(rec.observedTime)}</span>
        </span>
        {rec.levelRaw && rec.levelRaw !== rec.level && (
          <span>
            <span className="muted">level as written</span> <span className="mono">{rec.levelRaw}</span>
          </span>
        )}
        <button
          type="button"
          className="btn btn-small"
          onClick={() => {
            navigator.clipboard?.writeText(JSON.stringify(rec, null, 2)).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy JSON'}
        </button>
      </div>
      <pre className="details-message">{rec.message}</pre>
      <FieldTable title="Fields" rows={core} onFilter={onFilter} />
      <FieldTable title="Attributes" rows={attrs} onFilter={onFilter} empty="No attributes were parsed." />
      {resource.length > 0 && <FieldTable title="Resource" rows={resource} onFilter={onFilter} />}
    </div>
  );
}

function FieldTable({
  title,
  rows,
  onFilter,
  empty,
}: {
  title: string;
  rows: FieldRow[];
  onFilter: FilterFn;
  empty?: string;
}) {
  return (
    <div className="fieldtable">
      <div className="fieldtable-title">{title}</div>
      {rows.length === 0 ? (
        <div className="muted">{empty}</div>
      ) : (
        <table>
          <tbody>
            {rows.map((r) => (
              <tr key={r.query} data-testid={`field-${r.query}`}>
                <td className="f-name mono">{r.label}</td>
                <td className="f-type">{r.type}</td>
                <td className="f-value mono" data-testid="field-value">
                  {r.value}
                </td>
                <td className="f-actions">
                  <button
                    type="button"
                    className="btn btn-small"
                    title={`Filter for ${r.query}:${r.value}`}
                    onClick={() => onFilter(r.query, r.value, false)}
                    data-testid="filter-for"
                  >
                    + Filter
                  </button>
                  <button
                    type="button"
                    className="btn btn-small"
                    title={`Exclude ${r.query}:${r.value}`}
                    onClick={() => onFilter(r.query, r.value, true)}
                    data-testid="filter-out"
                  >
                    − Exclude
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
