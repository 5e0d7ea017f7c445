import { ApiError } from '../../shared/api/client.ts';

/** The server rejects a filter or order it cannot parse with a 400; returns its own words. */
export function filterError(err: Error | undefined): string | undefined {
  if (err instanceof ApiError && err.status === 400) return err.problem?.detail || err.message;
  return undefined;
}
