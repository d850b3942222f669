// Headless Chromium for end-to-end tests. Without a browser the tests skip with a message,
// unless REQUIRE_CHROMIUM is set (.ci/run sets it), in which case they fail.

import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

if (!hasChromium) {
  if (process.env.REQUIRE_CHROMIUM) throw new Error(`REQUIRE_CHROMIUM is set but there is no Chromium at ${CHROMIUM_PATH}`);
  console.warn(`e2e: skipping browser tests: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Resolves once the page has drawn a frame that began after this call: its own animation-frame
 * callback for a frame runs before one requested later, so two frames on, the canvas shows
 * whatever the page's state was when this was called (a toggle, a zoom).
 */
export function nextPaint(page: Page): Promise<void> {
  return page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}
