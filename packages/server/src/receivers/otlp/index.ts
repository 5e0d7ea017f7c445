import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StellwerkError, toStellwerkError } from '../../errors.ts';
import type { MetricsReceiverOptions } from '../metrics-receiver.ts';
import { type DeltaLimits, DeltaToCumulative } from './delta-to-cumulative.ts';
import { decodeJsonRequest } from './json.ts';
import type { OtlpRequest } from './model.ts';
import { decodeProtobufRequest, encodeExportResponse, encodeStatus, OtlpDecodeError } from './protobuf.ts';
import { type ConvertedOtlp, toMetricSamples } from './to-samples.ts';

const RECEIVER = 'otlp';
const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
/** partialSuccess.error_message and error bodies are logged by exporters: keep them readable. */
const MAX_MESSAGE = 1000;

type Encoding = 'protobuf' | 'json';

export interface OtlpMetricsReceiverOptions extends MetricsReceiverOptions {
  /** Bounds of the DELTA running totals (ingest.otlpDeltaMaxSeries, ingest.otlpDeltaIdleTimeout). */
  delta: DeltaLimits;
}

/**
 * OTLP/HTTP metrics: POST /v1/metrics with an ExportMetricsServiceRequest as protobuf or JSON,
 * optionally gzip-compressed, usually chunked (the OpenTelemetry JS exporters send no
 * Content-Length). 200 only once the samples are stored; points that cannot be stored are
 * reported in `partialSuccess` (the spec's way: a non-2xx would make the exporter drop or
 * resend the whole batch). Errors carry a google.rpc.Status in the request's encoding, and use
 * the statuses the exporters act on: 429/503 + Retry-After are retried, 400/413/415 are not.
 *
 * DELTA sums and histograms are added up into cumulative series in memory (one accumulator per
 * server, bounded by `delta`); when the store refuses a request, its additions are undone so
 * the exporter's resend is added once.
 */
export async function otlpMetricsReceiver(app: FastifyInstance, options: OtlpMetricsReceiverOptions): Promise<void> {
  const deltas = new DeltaToCumulative(options.delta);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((err, req, reply) => sendOtlpError(req, reply, err));

  app.post('/v1/metrics', { config: { scope: 'ingest' }, bodyLimit: options.maxBodyBytes }, async (req, reply) => {
    const encoding = requestEncoding(req);
    if (!encoding) {
      throw new StellwerkError(
        'STW_ERR_UNSUPPORTED_MEDIA_TYPE',
        `Content-Type "${req.headers['content-type'] ?? ''}" is not supported; send ${PROTOBUF} or ${JSON_TYPE}.`,
      );
    }
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const body = await options.decode(raw, req.headers['content-encoding']);
    const request = decodeRequest(body, encoding);
    const batch = deltas.batch();
    const converted = toMetricSamples(request, batch);
    options.metrics.otlpDeltaSeries.set(deltas.size);
    for (const [reason, n] of Object.entries(converted.skipped)) {
      options.metrics.valuesSkipped.inc({ receiver: RECEIVER, reason }, n);
    }

    let result = { accepted: 0, rejected: 0, errors: [] as Array<{ index: number; reason: string }> };
    if (converted.samples.length > 0 || converted.metadata.length > 0) {
      // An exporter resending a batch whose answer it lost sends the same bytes: the store
      // drops the repeat instead of doubling the samples.
      const idempotencyToken =
        converted.samples.length > 0 ? `otlp:${createHash('sha256').update(body).digest('hex')}` : undefined;
      try {
        result = await options.ingest.ingest(converted.samples, {
          receiver: RECEIVER,
          idempotencyToken,
          metadata: converted.metadata,
        });
      } catch (err) {
        // Nothing was stored (429/503 and the like): the exporter resends these deltas.
        batch.rollback();
        options.metrics.otlpDeltaSeries.set(deltas.size);
        throw err;
      }
    }

    const partial = partialSuccess(converted, result.errors);
    if (partial) req.log.info({ receiver: RECEIVER, ...partial }, 'OTLP metrics partially rejected');
    if (encoding === 'protobuf') return reply.status(200).type(PROTOBUF).send(encodeExportResponse(partial));
    return reply
      .status(200)
      .type(JSON_TYPE)
      .send(
        partial
          ? {
              // int64 as a decimal string, the canonical JSON mapping (parsers take numbers too).
              partialSuccess: {
                rejectedDataPoints: String(partial.rejectedDataPoints),
                errorMessage: partial.errorMessage,
              },
            }
          : {},
      );
  });
}

