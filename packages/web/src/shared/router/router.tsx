import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from 'react';

/**
 * A small history router. The server answers unknown paths with index.html, so deep links
 * such as /logs?q=level:error&from=now-1h work; all page state that matters for sharing
 * (time range, query) lives in the query string.
 */
const listeners = new Set<() => void>();
const notify = () => {
  for (const l of listeners) l();
};
window.addEventListener('popstate', notify);

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

const getPath = () => window.location.pathname;
const getSearch = () => window.location.search;

export function usePath(): string {
  return useSyncExternalStore(subscribe, getPath);
}

/** The raw query string; parse with URLSearchParams where needed (keeps the snapshot stable). */
export function useSearch(): string {
  return useSyncExternalStore(subscribe, getSearch);
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const current = window.location.pathname + window.location.search;
  if (to === current) return;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  notify();
}

/** Updates some query-string parameters, keeping the others; `null` removes one. */
export function setSearchParams(
  patch: Record<string, string | null | undefined>,
  opts: { replace?: boolean; path?: string } = {},
): void {
  const sp = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === '') sp.delete(k);
    else sp.set(k, v);
  }
  const s = sp.toString();
  navigate(`${opts.path ?? window.location.pathname}${s ? `?${s}` : ''}`, opts);
}

export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    // Let the browser handle new-tab clicks and modified clicks.
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={handle} {...rest} />;
}
