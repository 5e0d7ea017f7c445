import { useMemo, useState } from 'react';
import { getToken } from '../../../shared/api/token.ts';
import { EmptyState, ErrorState } from '../../../shared/components/States.tsx';
import { formatDuration } from '../../../shared/time/range.ts';
import { useTime } from '../../../shared/time/TimeContext.tsx';
import { recordsToFrame } from '../api/logsApi.ts';
import { type LiveStatus, useHistogram, useLiveTail, useLogQuery, useLogRecords } from '../hooks/useLogs.ts';
import { addTerm } from '../query.ts';
import { badQuery } from './badQuery.ts';
import { FacetsSidebar } from './FacetsSidebar.tsx';
import { LogHistogram } from './LogHistogram.tsx';
import { LogTable, recordIdentity } from './LogTable.tsx';
import { QueryBar } from './QueryBar.tsx';

export function LogsPage() {
  const [query, setQuery] = useLogQuery();
  const { abs, setRange } = useTime();
  const [liveOn, setLiveOn] = useState(false);
  const records = useLogRecords(query);
  const histogram = useHistogram(query);
  const live = useLiveTail(query, liveOn);

  const queryError = badQuery(records.error) ?? badQuery(histogram.error);
  const onFilter = (field: string, value: string, exclude: boolean) => setQuery(addTerm(query, field, value, exclude));

  // Live rows on top; a refresh of the first page can return some of them again, so drop repeats.
  const allRecords = useMemo(() => {
    if (!live.rows.length) return records.records;
    const seen = new Set(live.rows.map(recordIdentity));
    return [...live.rows, ...records.records.filter((r) => !seen.has(recordIdentity(r)))];
  }, [live.rows, records.records]);
  const frame = useMemo(() => recordsToFrame(allRecords), [allRecords]);
  const total = histogram.data?.meta?.total as number | undefined;
  const stepMs = histogram.data?.meta?.stepMs as number | undefined;

  return (
    <div className="logs-page">
      <div className="logs-toolbar">
        <QueryBar query={query} onSubmit={setQuery} error={queryError} busy={records.loading || histogram.loading} />
        <LiveToggle on={liveOn} status={live.status} onChange={setLiveOn} />
      </div>
      {live.error && <ErrorState error={live.error} />}
      {live.notice && (
        <div className="notice" role="status" data-testid="live-notice">
          {live.notice}
        </div>
      )}

      <div className="logs-body">
        <FacetsSidebar query={query} onFilter={onFilter} />

        <div className="logs-main">
          <section className="panel histogram-panel">
            <header className="panel-head">
              <span data-testid="histogram-total" data-total={total ?? ''}>
                {queryError
                  ? 'No results'
                  : total === undefined
                    ? '…'
                    : `${total.toLocaleString()} ${total === 1 ? 'match' : 'matches'}`}
              </span>
              {stepMs ? <span className="muted">per {formatDuration(stepMs)}</span> : null}
              <span className="muted right">Drag across the chart to zoom in</span>
            </header>
            {histogram.error && !queryError && !histogram.data ? (
              <ErrorState error={histogram.error} retrying={histogram.retrying} onRetry={histogram.reload} />
            ) : (
              <LogHistogram
                frame={histogram.data}
                fromMs={abs.fromMs}
                toMs={abs.toMs}
                onSelect={(f, t) => setRange({ from: String(f), to: String(t) })}
              />
            )}
          </section>

          <section className="panel table-panel">
            {queryError ? (
              <EmptyState title="Fix the query to see results" testId="empty-bad-query">
                The server could not parse it: <span className="mono">{queryError}</span>. Open the <b>?</b> help next
                to the search box for the syntax.
              </EmptyState>
            ) : records.error && !records.data ? (
              <ErrorState error={records.error} retrying={records.retrying} onRetry={records.reload} />
            ) : !records.data && live.rows.length === 0 ? (
              <div className="loading-rows">Loading records…</div>
            ) : allRecords.length === 0 ? (
              records.data?.emptyStore ? (
                <NoLogsYet />
              ) : (
                <EmptyState title="No records match" testId="empty-no-matches">
                  Nothing matches <span className="mono">{query || '(all logs)'}</span> in this time range. Widen the
                  time range or remove filters.
                </EmptyState>
              )
            ) : (
              <>
                {records.error && records.retrying && <ErrorState error={records.error} retrying />}
                <LogTable frame={frame} liveCount={live.rows.length} onFilter={onFilter} />
                <div className="table-foot">
                  <span className="muted" data-testid="row-count">
                    {allRecords.length.toLocaleString()} shown
                    {live.rows.length ? ` (${live.rows.length} live)` : ''}
                  </span>
                  {records.next ? (
                    <button
                      type="button"
                      className="btn"
                      onClick={records.loadOlder}
                      disabled={records.loadingOlder}
                      data-testid="load-older"
                    >
                      {records.loadingOlder ? 'Loading…' : 'Load older'}
                    </button>
                  ) : (
                    <span className="muted">End of results in this range</span>
                  )}
                  {records.olderError && <span className="field-error">{records.olderError.message}</span>}
                </div>
              </>
            )}
          </section>
        </div>
      </div>
    </div>
  );
}

const LIVE_LABEL: Record<LiveStatus, string> = {
  off: 'Live tail',
  connecting: 'Connecting…',
  live: 'Live',
  paused: 'Paused (tab hidden)',
  reconnecting: 'Reconnecting…',
};

function LiveToggle({ on, status, onChange }: { on: boolean; status: LiveStatus; onChange: (v: boolean) => void }) {
  return (
    <button
      type="button"
      className={`btn live-toggle${on ? ' on' : ''} live-${status}`}
      aria-pressed={on}
      onClick={() => onChange(!on)}
      title="Stream new matching records as they arrive"
      data-testid="live-toggle"
      data-status={status}
    >
      <span className="live-dot" />
      {LIVE_LABEL[status]}
    </button>
  );
}

function NoLogsYet() {
  const auth = getToken() ? ` -H 'Authorization: Bearer <token>'` : '';
  const cmd = `curl -X POST '${window.location.origin}/api/v1/logs?service=demo'${auth} --data-binary 'hello'`;
  return (
    <EmptyState title="No logs yet" testId="empty-no-logs">
      <p>Send some:</p>
      <pre className="cmd">{cmd}</pre>
      <p className="muted">Then press Enter in the search box or click Refresh.</p>
    </EmptyState>
  );
}
