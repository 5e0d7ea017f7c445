/**
 * Run tracking: start a run, log params, metrics, tags and dataset profiles, end it. The run id
 * is chosen here, so logging starts at once and nothing waits for the server; the run is
 * created on the server before the first batch is sent. Params, tags and metrics share one
 * bounded queue and go out together to POST /api/v1/runs/:id/log. Like the logger, nothing
 * here throws into user code: problems go to `onError` and the counters.
 */
import type { RunCreate, RunKind, RunStatus } from '@stellwerk/contracts';
import { rateLimitedWarner, SdkError } from './errors.ts';
import { createLogger, type Logger, type LoggerOptions } from './logger.ts';
import { defaultHost } from './platform.ts';
import { BatchQueue, type QueueStats } from './queue.ts';
import { backoffMs, type PreparedRequest, type SendResult, transportFrom } from './transport.ts';

export interface RunOptions
  extends Pick<LoggerOptions, 'url' | 'token' | 'timeoutMs' | 'retry' | 'fetch' | 'onError' | 'host'> {
  /** Created on the server when it does not exist. Default "Default". */
  experiment?: string;
  name?: string;
  kind?: RunKind;
  /** A pipeline run this run is a step of. */
  parentRunId?: string;
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
  user?: string;
  /** Continue a run that exists already (e.g. STELLWERK_RUN_ID given by `stellwerk run`). */
  runId?: string;
  /** Params, tags and metrics per request. Default 1000. */
  batchSize?: number;
  /** Longest a value waits for its batch. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Values waiting or in flight before new ones are dropped. Default 100 000. */
  maxQueue?: number;
  /** How long end()/shutdown() keep trying before abandoning what is left. Default 5000 ms. */
  shutdownTimeoutMs?: number;
}

