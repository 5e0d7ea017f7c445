import { createHash } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { uncompress } from 'snappyjs';
import { StellwerkError } from '../../errors.ts';
import type { MetricsReceiverOptions } from '../metrics-receiver.ts';
import { LabelSetCache } from './label-set-cache.ts';
import { describe, toMetricSamples } from './to-samples.ts';
import { decodeWriteRequest, ProtobufError, type WriteRequest } from './write-request.ts';

/**
 * What this receiver dropped on purpose, since process start. Native histograms (field 4)
 * are not stored yet: Prometheus 2.42 sends them only with --enable-feature=native-histograms,
 * and Stellwerk has no storage for them. Exemplars are not stored either. Counting them keeps
 * the loss visible instead of silent.
 */

const RECEIVER = 'remote_write';
/** Prometheus logs only the first line of an error body (up to 1 KiB); keep messages short. */
const MAX_MESSAGE = 1000;

/**
 * Prometheus remote_write 1.0: POST /api/v1/write, a snappy (block format) protobuf
 * WriteRequest. The contract with the sender decides the status codes: Prometheus retries
 * 5xx and drops the batch on any 4xx, 429 included, so overload here is 503 + Retry-After
 * (429 elsewhere), and only data that can never succeed (malformed, invalid names) gets a 4xx.
 */
export async function remoteWriteReceiver(app: FastifyInstance, options: MetricsReceiverOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_req, body, done) =>
    done(null, body),
  );
  // Errors in Prometheus' shape: plain text it writes to its log, with status codes it acts on.
  app.setErrorHandler((err, req, reply) => sendRemoteWriteError(req, reply, err));

  let warnedHistograms = false;
  const labelSets = new LabelSetCache();

  app.post('/api/v1/write', { config: { scope: 'ingest' }, bodyLimit: options.maxBodyBytes }, async (req, reply) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    checkHeaders(req);
    const request = decodeBody(raw, options.maxBodyBytes, labelSets);
    const converted = toMetricSamples(request);
    if (converted.histograms > 0 || converted.exemplars > 0) {
      options.metrics.valuesSkipped.inc({ receiver: 'remote_write', reason: 'native_histogram' }, converted.histograms);
      options.metrics.valuesSkipped.inc({ receiver: 'remote_write', reason: 'exemplar' }, converted.exemplars);
      if (converted.histograms > 0 && !warnedHistograms) {
        warnedHistograms = true;
        req.log.warn('remote_write: native histograms are not stored; only float samples and metadata are');
      }
    }
    // The body hash makes Prometheus' resend of a batch whose answer it lost a no-op in the
    // store; an identical body carries identical samples, so nothing real is deduplicated.
    const idempotencyToken =
      converted.samples.length > 0 ? `rw:${createHash('sha256').update(raw).digest('hex')}` : undefined;
    const result = await options.ingest.ingest(converted.samples, {
      receiver: RECEIVER,
      idempotencyToken,
      metadata: converted.metadata,
    });

    const problems = converted.problems.length + result.errors.length;
    if (problems > 0) {
      const firstIngest = result.errors[0];
      const first =
        converted.problems[0] ??
        (firstIngest
          ? `sample ${firstIngest.index} (${describeSample(converted.samples[firstIngest.index])}): ${firstIngest.reason}`
          : '');
      const total = converted.samples.length + converted.droppedSamples;
      const rejected = result.rejected + converted.droppedSamples;
      throw new StellwerkError(
        'STW_ERR_INVALID_RECORD',
        `${problems} problem(s), ${rejected} of ${total} samples rejected; the first: ${first}. ` +
          `The other ${result.accepted} samples and ${converted.metadata.length} metadata entries were stored.`,
        { accepted: result.accepted, rejected },
      );
    }
    return reply.status(204).send();
  });
}

