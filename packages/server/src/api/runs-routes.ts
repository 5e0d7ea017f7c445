import { createHash } from 'node:crypto';
import { RESOURCE_METRICS, type Run, type RunMetric } from '@stellwerk/contracts';
import type { FastifyPluginAsync } from 'fastify';
import { StellwerkError } from '../errors.ts';
import { experimentFilterSql, experimentOrderSql } from '../query/experiment-filter.ts';
import { runSearchSql } from '../query/run-filter/index.ts';
import type { Lifecycle } from '../store/runs-repository.ts';
import { decodePageToken, encodePageToken } from './page-token.ts';
import { checkKey, checkParam, checkTag } from './run-limits.ts';
import { resourceRecords } from './run-resources.ts';
import type { RunsPluginOptions } from './runs-plugin-options.ts';
import {
  experimentCreateSchema,
  logBodySchema,
  metricsBodySchema,
  paramsBodySchema,
  parseBody,
  resourcesBodySchema,
  runCreateSchema,
  runUpdateSchema,
  tagsBodySchema,
} from './runs-schemas.ts';

const READ = { config: { scope: 'read' as const } };
const INGEST = { config: { scope: 'ingest' as const } };
const MAX_RESULTS = 50_000;

interface ListQuery {
  experimentId?: string | string[];
  lifecycle?: string;
  filter?: string;
  orderBy?: string | string[];
  maxResults?: string;
  pageToken?: string;
}

