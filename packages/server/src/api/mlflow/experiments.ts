import type { FastifyInstance } from 'fastify';
import { StellwerkError } from '../../errors.ts';
import { experimentFilterSql, experimentOrderSql } from '../../query/experiment-filter.ts';
import { checkKey, RUN_LIMITS } from '../run-limits.ts';
import type { RunsPluginOptions } from '../runs-plugin-options.ts';
import {
  invalid,
  keyValueMap,
  messageOf,
  nextPageOf,
  optionalString,
  requiredString,
  searchPageOf,
  stringList,
  viewTypeOf,
} from './request.ts';
import { INGEST, READ } from './route-scopes.ts';
import { experimentJson } from './shapes.ts';

/** experiments/*: create, get, get-by-name, search, list, update, delete, restore, set-experiment-tag. */
export function experimentRoutes(app: FastifyInstance, options: RunsPluginOptions): void {
  const { runs } = options;

  app.post('/experiments/create', INGEST, async (req) => {
    const m = messageOf(req);
    const name = requiredString(m, 'name');
    if (name.length > RUN_LIMITS.experimentNameLength) {
      throw invalid(
        `Experiment name is ${name.length} characters long; at most ${RUN_LIMITS.experimentNameLength} are allowed.`,
      );
    }
    const tags = keyValueMap(m, 'tags');
    for (const key of Object.keys(tags)) checkKey('tag', key);
    const experiment = await runs.createExperiment({
      name,
      artifactLocation: optionalString(m, 'artifact_location') || undefined,
      tags,
    });
    return { experiment_id: experiment.experimentId };
  });

  app.get('/experiments/get', READ, async (req) => {
    const experiment = await runs.requireExperiment(requiredString(messageOf(req), 'experiment_id'));
    return { experiment: experimentJson(experiment) };
  });

  app.get('/experiments/get-by-name', READ, async (req) => {
    const name = requiredString(messageOf(req), 'experiment_name');
    const experiment = await runs.getExperimentByName(name);
    if (!experiment) throw notFound(`Could not find experiment with name '${name}'`);
    return { experiment: experimentJson(experiment) };
  });

  const search = async (m: Record<string, unknown>, order: 'search' | 'id') => {
    const { limit, offset } = searchPageOf(m);
    const page = await runs.searchExperiments({
      lifecycle: viewTypeOf(m, 'view_type'),
      where: order === 'search' ? experimentFilterSql(optionalString(m, 'filter') ?? '') : undefined,
      orderBy:
        order === 'search' ? experimentOrderSql(stringList(m, 'order_by')) : experimentOrderSql(['experiment_id']),
      limit,
      offset,
    });
    return {
      experiments: page.experiments.map(experimentJson),
      ...nextPageOf(offset, limit, page.more),
    };
  };
  app.post('/experiments/search', READ, async (req) => search(messageOf(req), 'search'));
  app.get('/experiments/search', READ, async (req) => search(messageOf(req), 'search'));
  // Removed in MLflow 2.0, still called by older clients (and the npm client's list()).
  app.get('/experiments/list', READ, async (req) => search(messageOf(req), 'id'));

  app.post('/experiments/update', INGEST, async (req) => {
    const m = messageOf(req);
    const newName = optionalString(m, 'new_name');
    if (!newName) throw invalid("Missing value for required parameter 'new_name'. Experiment names must not be empty.");
    await runs.renameExperiment(requiredString(m, 'experiment_id'), newName);
    return {};
  });

  app.post('/experiments/delete', INGEST, async (req) => {
    await runs.setExperimentLifecycle(requiredString(messageOf(req), 'experiment_id'), 'deleted');
    return {};
  });

  app.post('/experiments/restore', INGEST, async (req) => {
    await runs.setExperimentLifecycle(requiredString(messageOf(req), 'experiment_id'), 'active');
    return {};
  });

  app.post('/experiments/set-experiment-tag', INGEST, async (req) => {
    const m = messageOf(req);
    const key = requiredString(m, 'key');
    checkKey('tag', key);
    const value = optionalString(m, 'value') ?? '';
    if (value.length > RUN_LIMITS.tagValueLength) {
      throw invalid(
        `Tag value for '${key}' is ${value.length} characters long; at most ${RUN_LIMITS.tagValueLength} are allowed.`,
      );
    }
    await runs.setExperimentTag(requiredString(m, 'experiment_id'), key, value);
    return {};
  });
}

function notFound(message: string): StellwerkError {
  return new StellwerkError('STW_ERR_NOT_FOUND', message);
}
