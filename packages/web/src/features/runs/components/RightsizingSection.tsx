import type { ReactNode } from 'react';
import { useApi } from '../../../shared/api/useApi.ts';
import { EmptyState, ErrorState } from '../../../shared/components/States.tsx';
import { formatShort } from '../../../shared/time/range.ts';
import { fetchRightsizing, type RightsizingQuery } from '../api/rightsizingApi.ts';
import '../rightsizing.css';
import { RightsizingTable } from './RightsizingTable.tsx';

/**
 * Right-sizing of the steps a query selects, as a panel: fetched here so the pipeline page and
 * the experiment view only say which runs and which window.
 */
export function RightsizingSection({
  query,
  refreshKey = 0,
  title,
  tools,
  grouped = false,
  empty,
}: {
  query: RightsizingQuery;
  /** Changes when the same window should be asked again (the app's refresh tick). */
  refreshKey?: number;
  title: ReactNode;
  tools?: ReactNode;
  grouped?: boolean;
  /** What to say when no step in the window has resource samples. */
  empty: ReactNode;
}) {
  const data = useApi(
    (signal) => fetchRightsizing(query, signal),
    [query.fromMs, query.toMs, query.experimentId, query.pipeline, query.parentRunId, refreshKey],
  );
  const counts = data.data?.steps.reduce(
    (acc, s) => {
      if (s.cpu.flag === 'under' || s.memory.flag === 'under') acc.under++;
      if (s.cpu.flag === 'over' || s.memory.flag === 'over') acc.over++;
      return acc;
    },
    { under: 0, over: 0 },
  );
  return (
    <section className="panel rs-panel" data-testid="rightsizing">
      <header className="panel-head">
        <span>{title}</span>
        {data.data && (
          <span className="muted small" data-testid="rs-window">
            {formatShort(data.data.fromMs)} – {formatShort(data.data.toMs)}
            {counts && data.data.steps.length > 0 && (
              <>
                {' '}
                · {counts.under} under-, {counts.over} over-provisioned
              </>
            )}
          </span>
        )}
        {tools && <div className="right rs-tools">{tools}</div>}
      </header>
      {data.error && !data.data ? (
        <ErrorState error={data.error} retrying={data.retrying} onRetry={data.reload} />
      ) : !data.data ? (
        <div className="loading-rows">Loading right-sizing…</div>
      ) : data.data.steps.length === 0 ? (
        <EmptyState title="No resource samples in this window" testId="rs-empty">
          {empty}
        </EmptyState>
      ) : (
        <RightsizingTable rows={data.data.steps} rules={data.data.rules} grouped={grouped} />
      )}
    </section>
  );
}
