import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { getJson } from '../shared/api/client.ts';
import { getToken, requestToken, setToken, subscribeToken } from '../shared/api/token.ts';
import { RefreshPicker, TimeRangePicker } from '../shared/components/TimeRangePicker.tsx';
import { TokenModal } from '../shared/components/TokenModal.tsx';
import { Link, usePath, useSearch } from '../shared/router/router.tsx';
import { TimeProvider } from '../shared/time/TimeContext.tsx';
import { ROUTES } from './routes.tsx';

interface Session {
  authRequired: boolean;
  scopes: string[];
}

/** Params that follow the user from page to page: the time range and refresh setting. */
const CARRIED = ['from', 'to', 'refresh'];

export function App() {
  const path = usePath();
  const search = useSearch();
  const route = ROUTES.find((r) => r.path === path || (r.path !== '/' && path.startsWith(`${r.path}/`)));
  const carried = useMemo(() => {
    const sp = new URLSearchParams(search);
    const out = new URLSearchParams();
    for (const k of CARRIED) {
      const v = sp.get(k);
      if (v) out.set(k, v);
    }
    const s = out.toString();
    return s ? `?${s}` : '';
  }, [search]);

  // Ask for a token up front when the server needs one, instead of after the first failure.
  useEffect(() => {
    const ctrl = new AbortController();
    getJson<Session>('/api/v1/session', ctrl.signal)
      .then((s) => {
        // scopes is empty when our stored token (if any) was not accepted.
        if (s.authRequired && s.scopes.length === 0) requestToken(getToken() ? 'rejected' : 'required').catch(() => {});
      })
      .catch(() => {}); // pages show their own errors
    return () => ctrl.abort();
  }, []);

  useEffect(() => {
    document.title = route ? `${route.label} · Stellwerk` : 'Stellwerk';
  }, [route]);

  return (
    <TimeProvider>
      <div className="shell">
        <nav className="sidenav" aria-label="Main">
          <Link href={`/${carried}`} className="brand">
            <span className="brand-mark" aria-hidden="true" />
            Stellwerk
          </Link>
          <ul>
            {ROUTES.map((r) => (
              <li key={r.path}>
                <Link
                  href={`${r.path}${carried}`}
                  className={`navlink${r === route ? ' active' : ''}`}
                  aria-current={r === route ? 'page' : undefined}
                  data-testid={`nav-${r.label.toLowerCase()}`}
                >
                  {r.icon}
                  {r.label}
                </Link>
              </li>
            ))}
          </ul>
          <TokenStatus />
        </nav>
        <div className="main">
          <header className="topbar">
            <div className="topbar-title">{route?.label ?? 'Not found'}</div>
            <div className="topbar-tools">
              {route?.timeRange && <TimeRangePicker />}
              {route && (route.timeRange || route.path === '/') && <RefreshPicker />}
            </div>
          </header>
          <main className="content">
            {route ? (
              route.render()
            ) : (
              <div className="placeholder">
                <h1 className="page-title">Page not found</h1>
                <p>
                  There is no page at <span className="mono">{path}</span>. <Link href="/">Go to the overview</Link>.
                </p>
              </div>
            )}
          </main>
        </div>
      </div>
      <TokenModal />
    </TimeProvider>
  );
}

function TokenStatus() {
  const token = useSyncExternalStore(subscribeToken, getToken);
  if (!token) return null;
  return (
    <div className="token-status">
      <span className="muted">API token set</span>
      <button type="button" className="link-btn" onClick={() => setToken(null)}>
        Forget
      </button>
    </div>
  );
}
