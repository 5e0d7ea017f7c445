/**
 * HTTP log ingest end to end (NDJSON, 5k lines a request, 1/2/4 connections) against the
 * engine's raw insert of the same rows in the same run. Stellwerk runs as the real binary in
 * its own process; the raw baseline posts pre-encoded JSONEachRow straight to an embedded
 * engine, so the ratio is what parsing, encoding and the API cost on top of storage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedEngine } from '../packages/server/src/engine/index.ts';
import { parseLine } from '../packages/server/src/pipeline/parse-line.ts';
import { toLogRecord } from '../packages/server/src/pipeline/to-record.ts';
import { Store } from '../packages/server/src/store/client.ts';
import { migrate } from '../packages/server/src/store/migrate.ts';
import { encodeLogRecords } from '../packages/server/src/writer/encode-logs.ts';
import { startCli, waitForExit } from '../packages/server/test/process.ts';
import { benchInflux } from './influxdb.ts';
import { ndjsonBodies } from './lib/log-lines.ts';
import { cpuSecondsOf, fmt, mib, peakRss, postAll, rssOf } from './lib/measure.ts';

const LINES = 5000;
const BATCHES = Number(process.env.BENCH_INGEST_BATCHES ?? 100);

export interface IngestResult {
  rawLinesPerSec: number;
  rawLinesPerSec100k: number;
  e2e: Array<{ connections: number; linesPerSec: number; mbPerSec: number; ratio: number }>;
  serverPeakRss: number;
  enginePeakRss: number;
}

export async function benchIngest(): Promise<IngestResult> {
  const bodies = ndjsonBodies(BATCHES, LINES);
  const totalLines = BATCHES * LINES;
  const totalBytes = bodies.reduce((s, b) => s + b.length, 0);

  // Baseline: the same rows, encoded once up front, inserted raw into the engine.
  const encoded = bodies.map((b) => {
    const ctx = { service: '', host: '', resource: {}, runId: '', observedNs: `${Date.now()}000000` };
    const records = b
      .toString()
      .trimEnd()
      .split('\n')
      .map((l) => toLogRecord(parseLine(l, 'json'), ctx));
    return Buffer.from(encodeLogRecords(records));
  });
  const rawDir = mkdtempSync(join(tmpdir(), 'stw-bench-raw-'));
  const engine = await startEmbeddedEngine({ dataDir: rawDir });
  const store = new Store({
    url: engine.url,
    username: engine.username,
    password: engine.password,
    dialect: 'embedded',
    queryTimeoutSec: 300,
  });
  await migrate(store);
  let t = performance.now();
  for (let i = 0; i < encoded.length; i++) await store.insertJsonEachRow('logs', encoded[i] as Buffer, `raw-${i}`);
  const rawLinesPerSec = totalLines / ((performance.now() - t) / 1000);
  const big: Buffer[] = [];
  for (let i = 0; i < encoded.length; i += 20) big.push(Buffer.concat(encoded.slice(i, i + 20)));
  t = performance.now();
  for (let i = 0; i < big.length; i++) await store.insertJsonEachRow('logs', big[i] as Buffer, `raw100k-${i}`);
  const rawLinesPerSec100k = totalLines / ((performance.now() - t) / 1000);
  await store.close();
  await engine.stop();
  rmSync(rawDir, { recursive: true, force: true });
  console.log(`  engine raw insert, 5k-row batches:   ${fmt(rawLinesPerSec)} lines/s`);
  console.log(`  engine raw insert, 100k-row batches: ${fmt(rawLinesPerSec100k)} lines/s`);

  const e2e: IngestResult['e2e'] = [];
  let serverPeakRss = 0;
  let enginePeakRss = 0;
  for (const connections of [1, 2, 4]) {
    const dir = mkdtempSync(join(tmpdir(), 'stw-bench-e2e-'));
    const server = await startCli(['--data-dir', dir]);
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { engine: { pid: number } };
    const pids = [server.child.pid as number, health.engine.pid];
    const sampler = peakRss(() => pids);
    const cpuBefore = pids.map(cpuSecondsOf);
    const seconds = await postAll(`${server.url}/api/v1/logs?service=bench`, bodies, connections, {
      'content-type': 'application/x-ndjson',
    });
    const peaks = sampler.stop();
    const [serverCpu, engineCpu] = pids.map((pid, i) => cpuSecondsOf(pid) - (cpuBefore[i] ?? 0));
    serverPeakRss = Math.max(serverPeakRss, peaks[pids[0] as number] ?? rssOf(pids[0] as number));
    enginePeakRss = Math.max(enginePeakRss, peaks[pids[1] as number] ?? 0);
    const linesPerSec = totalLines / seconds;
    e2e.push({
      connections,
      linesPerSec,
      mbPerSec: totalBytes / 1024 / 1024 / seconds,
      ratio: linesPerSec / rawLinesPerSec,
    });
    console.log(
      `  end to end, ${connections} connection(s): ${fmt(linesPerSec)} lines/s, ${fmt(totalBytes / 1024 / 1024 / seconds, 1)} MB/s, ${fmt((100 * linesPerSec) / rawLinesPerSec)} % of raw (5k batches)`,
    );
    console.log(
      `    CPU per million lines: server ${fmt(((serverCpu ?? 0) * 1e6) / totalLines, 1)} s (parse, encode, HTTP), engine ${fmt(((engineCpu ?? 0) * 1e6) / totalLines, 1)} s (insert)`,
    );
    server.child.kill('SIGTERM');
    await waitForExit(server.child);
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`  peak RSS during ingest: server ${mib(serverPeakRss)}, engine ${mib(enginePeakRss)}`);
  const influx = await benchInflux(bodies, totalLines);
  if (influx) {
    for (const i of influx) {
      const ours = e2e.find((e) => e.connections === i.connections);
      if (ours)
        console.log(
          `  Stellwerk / InfluxDB at ${i.connections} connection(s): ${fmt(ours.linesPerSec / i.linesPerSec, 2)}`,
        );
    }
  }
  return { rawLinesPerSec, rawLinesPerSec100k, e2e, serverPeakRss, enginePeakRss };
}
