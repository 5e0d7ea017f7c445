import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import { isAbort, isRetryable } from './client.ts';

export interface ApiState<T> {
  data: T | undefined;
  error: Error | undefined;
  /** A request is in flight (the previous data stays visible meanwhile). */
  loading: boolean;
  /** The last attempt failed with a transient error and another attempt is scheduled. */
  retrying: boolean;
  reload: () => void;
}

/**
 * Runs `fetcher` whenever `deps` change, aborting the previous request. Transient failures
 * (503 while the store restarts, network drops) retry with backoff; other errors stop and
 * clear the data so stale results are never shown as the answer to a new question.
 */
export function useApi<T>(
  fetcher: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
  enabled = true,
): ApiState<T> {
  const [state, setState] = useState<Omit<ApiState<T>, 'reload'>>({
    data: undefined,
    error: undefined,
    loading: enabled,
    retrying: false,
  });
  const [nonce, setNonce] = useState(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;

  // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's; fetcher is read through a ref
  useEffect(() => {
    if (!enabled) return;
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    const run = () => {
      setState((s) => ({ ...s, loading: true }));
      fetcherRef.current(ctrl.signal).then(
        (data) => {
          if (!ctrl.signal.aborted) setState({ data, error: undefined, loading: false, retrying: false });
        },
        (error: unknown) => {
          if (ctrl.signal.aborted || isAbort(error)) return;
          const err = error instanceof Error ? error : new Error(String(error));
          if (isRetryable(err)) {
            attempt++;
            setState((s) => ({ ...s, error: err, loading: false, retrying: true }));
            timer = setTimeout(run, Math.min(1000 * 2 ** (attempt - 1), 10_000));
            return;
          }
          setState({ data: undefined, error: err, loading: false, retrying: false });
        },
      );
    };
    run();
    return () => {
      ctrl.abort();
      clearTimeout(timer);
    };
  }, [...deps, enabled, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { ...state, reload };
}
