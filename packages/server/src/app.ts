import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { TokenAuthority } from './api/auth.ts';
import { datasetsRoutes } from './api/datasets-routes.ts';
import { logsRoutes } from './api/logs-routes.ts';
import { mlflowArtifactsRoutes } from './api/mlflow/artifacts-routes.ts';
import { mlflowApi } from './api/mlflow/index.ts';
import { sendProblem } from './api/problem.ts';
import { prometheusApi } from './api/prometheus/index.ts';
import { rightsizingRoutes } from './api/rightsizing-routes.ts';
import { runArtifactsRoutes } from './api/run-artifacts-routes.ts';
import { runsRoutes } from './api/runs-routes.ts';
import type { Config, Scope } from './config/index.ts';
import { durationMs } from './config/index.ts';
import { StellwerkError } from './errors.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { LogIngest } from './pipeline/log-ingest.ts';
import { MetricsIngest } from './pipeline/metrics-ingest.ts';
import { SeriesRegistry } from './pipeline/series-registry.ts';
import { PipelineWorkers } from './pipeline/worker-pool.ts';
import { LogSearch } from './query/log-search.ts';
import { decodeBody } from './receivers/http-body.ts';
import { influxReceiver } from './receivers/influx/index.ts';
import { logsHttpReceiver } from './receivers/logs-http.ts';
import { otlpMetricsReceiver } from './receivers/otlp/index.ts';
import { pushgatewayReceiver } from './receivers/pushgateway/index.ts';
import { remoteWriteReceiver } from './receivers/remote-write/index.ts';
import { FileArtifactStore } from './store/artifact-store.ts';
import type { Store } from './store/client.ts';
import { DatasetsRepository } from './store/datasets-repository.ts';
import { LogsRepository } from './store/logs-repository.ts';
import { MetricsRepository } from './store/metrics-repository.ts';
import { PushGroupsRepository } from './store/push-groups-repository.ts';
import { type RetentionKind, retentionSeconds } from './store/retention.ts';
import { RightsizingRepository } from './store/rightsizing-repository.ts';
import { RollupRoller } from './store/rollup-roller.ts';
import { RunsRepository } from './store/runs-repository.ts';
import { BatchWriter } from './writer/batch-writer.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The token scope a route needs; routes without one are public (health, UI). */
    scope?: Scope;
  }
}

export interface AppDeps {
  store: Store;
  logger: Logger;
  metrics?: Metrics;
  /** Tells /readyz and /healthz about the embedded engine, when there is one. */
  engineInfo?: () => { restarts: number; pid: number | undefined } | undefined;
}

export interface StellwerkApp {
  app: FastifyInstance;
  /** Stellwerk's own metrics (counters the scraper and receivers update). */
  metrics: Metrics;
  /** The metrics ingest path, for receivers outside HTTP (scrapers) and tests. */
  metricsIngest: MetricsIngest;
  /** Rolls metric samples up into the rollup tiers every metrics.rollupInterval; stops with the app. */
  rollups: RollupRoller;
  /** Flushes what the writers hold; call before closing the store. */
  flush(): Promise<void>;
}

export const VERSION = '0.1.0';

