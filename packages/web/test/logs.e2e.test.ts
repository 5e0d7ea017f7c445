/**
 * End to end: the real server (embedded engine, temp data dir) serving the built UI, driven by
 * a real Chromium. Ingests logs over HTTP, then searches, reads the histogram, expands a row
 * and clicks a facet the way a user would. Needs `npm run build:web` first (npm test does it).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../server/test/harness.ts';
import { launchChromium, OUTPUT_DIR, pollUntil, prepareOutput } from './browser.ts';

const TOKEN_KEY = 'stellwerk.apiToken'; // the UI's sessionStorage key (src/shared/api/token.ts)

// All test records fall in 17:40-17:50 (-08:00) on 2021-01-06, so an absolute range pins them.
const FROM_MS = Date.parse('2021-01-06T17:40:00-08:00');
const TO_MS = Date.parse('2021-01-06T17:50:00-08:00');

interface Seed {
  line: string;
  level: 'info' | 'warn' | 'error';
  host: string;
  message: string;
}

/** 48 JSON records, every sixth an error, spread over the ten minutes, on two hosts. */
function jsonRecords(): Seed[] {
  const out: Seed[] = [];
  for (let i = 0; i < 48; i++) {
    const level = i % 6 === 0 ? 'error' : i % 4 === 1 ? 'warn' : 'info';
    const host = i % 4 < 2 ? 'web-1' : 'web-2';
    const sec = 5 + i * 12; // 17:40:05 .. 17:49:29
    const time = `2021-01-06T17:${String(40 + Math.floor(sec / 60)).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}-08:00`;
    const message = level === 'error' ? `payment ${i} failed` : `cart request ${i} served`;
    const status = level === 'error' ? 502 : 200;
    const line = JSON.stringify({ time, level, msg: message, host, status, route: '/cart', attempt: i });
    out.push({ line, level, host, message });
  }
  return out;
}

// The seed line from the logrus sample: its `error="…"` pair must come out as an attribute.
const SEED_LINE =
  'ERROR[2021-01-06T17:44:13.368393051-08:00] http server error error="listen tcp 127.0.0.1:6060: bind: address already in use"';
const SEED_WARN = 'WARN[2021-01-06T17:45:01.000000000-08:00] slow response duration=1.25 route=/checkout';

