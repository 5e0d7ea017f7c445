import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StellwerkError } from '../../errors.ts';
import { PromqlEngine } from '../../query/promql/engine.ts';
import { PromqlError } from '../../query/promql/errors.ts';
import { RepositorySource } from '../../query/promql/repository-source.ts';
import { RESOLUTION_REQUESTS, type ResolutionRequest } from '../../query/promql/resolution-plan.ts';
import { parseMatchSelector, SeriesQueries } from '../../query/promql/series-queries.ts';
import type { MetricsRepository } from '../../store/metrics-repository.ts';
import { all, first, type Params, parseDurationParam, parseForm, parseTimeParam } from './params.ts';
import { renderValue } from './render.ts';

const STATUS: Record<string, number> = { bad_data: 400, execution: 422, timeout: 503, unavailable: 503, internal: 500 };

/** What Grafana and promtool read from buildinfo; the version is the Prometheus API level we follow. */
const BUILD_INFO = {
  version: '2.42.0',
  revision: 'stellwerk',
  branch: 'stellwerk',
  buildUser: 'stellwerk',
  buildDate: '20260101-00:00:00',
  goVersion: 'go1.19',
};

/** A whole response body, for answers that carry more than `data` (e.g. `infos`). */
class Envelope {
  constructor(readonly body: object) {}
}

export interface PrometheusApiOptions {
  repo: MetricsRepository;
  /** Raw sample retention, for the resolution rule (a range older than it reads rollups). */
  rawRetentionMs?: number;
  /** The longest a query may run (storage.queryTimeout); a shorter `timeout` parameter wins. */
  queryTimeoutMs?: number;
}

/** The Prometheus HTTP API: query, query_range, series, labels, label values, metadata, buildinfo. */
export async function prometheusApi(app: FastifyInstance, options: PrometheusApiOptions): Promise<void> {
  const engine = new PromqlEngine(new RepositorySource(options.repo), { rawRetentionMs: options.rawRetentionMs });
  const meta = new SeriesQueries(options.repo);

  // promtool and Grafana POST forms; the parser lives in this plugin's scope only.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseForm(body as string));
  });
  app.setErrorHandler((err, req, reply) => sendError(req, reply, err));

  const params = (req: FastifyRequest): Params => ({
    ...(req.query as Params),
    ...(req.body && typeof req.body === 'object' ? (req.body as Params) : {}),
  });
  const both = (path: string, handler: (p: Params, reply: FastifyReply) => Promise<unknown>) => {
    const h = async (req: FastifyRequest, reply: FastifyReply) => {
      const out = await handler(params(req), reply);
      return out instanceof Envelope ? out.body : { status: 'success', data: out };
    };
    app.get(path, { config: { scope: 'read' } }, h);
    app.post(path, { config: { scope: 'read' } }, h);
  };

  /** The query's deadline: storage.queryTimeout, or the `timeout` parameter when smaller. */
  const deadline = (p: Params): number | undefined => {
    const configured = options.queryTimeoutMs;
    const asked = first(p, 'timeout') ? parseDurationParam(p, 'timeout') : undefined;
    if (asked !== undefined && asked <= 0)
      throw new PromqlError('bad_data', 'invalid parameter "timeout": must be a positive duration such as 30s');
    const ms = asked === undefined ? configured : configured === undefined ? asked : Math.min(asked, configured);
    return ms === undefined ? undefined : Date.now() + ms;
  };

  both('/api/v1/query', async (p) => {
    const time = parseTimeParam(p, 'time', Date.now());
    const resolution = resolutionParam(p);
    if (resolution !== 'auto' && resolution !== 'raw')
      throw new PromqlError(
        'bad_data',
        'invalid parameter "stellwerk_resolution": instant queries always read raw samples; use auto or raw, or query_range for rollups',
      );
    const value = await engine.instantQuery(required(p, 'query'), time, { deadlineMs: deadline(p) });
    return renderValue(value, time);
  });

  both('/api/v1/query_range', async (p, reply) => {
    const start = parseTimeParam(p, 'start');
    const end = parseTimeParam(p, 'end');
    const step = parseDurationParam(p, 'step');
    if (end < start) throw new PromqlError('bad_data', 'end timestamp must not be before start time');
    if (step <= 0)
      throw new PromqlError(
        'bad_data',
        'zero or negative query resolution step widths are not accepted. Try a positive integer',
      );
    const { value, plan } = await engine.evaluateRange(required(p, 'query'), start, end, step, {
      resolution: resolutionParam(p),
      deadlineMs: deadline(p),
    });
    // Prometheus clients ignore both; they say which data answered.
    reply.header('stellwerk-resolution', plan.resolution);
    const data = renderValue(value, end);
    if (plan.resolution === 'raw') return data;
    const rawNote = plan.rawSelectors > 0 ? ` (${plan.rawSelectors} selector(s) read raw samples)` : '';
    return new Envelope({
      status: 'success',
      data,
      infos: [
        `Stellwerk answered from the ${plan.resolution} rollup${rawNote}; add stellwerk_resolution=raw to read raw samples`,
      ],
    });
  });

  both('/api/v1/series', async (p) => {
    const matches = all(p, 'match[]');
    if (matches.length === 0) throw new PromqlError('bad_data', 'no match[] parameter provided');
    return meta.series(matches.map(parseMatchSelector), optionalRange(p));
  });

  both('/api/v1/labels', async (p) => meta.labelNames(all(p, 'match[]').map(parseMatchSelector)));

  app.get<{ Params: { name: string } }>('/api/v1/label/:name/values', { config: { scope: 'read' } }, async (req) => {
    const name = req.params.name;
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name))
      throw new PromqlError('bad_data', `invalid label name: ${JSON.stringify(name)}`);
    const p = params(req);
    return { status: 'success', data: await meta.labelValues(name, all(p, 'match[]').map(parseMatchSelector)) };
  });

  app.get('/api/v1/metadata', { config: { scope: 'read' } }, async (req) => {
    const p = params(req);
    const limit = Number(first(p, 'limit') ?? '-1');
    const rows = await meta.metadata(first(p, 'metric') || undefined);
    const data: Record<string, Array<{ type: string; help: string; unit: string }>> = {};
    for (const r of limit >= 0 ? rows.slice(0, limit) : rows)
      data[r.metric] = [{ type: r.type, help: r.help, unit: r.unit }];
    return { status: 'success', data };
  });

  // Prometheus' cardinality view (what Grafana and promtool read): the top series producers.
  app.get('/api/v1/status/tsdb', { config: { scope: 'read' } }, async (req) => {
    const raw = first(req.query as Params, 'limit');
    const limit = raw === undefined ? 10 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new PromqlError('bad_data', `invalid parameter "limit": must be a whole number from 1 to 10000`);
    }
    const c = await options.repo.cardinality(limit);
    return {
      status: 'success',
      data: {
        headStats: {
          numSeries: c.numSeries,
          numLabelPairs: c.byLabelPair.length,
          chunkCount: 0,
          minTime: 0,
          maxTime: 0,
        },
        seriesCountByMetricName: c.byMetric,
        labelValueCountByLabelName: c.valuesByLabel,
        memoryInBytesByLabelName: [],
        seriesCountByLabelValuePair: c.byLabelPair,
      },
    };
  });

  app.get('/api/v1/status/buildinfo', { config: { scope: 'read' } }, async () => ({
    status: 'success',
    data: BUILD_INFO,
  }));
}

