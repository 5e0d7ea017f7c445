import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.ts';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'stw-config-')), 'stellwerk.yaml');
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('gives the documented defaults', () => {
    const c = loadConfig();
    expect(c.server).toMatchObject({ host: '127.0.0.1', port: 8420 });
    expect(c.storage.dataDir).toBe('./stellwerk-data');
    expect(c.retention.logs).toBe('30d');
  });

  it('layers file < env < flags', () => {
    const path = file('server:\n  port: 9000\nretention:\n  logs: 7d\n');
    const c = loadConfig({
      file: path,
      env: { STELLWERK_PORT: '9100', STELLWERK_DATA_DIR: '/data', STELLWERK_RETENTION__LOGS: '14d' },
      flags: { port: 9200 },
    });
    expect(c.server.port).toBe(9200);
    expect(c.storage.dataDir).toBe('/data');
    expect(c.retention.logs).toBe('14d');
  });

  it('names the bad key and what is expected', () => {
    const path = file('retention:\n  logs: forever\nserver:\n  prot: 1\n');
    expect(() => loadConfig({ file: path })).toThrow(ConfigError);
    try {
      loadConfig({ file: path });
    } catch (err) {
      const e = err as ConfigError;
      expect(e.message).toContain(path);
      const keys = e.issues.map((i) => i.key);
      expect(keys).toContain('retention.logs');
      expect(keys).toContain('server.prot');
      expect(e.message).toMatch(/retention\.logs: a duration/);
    }
  });

  it('rejects short tokens and unknown scopes', () => {
    expect(() =>
      loadConfig({ overrides: { auth: { tokens: [{ name: 'a', token: 'short', scopes: ['ingest'] }] } } }),
    ).toThrow(/auth\.tokens\.0\.token: tokens need at least 16 characters/);
    expect(() =>
      loadConfig({
        overrides: { auth: { tokens: [{ name: 'a', token: 'x'.repeat(20), scopes: ['write' as 'ingest'] }] } },
      }),
    ).toThrow(/auth\.tokens\.0\.scopes\.0/);
  });

  it('parses sizes', () => {
    const c = loadConfig({ overrides: { ingest: { maxBodyBytes: '8MiB' } } });
    expect(c.ingest.maxBodyBytes).toBe(8 * 1024 * 1024);
  });

  it('reports a missing file clearly', () => {
    expect(() => loadConfig({ file: '/nonexistent/stellwerk.yaml' })).toThrow(/cannot read config file/);
  });
});
