/**
 * Line-protocol ingest of TSBS-like cpu data (100 hosts × 10 fields, 5k lines a request) into
 * Stellwerk, InfluxDB 1.6 and VictoriaMetrics in the same run: field values/s at 1, 2 and 4
 * connections, bytes per sample on disk, and three dashboard queries on each.
 */
import {
  CONNECTIONS,
  cpuMeter,
  type MeasuredPeer,
  ratesByConnections,
  startStellwerk,
  withTarget,
} from './lib/ingest-run.ts';
import { fmt, percentile } from './lib/measure.ts';
import { diskBytes, startInflux, startVictoria } from './lib/peers.ts';
import { cpuBatches } from './lib/tsbs-cpu.ts';

const HOSTS = 100;
const LINES = 5000;
const BATCHES_PER_SETTING = Number(process.env.BENCH_METRICS_BATCHES ?? 20);

interface Target {
  name: string;
  start(dir: string): Promise<(MeasuredPeer & { writeUrl: string; okStatus: number }) | null>;
  queries(host: string, startS: number, endS: number): Array<{ name: string; url: string }>;
}

// Range queries end on a multiple of their step, as Grafana sends them by default and as
// InfluxDB's GROUP BY time() buckets fall (on epoch multiples), so every target answers the
// same windows.
const aligned = (endS: number, stepS: number) => endS - (endS % stepS);
const promql = (base: string, endS: number, host: string) => [
  {
    name: 'one host, 1-min avg over 12 h',
    url: `${base}/api/v1/query_range?query=${encodeURIComponent(`avg_over_time(cpu_usage_user{hostname="${host}"}[1m])`)}&start=${aligned(endS, 60) - 12 * 3600}&end=${aligned(endS, 60)}&step=60`,
  },
  {
    name: 'max per host per hour, 12 h',
    url: `${base}/api/v1/query_range?query=${encodeURIComponent('max by (hostname) (max_over_time(cpu_usage_user[1h]))')}&start=${aligned(endS, 3600) - 12 * 3600}&end=${aligned(endS, 3600)}&step=3600`,
  },
  {
    name: 'last value per host',
    url: `${base}/api/v1/query?query=${encodeURIComponent('last_over_time(cpu_usage_user[5m])')}&time=${endS}`,
  },
];

const TARGETS: Target[] = [
  {
    name: 'Stellwerk',
    async start(dir) {
      const p = await startStellwerk(dir);
      return { ...p, writeUrl: `${p.url}/write?db=bench`, okStatus: 204 };
    },
    queries: (host, _s, e) => promql('', e, host),
  },
  {
    name: 'InfluxDB 1.6',
    async start(dir) {
      const p = await startInflux(dir);
      return p && { ...p, writeUrl: `${p.url}/write?db=bench`, okStatus: 204 };
    },
    queries: (host, _s, e) => {
      const q = (text: string) => `/query?db=bench&q=${encodeURIComponent(text)}`;
      const range = `time > ${(e - 12 * 3600) * 1e9} AND time <= ${e * 1e9}`;
      return [
        {
          name: 'one host, 1-min avg over 12 h',
          url: q(`SELECT mean(usage_user) FROM cpu WHERE hostname='${host}' AND ${range} GROUP BY time(1m)`),
        },
        {
          name: 'max per host per hour, 12 h',
          url: q(`SELECT max(usage_user) FROM cpu WHERE ${range} GROUP BY time(1h), hostname`),
        },
        { name: 'last value per host', url: q('SELECT last(usage_user) FROM cpu GROUP BY hostname') },
      ];
    },
  },
  {
    name: 'VictoriaMetrics 1.79',
    async start(dir) {
      const p = await startVictoria(dir);
      return p && { ...p, writeUrl: `${p.url}/write?db=bench`, okStatus: 204 };
    },
    queries: (host, _s, e) => promql('', e, host),
  },
];

export async function benchMetricsIngest(): Promise<void> {
  const { bodies, startMs, endMs, values } = cpuBatches(HOSTS, BATCHES_PER_SETTING * 3, LINES, Date.now() - 60_000);
  // Line protocol's default precision is ns: every target reads the same bytes.
  const nsBodies = bodies.map((b) => Buffer.from(b.toString().replace(/ (\d{13})\n/g, ' $1000000\n')));
  const perSetting = values / 3;
  const results: Record<string, Record<number, number>> = {};
  for (const target of TARGETS) {
    await withTarget(
      target.name,
      'stw-bench-metrics-',
      target.start,
      async (running) => {
        const cpu = cpuMeter(running.pids);
        const rates = await ratesByConnections(
          running.writeUrl,
          nsBodies,
          BATCHES_PER_SETTING,
          perSetting,
          {},
          running.okStatus,
        );
        results[target.name] = Object.fromEntries(CONNECTIONS.map((c, i) => [c, rates[i] ?? 0]));
        const used = cpu();
        if (used) {
          const [server, engine] = used;
          console.log(
            `    CPU per million values: server ${fmt(((server ?? 0) * 1e6) / values, 1)} s (parse, series, encode, HTTP), engine ${fmt(((engine ?? 0) * 1e6) / values, 1)} s (insert)`,
          );
        }
        const line = [1, 2, 4].map((c) => `${fmt(results[target.name]?.[c] ?? 0)}`).join(' / ');
        console.log(`  ${target.name}: ${line} field values/s at 1 / 2 / 4 connections`);
        const endS = Math.floor(endMs / 1000);
        const latencies: string[] = [];
        for (const q of target.queries('host_7', Math.floor(startMs / 1000), endS)) {
          const times: number[] = [];
          for (let r = 0; r < 5; r++) {
            const t = performance.now();
            const res = await fetch(`${running.url}${q.url}`);
            const text = await res.text();
            if (res.status !== 200) throw new Error(`${target.name} ${q.name}: ${res.status} ${text.slice(0, 200)}`);
            times.push(performance.now() - t);
          }
          latencies.push(`${q.name} ${fmt(percentile(times, 50), 1)} ms`);
        }
        console.log(`    queries (p50 of 5): ${latencies.join('; ')}`);
      },
      (dir) =>
        console.log(
          `    on disk: ${fmt(diskBytes(dir) / values, 2)} bytes per value (${fmt(values)} values, whole data directory)`,
        ),
    );
  }
  const ours = results.Stellwerk;
  for (const peer of ['InfluxDB 1.6', 'VictoriaMetrics 1.79']) {
    const theirs = results[peer];
    if (!ours || !theirs) continue;
    const ratios = [1, 2, 4].map((c) => fmt((ours[c] ?? 0) / (theirs[c] ?? 1), 2)).join(' / ');
    console.log(`  Stellwerk / ${peer}: ${ratios} at 1 / 2 / 4 connections`);
  }
}
