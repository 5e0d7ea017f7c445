import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '@stellwerk/server/config/index.ts';
import { DataDirLockedError } from '@stellwerk/server/engine/index.ts';
import { StartupError, startStellwerk } from '@stellwerk/server/server.ts';

export interface UpOptions {
  config?: string;
  host?: string;
  port?: number;
  dataDir?: string;
  clickhouseUrl?: string;
}

/** The built UI that ships beside the CLI in this repository. */
const DEFAULT_WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** Starts Stellwerk and keeps it running until SIGINT/SIGTERM; returns the exit code. */
export async function up(options: UpOptions): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({
      file: options.config,
      env: process.env,
      flags: { host: options.host, port: options.port, dataDir: options.dataDir, clickhouseUrl: options.clickhouseUrl },
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`stellwerk: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  config.server.webDir ??= DEFAULT_WEB_DIR;
  let running: Awaited<ReturnType<typeof startStellwerk>>;
  try {
    running = await startStellwerk(config);
  } catch (err) {
    if (err instanceof StartupError || err instanceof DataDirLockedError) {
      process.stderr.write(`stellwerk: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  process.stdout.write(
    `\nStellwerk is running.\n  UI and API: ${running.url}/\n  Send logs:  curl -X POST '${running.url}/api/v1/logs?service=demo' --data-binary 'INFO hello'\n\n`,
  );
  await new Promise<void>((resolveStop) => {
    const stop = (signal: string) => {
      running.logger.info({ signal }, 'shutting down');
      running.close().then(resolveStop, (err: unknown) => {
        running.logger.error({ err }, 'shutdown failed');
        resolveStop();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
