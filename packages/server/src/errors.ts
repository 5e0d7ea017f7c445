import { ERRORS, type ErrorCode } from '@stellwerk/contracts';
import type { FastifyError } from 'fastify';

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

/** Turns anything thrown into a catalogued error; Fastify's own errors keep their meaning. */
export function toStellwerkError(err: unknown): StellwerkError {
  if (err instanceof StellwerkError) return err;
  const fe = err as FastifyError;
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new StellwerkError('STW_ERR_BODY_TOO_LARGE', `${fe.message}; split the batch into smaller requests.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new StellwerkError('STW_ERR_UNSUPPORTED_MEDIA_TYPE', fe.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new StellwerkError('STW_ERR_BAD_REQUEST', fe.message);
    case 'FST_ERR_VALIDATION':
      return new StellwerkError('STW_ERR_BAD_REQUEST', fe.message);
  }
  if (fe?.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new StellwerkError('STW_ERR_BAD_REQUEST', fe.message);
  }
  return new StellwerkError('STW_ERR_INTERNAL', 'Internal error; the server log has the details.');
}
