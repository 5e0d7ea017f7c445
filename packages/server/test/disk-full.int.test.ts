import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { get } from './http.ts';

// A real full disk: the data directory lives on a small tmpfs (needs root, as in CI).
const mountPoint = mkdtempSync(join(tmpdir(), 'stw-small-disk-'));
let server: TestServer;

beforeAll(async () => {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint]);
  server = await startTestServer({ dataDir: join(mountPoint, 'data') });
});
afterAll(async () => {
  await server?.close().catch(() => {});
  try {
    execFileSync('umount', [mountPoint]);
  } catch {
    /* not mounted */
  }
  rmSync(mountPoint, { recursive: true, force: true });
});

async function count(): Promise<number> {
  const r = await get(`${server.url}/api/v1/logs/histogram?query=service:full&from=now-1h&to=now%2B1h&buckets=1`);
  return r.json.total as number;
}

describe('a full disk', () => {
  it('refuses writes with 507 and a clear message, keeps what was stored, and recovers once space is back', async () => {
    let acked = 0;
    let refusal: { status: number; retryAfter: string | null; json: any } | undefined;
    for (let i = 0; i < 400 && !refusal; i++) {
      const body = Array.from({ length: 2000 }, (_, j) =>
        JSON.stringify({ msg: `${Math.random().toString(36).repeat(8)} ${i} ${j}`, k: Math.random() }),
      ).join('\n');
      const res = await fetch(`${server.url}/api/v1/logs?service=full`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      const json = await res.json();
      if (res.status === 200) acked += 2000;
      else refusal = { status: res.status, retryAfter: res.headers.get('retry-after'), json };
    }
    expect(refusal, 'the disk never filled up').toBeDefined();
    expect(refusal?.status).toBe(507);
    expect(refusal?.json.code).toBe('STW_ERR_DISK_FULL');
    expect(refusal?.json.detail).toMatch(/free space/);
    expect(Number(refusal?.retryAfter)).toBeGreaterThan(0);
    // The server stays up and everything acknowledged is still there.
    expect((await get(`${server.url}/healthz`)).json.status).toBe('ok');
    expect(await count()).toBe(acked);

    execFileSync('mount', ['-o', 'remount,size=256m', mountPoint]);
    const after = await fetch(`${server.url}/api/v1/logs?service=full`, { method: 'POST', body: 'space is back' });
    expect(after.status).toBe(200);
    expect(await count()).toBe(acked + 1);
  });
});
