import type { Run } from '@stellwerk/contracts';
import { formatValue } from '../../../shared/chart/format.ts';
import { Link } from '../../../shared/router/router.tsx';
import { formatShort } from '../../../shared/time/range.ts';
import { type ColumnId, cellValue, SORTABLE_ATTRIBUTES, type SortState, splitColumn } from '../columns.ts';
import { formatRunDuration, runDurationMs, runLabel } from '../format.ts';
import { pipelinePath, runPath } from '../paths.ts';
import { StatusBadge } from './StatusBadge.tsx';

interface Props {
  runs: Run[];
  columns: ColumnId[];
  sort: SortState;
  onSort: (s: SortState) => void;
  selected: Map<string, Run>;
  onToggle: (run: Run) => void;
  /** No more runs can be ticked for comparison. */
  selectionFull: boolean;
}

export function RunsTable({ runs, columns, sort, onSort, selected, onToggle, selectionFull }: Props) {
  const now = Date.now();
  return (
    <div className="series-table-wrap">
      <table className="series-table runs-table" data-testid="runs-table">
        <thead>
          <tr>
            <th className="c-select">
              <span className="sr-only">Select</span>
            </th>
            <SortHeader id="attributes.run_name" label="Run" sort={sort} onSort={onSort} />
            <SortHeader id="attributes.status" label="Status" sort={sort} onSort={onSort} />
            <SortHeader id="attributes.start_time" label="Started" sort={sort} onSort={onSort} />
            <th className="plain-th">Duration</th>
            <th className="plain-th">User</th>
            {columns.map((c) => (
              <SortHeader
                key={c}
                id={c}
                label={splitColumn(c)?.key ?? c}
                kind={splitColumn(c)?.kind}
                sort={sort}
                onSort={onSort}
              />
            ))}
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const isSelected = selected.has(run.runId);
            return (
              <tr
                key={run.runId}
                className={isSelected ? 'selected' : undefined}
                data-testid="run-row"
                data-run-id={run.runId}
                data-name={run.name}
              >
                <td className="c-select">
                  <input
                    type="checkbox"
                    checked={isSelected}
                    disabled={!isSelected && selectionFull}
                    title={!isSelected && selectionFull ? 'At most 10 runs can be compared' : 'Select to compare'}
                    aria-label={`Select ${runLabel(run)}`}
                    onChange={() => onToggle(run)}
                    data-testid="run-select"
                  />
                </td>
                <td className="run-name-cell">
                  <Link href={runPath(run.runId)} data-testid="run-link">
                    {runLabel(run)}
                  </Link>
                  {run.kind === 'pipeline' && (
                    <Link href={pipelinePath(run.runId)} className="kind-chip" title="Open the pipeline's steps">
                      pipeline
                    </Link>
                  )}
                  {run.parentRunId && (
                    <Link
                      href={pipelinePath(run.parentRunId)}
                      className="kind-chip"
                      title="Open the pipeline this step belongs to"
                    >
                      step
                    </Link>
                  )}
                </td>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td className="nowrap">{formatShort(run.startTimeMs)}</td>
                <td className="nowrap">{formatRunDuration(runDurationMs(run, now))}</td>
                <td className="ellipsis" title={run.user}>
                  {run.user || '–'}
                </td>
                {columns.map((c) => {
                  const v = cellValue(run, c);
                  return (
                    <td
                      key={c}
                      className={typeof v === 'number' ? 'num mono' : 'mono'}
                      data-testid="run-cell"
                      data-column={c}
                    >
                      {v === undefined ? <span className="muted">–</span> : typeof v === 'number' ? formatValue(v) : v}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function SortHeader({
  id,
  label,
  kind,
  sort,
  onSort,
}: {
  id: ColumnId;
  label: string;
  kind?: string;
  sort: SortState;
  onSort: (s: SortState) => void;
}) {
  const active = sort.column === id;
  const sortable = kind !== undefined || SORTABLE_ATTRIBUTES.includes(id);
  return (
    <th
      className={kind === 'metrics' ? 'num' : undefined}
      aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : undefined}
    >
      <button
        type="button"
        className="sort-btn"
        disabled={!sortable}
        title={`${kind ? `${kind}.` : ''}${label} — click to sort`}
        onClick={() =>
          onSort({
            column: id,
            desc: active ? !sort.desc : kind !== 'params' && kind !== 'tags' && id !== 'attributes.run_name',
          })
        }
        data-testid="sort-column"
        data-column={id}
      >
        {kind && (
          <span className={`col-kind k-${kind}`}>{kind === 'metrics' ? 'm' : kind === 'params' ? 'p' : 't'}</span>
        )}
        <span className={kind ? 'ellipsis key-label' : 'ellipsis'}>{label}</span>
        {active && <span className="sort-mark">{sort.desc ? '▼' : '▲'}</span>}
      </button>
    </th>
  );
}
