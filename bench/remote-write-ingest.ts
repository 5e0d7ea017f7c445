/**
 * remote_write ingest of node-exporter-like data (one sample per series per request round,
 * 2000 series a request, 1/2/4 connections) into Stellwerk and VictoriaMetrics in the same
 * run; VictoriaMetrics also takes the same samples as Prometheus text through its import
 * endpoint. Samples/s, ratios, CPU per million samples and bytes per sample on disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, waitForExit } from '../packages/server/test/process.ts';
import { cpuSecondsOf, fmt, postAll } from './lib/measure.ts';
import { diskBytes, type Peer, startVictoria } from './lib/peers.ts';
import { remoteWriteBatches } from './lib/remote-write-data.ts';

const INSTANCES = 100;
const METRICS = 100;
const SERIES_PER_REQUEST = 2000;
const REQUESTS_PER_SETTING = Number(process.env.BENCH_RW_REQUESTS ?? 150);
const RW_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
};

interface Running extends Peer {
  pids?: number[];
}

interface Target {
  name: string;
  start(dir: string): Promise<Running | null>;
  path: string;
  text: boolean;
  okStatus: number;
}

const TARGETS: Target[] = [
  {
    name: 'Stellwerk remote_write',
    path: '/api/v1/write',
    text: false,
    okStatus: 204,
    async start(dir) {
      const server = await startCli(['--data-dir', dir], { STELLWERK_INGEST__QUEUE_MAX_RECORDS: '2000000' });
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { engine: { pid: number } };
      return {
        url: server.url,
        pids: [server.child.pid as number, health.engine.pid],
        stop: async () => {
          server.child.kill('SIGTERM');
          await waitForExit(server.child);
        },
      };
    },
  },
  { name: 'VictoriaMetrics remote_write', path: '/api/v1/write', text: false, okStatus: 204, start: startVictoria },
  {
    name: 'VictoriaMetrics text import',
    path: '/api/v1/import/prometheus',
    text: true,
    okStatus: 204,
    start: startVictoria,
  },
];

export async function benchRemoteWrite(): Promise<void> {
  const data = remoteWriteBatches(INSTANCES, METRICS, REQUESTS_PER_SETTING * 3, SERIES_PER_REQUEST);
  const perSetting = data.samples / 3;
  const results: Record<string, number[]> = {};
  for (const target of TARGETS) {
    const dir = mkdtempSync(join(tmpdir(), 'stw-bench-rw-'));
    const running = await target.start(dir);
    if (!running) {
      console.log(`  ${target.name}: not installed, skipped`);
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    try {
      const bodies = target.text ? data.texts : data.requests;
      const headers = target.text ? { 'content-type': 'text/plain' } : RW_HEADERS;
      const cpuBefore = running.pids?.map(cpuSecondsOf);
      const rates: number[] = [];
      for (const [i, connections] of [1, 2, 4].entries()) {
        const slice = bodies.slice(i * REQUESTS_PER_SETTING, (i + 1) * REQUESTS_PER_SETTING);
        const seconds = await postAll(`${running.url}${target.path}`, slice, connections, headers, target.okStatus);
        rates.push(perSetting / seconds);
      }
      results[target.name] = rates;
      console.log(`  ${target.name}: ${rates.map((r) => fmt(r)).join(' / ')} samples/s at 1 / 2 / 4 connections`);
      if (running.pids && cpuBefore) {
        const [server, engine] = running.pids.map((pid, i) => cpuSecondsOf(pid) - (cpuBefore[i] ?? 0));
        console.log(
          `    CPU per million samples: server ${fmt(((server ?? 0) * 1e6) / data.samples, 1)} s, engine ${fmt(((engine ?? 0) * 1e6) / data.samples, 1)} s`,
        );
      }
    } finally {
      await running.stop();
    }
    console.log(`    on disk: ${fmt(diskBytes(dir) / data.samples, 2)} bytes per sample (whole data directory)`);
    rmSync(dir, { recursive: true, force: true });
  }
  const ours = results['Stellwerk remote_write'];
  for (const peer of ['VictoriaMetrics remote_write', 'VictoriaMetrics text import']) {
    const theirs = results[peer];
    if (!ours || !theirs) continue;
    console.log(
      `  Stellwerk / ${peer}: ${ours.map((r, i) => fmt(r / (theirs[i] ?? 1), 2)).join(' / ')} at 1 / 2 / 4 connections`,
    );
  }
}
