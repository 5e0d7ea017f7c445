import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { HttpError, InfluxDB as InfluxV2, Point, setLogger } from '@influxdata/influxdb-client';
import { FieldType, InfluxDB as InfluxV1 } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsRepository } from '../src/store/metrics-repository.ts';
import { p, sql } from '../src/store/sql.ts';
import { CLIENT_FIXTURES } from './fixtures.ts';
import { startTestServer, type TestServer } from './harness.ts';

const run = promisify(execFile);
// The v2 client logs every failed write; the tests assert on the errors themselves.
setLogger({ error: () => undefined, warn: () => undefined });
const T0 = 1_700_000_000_000;
const TOKEN = 'sekret-0123456789abcdef';

interface Stored {
  labels: Record<string, string>;
  t: number;
  value: number;
}

/** Everything stored under a metric name, ordered by time then labels. */
async function stored(repo: MetricsRepository, metric: string): Promise<Stored[]> {
  const out: Stored[] = [];
  for (const s of await repo.matchSeries(sql`metric = ${p.String(metric)}`)) {
    for (const x of await repo.samples(metric, [s.fingerprint], -1e13, 4_102_444_800_000)) {
      out.push({ labels: s.labels, t: x.t, value: x.value });
    }
  }
  return out.sort((a, b) => a.t - b.t || JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
}

/** Polls until `check` passes or the deadline is over, then fails with its last error. */
async function eventually<T>(check: () => Promise<T>, deadlineMs = 15_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

function portOf(url: string): string {
  return new URL(url).port;
}

/** Runs the Debian influx CLI; its output either way (it exits 0 on write errors, 1 on query errors). */
async function influxCli(server: TestServer, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('influx', ['-host', '127.0.0.1', '-port', portOf(server.url), ...args], {
      timeout: 30_000,
    });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    if (e.stdout === undefined) throw err;
    return `${e.stdout}${e.stderr ?? ''}`;
  }
}

describe('InfluxDB line protocol (no auth)', () => {
  let server: TestServer;
  let repo: MetricsRepository;
  let dir: string;
  beforeAll(async () => {
    // The clients' fixed timestamps (2023) must survive the default 15-day metrics retention.
    server = await startTestServer({ overrides: { retention: { metrics: '10000d' } } });
    repo = new MetricsRepository(server.running.store);
    dir = mkdtempSync(join(tmpdir(), 'stellwerk-influx-'));
  });
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers /ping like InfluxDB 1.8', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await fetch(`${server.url}/ping`, { method });
      expect(res.status).toBe(204);
      expect(res.headers.get('x-influxdb-version')).toBe('1.8.10');
      expect(res.headers.get('x-influxdb-build')).toBe('OSS');
    }
  });

  it('influx CLI: INSERT with the default ns precision and with -precision s', async () => {
    const before = Date.now();
    await influxCli(server, ['-database', 'stellwerk', '-execute', 'INSERT cli_cpu,host=a value=1']);
    const after = Date.now();
    await influxCli(server, [
      '-database',
      'stellwerk',
      '-precision',
      's',
      '-execute',
      'INSERT cli_cpu,host=b,region=eu\\ west value=2.5,n=7i,ok=true 1700000000',
    ]);
    const cpu = await eventually(async () => {
      const rows = await stored(repo, 'cli_cpu_value');
      expect(rows).toHaveLength(2);
      return rows;
    });
    expect(cpu[0]).toEqual({ labels: { host: 'b', region: 'eu west' }, t: T0, value: 2.5 });
    expect(cpu[1]?.labels).toEqual({ host: 'a' });
    expect(cpu[1]?.value).toBe(1);
    // No timestamp: the server's receive time.
    expect(cpu[1]?.t).toBeGreaterThanOrEqual(before);
    expect(cpu[1]?.t).toBeLessThanOrEqual(after);
    expect(await stored(repo, 'cli_cpu_n')).toEqual([{ labels: { host: 'b', region: 'eu west' }, t: T0, value: 7 }]);
    expect(await stored(repo, 'cli_cpu_ok')).toEqual([{ labels: { host: 'b', region: 'eu west' }, t: T0, value: 1 }]);
  });

  it('influx CLI: -import of a DDL+DML file with precision s; string fields skipped', async () => {
    const file = join(dir, 'import.txt');
    writeFileSync(
      file,
      [
        '# DDL',
        'CREATE DATABASE stellwerk',
        '# DML',
        '# CONTEXT-DATABASE: stellwerk',
        'imp_cpu,host=a,region=eu usage=0.5,cores=4i 1700000000',
        'imp_cpu,host=b,region=us usage=0.7,cores=8i,note="hello world" 1700000001',
        'imp_mem,host=a used=123i,ok=true 1700000002',
        '',
      ].join('\n'),
    );
    const out = await influxCli(server, ['-import', `-path=${file}`, '-precision=s']);
    expect(out).toMatch(/Processed 3 inserts/);
    expect(out).toMatch(/Failed 0 inserts/);
    expect(await stored(repo, 'imp_cpu_usage')).toEqual([
      { labels: { host: 'a', region: 'eu' }, t: T0, value: 0.5 },
      { labels: { host: 'b', region: 'us' }, t: T0 + 1000, value: 0.7 },
    ]);
    expect((await stored(repo, 'imp_cpu_cores')).map((r) => r.value)).toEqual([4, 8]);
    expect(await stored(repo, 'imp_cpu_note')).toEqual([]);
    expect(await stored(repo, 'imp_mem_used')).toEqual([{ labels: { host: 'a' }, t: T0 + 2000, value: 123 }]);
    expect(await stored(repo, 'imp_mem_ok')).toEqual([{ labels: { host: 'a' }, t: T0 + 2000, value: 1 }]);
  });

  it('influx CLI: SHOW DATABASES lists created databases; a bad INSERT prints the line and column', async () => {
    expect(await influxCli(server, ['-execute', 'SHOW DATABASES'])).toMatch(/stellwerk/);
    const out = await influxCli(server, ['-database', 'stellwerk', '-execute', 'INSERT cli_bad,host=a value=oops']);
    expect(out).toMatch(/ERR: .*unable to parse: line 1 col 23: invalid value for field/);
    expect(await stored(repo, 'cli_bad_value')).toEqual([]);
    const q = await influxCli(server, ['-database', 'stellwerk', '-execute', 'SELECT * FROM cpu']);
    expect(q).toMatch(/ERR: .*does not run InfluxQL.*PromQL/);
  });

  it('npm influx (1.x API): ping, createDatabase, writePoints of every field type and precision', async () => {
    const influx = new InfluxV1({
      host: '127.0.0.1',
      port: Number(portOf(server.url)),
      database: 'nodedb',
      schema: [
        {
          measurement: 'node_m',
          tags: ['host', 'region'],
          fields: { f: FieldType.FLOAT, i: FieldType.INTEGER, b: FieldType.BOOLEAN, s: FieldType.STRING },
        },
      ],
    });
    const hosts = await influx.ping(5000);
    expect(hosts[0]?.online).toBe(true);
    expect(hosts[0]?.version).toBe('1.8.10');
    await influx.createDatabase('nodedb');
    expect(await influx.getDatabaseNames()).toContain('nodedb');
    // Default precision n.
    await influx.writePoints([
      {
        measurement: 'node_m',
        tags: { host: 'a', region: 'eu west' },
        fields: { f: 0.64, i: 4, b: true, s: 'say "hi"' },
        timestamp: new Date(T0 + 123),
      },
      {
        measurement: 'node_m',
        tags: { host: 'b', region: 'us' },
        fields: { f: -1.5e-3, i: -9, b: false, s: 'x,y=z' },
        timestamp: new Date(T0 + 456),
      },
    ]);
    await influx.writePoints(
      [{ measurement: 'node_m', tags: { host: 'c', region: 'ap' }, fields: { f: 3, i: 1 }, timestamp: new Date(T0) }],
      { precision: 's', retentionPolicy: 'autogen' },
    );
    expect(await stored(repo, 'node_m_f')).toEqual([
      { labels: { host: 'c', region: 'ap' }, t: T0, value: 3 },
      { labels: { host: 'a', region: 'eu west' }, t: T0 + 123, value: 0.64 },
      { labels: { host: 'b', region: 'us' }, t: T0 + 456, value: -1.5e-3 },
    ]);
    expect((await stored(repo, 'node_m_i')).map((r) => r.value)).toEqual([1, 4, -9]);
    expect((await stored(repo, 'node_m_b')).map((r) => r.value)).toEqual([1, 0]);
    expect(await stored(repo, 'node_m_s')).toEqual([]);
    await expect(influx.query('SELECT * FROM node_m')).rejects.toThrow(/PromQL/);
  });

  it('npm @influxdata/influxdb-client (2.x API): writePoint, flush, gzip, precisions, Token auth', async () => {
    const client = new InfluxV2({ url: server.url, token: 'any-token' });
    const ms = client.getWriteApi('my-org', 'my-bucket', 'ms', { flushInterval: 0, maxRetries: 0 });
    ms.writePoint(
      new Point('v2_temp')
        .tag('room', 'kitchen')
        .tag('app', 'stellwerk')
        .floatField('value', 21.5)
        .intField('count', 3)
        .uintField('big', 4294967296)
        .booleanField('ok', true)
        .stringField('note', 'a "quoted" note')
        .timestamp(new Date(T0 + 7)),
    );
    await ms.flush();
    expect(await stored(repo, 'v2_temp_value')).toEqual([
      { labels: { app: 'stellwerk', room: 'kitchen' }, t: T0 + 7, value: 21.5 },
    ]);
    expect((await stored(repo, 'v2_temp_count'))[0]?.value).toBe(3);
    expect((await stored(repo, 'v2_temp_big'))[0]?.value).toBe(4294967296);
    expect((await stored(repo, 'v2_temp_ok'))[0]?.value).toBe(1);

    // Over the default gzipThreshold (1000 bytes) the client gzips the body.
    const us = client.getWriteApi('my-org', 'my-bucket', 'us', { flushInterval: 0, maxRetries: 0, batchSize: 1000 });
    for (let i = 0; i < 200; i++) {
      us.writePoint(
        new Point('v2_bulk')
          .tag('host', `h${i % 4}`)
          .floatField('load', i / 2)
          .timestamp(new Date(T0 + i)),
      );
    }
    await us.close();
    const bulk = await stored(repo, 'v2_bulk_load');
    expect(bulk).toHaveLength(200);
    expect(bulk[199]).toEqual({ labels: { host: 'h3' }, t: T0 + 199, value: 99.5 });

    // Precisions s and ns, and the v1-compatibility form (bucket=db/rp, Token user:password).
    const s = client.getWriteApi('', 'stellwerk/autogen', 's', { flushInterval: 0, maxRetries: 0 });
    s.writePoint(
      new Point('v2_prec')
        .tag('p', 's')
        .floatField('v', 1)
        .timestamp(new Date(T0 + 5000)),
    );
    await s.close();
    const ns = client.getWriteApi('o', 'b', 'ns', { flushInterval: 0, maxRetries: 0 });
    ns.writeRecord('v2_prec,p=ns v=2 1700000000001999999');
    await ns.close();
    const compat = new InfluxV2({ url: server.url, token: 'user:password' }).getWriteApi('', 'db/rp', 's', {
      flushInterval: 0,
      maxRetries: 0,
    });
    compat.writeRecord('v2_prec,p=compat v=3 1700000002');
    await compat.close();
    expect(await stored(repo, 'v2_prec_v')).toEqual([
      { labels: { p: 'ns' }, t: T0 + 1, value: 2 },
      { labels: { p: 'compat' }, t: T0 + 2000, value: 3 },
      { labels: { p: 's' }, t: T0 + 5000, value: 1 },
    ]);
  });

  it('partial write: valid points stored, 400 names line and column (v1 and v2 shapes, and the v2 client)', async () => {
    const body = 'pw_a v=1 1700000000000000000\npw_b v=2,w=bad 1700000000000000000\npw_c v=3 1700000000000000000\n';
    const v1 = await fetch(`${server.url}/write?db=x`, { method: 'POST', body });
    expect(v1.status).toBe(400);
    const e1 = (await v1.json()) as { error: string };
    expect(e1.error).toMatch(/^partial write: line 2 col 12: invalid value for field "w".*'pw_b v=2,w=bad/);
    expect(e1.error).toMatch(/2 value\(s\) from the other lines were stored/);
    expect(v1.headers.get('x-influxdb-error')).toMatch(/line 2 col 12/);
    expect((await stored(repo, 'pw_a_v')).map((r) => r.value)).toEqual([1]);
    expect(await stored(repo, 'pw_b_v')).toEqual([]);
    expect((await stored(repo, 'pw_c_v')).map((r) => r.value)).toEqual([3]);

    const v2 = await fetch(`${server.url}/api/v2/write?org=o&bucket=b&precision=s`, {
      method: 'POST',
      body: 'pw_d v=1 1700000000\npw_d v=1 1.5',
    });
    expect(v2.status).toBe(400);
    const e2 = (await v2.json()) as { code: string; message: string };
    expect(e2.code).toBe('invalid');
    expect(e2.message).toMatch(/partial write: line 2 col 10: invalid timestamp/);

    const client = new InfluxV2({ url: server.url, token: 't' });
    const w = client.getWriteApi('o', 'b', 's', { flushInterval: 0, maxRetries: 0 });
    w.writeRecord('pw_e v=1 1700000000');
    w.writeRecord('pw_e v=');
    const err = await w.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).statusCode).toBe(400);
    expect((err as HttpError).message).toMatch(/line 2 col 8: missing value for field "v"/);
    await w.close().catch(() => undefined);
    expect((await stored(repo, 'pw_e_v')).map((r) => r.value)).toEqual([1]);

    const all = await fetch(`${server.url}/write`, { method: 'POST', body: 'nothing valid' });
    expect(all.status).toBe(400);
    expect(((await all.json()) as { error: string }).error).toMatch(
      /^unable to parse: line 1 col 14: .*nothing was stored/,
    );
  });

  it('replays the captured client requests (shared/clients fixtures) with 204 and stores their values', async () => {
    const root = CLIENT_FIXTURES;
    let replayed = 0;
    for (const client of ['influx-cli', 'influx-node']) {
      const dirPath = join(root, client);
      for (const name of readdirSync(dirPath).filter((f) => /-POST-(write|api_v2_write)\.json$/.test(f))) {
        const req = JSON.parse(readFileSync(join(dirPath, name), 'utf8')) as {
          url: string;
          rawHeaders: Array<[string, string]>;
          bodyFile: string;
        };
        const headers: Record<string, string> = {};
        for (const [k, v] of req.rawHeaders) {
          if (/^(content-type|content-encoding|user-agent)$/i.test(k)) headers[k] = v;
        }
        const res = await fetch(`${server.url}${req.url}`, {
          method: 'POST',
          headers,
          body: readFileSync(join(dirPath, req.bodyFile)),
        });
        expect(res.status, `${client}/${name}`).toBe(204);
        replayed++;
      }
    }
    expect(replayed).toBeGreaterThanOrEqual(8);
    // node-influx 002: escaped space in a tag value, T/F booleans, quoted strings with escapes.
    expect(await stored(repo, 'cpu_ok')).toEqual(
      expect.arrayContaining([{ labels: { host: 'a', region: 'eu west' }, t: T0, value: 1 }]),
    );
    expect(await stored(repo, 'temperature_value')).toEqual([
      { labels: { app: 'stellwerk', room: 'kitchen' }, t: T0, value: 21.5 },
    ]);
  });

  it('accepts gzip, empty and missing Content-Type, and reports skipped string fields', async () => {
    const gz = await fetch(`${server.url}/write?precision=ms`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip', 'content-type': '' },
      body: gzipSync('gz_m,k=v a=1,s="str" 1700000000000\n'),
    });
    expect(gz.status).toBe(204);
    expect(gz.headers.get('x-stellwerk-skipped-string-fields')).toBe('1');
    expect(await stored(repo, 'gz_m_a')).toEqual([{ labels: { k: 'v' }, t: T0, value: 1 }]);
    const bad = await fetch(`${server.url}/write?precision=d`, { method: 'POST', body: 'x v=1' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/invalid precision "d"/);
  });
});

