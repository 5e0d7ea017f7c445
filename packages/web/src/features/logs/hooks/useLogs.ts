import type { LogRecordView } from '@stellwerk/contracts';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { isAbort, isRetryable } from '../../../shared/api/client.ts';
import { useApi } from '../../../shared/api/useApi.ts';
import { setSearchParams, useSearch } from '../../../shared/router/router.tsx';
import { useTime } from '../../../shared/time/TimeContext.tsx';
import { useDocumentVisible } from '../../../shared/useDocumentVisible.ts';
import { fetchFacet, fetchHistogram, searchLogs, storeIsEmpty, streamTail } from '../api/logsApi.ts';

/** The query lives in the URL (`?q=`) so a search can be shared as a link. */
export function useLogQuery(): [string, (q: string) => void] {
  const search = useSearch();
  const q = useMemo(() => new URLSearchParams(search).get('q') ?? '', [search]);
  const { refreshNow } = useTime();
  const setQ = useCallback(
    (next: string) => {
      setSearchParams({ q: next.trim() || null });
      // Re-submitting the same query is a refresh: relative ranges move to "now".
      refreshNow();
    },
    [refreshNow],
  );
  return [q, setQ];
}

export function useHistogram(query: string) {
  const { abs, tick } = useTime();
  return useApi((signal) => fetchHistogram({ query, range: abs, buckets: 80 }, signal), [query, abs, tick]);
}

export function useFacet(query: string, field: string) {
  const { abs, tick } = useTime();
  return useApi((signal) => fetchFacet({ query, range: abs, field, limit: 10 }, signal), [query, abs, tick, field]);
}

/**
 * The newest page of matches plus older pages the user loaded with "Load older". A new query,
 * range or refresh starts over from the newest page.
 */
export function useLogRecords(query: string) {
  const { abs, tick } = useTime();
  const first = useApi(
    async (signal) => {
      const page = await searchLogs({ query, range: abs, limit: 100 }, signal);
      // No matches may mean nothing was ever ingested; that deserves different advice.
      const emptyStore = page.records.length === 0 && (await storeIsEmpty(signal));
      return { ...page, emptyStore };
    },
    [query, abs, tick],
  );

  const [older, setOlder] = useState<{ records: LogRecordView[]; next: string | null } | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<Error | undefined>();
  const olderCtrl = useRef<AbortController | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new first page invalidates older pages
  useEffect(() => {
    olderCtrl.current?.abort();
    setOlder(null);
    setOlderError(undefined);
    setLoadingOlder(false);
  }, [first.data]);

  const next = older ? older.next : (first.data?.next ?? null);
  const loadOlder = useCallback(async () => {
    if (!next) return;
    const ctrl = new AbortController();
    olderCtrl.current = ctrl;
    setLoadingOlder(true);
    setOlderError(undefined);
    for (let attempt = 0; ; attempt++) {
      try {
        const page = await searchLogs({ query, range: abs, limit: 100, cursor: next }, ctrl.signal);
        setOlder((o) => ({ records: [...(o?.records ?? []), ...page.records], next: page.next }));
        break;
      } catch (err) {
        if (isAbort(err) || ctrl.signal.aborted) return;
        if (isRetryable(err) && attempt < 5) {
          await new Promise((r) => setTimeout(r, 1000 * 2 ** attempt));
          continue;
        }
        setOlderError(err instanceof Error ? err : new Error(String(err)));
        break;
      }
    }
    setLoadingOlder(false);
  }, [next, query, abs]);

  const records = useMemo(() => [...(first.data?.records ?? []), ...(older?.records ?? [])], [first.data, older]);
  return { ...first, records, next, loadOlder, loadingOlder, olderError };
}

export type LiveStatus = 'off' | 'connecting' | 'live' | 'paused' | 'reconnecting';

/** Caps memory when a busy stream runs for hours; older rows stay reachable through search. */
export const LIVE_CAP = 1000;

/**
 * Live tail: while `on`, records matching `query` arrive newest-first. Pauses while the tab is
 * hidden (the stream is closed, not buffered) and reconnects with backoff if it drops.
 */
export function useLiveTail(query: string, on: boolean) {
  const visible = useDocumentVisible();
  const [rows, setRows] = useState<LogRecordView[]>([]);
  const [status, setStatus] = useState<LiveStatus>('off');
  const [error, setError] = useState<Error | undefined>();
  /** The server's in-stream complaint (store not answering); cleared by the next record. */
  const [notice, setNotice] = useState<string | undefined>();

  // A new query or switching live off starts a fresh list.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on purpose when these change
  useEffect(() => setRows([]), [query, on]);

  useEffect(() => {
    setNotice(undefined);
    if (!on) {
      setStatus('off');
      return;
    }
    if (!visible) {
      setStatus('paused');
      return;
    }
    const ctrl = new AbortController();
    let pending: LogRecordView[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    // Batch renders: a busy stream can deliver hundreds of records a second.
    const flush = () => {
      flushTimer = undefined;
      const batch = pending.reverse();
      pending = [];
      setRows((r) => [...batch, ...r].slice(0, LIVE_CAP));
    };
    let attempt = 0;
    const connect = () => {
      setStatus(attempt === 0 ? 'connecting' : 'reconnecting');
      streamTail(
        query,
        ctrl.signal,
        (rec) => {
          pending.push(rec);
          flushTimer ??= setTimeout(flush, 150);
          setNotice(undefined);
        },
        () => {
          attempt = 0;
          setError(undefined);
          setStatus('live');
        },
        (detail) => setNotice(detail || 'The store is not answering; the tail retries.'),
      ).then(
        () => retry(),
        (err: unknown) => {
          if (ctrl.signal.aborted || isAbort(err)) return;
          const e = err instanceof Error ? err : new Error(String(err));
          if (!isRetryable(e)) {
            setError(e);
            setStatus('off');
            return;
          }
          retry();
        },
      );
    };
    const retry = () => {
      if (ctrl.signal.aborted) return;
      attempt++;
      setStatus('reconnecting');
      retryTimer = setTimeout(connect, Math.min(1000 * 2 ** (attempt - 1), 15_000));
    };
    connect();
    return () => {
      ctrl.abort();
      clearTimeout(flushTimer);
      clearTimeout(retryTimer);
      if (pending.length) flush();
    };
  }, [query, on, visible]);

  return { rows, status, error, notice };
}