export interface RunTracker {
  readonly runId: string;
  /** A logger whose records belong to this run (created on first use). */
  readonly logger: Logger;
  logParam(key: string, value: string | number | boolean): void;
  logParams(params: Record<string, string | number | boolean>): void;
  logMetric(key: string, value: number, step?: number): void;
  logMetrics(metrics: Record<string, number>, step?: number): void;
  setTag(key: string, value: string): void;
  setTags(tags: Record<string, string>): void;
  /** A precomputed dataset profile for a role (train, validation, serving); see docs/datasets.md. */
  logProfile(role: string, profile: unknown): void;
  /** Sends what is queued, then marks the run ended. Default status FINISHED. Never rejects. */
  end(status?: Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'>): Promise<void>;
  /** Resolves once everything logged before the call is stored or has definitively failed. */
  flush(): Promise<void>;
  stats(): QueueStats;
}

const MAX_ITEM_BYTES = 64 * 1024;

/** Values the server cannot take as JSON numbers travel as these strings. */
function encodeNumber(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

export function startRun(options: RunOptions): RunTracker {
  const onError = options.onError ?? rateLimitedWarner();
  const transport = transportFrom(options);
  const resumed = options.runId !== undefined && options.runId !== '';
  const runId = resumed ? (options.runId as string) : newRunId();
  const runPath = `/api/v1/runs/${encodeURIComponent(runId)}`;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5000;
  const report = (err: SdkError) => {
    try {
      onError(err);
    } catch {}
  };

  const create: RunCreate = {
    id: runId,
    experimentName: options.experiment ?? 'Default',
    name: options.name,
    kind: options.kind,
    parentRunId: options.parentRunId,
    startTimeMs: Date.now(),
    user: options.user ?? defaultUser(),
    host: options.host ?? defaultHost(),
    params: stringValues(options.params ?? {}),
    tags: options.tags,
  };
  // One creation, shared by every batch: sent (and retried) before the first batch goes out.
  let created: Promise<PreparedRequest> | undefined;
  let isCreated = resumed;
  const ensureCreated = async (ctx: { attempt: number; signal?: AbortSignal }): Promise<SendResult> => {
    if (isCreated) return { kind: 'success' };
    created ??= transport.prepare({
      path: '/api/v1/runs',
      contentType: 'application/json',
      body: JSON.stringify(create),
      records: 1,
    });
    const result = await transport.send(await created, ctx);
    if (result.kind === 'success') isCreated = true;
    return result;
  };

  const queue = new BatchQueue<PreparedRequest>({
    maxBatchRecords: Math.max(1, options.batchSize ?? 1000),
    maxBatchBytes: 1024 * 1024,
    flushIntervalMs: options.flushIntervalMs ?? 1000,
    maxQueueRecords: Math.max(1, options.maxQueue ?? 100_000),
    maxQueueBytes: 32 * 1024 * 1024,
    maxRecordBytes: MAX_ITEM_BYTES,
    maxAttempts: transport.retry.maxAttempts,
    prepare: (items) =>
      transport.prepare({
        path: `${runPath}/log`,
        contentType: 'application/json',
        body: logBody(items),
        records: items.length,
      }),
    send: async (req, ctx) => {
      const first = await ensureCreated(ctx);
      if (first.kind !== 'success') return first;
      return transport.send(req, ctx);
    },
    onError: report,
  });
  let logger: Logger | undefined;
  let ended: Promise<void> | undefined;

  const push = (item: unknown) => {
    try {
      queue.push(JSON.stringify(item));
    } catch (err) {
      report(new SdkError('encode', 'A run value could not be encoded and was dropped.', { records: 1, cause: err }));
    }
  };
  const logParam = (key: string, value: string | number | boolean) => push({ p: [String(key), String(value)] });
  const logMetric = (key: string, value: number, step?: number) => {
    if (typeof value !== 'number') {
      report(new SdkError('encode', `Metric ${JSON.stringify(key)} is not a number; it is dropped.`, { records: 1 }));
      return;
    }
    push({ m: [String(key), encodeNumber(value), Number.isInteger(step) ? step : 0, Date.now()] });
  };
  const setTag = (key: string, value: string) => push({ t: [String(key), String(value)] });

  /** One request with retries by the transport's policy; for the calls outside the queue. */
  const sendOnce = async (method: 'POST' | 'PATCH', path: string, body: unknown, what: string) => {
    const deadline = AbortSignal.timeout(shutdownTimeoutMs);
    const prepared = await transport.prepare({
      method,
      path,
      contentType: 'application/json',
      body: JSON.stringify(body),
      records: 1,
    });
    for (let attempt = 1; attempt <= transport.retry.maxAttempts && !deadline.aborted; attempt++) {
      const first = await ensureCreated({ attempt, signal: deadline });
      const result = first.kind === 'success' ? await transport.send(prepared, { attempt, signal: deadline }) : first;
      if (result.kind === 'success') return;
      if (result.kind === 'failure') {
        report(result.error);
        return;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(result.retryAfterMs, backoffMs(attempt, transport.retry))).unref?.(),
      );
    }
    report(
      new SdkError('retries_exhausted', `Could not ${what} of run ${runId} in time; it is dropped.`, { records: 1 }),
    );
  };

  return {
    runId,
    get logger() {
      logger ??= createLogger({
        url: options.url,
        token: options.token,
        service: options.name ?? 'run',
        host: options.host,
        runId,
        fetch: options.fetch,
        onError: options.onError,
        retry: options.retry,
      });
      return logger;
    },
    logParam,
    logParams: (params) => {
      for (const [k, v] of Object.entries(params ?? {})) logParam(k, v);
    },
    logMetric,
    logMetrics: (metrics, step) => {
      for (const [k, v] of Object.entries(metrics ?? {})) logMetric(k, v, step);
    },
    setTag,
    setTags: (tags) => {
      for (const [k, v] of Object.entries(tags ?? {})) setTag(k, v);
    },
    logProfile: (role, profile) => {
      void queue
        .flush()
        .then(() =>
          sendOnce(
            'POST',
            `${runPath}/datasets/${encodeURIComponent(role)}/profile`,
            profile,
            `send the ${role} profile`,
          ),
        )
        .catch(() => {});
    },
    end: (status = 'FINISHED') => {
      ended ??= (async () => {
        try {
          await queue.flush();
          await sendOnce('PATCH', runPath, { status, endTimeMs: Date.now() }, 'record the end');
        } catch (err) {
          report(new SdkError('internal', 'Ending the run failed.', { cause: err }));
        } finally {
          await Promise.all([queue.close(shutdownTimeoutMs), logger?.shutdown()]).catch(() => {});
        }
      })();
      return ended;
    },
    flush: () => Promise.all([queue.flush(), logger?.flush()]).then(() => undefined),
    stats: () => queue.stats(),
  };
}

/** Groups queued values into the body of POST /api/v1/runs/:id/log; later tags win. */
function logBody(items: string[]): string {
  const metrics: Array<{ key: string; value: number | string; step: number; timestampMs: number }> = [];
  const params: Record<string, string> = {};
  const tags: Record<string, string> = {};
  for (const item of items) {
    const v = JSON.parse(item) as {
      m?: [string, number | string, number, number];
      p?: [string, string];
      t?: [string, string];
    };
    if (v.m) metrics.push({ key: v.m[0], value: v.m[1], step: v.m[2], timestampMs: v.m[3] });
    else if (v.p) params[v.p[0]] = v.p[1];
    else if (v.t) tags[v.t[0]] = v.t[1];
  }
  return JSON.stringify({ metrics, params, tags });
}

function stringValues(o: Record<string, string | number | boolean>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) out[k] = String(v);
  return out;
}

/** 32 lowercase hex digits, the shape of MLflow run ids. */
function newRunId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function defaultUser(): string {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.USER ?? env?.LOGNAME ?? '';
}