describe('logs explorer', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const records = jsonRecords();
  const errorMessages = [...records.filter((r) => r.level === 'error').map((r) => r.message), 'http server error'];

  const auth = (): Record<string, string> => (server.token ? { authorization: `Bearer ${server.token}` } : {});

  async function ingest(body: string, contentType: string): Promise<void> {
    const res = await fetch(`${server.url}/api/v1/logs?service=checkout`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...auth() },
      body,
    });
    expect(res.status, await res.clone().text()).toBe(200);
  }

  beforeAll(async () => {
    prepareOutput();
    // With a token the UI must ask for it (session check / 401) and send it on every call.
    // The fixture times are from 2021: a 30d retention (the default) would let the store's TTL
    // drop them on insert, so keep everything for the test.
    server = await startTestServer({ token: 'stw_e2e_test_token', overrides: { retention: { logs: '10000d' } } });
    browser = await launchChromium();

    await ingest(`${records.map((r) => r.line).join('\n')}\n`, 'application/x-ndjson');
    // Plain text: each line's format (here logrus) is detected by the pipeline.
    await ingest(`${SEED_LINE}\n${SEED_WARN}\n`, 'text/plain');

    // Ingest acks may precede visibility to queries; wait until the API sees all 50.
    let body: { records?: unknown[] } = {};
    await pollUntil(
      async () => {
        const res = await fetch(`${server.url}/api/v1/logs?from=${FROM_MS}&to=${TO_MS}&limit=100`, { headers: auth() });
        body = (await res.json()) as { records?: unknown[] };
        return res.ok && body.records?.length === records.length + 2;
      },
      () => `ingested records not searchable: ${JSON.stringify(body)}`,
    );
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('searches, charts, expands and filters real records', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.setDefaultTimeout(30_000);

    await page.goto(`${server.url}/logs?from=${FROM_MS}&to=${TO_MS}`);

    // When the server requires a token, the UI asks once and keeps it for the session.
    if (server.token) {
      await page.getByTestId('token-modal').waitFor();
      await page.getByTestId('token-input').fill(server.token);
      await page.getByTestId('token-submit').click();
      await page.getByTestId('token-modal').waitFor({ state: 'detached' });
      expect(await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY)).toBe(server.token);
    }

    // Unfiltered, the range shows all 50 records.
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="log-row"]').length === n,
      records.length + 2,
    );

    const input = page.getByTestId('query-input');
    await input.fill('level:error');
    await input.press('Enter');
    expect(new URL(page.url()).searchParams.get('q')).toBe('level:error');

    // Exactly the error records, nothing else.
    await page.waitForFunction((n) => {
      const rows = [...document.querySelectorAll('[data-testid="log-row"]')];
      return rows.length === n && rows.every((r) => r.getAttribute('data-level') === 'error');
    }, errorMessages.length);
    const shown = await page.getByTestId('row-message').allTextContents();
    expect(shown.sort()).toEqual([...errorMessages].sort());

    // The histogram counted the same matches and drew bars in the error colour.
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="histogram-total"]')?.getAttribute('data-total') === String(n),
      errorMessages.length,
    );
    expect(await page.getByTestId('histogram-total').textContent()).toBe(`${errorMessages.length} matches`);
    await page.waitForFunction(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="histogram"] canvas');
      const ctx = canvas?.getContext('2d');
      if (!canvas || !ctx || canvas.width === 0) return false;
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let red = 0;
      for (let i = 0; i < px.length; i += 4) {
        if ((px[i] ?? 0) > 190 && (px[i + 1] ?? 255) < 100 && (px[i + 2] ?? 255) < 100) red++;
      }
      return red > 20;
    });

    // The seed line keeps its own offset and nanoseconds, and its error="…" pair is a field.
    const seedRow = page.getByTestId('log-row').filter({ hasText: 'http server error' });
    expect(await seedRow.getByTestId('row-time').textContent()).toBe('2021-01-06 17:44:13.368393051 -08:00');
    await seedRow.getByTestId('row-expand').click();
    const details = page.getByTestId('row-details');
    await details.waitFor();
    expect(await details.getByTestId('field-error').getByTestId('field-value').textContent()).toBe(
      'listen tcp 127.0.0.1:6060: bind: address already in use',
    );

    await page.screenshot({ path: `${OUTPUT_DIR}/logs-explorer.png`, fullPage: true });

    // A facet click narrows the query and the rows.
    const web2Errors = records.filter((r) => r.level === 'error' && r.host === 'web-2').length;
    const facet = page.locator('[data-testid="facet-value"][data-field="host"][data-value="web-2"]');
    // Facets follow the query: once it applies, web-2 counts only its errors.
    await page.waitForFunction(
      (n) =>
        document.querySelector('[data-testid="facet-value"][data-field="host"][data-value="web-2"] .facet-count')
          ?.textContent === String(n),
      web2Errors,
    );
    await facet.click();
    await page.waitForFunction(
      () =>
        (document.querySelector('[data-testid="query-input"]') as HTMLInputElement | null)?.value ===
        'level:error host:web-2',
    );
    await page.waitForFunction((n) => {
      const rows = [...document.querySelectorAll('[data-testid="log-row"]')];
      return (
        rows.length === n &&
        rows.every(
          (r) =>
            r.getAttribute('data-level') === 'error' &&
            r.querySelector('[data-testid="row-host"]')?.textContent === 'web-2',
        )
      );
    }, web2Errors);
    expect(new URL(page.url()).searchParams.get('q')).toBe('level:error host:web-2');

    await page.screenshot({ path: `${OUTPUT_DIR}/logs-explorer-facet.png`, fullPage: true });
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('shows the server error detail for a query that does not parse', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await context.newPage();
    const token = server.token;
    // The token is already known here: seed the session as the modal would have.
    if (token) await p.addInitScript(([k, t]) => sessionStorage.setItem(k, t), [TOKEN_KEY, token] as const);
    await p.goto(`${server.url}/logs?from=${FROM_MS}&to=${TO_MS}&q=${encodeURIComponent('(level:error')}`);
    const error = p.getByTestId('query-error');
    await error.waitFor({ timeout: 30_000 });
    expect((await error.textContent())?.length).toBeGreaterThan(0);
    await context.close();
  });
});
