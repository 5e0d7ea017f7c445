import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Shared setup of the browser tests: Debian's Chromium, never a downloaded browser. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DIST_INDEX = fileURLToPath(new URL('../dist/index.html', import.meta.url));
export const OUTPUT_DIR = `${REPO_ROOT}test-output`;

// Without the background-networking flags Chromium keeps dialling out of this closed network.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Fails clearly when the UI was not built, and makes sure screenshots have a folder. */
export function prepareOutput(): void {
  if (!existsSync(DIST_INDEX)) throw new Error('the UI is not built: run `npm run build:web` first');
  mkdirSync(OUTPUT_DIR, { recursive: true });
}

/** Polls `check` until it returns true, or fails with `what` after the deadline. */
export async function pollUntil(check: () => Promise<boolean>, what: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The UI's sessionStorage key for the API token (src/shared/api/token.ts). */
export const TOKEN_KEY = 'stellwerk.apiToken';

/**
 * A page in a fresh context whose session already holds `token` (the logs test covers the
 * token prompt), collecting uncaught page errors so a test can assert there were none.
 */
export async function openPage(
  browser: Browser,
  token: string | undefined,
  viewport = { width: 1440, height: 1000 },
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.setDefaultTimeout(30_000);
  if (token) await page.addInitScript(([k, t]) => sessionStorage.setItem(k, t), [TOKEN_KEY, token] as const);
  return { page, errors };
}

/** A server under test: where it listens and the token it wants, if any. */
export interface TestTarget {
  url: string;
  token?: string;
}

/** The bearer header for `target`, or none when it runs without a token. */
export function authHeader(target: TestTarget): Record<string, string> {
  return target.token ? { authorization: `Bearer ${target.token}` } : {};
}

/** A native API call that must succeed; `raw` sends a body that is not JSON. */
export async function nativeCall<T>(
  target: TestTarget,
  method: string,
  path: string,
  body?: unknown,
  raw?: { body: string; type: string },
): Promise<T> {
  const type = raw?.type ?? (body === undefined ? undefined : 'application/json');
  const res = await fetch(`${target.url}${path}`, {
    method,
    headers: { ...authHeader(target), ...(type ? { 'content-type': type } : {}) },
    body: raw?.body ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  expect(res.ok, `${method} ${path}: ${res.status} ${text}`).toBe(true);
  return JSON.parse(text) as T;
}

/**
 * Waits until the canvas under `selector` has more than `minPixels` saturated (series-coloured)
 * pixels: the chart drew its lines, not just the grey grid.
 */
export async function waitForColoredCanvas(page: Page, selector: string, minPixels: number): Promise<void> {
  await page.waitForFunction(
    ([sel, min]) => {
      const canvas = document.querySelector<HTMLCanvasElement>(sel);
      const ctx = canvas?.getContext('2d');
      if (!canvas || !ctx || canvas.width === 0) return false;
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let colored = 0;
      for (let i = 0; i < px.length; i += 4) {
        const [r = 0, g = 0, b = 0, a = 0] = [px[i], px[i + 1], px[i + 2], px[i + 3]];
        if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 80) colored++;
      }
      return colored > min;
    },
    [selector, minPixels] as const,
  );
}
