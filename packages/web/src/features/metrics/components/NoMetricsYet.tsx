import { getToken } from '../../../shared/api/token.ts';
import { EmptyState } from '../../../shared/components/States.tsx';

/** First-run help: the two quickest ways to get samples in, with this server's real origin. */
export function NoMetricsYet() {
  const origin = window.location.origin;
  const token = getToken();
  const auth = token ? ` -H 'Authorization: Bearer <token>'` : '';
  const now = '$(date +%s%3N)';
  const curl = `curl -X POST '${origin}/write?db=demo&precision=ms'${auth} \\\n  --data-binary "cpu,host=web-1,region=eu usage_user=12.5,usage_system=3 ${now}"`;
  const yml = [
    'remote_write:',
    `  - url: ${origin}/api/v1/write`,
    ...(token ? ['    authorization:', '      credentials: <token>'] : []),
  ].join('\n');
  return (
    <EmptyState title="No metrics yet" testId="empty-no-metrics">
      <p>Send a sample with InfluxDB line protocol:</p>
      <pre className="cmd" data-testid="empty-curl">
        {curl}
      </pre>
      <p>
        It appears as{' '}
        <span className="mono">
          cpu_usage_user{'{'}host="web-1", region="eu"{'}'}
        </span>{' '}
        and <span className="mono">cpu_usage_system{'{…}'}</span>.
      </p>
      <p>Or point Prometheus at Stellwerk in prometheus.yml:</p>
      <pre className="cmd" data-testid="empty-remote-write">
        {yml}
      </pre>
      <p className="muted">This page checks again on every refresh.</p>
    </EmptyState>
  );
}
