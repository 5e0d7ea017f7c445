/**
 * Errors in Prometheus' own vocabulary, so the HTTP API can answer with its error shape
 * (`errorType` bad_data → 400, execution → 422, timeout/unavailable → 503).
 */
export type PromErrorType = 'bad_data' | 'execution' | 'timeout' | 'unavailable' | 'internal';

export class PromqlError extends Error {
  constructor(
    readonly errorType: PromErrorType,
    message: string,
  ) {
    super(message);
  }
}

export const badData = (msg: string) => new PromqlError('bad_data', msg);
export const execError = (msg: string) => new PromqlError('execution', msg);
