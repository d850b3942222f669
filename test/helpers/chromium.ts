// Headless Chromium for end-to-end tests. Without a browser the tests skip with a message,
// unless REQUIRE_CHROMIUM is set (.ci/run sets it), in which case they fail.

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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
