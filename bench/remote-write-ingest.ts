/**
 * remote_write ingest of node-exporter-like data (one sample per series per request round,
 * 2000 series a request, 1/2/4 connections) into Stellwerk and VictoriaMetrics in the same
 * run; VictoriaMetrics also takes the same samples as Prometheus text through its import
 * endpoint. Samples/s, ratios, CPU per million samples and bytes per sample on disk.
 */
import { cpuMeter, type MeasuredPeer, ratesByConnections, startStellwerk, withTarget } from './lib/ingest-run.ts';
import { fmt } from './lib/measure.ts';
import { diskBytes, startVictoria } from './lib/peers.ts';
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

interface Target {
  name: string;
  start(dir: string): Promise<MeasuredPeer | null>;
  path: string;
  text: boolean;
  okStatus: number;
}

const TARGETS: Target[] = [
  { name: 'Stellwerk remote_write', path: '/api/v1/write', text: false, okStatus: 204, start: startStellwerk },
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
    await withTarget(
      target.name,
      'stw-bench-rw-',
      target.start,
      async (running) => {
        const bodies = target.text ? data.texts : data.requests;
        const headers = target.text ? { 'content-type': 'text/plain' } : RW_HEADERS;
        const cpu = cpuMeter(running.pids);
        const url = `${running.url}${target.path}`;
        const rates = await ratesByConnections(url, bodies, REQUESTS_PER_SETTING, perSetting, headers, target.okStatus);
        results[target.name] = rates;
        console.log(`  ${target.name}: ${rates.map((r) => fmt(r)).join(' / ')} samples/s at 1 / 2 / 4 connections`);
        const used = cpu();
        if (used) {
          const [server, engine] = used;
          console.log(
            `    CPU per million samples: server ${fmt(((server ?? 0) * 1e6) / data.samples, 1)} s, engine ${fmt(((engine ?? 0) * 1e6) / data.samples, 1)} s`,
          );
        }
      },
      (dir) =>
        console.log(`    on disk: ${fmt(diskBytes(dir) / data.samples, 2)} bytes per sample (whole data directory)`),
    );
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
