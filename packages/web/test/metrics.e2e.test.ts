/**
 * End to end: the real server (embedded engine, temp data dir) serving the built UI, driven by
 * a real Chromium. Ingests two hosts' cpu samples over line protocol, then picks the metric
 * through autocomplete, reads the chart, legend and table, builds a query with the builder and
 * checks that a bad query shows the server's own message. Needs `npm run build:web` first.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../server/test/harness.ts';
import {
  authHeader,
  launchChromium,
  OUTPUT_DIR,
  openPage,
  pollUntil,
  prepareOutput,
  waitForColoredCanvas,
} from './browser.ts';

/**
 * The server answers a direct GET /metrics with its own Prometheus exposition, so the page is
 * reached the way users mostly do: from the sidebar (client-side navigation).
 */
async function openMetrics(page: Page, url: string): Promise<void> {
  // A direct load: /metrics serves the page to browsers and the exposition to scrapers.
  await page.goto(`${url}/metrics`);
}

const HOSTS = ['web-1', 'web-2'] as const;
const SAMPLES = 61; // one every 30 s over the last 30 minutes
/** usage_user per host and sample index: web-1 climbs to 40, web-2 falls to 35. */
const userValue = (host: (typeof HOSTS)[number], i: number) => (host === 'web-1' ? 10 + i * 0.5 : 50 - i * 0.25);
const LAST = { 'web-1': '40', 'web-2': '35' };