/** Native runs API (see contracts/runs.ts): JSON, times in epoch ms, problem+json errors. */
export const runsRoutes: FastifyPluginAsync<RunsPluginOptions> = async (app, options) => {
  const { runs } = options;

  app.post('/api/v1/experiments', INGEST, async (req, reply) => {
    const body = parseBody(experimentCreateSchema, req.body, 'experiment');
    const experiment = await runs.createExperiment(body);
    return reply.status(201).send({ experiment });
  });

  app.get<{ Querystring: ListQuery }>('/api/v1/experiments', READ, async (req) => {
    const offset = decodePageToken(req.query.pageToken);
    const limit = intParam(req.query.maxResults, 'maxResults', 1000, MAX_RESULTS);
    const page = await runs.searchExperiments({
      lifecycle: lifecycleParam(req.query.lifecycle),
      where: experimentFilterSql(req.query.filter ?? ''),
      orderBy: experimentOrderSql(list(req.query.orderBy)),
      limit,
      offset,
    });
    return { experiments: page.experiments, ...(page.more ? { nextPageToken: encodePageToken(offset + limit) } : {}) };
  });

  app.get<{ Params: { id: string } }>('/api/v1/experiments/:id', READ, async (req) => ({
    experiment: await runs.requireExperiment(req.params.id),
  }));

  app.post('/api/v1/runs', INGEST, async (req, reply) => {
    const body = parseBody(runCreateSchema, req.body, 'run');
    for (const [k, v] of Object.entries(body.params ?? {})) checkParam(k, v);
    for (const [k, v] of Object.entries(body.tags ?? {})) checkTag(k, v);
    const { run, created } = await runs.createRun(body);
    return reply.status(created ? 201 : 200).send({ run: runJson(run) });
  });

  app.get<{ Querystring: ListQuery }>('/api/v1/runs', READ, async (req) => {
    const offset = decodePageToken(req.query.pageToken);
    const limit = intParam(req.query.maxResults, 'maxResults', 1000, MAX_RESULTS);
    let experimentIds = list(req.query.experimentId).flatMap((s) => s.split(','));
    if (experimentIds.length === 0) {
      const all = await runs.searchExperiments({ lifecycle: 'all', limit: MAX_RESULTS, offset: 0 });
      experimentIds = all.experiments.map((e) => e.experimentId);
    }
    const found = await runs.searchRuns(
      runSearchSql({
        experimentIds,
        filter: req.query.filter,
        orderBy: list(req.query.orderBy),
        lifecycle: lifecycleParam(req.query.lifecycle),
        limit: limit + 1,
        offset,
      }),
    );
    return {
      runs: found.slice(0, limit).map(runJson),
      ...(found.length > limit ? { nextPageToken: encodePageToken(offset + limit) } : {}),
    };
  });

  app.get<{ Params: { id: string } }>('/api/v1/runs/:id', READ, async (req) => ({
    run: runJson(await runs.requireRun(req.params.id)),
  }));

  app.patch<{ Params: { id: string } }>('/api/v1/runs/:id', INGEST, async (req, reply) => {
    const body = parseBody(runUpdateSchema, req.body, 'run update');
    // `Prefer: return=minimal` (RFC 7240): the caller (`stellwerk run` at its end, waiting to
    // exit) needs only to know the update is stored, not the whole run read back.
    if (/\breturn=minimal\b/.test(String(req.headers.prefer ?? ''))) {
      await runs.storeRunUpdate(req.params.id, body);
      return reply.status(204).header('preference-applied', 'return=minimal').send();
    }
    return { run: runJson(await runs.updateRun(req.params.id, body)) };
  });

  app.post<{ Params: { id: string } }>('/api/v1/runs/:id/params', INGEST, async (req) => {
    const { params } = parseBody(paramsBodySchema, req.body, 'params');
    for (const [k, v] of Object.entries(params)) checkParam(k, v);
    await runs.logParams(req.params.id, params);
    return {};
  });

  app.post<{ Params: { id: string } }>('/api/v1/runs/:id/tags', INGEST, async (req) => {
    const { tags } = parseBody(tagsBodySchema, req.body, 'tags');
    for (const [k, v] of Object.entries(tags)) checkTag(k, v);
    await runs.setTags(req.params.id, tags);
    return {};
  });

  app.post<{ Params: { id: string } }>('/api/v1/runs/:id/metrics', INGEST, async (req) => {
    const { metrics } = parseBody(metricsBodySchema, req.body, 'metrics');
    await runs.logMetrics(req.params.id, completeMetrics(metrics));
    return {};
  });

  app.post<{ Params: { id: string } }>('/api/v1/runs/:id/log', INGEST, async (req) => {
    const body = parseBody(logBodySchema, req.body, 'log batch');
    for (const [k, v] of Object.entries(body.params ?? {})) checkParam(k, v);
    for (const [k, v] of Object.entries(body.tags ?? {})) checkTag(k, v);
    await runs.logBatch(req.params.id, {
      metrics: completeMetrics(body.metrics ?? []),
      params: body.params,
      tags: body.tags,
    });
    return {};
  });

  app.get<{ Params: { id: string; key: string }; Querystring: ListQuery }>(
    '/api/v1/runs/:id/metrics/:key',
    READ,
    async (req) => {
      const offset = decodePageToken(req.query.pageToken);
      const limit = intParam(req.query.maxResults, 'maxResults', 25_000, 25_000);
      const page = await runs.metricHistory(req.params.id, req.params.key, { limit, offset });
      return {
        metrics: page.metrics.map(metricJson),
        ...(page.more ? { nextPageToken: encodePageToken(offset + limit) } : {}),
      };
    },
  );

  // One request of `stellwerk run`'s process-tree samples: metric series for PromQL and
  // run metrics under MLflow's system-metric names. Samples come in time order, so those at
  // or before the last stored one are a resent request and are skipped.
  app.post<{ Params: { id: string } }>('/api/v1/runs/:id/resources', INGEST, async (req) => {
    const { samples } = parseBody(resourcesBodySchema, req.body, 'resource samples');
    const run = await runs.requireRunTags(req.params.id);
    const experiment = await runs.getExperiment(run.experimentId);
    // Two requests for one run at once must not both continue from the same step.
    const stored = await runs.exclusive(run.runId, async () => {
      const last = await runs.lastMetricPoint(run.runId, RESOURCE_METRICS.cpuPercent.mlflow);
      const fresh = last ? samples.filter((s) => s.timestampMs > last.timestampMs) : samples;
      if (fresh.length === 0) return null;
      const firstStep = last ? last.step + 1 : 0;
      const records = resourceRecords(run, experiment?.name ?? '', fresh, firstStep);
      // As its own insert under a token, not in the shared batch: the wrapper sends one small
      // request a second and waits for it before its next record, so a batching delay would
      // hold up the run's end. The same run, steps and samples make the same token, so only a
      // true resend is deduplicated.
      const idempotencyToken = `runres:${createHash('sha256').update(`${run.runId}:${firstStep}:`).update(JSON.stringify(fresh)).digest('hex')}`;
      const result = await options.metricsIngest.ingest(records.series, { receiver: 'runs', idempotencyToken });
      await runs.logMetrics(run.runId, records.runMetrics);
      return { fresh, records, result };
    });
    if (!stored) return { accepted: 0, skipped: samples.length };
    const { fresh, records, result } = stored;
    if (result.rejected > 0) {
      throw new StellwerkError(
        'STW_ERR_INVALID_RECORD',
        `${result.rejected} of ${records.series.length} resource values were refused as metric samples (first: ${result.errors[0]?.reason}); the run metrics were stored.`,
        {
          accepted: result.accepted,
          rejected: result.rejected,
          errors: result.errors.slice(0, 20).map((e) => ({ line: e.index, reason: e.reason })),
        },
      );
    }
    return { accepted: fresh.length, skipped: samples.length - fresh.length };
  });
};

function completeMetrics(metrics: Array<{ key: string; value: number; step?: number; timestampMs?: number }>) {
  const now = Date.now();
  return metrics.map((m): RunMetric => {
    checkKey('metric', m.key);
    return { key: m.key, value: m.value, step: m.step ?? 0, timestampMs: m.timestampMs ?? now };
  });
}

/** JSON has no NaN or infinities: they go out as the words the SDK sends them in. */
function metricJson(m: RunMetric): Omit<RunMetric, 'value'> & { value: number | string } {
  return Number.isFinite(m.value) ? m : { ...m, value: String(m.value) };
}

function runJson(run: Run) {
  return { ...run, metrics: run.metrics.map(metricJson) };
}

function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((s) => s !== '');
}

function lifecycleParam(v: string | undefined): Lifecycle {
  if (v === undefined || v === '' || v === 'active') return 'active';
  if (v === 'deleted' || v === 'all') return v;
  throw new StellwerkError('STW_ERR_BAD_REQUEST', `lifecycle must be active, deleted or all, not '${v}'.`);
}

function intParam(v: string | undefined, name: string, fallback: number, max: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new StellwerkError('STW_ERR_BAD_REQUEST', `${name} must be an integer from 1 to ${max}, not '${v}'.`);
  }
  return n;
}
