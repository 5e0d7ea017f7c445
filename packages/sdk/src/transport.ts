/**
 * One HTTP transport over global fetch that says what happened: success, failure (do not
 * resend), or retryable after N ms. The decisions are pure functions (classifyResponse,
 * classifyError, backoffMs, parseRetryAfter) so they can be table-tested without a socket;
 * the retry loop itself lives in the queue, which owns time.
 */
import { type RejectedLine, SdkError } from './errors.ts';
import { type Gzip, nodeGzip, randomKey, utf8Length } from './platform.ts';

export type SendResult =
  | { kind: 'success'; accepted?: number }
  | {
      kind: 'failure';
      error: SdkError;
      status?: number;
      /** Records the server stored despite the failure (a mixed batch): never resend them. */
      accepted?: number;
      /** Records the server refused; their lines are in error.rejected (the first 100). */
      rejected?: number;
    }
  | { kind: 'retryable'; retryAfterMs: number; error: SdkError; status?: number };

export interface RetryPolicy {
  /** Sends of one batch in total, the first included; then it counts as failed. */
  maxAttempts: number;
  /** Backoff after the first failed attempt, doubling per attempt. */
  initialBackoffMs: number;
  /** Cap for the backoff and for a server's Retry-After, so a batch is never parked for hours. */
  maxBackoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, initialBackoffMs: 500, maxBackoffMs: 30_000 };

/** Statuses that mean "not now" rather than "never": overload, gateway trouble, store down, disk full. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504, 507]);

/**
 * Exponential backoff with "equal jitter": between half and all of initial·2^(attempt-1),
 * capped. Jitter spreads clients that failed together; the lower half bound keeps a retry
 * from hammering at once. `attempt` is the 1-based attempt that just failed.
 */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = policy.initialBackoffMs * 2 ** Math.max(0, attempt - 1);
  const base = Math.min(policy.maxBackoffMs, exp);
  return Math.round(base / 2 + random() * (base / 2));
}

/** Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP-date always names a weekday and month; Date.parse alone would take "-1" as a year.
  const at = /[a-z]/i.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export interface ClassifyContext {
  attempt: number;
  policy: RetryPolicy;
  /** Whether the SDK sent a token: a 401 then means "wrong token", else "token needed". */
  tokenConfigured: boolean;
  url: string;
  records: number;
  random?: () => number;
  nowMs?: number;
}

function retryDelay(retryAfter: string | null | undefined, ctx: ClassifyContext): number {
  const told = parseRetryAfter(retryAfter, ctx.nowMs ?? Date.now());
  if (told !== undefined) return Math.min(told, ctx.policy.maxBackoffMs);
  return backoffMs(ctx.attempt, ctx.policy, ctx.random);
}

interface ProblemBody {
  code?: string;
  detail?: string;
  accepted?: number;
  rejected?: number;
  errors?: RejectedLine[];
}

/** Maps an HTTP answer to what the caller should do with the batch. */
export function classifyResponse(
  status: number,
  retryAfter: string | null | undefined,
  body: unknown,
  ctx: ClassifyContext,
): SendResult {
  const problem: ProblemBody = body !== null && typeof body === 'object' ? (body as ProblemBody) : {};
  if (status >= 200 && status < 300) {
    return typeof problem.accepted === 'number' ? { kind: 'success', accepted: problem.accepted } : { kind: 'success' };
  }
  const detail = typeof problem.detail === 'string' ? ` Server says: ${problem.detail}` : '';
  const extra = { status, records: ctx.records };
  if (RETRYABLE_STATUS.has(status)) {
    const what =
      status === 429
        ? 'Stellwerk is overloaded (429)'
        : status === 507
          ? 'Stellwerk has no disk space left (507)'
          : `Stellwerk is unavailable (${status})`;
    return {
      kind: 'retryable',
      retryAfterMs: retryDelay(retryAfter, ctx),
      status,
      error: new SdkError('http', `${what}; the batch will be retried.${detail}`, extra),
    };
  }
  if (status === 401) {
    const fix = ctx.tokenConfigured
      ? 'the configured token was not accepted: check that `token` is a valid Stellwerk API token'
      : 'this Stellwerk requires an API token: pass `token` (a token with the `ingest` scope) to createLogger';
    return {
      kind: 'failure',
      status,
      error: new SdkError('unauthorized', `Unauthorized (401): ${fix}.${detail}`, extra),
    };
  }
  if (status === 403) {
    return {
      kind: 'failure',
      status,
      error: new SdkError(
        'forbidden',
        `Forbidden (403): the token lacks the \`ingest\` scope; use a token with scope \`ingest\` or \`admin\`.${detail}`,
        extra,
      ),
    };
  }
  if (status === 400 && problem.code === 'STW_ERR_INVALID_RECORD') {
    const accepted = typeof problem.accepted === 'number' ? problem.accepted : 0;
    const rejected = typeof problem.rejected === 'number' ? problem.rejected : ctx.records - accepted;
    const lines = Array.isArray(problem.errors) ? problem.errors : [];
    const first = lines[0];
    const sample = first ? ` First: line ${first.line}: ${first.reason}.` : '';
    return {
      kind: 'failure',
      status,
      accepted,
      rejected,
      error: new SdkError(
        'rejected',
        `Stellwerk rejected ${rejected} of ${accepted + rejected} records (the other ${accepted} were stored and are not resent).${sample}`,
        { status, records: rejected, rejected: lines },
      ),
    };
  }
  const hint =
    status === 404
      ? ` Is ${ctx.url} a Stellwerk server? \`url\` is the base URL, e.g. http://127.0.0.1:8420.`
      : status === 413
        ? ' The batch is larger than the server allows; lower batchSize or maxBatchBytes.'
        : '';
  return {
    kind: 'failure',
    status,
    error: new SdkError('http', `Stellwerk answered ${status}; the batch is dropped.${hint}${detail}`, extra),
  };
}

