import { ApiError } from '../../../shared/api/client.ts';

/** The server rejects unparsable queries with 400 STW_ERR_BAD_QUERY; returns its explanation. */
export function badQuery(err: Error | undefined): string | undefined {
  if (err instanceof ApiError && (err.code === 'STW_ERR_BAD_QUERY' || (err.status === 400 && !err.code))) {
    return err.problem?.detail || err.message;
  }
  return undefined;
}
