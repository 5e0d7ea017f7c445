import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { type ConfigInput, loadConfig } from '../src/config/index.ts';
import { type RunningStellwerk, startStellwerk } from '../src/server.ts';

export const WEB_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist');

export interface TestServer {
  url: string;
  app: RunningStellwerk['app'];
  token?: string;
  dataDir: string;
  running: RunningStellwerk;
  close(): Promise<void>;
}

/**
 * Starts a real Stellwerk (embedded engine, temp data dir, free port) for a test. The data
 * dir is removed on close unless the caller passed its own.
 */
export async function startTestServer(
  opts: { overrides?: ConfigInput; dataDir?: string; token?: string } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'stellwerk-test-'));
  const tokens = opts.token ? [{ name: 'test', token: opts.token, scopes: ['admin' as const] }] : [];
  const config = loadConfig({
    overrides: {
      server: { host: '127.0.0.1', port: 0, logLevel: 'warn', webDir: WEB_DIST },
      // STELLWERK_TEST_CLICKHOUSE_URL runs the same suite against a ClickHouse server.
      storage: process.env.STELLWERK_TEST_CLICKHOUSE_URL
        ? { dataDir, clickhouseUrl: process.env.STELLWERK_TEST_CLICKHOUSE_URL }
        : { dataDir },
      auth: { tokens },
      ...opts.overrides,
    },
  });
  const running = await startStellwerk(config, { logger: pino({ level: process.env.STELLWERK_TEST_LOG ?? 'warn' }) });
  return {
    url: running.url,
    app: running.app,
    token: opts.token,
    dataDir,
    running,
    close: async () => {
      await running.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
