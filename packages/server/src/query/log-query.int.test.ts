/**
 * Runs compiled log queries on the real engine (chDB in this process, the real logs DDL)
 * to prove the SQL is valid and means what the syntax promises. Opens chDB directly so it
 * doesn't depend on the engine wrapper being built in src/engine.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render, type Sql } from '../store/sql.ts';
import { logQueryToSql } from './log-query-compiler.ts';
import { compileTimeRange } from './time-range.ts';

const DDL = readFileSync(new URL('../store/migrations/001_logs.sql', import.meta.url), 'utf8');
const BASE_NS = 1_714_564_800_000_000_000n; // 2024-05-01T12:00:00Z
/** Row i is at BASE + i seconds + i ns, so nanoseconds must survive. */
const tsOf = (i: number): string => (BASE_NS + BigInt(i) * 1_000_000_001n).toString();

interface Row {
  service: string;
  level: string;
  level_raw: string;
  message: string;
  host?: string;
  attr_str?: Record<string, string>;
  attr_num?: Record<string, number>;
  attr_bool?: Record<string, number>;
  resource?: Record<string, string>;
  run_id?: string;
  trace_id?: string;
}

// The row id is in span_id (r01..r20) so results read as lists of ids.
const ROWS: Row[] = [
  /* r01 */ {
    service: 'api',
    level: 'error',
    level_raw: 'ERROR',
    message: 'listen tcp 127.0.0.1:6060: bind: address already in use',
    attr_str: { user: 'alice' },
    attr_num: { status: 500 },
  },
  /* r02 */ {
    service: 'api',
    level: 'info',
    level_raw: 'INFO',
    message: 'request served in 12ms',
    attr_str: { user: 'bot', path: '/api/users' },
    attr_num: { status: 200, latency_ms: 12, 'http.status': 200 },
  },
  /* r03 */ {
    service: 'api',
    level: 'warn',
    level_raw: 'WARNING',
    message: 'request timeout after 30s',
    attr_str: { user: 'bob', path: '/api/orders' },
    attr_num: { status: 504, latency_ms: 30000 },
  },
  /* r04 */ {
    service: 'web',
    level: 'error',
    level_raw: 'E',
    message: 'Timeout while connecting to db',
    attr_str: { user: 'john doe' },
    attr_num: { status: 503 },
  },
  /* r05 */ {
    service: 'web',
    level: 'info',
    level_raw: 'info',
    message: 'Timer started',
    attr_str: { path: '/static/app.js' },
    attr_num: { status: 200, latency_ms: 150, 'http.status': 404 },
  },
  /* r06 */ {
    service: 'worker',
    level: 'debug',
    level_raw: 'DEBUG',
    message: 'runtime stats collected',
    attr_num: { latency_ms: 450 },
    run_id: 'run-1',
  },
  /* r07 */ {
    service: 'worker',
    level: 'fatal',
    level_raw: 'CRITICAL',
    message: 'panic: out of memory',
    resource: { 'k8s.pod': 'worker-0' },
  },
  /* r08 */ {
    service: 'api',
    level: 'error',
    level_raw: 'ERR',
    message: 'connection reset by peer 10.0.0.1:6060',
    attr_str: { user: 'bot' },
    attr_num: { status: 502 },
  },
  /* r09 */ { service: 'api', level: 'info', level_raw: 'INFO', message: 'ADDRESS ALREADY IN USE shouted' },
  /* r10 */ {
    service: 'web',
    level: 'warn',
    level_raw: 'warn',
    message: 'cache miss ratio 50% for key user_1',
    attr_str: { status: '200' },
    attr_bool: { cached: 0 },
  },
  /* r11 */ {
    service: 'web',
    level: 'info',
    level_raw: 'info',
    message: 'user logged in: héllo wörld',
    attr_bool: { cached: 1 },
  },
  /* r12 */ { service: 'api', level: 'trace', level_raw: 'TRACE', message: 'timeouts are configured' },
  /* r13 */ {
    service: 'web',
    level: 'info',
    level_raw: 'info',
    message: 'special chars 100% done_ok \\ back',
    attr_str: { path: '/api/v2/x', 'http.status': '200' },
  },
  /* r14 */ { service: 'api', level: 'info', level_raw: 'Notice', message: 'notice me' },
  /* r15 */ { service: 'web', level: 'error', level_raw: 'error', message: 'db timeout', attr_str: { user: '' } },
  /* r16 */ { service: 'worker', level: 'info', level_raw: 'info', message: 'job done', attr_num: { retries: 0 } },
  /* r17 */ { service: 'api', level: 'info', level_raw: 'info', message: 'TimeoutException in handler' },
  /* r18 */ { service: 'api', level: 'warn', level_raw: 'WARN', message: 'address already in user table' },
  /* r19 */ { service: 'web', level: 'debug', level_raw: 'debug', message: 'a b c' },
  /* r20 */ {
    service: 'worker',
    level: 'info',
    level_raw: 'info',
    message: 'run finished',
    run_id: 'run-2',
    trace_id: 'abc123',
  },
];
const id = (i: number) => `r${String(i + 1).padStart(2, '0')}`;
const ALL = ROWS.map((_, i) => id(i));

