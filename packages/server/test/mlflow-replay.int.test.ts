import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_FIXTURES } from './fixtures.ts';
import { startTestServer, type TestServer } from './harness.ts';

/**
 * Replays, in order, what real MLflow clients sent (the official Python client 2.11 and the
 * npm client 2.0.7), with their own headers and body bytes, and checks each answer against
 * the one the client got and worked with: the status, the error code, and every field of
 * the recorded body. Ids the server hands out replace the recorded ones in later requests;
 * times the server sets itself (experiment creation and update) are not compared.
 */

interface Recorded {
  seq: string;
  method: string;
  url: string;
  rawHeaders: Array<[string, string]>;
  bodyFile: string | null;
  response: { status: number; body: string };
}

const SKIPPED_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

function recordings(dir: string): Array<Recorded & { body?: Buffer }> {
  return readdirSync(dir)
    .filter((f) => /^\d{3}-.*\.json$/.test(f) && !f.endsWith('.decoded.json'))
    .sort()
    .map((f) => {
      const rec = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Recorded;
      let body: Buffer | undefined;
      if (rec.bodyFile && existsSync(join(dir, rec.bodyFile))) body = readFileSync(join(dir, rec.bodyFile));
      else if (rec.method === 'POST') {
        // A few captures kept only the decoded body.
        const decoded = JSON.parse(readFileSync(join(dir, f.replace(/\.json$/, '.decoded.json')), 'utf8'));
        body = Buffer.from(JSON.stringify(decoded.message));
      }
      return { ...rec, body };
    });
}

/** Recorded ids → the ids this server gave out. */
class IdMap {
  readonly experiments = new Map<string, string>();
  readonly runs = new Map<string, string>();

  text(s: string): string {
    let out = s;
    for (const [from, to] of this.runs) out = out.split(from).join(to);
    out = out.replace(
      /mlflow-artifacts:\/(\d+)/g,
      (_m, id: string) => `mlflow-artifacts:/${this.experiments.get(id) ?? id}`,
    );
    return out;
  }

  /** Maps ids in a JSON value: experiment id fields by value, run ids wherever they occur. */
  json(v: unknown, key = ''): unknown {
    if (typeof v === 'string') {
      if (key === 'experiment_id' || key === 'experiment_ids') return this.experiments.get(v) ?? v;
      return this.text(v);
    }
    if (Array.isArray(v)) return v.map((item) => this.json(item, key));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, this.json(item, k)]));
    }
    return v;
  }

  url(url: string): string {
    const u = new URL(url, 'http://x');
    for (const [k, v] of [...u.searchParams]) u.searchParams.set(k, this.json(v, k) as string);
    return `${u.pathname}${u.search}`;
  }
}

/** Drops server-set times and orders key/value lists, so bodies compare by content. */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(normalise);
    const sortKey = (x: any) => `${x?.key ?? ''}\u0000${String(x?.step ?? '').padStart(12, '0')}`;
    return items.every((x: any) => x && typeof x === 'object' && 'key' in x)
      ? [...items].sort((a, b) => sortKey(a).localeCompare(sortKey(b)))
      : items;
  }
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== 'creation_time' && k !== 'last_update_time')
        .map(([k, item]) => [k, normalise(item)]),
    );
  }
  return v;
}

async function replay(dir: string, server: TestServer, skip: (r: Recorded) => boolean): Promise<number> {
  const ids = new IdMap();
  let replayed = 0;
  for (const rec of recordings(dir)) {
    if (skip(rec)) continue;
    const headers = new Headers();
    for (const [name, value] of rec.rawHeaders) {
      if (SKIPPED_HEADERS.has(name.toLowerCase())) continue;
      // The captured token is shorter than Stellwerk accepts; the server's own takes its place.
      headers.append(name, name.toLowerCase() === 'authorization' ? `Bearer ${server.token}` : value);
    }
    const body = rec.body ? Buffer.from(ids.text(rec.body.toString('utf8'))) : undefined;
    // Experiment ids inside JSON bodies are mapped structurally, not as text.
    const sent =
      body && rec.method === 'POST' ? Buffer.from(JSON.stringify(ids.json(JSON.parse(body.toString('utf8'))))) : body;
    const res = await fetch(`${server.url}${ids.url(rec.url)}`, { method: rec.method, headers, body: sent });
    const got = (await res.json()) as any;
    const what = `${rec.seq} ${rec.method} ${rec.url}`;
    expect(res.status, `${what}: ${JSON.stringify(got)}`).toBe(rec.response.status);
    expect(res.headers.get('content-type'), what).toMatch(/^application\/json/);
    const recorded = JSON.parse(rec.response.body);
    if (rec.url.includes('/experiments/create') && res.status === 200) {
      ids.experiments.set(recorded.experiment_id, got.experiment_id);
    }
    if (rec.url.includes('/runs/create') && res.status === 200) {
      expect(got.run.info.run_id, what).toMatch(/^[0-9a-f]{32}$/);
      ids.runs.set(recorded.run.info.run_id, got.run.info.run_id);
    }
    expect(normalise(got), what).toMatchObject(normalise(ids.json(recorded)) as object);
    replayed++;
  }
  return replayed;
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('MLflow clients replayed from their captures', () => {
  it('official Python client 2.11: set_experiment, start_run, log_*, set_tag, end_run, MlflowClient calls', async () => {
    server = await startTestServer({ overrides: { scrape: { self: false } } });
    const n = await replay(join(CLIENT_FIXTURES, 'mlflow-python'), server, () => false);
    expect(n).toBe(23);
  });

  it('npm mlflow 2.0.7 client, with its bearer token and its broken set-experiment-tag path', async () => {
    server = await startTestServer({ token: 'demo-token-for-replay', overrides: { scrape: { self: false } } });
    // Artifacts are served by the artifact routes, not the tracking API.
    const n = await replay(join(CLIENT_FIXTURES, 'mlflow-node'), server, (r) => r.url.includes('/artifacts/'));
    expect(n).toBe(15);
  });
});
