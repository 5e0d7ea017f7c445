import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StellwerkError } from '../../errors.ts';
import type { MetricsReceiverOptions } from '../metrics-receiver.ts';
import { influxErrorHandler } from './errors.ts';
import { type LineError, type ParseOptions, parseLineProtocol, parsePrecision, SeriesCache } from './line-protocol.ts';
import { answerQuery, KnownDatabases } from './query.ts';

export const INFLUX_VERSION = '1.8.10';
/** Reported per write so a client can see that string fields were not stored. */
export const SKIPPED_STRINGS_HEADER = 'x-stellwerk-skipped-string-fields';
const MAX_REPORTED_ERRORS = 100;

/**
 * InfluxDB line protocol: v1 `POST /write`, `GET|HEAD /ping`, a minimal `/query`, and v2
 * `POST /api/v2/write`. Errors come in InfluxDB's own JSON shapes (see errors.ts).
 */
export async function influxReceiver(app: FastifyInstance, options: MetricsReceiverOptions): Promise<void> {
  const databases = new KnownDatabases();
  const series = new SeriesCache();

  // Clients send no Content-Type, an empty one (the influx CLI) or text/plain: take any body raw.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler(influxErrorHandler);
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/v2/')) reply.header('x-influxdb-version', INFLUX_VERSION);
    // The influx CLI sends `Content-Type: ` (empty), which Fastify would refuse with 415;
    // without the header the catch-all parser takes the body.
    if (req.raw.headers['content-type']?.trim() === '') delete req.raw.headers['content-type'];
  });

  const ping = async (req: FastifyRequest, reply: FastifyReply) => {
    reply.header('x-influxdb-build', 'OSS');
    if ((req.query as Record<string, string | undefined>).verbose === 'true') {
      return reply.status(200).send({ version: INFLUX_VERSION });
    }
    return reply.status(204).send();
  };
  app.get('/ping', ping);

  const write = (api: 'v1' | 'v2') => async (req: FastifyRequest, reply: FastifyReply) => {
    const receivedMs = Date.now();
    const query = req.query as Record<string, string | undefined>;
    const precision = parsePrecision(query.precision);
    if (!precision) {
      throw new StellwerkError(
        'STW_ERR_BAD_REQUEST',
        `invalid precision "${query.precision}": use ${api === 'v1' ? 'n, u, ms, s, m or h' : 'ns, us, ms or s'}`,
      );
    }
    if (api === 'v1' && query.db) databases.add(query.db);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const body = await options.decode(raw, req.headers['content-encoding']);
    await writeLines(options, body.toString('utf8'), { precision, nowMs: receivedMs, series }, reply);
    return reply.status(204).send();
  };
  const routeOptions = { config: { scope: 'ingest' as const }, bodyLimit: options.maxBodyBytes };
  app.post('/write', routeOptions, write('v1'));
  app.post('/api/v2/write', routeOptions, write('v2'));

  const query = async (req: FastifyRequest, reply: FastifyReply) => {
    let q = (req.query as Record<string, string | undefined>).q;
    // InfluxDB also takes `q` from a form body.
    if (q === undefined && Buffer.isBuffer(req.body) && req.body.length > 0) {
      q = new URLSearchParams(req.body.toString('utf8')).get('q') ?? undefined;
    }
    return reply
      .status(200)
      .type('application/json')
      .send(answerQuery(q ?? '', databases));
  };
  app.get('/query', { config: { scope: 'ingest' } }, query);
  app.post('/query', routeOptions, query);
}

/** Parses, stores what is valid, and throws InfluxDB's partial-write error for the rest. */
async function writeLines(
  options: MetricsReceiverOptions,
  text: string,
  parse: ParseOptions,
  reply: FastifyReply,
): Promise<void> {
  const parsed = parseLineProtocol(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, parse);
  let accepted = 0;
  const errors: LineError[] = parsed.errors;
  if (parsed.samples.length > 0) {
    const result = await options.ingest.ingest(parsed.samples, { receiver: 'influx' });
    accepted = result.accepted;
    for (const e of result.errors) {
      errors.push({
        line: parsed.sampleLines[e.index] ?? 0,
        column: parsed.sampleColumns[e.index] ?? 0,
        message: e.reason,
        text: '',
      });
    }
  }
  if (parsed.skippedStringFields > 0) {
    reply.header(SKIPPED_STRINGS_HEADER, String(parsed.skippedStringFields));
    options.metrics.valuesSkipped.inc({ receiver: 'influx', reason: 'string_field' }, parsed.skippedStringFields);
  }
  if (errors.length === 0) return;
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  const first = errors[0] as LineError;
  const badLines = new Set(errors.map((e) => e.line)).size;
  const where = `line ${first.line} col ${first.column}: ${first.message}${first.text ? ` in '${first.text}'` : ''}`;
  const outcome =
    accepted > 0
      ? `${badLines} line(s) rejected, ${accepted} value(s) from the other lines were stored; resend only the rejected lines`
      : `${badLines} line(s) rejected, nothing was stored`;
  throw new StellwerkError(
    'STW_ERR_INVALID_RECORD',
    `${accepted > 0 ? 'partial write' : 'unable to parse'}: ${where} (${outcome})`,
    {
      accepted,
      rejected: errors.length,
      errors: errors
        .slice(0, MAX_REPORTED_ERRORS)
        .map((e) => ({ line: e.line, reason: `col ${e.column}: ${e.message}` })),
    },
  );
}
