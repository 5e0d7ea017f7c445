/**
 * End to end: the real server (embedded engine, temp data dir) serving the built UI, driven by
 * a real Chromium. Two runs are logged through the MLflow REST API the way MLflow clients do
 * (experiment, runs, metrics at several steps, params); the test then finds them in the runs
 * table, filters with the MLflow grammar, compares them (overlaid charts, param diff), opens a
 * run, and shows a pipeline's steps on the timeline. Needs `npm run build:web` first.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../server/test/harness.ts';
import {
  authHeader,
  launchChromium,
  nativeCall,
  OUTPUT_DIR,
  openPage,
  pollUntil,
  prepareOutput,
  waitForColoredCanvas,
} from './browser.ts';

const STEPS = 6;

/** alpha learns well (acc ends at 0.95), beta does not (0.70); they differ in lr only. */
const RUNS = [
  { name: 'alpha', lr: '0.01', acc: (s: number) => 0.5 + (0.45 * s) / (STEPS - 1) },
  { name: 'beta', lr: '0.1', acc: (s: number) => 0.4 + (0.3 * s) / (STEPS - 1) },
] as const;

describe('runs pages', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let experimentId = '';
  const runIds: Record<string, string> = {};
  const auth = () => authHeader(server);

  /** POST to the MLflow REST API, failing with the server's answer when it is not 200. */
  async function mlflow<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${server.url}/api/2.0/mlflow/${path}`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    expect(res.status, `${path}: ${text}`).toBe(200);
    return JSON.parse(text) as T;
  }

  const native = <T>(method: string, path: string, body?: unknown, raw?: { body: string; type: string }): Promise<T> =>
    nativeCall<T>(server, method, path, body, raw);

  const newPage = () => openPage(browser, server.token);

  beforeAll(async () => {
    prepareOutput();
    server = await startTestServer({ token: 'stw_e2e_runs_token', overrides: { scrape: { self: false } } });
    browser = await launchChromium();

    const created = await mlflow<{ experiment_id: string }>('experiments/create', { name: 'e2e-sweep' });
    experimentId = created.experiment_id;
    const t0 = Date.now() - 10 * 60_000;
    for (const [i, r] of RUNS.entries()) {
      const start = t0 + i * 60_000;
      const { run } = await mlflow<{ run: { info: { run_id: string } } }>('runs/create', {
        experiment_id: experimentId,
        run_name: r.name,
        start_time: start,
        tags: [{ key: 'team', value: 'vision' }],
      });
      const id = run.info.run_id;
      runIds[r.name] = id;
      const metrics = Array.from({ length: STEPS }, (_, s) => [
        { key: 'acc', value: r.acc(s), timestamp: start + s * 5000, step: s },
        { key: 'loss', value: 1 - r.acc(s), timestamp: start + s * 5000, step: s },
      ]).flat();
      await mlflow('runs/log-batch', {
        run_id: id,
        metrics,
        params: [
          { key: 'lr', value: r.lr },
          { key: 'batch_size', value: '32' },
        ],
      });
      await mlflow('runs/update', { run_id: id, status: 'FINISHED', end_time: start + STEPS * 5000 });
    }

    // Writes may be acknowledged before queries see them: wait until the native API lists both.
    let seen: unknown;
    await pollUntil(
      async () => {
        const res = await fetch(`${server.url}/api/v1/runs?experimentId=${experimentId}`, { headers: auth() });
        const body = (await res.json()) as { runs?: Array<{ status: string; metrics: unknown[] }> };
        seen = body;
        return (
          res.ok && body.runs?.length === 2 && body.runs.every((r) => r.status === 'FINISHED' && r.metrics.length === 2)
        );
      },
      () => `runs not listed by the native API: ${JSON.stringify(seen)}`,
    );
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists, filters, compares and opens runs', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${server.url}/runs`);

    // The experiment appears in the sidebar; choosing it lists both runs.
    await page.locator('[data-testid="experiment-item"][data-name="e2e-sweep"]').click();
    await page.waitForFunction((id) => new URL(location.href).searchParams.get('exp') === id, experimentId);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 2);
    const names = await page.getByTestId('run-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
    expect(names.sort()).toEqual(['alpha', 'beta']);
    // Default columns show the latest acc and the lr param of each run.
    const accAlpha = page.locator(
      `[data-testid="run-row"][data-name="alpha"] [data-testid="run-cell"][data-column="metrics.acc"]`,
    );
    expect(await accAlpha.textContent()).toBe('0.95');
    const status = page.locator('[data-testid="run-row"][data-name="beta"] [data-testid="run-status"]');
    expect(await status.getAttribute('data-status')).toBe('FINISHED');

    // Sorting by acc (a server-side order_by) puts alpha first, descending.
    await page.locator('[data-testid="sort-column"][data-column="metrics.acc"]').click();
    await page.waitForFunction(
      () =>
        new URL(location.href).searchParams.get('sort') === 'metrics.acc:desc' &&
        document.querySelector('[data-testid="run-row"]')?.getAttribute('data-name') === 'alpha',
    );
    // Any tag, param or metric can be a column: add the team tag, kept in the URL.
    await page.getByTestId('columns-button').click();
    await page.locator('[data-testid="column-option"][data-column="tags.team"]').check();
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => (new URL(location.href).searchParams.get('cols') ?? '').includes('tags.team'));
    const teams = await page.locator('[data-testid="run-cell"][data-column="tags.team"]').allTextContents();
    expect(teams).toEqual(['vision', 'vision']);
    await page.screenshot({ path: `${OUTPUT_DIR}/runs-list.png`, fullPage: true });

    // The MLflow filter grammar narrows to the run that learned.
    const filter = page.getByTestId('runs-filter');
    await filter.fill('metrics.acc > 0.9');
    await filter.press('Enter');
    await page.waitForFunction(() => {
      const rows = document.querySelectorAll('[data-testid="run-row"]');
      return rows.length === 1 && rows[0]?.getAttribute('data-name') === 'alpha';
    });
    expect(new URL(page.url()).searchParams.get('filter')).toBe('metrics.acc > 0.9');

    // A filter the server cannot parse: its own words are shown under the box.
    const bad = 'metrics.acc >> 0.9';
    const res = await fetch(
      `${server.url}/api/v1/runs?experimentId=${experimentId}&filter=${encodeURIComponent(bad)}`,
      { headers: auth() },
    );
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { detail?: string; title?: string };
    await filter.fill(bad);
    await filter.press('Enter');
    const error = page.getByTestId('runs-filter-error');
    await error.waitFor();
    expect(await error.textContent()).toBe(problem.detail || problem.title);
    await page.getByTestId('empty-bad-filter').waitFor();

    // Clear the filter, tick both runs and compare them.
    await filter.fill('');
    await filter.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 2);
    for (const cb of await page.getByTestId('run-select').all()) await cb.check();
    await page.getByTestId('compare-selected').click();
    await page.getByTestId('compare-page').waitFor();
    const ids = new URL(page.url()).searchParams.get('ids')?.split(',') ?? [];
    expect(ids.sort()).toEqual([runIds.alpha, runIds.beta].sort());

    // The legend names both runs; the acc chart has a line in each run's colour.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="compare-legend-item"]').length === 2);
    const legend = await page.getByTestId('compare-legend-item').evaluateAll((items) =>
      items.map((i) => ({
        name: i.textContent ?? '',
        color: getComputedStyle(i.querySelector('.swatch') as Element).backgroundColor,
      })),
    );
    expect(legend.map((l) => l.name).sort()).toEqual(['alpha', 'beta']);
    await page.waitForFunction(
      (colors) => {
        const canvas = document.querySelector<HTMLCanvasElement>(
          '[data-testid="metric-card"][data-key="acc"] [data-testid="run-metric-chart"] canvas',
        );
        const ctx = canvas?.getContext('2d');
        if (!canvas || !ctx || canvas.width === 0) return false;
        const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        const targets = colors.map((c) => (c.match(/\d+/g) ?? []).map(Number));
        const hits = targets.map(() => 0);
        for (let i = 0; i < px.length; i += 4) {
          if ((px[i + 3] ?? 0) < 200) continue;
          targets.forEach((t, k) => {
            const d =
              Math.abs((px[i] ?? 0) - (t[0] ?? 0)) +
              Math.abs((px[i + 1] ?? 0) - (t[1] ?? 0)) +
              Math.abs((px[i + 2] ?? 0) - (t[2] ?? 0));
            if (d < 30) hits[k] = (hits[k] ?? 0) + 1;
          });
        }
        return hits.every((h) => h > 30);
      },
      legend.map((l) => l.color),
    );

    // The param diff highlights lr (different) and not batch_size (the same).
    const lrRow = page.locator('[data-testid="param-row"][data-key="lr"]');
    expect(await lrRow.getAttribute('data-differs')).toBe('true');
    expect(await lrRow.evaluate((tr) => tr.classList.contains('differs'))).toBe(true);
    const lrBg = await lrRow
      .locator('td')
      .first()
      .evaluate((td) => getComputedStyle(td).backgroundColor);
    expect(lrBg).not.toBe('rgba(0, 0, 0, 0)');
    expect(await page.locator('[data-testid="param-row"][data-key="batch_size"]').getAttribute('data-differs')).toBe(
      'false',
    );
    await page.screenshot({ path: `${OUTPUT_DIR}/runs-compare.png`, fullPage: true });

    // A run's own page, reached by its shareable link: info, params and one chart per metric.
    await page.goto(`${server.url}/runs/${runIds.alpha}`);
    await page.getByTestId('run-page').waitFor();
    expect(await page.getByTestId('run-title').textContent()).toBe('alpha');
    expect(await page.getByTestId('info-duration').textContent()).toBe('30s');
    const lr = page.locator(
      '[data-testid="run-params"] [data-testid="kv-row"][data-key="lr"] [data-testid="kv-value"]',
    );
    expect(await lr.textContent()).toBe('0.01');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="metric-card"]').length === 2);
    const accCard = page.locator('[data-testid="metric-card"][data-key="acc"]');
    expect(await accCard.getByTestId('metric-points').getAttribute('data-points')).toBe(String(STEPS));
    await waitForColoredCanvas(
      page,
      '[data-testid="metric-card"][data-key="acc"] [data-testid="run-metric-chart"] canvas',
      100,
    );
    // By time instead of step: same points, the choice kept in the URL.
    await page.getByTestId('axis-time').click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('x') === 'time');
    expect(await accCard.getByTestId('metric-points').getAttribute('data-points')).toBe(String(STEPS));
    await page.screenshot({ path: `${OUTPUT_DIR}/runs-run.png`, fullPage: true });

    // Tabs whose data the run does not have say so and what to do.
    await page.getByTestId('tab-logs').click();
    await page.getByTestId('empty-run-logs').waitFor();
    await page.getByTestId('tab-resources').click();
    await page.getByTestId('empty-run-resources').waitFor();

    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('shows a run’s resources with the memory limit, its artifacts inline and its data drift', async () => {
    const { page, errors } = await newPage();
    const start = Date.now() - 3 * 60_000;
    const create = (name: string) =>
      mlflow<{ run: { info: { run_id: string; artifact_uri: string } } }>('runs/create', {
        experiment_id: experimentId,
        run_name: name,
        start_time: start,
      });
    const reference = (await create('gamma-reference')).run.info;
    const { run_id: runId, artifact_uri: artifactUri } = (await create('gamma')).run.info;

    // Process-tree samples as `stellwerk run` sends them, under a 2 GiB limit.
    const GiB = 2 ** 30;
    const samples = Array.from({ length: 6 }, (_, i) => ({
      timestampMs: start + i * 10_000,
      cpuPercent: 50 + i * 20,
      cpuSeconds: i * 2,
      rssBytes: (0.5 + i * 0.2) * GiB,
      peakRssBytes: (0.5 + i * 0.2) * GiB,
      readBytes: 0,
      writeBytes: 0,
      threads: 4,
      openFds: 10,
      processes: 1,
      memoryLimitBytes: 2 * GiB,
      cpuLimitCores: 2,
    }));
    await native('POST', `/api/v1/runs/${runId}/resources`, { samples });
    await mlflow('runs/update', { run_id: runId, status: 'FINISHED', end_time: start + 60_000 });

    // Artifacts through MLflow's artifact proxy: a real PNG (a screenshot) and a JSON report.
    const root = artifactUri.replace(/^mlflow-artifacts:\/+/, '');
    const upload = async (path: string, body: Uint8Array<ArrayBuffer> | string, type: string) => {
      const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${root}/${path}`, {
        method: 'PUT',
        headers: { ...auth(), 'content-type': type },
        body,
      });
      expect(res.status, await res.text()).toBe(200);
    };
    await page.setContent('<body style="background:#1f5fbf"></body>');
    await upload('plots/curve.png', new Uint8Array(await page.screenshot()), 'image/png');
    await upload('report.json', '{"acc":0.95,"classes":["cat","dog"]}', 'application/json');

    // Training data for both runs; gamma's x is shifted, its label column is not.
    const csv = (shift: number) =>
      `x,label\n${Array.from({ length: 200 }, (_, i) => `${(i % 50) + shift},${i % 4 === 0 ? 'cat' : 'dog'}`).join('\n')}\n`;
    for (const [id, shift] of [
      [reference.run_id, 0],
      [runId, 40],
    ] as const) {
      await native('POST', `/api/v1/runs/${id}/datasets/train/rows?label=label`, undefined, {
        body: csv(shift),
        type: 'text/csv',
      });
    }

    // Two log lines of the run, as `stellwerk run` forwards its output.
    const logs = await fetch(`${server.url}/api/v1/logs?run_id=${runId}`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'text/plain' },
      body: `level=info msg="epoch 1 done" ts=${new Date(start + 5000).toISOString()}\nlevel=error msg="nan loss" ts=${new Date(start + 9000).toISOString()}\n`,
    });
    expect(logs.status, await logs.text()).toBeLessThan(300);

    // Resources: CPU and memory charts, the memory limit drawn as its own (dashed) series.
    await page.goto(`${server.url}/runs/${runId}?tab=resources`);
    await page.getByTestId('memory-chart').waitFor();
    expect(await page.getByTestId('run-resources').getAttribute('data-source')).toBe('series');
    const memLegend = await page.getByTestId('memory-chart').getByTestId('legend-item').allTextContents();
    expect(memLegend.some((t) => t.startsWith('RSS'))).toBe(true);
    expect(memLegend.some((t) => t.startsWith('limit'))).toBe(true);
    await page.getByTestId('cpu-chart').waitFor();
    await page.screenshot({ path: `${OUTPUT_DIR}/runs-resources.png`, fullPage: true });

    // Logs: the run's own records, found by run_id, with a link to the explorer.
    await page.getByTestId('tab-logs').click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="run-logs"] [data-testid="log-row"]').length === 2,
    );
    const messages = await page.getByTestId('row-message').allTextContents();
    expect(messages.some((m) => m.includes('nan loss'))).toBe(true);
    const explorer = await page.getByTestId('open-logs-explorer').getAttribute('href');
    expect(new URL(explorer ?? '', server.url).searchParams.get('q')).toBe(`run_id:${runId}`);

    // Artifacts: the folder opens, the image and the JSON are shown inline.
    await page.getByTestId('tab-artifacts').click();
    await page.locator('[data-testid="artifact-entry"][data-path="plots"]').click();
    await page.locator('[data-testid="artifact-entry"][data-path="plots/curve.png"]').click();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="artifact-image"]');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    await page.goto(`${server.url}/runs/${runId}?tab=artifacts&file=report.json`);
    const text = page.getByTestId('artifact-text');
    await text.waitFor();
    expect(JSON.parse((await text.textContent()) ?? '')).toEqual({ acc: 0.95, classes: ['cat', 'dog'] });

    // Datasets: KPIs of the profile, then drift against the reference run's data.
    await page.getByTestId('tab-datasets').click();
    await page.locator('[data-testid="dataset"][data-role="train"]').waitFor();
    await page.getByTestId('class-balance').waitFor();
    await page.getByTestId('drift-reference').fill(`run:${reference.run_id}`);
    await page.getByTestId('drift-compute').click();
    await page.getByTestId('drift-report').waitFor();
    const drift = await page
      .getByTestId('drift-column')
      .evaluateAll((rows) => rows.map((r) => [r.querySelector('td')?.textContent, r.getAttribute('data-drifted')]));
    expect(Object.fromEntries(drift)).toEqual({ x: 'true', label: 'false' });
    await page.screenshot({ path: `${OUTPUT_DIR}/runs-datasets.png`, fullPage: true });

    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('pages through many runs with the server’s page tokens', async () => {
    const { experiment } = await native<{ experiment: { experimentId: string } }>('POST', '/api/v1/experiments', {
      name: 'e2e-many',
    });
    const TOTAL = 30;
    const t0 = Date.now() - 60 * 60_000;
    for (let i = 0; i < TOTAL; i++) {
      await native('POST', '/api/v1/runs', {
        experimentId: experiment.experimentId,
        name: `trial-${String(i).padStart(2, '0')}`,
        startTimeMs: t0 + i * 1000,
      });
    }
    const { page, errors } = await newPage();
    const rowNames = () =>
      page.getByTestId('run-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
    // Newest first, 25 to a page: trial-29 … trial-05, then trial-04 … trial-00.
    await page.goto(`${server.url}/runs?exp=${experiment.experimentId}&size=25`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 25);
    expect((await rowNames())[0]).toBe('trial-29');
    await page.getByTestId('page-next').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 5);
    expect(await rowNames()).toEqual(['trial-04', 'trial-03', 'trial-02', 'trial-01', 'trial-00']);
    expect(await page.getByTestId('page-next').isDisabled()).toBe(true);
    expect(await page.getByTestId('page-number').textContent()).toBe('page 2');
    await page.getByTestId('page-prev').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 25);
    expect((await rowNames())[24]).toBe('trial-05');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('shows a pipeline run with its steps on a timeline', async () => {
    const start = Date.now() - 5 * 60_000;
    const { run: pipeline } = await native<{ run: { runId: string } }>('POST', '/api/v1/runs', {
      experimentId,
      name: 'nightly',
      kind: 'pipeline',
      startTimeMs: start,
    });
    const steps = [
      { name: 'prepare', at: 0, ms: 20_000, exit: 0, status: 'FINISHED', peak: 300 * 2 ** 20 },
      { name: 'train', at: 20_000, ms: 90_000, exit: 1, status: 'FAILED', peak: 2 * 2 ** 30 },
    ];
    for (const s of steps) {
      const { run } = await native<{ run: { runId: string } }>('POST', '/api/v1/runs', {
        experimentId,
        name: s.name,
        parentRunId: pipeline.runId,
        startTimeMs: start + s.at,
      });
      await native('POST', `/api/v1/runs/${run.runId}/metrics`, {
        metrics: [{ key: 'peak_rss_bytes', value: s.peak, timestampMs: start + s.at + s.ms }],
      });
      await native('PATCH', `/api/v1/runs/${run.runId}`, {
        status: s.status,
        endTimeMs: start + s.at + s.ms,
        exitCode: s.exit,
      });
    }
    await native('PATCH', `/api/v1/runs/${pipeline.runId}`, {
      status: 'FAILED',
      endTimeMs: start + 110_000,
      exitCode: 1,
    });

    const { page, errors } = await newPage();
    await page.goto(`${server.url}/runs/${pipeline.runId}/pipeline`);
    await page.getByTestId('pipeline-timeline').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="pipeline-step"]').length === 2);
    const rows = await page.getByTestId('pipeline-step').evaluateAll((els) =>
      els.map((el) => ({
        status: el.getAttribute('data-status'),
        duration: el.querySelector('[data-testid="step-duration"]')?.textContent,
        peak: el.querySelector('[data-testid="step-peak"]')?.textContent,
      })),
    );
    expect(rows).toEqual([
      { status: 'FINISHED', duration: '20s', peak: '300 MiB' },
      { status: 'FAILED', duration: '1m 30s', peak: '2 GiB' },
    ]);
    await page.screenshot({ path: `${OUTPUT_DIR}/runs-pipeline.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
