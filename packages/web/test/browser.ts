import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

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