function resolutionParam(p: Params): ResolutionRequest {
  const v = first(p, 'stellwerk_resolution');
  if (v === undefined || v === '') return 'auto';
  if (!(RESOLUTION_REQUESTS as readonly string[]).includes(v))
    throw new PromqlError(
      'bad_data',
      `invalid parameter "stellwerk_resolution": ${JSON.stringify(v)} is not one of ${RESOLUTION_REQUESTS.join(', ')}`,
    );
  return v as ResolutionRequest;
}

function required(p: Params, name: string): string {
  const v = first(p, name);
  if (v === undefined || v === '') throw new PromqlError('bad_data', `invalid parameter "${name}": missing`);
  return v;
}

function optionalRange(p: Params): { fromMs: number; toMs: number } | undefined {
  if (!first(p, 'start') && !first(p, 'end')) return undefined;
  return {
    fromMs: parseTimeParam(p, 'start', -9_223_372_036_854),
    toMs: parseTimeParam(p, 'end', 9_223_372_036_854),
  };
}

/** Prometheus' error shape: {"status":"error","errorType":...,"error":...}. */
function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  let errorType = 'internal';
  let message = 'internal error; the server log has the details';
  let status = 500;
  if (err instanceof PromqlError) {
    errorType = err.errorType;
    message = err.message;
    status = STATUS[err.errorType] ?? 500;
  } else if (err instanceof StellwerkError) {
    status = err.status;
    // The store's cut-off may come from the request's own timeout, not only storage.queryTimeout.
    message =
      err.code === 'STW_ERR_QUERY_TIMEOUT'
        ? 'query timed out in fetching samples; narrow the time range or the selectors, or raise the timeout'
        : err.detail;
    errorType =
      err.code === 'STW_ERR_QUERY_TIMEOUT'
        ? 'timeout'
        : status === 503
          ? 'unavailable'
          : status === 401 || status === 403
            ? 'unauthorized'
            : status < 500
              ? 'bad_data'
              : 'internal';
    if (err.extra.retryAfterSec !== undefined) reply.header('retry-after', String(err.extra.retryAfterSec));
    if (status === 401) reply.header('www-authenticate', 'Bearer realm="stellwerk"');
  } else {
    const fe = err as { statusCode?: number; message?: string };
    if (fe?.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      status = fe.statusCode;
      errorType = 'bad_data';
      message = fe.message ?? 'bad request';
    }
  }
  // A timeout is the query's size, not a fault: no stack trace.
  if (errorType === 'timeout') req.log.warn({ errorType }, message);
  else if (status >= 500) req.log.error({ err }, message);
  return reply.status(status).type('application/json').send({ status: 'error', errorType, error: message });
}
