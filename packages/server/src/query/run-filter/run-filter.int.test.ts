/**
 * MLflow run searches compiled to SQL and run on the real engine, over rows written to the
 * 007 runs tables the way the runs repository writes them (new versions, deleted tags,
 * metric history): which runs each filter returns, and in which order.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/harness.ts';
import type { Store } from '../../store/client.ts';
import { p, type Sql, sql, unsafeRaw } from '../../store/sql.ts';
import { RunFilterError, type RunSearchOptions, runSearchSql } from './index.ts';

let server: TestServer;
let store: Store;

const ms = (v: number): Sql => sql`fromUnixTimestamp64Milli(${p.Int64(v)}, 'UTC')`;

async function insertRun(r: {
  id: string;
  experiment?: string;
  name: string;
  status: string;
  start: number;
  end?: number;
  lifecycle?: string;
  user?: string;
  version?: number;
}): Promise<void> {
  await store.command(sql`INSERT INTO runs
    (run_id, experiment_id, name, kind, parent_run_id, status, start_time, end_time, lifecycle_stage,
     user, host, command, git_commit, exit_code, artifact_uri, version)
    SELECT ${p.String(r.id)}, ${p.String(r.experiment ?? '1')}, ${p.String(r.name)}, 'training', '',
      ${p.String(r.status)}, ${ms(r.start)}, ${r.end === undefined ? unsafeRaw('NULL') : ms(r.end)},
      ${p.String(r.lifecycle ?? 'active')}, ${p.String(r.user ?? 'ana')}, 'host', '', '', NULL,
      ${p.String(`mlflow-artifacts:/${r.experiment ?? '1'}/${r.id}/artifacts`)}, ${p.UInt64(r.version ?? 1)}`);
}

async function metric(run: string, key: string, value: number, step: number, ts: number): Promise<void> {
  await store.command(sql`INSERT INTO run_metrics (run_id, key, value, step, timestamp)
    SELECT ${p.String(run)}, ${p.String(key)}, ${p.Float64(value)}, ${p.Int64(step)}, ${ms(ts)}`);
}

async function param(run: string, key: string, value: string): Promise<void> {
  await store.command(sql`INSERT INTO run_params (run_id, key, value, version)
    SELECT ${p.String(run)}, ${p.String(key)}, ${p.String(value)}, 1`);
}

async function tag(run: string, key: string, value: string, version = 1, deleted = 0): Promise<void> {
  await store.command(sql`INSERT INTO run_tags (run_id, key, value, deleted, version)
    SELECT ${p.String(run)}, ${p.String(key)}, ${p.String(value)}, ${p.UInt8(deleted)}, ${p.UInt64(version)}`);
}

async function search(opts: Partial<RunSearchOptions> = {}): Promise<string[]> {
  const rows = await store.query<{ run_id: string }>(
    runSearchSql({ experimentIds: ['1'], lifecycle: 'active', limit: 1000, offset: 0, ...opts }),
  );
  return rows.map((r) => r.run_id);
}

beforeAll(async () => {
  server = await startTestServer();
  store = server.running.store;

  await insertRun({ id: 'run1', name: 'alpha', status: 'FINISHED', start: 1000, end: 2000 });
  await metric('run1', 'acc', 0.5, 0, 100);
  await metric('run1', 'acc', 0.9, 1, 200);
  await metric('run1', 'my metric', 3, 0, 100);
  await param('run1', 'lr', '0.01');
  await param('run1', 'model', 'cnn');
  await tag('run1', 'team', 'vision');
  await tag('run1', 'mlflow.runName', 'alpha');

  // Still running (no end time); its team tag was deleted after being set.
  await insertRun({ id: 'run2', name: 'beta', status: 'FAILED', start: 3000, user: 'bob' });
  await metric('run2', 'acc', 0.7, 5, 10);
  await metric('run2', 'acc', 0.8, 5, 20); // same step, later: this one is the latest
  await param('run2', 'lr', '0.1');
  await param('run2', 'model', 'CNN-large');
  await tag('run2', 'team', 'nlp', 1);
  await tag('run2', 'team', 'nlp', 2, 1);

  await insertRun({ id: 'run3', name: 'gamma', status: 'FINISHED', start: 2000, end: 2500 });
  await metric('run3', 'acc', 0.95, 2, 5);
  await metric('run3', 'acc', 0.99, 1, 100); // later, but a lower step: not the latest
  await tag('run3', 'team', 'vision');

  await insertRun({ id: 'run4', name: 'delta', status: 'KILLED', start: 4000, end: 4100, lifecycle: 'deleted' });
  await metric('run4', 'acc', 0.85, 0, 1);

  await insertRun({ id: 'run5', experiment: '2', name: 'eps', status: 'FINISHED', start: 5000, end: 5100 });
  await metric('run5', 'acc', 0.99, 0, 1);

  // Created RUNNING, then finished: version 2 is what a search sees.
  await insertRun({ id: 'run6', name: 'zeta', status: 'RUNNING', start: 2000, version: 1 });
  await insertRun({ id: 'run6', name: 'zeta', status: 'FINISHED', start: 2000, version: 2 });

  await insertRun({ id: 'run7', name: 'eta', status: 'FINISHED', start: 500, end: 600 });
  await metric('run7', 'acc', Number.NaN, 0, 1);

  await store.command(sql`INSERT INTO run_inputs (run_id, name, digest, source_type, source, schema, profile, tags, version)
    SELECT 'run1', 'iris', 'abc123', 'local', 'file:///iris.csv', '', '', map('mlflow.data.context', 'training'), 1`);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('run search on the engine', () => {
  it('returns active runs of the experiments, newest start first, then by run id', async () => {
    expect(await search()).toEqual(['run2', 'run3', 'run6', 'run1', 'run7']);
    expect(await search({ lifecycle: 'deleted' })).toEqual(['run4']);
    expect(await search({ lifecycle: 'all' })).toEqual(['run4', 'run2', 'run3', 'run6', 'run1', 'run7']);
    expect(await search({ experimentIds: ['1', '2'] })).toEqual(['run5', 'run2', 'run3', 'run6', 'run1', 'run7']);
    expect(await search({ experimentIds: ['9'] })).toEqual([]);
  });

  it('pages with limit and offset', async () => {
    expect(await search({ limit: 2, offset: 1 })).toEqual(['run3', 'run6']);
    expect(await search({ limit: 2, offset: 4 })).toEqual(['run7']);
  });

  it('compares the latest value of a metric (highest step, then latest time)', async () => {
    expect(await search({ filter: 'metrics.acc > 0.85' })).toEqual(['run3', 'run1']);
    expect(await search({ filter: 'metrics.acc = 0.8' })).toEqual(['run2']);
    expect(await search({ filter: 'metrics.acc >= 0.8 and metrics.acc <= 0.9' })).toEqual(['run2', 'run1']);
    expect(await search({ filter: 'metrics.acc < 0.9' })).toEqual(['run2']);
    expect(await search({ filter: 'metrics.acc != 0.9' })).toEqual(['run2', 'run3', 'run7']);
    expect(await search({ filter: 'metric.`my metric` = 3' })).toEqual(['run1']);
    expect(await search({ filter: 'metrics."my metric" > 2.5e0' })).toEqual(['run1']);
    expect(await search({ filter: 'metrics.missing > 0' })).toEqual([]);
    expect(await search({ filter: 'metrics.acc > 0.9', experimentIds: ['2'] })).toEqual(['run5']);
    expect(await search({ filter: 'metrics.acc > 0.9', experimentIds: ['1', '2'] })).toEqual(['run5', 'run3']);
  });

  it('matches params and tags by =, !=, LIKE and ILIKE; a deleted tag does not exist', async () => {
    expect(await search({ filter: "params.lr = '0.01'" })).toEqual(['run1']);
    expect(await search({ filter: 'params.lr != "0.01"' })).toEqual(['run2']);
    expect(await search({ filter: "params.model LIKE 'cnn%'" })).toEqual(['run1']);
    expect(await search({ filter: "params.model ILIKE 'cnn%'" })).toEqual(['run2', 'run1']);
    expect(await search({ filter: "tags.team = 'vision'" })).toEqual(['run3', 'run1']);
    expect(await search({ filter: "tags.team = 'nlp'" })).toEqual([]);
    expect(await search({ filter: "tags.team != 'vision'" })).toEqual([]);
    expect(await search({ filter: "tags.`mlflow.runName` = 'alpha'" })).toEqual(['run1']);
    expect(await search({ filter: "tags.mlflow.runName = 'alpha'" })).toEqual(['run1']);
  });

  it('filters on run attributes, with IN and NOT IN for run ids and statuses', async () => {
    expect(await search({ filter: "attributes.status = 'FINISHED'" })).toEqual(['run3', 'run6', 'run1', 'run7']);
    expect(await search({ filter: "attributes.status IN ('FAILED', 'RUNNING')" })).toEqual(['run2']);
    expect(await search({ filter: "attributes.run_id IN ('run1', 'run3')" })).toEqual(['run3', 'run1']);
    expect(await search({ filter: "run.run_id NOT IN ('run1', 'run3')" })).toEqual(['run2', 'run6', 'run7']);
    expect(await search({ filter: "attributes.run_name LIKE 'g%'" })).toEqual(['run3']);
    expect(await search({ filter: "attributes.`Run name` = 'beta'" })).toEqual(['run2']);
    expect(await search({ filter: "attr.user_id = 'bob'" })).toEqual(['run2']);
    expect(await search({ filter: "attributes.artifact_uri LIKE '%/run7/%'" })).toEqual(['run7']);
    expect(await search({ filter: 'attributes.start_time >= 2000' })).toEqual(['run2', 'run3', 'run6']);
    expect(await search({ filter: 'attributes.created > 2500' })).toEqual(['run2']);
    // run2 and run6 are still going: no end time, so no match.
    expect(await search({ filter: 'attributes.end_time < 2400' })).toEqual(['run1', 'run7']);
    expect(await search({ filter: "attributes.lifecycle_stage = 'deleted'", lifecycle: 'all' })).toEqual(['run4']);
  });

  it('filters on datasets a run used', async () => {
    expect(await search({ filter: "datasets.name = 'iris'" })).toEqual(['run1']);
    expect(await search({ filter: "datasets.context IN ('training', 'eval')" })).toEqual(['run1']);
    expect(await search({ filter: "datasets.digest != 'abc123'" })).toEqual([]);
  });

  it('joins expressions with AND', async () => {
    const filter = "metrics.acc > 0.5 AND params.model ILIKE 'cnn%' AND attributes.status = 'FAILED'";
    expect(await search({ filter })).toEqual(['run2']);
  });

  it('orders by metrics; runs without the metric come last, NaN just before them', async () => {
    expect(await search({ orderBy: ['metrics.acc DESC'] })).toEqual(['run3', 'run1', 'run2', 'run7', 'run6']);
    expect(await search({ orderBy: ['metrics.acc'] })).toEqual(['run2', 'run1', 'run3', 'run7', 'run6']);
    expect(await search({ orderBy: ['metrics.acc ASC'], limit: 2, offset: 1 })).toEqual(['run1', 'run3']);
  });

  it('orders by params, tags and attributes, ties broken by start time then run id', async () => {
    expect(await search({ orderBy: ['params.lr'] })).toEqual(['run1', 'run2', 'run3', 'run6', 'run7']);
    expect(await search({ orderBy: ['params.lr DESC'] })).toEqual(['run2', 'run1', 'run3', 'run6', 'run7']);
    expect(await search({ orderBy: ['tags.team DESC'] })).toEqual(['run3', 'run1', 'run2', 'run6', 'run7']);
    expect(await search({ orderBy: ['attributes.start_time ASC'] })).toEqual(['run7', 'run1', 'run3', 'run6', 'run2']);
    expect(await search({ orderBy: ['attributes.end_time DESC'] })).toEqual(['run3', 'run1', 'run7', 'run2', 'run6']);
    expect(await search({ orderBy: ['attributes.run_name DESC'] })).toEqual(['run6', 'run3', 'run7', 'run2', 'run1']);
    expect(await search({ orderBy: ['tags.team', 'metrics.acc DESC'] })).toEqual([
      'run3',
      'run1',
      'run2',
      'run7',
      'run6',
    ]);
  });

  it('refuses a bad filter before it reaches the engine', async () => {
    expect(() =>
      runSearchSql({ experimentIds: ['1'], lifecycle: 'active', limit: 1, offset: 0, filter: 'metrics.acc > 1 OR x' }),
    ).toThrow(RunFilterError);
    expect(() => runSearchSql({ experimentIds: ['1'], lifecycle: 'active', limit: -1, offset: 0 })).toThrow(/limit/);
  });
});
