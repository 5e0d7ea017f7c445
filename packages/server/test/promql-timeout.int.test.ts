import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { post } from './http.ts';

/*
 * storage.queryTimeout is every PromQL query's deadline; a request's `timeout` parameter can
 * only shorten it. With a configured 1 ms, a query asking for 30 s still times out.
 */

let server: TestServer;
let dataDir = '';
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'stellwerk-timeout-'));
  const clickhouseUrl = process.env.STELLWERK_TEST_CLICKHOUSE_URL;
  server = await startTestServer({
    dataDir,
    overrides: {
      scrape: { self: false },
      storage: clickhouseUrl ? { dataDir, clickhouseUrl, queryTimeout: '1ms' } : { dataDir, queryTimeout: '1ms' },
    },
  });
  const samples = Array.from({ length: 240 }, (_, i) => ({
    metric: 'load',
    labels: { host: 'a' },
    tsMs: T0 + i * 15_000,
    value: i,
  }));
  expect((await server.app.metricsIngest.ingest(samples, { receiver: 'test' })).rejected).toBe(0);
});

afterAll(async () => {
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const form = (path: string, params: Record<string, string>) =>
  post(`${server.url}${path}`, new URLSearchParams(params).toString(), {
    'content-type': 'application/x-www-form-urlencoded',
  });

describe('PromQL query deadline from the configuration', () => {
  it('times out at storage.queryTimeout even when the request allows longer', async () => {
    const range = await form('/api/v1/query_range', {
      query: 'rate(load[5m])',
      start: String(T0 / 1000),
      end: String(T0 / 1000 + 3600),
      step: '15',
      timeout: '30s',
    });
    expect(range.status).toBe(503);
    expect(range.json).toMatchObject({ status: 'error', errorType: 'timeout' });
    expect(range.json.error).toMatch(/timed out/);
    const instant = await form('/api/v1/query', {
      query: 'load + load offset 1m + load offset 2m',
      time: String(T0 / 1000 + 600),
    });
    expect(instant.status).toBe(503);
    expect(instant.json).toMatchObject({ status: 'error', errorType: 'timeout' });
  });
});
