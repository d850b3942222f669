// End to end: `chronos serve` on free ports, the page in headless Chromium. The page must draw
// the NPCs, and its own WASM simulation must reach the same state hash as Node's for the
// server's seed and tick. A screenshot goes to test-artifacts/.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { ROOT, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { hex64, referenceWorld } from '../helpers/reference-world.js';

const SEED = 4242;
const NPCS = 2000;

describe.skipIf(!hasChromium)('web page in headless Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    server = await startServerProcess(['--seed', String(SEED), '--npcs', String(NPCS)]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    await page.goto(server.httpUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('is cross-origin isolated so it can share WebAssembly memory', async () => {
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  });

  it('verifies its local simulation against the server hash by hash', async () => {
    await page.waitForFunction(() => (window.chronos?.status().lockstep?.matches ?? 0) >= 2, undefined, { timeout: 30_000 });
    const status = await page.evaluate(() => window.chronos!.status());
    expect(status.connected).toBe(true);
    expect(status.lockstep!.mismatches).toBe(0);
    expect(status.lockstep!.state).not.toBe('desync');
    // The page's hash at the tick it last checked equals Node's hash of the same seed and tick.
    const world = await referenceWorld({ seed: SEED, npcs: NPCS });
    world.step(status.lockstep!.lastCheckedTick);
    expect(status.lockstep!.lastHash).toBe(hex64(world.hash()));
  });

  it('reaches the same hash as Node after N ticks from seed S', async () => {
    const ticks = 600;
    const pageHash = await page.evaluate((n) => window.chronos!.hashAfter(n), ticks);
    const world = await referenceWorld({ seed: SEED, npcs: NPCS });
    world.step(ticks);
    expect(pageHash).toBe(hex64(world.hash()));
  });

  it('draws the entities it receives', async () => {
    await page.waitForFunction(() => (window.chronos?.status().drawn ?? 0) > 0, undefined, { timeout: 10_000 });
    const status = await page.evaluate(() => window.chronos!.status());
    expect(status.entities).toBe(NPCS);
    expect(status.drawn).toBeGreaterThan(NPCS * 0.9);
    // Count entity-coloured pixels on the canvas itself, not just the page's own counter.
    const lit = await page.evaluate(() => {
      const canvas = document.getElementById('map') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 2]! > 200 && data[i]! < 150) n++;
      return n;
    });
    expect(lit).toBeGreaterThan(NPCS);
    expect(status.bytesPerSecond).toBeGreaterThan(0);
  });

  it('saves a screenshot and logs no errors', async () => {
    await page.waitForTimeout(300);
    const dir = join(ROOT, 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'web-page.png') });
    expect(existsSync(join(dir, 'web-page.png'))).toBe(true);
    expect(consoleErrors).toEqual([]);
  });

  it('shuts the server down cleanly on SIGTERM', async () => {
    expect(await server.stop()).toBe(0);
    expect(server.stdout()).toContain('chronos stopped');
  });
});
