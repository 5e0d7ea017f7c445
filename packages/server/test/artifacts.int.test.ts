/**
 * Run artifacts end to end: MLflow's artifact proxy (uploads as MLflow's Python client sends
 * them, a multi-MiB streamed upload, listing, byte-identical downloads, deletes), refusals
 * of paths that would leave the artifact root, the size limit, and the native API's view.
 */

import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mlflowModule from 'mlflow';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { p, sql } from '../src/store/sql.ts';
import { startTestServer, type TestServer } from './harness.ts';

const MLflow = mlflowModule as unknown as typeof mlflowModule.default;
const run = promisify(execFile);

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';
const RUN_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const RUN_ROOT = `7/${RUN_ID}/artifacts`;
const MiB = 1024 * 1024;

let server: TestServer;
let small: TestServer;
let guarded: TestServer;
const READ_TOKEN = 'artifacts-read-only-token';
const INGEST_TOKEN = 'artifacts-ingest-only-token';

const sha256 = (b: Buffer | Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A request sent exactly as written: fetch would resolve `..` and `%2e%2e` before sending. */
function rawRequest(
  base: string,
  method: string,
  path: string,
  body?: { chunks: Buffer[]; headers?: Record<string, string> },
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: body?.headers ?? {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString() }),
      );
    });
    req.on('error', reject);
    // The server may answer before the body is sent (a refused upload): that is fine.
    for (const c of body?.chunks ?? []) req.write(c);
    req.end();
  });
}

async function put(
  base: string,
  path: string,
  body: Buffer | ReadableStream<Uint8Array>,
  type = 'application/octet-stream',
) {
  const res = await fetch(`${base}${PROXY}/${path}`, {
    method: 'PUT',
    body,
    headers: { 'content-type': type },
    ...(body instanceof Buffer ? {} : { duplex: 'half' }),
  } as RequestInit);
  return { status: res.status, json: await res.json() };
}

async function list(base: string, dir: string) {
  const res = await fetch(`${base}${PROXY}?path=${encodeURIComponent(dir)}`);
  return { status: res.status, json: await res.json() };
}

beforeAll(async () => {
  server = await startTestServer({ overrides: { scrape: { self: false } } });
  small = await startTestServer({ overrides: { scrape: { self: false }, artifacts: { maxFileBytes: MiB } } });
  guarded = await startTestServer({
    overrides: {
      scrape: { self: false },
      auth: {
        tokens: [
          { name: 'reader', token: READ_TOKEN, scopes: ['read'] },
          { name: 'shipper', token: INGEST_TOKEN, scopes: ['ingest'] },
        ],
      },
    },
  });
  vi.spyOn(console, 'log').mockImplementation(() => {});
}, 180_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await server?.close();
  await small?.close();
  await guarded?.close();
});

