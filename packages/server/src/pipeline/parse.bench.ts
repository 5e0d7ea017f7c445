/**
 * Micro-benchmark of line parsing (not a test). Run from the repo root:
 *   node --import tsx packages/server/src/pipeline/parse.bench.ts [totalLines]
 * Parses 1M lines (default) split evenly over the formats, each format timed on its own
 * with auto-detection (the production path), then all of them interleaved incl. toLogRecord.
 */
import { parseLine } from './parse-line.ts';
import { toLogRecord } from './to-record.ts';

const LEVELS = ['info', 'debug', 'warn', 'error'];
const UP = ['INFO', 'DEBU', 'WARN', 'ERRO'];
const PY = ['INFO', 'DEBUG', 'WARNING', 'ERROR'];

function pick<T>(a: readonly T[], i: number): T {
  return a[i % a.length] as T;
}

// Lines vary by index so no parser sees the same string twice.
const generators: Record<string, (i: number) => string> = {
  json: (i) =>
    `{"level":"${pick(LEVELS, i)}","time":"2024-01-05T10:11:${String(i % 60).padStart(2, '0')}.${String(i % 1e6).padStart(6, '0')}Z","msg":"request handled","service":"api","req":{"method":"GET","path":"/v1/items/${i}","id":"r-${i}"},"status":200,"duration_ms":${(i % 997) / 10},"cached":${i % 2 === 0}}`,
  logfmt: (i) =>
    `time="2021-01-06T17:44:${String(i % 60).padStart(2, '0')}-08:00" level=${pick(LEVELS, i)} msg="starting worker ${i}" component=scheduler queue=default attempt=${i % 5} ok=true`,
  logrus: (i) =>
    `${pick(UP, i)}[2021-01-06T17:44:13.${String(i % 1e9).padStart(9, '0')}-08:00] http server error                             error="listen tcp 127.0.0.1:${6000 + (i % 1000)}: bind: address already in use" port=${6000 + (i % 1000)}`,
  python: (i) =>
    `2024-01-05 10:11:${String(i % 60).padStart(2, '0')},${String(i % 1000).padStart(3, '0')} - trainer.loop - ${pick(PY, i)} - epoch ${i % 100} step ${i} loss 0.${i % 997}`,
  raw: (i) =>
    `Jan  6 17:44:13 web-${i % 10} nginx[${i}]: upstream timed out while reading response header from upstream`,
};

const total = Number(process.argv[2] ?? 1_000_000);
const formats = Object.keys(generators);
const per = Math.floor(total / formats.length);
const data: Record<string, string[]> = {};
for (const fmt of formats) {
  const gen = generators[fmt];
  if (gen === undefined) continue;
  // Joined and split like a receiver splits a request body: flat strings, not concatenation ropes.
  data[fmt] = Array.from({ length: per }, (_, i) => gen(i))
    .join('\n')
    .split('\n');
}

let sink = 0; // consumed so the work cannot be optimised away
function run(lines: string[]): number {
  const t0 = process.hrtime.bigint();
  for (const l of lines) sink += parseLine(l).message.length;
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Best of three passes: on a shared machine the minimum is the least disturbed figure. */
function best(fn: () => number): number {
  return Math.min(fn(), fn(), fn());
}

// Warm-up so the JIT has optimised the hot paths before timing.
for (const fmt of formats) run((data[fmt] ?? []).slice(0, 50_000));

console.log(`${per.toLocaleString('en')} lines per format`);
for (const fmt of formats) {
  const lines = data[fmt] ?? [];
  const s = best(() => run(lines));
  const bytes = lines.reduce((n, l) => n + l.length, 0);
  console.log(
    `${fmt.padEnd(8)} ${Math.round(lines.length / s)
      .toLocaleString('en')
      .padStart(
        11,
      )} lines/s  ${(bytes / s / 1e6).toFixed(0).padStart(4)} MB/s  (avg ${Math.round(bytes / lines.length)} B/line)`,
  );
}

// Reference point: the native JSON.parse alone on the JSON lines.
const jsonLines = data.json ?? [];
const jp = best(() => {
  const t0 = process.hrtime.bigint();
  for (const l of jsonLines) sink += JSON.parse(l) === null ? 0 : 1;
  return Number(process.hrtime.bigint() - t0) / 1e9;
});
console.log(`${'(JSON.parse only)'.padEnd(8)} ${Math.round(jsonLines.length / jp).toLocaleString('en')} lines/s`);

const mixed: string[] = [];
for (let i = 0; i < per; i++) for (const fmt of formats) mixed.push(data[fmt]?.[i] ?? '');
const ctx = { service: 'bench', host: 'localhost', resource: {}, observedNs: '1704449472000000000', runId: '' };
const s = best(() => {
  const t0 = process.hrtime.bigint();
  for (const l of mixed) sink += toLogRecord(parseLine(l), ctx).ts.length;
  return Number(process.hrtime.bigint() - t0) / 1e9;
});
console.log(
  `${'mixed'.padEnd(8)} ${Math.round(mixed.length / s)
    .toLocaleString('en')
    .padStart(11)} lines/s  (${mixed.length.toLocaleString('en')} lines, parse + toLogRecord)`,
);
if (sink === 0) console.log('');
