import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StellwerkError } from '../errors.ts';
import type { InputError, LogContext, LogIngestService, LogInput } from '../pipeline/log-input.ts';

export interface LogsHttpOptions {
  ingest: LogIngestService;
  maxBodyBytes: number;
  decode: (body: Buffer, encoding: string | undefined) => Promise<Buffer>;
}

const MAX_REPORTED_ERRORS = 100;

/**
 * POST /api/v1/logs: JSON (object or array), NDJSON, or plain text, one record per line.
 * This receiver only decodes the protocol; parsing and enrichment happen in the pipeline.
 */
export async function logsHttpReceiver(app: FastifyInstance, options: LogsHttpOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_req, body, done) =>
    done(null, body),
  );

  app.post('/api/v1/logs', { config: { scope: 'ingest' }, bodyLimit: options.maxBodyBytes }, async (req, reply) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const body = await options.decode(raw, req.headers['content-encoding']);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const { inputs, errors } = decodeLogBody(body.toString('utf8'), contentType);
    const query = req.query as Record<string, string | undefined>;
    const atomic = query.atomic === 'true';
    const idempotencyKey = req.headers['idempotency-key'];
    const idempotencyToken =
      typeof idempotencyKey === 'string' && idempotencyKey
        ? `idem:${createHash('sha256').update(idempotencyKey).update('\0').update(raw).digest('hex')}`
        : undefined;

    if (atomic && errors.length > 0) throw invalidInput(0, errors, errors.length);
    const result = await options.ingest.ingest(inputs, requestContext(req), {
      idempotencyToken,
      atomic,
      receiver: 'http',
    });
    const allErrors = [...errors, ...result.errors].sort((a, b) => a.line - b.line);
    if (allErrors.length > 0) throw invalidInput(result.accepted, allErrors, result.accepted + allErrors.length);
    return reply.status(200).send({ accepted: result.accepted, rejected: 0 });
  });
}

function invalidInput(accepted: number, errors: InputError[], total: number): StellwerkError {
  const first = errors[0] as InputError;
  const stored =
    accepted > 0
      ? ` The other ${accepted} records were stored; resend only the rejected lines.`
      : ' Nothing was stored.';
  return new StellwerkError(
    'STW_ERR_INVALID_RECORD',
    `${errors.length} of ${total} records were rejected; the first, at line ${first.line}: ${first.reason}.${stored}`,
    { accepted, rejected: errors.length, errors: errors.slice(0, MAX_REPORTED_ERRORS) },
  );
}

/** Splits a body into pipeline inputs by its content type. */
export function decodeLogBody(text: string, contentType: string): { inputs: LogInput[]; errors: InputError[] } {
  const inputs: LogInput[] = [];
  const errors: InputError[] = [];
  if (contentType === 'application/json') {
    const trimmed = text.trim();
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (err) {
      // Many shippers send NDJSON as application/json; accept it when the lines are objects.
      if (trimmed.startsWith('{') && trimmed.includes('\n'))
        return { inputs: [{ kind: 'lines', text, json: true }], errors };
      throw new StellwerkError(
        'STW_ERR_BAD_REQUEST',
        `The body is not valid JSON (${(err as Error).message}); send an object, an array of objects, or NDJSON as application/x-ndjson.`,
      );
    }
    const items = Array.isArray(doc) ? doc : [doc];
    items.forEach((item, i) => {
      if (item && typeof item === 'object' && !Array.isArray(item)) {
        inputs.push({ kind: 'object', value: item as Record<string, unknown>, position: i + 1 });
      } else if (typeof item === 'string') {
        inputs.push({ kind: 'line', line: item, position: i + 1 });
      } else {
        errors.push({
          line: i + 1,
          reason: `expected a JSON object or string, got ${item === null ? 'null' : typeof item}`,
        });
      }
    });
    return { inputs, errors };
  }
  const ndjson =
    contentType === 'application/x-ndjson' ||
    contentType === 'application/jsonl' ||
    contentType === 'application/ndjson' ||
    contentType === 'application/jsonlines';
  // Line splitting happens in the pipeline, so a large body is split off the event loop too.
  return { inputs: [{ kind: 'lines', text, json: ndjson }], errors };
}

function requestContext(req: FastifyRequest): LogContext {
  const query = req.query as Record<string, string | undefined>;
  const header = (name: string): string | undefined => {
    const v = req.headers[name];
    return typeof v === 'string' ? v : undefined;
  };
  const resource: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) {
    if (k.startsWith('resource.') && typeof v === 'string') resource[k.slice(9)] = v;
  }
  const now = process.hrtime.bigint() - HRTIME_ORIGIN + EPOCH_ORIGIN_NS;
  return {
    ...observedTime(header('x-stellwerk-observed-time'), now),
    service: query.service ?? header('x-stellwerk-service') ?? '',
    host: query.host ?? header('x-stellwerk-host') ?? '',
    runId: query.run_id ?? header('x-stellwerk-run-id') ?? '',
    resource,
    format: query.format,
  };
}

/**
 * When the lines were seen: the receive time, or what a forwarding sender says (epoch ms), so
 * that lines it held back while the server was down (`stellwerk run`'s spool) keep their time.
 */
function observedTime(sent: string | undefined, now: bigint): { observedNs: string } {
  if (sent === undefined) return { observedNs: now.toString() };
  if (!/^\d{1,15}$/.test(sent)) {
    throw new StellwerkError(
      'STW_ERR_BAD_REQUEST',
      `X-Stellwerk-Observed-Time must be epoch milliseconds (digits only), got ${JSON.stringify(sent.slice(0, 40))}.`,
    );
  }
  return { observedNs: (BigInt(sent) * 1_000_000n).toString() };
}

// Wall-clock nanoseconds without Date's millisecond truncation: anchor hrtime to the epoch once.
const HRTIME_ORIGIN = process.hrtime.bigint();
const EPOCH_ORIGIN_NS = BigInt(Date.now()) * 1_000_000n;
