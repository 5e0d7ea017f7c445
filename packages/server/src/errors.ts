import { ERRORS, type ErrorCode } from '@stellwerk/contracts';

/**
 * An error a client may see. Every layer throws these; the API renders them (problem+json
 * natively, each compatible protocol in its own shape). Engine errors never leak as such.
 */
export class StellwerkError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: {
      errors?: Array<{ line?: number; field?: string; reason: string }>;
      retryAfterSec?: number;
      [key: string]: unknown;
    } = {},
  ) {
    super(detail);
    this.status = ERRORS[code].status;
  }
}

export function isStellwerkError(err: unknown): err is StellwerkError {
  return err instanceof StellwerkError;
}
