import type { FastifyInstance } from 'fastify';
import { StellwerkError } from '../errors.ts';
import { parseTimeInput } from '../query/log-query-parser.ts';
import type { LogSearch } from '../query/log-search.ts';
import type { TimeRange } from '../store/logs-repository.ts';

const MAX_LIMIT = 1000;
const TAIL_POLL_MS = 1000;
const KEEPALIVE_MS = 15_000;

interface LogsQuery {
  query?: string;
  from?: string;
  to?: string;
  limit?: string;
  cursor?: string;
  buckets?: string;
  field?: string;
}

/** The native logs read API: search, histogram, facets, fields and live tail. */
export async function logsRoutes(app: FastifyInstance, options: { search: LogSearch }): Promise<void> {
  const { search } = options;
  // Open tails end when the server closes; otherwise close would wait on them forever.
  let shuttingDown = false;
  const wakeTails = new Set<() => void>();
  app.addHook('preClose', async () => {
    shuttingDown = true;
    for (const wake of wakeTails) wake();
  });

  app.get<{ Querystring: LogsQuery }>('/api/v1/logs', { config: { scope: 'read' } }, async (req) => {
    const range = rangeOf(req.query);
    const limit = intParam(req.query.limit, 'limit', 100, 1, MAX_LIMIT);
    return search.search(req.query.query ?? '', range, limit, req.query.cursor || undefined);
  });

  app.get<{ Querystring: LogsQuery }>('/api/v1/logs/histogram', { config: { scope: 'read' } }, async (req) => {
    const buckets = intParam(req.query.buckets, 'buckets', 60, 1, 1000);
    return search.histogram(req.query.query ?? '', rangeOf(req.query), buckets);
  });

  app.get<{ Querystring: LogsQuery }>('/api/v1/logs/facets', { config: { scope: 'read' } }, async (req) => {
    const field = req.query.field;
    if (!field) throw new StellwerkError('STW_ERR_BAD_REQUEST', 'Name the field to count values of: `field=level`.');
    const limit = intParam(req.query.limit, 'limit', 10, 1, 100);
    return search.facet(req.query.query ?? '', rangeOf(req.query), field, limit);
  });

  app.get<{ Querystring: LogsQuery }>('/api/v1/logs/fields', { config: { scope: 'read' } }, async (req) => {
    return { fields: await search.fields(rangeOf(req.query)) };
  });

  // Live tail as Server-Sent Events: records matching the query as they arrive.
  app.get<{ Querystring: LogsQuery }>('/api/v1/logs/tail', { config: { scope: 'read' } }, async (req, reply) => {
    const condition = search.compile(req.query.query ?? '');
    let mark = `${Date.now()}000000`;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': tail started\n\n');
    let closed = false;
    let lastWrite = Date.now();
    let wake: () => void = () => {};
    const stopTail = () => {
      closed = true;
      wake();
    };
    req.raw.on('close', stopTail);
    wakeTails.add(stopTail);
    if (shuttingDown) closed = true;
    while (!closed) {
      try {
        const next = await search.arrivedAfter(condition, mark);
        mark = next.mark;
        for (const record of next.records) res.write(`data: ${JSON.stringify(record)}\n\n`);
        if (next.records.length > 0) lastWrite = Date.now();
      } catch (err) {
        req.log.warn({ err }, 'live tail poll failed; retrying');
        res.write(
          `event: error\ndata: ${JSON.stringify({ detail: 'The store is not answering; the tail retries.' })}\n\n`,
        );
      }
      if (Date.now() - lastWrite > KEEPALIVE_MS) {
        res.write(': keepalive\n\n');
        lastWrite = Date.now();
      }
      await new Promise<void>((r) => {
        const timer = setTimeout(r, TAIL_POLL_MS);
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
    wakeTails.delete(stopTail);
    res.end();
  });
}

/** The request's [from, to) in epoch nanoseconds; the default is the last 15 minutes. */
function rangeOf(q: LogsQuery): TimeRange {
  const now = Date.now();
  const toNs = q.to ? timeNs(q.to, 'to', now) : `${now}000000`;
  const fromNs = q.from ? timeNs(q.from, 'from', now) : `${now - 15 * 60_000}000000`;
  if (BigInt(fromNs) >= BigInt(toNs)) {
    throw new StellwerkError('STW_ERR_BAD_REQUEST', '`from` must be before `to`; swap them or widen the range.');
  }
  return { fromNs, toNs };
}

function timeNs(value: string, name: string, now: number): string {
  try {
    return parseTimeInput(value, now).ns;
  } catch (err) {
    throw new StellwerkError('STW_ERR_BAD_REQUEST', `\`${name}\`: ${(err as Error).message}`);
  }
}

function intParam(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new StellwerkError(
      'STW_ERR_BAD_REQUEST',
      `\`${name}\` must be a whole number from ${min} to ${max}; got "${value}".`,
    );
  }
  return n;
}
