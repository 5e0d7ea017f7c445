import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { get } from '../../server/test/http.ts';
import { CLI, startCli, waitForExit } from '../../server/test/process.ts';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'stw-cli-'));
  dirs.push(d);
  return d;
}

describe('stellwerk CLI (the real binary)', () => {
  it('prints help with examples', async () => {
    const { stdout } = await run(process.execPath, [CLI, '--help']);
    expect(stdout).toContain('Usage: stellwerk');
    expect(stdout).toContain('up');
    expect(stdout).toContain('Examples:');
    const up = await run(process.execPath, [CLI, 'up', '--help']);
    expect(up.stdout).toContain('--clickhouse-url');
  });

  it('config check accepts a good file and names the bad key of a broken one', async () => {
    const dir = tempDir();
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'retention:\n  logs: 7d\n');
    const ok = await run(process.execPath, [CLI, 'config', 'check', '--config', good]);
    expect(ok.stdout).toContain('configuration is valid');
    expect(ok.stdout).toContain('"logs": "7d"');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'retention:\n  logs: forever\n');
    const err = await run(process.execPath, [CLI, 'config', 'check', '--config', bad]).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr).toContain('retention.logs');
  });

  it('refuses to listen beyond loopback without tokens', async () => {
    const err = await run(process.execPath, [CLI, 'up', '--host', '0.0.0.0', '--data-dir', tempDir()]).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without API tokens/);
  });

  it('up prints the address, serves the UI, and on SIGTERM answers in-flight writes before exiting', async () => {
    const dataDir = tempDir();
    // A long batch age: the write below is answered only by the shutdown flush.
    const server = await startCli(['--data-dir', dataDir], { STELLWERK_INGEST__BATCH_MAX_AGE: '30s' });
    const page = await fetch(`${server.url}/logs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const pending = fetch(`${server.url}/api/v1/logs?service=shutdown`, { method: 'POST', body: 'last words' });
    // Wait until the record is queued, then stop the server.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      const m = await (await fetch(`${server.url}/metrics`)).text();
      if (/stellwerk_ingest_queue_records\{kind="logs"\} 1/.test(m)) break;
    }
    server.child.kill('SIGTERM');
    const res = await pending;
    expect(res.status).toBe(200);
    await waitForExit(server.child);
    expect(server.child.exitCode).toBe(0);
    const again = await startCli(['--data-dir', dataDir]);
    try {
      const r = await get(`${again.url}/api/v1/logs?query=service:shutdown&from=now-1h`);
      expect(r.json.records.map((x: { message: string }) => x.message)).toEqual(['last words']);
    } finally {
      again.child.kill('SIGTERM');
      await waitForExit(again.child);
    }
  });
});
