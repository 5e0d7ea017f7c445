/**
 * End to end: right-sizing and memory spikes in the UI. A pipeline run with two steps goes in
 * through the native runs API with resource samples as `stellwerk run` sends them: `load` close
 * to its 2 GiB limit and pinned at its 2 cores, `train` nearly idle on 8 GiB and 8 cores with
 * one memory spike. The pipeline page must flag them (under / over, with the request to make
 * instead) and draw the bars; the step's Resources tab must mark the spike on its memory chart;
 * the runs list's right-sizing view shows the experiment's steps. Needs `npm run build:web` first.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../server/test/harness.ts';
import { authHeader, launchChromium, nativeCall, OUTPUT_DIR, openPage, pollUntil, prepareOutput } from './browser.ts';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const SAMPLE_MS = 10_000;

/** The flag colours the UI promises: under red, over amber (src/features/runs/rightsizing.ts). */
const RED = 'rgb(214, 69, 69)';
const AMBER = 'rgb(224, 155, 18)';
/** The above-median spike fill, rgba(224, 155, 18, 0.25): the canvas holds it unblended. */
const SPIKE_FILL = [224, 155, 18, 64];

interface StepSpec {
  step: string;
  at: number;
  rssMiB: number[];
  cpuPercent: number[];
  memLimit: number;
  cores: number;
}

const STEPS: StepSpec[] = [
  // Peak 1946 MiB of 2 GiB (95 %), CPU p95 ~1.98 of 2 cores: both under-provisioned.
  {
    step: 'load',
    at: 0,
    rssMiB: [1500, 1700, 1900, 1946, 1800],
    cpuPercent: [195, 198, 199, 197, 196],
    memLimit: 2 * GiB,
    cores: 2,
  },
  // ~200 MiB of 8 GiB with a spike to 1000 MiB, half a core of 8: both over-provisioned.
  {
    step: 'train',
    at: 60_000,
    rssMiB: [200, 210, 200, 900, 1000, 220, 200],
    cpuPercent: [40, 50, 50, 45, 50, 45, 40],
    memLimit: 8 * GiB,
    cores: 8,
  },
];