describe('metrics explorer', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  const auth = () => authHeader(server);

  beforeAll(async () => {
    prepareOutput();
    // No self-scrape: only the test's samples exist, so suggestions and the empty state are exact.
    server = await startTestServer({ token: 'stw_e2e_metrics_token', overrides: { scrape: { self: false } } });
    browser = await launchChromium();

    const now = Date.now();
    const lines: string[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t = now - (SAMPLES - 1 - i) * 30_000;
      for (const host of HOSTS)
        lines.push(`cpu,host=${host},region=eu usage_user=${userValue(host, i)},usage_system=${(i % 7) + 1} ${t}`);
    }
    const res = await fetch(`${server.url}/write?db=e2e&precision=ms`, {
      method: 'POST',
      headers: auth(),
      body: `${lines.join('\n')}\n`,
    });
    expect(res.status, await res.clone().text()).toBe(204);

    // Write acks may precede visibility to queries: wait until an instant query sees both hosts.
    let body: { data?: { result?: unknown[] } } = {};
    await pollUntil(
      async () => {
        const q = await fetch(`${server.url}/api/v1/query?query=cpu_usage_user&time=${(now + 1000) / 1000}`, {
          headers: auth(),
        });
        body = (await q.json()) as { data?: { result?: unknown[] } };
        return q.ok && body.data?.result?.length === HOSTS.length;
      },
      () => `ingested samples not queryable: ${JSON.stringify(body)}`,
    );
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('autocompletes, charts, tabulates, builds and reports errors', async () => {
    const { page, errors: pageErrors } = await openPage(browser, server.token, { width: 1440, height: 900 });

    await openMetrics(page, server.url);
    await page.getByTestId('empty-no-query').waitFor();

    // Autocomplete: typing a prefix offers the metric names; pick one with the mouse.
    const input = page.getByTestId('promql-input');
    await input.click();
    await input.pressSequentially('cpu_usage_u');
    const item = page.locator('[data-testid="autocomplete-item"][data-value="cpu_usage_user"]');
    await item.waitFor();
    expect(await page.locator('[data-testid="autocomplete-item"][data-value="cpu_usage_system"]').count()).toBe(0);
    await item.click();
    expect(await input.inputValue()).toBe('cpu_usage_user');

    // Label completion inside {...}: names for this metric, then values of the chosen label.
    await input.pressSequentially('{ho');
    await page.locator('[data-testid="autocomplete-item"][data-value="host"]').click();
    await input.pressSequentially('="');
    await page.locator('[data-testid="autocomplete-item"][data-value="web-2"]').waitFor();
    expect(await page.locator('[data-testid="autocomplete-item"][data-kind="value"]').allTextContents()).toEqual([
      ...HOSTS,
    ]);
    await page.keyboard.press('Escape');
    await input.fill('cpu_usage_user');

    await page.getByTestId('run-query').click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'cpu_usage_user');

    // The legend lists both hosts' label sets.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="legend-item"]').length === 2);
    const legend = await page.getByTestId('legend-item').allTextContents();
    expect(legend.some((t) => t.includes('host="web-1"'))).toBe(true);
    expect(legend.some((t) => t.includes('host="web-2"'))).toBe(true);

    // uPlot drew the lines: the canvas has saturated (series-colored) pixels, not just grey grid.
    await waitForColoredCanvas(page, '[data-testid="metrics-chart"] canvas', 200);

    // Hover shows both series' values at that instant.
    const over = page.locator('[data-testid="metrics-chart"] .u-over');
    const box = await over.boundingBox();
    if (!box) throw new Error('chart has no plotting area');
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2);
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="chart-tooltip"]:not([hidden]) .tt-row').length === 2,
    );
    await page.screenshot({ path: `${OUTPUT_DIR}/metrics-explorer.png`, fullPage: true });

    // Table: one row per host with its last value.
    await page.getByTestId('view-table').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="table-row"]').length === 2);
    const rows = await page
      .getByTestId('table-row')
      .evaluateAll((trs) =>
        trs.map((tr) => [
          tr.querySelector('[data-testid="table-label-host"]')?.textContent ?? '',
          tr.querySelector('[data-testid="table-value"]')?.textContent ?? '',
        ]),
      );
    expect(Object.fromEntries(rows)).toEqual(LAST);
    expect(new URL(page.url()).searchParams.get('view')).toBe('table');
    // Sorted by value, descending, by default: web-1 (40) before web-2 (35); one click flips it.
    expect(rows.map((r) => r[0])).toEqual(['web-1', 'web-2']);
    await page.getByTestId('sort-value').click();
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="table-row"] [data-testid="table-label-host"]')?.textContent === 'web-2',
    );

    // Builder: metric → avg_over_time over 5m → sum by host writes the PromQL into the editor.
    await page.getByTestId('mode-builder').click();
    await page.getByTestId('builder-metric').selectOption('cpu_usage_user');
    await page.getByTestId('builder-fn').selectOption('avg_over_time');
    await page.getByTestId('builder-range').fill('5m');
    await page.getByTestId('builder-agg').selectOption('sum');
    await page.getByTestId('builder-by-host').check();
    const expected = 'sum by (host) (avg_over_time(cpu_usage_user[5m]))';
    expect(await input.inputValue()).toBe(expected);
    expect(await page.getByTestId('builder-preview').textContent()).toBe(expected);
    // A label filter narrows to one host.
    await page.getByTestId('builder-add-filter').click();
    await page.getByTestId('builder-filter-label-0').selectOption('host');
    await page.getByTestId('builder-filter-op-0').selectOption('!=');
    await page.getByTestId('builder-filter-value-0').fill('web-2');
    const filtered = 'sum by (host) (avg_over_time(cpu_usage_user{host!="web-2"}[5m]))';
    expect(await input.inputValue()).toBe(filtered);
    await page.getByTestId('run-query').click();
    await page.waitForFunction(() => {
      const rows = document.querySelectorAll('[data-testid="table-row"]');
      return rows.length === 1 && rows[0]?.getAttribute('data-series') === '{host="web-1"}';
    });
    expect(new URL(page.url()).searchParams.get('q')).toBe(filtered);

    // A query the server cannot parse: its own message is shown next to the editor.
    const bad = 'sum(rate(cpu_usage_user[5m])';
    const res = await fetch(`${server.url}/api/v1/query?query=${encodeURIComponent(bad)}`, { headers: auth() });
    const body = (await res.json()) as { status: string; error: string };
    expect(res.status).toBe(400);
    await input.fill(bad);
    await input.press('Enter');
    const error = page.getByTestId('query-error');
    await error.waitFor();
    expect(await error.textContent()).toBe(body.error);
    await page.getByTestId('empty-bad-query').waitFor();

    expect(pageErrors).toEqual([]);
    await page.context().close();
  });

  it('shows how to send metrics when there are none', async () => {
    const empty = await startTestServer({ overrides: { scrape: { self: false } } });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const p = await context.newPage();
      await openMetrics(p, empty.url);
      await p.getByTestId('empty-no-metrics').waitFor();
      expect(await p.getByTestId('empty-curl').textContent()).toContain(`${empty.url}/write?db=demo&precision=ms`);
      expect(await p.getByTestId('empty-remote-write').textContent()).toContain(`url: ${empty.url}/api/v1/write`);
      await p.screenshot({ path: `${OUTPUT_DIR}/metrics-empty.png`, fullPage: true });
      await context.close();
    } finally {
      await empty.close();
    }
  });
});
