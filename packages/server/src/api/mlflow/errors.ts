import type { FastifyReply, FastifyRequest } from 'fastify';
import { StellwerkError, toStellwerkError } from '../../errors.ts';

/** A request MLflow itself would refuse as BAD_REQUEST (a body that is not JSON). */
export class MlflowBadRequest extends StellwerkError {
  constructor(detail: string) {
    super('STW_ERR_BAD_REQUEST', detail);
  }
}

/** MLflow's error code and HTTP status for each catalogued error. */
export function mlflowError(err: StellwerkError): { status: number; code: string } {
  if (err instanceof MlflowBadRequest) return { status: 400, code: 'BAD_REQUEST' };
  switch (err.code) {
    case 'STW_ERR_NOT_FOUND':
      return { status: 404, code: 'RESOURCE_DOES_NOT_EXIST' };
    case 'STW_ERR_CONFLICT':
      return { status: 400, code: 'RESOURCE_ALREADY_EXISTS' };
    case 'STW_ERR_BAD_REQUEST':
    case 'STW_ERR_INVALID_RECORD':
    case 'STW_ERR_BAD_QUERY':
    case 'STW_ERR_BAD_ENCODING':
    case 'STW_ERR_CARDINALITY':
      return { status: 400, code: 'INVALID_PARAMETER_VALUE' };
    case 'STW_ERR_BODY_TOO_LARGE':
    case 'STW_ERR_UNSUPPORTED_MEDIA_TYPE':
      return { status: err.status, code: 'BAD_REQUEST' };
    case 'STW_ERR_UNAUTHORIZED':
      return { status: 401, code: 'UNAUTHENTICATED' };
    case 'STW_ERR_FORBIDDEN':
      return { status: 403, code: 'PERMISSION_DENIED' };
    case 'STW_ERR_OVERLOADED':
      return { status: 429, code: 'REQUEST_LIMIT_EXCEEDED' };
    // MLflow's clients retry 503 with backoff; a full disk is worth waiting out too.
    case 'STW_ERR_STORE_UNAVAILABLE':
    case 'STW_ERR_QUERY_TIMEOUT':
    case 'STW_ERR_DISK_FULL':
      return { status: 503, code: 'TEMPORARILY_UNAVAILABLE' };
    default:
      return { status: 500, code: 'INTERNAL_ERROR' };
  }
}

/** Renders errors as MLflow's server does: `{error_code, message}` with MLflow's statuses. */
export function mlflowErrorHandler(thrown: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const err = toStellwerkError(thrown);
  if (err.code === 'STW_ERR_INTERNAL') req.log.error({ err: thrown, cause: err.cause }, err.detail);
  else if (err.status >= 500) req.log.warn({ code: err.code, url: req.url }, err.detail);
  const { status, code } = mlflowError(err);
  if (err.extra.retryAfterSec !== undefined) reply.header('retry-after', String(err.extra.retryAfterSec));
  if (status === 401) reply.header('www-authenticate', 'Basic realm="stellwerk"');
  return reply.status(status).type('application/json').send({ error_code: code, message: err.detail });
}
