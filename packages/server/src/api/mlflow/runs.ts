import { type DatasetInput, RUN_STATUSES, type RunMetric, type RunStatus } from '@stellwerk/contracts';
import type { FastifyInstance } from 'fastify';
import { runSearchSql } from '../../query/run-filter/index.ts';
import { checkKey, checkParam, checkTag, checkTimeMs, RUN_LIMITS } from '../run-limits.ts';
import type { RunsPluginOptions } from '../runs-plugin-options.ts';
import {
  invalid,
  keyValueMap,
  type Message,
  maxResultsOf,
  messageList,
  messageOf,
  nextPageOf,
  optionalInt,
  optionalString,
  pageOffsetOf,
  requiredDouble,
  requiredInt,
  requiredString,
  runIdOf,
  searchPageOf,
  stringList,
  viewTypeOf,
} from './request.ts';
import { INGEST, READ } from './route-scopes.ts';
import { metricJson, runInfoJson, runJson } from './shapes.ts';

/** MLflow's GET_METRIC_HISTORY_MAX_RESULTS. */
const HISTORY_MAX = 25_000;
/** Keys MLflow's log-model requires in model_json. */
const MODEL_FIELDS = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'];

/** runs/* and metrics/get-history. */
export function runRoutes(app: FastifyInstance, options: RunsPluginOptions): void {
  const { runs } = options;

  app.post('/runs/create', INGEST, async (req) => {
    const m = messageOf(req);
    const tags = keyValueMap(m, 'tags');
    for (const [k, v] of Object.entries(tags)) checkTag(k, v);
    const startTimeMs = optionalInt(m, 'start_time');
    if (startTimeMs !== undefined) checkTimeMs('start_time', startTimeMs);
    const { run } = await runs.createRun({
      experimentId: optionalString(m, 'experiment_id') || '0',
      name: optionalString(m, 'run_name') || undefined,
      user: optionalString(m, 'user_id') ?? '',
      startTimeMs,
      tags,
    });
    return { run: runJson(run) };
  });

  app.get('/runs/get', READ, async (req) => ({ run: runJson(await runs.requireRun(runIdOf(messageOf(req)))) }));

  app.post('/runs/update', INGEST, async (req) => {
    const m = messageOf(req);
    const status = optionalString(m, 'status');
    if (status !== undefined && !RUN_STATUSES.includes(status as RunStatus)) {
      throw invalid(`Invalid value '${status}' for parameter 'status': use one of ${RUN_STATUSES.join(', ')}.`);
    }
    const endTimeMs = optionalInt(m, 'end_time');
    if (endTimeMs !== undefined) checkTimeMs('end_time', endTimeMs);
    const run = await runs.updateRun(runIdOf(m), {
      status: status as RunStatus | undefined,
      endTimeMs,
      name: optionalString(m, 'run_name') || undefined,
    });
    return { run_info: runInfoJson(run) };
  });

  app.post('/runs/delete', INGEST, async (req) => {
    await runs.setRunLifecycle(runIdOf(messageOf(req)), 'deleted');
    return {};
  });

  app.post('/runs/restore', INGEST, async (req) => {
    await runs.setRunLifecycle(runIdOf(messageOf(req)), 'active');
    return {};
  });

  const search = async (m: Message) => {
    const { limit, offset } = searchPageOf(m);
    const experimentIds = stringList(m, 'experiment_ids');
    const lifecycle = viewTypeOf(m, 'run_view_type');
    const idsQuery = runSearchSql({
      experimentIds,
      filter: optionalString(m, 'filter'),
      orderBy: stringList(m, 'order_by'),
      lifecycle,
      limit: limit + 1,
      offset,
    });
    const found = experimentIds.length === 0 ? [] : await runs.searchRuns(idsQuery);
    return {
      runs: found.slice(0, limit).map(runJson),
      ...nextPageOf(offset, limit, found.length > limit),
    };
  };
  app.post('/runs/search', READ, async (req) => search(messageOf(req)));
  app.get('/runs/search', READ, async (req) => search(messageOf(req)));

  app.post('/runs/log-metric', INGEST, async (req) => {
    const m = messageOf(req);
    await runs.logMetrics(runIdOf(m), [metricOf(m)]);
    return {};
  });

  app.post('/runs/log-parameter', INGEST, async (req) => {
    const m = messageOf(req);
    const key = requiredString(m, 'key');
    const value = optionalString(m, 'value') ?? '';
    checkParam(key, value);
    await runs.logParams(runIdOf(m), { [key]: value });
    return {};
  });

  app.post('/runs/log-batch', INGEST, async (req) => {
    const m = messageOf(req);
    const runId = runIdOf(m);
    const metricMessages = messageList(m, 'metrics');
    const paramMessages = messageList(m, 'params');
    const tagMessages = messageList(m, 'tags');
    checkBatchSize(metricMessages.length, paramMessages.length, tagMessages.length);
    const metrics = metricMessages.map(metricOf);
    const params: Record<string, string> = {};
    const duplicates = new Set<string>();
    for (const p of paramMessages) {
      const key = requiredString(p, 'key');
      const value = optionalString(p, 'value') ?? '';
      checkParam(key, value);
      if (key in params && params[key] !== value) duplicates.add(key);
      params[key] = value;
    }
    if (duplicates.size > 0) {
      throw invalid(
        `Duplicate parameter keys have been submitted: ${JSON.stringify([...duplicates])}. Please ensure the request contains only one param value per param key.`,
      );
    }
    const tags: Record<string, string> = {};
    for (const t of tagMessages) {
      const key = requiredString(t, 'key');
      const value = optionalString(t, 'value') ?? '';
      checkTag(key, value);
      tags[key] = value;
    }
    await runs.logBatch(runId, { metrics, params, tags });
    return {};
  });

  app.post('/runs/set-tag', INGEST, async (req) => {
    const m = messageOf(req);
    const key = requiredString(m, 'key');
    const value = optionalString(m, 'value') ?? '';
    checkTag(key, value);
    await runs.setTags(runIdOf(m), { [key]: value });
    return {};
  });

  app.post('/runs/delete-tag', INGEST, async (req) => {
    const m = messageOf(req);
    await runs.deleteTag(runIdOf(m), requiredString(m, 'key'));
    return {};
  });

  app.post('/runs/log-inputs', INGEST, async (req) => {
    const m = messageOf(req);
    const datasets = messageList(m, 'datasets');
    if (datasets.length > RUN_LIMITS.batchInputs) {
      throw invalid(
        `A log-inputs request can contain at most ${RUN_LIMITS.batchInputs} datasets. Got ${datasets.length}.`,
      );
    }
    const inputs = datasets.map((d): DatasetInput => {
      const dataset = d.dataset;
      if (typeof dataset !== 'object' || dataset === null || Array.isArray(dataset)) {
        throw invalid("Missing value for required parameter 'datasets.dataset'.");
      }
      const ds = dataset as Message;
      return {
        name: requiredString(ds, 'name'),
        digest: requiredString(ds, 'digest'),
        sourceType: requiredString(ds, 'source_type'),
        source: requiredString(ds, 'source'),
        schema: optionalString(ds, 'schema') ?? '',
        profile: optionalString(ds, 'profile') ?? '',
        tags: keyValueMap(d, 'tags'),
      };
    });
    await runs.logInputs(runIdOf(m), inputs);
    return {};
  });

  app.post('/runs/log-model', INGEST, async (req) => {
    const m = messageOf(req);
    const text = requiredString(m, 'model_json');
    let model: unknown;
    try {
      model = JSON.parse(text);
    } catch {
      throw invalid('Malformed model info. model_json is not valid JSON.');
    }
    if (typeof model !== 'object' || model === null || Array.isArray(model)) {
      throw invalid('Malformed model info. model_json must be a JSON object.');
    }
    const absent = MODEL_FIELDS.filter((f) => !(f in model));
    if (absent.length > 0) throw invalid(`Model json is missing mandatory fields: ${JSON.stringify(absent)}`);
    await runs.logModel(runIdOf(m), model as Record<string, unknown>);
    return {};
  });

  app.get('/metrics/get-history', READ, async (req) => {
    const m = messageOf(req);
    const limit = maxResultsOf(m, HISTORY_MAX, HISTORY_MAX);
    const offset = pageOffsetOf(m);
    const page = await runs.metricHistory(runIdOf(m), requiredString(m, 'metric_key'), { limit, offset });
    return {
      metrics: page.metrics.map(metricJson),
      ...nextPageOf(offset, limit, page.more),
    };
  });
}

