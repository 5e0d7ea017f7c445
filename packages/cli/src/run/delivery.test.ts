import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ApiRequest } from './client.ts';
import { Delivery } from './delivery.ts';
import { SpoolWriter } from './spool.ts';

// A real HTTP server that answers slowly, or with a chosen status, and records what it got.
let server: Server;
let url: string;
const received: { path: string; key: string }[] = [];
let delayMs = 0;
let status = 200;
const dir = mkdtempSync(join(tmpdir(), 'stw-delivery-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        received.push({ path: req.url ?? '', key: String(req.headers['idempotency-key']) });
        res.writeHead(status, { 'content-type': 'application/problem+json' });
        res.end(status >= 400 ? JSON.stringify({ detail: 'tag value too long' }) : '{}');
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const req = (path: string, key: string, bytes = 10): ApiRequest => ({
  method: 'POST',
  path,
  contentType: 'text/plain',
  body: 'x'.repeat(bytes),
  key,
});

function setup(name: string, maxPendingBytes?: number) {
  const warnings: string[] = [];
  const spool = new SpoolWriter(join(dir, name), url, 'r'.repeat(32), Date.now());
  const client = new ApiClient({ url });
  const delivery = new Delivery({ client, spool, warn: (l) => warnings.push(l), maxPendingBytes });
  const spooled = () =>
    spool.used
      ? readFileSync(spool.file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .slice(1)
          .map((l) => JSON.parse(l).key as string)
      : [];
  const close = () => {
    client.close();
    spool.close();
  };
  return { delivery, warnings, spooled, close };
}

describe('ordered delivery with the spool behind it', () => {
  it('sends in order and keeps nothing when the server keeps up', async () => {
    received.length = 0;
    const { delivery, warnings, spooled, close } = setup('ok');
    for (const k of ['a', 'b', 'c']) delivery.enqueue(req('/api/v1/runs/x/tags', k));
    await delivery.drain(Date.now() + 5000);
    expect(received.map((r) => r.key)).toEqual(['a', 'b', 'c']);
    expect(warnings).toEqual([]);
    expect(spooled()).toEqual([]);
    close();
  });

  it('spools log batches beyond the limit while the run records keep going live and first, warning once', async () => {
    received.length = 0;
    delayMs = 100;
    const { delivery, warnings, spooled, close } = setup('overflow', 1000);
    delivery.enqueue(req('/api/v1/runs/x/resources', 'run-1'));
    for (let i = 1; i <= 8; i++) delivery.enqueue(req('/api/v1/logs?run_id=x', `log-${i}`, 300));
    delivery.enqueue(req('/api/v1/runs/x', 'run-2'));
    await delivery.drain(Date.now() + 10_000);
    delayMs = 0;
    const live = received.map((r) => r.key);
    // The run's records go first: the later one overtakes the log batches still waiting.
    expect(live.slice(0, 2)).toEqual(['run-1', 'run-2']);
    expect(spooled().length).toBeGreaterThan(0);
    expect(spooled().every((k) => k.startsWith('log-'))).toBe(true);
    expect([...live, ...spooled()].filter((k) => k.startsWith('log-')).sort()).toEqual(
      ['log-1', 'log-2', 'log-3', 'log-4', 'log-5', 'log-6', 'log-7', 'log-8'].sort(),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('is not keeping up with the output');
    close();
  });

  it('goes to the spool for good once the server fails, keeping the order', async () => {
    received.length = 0;
    status = 503;
    const { delivery, warnings, spooled, close } = setup('failing');
    for (const k of ['a', 'b', 'c']) delivery.enqueue(req('/api/v1/runs/x/tags', k));
    await delivery.drain(Date.now() + 5000);
    status = 200;
    delivery.enqueue(req('/api/v1/runs/x', 'd'));
    expect(spooled()).toEqual(['a', 'b', 'c', 'd']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/is unavailable \(503 /);
    close();
  });

  it('drops what the server refuses for good, warning once with its reason', async () => {
    received.length = 0;
    status = 400;
    const { delivery, warnings, spooled, close } = setup('refused');
    for (const k of ['a', 'b']) delivery.enqueue(req('/api/v1/runs/x/tags', k));
    await delivery.drain(Date.now() + 5000);
    status = 200;
    expect(received.map((r) => r.key)).toEqual(['a', 'b']);
    expect(spooled()).toEqual([]);
    expect(warnings).toEqual(['stellwerk: the server refused POST /api/v1/runs/x/tags: 400 tag value too long']);
    close();
  });
});
