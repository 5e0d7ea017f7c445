import type { ResourceVerdict } from '@stellwerk/contracts';
import { barLayout, FLAG_COLORS, FLAG_LABELS, formatResource, type ResourceKind } from '../rightsizing.ts';

/**
 * One resource of one step as a bar: the track up to the limit is what the step had, the
 * solid bar its p50, the lighter bar its p95, the tick its peak, the dashed line the
 * suggested request. Coloured by the flag so a glance finds the steps to change.
 */
export function ResourceBar({ kind, verdict }: { kind: ResourceKind; verdict: ResourceVerdict }) {
  const l = barLayout(verdict);
  const color = FLAG_COLORS[verdict.flag];
  const f = (v: number | null) => formatResource(kind, v);
  const summary =
    `p50 ${f(verdict.p50)}, p95 ${f(verdict.p95)}, max ${f(verdict.max)}` +
    (verdict.limit === null ? ', no limit recorded' : ` of ${f(verdict.limit)}`);
  return (
    <div className="rs-cell" data-testid="rs-resource" data-resource={kind} data-flag={verdict.flag}>
      <div className="rs-cell-head">
        <span
          className={`badge rs-flag rs-${verdict.flag}`}
          style={{ backgroundColor: color }}
          data-testid="rs-flag"
          data-flag={verdict.flag}
        >
          {FLAG_LABELS[verdict.flag]}
        </span>
        {verdict.suggestion !== null && (
          <span className="rs-suggestion" data-testid="rs-suggestion">
            → request {f(verdict.suggestion)}
          </span>
        )}
        <span className="muted small rs-values">
          {f(verdict.p95)} p95 / {verdict.limit === null ? 'no limit' : `${f(verdict.limit)} limit`}
        </span>
      </div>
      <div
        className={`rs-bar${l.limit === null ? ' rs-nolimit' : ''}`}
        role="img"
        aria-label={`${kind === 'cpu' ? 'CPU' : 'Memory'}: ${summary}`}
        title={summary}
      >
        {l.limit !== null && <div className="rs-track" style={{ width: `${l.limit}%` }} data-testid="rs-limit" />}
        <div
          className="rs-p95"
          style={{ width: `${l.p95}%`, backgroundColor: color }}
          data-testid="rs-p95"
          data-pct={l.p95.toFixed(1)}
        />
        <div
          className="rs-p50"
          style={{ width: `${l.p50}%`, backgroundColor: color }}
          data-testid="rs-p50"
          data-pct={l.p50.toFixed(1)}
        />
        <div className="rs-max" style={{ left: `${l.max}%` }} data-testid="rs-max" data-pct={l.max.toFixed(1)} />
        {l.limit !== null && <div className="rs-limit-line" style={{ left: `${l.limit}%` }} />}
        {l.suggestion !== null && (
          <div className="rs-suggest-line" style={{ left: `${l.suggestion}%` }} data-testid="rs-suggestion-mark" />
        )}
      </div>
      <div className="muted small rs-reason" data-testid="rs-reason">
        {verdict.reason}
      </div>
    </div>
  );
}
