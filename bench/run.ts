/**
 * `npm run bench`: log ingest end to end against the engine's raw insert, event-loop delay
 * under ingest plus a heavy query, and search latency over millions of stored logs. Figures
 * are ratios within one run where a baseline exists, because these machines are noisy.
 * Pick sections with BENCH_ONLY=ingest,loop,search,metrics,remote_write,run.
 */
import { execSync } from 'node:child_process';
import { measureEventLoop, printEventLoop } from './event-loop.ts';
import { benchIngest } from './logs-ingest.ts';
import { benchMetricsIngest } from './metrics-ingest.ts';
import { benchRemoteWrite } from './remote-write-ingest.ts';
import { benchRunWrapper } from './run-wrapper.ts';
import { benchSearch } from './search.ts';

const only = new Set((process.env.BENCH_ONLY ?? 'ingest,loop,search,metrics,remote_write,run').split(','));
const commit = (() => {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
console.log(`Stellwerk benchmarks at ${commit}, ${new Date().toISOString()}`);

if (only.has('ingest')) {
  console.log('\nLog ingest (NDJSON, 5k lines a request)');
  await benchIngest();
}
if (only.has('loop')) {
  console.log('\nEvent loop during a 1M-row ingest plus GROUP BY queries (target p99 < 50 ms)');
  printEventLoop(await measureEventLoop());
}
if (only.has('search')) {
  console.log('\nSearch over stored logs (target: term search p50 < 300 ms over 5M)');
  await benchSearch();
}
if (only.has('metrics')) {
  console.log('\nMetrics: line protocol ingest (TSBS-like cpu, 100 hosts × 10 fields, 5k lines a request)');
  await benchMetricsIngest();
}
if (only.has('remote_write')) {
  console.log('\nMetrics: remote_write ingest (node-exporter-like, 10k series, 2000 samples a request)');
  await benchRemoteWrite();
}
if (only.has('run')) {
  console.log('\nstellwerk run: wrapped vs bare (targets: CPU added < 1 %, wall added < 100 ms on a 10 s command)');
  await benchRunWrapper();
}
