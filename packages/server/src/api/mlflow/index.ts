import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { RunsPluginOptions } from '../runs-plugin-options.ts';
import { MlflowBadRequest, mlflowErrorHandler } from './errors.ts';
import { experimentRoutes } from './experiments.ts';
import { runRoutes } from './runs.ts';

/** MLflow's REST prefixes: the API clients use, and the one MLflow's own web UI calls. */
export const MLFLOW_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;

/**
 * MLflow tracking REST API 2.0: experiments, runs, metric history. Answers and errors are
 * MLflow's own shapes (shapes.ts, errors.ts); the data is Stellwerk's runs.
 */
export const mlflowApi: FastifyPluginAsync<RunsPluginOptions> = async (app, options) => {
  for (const prefix of MLFLOW_PREFIXES) {
    await app.register(async (scope) => tracking(scope, options), { prefix });
  }
};

async function tracking(app: FastifyInstance, options: RunsPluginOptions): Promise<void> {
  // MLflow's clients send JSON, but not always a content type saying so (some send none).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new MlflowBadRequest(`The request body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });
  app.setErrorHandler(mlflowErrorHandler);
  app.setNotFoundHandler((req, reply) => {
    const path = (req.url.split('?')[0] ?? '').replace(/^\/(?:ajax-)?api\/2\.0\/mlflow\/?/, '');
    return reply
      .status(404)
      .type('application/json')
      .send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No API route for ${req.method} ${path}` });
  });
  experimentRoutes(app, options);
  runRoutes(app, options);
}
