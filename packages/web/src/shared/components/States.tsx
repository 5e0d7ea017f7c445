import type { ReactNode } from 'react';
import { ApiError } from '../api/client.ts';

export function EmptyState({ title, children, testId }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId}>
      <div className="empty-title">{title}</div>
      {children && <div className="empty-body">{children}</div>}
    </div>
  );
}

/** One wording for failures across pages; says what the user can do about each kind. */
export function ErrorState({ error, retrying, onRetry }: { error: Error; retrying?: boolean; onRetry?: () => void }) {
  let title = 'Something went wrong';
  let hint: ReactNode = error.message;
  if (retrying) {
    title =
      error instanceof ApiError && error.status === 503
        ? 'The store is restarting, retrying…'
        : 'Cannot reach the server, retrying…';
    hint = error instanceof ApiError ? error.message : 'Check that Stellwerk is running.';
  } else if (error instanceof ApiError && error.status === 401) {
    title = 'An API token is required';
    hint = 'Reload the page to enter one.';
  } else if (error instanceof ApiError && error.status === 403) {
    title = 'Your token may not read this';
    hint = error.message;
  }
  return (
    <div className={`error-state${retrying ? ' retrying' : ''}`} role="alert" data-testid="error-message">
      <div className="error-title">{title}</div>
      <div className="error-body">{hint}</div>
      {onRetry && !retrying && (
        <button type="button" className="btn" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
