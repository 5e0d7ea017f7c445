import fs from 'node:fs';
import { Readable } from 'node:stream';
import { type ClickHouseClient, ClickHouseError, type QueryParams } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedEngine, startEmbeddedEngine } from './index.ts';
import { clientFor, tempDataDir } from './testing.ts';

// @clickhouse/client against the embedded engine, the way the server uses it.
describe('embedded engine HTTP interface', () => {
  let engine: EmbeddedEngine;
  let client: ClickHouseClient;
  const dataDir = tempDataDir();

  beforeAll(async () => {
    engine = await startEmbeddedEngine({ dataDir, poolSize: 3, maxExecutionTimeSec: 1 });
    client = clientFor(engine);
  });

  afterAll(async () => {
    await client?.close();
    await engine?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function rows<T>(
    query: string,
    extra: Pick<QueryParams, 'query_params' | 'clickhouse_settings'> = {},
  ): Promise<T[]> {
    const rs = await client.query({ ...extra, query, format: 'JSONEachRow' });
    return rs.json<T>();
  }

  async function errorOf(p: Promise<unknown>): Promise<ClickHouseError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ClickHouseError);
    return err as ClickHouseError;
  }

  it('answers ping', async () => {
    expect((await client.ping()).success).toBe(true);
  });

  it('refuses requests without the per-start password', async () => {
    const stranger = clientFor({ url: engine.url, username: 'default', password: 'guess' });
    const err = await errorOf(stranger.query({ query: 'SELECT 1' }));
    expect(err.code).toBe('516');
    await stranger.close();
  });

  it('round-trips DateTime64(9) with nanoseconds and Map columns through JSONEachRow', async () => {
    await client.command({
      query:
        "CREATE TABLE rt (id UInt32, ts DateTime64(9, 'UTC'), attrs Map(String, String), n UInt64) ENGINE = MergeTree ORDER BY id",
    });
    const input = [
      { id: 1, ts: '2024-03-01 12:34:56.123456789', attrs: { host: 'a', 'k"q': "v'x" }, n: '18446744073709551615' },
      { id: 2, ts: '1999-12-31 23:59:59.000000001', attrs: {}, n: '0' },
    ];
    const ins = await client.insert({ table: 'rt', values: input, format: 'JSONEachRow' });
    expect(ins.summary?.written_rows).toBe('2');
    const out = await rows<(typeof input)[number]>('SELECT id, ts, attrs, n FROM rt ORDER BY id', {
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    });
    expect(out).toEqual(input);
  });

  it('inserts JSONCompactEachRow with columns and a streamed TSV body', async () => {
    await client.command({ query: 'CREATE TABLE fmt (a UInt32, s String) ENGINE = MergeTree ORDER BY a' });
    await client.insert({
      table: 'fmt',
      values: [
        [1, 'one'],
        [2, 'two'],
      ],
      format: 'JSONCompactEachRow',
      columns: ['a', 's'],
    });
    await client.insert({
      table: 'fmt',
      values: Readable.from([Buffer.from('3\tth\\tree\n'), Buffer.from('4\tfour\n')], { objectMode: false }),
      format: 'TabSeparated',
    });
    const out = await rows<{ a: number; s: string }>('SELECT a, s FROM fmt ORDER BY a');
    expect(out).toEqual([
      { a: 1, s: 'one' },
      { a: 2, s: 'two' },
      { a: 3, s: 'th\tree' },
      { a: 4, s: 'four' },
    ]);
  });

  it('passes query parameters verbatim: quotes, backslashes, tabs, arrays', async () => {
    const s = "it's a \\ back\tslash\nand 'quotes'";
    const arr = ['x', "y'z", 'b\\s', 't\tab'];
    const out = await rows<{ s: string; a: string[]; n: number }>(
      'SELECT {s:String} AS s, {a:Array(String)} AS a, {n:UInt32} AS n',
      {
        query_params: { s, a: arr, n: 42 },
      },
    );
    expect(out).toEqual([{ s, a: arr, n: 42 }]);
  });

  it('sends long parameters as multipart form data when asked', async () => {
    const multipart = clientFor(engine, { use_multipart_params: true });
    const long = 'p'.repeat(20_000);
    const rs = await multipart.query({
      query: 'SELECT length({s:String}) AS n',
      query_params: { s: long },
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ n: '20000' }]);
    await multipart.close();
  });

  it('keeps settings to their request: readonly=1 then a normal insert', async () => {
    await client.command({ query: 'CREATE TABLE ro (a UInt32) ENGINE = MergeTree ORDER BY a' });
    const refused = await errorOf(
      client.command({ query: 'INSERT INTO ro VALUES (1)', clickhouse_settings: { readonly: '1' } }),
    );
    expect(refused.code).toBe('164');
    // Readonly cannot be lifted from inside the statement either.
    const bypass = await errorOf(
      client.query({ query: 'SELECT 1 SETTINGS readonly = 0 --', clickhouse_settings: { readonly: '1' } }),
    );
    expect(bypass.code).toBe('164');
    // Reads work in readonly mode, with extra settings too.
    expect(
      await rows('SELECT count() AS c FROM ro', { clickhouse_settings: { readonly: '1', max_threads: 1 } }),
    ).toEqual([{ c: '0' }]);
    await client.insert({ table: 'ro', values: [{ a: 2 }], format: 'JSONEachRow' });
    expect(await rows('SELECT a FROM ro')).toEqual([{ a: 2 }]);
  });

  it('does not leak per-request settings or SET statements to later requests', async () => {
    const setting = async (settings?: Record<string, string | number>) =>
      (
        await rows<{ v: string }>("SELECT toString(getSetting('max_block_size')) AS v", {
          ...(settings ? { clickhouse_settings: settings } : {}),
        })
      )[0]?.v;
    const initial = await setting();
    expect(await setting({ max_block_size: 1234 })).toBe('1234');
    // More requests than connections, so every connection has been reused.
    for (let i = 0; i < 6; i++) expect(await setting()).toBe(initial);
    await client.command({ query: 'SET max_block_size = 4321' });
    for (let i = 0; i < 6; i++) expect(await setting()).toBe(initial);
  });

  it('maps engine errors to ClickHouseError codes', async () => {
    const unknownTable = await errorOf(client.query({ query: 'SELECT * FROM no_such_table' }));
    expect(unknownTable.code).toBe('60');
    expect(unknownTable.type).toBe('UNKNOWN_TABLE');
    const syntax = await errorOf(client.query({ query: 'SELEC 1' }));
    expect(syntax.code).toBe('62');
    const badInsert = await errorOf(
      client.insert({ table: 'no_such_table', values: [{ a: 1 }], format: 'JSONEachRow' }),
    );
    expect(badInsert.code).toBe('60');
  });

  it('deduplicates a repeated insert with the same insert_deduplication_token', async () => {
    await client.command({
      query:
        'CREATE TABLE dedup (a UInt32) ENGINE = MergeTree ORDER BY a SETTINGS non_replicated_deduplication_window = 100',
    });
    const batch = (token: string, values: { a: number }[]) =>
      client.insert({
        table: 'dedup',
        values,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: token },
      });
    await batch('batch-1', [{ a: 1 }, { a: 2 }]);
    await batch('batch-1', [{ a: 1 }, { a: 2 }]);
    await batch('batch-2', [{ a: 1 }, { a: 2 }]);
    // A token must not stick to the connection: a later insert without one is not deduplicated.
    await client.insert({ table: 'dedup', values: [{ a: 9 }], format: 'JSONEachRow' });
    await client.insert({ table: 'dedup', values: [{ a: 10 }], format: 'JSONEachRow' });
    // The store's path: exec with the INSERT in the URL and the rows as a byte stream.
    for (let i = 0; i < 2; i++) {
      const r = await client.exec({
        query: 'INSERT INTO dedup FORMAT JSONEachRow',
        values: Readable.from([Buffer.from('{"a":20}\n{"a":21}\n')], { objectMode: false }),
        clickhouse_settings: { insert_deduplication_token: 'batch-3' },
      });
      r.stream.resume();
    }
    expect(await rows('SELECT count() AS c FROM dedup')).toEqual([{ c: '8' }]);
  });

  it('applies the engine-wide max_execution_time, which a request may raise', async () => {
    const slow = 'SELECT sum(sleepEachRow(0.25)) AS s FROM numbers(8) SETTINGS max_block_size = 1';
    const timedOut = await errorOf(client.query({ query: slow }));
    expect(timedOut.code).toBe('159');
    expect(await rows(slow, { clickhouse_settings: { max_execution_time: 10 } })).toEqual([{ s: '0' }]);
  });

  it('runs concurrent queries and inserts, all of them successfully', async () => {
    await client.command({ query: 'CREATE TABLE conc (w UInt32, i UInt32) ENGINE = MergeTree ORDER BY (w, i)' });
    const work = Array.from({ length: 24 }, (_, w) =>
      w % 3 === 0
        ? client.insert({ table: 'conc', values: [{ w, i: 1 }], format: 'JSONEachRow' }).then(() => 1)
        : rows<{ n: string }>('SELECT count() AS n FROM numbers({m:UInt32})', {
            query_params: { m: 1000 + w },
            ...(w % 2 ? { clickhouse_settings: { readonly: '1' } } : {}),
          }).then((r) => (r[0]?.n === String(1000 + w) ? 1 : 0)),
    );
    expect((await Promise.all(work)).reduce((a, b) => a + b, 0)).toBe(24);
    expect(await rows('SELECT count() AS c FROM conc')).toEqual([{ c: '8' }]);
  });

  it('accepts gzip request bodies and compresses responses on request', async () => {
    const gz = clientFor(engine, { compression: { request: true, response: true } });
    await gz.command({ query: 'CREATE TABLE gz (a UInt32) ENGINE = MergeTree ORDER BY a' });
    await gz.insert({ table: 'gz', values: Array.from({ length: 1000 }, (_, a) => ({ a })), format: 'JSONEachRow' });
    const rs = await gz.query({ query: 'SELECT count() AS c, sum(a) AS s FROM gz', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ c: '1000', s: '499500' }]);
    await gz.close();
  });

  it('runs requests in the database the client names', async () => {
    await client.command({ query: 'CREATE DATABASE other' });
    const other = clientFor(engine, { database: 'other' });
    await other.command({ query: 'CREATE TABLE here (a UInt8) ENGINE = MergeTree ORDER BY a' });
    await other.insert({ table: 'here', values: [{ a: 7 }], format: 'JSONEachRow' });
    const inOther = await other.query({ query: 'SELECT currentDatabase() AS db, a FROM here', format: 'JSONEachRow' });
    expect(await inOther.json()).toEqual([{ db: 'other', a: 7 }]);
    // The database does not stick to the connection the request ran on.
    for (let i = 0; i < 4; i++) expect(await rows('SELECT currentDatabase() AS db')).toEqual([{ db: 'default' }]);
    await other.close();
  });

  it('returns query id and summary headers', async () => {
    const rs = await client.query({ query: 'SELECT 1 AS x', format: 'JSON', query_id: 'my-query-id' });
    expect(rs.query_id).toBe('my-query-id');
    expect(rs.response_headers['x-clickhouse-query-id']).toBe('my-query-id');
    expect((await rs.json<{ x: number }>()).data).toEqual([{ x: 1 }]);
  });
});
