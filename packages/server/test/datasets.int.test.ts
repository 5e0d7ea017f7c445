import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { ColumnDrift, DatasetProfile, DriftReport, NumericColumnProfile } from '@stellwerk/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normals, PYTHON, python, seeded } from '../src/query/datasets/scipy.fixture.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { eventually } from './http.ts';

const run = promisify(execFile);
const EXAMPLE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../examples/profile_dataset.py');

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer({ overrides: { scrape: { self: false } } });
  dir = mkdtempSync(join(tmpdir(), 'stellwerk-datasets-'));
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function send(
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json',
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': contentType },
    body,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function createRun(name: string): Promise<string> {
  const res = await send('POST', '/api/v1/runs', JSON.stringify({ experimentName: 'datasets-test', name }));
  expect(res.status).toBe(201);
  return res.json.run.runId as string;
}

interface Data {
  x: Array<number | null>;
  z: number[];
  cat: string[];
  y: string[];
}

function pick(random: () => number, values: string[], weights: number[]): string {
  let u = random();
  for (let i = 0; i < values.length; i++) {
    u -= weights[i] as number;
    if (u < 0) return values[i] as string;
  }
  return values[values.length - 1] as string;
}

/** A numeric column with nulls, an integer column (ties at the deciles), a category and a label. */
function dataset(n: number, shift: number, seed: number, catWeights: number[], positive: number): Data {
  const random = seeded(seed);
  const x: Array<number | null> = normals(n, shift, 1 + shift / 2, random).map((v, i) => (i % 80 === 7 ? null : v));
  const z = normals(n, 4 + shift * 3, 2, random).map((v) => Math.round(v));
  const cat = Array.from({ length: n }, () => pick(random, ['a', 'b', 'c', 'd'], catWeights));
  const y = Array.from({ length: n }, () => (random() < positive ? '1' : '0'));
  return { x, z, cat, y };
}

function csvOf(d: Data): string {
  const lines = ['x,z,cat,y'];
  d.z.forEach((z, i) => {
    lines.push(`${d.x[i] === null ? '' : String(d.x[i])},${z},${d.cat[i]},${d.y[i]}`);
  });
  return `${lines.join('\n')}\n`;
}

function ndjsonOf(d: Data): string {
  return d.z.map((z, i) => JSON.stringify({ x: d.x[i], z, cat: d.cat[i], y: Number(d.y[i]) })).join('\n');
}

const nonNull = (xs: Array<number | null>) => xs.filter((v): v is number => v !== null);
const column = (p: DatasetProfile, name: string) => p.columns.find((c) => c.name === name);
const drift = (r: DriftReport, name: string) => r.columns.find((c) => c.column === name) as ColumnDrift;

/** SciPy/numpy answers for two samples, by the definitions docs/datasets.md states. */
const REFERENCE = `
import numpy as np
from scipy.stats import ks_2samp, chisquare, kstwobign
from scipy.spatial.distance import jensenshannon
out = {}
for name in ('x', 'z'):
    ref = np.array(data['ref'][name], dtype=float); cur = np.array(data['cur'][name], dtype=float)
    ks = ks_2samp(cur, ref)
    edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
    def shares(v):
        s = np.bincount(np.searchsorted(edges, v, side='left'), minlength=len(edges) + 1) / len(v)
        return np.where(s == 0, 1e-4, s)
    c = shares(cur); r = shares(ref)
    out[name] = {'ks': float(ks.statistic), 'p': float(ks.pvalue), 'psi': float(np.sum((c - r) * np.log(c / r)))}
for name in ('cat', 'y'):
    ref = data['ref'][name]; cur = data['cur'][name]
    keys = sorted(set(ref) | set(cur))
    rc = np.array([ref.count(k) for k in keys], dtype=float); cc = np.array([cur.count(k) for k in keys], dtype=float)
    chi = chisquare(cc, rc / rc.sum() * cc.sum())
    out[name] = {'chi': float(chi.statistic), 'p': float(chi.pvalue), 'js': float(jensenshannon(rc, cc, base=2))}
print(json.dumps(out))
`;

describe('dataset profiles from rows', () => {
  const train = dataset(800, 0, 11, [0.4, 0.3, 0.2, 0.1], 0.15);
  const serving = dataset(600, 0.3, 12, [0.25, 0.25, 0.25, 0.25], 0.3);
  let trainRun: string;
  let servingRun: string;
  let trainProfile: DatasetProfile;

  beforeAll(async () => {
    trainRun = await createRun('train');
    servingRun = await createRun('serve');
  });

  it('computes a CSV upload profile equal to numpy', async () => {
    const res = await send(
      'POST',
      `/api/v1/runs/${trainRun}/datasets/train/rows?label=y&categorical=cat`,
      csvOf(train),
      'text/csv',
    );
    expect(res.status).toBe(200);
    trainProfile = res.json.profile;
    expect(trainProfile).toMatchObject({ runId: trainRun, role: 'train', source: 'rows', rows: 800, labelColumn: 'y' });
    const x = column(trainProfile, 'x') as NumericColumnProfile;
    const levels = Object.keys(x.quantiles).map(Number);
    const expected = python<Record<string, any>>(
      `import numpy as np
x = np.array(data['x'], dtype=float); z = np.array(data['z'], dtype=float)
q = lambda v: np.quantile(v, data['levels']).tolist()
lo, hi = np.quantile(x, [0.25, 0.75]); iqr = hi - lo
print(json.dumps({'x': {'count': int(x.size), 'min': float(x.min()), 'max': float(x.max()), 'mean': float(x.mean()),
  'std': float(x.std(ddof=1)), 'q': q(x), 'outliers': int(((x < lo - 1.5 * iqr) | (x > hi + 1.5 * iqr)).sum())},
  'z': {'mean': float(z.mean()), 'std': float(z.std(ddof=1)), 'q': q(z)}}))`,
      { x: nonNull(train.x), z: train.z, levels },
    );
    expect(x.count).toBe(expected.x.count);
    expect(x.nulls).toBe(10);
    expect(x.min).toBe(expected.x.min);
    expect(x.max).toBe(expected.x.max);
    expect(x.mean).toBeCloseTo(expected.x.mean, 12);
    expect(x.std).toBeCloseTo(expected.x.std, 12);
    levels.forEach((level, i) => {
      expect(x.quantiles[String(level)]).toBeCloseTo(expected.x.q[i], 12);
    });
    expect(x.outliers).toEqual({ rule: 'tukey_1.5iqr', count: expected.x.outliers, share: expected.x.outliers / 790 });
    expect(x.histogram.counts.reduce((s, c) => s + c, 0)).toBe(790);
    expect(x.histogram.edges).toHaveLength(21);
    const z = column(trainProfile, 'z') as NumericColumnProfile;
    expect(z.kind).toBe('numeric');
    levels.forEach((level, i) => {
      expect(z.quantiles[String(level)]).toBeCloseTo(expected.z.q[i], 12);
    });

    const cat = column(trainProfile, 'cat');
    expect(cat?.kind).toBe('categorical');
    const counts = (v: string[]) =>
      Object.fromEntries(['a', 'b', 'c', 'd'].map((k) => [k, v.filter((c) => c === k).length]));
    if (cat?.kind === 'categorical') {
      expect(Object.fromEntries(cat.topK.map((t) => [t.value, t.count]))).toEqual(counts(train.cat));
      expect(cat.distinct).toBe(4);
      expect(cat.otherCount).toBe(0);
    }
    const y = column(trainProfile, 'y');
    const ones = train.y.filter((v) => v === '1').length;
    expect(y?.kind === 'categorical' && y.classBalance).toEqual({
      classCounts: { '0': 800 - ones, '1': ones },
      imbalanceRatio: Math.max(ones, 800 - ones) / Math.min(ones, 800 - ones),
    });
  });

  it('drift against a run: KS, PSI, chi-square and JS equal SciPy/numpy, and land as run metrics', async () => {
    const up = await send(
      'POST',
      `/api/v1/runs/${servingRun}/datasets/serving/rows?label=y&categorical=cat`,
      ndjsonOf(serving),
      'application/x-ndjson',
    );
    expect(up.status).toBe(200);
    expect(up.json.profile.rows).toBe(600);

    const res = await send('GET', `/api/v1/runs/${servingRun}/datasets/serving/drift?reference=run:${trainRun}/train`);
    expect(res.status).toBe(200);
    const report: DriftReport = res.json.report;
    const expected = python<Record<string, any>>(REFERENCE, {
      ref: { x: nonNull(train.x), z: train.z, cat: train.cat, y: train.y },
      cur: { x: nonNull(serving.x), z: serving.z, cat: serving.cat, y: serving.y },
    });
    for (const name of ['x', 'z']) {
      const c = drift(report, name);
      expect(c).toMatchObject({ kind: 'numeric', method: 'exact', ksMode: 'exact', test: 'ks' });
      expect(c.ksStatistic).toBeCloseTo(expected[name].ks, 12);
      expect(c.ksPValue).toBeCloseTo(expected[name].p, 10);
      expect(c.psi).toBeCloseTo(expected[name].psi, 10);
      expect(c.drifted).toBe((c.ksPValue as number) < 0.05);
    }
    for (const name of ['cat', 'y']) {
      const c = drift(report, name);
      expect(c).toMatchObject({ kind: 'categorical', method: 'exact', test: 'chisquare' });
      expect(c.chiSquare).toBeCloseTo(expected[name].chi, 9);
      expect(c.chiSquarePValue).toBeCloseTo(expected[name].p, 12);
      expect(c.jensenShannon).toBeCloseTo(expected[name].js, 12);
    }
    // The serving data was generated shifted: every column drifts, so the dataset does.
    expect(report.columns.map((c) => c.drifted)).toEqual([true, true, true, true]);
    expect(report).toMatchObject({ driftedColumns: 4, shareDrifted: 1, datasetDrifted: true });

    const runRes = await send('GET', `/api/v1/runs/${servingRun}`);
    const metrics = Object.fromEntries(
      (runRes.json.run.metrics as Array<{ key: string; value: number }>).map((m) => [m.key, m.value]),
    );
    expect(metrics['drift/serving/x/psi']).toBeCloseTo(expected.x.psi, 10);
    expect(metrics['drift/serving/x/ks_pvalue']).toBeCloseTo(expected.x.p, 10);
    expect(metrics['drift/serving/cat/drifted']).toBe(1);
    expect(metrics['drift/serving/share_drifted']).toBe(1);

    const stored = await send('GET', `/api/v1/runs/${servingRun}/datasets/serving/drift/reports`);
    expect(stored.json.reports[0]).toEqual(report);
  });

  it('pins a baseline that later uploads do not move, and thresholds change the verdict', async () => {
    const pin = await send(
      'POST',
      '/api/v1/datasets/baselines',
      JSON.stringify({ name: 'golden', runId: trainRun, role: 'train' }),
    );
    expect(pin.status).toBe(200);
    // A new train upload of the serving data: the run's profile moves, the baseline does not.
    const moved = await send(
      'POST',
      `/api/v1/runs/${trainRun}/datasets/train/rows?label=y&categorical=cat`,
      csvOf(serving),
      'text/csv',
    );
    expect(moved.status).toBe(200);
    const viaBaseline = await send(
      'GET',
      `/api/v1/runs/${servingRun}/datasets/serving/drift?reference=baseline:golden`,
    );
    expect(viaBaseline.status).toBe(200);
    expect(viaBaseline.json.report.reference).toEqual({
      kind: 'baseline',
      id: 'golden',
      runId: trainRun,
      role: 'train',
    });
    expect(viaBaseline.json.report.datasetDrifted).toBe(true);
    const viaRun = await send('GET', `/api/v1/runs/${servingRun}/datasets/serving/drift?reference=run:${trainRun}`);
    const same = viaRun.json.report.columns as ColumnDrift[];
    expect(same.filter((c) => c.kind === 'numeric').map((c) => [c.ksStatistic, c.ksPValue, c.psi])).toEqual([
      [0, 1, 0],
      [0, 1, 0],
    ]);
    expect(same.map((c) => c.drifted)).toEqual([false, false, false, false]);
    expect(viaRun.json.report.datasetDrifted).toBe(false);

    const strict = await send(
      'GET',
      `/api/v1/runs/${servingRun}/datasets/serving/drift?reference=baseline:golden&numericTest=psi&psi=100&categoricalTest=jensenshannon&jensenShannon=0.99`,
    );
    expect(strict.json.report).toMatchObject({ driftedColumns: 0, datasetDrifted: false });
    expect(strict.json.report.thresholds).toMatchObject({ psi: 100, numericTest: 'psi' });
  });

  it('reads gzip, deflate and br uploads as the plain upload, and names a bad or unknown encoding', async () => {
    const text = csvOf(train);
    const runId = await createRun('encodings');
    const upload = async (encoding: string, body: Buffer | string) => {
      const res = await fetch(`${server.url}/api/v1/runs/${runId}/datasets/validation/rows?label=y&categorical=cat`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', 'content-encoding': encoding },
        body,
      });
      return { status: res.status, json: (await res.json()) as any };
    };
    const plain = await upload('identity', text);
    expect(plain.status).toBe(200);
    const columnsOf = (p: DatasetProfile) => JSON.stringify(p.columns);
    for (const [encoding, packed] of [
      ['gzip', gzipSync(text)],
      ['deflate', deflateSync(text)],
      ['br', brotliCompressSync(text)],
    ] as const) {
      const res = await upload(encoding, packed);
      expect(res.status, encoding).toBe(200);
      expect(res.json.profile.rows).toBe(800);
      expect(columnsOf(res.json.profile)).toBe(columnsOf(plain.json.profile));
    }
    const corrupt = await upload('gzip', Buffer.from(text));
    expect(corrupt.status).toBe(400);
    expect(corrupt.json.code).toBe('STW_ERR_BAD_ENCODING');
    expect(corrupt.json.detail).toContain('not valid gzip data');
    const unknown = await upload('zstd', Buffer.from(text));
    expect(unknown.status).toBe(400);
    expect(unknown.json.detail).toContain('"zstd" is not supported');
  });

  it('refuses bad requests with a 4xx that names the problem', async () => {
    const role = await send('GET', `/api/v1/runs/${servingRun}/datasets/testing`);
    expect(role.status).toBe(400);
    expect(role.json.detail).toContain('train, validation, serving');
    const ref = await send('GET', `/api/v1/runs/${servingRun}/datasets/serving/drift`);
    expect(ref.status).toBe(400);
    expect(ref.json.detail).toContain('reference=run:<run id>');
    const missing = await send('GET', `/api/v1/runs/${servingRun}/datasets/serving/drift?reference=baseline:nope`);
    expect(missing.status).toBe(404);
    const type = await send('POST', `/api/v1/runs/${servingRun}/datasets/serving/rows`, 'x\n1\n', 'text/plain');
    expect(type.status).toBe(415);
    const badRow = await send(
      'POST',
      `/api/v1/runs/${servingRun}/datasets/serving/rows`,
      '{"x":1}\n{"x":',
      'application/x-ndjson',
    );
    expect(badRow.status).toBe(400);
    expect(badRow.json.errors[0]).toMatchObject({ line: 2 });
    const noRun = await send(
      'POST',
      '/api/v1/runs/00000000000000000000000000000000/datasets/train/rows',
      'x\n1\n',
      'text/csv',
    );
    expect(noRun.status).toBe(404);
    const badLabel = await send(
      'POST',
      `/api/v1/runs/${servingRun}/datasets/validation/rows?label=target`,
      'x\n1\n',
      'text/csv',
    );
    expect(badLabel.status).toBe(400);
    expect(badLabel.json.detail).toContain('label column target');
    const threshold = await send(
      'GET',
      `/api/v1/runs/${servingRun}/datasets/serving/drift?reference=baseline:golden&psi=-1`,
    );
    expect(threshold.status).toBe(400);
    expect(threshold.json.errors[0].field).toBe('psi');
  });

  it('reads a JSON array upload and shows its progress while the rows still arrive', async () => {
    const runId = await createRun('progress');
    const encoder = new TextEncoder();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode('['));
        for (let i = 0; i < 3000; i++) controller.enqueue(encoder.encode(`${i ? ',' : ''}{"v":${i},"k":"k${i % 7}"}`));
        await gate;
        for (let i = 3000; i < 4000; i++) controller.enqueue(encoder.encode(`,{"v":${i},"k":"k${i % 7}"}`));
        controller.enqueue(encoder.encode(']'));
        controller.close();
      },
    });
    const upload = fetch(`${server.url}/api/v1/runs/${runId}/datasets/validation/rows?job=upload-1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    const during = await eventually(
      async () => {
        const r = await send('GET', '/api/v1/datasets/jobs/upload-1');
        return r.status === 200 && r.json.job.rows >= 3000 ? r.json.job : undefined;
      },
      20_000,
      'the job to report 3000 rows',
    );
    expect(during).toMatchObject({ state: 'receiving', runId, role: 'validation' });
    expect(during.bytes).toBeGreaterThan(0);
    release();
    const res = await upload;
    expect(res.status).toBe(200);
    const done = (await res.json()) as { profile: DatasetProfile; jobId: string };
    expect(done.jobId).toBe('upload-1');
    expect(done.profile.rows).toBe(4000);
    expect(column(done.profile, 'v')).toMatchObject({ kind: 'numeric', min: 0, max: 3999, mean: 1999.5 });
    expect(column(done.profile, 'k')).toMatchObject({ kind: 'categorical', distinct: 7 });
    const after = await send('GET', `/api/v1/datasets/jobs?runId=${runId}`);
    expect(after.json.jobs[0]).toMatchObject({ id: 'upload-1', state: 'done', rows: 4000 });
  });

  it('uses the asymptotic KS distribution above 10 000 values, with the exact statistic', async () => {
    const random = seeded(99);
    const a = normals(12_000, 0, 1, random);
    const b = normals(11_000, 0.04, 1, random);
    const ra = await createRun('big-a');
    const rb = await createRun('big-b');
    await send('POST', `/api/v1/runs/${ra}/datasets/train/rows`, `v\n${a.join('\n')}\n`, 'text/csv');
    await send('POST', `/api/v1/runs/${rb}/datasets/serving/rows`, `v\n${b.join('\n')}\n`, 'text/csv');
    const res = await send('GET', `/api/v1/runs/${rb}/datasets/serving/drift?reference=run:${ra}`);
    const c = drift(res.json.report, 'v');
    const expected = python<{ d: number; limit: number }>(
      `from scipy.stats import ks_2samp, kstwobign
import math
d = ks_2samp(data['b'], data['a']).statistic
n, m = len(data['a']), len(data['b'])
print(json.dumps({'d': float(d), 'limit': float(kstwobign.sf(d * math.sqrt(n * m / (n + m))))}))`,
      { a, b },
    );
    expect(c).toMatchObject({ method: 'exact', ksMode: 'asymp' });
    expect(c.ksStatistic).toBeCloseTo(expected.d, 12);
    expect(c.ksPValue).toBeCloseTo(expected.limit, 6);
  });
});

describe('precomputed profiles', () => {
  it('refuses a bad field by name and compares a histogram-only profile within the stated bound', async () => {
    const runId = await createRun('precomputed');
    const random = seeded(5);
    const values = normals(700, 0.2, 1.1, random);
    const bins = 25;
    const min = Math.min(...values);
    const max = Math.max(...values);
    const counts = new Array<number>(bins).fill(0);
    for (const v of values) {
      const i = Math.min(Math.floor(((v - min) / (max - min)) * bins), bins - 1);
      counts[i] = (counts[i] ?? 0) + 1;
    }
    const sorted = [...values].sort((p, q) => p - q);
    const quantile = (q: number) => {
      const h = (sorted.length - 1) * q;
      const lo = Math.floor(h);
      return (
        (sorted[lo] as number) +
        (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] as number) - (sorted[lo] as number))
      );
    };
    const column = {
      name: 'x',
      kind: 'numeric',
      count: 700,
      nulls: 0,
      min,
      max,
      mean: values.reduce((s, v) => s + v, 0) / 700,
      std: 1,
      quantiles: Object.fromEntries([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map((q) => [String(q), quantile(q)])),
      histogram: {
        edges: Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + ((max - min) * i) / bins)),
        counts,
      },
    };
    const bad = await send(
      'POST',
      `/api/v1/runs/${runId}/datasets/serving/profile`,
      JSON.stringify({ rows: 700, columns: [{ ...column, std: -1 }] }),
    );
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('STW_ERR_INVALID_RECORD');
    expect(bad.json.errors[0]).toEqual({ field: 'columns[0].std', reason: 'must not be negative' });

    const ok = await send(
      'POST',
      `/api/v1/runs/${runId}/datasets/serving/profile`,
      JSON.stringify({ rows: 700, columns: [column] }),
    );
    expect(ok.status).toBe(200);
    expect(ok.json.profile.source).toBe('precomputed');

    const refRun = await createRun('precomputed-ref');
    const reference = normals(900, 0, 1, seeded(6));
    await send('POST', `/api/v1/runs/${refRun}/datasets/train/rows`, `x\n${reference.join('\n')}\n`, 'text/csv');
    const res = await send('GET', `/api/v1/runs/${runId}/datasets/serving/drift?reference=run:${refRun}`);
    const c = drift(res.json.report, 'x');
    expect(c.method).toBe('binned');
    const exact = python<number>(
      "from scipy.stats import ks_2samp\nprint(json.dumps(float(ks_2samp(data['a'], data['b']).statistic)))",
      { a: values, b: reference },
    );
    expect(Math.abs((c.ksStatistic as number) - exact)).toBeLessThanOrEqual(c.ksErrorBound as number);
    expect(c.ksErrorBound).toBeLessThan(0.3);
  });
});

describe('examples/profile_dataset.py', () => {
  it('posts a CSV as rows and as a profile it computed, with the standard library only', async () => {
    const runId = await createRun('python-example');
    const data = dataset(300, 0, 21, [0.5, 0.2, 0.2, 0.1], 0.4);
    const file = join(dir, 'example.csv');
    writeFileSync(file, csvOf(data));
    const common = ['--url', server.url, '--run', runId, '--label', 'y', '--categorical', 'cat'];
    const rows = await run(PYTHON, [EXAMPLE, ...common, '--role', 'train', '--send', 'rows', file]);
    expect(rows.stdout).toContain('300 rows');
    const pre = await run(PYTHON, [EXAMPLE, ...common, '--role', 'validation', '--send', 'profile', file]);
    expect(pre.stdout).toContain('300 rows');

    const fromRows = (await send('GET', `/api/v1/runs/${runId}/datasets/train`)).json.profile as DatasetProfile;
    const fromPython = (await send('GET', `/api/v1/runs/${runId}/datasets/validation`)).json.profile as DatasetProfile;
    expect(fromPython.source).toBe('precomputed');
    const a = column(fromRows, 'x') as NumericColumnProfile;
    const b = column(fromPython, 'x') as NumericColumnProfile;
    expect(b.count).toBe(a.count);
    expect(b.nulls).toBe(a.nulls);
    expect(b.mean).toBeCloseTo(a.mean, 10);
    expect(b.std).toBeCloseTo(a.std, 10);
    for (const level of Object.keys(b.quantiles))
      expect(b.quantiles[level]).toBeCloseTo(a.quantiles[level] as number, 10);
    expect(b.histogram.counts).toEqual(a.histogram.counts);
    expect(column(fromPython, 'y')).toEqual(column(fromRows, 'y'));
    // Same data on both sides: nothing drifts.
    const same = await send('GET', `/api/v1/runs/${runId}/datasets/validation/drift?reference=run:${runId}/train`);
    expect(same.json.report.datasetDrifted).toBe(false);
  });
});

describe('scopes', () => {
  it('needs ingest to send rows or profiles and read to see them', async () => {
    const ingest = 'ingest-token-0123456789';
    const read = 'read-token-0123456789ab';
    const secured = await startTestServer({
      overrides: {
        scrape: { self: false },
        auth: {
          tokens: [
            { name: 'writer', token: ingest, scopes: ['ingest'] },
            { name: 'reader', token: read, scopes: ['read'] },
          ],
        },
      },
    });
    try {
      const call = (method: string, path: string, token: string, body?: string, type = 'application/json') =>
        fetch(`${secured.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': type } : {}) },
          body,
        });
      const created = await call('POST', '/api/v1/runs', ingest, JSON.stringify({ name: 'scoped' }));
      const runId = ((await created.json()) as any).run.runId as string;
      const rowsPath = `/api/v1/runs/${runId}/datasets/train/rows`;
      expect((await call('POST', rowsPath, read, 'v\n1\n2\n', 'text/csv')).status).toBe(403);
      expect((await call('POST', rowsPath, ingest, 'v\n1\n2\n', 'text/csv')).status).toBe(200);
      expect((await call('GET', `/api/v1/runs/${runId}/datasets/train`, ingest)).status).toBe(403);
      expect((await call('GET', `/api/v1/runs/${runId}/datasets/train`, read)).status).toBe(200);
      expect((await fetch(`${secured.url}/api/v1/datasets/jobs`)).status).toBe(401);
    } finally {
      await secured.close();
    }
  });
});
