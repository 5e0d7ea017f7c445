import { posix } from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { StellwerkError } from '../../errors.ts';
import {
  type ArtifactStore,
  artifactPathOfUri,
  artifactTooLarge,
  normalizeArtifactPath,
} from '../../store/artifact-store.ts';
import { sendArtifact } from '../artifact-download.ts';
import type { RunsPluginOptions } from '../runs-plugin-options.ts';
import { mlflowErrorHandler } from './errors.ts';

/**
 * MLflow's artifact proxy, as `mlflow server` serves it for `mlflow-artifacts:/` locations:
 *   PUT    /api/2.0/mlflow-artifacts/artifacts/<path>   upload (the raw body is the file)
 *   GET    /api/2.0/mlflow-artifacts/artifacts/<path>   download
 *   GET    /api/2.0/mlflow-artifacts/artifacts?path=<dir>  list → {files: [{path, is_dir, file_size}]}
 *   DELETE /api/2.0/mlflow-artifacts/artifacts/<path>   delete a file or directory
 * and the tracking API's `GET /api/2.0/mlflow/artifacts/list?run_id=&path=` → {root_uri, files},
 * paths relative to the run's artifact root. Paths are `<experiment_id>/<run_id>/artifacts/...`.
 */
export const mlflowArtifactsRoutes: FastifyPluginAsync<RunsPluginOptions> = async (app, opts) => {
  const { artifacts, runs } = opts;
  app.setErrorHandler(mlflowErrorHandler);
  // Uploads are files of any type: every body stays a stream, whatever its content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  const base = '/api/2.0/mlflow-artifacts/artifacts';
  const read = { config: { scope: 'read' as const } };
  const ingest = { config: { scope: 'ingest' as const } };

  app.put(`${base}/*`, ingest, async (req, reply) => {
    await receiveUpload(req, reply, artifacts, filePath(req));
    return {};
  });

  app.get(`${base}/*`, read, async (req, reply) => sendArtifact(reply, artifacts, filePath(req)));

  app.get(base, read, async (req) => {
    const dir = normalizeArtifactPath(queryString(req, 'path') ?? '');
    const files = await artifacts.list(dir);
    // As MLflow's proxy answers: names relative to the listed directory.
    return { files: files.map((f) => ({ ...f, path: posix.basename(f.path) })) };
  });

  // MLflow's delete is idempotent: a path that is not there is not an error.
  app.delete(`${base}/*`, ingest, async (req) => {
    await artifacts.delete(filePath(req));
    return {};
  });

  // Clients try multipart uploads only when MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD is set; this
  // exact message makes them fall back to one streamed PUT, which has no size limit of its own.
  app.post('/api/2.0/mlflow-artifacts/mpu/create/*', ingest, async (_req, reply) =>
    reply.status(501).send({
      error_code: 'NOT_IMPLEMENTED',
      message: 'Multipart upload is not supported for the current artifact repository',
    }),
  );

  app.get('/api/2.0/mlflow/artifacts/list', read, async (req) => {
    const runId = queryString(req, 'run_id') ?? queryString(req, 'run_uuid');
    if (!runId) {
      throw new StellwerkError('STW_ERR_BAD_REQUEST', "Missing value for required parameter 'run_id'.");
    }
    const run = await runs.getRun(runId);
    if (run === null) throw new StellwerkError('STW_ERR_NOT_FOUND', `Run with id=${runId} not found`);
    const root = artifactPathOfUri(run.artifactUri);
    if (root === null) {
      throw new StellwerkError(
        'STW_ERR_BAD_REQUEST',
        `The artifacts of run ${runId} are at ${run.artifactUri}, which this server does not hold; only mlflow-artifacts:/ locations are served.`,
      );
    }
    const sub = normalizeArtifactPath(queryString(req, 'path') ?? '');
    const files = await artifacts.list(sub === '' ? root : `${root}/${sub}`);
    return {
      root_uri: run.artifactUri,
      files: files.map((f) => ({ ...f, path: f.path.slice(root.length + 1) })),
    };
  });
};

function filePath(req: FastifyRequest): string {
  const path = (req.params as Record<string, string | undefined>)['*'] ?? '';
  if (normalizeArtifactPath(path) === '') {
    throw new StellwerkError(
      'STW_ERR_BAD_REQUEST',
      'Name an artifact after /artifacts/, e.g. 1/<run_id>/artifacts/model.pkl.',
    );
  }
  return path;
}

function queryString(req: FastifyRequest, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Streams the request body into the store. The body is piped through a pass-through so a
 * refusal (too large, bad path) leaves the request readable: the rest is discarded and the
 * client reads the error instead of a reset connection.
 */
async function receiveUpload(req: FastifyRequest, reply: FastifyReply, store: ArtifactStore, path: string) {
  const raw = req.raw;
  const declared = Number(req.headers['content-length']);
  const body = new PassThrough();
  const cutOff = () => {
    if (!raw.complete) {
      body.destroy(
        new StellwerkError('STW_ERR_BAD_REQUEST', 'The upload ended before its last byte; nothing was kept.'),
      );
    }
  };
  try {
    if (Number.isFinite(declared) && declared > store.maxFileBytes) throw artifactTooLarge(store.maxFileBytes);
    raw.on('close', cutOff);
    raw.pipe(body);
    return await store.put(path, body);
  } catch (err) {
    raw.unpipe(body);
    raw.resume();
    reply.header('connection', 'close');
    throw err;
  } finally {
    raw.off('close', cutOff);
  }
}