function checkHeaders(req: FastifyRequest): void {
  const type = req.headers['content-type'] ?? '';
  // Remote-write 2.0 senders name their message; the spec asks for 415 so they fall back to 1.0.
  if (/proto\s*=\s*io\.prometheus\.write\.v2/i.test(type)) {
    throw new StellwerkError(
      'STW_ERR_UNSUPPORTED_MEDIA_TYPE',
      'remote-write 2.0 (io.prometheus.write.v2.Request) is not supported; send prometheus.WriteRequest (1.0).',
    );
  }
  const encoding = (req.headers['content-encoding'] ?? 'snappy').trim().toLowerCase();
  if (encoding !== 'snappy') {
    throw new StellwerkError(
      'STW_ERR_BAD_ENCODING',
      `Content-Encoding "${encoding}" is not supported here; remote_write bodies are snappy (block format).`,
    );
  }
}

/** Snappy block decode with the size cap checked from the header before allocating, then protobuf. */
export function decodeBody(raw: Buffer, maxBytes: number, labelSets?: LabelSetCache): WriteRequest {
  if (raw.length === 0) {
    throw new StellwerkError('STW_ERR_BAD_REQUEST', 'The body is empty; expected a snappy-compressed WriteRequest.');
  }
  let proto: Uint8Array;
  try {
    proto = uncompress(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), maxBytes);
  } catch (err) {
    const message = (err as Error).message;
    if (/too big/.test(message)) {
      throw new StellwerkError(
        'STW_ERR_BODY_TOO_LARGE',
        `The body is larger than ${maxBytes} bytes once decompressed; lower queue_config.max_samples_per_send.`,
      );
    }
    throw new StellwerkError(
      'STW_ERR_BAD_ENCODING',
      `The body is not valid snappy block-format data (${message}); remote_write bodies are snappy-compressed, not framed.`,
    );
  }
  try {
    return decodeWriteRequest(proto, labelSets);
  } catch (err) {
    if (err instanceof ProtobufError) {
      throw new StellwerkError(
        'STW_ERR_BAD_REQUEST',
        `The body is not a valid prometheus.WriteRequest: ${err.message}.`,
      );
    }
    throw err;
  }
}

function describeSample(s: { metric: string; labels: Record<string, string> } | undefined): string {
  return s ? describe(s.metric, s.labels) : '?';
}

/**
 * Renders an error for Prometheus. Overload becomes 503 (retried) instead of 429 (dropped);
 * every 503 carries Retry-After, which Prometheus uses as its backoff for recoverable errors.
 */
export function sendRemoteWriteError(req: FastifyRequest, reply: FastifyReply, thrown: unknown): FastifyReply {
  const err = toError(thrown);
  let status = err.status;
  let retryAfterSec = err.extra.retryAfterSec;
  if (err.code === 'STW_ERR_OVERLOADED') status = 503;
  if (status === 503) retryAfterSec ??= 5;
  if (err.code === 'STW_ERR_INTERNAL') req.log.error({ err: thrown, cause: err.cause }, err.detail);
  else if (status >= 500) req.log.warn({ code: err.code, url: req.url }, err.detail);
  if (retryAfterSec !== undefined) reply.header('retry-after', String(retryAfterSec));
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="stellwerk"');
  const line = `${err.code}: ${err.detail}`.replace(/[\r\n]+/g, ' ');
  return reply
    .status(status)
    .type('text/plain; charset=utf-8')
    .send(`${line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 3)}...` : line}\n`);
}

/** Fastify's own errors (body limit, media type) keep their status; anything unknown is a 500. */
function toError(thrown: unknown): StellwerkError {
  if (thrown instanceof StellwerkError) return thrown;
  const fe = thrown as FastifyError;
  if (fe?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new StellwerkError(
      'STW_ERR_BODY_TOO_LARGE',
      `${fe.message}; lower queue_config.max_samples_per_send or raise ingest.maxBodyBytes.`,
    );
  }
  if (fe?.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new StellwerkError('STW_ERR_BAD_REQUEST', fe.message);
  }
  return new StellwerkError('STW_ERR_INTERNAL', 'Internal error; the Stellwerk server log has the details.');
}
