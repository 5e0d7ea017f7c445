/** Realistic log lines for benchmarks: a mix of JSON app logs with typed fields. */
const SERVICES = ['api', 'checkout', 'trainer', 'feature-store', 'scheduler'];
const LEVELS = ['info', 'info', 'info', 'debug', 'warn', 'error'];
const PATHS = ['/v1/predict', '/v1/items', '/healthz', '/v1/users/login', '/v1/batch'];
/** The vocabulary of messages; the search bench searches these words. */
export const WORDS = [
  'request',
  'handled',
  'upstream',
  'timeout',
  'cache',
  'miss',
  'model',
  'loaded',
  'retry',
  'queue',
  'flush',
];

export function logLine(i: number, nowMs: number): string {
  const w = (k: number) => WORDS[(i * 7 + k * 13) % WORDS.length];
  return JSON.stringify({
    time: new Date(nowMs - (i % 3_600_000)).toISOString(),
    level: LEVELS[i % LEVELS.length],
    msg: `${w(1)} ${w(2)} ${w(3)} id=${(i * 2654435761) % 4294967296}`,
    service: SERVICES[i % SERVICES.length],
    host: `node-${i % 20}`,
    path: PATHS[i % PATHS.length],
    status: i % 50 === 0 ? 503 : 200,
    duration_ms: (i % 997) / 10,
    user: `u${i % 5000}`,
  });
}

/** Pre-built NDJSON bodies, so the load generator spends no time building them. */
export function ndjsonBodies(batches: number, linesPerBatch: number, nowMs = Date.now()): Buffer[] {
  const out: Buffer[] = [];
  for (let b = 0; b < batches; b++) {
    const lines: string[] = [];
    for (let i = 0; i < linesPerBatch; i++) lines.push(logLine(b * linesPerBatch + i, nowMs));
    out.push(Buffer.from(`${lines.join('\n')}\n`));
  }
  return out;
}