describe('InfluxDB line protocol with a token, a tiny queue and a small body limit', () => {
  let server: TestServer;
  let repo: MetricsRepository;
  beforeAll(async () => {
    server = await startTestServer({
      token: TOKEN,
      overrides: { ingest: { queueMaxRecords: 5, maxBodyBytes: 2048 }, retention: { metrics: '10000d' } },
    });
    repo = new MetricsRepository(server.running.store);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('wrong or missing credentials → 401 in InfluxDB shape; /ping stays open', async () => {
    expect((await fetch(`${server.url}/ping`)).status).toBe(204);
    const v1 = await fetch(`${server.url}/write?db=x`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('u:wrong').toString('base64')}` },
      body: 'auth_m v=1',
    });
    expect(v1.status).toBe(401);
    expect(await v1.json()).toEqual({ error: expect.stringMatching(/token is not valid/) });
    expect(v1.headers.get('x-influxdb-version')).toBe('1.8.10');
    const v2 = await fetch(`${server.url}/api/v2/write?org=o&bucket=b`, {
      method: 'POST',
      headers: { authorization: 'Token wrong' },
      body: 'auth_m v=1',
    });
    expect(v2.status).toBe(401);
    expect(await v2.json()).toEqual({ code: 'unauthorized', message: expect.any(String) });
    const q = await fetch(`${server.url}/query?q=SHOW+DATABASES`);
    expect(q.status).toBe(401);

    const client = new InfluxV2({ url: server.url, token: 'wrong' });
    const w = client.getWriteApi('o', 'b', 's', { flushInterval: 0, maxRetries: 0 });
    w.writeRecord('auth_m v=1 1700000000');
    const err = await w.flush().catch((e: unknown) => e);
    expect((err as HttpError).statusCode).toBe(401);
    await w.close().catch(() => undefined);
    expect(await stored(repo, 'auth_m_v')).toEqual([]);
  });

  it('right credentials in every form the clients use are accepted', async () => {
    expect(
      (
        await fetch(`${server.url}/write?u=x&p=${TOKEN}&precision=s`, {
          method: 'POST',
          body: 'auth_ok v=1 1700000000',
        })
      ).status,
    ).toBe(204);
    await influxCli(server, [
      '-database',
      'd',
      '-username',
      'w',
      '-password',
      TOKEN,
      '-precision',
      's',
      '-execute',
      'INSERT auth_ok v=2 1700000001',
    ]);
    const v1 = new InfluxV1({
      host: '127.0.0.1',
      port: Number(portOf(server.url)),
      database: 'd',
      username: 'w',
      password: TOKEN,
    });
    await v1.writePoints([{ measurement: 'auth_ok', fields: { v: 3 }, timestamp: new Date(T0 + 2000) }]);
    const w = new InfluxV2({ url: server.url, token: TOKEN }).getWriteApi('o', 'b', 's', {
      flushInterval: 0,
      maxRetries: 0,
    });
    w.writeRecord('auth_ok v=4 1700000003');
    await w.close();
    expect((await stored(repo, 'auth_ok_v')).map((r) => [r.t - T0, r.value])).toEqual([
      [0, 1],
      [1000, 2],
      [2000, 3],
      [3000, 4],
    ]);
  });

  it('a write larger than the queue → 429 with Retry-After (v1 and v2 shapes); nothing stored', async () => {
    const body = Array.from({ length: 10 }, (_, i) => `busy,host=h${i} v=${i} 1700000000`).join('\n');
    const auth = { authorization: `Token ${TOKEN}` };
    const v1 = await fetch(`${server.url}/write?precision=s`, { method: 'POST', headers: auth, body });
    expect(v1.status).toBe(429);
    expect(Number(v1.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await v1.json()) as { error: string }).error).toMatch(/queue is full/);
    const v2 = await fetch(`${server.url}/api/v2/write?org=o&bucket=b&precision=s`, {
      method: 'POST',
      headers: auth,
      body,
    });
    expect(v2.status).toBe(429);
    expect(v2.headers.get('retry-after')).not.toBeNull();
    expect(((await v2.json()) as { code: string }).code).toBe('too many requests');
    expect(await stored(repo, 'busy_v')).toEqual([]);
  });

  it('a body over the limit → 413 in InfluxDB shape, also when it only grows past it once gunzipped', async () => {
    const auth = { authorization: `Token ${TOKEN}` };
    const big = 'big v=1\n'.repeat(400);
    const plain = await fetch(`${server.url}/write`, { method: 'POST', headers: auth, body: big });
    expect(plain.status).toBe(413);
    expect(await plain.json()).toEqual({ error: expect.any(String) });
    const gz = await fetch(`${server.url}/api/v2/write?org=o&bucket=b`, {
      method: 'POST',
      headers: { ...auth, 'content-encoding': 'gzip' },
      body: gzipSync(big),
    });
    expect(gz.status).toBe(413);
    expect(((await gz.json()) as { code: string }).code).toBe('request too large');
  });
});
