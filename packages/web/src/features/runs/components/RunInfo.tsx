import type { Run } from '@stellwerk/contracts';
import type { ReactNode } from 'react';
import { Link } from '../../../shared/router/router.tsx';
import { formatShort } from '../../../shared/time/range.ts';
import { formatRunDuration, runDurationMs } from '../format.ts';
import { pipelinePath, runLogsPath, runPath } from '../paths.ts';

/** Where a run came from and how it ended. */
export function RunInfo({ run }: { run: Run }) {
  const rows: Array<[string, ReactNode, string]> = [
    ['Kind', run.kind, 'kind'],
    ['Started', formatShort(run.startTimeMs), 'start'],
    ['Ended', run.endTimeMs ? formatShort(run.endTimeMs) : run.status === 'RUNNING' ? 'still running' : '–', 'end'],
    ['Duration', formatRunDuration(runDurationMs(run)), 'duration'],
    ['Exit code', run.exitCode === null ? '–' : String(run.exitCode), 'exit-code'],
    ['User', run.user || '–', 'user'],
    ['Host', run.host || '–', 'host'],
    [
      'Command',
      run.command ? (
        <code key="command" className="run-command">
          {run.command}
        </code>
      ) : (
        '–'
      ),
      'command',
    ],
    [
      'Git commit',
      run.gitCommit ? (
        <span key="git" className="mono" title={run.gitCommit}>
          {run.gitCommit.slice(0, 12)}
        </span>
      ) : (
        '–'
      ),
      'git',
    ],
  ];
  const logsTo = run.endTimeMs ?? Date.now();
  return (
    <section className="panel run-info" data-testid="run-info">
      <header className="panel-head">
        <span>Run</span>
        <Link className="right" href={runLogsPath(run.runId, run.startTimeMs, logsTo)} data-testid="run-logs-link">
          Logs in explorer
        </Link>
      </header>
      <dl className="kv run-kv">
        {rows.map(([label, value, id]) => (
          <div key={id}>
            <dt>{label}</dt>
            <dd data-testid={`info-${id}`}>{value}</dd>
          </div>
        ))}
        {run.parentRunId && (
          <div>
            <dt>Pipeline</dt>
            <dd>
              <Link href={pipelinePath(run.parentRunId)} data-testid="info-parent">
                steps of {run.parentRunId.slice(0, 8)}
              </Link>{' '}
              · <Link href={runPath(run.parentRunId)}>pipeline run</Link>
            </dd>
          </div>
        )}
        {run.kind === 'pipeline' && (
          <div>
            <dt>Steps</dt>
            <dd>
              <Link href={pipelinePath(run.runId)} data-testid="info-pipeline">
                timeline of this pipeline’s steps
              </Link>
            </dd>
          </div>
        )}
        {run.inputs.length > 0 && (
          <div>
            <dt>Inputs</dt>
            <dd>{run.inputs.map((i) => i.name || i.digest).join(', ')}</dd>
          </div>
        )}
      </dl>
    </section>
  );
}