describe('MLflow artifact proxy', () => {
  it('stores an upload, lists it and gives back the same bytes', async () => {
    const text = Buffer.from('epoch,loss\n1,0.5\n2,0.25\n');
    expect(await put(server.url, `${RUN_ROOT}/metrics/loss.csv`, text, 'text/csv')).toEqual({ status: 200, json: {} });
    const json = Buffer.from('{"a":1}');
    // A JSON content type must not be parsed: the body is the file.
    expect((await put(server.url, `${RUN_ROOT}/config.json`, json, 'application/json')).status).toBe(200);
    const png = randomBytes(3000);
    expect((await put(server.url, `${RUN_ROOT}/plots/roc.png`, png, 'image/png')).status).toBe(200);

    expect(await list(server.url, RUN_ROOT)).toEqual({
      status: 200,
      json: {
        files: [
          { path: 'config.json', is_dir: false, file_size: json.length },
          { path: 'metrics', is_dir: true },
          { path: 'plots', is_dir: true },
        ],
      },
    });
    expect((await list(server.url, `${RUN_ROOT}/metrics`)).json).toEqual({
      files: [{ path: 'loss.csv', is_dir: false, file_size: text.length }],
    });
    expect((await list(server.url, `${RUN_ROOT}/nothing-here`)).json).toEqual({ files: [] });

    const res = await fetch(`${server.url}${PROXY}/${RUN_ROOT}/plots/roc.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-length')).toBe('3000');
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(png));
    const csv = await fetch(`${server.url}${PROXY}/${RUN_ROOT}/metrics/loss.csv`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await csv.text()).toBe(text.toString());
  });

  it('streams a multi-MiB upload sent in chunks and downloads it byte-identical', async () => {
    const data = randomBytes(12 * MiB + 123);
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= data.length) return controller.close();
        const end = Math.min(offset + 256 * 1024, data.length);
        controller.enqueue(data.subarray(offset, end));
        offset = end;
      },
    });
    expect(await put(server.url, `${RUN_ROOT}/model/weights.bin`, stream)).toEqual({ status: 200, json: {} });
    const res = await fetch(`${server.url}${PROXY}/${RUN_ROOT}/model/weights.bin`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const back = Buffer.from(await res.arrayBuffer());
    expect(back.length).toBe(data.length);
    expect(sha256(back)).toBe(sha256(data));
    expect((await list(server.url, `${RUN_ROOT}/model`)).json).toEqual({
      files: [{ path: 'weights.bin', is_dir: false, file_size: data.length }],
    });
  });

  it('takes a plain PUT of file bytes from Python, as the MLflow client uploads', async () => {
    const file = join(server.dataDir, 'upload-source.bin');
    const data = randomBytes(2 * MiB + 7);
    writeFileSync(file, data);
    const script = [
      'import os, sys, urllib.request',
      'url, path = sys.argv[1], sys.argv[2]',
      'with open(path, "rb") as f:',
      '    req = urllib.request.Request(url, data=f, method="PUT",',
      '        headers={"Content-Length": str(os.path.getsize(path))})',
      '    with urllib.request.urlopen(req) as res:',
      '        print(res.status, res.read().decode())',
    ].join('\n');
    const url = `${server.url}${PROXY}/${RUN_ROOT}/from-python/data.bin`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, url, file]);
    expect(stdout.trim()).toBe('200 {}');
    const back = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(sha256(back)).toBe(sha256(data));
  });

  it('takes curl -T (PUT with Expect: 100-continue) and refuses it over the limit', async () => {
    const file = join(server.dataDir, 'curl-source.bin');
    const data = randomBytes(5 * MiB);
    writeFileSync(file, data);
    const curl = (base: string, path: string) =>
      run('curl', ['-sS', '-T', file, '-w', '\n%{http_code}', `${base}${PROXY}/${path}`]).then((r) => r.stdout);
    expect(await curl(server.url, `${RUN_ROOT}/from-curl.bin`)).toBe('{}\n200');
    const back = Buffer.from(await (await fetch(`${server.url}${PROXY}/${RUN_ROOT}/from-curl.bin`)).arrayBuffer());
    expect(sha256(back)).toBe(sha256(data));

    const refused = (await curl(small.url, '1/r/artifacts/from-curl.bin')).split('\n');
    expect(refused[1]).toBe('413');
    expect(JSON.parse(refused[0] as string).message).toContain('artifacts.maxFileBytes (1048576 bytes)');
  });

  it('answers multipart upload requests so MLflow clients fall back to one PUT', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/mpu/create/${RUN_ROOT}/big.bin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'big.bin', num_parts: 3 }),
    });
    expect(res.status).toBe(501);
    const json = (await res.json()) as { error_code: string; message: string };
    expect(json.error_code).toBe('NOT_IMPLEMENTED');
    expect(json.message.startsWith('Multipart upload is not supported for the current artifact repository')).toBe(true);
  });

  it('deletes files and whole directories; deleting again is not an error', async () => {
    await put(server.url, `${RUN_ROOT}/tmp/a.txt`, Buffer.from('a'));
    await put(server.url, `${RUN_ROOT}/tmp/sub/b.txt`, Buffer.from('b'));
    const del = await fetch(`${server.url}${PROXY}/${RUN_ROOT}/tmp/a.txt`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await list(server.url, `${RUN_ROOT}/tmp`)).json).toEqual({ files: [{ path: 'sub', is_dir: true }] });
    const gone = await fetch(`${server.url}${PROXY}/${RUN_ROOT}/tmp/a.txt`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });

    expect((await fetch(`${server.url}${PROXY}/${RUN_ROOT}/tmp`, { method: 'DELETE' })).status).toBe(200);
    expect((await list(server.url, `${RUN_ROOT}/tmp`)).json).toEqual({ files: [] });
    expect((await fetch(`${server.url}${PROXY}/${RUN_ROOT}/tmp`, { method: 'DELETE' })).status).toBe(200);
  });

  it('refuses paths that would leave the artifact root, with a 400 naming the problem', async () => {
    const attempts: Array<[string, string, RegExp]> = [
      ['GET', `${PROXY}/7/../../../etc/passwd`, /'\.\.' is not allowed/],
      ['GET', `${PROXY}/%2e%2e/%2e%2e/etc/passwd`, /'\.\.' is not allowed/],
      ['GET', `${PROXY}/7/..%2f..%2f..%2fetc%2fpasswd`, /'\.\.' is not allowed/],
      ['PUT', `${PROXY}/%2e%2e/escaped.txt`, /'\.\.' is not allowed/],
      ['PUT', `${PROXY}/7/a%5c..%5cb.txt`, /backslash/],
      ['PUT', `${PROXY}/7/a%00b.txt`, /NUL/],
      ['PUT', `${PROXY}//etc/escaped.txt`, /absolute paths are not allowed/],
      ['DELETE', `${PROXY}/7/../..`, /'\.\.' is not allowed/],
      ['GET', `${PROXY}?path=../..`, /'\.\.' is not allowed/],
      ['GET', `${PROXY}?path=%2Fetc`, /absolute paths are not allowed/],
    ];
    for (const [method, path, message] of attempts) {
      const body = method === 'PUT' ? { chunks: [Buffer.from('x')], headers: { 'content-length': '1' } } : undefined;
      const res = await rawRequest(server.url, method, path, body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 400 });
      const json = JSON.parse(res.text);
      expect(json.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(json.message).toMatch(message);
    }
    expect(existsSync(join(server.dataDir, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(server.dataDir, '..', 'escaped.txt'))).toBe(false);
  });

  it('refuses a file over artifacts.maxFileBytes with 413 and keeps nothing', async () => {
    const data = randomBytes(3 * MiB);
    // Declared length over the limit: refused before reading.
    const declared = await fetch(`${small.url}${PROXY}/1/r/artifacts/big.bin`, { method: 'PUT', body: data });
    expect(declared.status).toBe(413);
    const json = (await declared.json()) as { error_code: string; message: string };
    expect(json.error_code).toBe('BAD_REQUEST');
    expect(json.message).toContain('artifacts.maxFileBytes (1048576 bytes)');

    // Chunked, no length: refused once the bytes pass the limit.
    const chunked = await rawRequest(small.url, 'PUT', `${PROXY}/1/r/artifacts/big.bin`, {
      chunks: Array.from({ length: 12 }, (_, i) => data.subarray(i * 256 * 1024, (i + 1) * 256 * 1024)),
      headers: { 'transfer-encoding': 'chunked' },
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.text).message).toContain('artifacts.maxFileBytes (1048576 bytes)');

    expect((await list(small.url, '1/r/artifacts')).json).toEqual({ files: [] });
    expect(readdirSync(join(small.dataDir, 'artifacts', '.uploads'))).toEqual([]);
    // Just under the limit still fits.
    expect((await put(small.url, '1/r/artifacts/ok.bin', data.subarray(0, MiB))).status).toBe(200);
  });
});

describe('artifact proxy scopes', () => {
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const url = () => `${guarded.url}${PROXY}/1/r/artifacts/note.txt`;

  it('needs ingest to upload or delete and read to download or list', async () => {
    const anonymous = await fetch(url(), { method: 'PUT', body: 'x' });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error_code: 'UNAUTHENTICATED' });
    const reader = await fetch(url(), { method: 'PUT', body: 'x', headers: auth(READ_TOKEN) });
    expect(reader.status).toBe(403);
    expect(await reader.json()).toMatchObject({ error_code: 'PERMISSION_DENIED' });

    expect((await fetch(url(), { method: 'PUT', body: 'x', headers: auth(INGEST_TOKEN) })).status).toBe(200);
    expect((await fetch(url(), { headers: auth(INGEST_TOKEN) })).status).toBe(403);
    const read = await fetch(url(), { headers: auth(READ_TOKEN) });
    expect({ status: read.status, body: await read.text() }).toEqual({ status: 200, body: 'x' });
    const listed = await fetch(`${guarded.url}${PROXY}?path=1/r/artifacts`, { headers: auth(READ_TOKEN) });
    expect(await listed.json()).toEqual({ files: [{ path: 'note.txt', is_dir: false, file_size: 1 }] });
    expect((await fetch(url(), { method: 'DELETE', headers: auth(READ_TOKEN) })).status).toBe(403);
    expect((await fetch(url(), { method: 'DELETE', headers: auth(INGEST_TOKEN) })).status).toBe(200);
  });
});