/** Maps a fetch that threw: the caller's abort is final; timeouts and network errors are retryable. */
export function classifyError(err: unknown, ctx: ClassifyContext & { callerAborted: boolean }): SendResult {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (ctx.callerAborted) {
    return {
      kind: 'failure',
      error: new SdkError('aborted', 'The send was abandoned (shutdown deadline).', {
        records: ctx.records,
        cause: err,
      }),
    };
  }
  const retryAfterMs = backoffMs(ctx.attempt, ctx.policy, ctx.random);
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return {
      kind: 'retryable',
      retryAfterMs,
      error: new SdkError('timeout', `No answer from ${ctx.url} in time; the batch will be retried.`, {
        records: ctx.records,
        cause: err,
      }),
    };
  }
  const why = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return {
    kind: 'retryable',
    retryAfterMs,
    error: new SdkError('network', `Cannot reach Stellwerk at ${ctx.url} (${why}); the batch will be retried.`, {
      records: ctx.records,
      cause: err,
    }),
  };
}

export interface TransportOptions {
  /** Base URL of the Stellwerk server, e.g. http://127.0.0.1:8420. */
  url: string;
  token?: string;
  /** Per-request deadline; a request past it is retried (the idempotency key makes that safe). */
  timeoutMs?: number;
  /** Bodies of at least this many bytes are gzipped: small ones are not worth the CPU. */
  gzipMinBytes?: number;
  retry?: Partial<RetryPolicy>;
  /** For tests and custom runtimes; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Compression; defaults to node:zlib where available, null disables it. */
  gzip?: Gzip | null;
}

export interface OutgoingRequest {
  /** Default POST; run tracking also PATCHes. */
  method?: 'POST' | 'PATCH' | 'PUT';
  /** Path under the base URL, e.g. /api/v1/logs. */
  path: string;
  query?: Record<string, string>;
  contentType: string;
  body: string;
  /** How many records the body holds, for counting and messages. */
  records: number;
}

/**
 * A request ready to send, and to send again: the body is encoded once and the
 * Idempotency-Key fixed, because the server dedups on key plus exact body bytes.
 */
export interface PreparedRequest {
  readonly method: 'POST' | 'PATCH' | 'PUT';
  readonly url: string;
  readonly body: string | Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly idempotencyKey: string;
  readonly records: number;
}

export interface Transport {
  readonly retry: RetryPolicy;
  prepare(req: OutgoingRequest): Promise<PreparedRequest>;
  /** Never throws; says what happened. `signal` is the caller's (e.g. a shutdown deadline). */
  send(req: PreparedRequest, ctx: { attempt: number; signal?: AbortSignal }): Promise<SendResult>;
}

/** The fields of a logger's or a run's options that configure its transport. */
export type TransportSettings = Pick<
  TransportOptions,
  'url' | 'token' | 'timeoutMs' | 'gzipMinBytes' | 'retry' | 'fetch'
>;

/** The HTTP transport of a logger or run, from only those of its options that concern it. */
export function transportFrom(o: TransportSettings): Transport {
  return createHttpTransport({
    url: o.url,
    token: o.token,
    timeoutMs: o.timeoutMs,
    gzipMinBytes: o.gzipMinBytes,
    retry: o.retry,
    fetch: o.fetch,
  });
}

export function createHttpTransport(options: TransportOptions): Transport {
  const base = options.url.replace(/\/+$/, '');
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const timeoutMs = options.timeoutMs ?? 10_000;
  const gzipMinBytes = options.gzipMinBytes ?? 4096;
  const gzip = options.gzip === null ? undefined : (options.gzip ?? nodeGzip());
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const tokenConfigured = Boolean(options.token);

  return {
    retry,
    async prepare(req) {
      const qs = req.query ? new URLSearchParams(req.query).toString() : '';
      const url = `${base}${req.path}${qs ? `?${qs}` : ''}`;
      const idempotencyKey = randomKey();
      const headers: Record<string, string> = { 'content-type': req.contentType, 'idempotency-key': idempotencyKey };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | Uint8Array = req.body;
      if (gzip && utf8Length(req.body) >= gzipMinBytes) {
        try {
          body = await gzip(new TextEncoder().encode(req.body));
          headers['content-encoding'] = 'gzip';
        } catch {
          // Compression is an optimisation: send the plain body rather than lose the batch.
          body = req.body;
        }
      }
      return { method: req.method ?? 'POST', url, body, headers, idempotencyKey, records: req.records };
    },

    async send(req, ctx) {
      const classifyCtx: ClassifyContext = {
        attempt: ctx.attempt,
        policy: retry,
        tokenConfigured,
        url: base,
        records: req.records,
      };
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
      try {
        const res = await doFetch(req.url, {
          method: req.method,
          headers: req.headers,
          body: req.body as RequestInit['body'],
          signal,
        });
        // Always read the body: it frees the connection, and problem+json says what to fix.
        const text = await res.text();
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = undefined;
        }
        return classifyResponse(res.status, res.headers.get('retry-after'), parsed, classifyCtx);
      } catch (err) {
        return classifyError(err, { ...classifyCtx, callerAborted: ctx.signal?.aborted === true });
      }
    },
  };
}