function requestEncoding(req: FastifyRequest): Encoding | null {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === PROTOBUF || type === 'application/protobuf') return 'protobuf';
  if (type === JSON_TYPE) return 'json';
  return null;
}

function decodeRequest(body: Buffer, encoding: Encoding): OtlpRequest {
  try {
    return encoding === 'protobuf' ? decodeProtobufRequest(body) : decodeJsonRequest(body.toString('utf8'));
  } catch (err) {
    if (err instanceof OtlpDecodeError) {
      const what = encoding === 'protobuf' ? 'a protobuf' : 'an OTLP/JSON';
      throw new StellwerkError(
        'STW_ERR_BAD_REQUEST',
        `The body is not ${what} ExportMetricsServiceRequest: ${err.message}.`,
      );
    }
    throw err;
  }
}

/** Rejected data points (mapping refusals plus points with a sample ingest refused) and why. */
export function partialSuccess(
  converted: ConvertedOtlp,
  ingestErrors: Array<{ index: number; reason: string }>,
): { rejectedDataPoints: number; errorMessage: string } | undefined {
  const refusedPoints = new Set<number>();
  const reasons = [...converted.problems];
  let infoRefused = 0;
  for (const e of ingestErrors) {
    const point = converted.pointOf[e.index] ?? -1;
    if (point < 0) infoRefused++;
    else refusedPoints.add(point);
    if (reasons.length < 5) {
      const s = converted.samples[e.index];
      reasons.push(`${s?.metric ?? '?'}: ${e.reason}`);
    }
  }
  const rejected = converted.rejectedPoints + refusedPoints.size;
  if (rejected === 0 && infoRefused === 0) return undefined;
  const message = `${rejected} of ${converted.points} data points rejected${
    infoRefused > 0 ? ` (and ${infoRefused} target_info series)` : ''
  }; ${reasons.slice(0, 5).join('; ')}`;
  return { rejectedDataPoints: rejected, errorMessage: cut(message) };
}

function cut(text: string): string {
  const line = text.replace(/[\r\n]+/g, ' ');
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 3)}...` : line;
}

/** google.rpc.Code numbers for the Status body. */
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 413: 3, 415: 3, 429: 8, 500: 13, 503: 14 };

/**
 * Renders an error as OTLP/HTTP asks: a google.rpc.Status in the request's encoding (JSON when
 * it is unknown). Overload stays 429 and an unavailable store 503, both with Retry-After, which
 * the exporters honour; a full disk becomes 503 too, because the exporters drop the batch on
 * any status outside 429/502/503/504 and a freed disk would have taken it.
 */
export function sendOtlpError(req: FastifyRequest, reply: FastifyReply, thrown: unknown): FastifyReply {
  const err = toStellwerkError(thrown);
  let status = err.status;
  let retryAfterSec = err.extra.retryAfterSec;
  if (err.code === 'STW_ERR_DISK_FULL') status = 503;
  if (status === 429 || status === 503) retryAfterSec ??= status === 429 ? 1 : 5;
  if (err.code === 'STW_ERR_INTERNAL') req.log.error({ err: thrown, cause: err.cause }, err.detail);
  else if (status >= 500) req.log.warn({ code: err.code, url: req.url }, err.detail);
  if (retryAfterSec !== undefined) reply.header('retry-after', String(retryAfterSec));
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="stellwerk"');
  const code = GRPC_CODE[status] ?? (status >= 500 ? 13 : 3);
  const message = cut(`${err.code}: ${err.detail}`);
  if (requestEncoding(req) === 'protobuf') {
    return reply.status(status).type(PROTOBUF).send(encodeStatus(code, message));
  }
  return reply.status(status).type(JSON_TYPE).send({ code, message, details: [] });
}