describe('right-sizing and memory spikes', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let experimentId = '';
  let pipelineId = '';
  const stepIds: Record<string, string> = {};
  const auth = () => authHeader(server);

  const native = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    nativeCall<T>(server, method, path, body);

  const newPage = () => openPage(browser, server.token);

  beforeAll(async () => {
    prepareOutput();
    server = await startTestServer({ token: 'stw_e2e_rightsizing_token', overrides: { scrape: { self: false } } });
    browser = await launchChromium();

    const { experiment } = await native<{ experiment: { experimentId: string } }>('POST', '/api/v1/experiments', {
      name: 'e2e-rightsizing',
    });
    experimentId = experiment.experimentId;
    const start = Date.now() - 10 * 60_000;
    const { run: pipeline } = await native<{ run: { runId: string } }>('POST', '/api/v1/runs', {
      experimentId,
      name: 'nightly-etl',
      kind: 'pipeline',
      startTimeMs: start,
      tags: { 'stellwerk.pipeline': 'etl' },
    });
    pipelineId = pipeline.runId;
    for (const s of STEPS) {
      const t0 = start + s.at;
      const { run } = await native<{ run: { runId: string } }>('POST', '/api/v1/runs', {
        experimentId,
        name: s.step,
        kind: 'step',
        host: 'worker-1',
        parentRunId: pipelineId,
        startTimeMs: t0,
        tags: { 'stellwerk.pipeline': 'etl', 'stellwerk.step': s.step },
      });
      stepIds[s.step] = run.runId;
      await native('POST', `/api/v1/runs/${run.runId}/resources`, {
        samples: s.rssMiB.map((rss, i) => ({
          timestampMs: t0 + i * SAMPLE_MS,
          cpuPercent: s.cpuPercent[i] ?? 0,
          cpuSeconds: i * 2,
          rssBytes: rss * MiB,
          peakRssBytes: Math.max(...s.rssMiB.slice(0, i + 1)) * MiB,
          readBytes: 0,
          writeBytes: 0,
          threads: 4,
          openFds: 10,
          processes: 1,
          memoryLimitBytes: s.memLimit,
          cpuLimitCores: s.cores,
        })),
      });
      await native('PATCH', `/api/v1/runs/${run.runId}`, {
        status: 'FINISHED',
        endTimeMs: t0 + s.rssMiB.length * SAMPLE_MS,
        exitCode: 0,
      });
    }
    await native('PATCH', `/api/v1/runs/${pipelineId}`, {
      status: 'FINISHED',
      endTimeMs: start + 140_000,
      exitCode: 0,
    });

    // Writes may be acknowledged before queries see them: wait until right-sizing has both steps.
    let seen: unknown;
    await pollUntil(
      async () => {
        const res = await fetch(`${server.url}/api/v1/rightsizing?parentRunId=${pipelineId}&from=now-1h`, {
          headers: auth(),
        });
        const body = (await res.json()) as { steps?: Array<{ samples: number }> };
        seen = body;
        return res.ok && body.steps?.length === 2 && body.steps.every((s) => s.samples >= 5);
      },
      () => `right-sizing does not list both steps: ${JSON.stringify(seen)}`,
    );
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('flags and draws each step of a pipeline run, and marks the idle step’s memory spike', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${server.url}/runs/${pipelineId}/pipeline`);
    await page.getByTestId('rightsizing').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="rs-row"]').length === 2);

    const cell = (step: string, resource: 'cpu' | 'memory') =>
      page.locator(
        `[data-testid="rs-row"][data-step="${step}"] [data-testid="rs-resource"][data-resource="${resource}"]`,
      );
    const verdict = async (step: string, resource: 'cpu' | 'memory') => {
      const c = cell(step, resource);
      const badge = c.getByTestId('rs-flag');
      return {
        flag: await badge.getAttribute('data-flag'),
        badge: (await badge.textContent())?.trim(),
        color: await badge.evaluate((el) => getComputedStyle(el).backgroundColor),
        suggestion: (await c.getByTestId('rs-suggestion').textContent())?.trim(),
      };
    };
    expect(await verdict('load', 'memory')).toEqual({
      flag: 'under',
      badge: 'under-provisioned',
      color: RED,
      suggestion: '→ request 2.4 GiB',
    });
    expect(await verdict('load', 'cpu')).toEqual({
      flag: 'under',
      badge: 'under-provisioned',
      color: RED,
      suggestion: '→ request 2.5 cores',
    });
    expect(await verdict('train', 'memory')).toEqual({
      flag: 'over',
      badge: 'over-provisioned',
      color: AMBER,
      suggestion: '→ request 1.2 GiB',
    });
    expect(await verdict('train', 'cpu')).toEqual({
      flag: 'over',
      badge: 'over-provisioned',
      color: AMBER,
      suggestion: '→ request 0.7 cores',
    });
    expect(await cell('load', 'memory').getByTestId('rs-reason').textContent()).toMatch(
      /95 % of the 2\.0 GiB limit.*OOM-killed/,
    );
    expect(await page.locator('[data-testid="rs-row"][data-step="train"]').getAttribute('data-host')).toBe('worker-1');

    // The bars are drawn: a track for the limit, p50 inside p95, the peak tick near the limit for
    // `load` and far below it for `train`, each bar in its flag's colour.
    const bars = await page.getByTestId('rs-resource').evaluateAll((cells) =>
      cells.map((c) => {
        const box = (id: string) => c.querySelector(`[data-testid="${id}"]`)?.getBoundingClientRect();
        const bar = c.querySelector('.rs-bar')?.getBoundingClientRect();
        const row = c.closest('[data-testid="rs-row"]');
        return {
          key: `${row?.getAttribute('data-step')}/${c.getAttribute('data-resource')}`,
          bar: bar?.width ?? 0,
          limit: box('rs-limit')?.width ?? 0,
          p50: box('rs-p50')?.width ?? 0,
          p95: box('rs-p95')?.width ?? 0,
          maxLeft: (box('rs-max')?.left ?? 0) - (bar?.left ?? 0),
          color: getComputedStyle(c.querySelector('[data-testid="rs-p95"]') as Element).backgroundColor,
        };
      }),
    );
    expect(bars).toHaveLength(4);
    for (const b of bars) {
      expect(b.bar, b.key).toBeGreaterThan(150);
      expect(b.limit, b.key).toBeGreaterThan(0);
      expect(b.p50, b.key).toBeGreaterThan(0);
      expect(b.p95, b.key).toBeGreaterThanOrEqual(b.p50);
      expect(b.color, b.key).toBe(b.key.startsWith('load') ? RED : AMBER);
    }
    const byKey = Object.fromEntries(bars.map((b) => [b.key, b]));
    // load's peak (95 % of the limit) sits close to the end of its limit track; train's far below.
    expect(byKey['load/memory']?.maxLeft).toBeGreaterThan(0.85 * (byKey['load/memory']?.limit ?? 0));
    expect(byKey['train/memory']?.maxLeft).toBeLessThan(0.2 * (byKey['train/memory']?.limit ?? 0));
    expect(byKey['train/cpu']?.p95).toBeLessThan(0.1 * (byKey['train/cpu']?.limit ?? 0));
    await page.getByTestId('rightsizing').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${OUTPUT_DIR}/rightsizing-pipeline.png`, fullPage: true });

    // The idle step's Resources tab: the spike is listed under the memory chart and shaded on it.
    const { spikes } = await native<{ spikes: Array<{ startMs: number; endMs: number }> }>(
      'GET',
      `/api/v1/runs/${stepIds.train}/memory-spikes`,
    );
    expect(spikes).toHaveLength(1);
    await page.locator('[data-testid="pipeline-step"] a', { hasText: 'train' }).first().click();
    await page.getByTestId('run-page').waitFor();
    await page.getByTestId('tab-resources').click();
    const spike = page.getByTestId('memory-chart').getByTestId('memory-spike');
    await spike.waitFor();
    expect(await spike.count()).toBe(1);
    expect(await spike.getAttribute('data-reason')).toBe('above-median');
    expect(Number(await spike.getAttribute('data-start'))).toBe(spikes[0]?.startMs);
    expect(Number(await spike.getAttribute('data-end'))).toBe(spikes[0]?.endMs);
    expect(await spike.getByTestId('spike-peak').textContent()).toBe('1000 MiB');
    expect(await spike.getByTestId('spike-reason').textContent()).toMatch(/twice the run’s median/);

    // On the canvas: a shaded column in the spike's colour, a sample interval wide.
    let columns: number[] = [];
    await pollUntil(
      async () => {
        columns = await page.evaluate((target) => {
          const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="memory-chart-plot"] canvas');
          const ctx = canvas?.getContext('2d');
          if (!canvas || !ctx || canvas.width === 0) return [];
          const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          const hits = new Array<number>(canvas.width).fill(0);
          for (let i = 0; i < px.length; i += 4) {
            const d =
              Math.abs((px[i] ?? 0) - (target[0] ?? 0)) +
              Math.abs((px[i + 1] ?? 0) - (target[1] ?? 0)) +
              Math.abs((px[i + 2] ?? 0) - (target[2] ?? 0)) +
              Math.abs((px[i + 3] ?? 0) - (target[3] ?? 0));
            const x = (i / 4) % canvas.width;
            if (d < 16) hits[x] = (hits[x] ?? 0) + 1;
          }
          const ratio = window.devicePixelRatio || 1;
          // Columns shaded over most of the plot's height, in CSS pixels.
          return hits.flatMap((h, x) => (h > canvas.height * 0.4 ? [Math.round(x / ratio)] : []));
        }, SPIKE_FILL);
        return columns.length > 0;
      },
      () => 'no shaded spike on the memory chart',
      20_000,
    );
    const bandWidth = Math.max(...columns) - Math.min(...columns);
    const plotWidth = await page.locator('[data-testid="memory-chart-plot"] canvas').evaluate((c) => c.clientWidth);
    // The run lasts 70 s, the spike 10 s of it: about a seventh of the plot, certainly not all of it.
    expect(bandWidth).toBeGreaterThan(plotWidth * 0.05);
    expect(bandWidth).toBeLessThan(plotWidth * 0.4);

    // Hovering the band names the spike in the tooltip.
    const canvasBox = await page.locator('[data-testid="memory-chart-plot"] canvas').boundingBox();
    const mid = (Math.min(...columns) + Math.max(...columns)) / 2;
    await page.mouse.move((canvasBox?.x ?? 0) + mid, (canvasBox?.y ?? 0) + (canvasBox?.height ?? 0) / 2);
    const tooltip = page.getByTestId('memory-chart').getByTestId('chart-tooltip');
    await tooltip.waitFor();
    expect(await tooltip.textContent()).toContain('Memory spike: peak 1000 MiB');
    await page.screenshot({ path: `${OUTPUT_DIR}/rightsizing-spike.png`, fullPage: true });

    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('shows the experiment’s steps in the runs list’s right-sizing view, over the app’s time range', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${server.url}/runs?exp=${experimentId}`);
    await page.getByTestId('view-rightsizing').click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('view') === 'rightsizing');
    await page.locator('[data-testid="rs-group"][data-pipeline="etl"]').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="rs-row"]').length === 2);
    const flags = await page
      .getByTestId('rs-row')
      .evaluateAll((rows) =>
        rows.map((r) => [
          r.getAttribute('data-step'),
          r.querySelector('[data-resource="memory"] [data-testid="rs-flag"]')?.getAttribute('data-flag'),
        ]),
      );
    expect(Object.fromEntries(flags)).toEqual({ load: 'under', train: 'over' });
    await page.screenshot({ path: `${OUTPUT_DIR}/rightsizing-experiment.png`, fullPage: true });

    // A window before the runs has nothing, and says what to do.
    await page.goto(`${server.url}/runs?exp=${experimentId}&view=rightsizing&from=now-7d&to=now-6d`);
    await page.getByTestId('rs-empty').waitFor();
    expect(await page.getByTestId('time-range-button').isVisible()).toBe(true);

    expect(errors).toEqual([]);
    await page.context().close();
  });
});
