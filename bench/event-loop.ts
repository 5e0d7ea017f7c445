/**
 * Event-loop delay of the server while it ingests 1M log rows and answers a heavy GROUP BY.
 * The server runs in this process (its loop is the one measured); the load comes from a
 * worker thread with its own loop, so the generator does not distort the figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { loadConfig } from '../packages/server/src/config/index.ts';
import { startStellwerk } from '../packages/server/src/server.ts';
import { ndjsonBodies } from './lib/log-lines.ts';
import { fmt } from './lib/measure.ts';

const LOAD = `
const { workerData, parentPort } = require('node:worker_threads');
const { url, bodies, connections, groupByUrl } = workerData;
let next = 0, stop = false, groupBys = 0;
async function post() {
  for (;;) {
    const i = next++;
    if (i >= bodies.length) return;
    const res = await fetch(url, { method: 'POST', body: bodies[i], headers: { 'content-type': 'application/x-ndjson' } });
    await res.text();
    if (res.status !== 200) throw new Error('status ' + res.status);
  }
}
async function groupBy() {
  while (!stop) { const r = await fetch(groupByUrl); await r.text(); groupBys++; }
}
const t0 = Date.now();
const g = groupBy();
Promise.all(Array.from({ length: connections }, post)).then(async () => {
  stop = true; await g; parentPort.postMessage({ seconds: (Date.now() - t0) / 1000, groupBys });
}, (e) => parentPort.postMessage({ error: String(e) }));
`;

export interface EventLoopResult {
  rows: number;
  seconds: number;
  groupBys: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export async function measureEventLoop(rows = 1_000_000, connections = 2): Promise<EventLoopResult> {
  const dir = mkdtempSync(join(tmpdir(), 'stw-bench-loop-'));
  const config = loadConfig({ overrides: { server: { port: 0, logLevel: 'warn' }, storage: { dataDir: dir } } });
  const running = await startStellwerk(config, { logger: pino({ level: 'warn' }) });
  const bodies = ndjsonBodies(rows / 5000, 5000);
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const result = await new Promise<{ seconds: number; groupBys: number }>((resolve, reject) => {
    const worker = new Worker(LOAD, {
      eval: true,
      workerData: {
        url: `${running.url}/api/v1/logs?service=loop`,
        groupByUrl: `${running.url}/api/v1/logs/facets?field=user&limit=100&from=now-2h&to=now%2B1h`,
        bodies,
        connections,
      },
    });
    worker.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    worker.once('error', reject);
  });
  histogram.disable();
  await running.close();
  rmSync(dir, { recursive: true, force: true });
  const out = {
    rows,
    seconds: result.seconds,
    groupBys: result.groupBys,
    p50Ms: histogram.percentile(50) / 1e6,
    p99Ms: histogram.percentile(99) / 1e6,
    maxMs: histogram.max / 1e6,
  };
  return out;
}

export function printEventLoop(r: EventLoopResult): void {
  console.log(
    `  ${fmt(r.rows)} rows in ${fmt(r.seconds, 1)} s with ${r.groupBys} GROUP BY queries alongside: event-loop delay p50 ${fmt(r.p50Ms, 1)} ms, p99 ${fmt(r.p99Ms, 1)} ms, max ${fmt(r.maxMs, 1)} ms`,
  );
}
