import type { RunStatus } from '@stellwerk/contracts';

/** Status colours, shared by badges and the pipeline timeline. */
export const STATUS_COLORS: Record<RunStatus, string> = {
  RUNNING: '#1f5fbf',
  SCHEDULED: '#8da2bd',
  FINISHED: '#1f9d55',
  FAILED: '#d64545',
  KILLED: '#d39a14',
};

export function StatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={`badge run-status st-${status.toLowerCase()}`} data-testid="run-status" data-status={status}>
      {status === 'RUNNING' && <span className="run-pulse" aria-hidden="true" />}
      {status.toLowerCase()}
    </span>
  );
}