describe("a run's artifacts", () => {
  beforeAll(async () => {
    const store = server.running.store;
    await store.command(sql`INSERT INTO experiments
      SELECT '7', 'artifact-tests', 'mlflow-artifacts:/7', 'active', map(), now64(3), now64(3), 1`);
    await store.command(sql`INSERT INTO runs
      (run_id, experiment_id, name, kind, parent_run_id, status, start_time, end_time, lifecycle_stage,
       user, host, command, git_commit, exit_code, artifact_uri, version)
      SELECT ${p.String(RUN_ID)}, '7', 'artifacts', 'training', '', 'FINISHED', now64(3), now64(3), 'active',
        'ana', 'host', '', '', 0, ${p.String(`mlflow-artifacts:/${RUN_ROOT}`)}, 1`);
  });

  it('lists through the tracking API the npm mlflow client calls', async () => {
    const client = new MLflow({ endpoint: server.url });
    // Without a path, as a caller listing the root does (the client's types insist on one).
    const root = await client.Artifacts.list({ run_id: RUN_ID } as { run_id: string; path: string });
    expect(root.root_uri).toBe(`mlflow-artifacts:/${RUN_ROOT}`);
    expect(root.files).toEqual(
      expect.arrayContaining([
        { path: 'from-curl.bin', is_dir: false, file_size: 5 * MiB },
        { path: 'config.json', is_dir: false, file_size: 7 },
        { path: 'plots', is_dir: true },
      ]),
    );
    const plots = await client.Artifacts.list({ run_id: RUN_ID, path: 'plots' });
    expect(plots.files).toEqual([{ path: 'plots/roc.png', is_dir: false, file_size: 3000 }]);

    const missing = await fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=ffff`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
    const noId = await fetch(`${server.url}/api/2.0/mlflow/artifacts/list`);
    expect(noId.status).toBe(400);
    expect(await noId.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
  });

  it('lists and serves them in the native API, inline where the UI can show them', async () => {
    const res = await fetch(`${server.url}/api/v1/runs/${RUN_ID}/artifacts?path=plots`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      rootUri: `mlflow-artifacts:/${RUN_ROOT}`,
      files: [{ path: 'plots/roc.png', isDir: false, fileSize: 3000 }],
    });

    const png = await fetch(`${server.url}/api/v1/runs/${RUN_ID}/artifacts/plots/roc.png`);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.headers.get('content-disposition')).toMatch(/^inline; filename="roc.png"/);
    expect((await png.arrayBuffer()).byteLength).toBe(3000);

    const json = await fetch(`${server.url}/api/v1/runs/${RUN_ID}/artifacts/config.json`);
    expect(json.headers.get('content-disposition')).toMatch(/^inline/);
    expect(await json.json()).toEqual({ a: 1 });

    const bin = await fetch(`${server.url}/api/v1/runs/${RUN_ID}/artifacts/model/weights.bin`);
    expect(bin.headers.get('content-disposition')).toMatch(/^attachment; filename="weights.bin"/);
    await bin.arrayBuffer();

    const missing = await fetch(`${server.url}/api/v1/runs/${RUN_ID}/artifacts/nope.txt`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/application\/problem\+json/);

    const traversal = await rawRequest(server.url, 'GET', `/api/v1/runs/${RUN_ID}/artifacts/%2e%2e/%2e%2e/x`);
    expect(traversal.status).toBe(400);
    expect(JSON.parse(traversal.text)).toMatchObject({ code: 'STW_ERR_BAD_REQUEST' });

    const noRun = await fetch(`${server.url}/api/v1/runs/0000/artifacts`);
    expect(noRun.status).toBe(404);
  });
});
