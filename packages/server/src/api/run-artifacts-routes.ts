import type { RunArtifactList } from '@stellwerk/contracts';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { StellwerkError } from '../errors.ts';
import { artifactPathOfUri, normalizeArtifactPath } from '../store/artifact-store.ts';
import { sendArtifact } from './artifact-download.ts';
import type { RunsPluginOptions } from './runs-plugin-options.ts';

/**
 * A run's artifacts in the native API (read scope):
 *   GET /api/v1/runs/:id/artifacts?path=<dir>   → RunArtifactList (paths from the run's artifact root)
 *   GET /api/v1/runs/:id/artifacts/<path>       the file; images, text and JSON `inline` for the UI
 */
export const runArtifactsRoutes: FastifyPluginAsync<RunsPluginOptions> = async (app, { runs, artifacts }) => {
  const read = { config: { scope: 'read' as const } };

  /** The run's artifact root in the store, or a 404/400 saying why there is none. */
  const rootOf = async (runId: string): Promise<{ root: string; rootUri: string }> => {
    const run = await runs.getRun(runId);
    if (run === null) throw new StellwerkError('STW_ERR_NOT_FOUND', `No run with id ${runId}.`);
    const root = artifactPathOfUri(run.artifactUri);
    if (root === null) {
      throw new StellwerkError(
        'STW_ERR_BAD_REQUEST',
        `The artifacts of run ${runId} are at ${run.artifactUri}, outside Stellwerk; only mlflow-artifacts:/ locations are stored here.`,
      );
    }
    return { root, rootUri: run.artifactUri };
  };

  app.get('/api/v1/runs/:id/artifacts', read, async (req): Promise<RunArtifactList> => {
    const { root, rootUri } = await rootOf(runIdOf(req));
    const query = req.query as Record<string, unknown>;
    const sub = normalizeArtifactPath(typeof query.path === 'string' ? query.path : '');
    const files = await artifacts.list(sub === '' ? root : `${root}/${sub}`);
    return {
      rootUri,
      files: files.map((f) => ({
        path: f.path.slice(root.length + 1),
        isDir: f.is_dir,
        ...(f.file_size === undefined ? {} : { fileSize: f.file_size }),
      })),
    };
  });

  app.get('/api/v1/runs/:id/artifacts/*', read, async (req, reply) => {
    const { root } = await rootOf(runIdOf(req));
    const sub = normalizeArtifactPath((req.params as Record<string, string | undefined>)['*'] ?? '');
    if (sub === '') throw new StellwerkError('STW_ERR_BAD_REQUEST', 'Name a file after /artifacts/.');
    return sendArtifact(reply, artifacts, `${root}/${sub}`);
  });
};

function runIdOf(req: FastifyRequest): string {
  return (req.params as { id: string }).id;
}