function metricOf(m: Message): RunMetric {
  const key = requiredString(m, 'key');
  checkKey('metric', key);
  const timestampMs = requiredInt(m, 'timestamp');
  checkTimeMs('timestamp', timestampMs);
  return { key, value: requiredDouble(m, 'value'), timestampMs, step: optionalInt(m, 'step') ?? 0 };
}

/** MLflow's log-batch limits, with its messages. */
function checkBatchSize(metrics: number, params: number, tags: number): void {
  const split = 'Please split up %s across multiple requests and try again.';
  if (metrics > RUN_LIMITS.batchMetrics) {
    throw invalid(
      `A batch logging request can contain at most ${RUN_LIMITS.batchMetrics} metrics. Got ${metrics} metrics. ${split.replace('%s', 'metrics')}`,
    );
  }
  if (params > RUN_LIMITS.batchParams) {
    throw invalid(
      `A batch logging request can contain at most ${RUN_LIMITS.batchParams} params. Got ${params} params. ${split.replace('%s', 'params')}`,
    );
  }
  if (tags > RUN_LIMITS.batchTags) {
    throw invalid(
      `A batch logging request can contain at most ${RUN_LIMITS.batchTags} tags. Got ${tags} tags. ${split.replace('%s', 'tags')}`,
    );
  }
  const total = metrics + params + tags;
  if (total > RUN_LIMITS.batchEntities) {
    throw invalid(
      `A batch logging request can contain at most ${RUN_LIMITS.batchEntities} total metrics, params, and tags. Got ${total} total. ${split.replace('%s', 'metrics, params, and tags')}`,
    );
  }
}
