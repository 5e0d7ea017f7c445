/**
 * Search latency over many stored logs: rows are generated inside the engine (INSERT …
 * SELECT, so setup takes seconds), then the API is asked the questions a user asks. Each
 * repetition searches a different term, so the engine's query-condition cache cannot
 * answer from memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../packages/server/src/config/index.ts';
import { startStellwerk } from '../packages/server/src/server.ts';
import { unsafeRaw } from '../packages/server/src/store/sql.ts';
import { WORDS } from './lib/log-lines.ts';
import { fmt, mib, percentile, rssOf } from './lib/measure.ts';

export interface SearchResult {
  rows: number;
  termP50Ms: number;
  commonTermP50Ms: number;
  phraseP50Ms: number;
  histogramP50Ms: number;
  facetP50Ms: number;
  serverRss: number;
  engineRss: number;
}

async function timed(url: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(url);
  await res.text();
  if (res.status !== 200) throw new Error(`${url} → ${res.status}`);
  return performance.now() - t;
}

export async function benchSearch(rows = Number(process.env.BENCH_SEARCH_ROWS ?? 5_000_000)): Promise<SearchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'stw-bench-search-'));
  const config = loadConfig({ overrides: { server: { port: 0, logLevel: 'warn' }, storage: { dataDir: dir } } });
  const running = await startStellwerk(config, { logger: pino({ level: 'warn' }) });
  const words = `[${WORDS.map((w) => `'${w}'`).join(',')}]`;
  const chunk = 1_000_000;
  const t0 = performance.now();
  for (let start = 0; start < rows; start += chunk) {
    // Bench-only generator SQL: constants written here, no input.
    await running.store.command(
      unsafeRaw(`INSERT INTO logs (ts, observed_ts, service, host, level, level_raw, message, attr_str, attr_num)
      SELECT now64(9) - toIntervalMillisecond(n % 86400000), now64(9),
        ['api','checkout','trainer','feature-store','scheduler'][n % 5 + 1], concat('node-', toString(n % 20)),
        ['info','info','info','debug','warn','error'][n % 6 + 1], 'INFO',
        concat(${words}[n % 11 + 1], ' ', ${words}[intDiv(n, 11) % 11 + 1], ' ', ${words}[intDiv(n, 121) % 11 + 1],
               ' id=', toString(cityHash64(n)), if(n % 500000 = 7, concat(' zebra', toString(intDiv(n, 500000))), '')),
        map('user', concat('u', toString(n % 5000)), 'path', '/v1/predict'),
        map('status', toFloat64(if(n % 50 = 0, 503, 200)))
      FROM (SELECT number + ${start} AS n FROM numbers(${Math.min(chunk, rows - start)}))`),
    );
  }
  await running.store.command(unsafeRaw('OPTIMIZE TABLE logs FINAL'));
  console.log(`  generated ${fmt(rows)} rows in the engine in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  const base = `${running.url}/api/v1`;
  const range = 'from=now-25h&to=now%2B1h';
  const rare: number[] = [];
  const common: number[] = [];
  const phrase: number[] = [];
  const hist: number[] = [];
  const facet: number[] = [];
  const reps = Math.min(10, Math.floor(rows / 500000));
  for (let k = 0; k < reps; k++) {
    rare.push(await timed(`${base}/logs?query=zebra${k}&${range}&limit=100`));
    common.push(await timed(`${base}/logs?query=${WORDS[k % WORDS.length]}&${range}&limit=100`));
    phrase.push(
      await timed(
        `${base}/logs?query=${encodeURIComponent(`"${WORDS[k % 11]} ${WORDS[(k + 3) % 11]}"`)}&${range}&limit=100`,
      ),
    );
    hist.push(
      await timed(
        `${base}/logs/histogram?query=${encodeURIComponent(`level:error ${WORDS[k % 11]}`)}&${range}&buckets=80`,
      ),
    );
    facet.push(await timed(`${base}/logs/facets?query=${WORDS[(k + 5) % 11]}&field=service&${range}`));
  }
  const result: SearchResult = {
    rows,
    termP50Ms: percentile(rare, 50),
    commonTermP50Ms: percentile(common, 50),
    phraseP50Ms: percentile(phrase, 50),
    histogramP50Ms: percentile(hist, 50),
    facetP50Ms: percentile(facet, 50),
    serverRss: process.memoryUsage().rss,
    engineRss: rssOf(running.engine?.pid ?? 0),
  };
  await running.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `  rare term p50 ${fmt(result.termP50Ms)} ms, common term p50 ${fmt(result.commonTermP50Ms)} ms, phrase p50 ${fmt(result.phraseP50Ms)} ms (newest 100)`,
  );
  console.log(
    `  histogram p50 ${fmt(result.histogramP50Ms)} ms, facet p50 ${fmt(result.facetP50Ms)} ms (${reps} runs each)`,
  );
  console.log(`  RSS after searching: server ${mib(result.serverRss)}, engine ${mib(result.engineRss)}`);
  return result;
}
