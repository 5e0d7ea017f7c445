import type { RightsizingRow, RightsizingRules } from '@stellwerk/contracts';
import { Fragment } from 'react';
import { groupByPipeline } from '../rightsizing.ts';
import { ResourceBar } from './ResourceBar.tsx';

/** One row per step × host with its CPU and memory bars; grouped by pipeline when asked. */
export function RightsizingTable({
  rows,
  rules,
  grouped = false,
}: {
  rows: RightsizingRow[];
  rules: RightsizingRules;
  grouped?: boolean;
}) {
  const groups = grouped ? groupByPipeline(rows) : [{ pipeline: '', rows }];
  return (
    <div className="rs-table" data-testid="rs-table">
      <div className="rs-row rs-head muted small" aria-hidden="true">
        <div>step · host</div>
        <div>CPU (cores)</div>
        <div>memory (RSS)</div>
      </div>
      {groups.map((g) => (
        <Fragment key={g.pipeline}>
          {grouped && (
            <div className="rs-group" data-testid="rs-group" data-pipeline={g.pipeline}>
              {g.pipeline ? (
                <>
                  pipeline <span className="mono">{g.pipeline}</span>
                </>
              ) : (
                'runs outside pipelines'
              )}
            </div>
          )}
          {g.rows.map((r) => (
            <div
              key={`${r.step}\u0000${r.host}`}
              className="rs-row"
              data-testid="rs-row"
              data-step={r.step}
              data-host={r.host}
            >
              <div className="rs-step">
                <div className="rs-step-name ellipsis" title={r.step}>
                  {r.step || '(unnamed)'}
                </div>
                <div className="muted small ellipsis" title={r.host}>
                  {r.host || 'unknown host'}
                </div>
                <div className="muted small">
                  {r.runs} {r.runs === 1 ? 'run' : 'runs'} · {r.samples} samples
                </div>
              </div>
              <ResourceBar kind="cpu" verdict={r.cpu} />
              <ResourceBar kind="memory" verdict={r.memory} />
            </div>
          ))}
        </Fragment>
      ))}
      <BarLegend rules={rules} />
    </div>
  );
}

const pct = (share: number) => `${Math.round(share * 100)} %`;

function BarLegend({ rules }: { rules: RightsizingRules }) {
  return (
    <div className="rs-legend muted small" data-testid="rs-legend">
      <span>
        <i className="rs-key rs-key-track" /> limit (what the step had)
      </span>
      <span>
        <i className="rs-key rs-key-p50" /> p50
      </span>
      <span>
        <i className="rs-key rs-key-p95" /> p95
      </span>
      <span>
        <i className="rs-key rs-key-max" /> peak
      </span>
      <span>
        <i className="rs-key rs-key-suggest" /> suggested request
      </span>
      <span data-testid="rs-rules">
        memory is under-provisioned when its peak is above {pct(rules.memoryUnderAbove)} of the limit, over when p95 is
        below {pct(rules.memoryOverBelow)}; CPU when p95 is above {pct(rules.cpuUnderAbove)} or below{' '}
        {pct(rules.cpuOverBelow)} of the cores
      </span>
    </div>
  );
}
