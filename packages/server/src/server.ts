import { isAbsolute, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { buildApp, type StellwerkApp } from './app.ts';
import { type Config, durationMs } from './config/index.ts';
import { type EmbeddedEngine, startEmbeddedEngine } from './engine/index.ts';
import { startScraper } from './receivers/scrape/index.ts';
import { Store } from './store/client.ts';
import { migrate } from './store/migrate.ts';
import { RETENTION_TABLES, type RetentionKind, retentionSeconds, setRetentionSeconds } from './store/retention.ts';

export interface RunningStellwerk {
  /** The built application (its ingest paths), for tests and in-process receivers. */
  app: StellwerkApp;
  /** Base URL the HTTP API listens on. */
  url: string;
  store: Store;
  engine: EmbeddedEngine | null;
  logger: Logger;
  close(): Promise<void>;
}

export class StartupError extends Error {}

/**
 * Starts everything one process runs: the embedded engine (unless a ClickHouse URL is
 * configured), the store schema, and the HTTP API. Returns once it listens.
 */
export async function startStellwerk(config: Config, options: { logger?: Logger } = {}): Promise<RunningStellwerk> {
  const logger = options.logger ?? pino({ level: config.server.logLevel, base: { service: 'stellwerk' } });
  if (config.auth.tokens.length === 0 && !isLoopback(config.server.host)) {
    throw new StartupError(
      `Refusing to listen on ${config.server.host} without API tokens: anyone on the network could read and write. ` +
        'Add auth.tokens to the config, or keep server.host at 127.0.0.1.',
    );
  }
  const queryTimeoutSec = Math.ceil(durationMs(config.storage.queryTimeout) / 1000);
  let engine: EmbeddedEngine | null = null;
  let store: Store;
  if (config.storage.clickhouseUrl) {
    const url = new URL(config.storage.clickhouseUrl);
    const database = url.pathname.replace(/^\//, '') || undefined;
    const username = decodeURIComponent(url.username) || undefined;
    const password = decodeURIComponent(url.password) || undefined;
    url.username = '';
    url.password = '';
    url.pathname = '/';
    store = new Store({ url: url.toString(), username, password, database, dialect: 'server', queryTimeoutSec });
    logger.info({ clickhouse: url.origin, database: database ?? 'default' }, 'using a ClickHouse server');
  } else {
    const dataDir = isAbsolute(config.storage.dataDir) ? config.storage.dataDir : resolve(config.storage.dataDir);
    engine = await startEmbeddedEngine({
      dataDir,
      memoryLimitBytes: config.storage.engineMemoryLimit,
      maxExecutionTimeSec: queryTimeoutSec,
      logger: logger.child({ component: 'engine' }),
    });
    store = new Store({
      url: engine.url,
      username: engine.username,
      password: engine.password,
      dialect: 'embedded',
      queryTimeoutSec,
    });
    logger.info({ dataDir }, 'embedded engine started');
  }

  try {
    await migrate(store, logger);
    await applyRetention(store, config, logger);
  } catch (err) {
    await store.close().catch(() => {});
    await engine?.stop().catch(() => {});
    throw err;
  }

  const built = await buildApp(config, {
    store,
    logger,
    engineInfo: () => (engine ? { restarts: engine.restarts, pid: engine.pid } : undefined),
  });
  const { app, flush } = built;
  const address = await app.listen({ host: config.server.host, port: config.server.port });
  const url = address.replace('[::1]', 'localhost');
  const scraper = startScraper({
    config: config.scrape,
    selfUrl: url,
    ingest: built.metricsIngest,
    metrics: built.metrics,
    logger: logger.child({ component: 'scrape' }),
  });
  if (config.auth.tokens.length === 0) {
    logger.warn('no API tokens configured: listening on loopback only, without authentication');
  }
  let closing: Promise<void> | null = null;
  return {
    app: built,
    url,
    store,
    engine,
    logger,
    close: () => {
      closing ??= (async () => {
        // Stop taking requests, and flush at once so the requests in flight get their answer
        // without waiting out the batch age; a final flush catches anything after that.
        await scraper.stop();
        const flushing = flush().catch((err) => logger.error({ err }, 'flushing writers on shutdown failed'));
        await app.close();
        await flushing;
        await flush().catch((err) => logger.error({ err }, 'flushing writers on shutdown failed'));
        await store.close();
        await engine?.stop();
      })();
      return closing;
    },
  };
}

/** Applies each configured retention to its table when it differs from what the store has. */
async function applyRetention(store: Store, config: Config, logger: Logger): Promise<void> {
  for (const kind of Object.keys(RETENTION_TABLES) as RetentionKind[]) {
    const wanted = Math.round(durationMs(config.retention[kind]) / 1000);
    const current = await retentionSeconds(store, kind);
    if (current === wanted) continue;
    await setRetentionSeconds(store, kind, wanted);
    logger.info({ kind, retention: config.retention[kind], previousSeconds: current }, 'retention applied');
  }
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.');
}
