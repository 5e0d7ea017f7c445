import { useMemo } from 'react';
import { useApi } from '../../../shared/api/useApi.ts';
import { ErrorState } from '../../../shared/components/States.tsx';
import { Link } from '../../../shared/router/router.tsx';
import { useTime } from '../../../shared/time/TimeContext.tsx';
import { fetchHistogram, LogHistogram } from '../../logs/index.ts';
import { fetchHealth, fetchRetention } from '../api/overviewApi.ts';

const HOUR = 3_600_000;

export function OverviewPage() {
  // Follows the refresh ticks of the top bar, but always shows the last hour.
  const { tick } = useTime();
  const health = useApi((s) => fetchHealth(s), [tick]);
  const retention = useApi((s) => fetchRetention(s), [tick]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick moves "now"
  const range = useMemo(() => ({ toMs: Date.now(), fromMs: Date.now() - HOUR }), [tick]);
  const volume = useApi((s) => fetchHistogram({ query: '', range, buckets: 60 }, s), [range]);
  const total = volume.data?.meta?.total as number | undefined;

  const details = health.data
    ? Object.entries(health.data).filter(([k, v]) => k !== 'status' && (typeof v !== 'object' || v === null))
    : [];

  return (
    <div className="overview">
      <h1 className="page-title">Overview</h1>
      <div className="cards">
        <section className="card" data-testid="overview-health">
          <h2>Server health</h2>
          {health.error ? (
            <ErrorState error={health.error} retrying={health.retrying} onRetry={health.reload} />
          ) : health.data ? (
            <>
              <div className={`status-pill ${health.data.status === 'ok' ? 'ok' : 'bad'}`}>
                {health.data.status === 'ok' ? 'Healthy' : health.data.status}
              </div>
              {details.length > 0 && (
                <dl className="kv">
                  {details.map(([k, v]) => (
                    <div key={k}>
                      <dt>{k}</dt>
                      <dd className="mono">{String(v)}</dd>
                    </div>
                  ))}
                </dl>
              )}
            </>
          ) : (
            <div className="muted">Checking…</div>
          )}
        </section>

        <section className="card" data-testid="overview-retention">
          <h2>Retention</h2>
          {retention.error ? (
            <ErrorState error={retention.error} retrying={retention.retrying} onRetry={retention.reload} />
          ) : retention.data ? (
            <dl className="kv">
              {Object.entries(retention.data)
                .filter((e): e is [string, string] => typeof e[1] === 'string')
                .map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd className="mono" data-testid={`retention-${k}`}>
                      {v}
                      {!sameDuration(retention.data?.applied?.[k], v) && (
                        <span className="muted"> (the store still enforces {retention.data?.applied?.[k]})</span>
                      )}
                    </dd>
                  </div>
                ))}
            </dl>
          ) : (
            <div className="muted">Loading…</div>
          )}
          <p className="muted small">Data older than this is deleted by the store.</p>
        </section>

        <section className="card wide" data-testid="overview-volume">
          <h2>
            Log volume, last hour
            <span className="card-figure" data-testid="overview-volume-total">
              {total === undefined ? '' : total.toLocaleString()}
            </span>
            <Link className="card-link" href="/logs?from=now-1h&to=now">
              Explore logs →
            </Link>
          </h2>
          {volume.error && !volume.data ? (
            <ErrorState error={volume.error} retrying={volume.retrying} onRetry={volume.reload} />
          ) : (
            <LogHistogram
              frame={volume.data}
              fromMs={range.fromMs}
              toMs={range.toMs}
              height={110}
              testId="overview-histogram"
            />
          )}
        </section>
      </div>
    </div>
  );
}

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** '30d' vs '2592000s': the same retention written differently is not worth a warning. */
function sameDuration(applied: string | null | undefined, configured: string): boolean {
  if (!applied) return true;
  const secs = (d: string) => {
    const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(d);
    return m?.[1] && m[2] ? Number(m[1]) * (UNIT_S[m[2]] ?? Number.NaN) : Number.NaN;
  };
  return secs(applied) === secs(configured);
}
