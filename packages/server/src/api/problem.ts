import { ERRORS, type Problem } from '@stellwerk/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toStellwerkError } from '../errors.ts';

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
