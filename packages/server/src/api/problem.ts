import { ERRORS, type Problem } from '@stellwerk/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { StellwerkError } from '../errors.ts';

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

/** Renders an error as RFC 9457 problem+json, the native API's error shape. */
export function sendProblem(req: FastifyRequest, reply: FastifyReply, thrown: unknown): FastifyReply {
  const err = toStellwerkError(thrown);
  // Conditions the operator must act on (store down, disk full) are warnings, not bugs.
  if (err.code === 'STW_ERR_INTERNAL') req.log.error({ err: thrown, cause: err.cause }, err.detail);
  else if (err.status >= 500) req.log.warn({ code: err.code, url: req.url }, err.detail);
  const { retryAfterSec, ...extra } = err.extra;
  const body: Problem = {
    type: `https://stellwerk.dev/errors/${err.code}`,
    title: ERRORS[err.code].title,
    status: err.status,
    code: err.code,
    detail: err.detail,
    instance: req.url,
    ...extra,
  };
  if (retryAfterSec !== undefined) reply.header('retry-after', String(retryAfterSec));
  if (err.status === 401) reply.header('www-authenticate', 'Bearer realm="stellwerk"');
  return reply.status(err.status).type('application/problem+json').send(body);
}
