import type { Run } from '@stellwerk/contracts';
import { useMemo } from 'react';
import { useApi } from '../../../shared/api/useApi.ts';
import { EmptyState, ErrorState } from '../../../shared/components/States.tsx';
import { Link, navigate } from '../../../shared/router/router.tsx';
import { LogTable, recordsToFrame, searchLogs } from '../../logs/index.ts';
import { runLogsPath } from '../paths.ts';

/** The newest records of the run shown here; the Logs explorer has search, facets and the rest. */
const LIMIT = 200;
const MARGIN_MS = 60_000;

export function RunLogs({ run }: { run: Run }) {
  const toMs = run.endTimeMs ?? Date.now();
  const query = `run_id:${run.runId}`;
  const explorer = runLogsPath(run.runId, run.startTimeMs, toMs);
  const logs = useApi(
    (signal) =>
      searchLogs(
        { query, range: { fromMs: run.startTimeMs - MARGIN_MS, toMs: toMs + MARGIN_MS }, limit: LIMIT },
        signal,
      ),
    [query, run.startTimeMs, run.endTimeMs, run.status],
  );
  const frame = useMemo(() => recordsToFrame(logs.data?.records ?? []), [logs.data]);
  const count = logs.data?.records.length ?? 0;

  return (
    <section className="panel table-panel" data-testid="run-logs">
      <header className="panel-head">
        <span>Logs</span>
        <span className="muted mono">{query}</span>
        <Link className="right" href={explorer} data-testid="open-logs-explorer">
          Open in Logs explorer
        </Link>
      </header>
      {logs.error && !logs.data ? (
        <ErrorState error={logs.error} retrying={logs.retrying} onRetry={logs.reload} />
      ) : !logs.data ? (
        <div className="loading-rows">Loading records…</div>
      ) : count === 0 ? (
        <EmptyState title="No logs for this run" testId="empty-run-logs">
          Records carrying <span className="mono">run_id={run.runId}</span> appear here: run the command with{' '}
          <span className="mono">stellwerk run -- …</span>, or send logs to{' '}
          <span className="mono">/api/v1/logs?run_id={run.runId}</span>.
        </EmptyState>
      ) : (
        <>
          <LogTable
            frame={frame}
            onFilter={(field, value, exclude) => {
              const term = `${exclude ? '-' : ''}${field}:${/[\s"]/.test(value) ? JSON.stringify(value) : value}`;
              const sp = new URL(explorer, window.location.origin).searchParams;
              sp.set('q', `${query} ${term}`);
              navigate(`/logs?${sp}`);
            }}
          />
          <div className="table-foot">
            <span className="muted" data-testid="run-logs-count">
              {count === LIMIT ? `newest ${LIMIT} records` : `${count} ${count === 1 ? 'record' : 'records'}`}
            </span>
            {count === LIMIT && <Link href={explorer}>See all in the Logs explorer</Link>}
          </div>
        </>
      )}
    </section>
  );
}