let dir: string;
let session: Session;

async function rows<T>(query: string): Promise<T[]> {
  const result = await session.queryAsync(query, { format: 'JSONEachRow' });
  return result
    .text()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);
}

async function ids(condition: Sql, table = 'logs'): Promise<string[]> {
  const where = render(condition, 'literals').text;
  const out = await rows<{ span_id: string }>(`SELECT span_id FROM ${table} WHERE ${where} ORDER BY span_id`);
  return out.map((r) => r.span_id);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stellwerk-query-'));
  session = new Session(dir);
  await session.queryAsync(DDL);
  const body = ROWS.map((r, i) =>
    // DateTime64(9) from an integer in JSONEachRow means nanoseconds; keep it unquoted and exact.
    JSON.stringify({ ts: '@TS@', tz_offset: 0, observed_ts: '@TS@', host: 'h1', ...r, span_id: id(i) }).replaceAll(
      '"@TS@"',
      tsOf(i),
    ),
  ).join('\n');
  await session.insert({ table: 'logs', values: Buffer.from(body), format: 'JSONEachRow' });
});

afterAll(() => {
  session?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('log queries on the real engine', () => {
  const cases: Array<[string, string[]]> = [
    ['', ALL],
    ['*', ALL],
    ['level:error', ['r01', 'r04', 'r08', 'r15']],
    ['level:ERROR', ['r01', 'r04', 'r08', 'r15']],
    ['level:warning', ['r03', 'r10', 'r18']],
    ['level:critical', ['r07']],
    ['level:err*', ['r01', 'r04', 'r08', 'r15']],
    ['level>=error', ['r01', 'r04', 'r07', 'r08', 'r15']],
    ['level:[trace TO debug]', ['r06', 'r12', 'r19']],
    ['level_raw:Notice', ['r14']],
    ['status>=500', ['r01', 'r03', 'r04', 'r08']],
    ['status>504', []],
    ['status:>=503', ['r03', 'r04']],
    ['status:200', ['r02', 'r05', 'r10']],
    ['status:[500 TO 503]', ['r01', 'r04', 'r08']],
    ['status:[* TO 200]', ['r02', 'r05']],
    ['http.status:200', ['r02', 'r13']],
    ['@http.status:404', ['r05']],
    ['has:status', ['r01', 'r02', 'r03', 'r04', 'r05', 'r08', 'r10']],
    ['status:*', ['r01', 'r02', 'r03', 'r04', 'r05', 'r08', 'r10']],
    ['retries:0', ['r16']],
    ['cached:true', ['r11']],
    ['cached:false', ['r10']],
    ['user:bot', ['r02', 'r08']],
    ['-user:bot', ALL.filter((r) => r !== 'r02' && r !== 'r08')],
    ['user:"john doe"', ['r04']],
    ['user:""', ['r15']],
    ['user:Bot', []],
    ['path:/api/*', ['r02', 'r03', 'r13']],
    ['latency_ms<100', ['r02']],
    ['latency_ms>100 latency_ms<=450', ['r05', 'r06']],
    ['resource.k8s.pod:worker-0', ['r07']],
    ['has:resource.k8s.pod', ['r07']],
    ['service:api AND level:error', ['r01', 'r08']],
    ['service:wor*', ['r06', 'r07', 'r16', 'r20']],
    ['run:run-1', ['r06']],
    ['run_id:run-2 trace_id:abc123', ['r20']],
    ['"address already in use"', ['r01', 'r09']],
    ['127.0.0.1:6060', ['r01']],
    ['6060', ['r01', 'r08']],
    ['timeout', ['r03', 'r04', 'r15']],
    ['TIMEOUT', ['r03', 'r04', 'r15']],
    ['-timeout', ALL.filter((r) => !['r03', 'r04', 'r15'].includes(r))],
    ['time*', ['r03', 'r04', 'r05', 'r12', 'r15', 'r17']],
    ['connection*', ['r08']],
    ['(timeout OR panic) AND NOT service:web', ['r03', 'r07']],
    ['timeout OR panic -service:web', ['r03', 'r04', 'r07', 'r15']],
    ['msg:panic', ['r07']],
    ['message:"out of memory"', ['r07']],
    ['héllo', ['r11']],
    ['"100% done_ok"', ['r13']],
    ['done_*', ['r13']],
    ['100\\%*', ['r13']],
    ['"\\\\ back"', ['r13']],
    ['a b c', ['r19']],
    [
      'NOT has:user',
      ['r05', 'r06', 'r07', 'r09', 'r10', 'r11', 'r12', 'r13', 'r14', 'r16', 'r17', 'r18', 'r19', 'r20'],
    ],
    [`user:"x' OR 1=1 --"`, []],
  ];
  it.each(cases)('%j', async (query, expected) => {
    expect(await ids(logQueryToSql(query))).toEqual(expected);
  });

  it('selects a half-open time range with nanosecond bounds', async () => {
    expect(await ids(compileTimeRange(tsOf(2), tsOf(5)))).toEqual(['r03', 'r04', 'r05']);
    // One nanosecond past r03's time excludes it.
    expect(await ids(compileTimeRange((BigInt(tsOf(2)) + 1n).toString(), tsOf(5)))).toEqual(['r04', 'r05']);
  });
});

describe('free-text terms use the tokenbf index', () => {
  const ROWS_BIG = 200_000;

  beforeAll(async () => {
    await session.queryAsync(DDL.replace('IF NOT EXISTS logs', 'IF NOT EXISTS logs_big'));
    // One hour, one service and level, so only the message index can skip granules.
    await session.queryAsync(`
      INSERT INTO logs_big (ts, service, host, level, level_raw, message, span_id)
      SELECT fromUnixTimestamp64Nano(toInt64(${BASE_NS}) + number * 10000000, 'UTC'), 'api', 'h1', 'info', 'info',
             if(number = 123456, 'upstream 10.1.2.3:6060 said zebra42',
                concat('request ', toString(number % 1000), ' served by worker w', toString(number % 7))),
             toString(number)
      FROM numbers(${ROWS_BIG})`);
    await session.queryAsync('OPTIMIZE TABLE logs_big FINAL');
  });

  async function granules(query: string): Promise<{ selected: number; total: number }> {
    const where = render(logQueryToSql(query), 'literals').text;
    const plan = await session.queryAsync(`EXPLAIN indexes = 1 SELECT count() FROM logs_big WHERE ${where}`, {
      format: 'TSVRaw',
    });
    // The skip-index section: "Name: idx_message" ... "Granules: 1/25".
    const m = /Name: idx_message[\s\S]*?Granules: (\d+)\/(\d+)/.exec(plan.text());
    if (m === null) throw new Error(`idx_message not used:\n${plan.text()}`);
    return { selected: Number(m[1]), total: Number(m[2]) };
  }

  it.each(['zebra42', 'ZEBRA42', '10.1.2.3:6060', '"said zebra42"'])('%j reads one granule', async (query) => {
    const { selected, total } = await granules(query);
    expect(total).toBeGreaterThanOrEqual(Math.floor(ROWS_BIG / 8192));
    expect(selected).toBe(1);
    expect(await ids(logQueryToSql(query), 'logs_big')).toEqual(['123456']);
  });
});