/** Builds the whole HTTP application from a validated config; main only listens. */
export async function buildApp(config: Config, deps: AppDeps): Promise<StellwerkApp> {
  const metrics = deps.metrics ?? createMetrics();
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.ingest.maxBodyBytes,
    // Per-request lines would dwarf the ingest itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const auth = new TokenAuthority(config.auth);
  const webDir = config.server.webDir;
  const hasUi = webDir !== undefined && webDir !== '' && existsSync(join(webDir, 'index.html'));
  const logsRepo = new LogsRepository(deps.store);

  const writerFor = (kind: string, insert: (body: Buffer, token: string) => Promise<void>) =>
    new BatchWriter({
      kind,
      insert,
      maxBatchRecords: config.ingest.batchMaxRecords,
      maxBatchAgeMs: durationMs(config.ingest.batchMaxAge),
      maxQueuedRecords: config.ingest.queueMaxRecords,
      maxQueuedBytes: config.ingest.queueMaxBytes,
      log: deps.logger,
      onStored: (n, seconds) => {
        metrics.recordsStored.inc({ kind }, n);
        metrics.insertSeconds.observe({ kind }, seconds);
      },
      onRetry: () => metrics.insertRetries.inc({ kind }),
      onQueueDepth: (n) => metrics.queueDepth.set({ kind }, n),
    });
  const logWriter = writerFor('logs', (body, token) => logsRepo.insertEncoded(body, token));
  const workers = new PipelineWorkers();
  app.addHook('onClose', () => workers.close());
  const logIngest = new LogIngest(
    logWriter,
    metrics,
    {
      maxAttributes: config.ingest.maxAttributes,
      maxLineBytes: config.ingest.maxLineBytes,
      retentionMs: durationMs(config.retention.logs),
      retentionText: config.retention.logs,
    },
    workers,
  );

  const metricsRepo = new MetricsRepository(deps.store);
  const rollups = new RollupRoller(deps.store, {
    intervalMs: durationMs(config.metrics.rollupInterval),
    log: deps.logger,
    onRoll: (_rows, seconds) => metrics.insertSeconds.observe({ kind: 'rollup' }, seconds),
  });
  await rollups.start();
  app.addHook('onClose', () => rollups.stop());
  const registry = new SeriesRegistry({
    maxSeries: config.metrics.maxSeries,
    maxSeriesPerMetric: config.metrics.maxSeriesPerMetric,
  });
  registry.seed(await metricsRepo.seriesCounts(), await metricsRepo.fingerprints(config.metrics.maxSeries));
  const samplesWriter = writerFor('metrics', (body, token) => metricsRepo.insertSamples(body, token));
  const seriesWriter = writerFor('series', (body, token) => metricsRepo.insertSeries(body, token));
  const metricsIngest = new MetricsIngest(
    samplesWriter,
    seriesWriter,
    registry,
    (entries) => metricsRepo.upsertMetadata(entries),
    metrics,
    {
      maxLabelsPerSeries: config.metrics.maxLabelsPerSeries,
      maxLabelValueBytes: config.metrics.maxLabelValueBytes,
      retentionMs: durationMs(config.retention.metrics),
      retentionText: config.retention.metrics,
    },
  );

  app.addHook('onRequest', async (req) => {
    const scope = req.routeOptions.config?.scope;
    if (scope) auth.check(req, scope);
  });
  // Requests still in flight at shutdown get `Connection: close`, so their keep-alive sockets
  // do not hold the process open until the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  // Counted here, before any protocol's own error handler renders the refusal.
  app.addHook('onError', async (req, _reply, err) => {
    if (err instanceof StellwerkError && err.code === 'STW_ERR_OVERLOADED') {
      metrics.writesRefused.inc({ kind: req.url.startsWith('/api/v1/logs') ? 'logs' : 'metrics' });
    }
  });
  app.setErrorHandler((err, req, reply) => sendProblem(req, reply, err));

  app.get('/healthz', async () => ({ status: 'ok', version: VERSION, engine: deps.engineInfo?.() ?? null }));
  app.get('/readyz', async (_req, reply) => {
    const ok = await deps.store.ping();
    if (!ok) {
      reply.header('retry-after', '2');
      return reply.status(503).send({ status: 'unavailable', detail: 'The store does not answer yet.' });
    }
    return { status: 'ready' };
  });
  // /metrics is both Stellwerk's own exposition and the UI's Metrics page: a browser asking
  // for HTML gets the page, scrapers get the metrics (and need the read scope).
  app.get('/metrics', async (req, reply) => {
    const accept = req.headers.accept ?? '';
    if (hasUi && accept.includes('text/html')) return reply.sendFile('index.html');
    auth.check(req, 'read');
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/api/v1/session', async (req) => {
    if (!auth.required) return { authRequired: false, scopes: ['ingest', 'read', 'admin'] };
    // Any valid token learns its scopes (an ingest-only token too: `stellwerk run` asks).
    for (const scope of ['read', 'ingest', 'admin'] as const) {
      try {
        return { authRequired: true, scopes: [...auth.check(req, scope).scopes] };
      } catch {}
    }
    return { authRequired: true, scopes: [] };
  });
  app.get('/api/v1/settings/retention', { config: { scope: 'read' } }, async () => {
    const applied = async (kind: RetentionKind) => {
      const seconds = await retentionSeconds(deps.store, kind);
      return seconds === null ? null : `${seconds}s`;
    };
    return {
      logs: config.retention.logs,
      metrics: config.retention.metrics,
      metrics1m: config.retention.metrics1m,
      metrics1h: config.retention.metrics1h,
      metrics1d: config.retention.metrics1d,
      applied: {
        logs: await applied('logs'),
        metrics: await applied('metrics'),
        metrics1m: await applied('metrics1m'),
        metrics1h: await applied('metrics1h'),
        metrics1d: await applied('metrics1d'),
      },
    };
  });

  await app.register(logsHttpReceiver, {
    ingest: logIngest,
    maxBodyBytes: config.ingest.maxBodyBytes,
    decode: (body: Buffer, encoding: string | undefined) => decodeBody(body, encoding, config.ingest.maxBodyBytes),
  });
  await app.register(logsRoutes, { search: new LogSearch(logsRepo) });
  const metricsReceiverOptions = {
    ingest: metricsIngest,
    metrics,
    maxBodyBytes: config.ingest.maxBodyBytes,
    decode: (body: Buffer, encoding: string | undefined) => decodeBody(body, encoding, config.ingest.maxBodyBytes),
  };
  await app.register(influxReceiver, metricsReceiverOptions);
  await app.register(remoteWriteReceiver, metricsReceiverOptions);
  await app.register(otlpMetricsReceiver, {
    ...metricsReceiverOptions,
    delta: {
      maxSeries: config.ingest.otlpDeltaMaxSeries,
      idleTimeoutMs: durationMs(config.ingest.otlpDeltaIdleTimeout),
    },
  });
  await app.register(pushgatewayReceiver, {
    ...metricsReceiverOptions,
    pushGroups: new PushGroupsRepository(deps.store),
  });
  await app.register(prometheusApi, {
    repo: metricsRepo,
    rawRetentionMs: durationMs(config.retention.metrics),
    queryTimeoutMs: durationMs(config.storage.queryTimeout),
  });
  const runsOptions = {
    config,
    runs: new RunsRepository(deps.store),
    datasets: new DatasetsRepository(deps.store),
    artifacts: new FileArtifactStore(join(config.storage.dataDir, 'artifacts'), {
      maxFileBytes: config.artifacts.maxFileBytes,
    }),
    metricsIngest,
  };
  await app.register(runsRoutes, runsOptions);
  await app.register(rightsizingRoutes, { repo: new RightsizingRepository(deps.store) });
  await app.register(datasetsRoutes, runsOptions);
  await app.register(mlflowApi, runsOptions);
  await app.register(mlflowArtifactsRoutes, runsOptions);
  await app.register(runArtifactsRoutes, runsOptions);

  if (hasUi) await app.register(fastifyStatic, { root: webDir, wildcard: false, index: 'index.html' });
  app.setNotFoundHandler((req, reply) => {
    // The UI routes on the client: unknown non-API GETs get the app's page.
    if (hasUi && req.method === 'GET' && !req.url.startsWith('/api/')) return reply.sendFile('index.html');
    return sendProblem(
      req,
      reply,
      new StellwerkError('STW_ERR_NOT_FOUND', `No route for ${req.method} ${req.url.split('?')[0]}.`),
    );
  });

  return {
    app,
    metrics,
    metricsIngest,
    rollups,
    flush: async () => {
      await Promise.all([logWriter.flush(), seriesWriter.flush()]);
      await samplesWriter.flush();
    },
  };
}
