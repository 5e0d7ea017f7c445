import type { FastifyReply, FastifyRequest } from 'fastify';
import { toStellwerkError } from '../../errors.ts';

/** InfluxDB 2.x error codes by HTTP status; its clients show `message` and branch on status. */
const V2_CODES: Record<number, string> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not found',
  413: 'request too large',
  415: 'unsupported media type',
  429: 'too many requests',
  503: 'unavailable',
};

/**
 * Renders errors as InfluxDB does: v1 `{"error":"..."}` (plus the X-Influxdb-Error header),
 * v2 `{"code":"invalid","message":"..."}`. Clients retry 429 and 5xx, honouring Retry-After.
 */
export function influxErrorHandler(thrown: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const err = toStellwerkError(thrown);
  if (err.code === 'STW_ERR_INTERNAL') req.log.error({ err: thrown }, err.detail);
  else if (err.status >= 500) req.log.warn({ code: err.code, url: req.url }, err.detail);
  let retryAfter = err.extra.retryAfterSec;
  // Both clients back off on their own without the header, but a hint keeps them from hammering.
  if (retryAfter === undefined && (err.status === 429 || err.status === 503)) retryAfter = 1;
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  reply.type('application/json');
  if (req.url.startsWith('/api/v2/')) {
    const code = V2_CODES[err.status] ?? (err.status >= 500 ? 'internal error' : 'invalid');
    if (err.status === 401) reply.header('www-authenticate', 'Token realm="stellwerk"');
    return reply.status(err.status).send({ code, message: err.detail });
  }
  reply.header('x-influxdb-version', '1.8.10');
  // Header values must be printable Latin-1 on one line; the body keeps the full message.
  reply.header('x-influxdb-error', err.detail.replace(/[^\x20-\x7e]+/g, '?').slice(0, 1000));
  if (err.status === 401) reply.header('www-authenticate', 'Basic realm="stellwerk"');
  return reply.status(err.status).send({ error: err.detail });
}
