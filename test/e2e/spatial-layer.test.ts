// End to end: the page's spatial layer in headless Chromium. The page (watching) indexes its game
// world with the same chronos.wasm; the G key (or the overlay button) draws the grid cells and
// the density heat map under the entities. Screenshots go to test-artifacts/.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchChromium, nextPaint } from '../helpers/chromium.js';
import { ROOT, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import type { ArenaDebugApi } from '../../src/web/arena-page.js';

const SEED = 77;
const NPCS = 3000;

/** Pixels of the heat ramp (red clearly above green: purple to yellow); background, grid and entities are not. */
function heatPixels(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.getElementById('map') as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i]! > data[i + 1]! + 8) n++;
    return n;
  });
}

describe.skipIf(!hasChromium)('spatial layer on the web page', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    server = await startServerProcess(['--mode', 'arena', '--seed', String(SEED), '--npcs', String(NPCS)]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    await page.goto(`${server.httpUrl}?watch`);
    await page.waitForFunction(() => ((window.chronos as ArenaDebugApi | undefined)?.status().hash.matched ?? 0) >= 1, undefined, { timeout: 30_000 });
    // The interest layer's warm zone colours would count as heat: off (I) for these pictures.
    await page.keyboard.press('i');
    await page.waitForFunction(() => window.chronos?.interest().enabled === false);
    // The toggle is immediate; the canvas shows it from the next frame the page draws.
    await nextPaint(page);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('starts with the layer off and nothing of it drawn', async () => {
    const status = await page.evaluate(() => window.chronos!.spatial());
    expect(status.visible).toBe(false);
    expect(await heatPixels(page)).toBe(0);
  });

  it('draws the grid cells and the density heat map when G is pressed', async () => {
    await page.keyboard.press('g');
    // A frame drawn with the layer on (`drawn` is counted by the draw itself, so a count left
    // from an earlier frame with the layer off cannot pass).
    await page.waitForFunction(() => window.chronos!.spatial().visible && window.chronos!.spatial().drawn > 0, undefined, { timeout: 10_000 });
    const status = await page.evaluate(() => window.chronos!.spatial());
    expect(status.visible).toBe(true);
    // Every NPC of the page's own world is indexed, in cells folded into map columns.
    expect(status.entities).toBe(NPCS);
    expect(status.cells).toBeGreaterThan(NPCS / 4);
    expect(status.columns).toBeLessThanOrEqual(status.cells);
    expect(status.levelsInUse).toBe(1);
    expect(await heatPixels(page)).toBeGreaterThan(20_000);
    expect(await page.getAttribute('#spatial-toggle', 'aria-pressed')).toBe('true');
    // The panel's rows are rewritten every quarter second of the page's frames: wait for the next.
    await page.waitForFunction(() => /cells, 1 level/.test(document.querySelector('[data-stat="spatial"]')?.textContent ?? ''), undefined, { timeout: 10_000 });
  });

  it('saves screenshots of the whole world and a close-up', async () => {
    const dir = join(ROOT, 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    await nextPaint(page);
    await page.screenshot({ path: join(dir, 'spatial-layer.png') });
    // Zoom in until a 50 m cell spans a dozen pixels or more: the lattice and cells show.
    await page.mouse.move(760, 420);
    for (let i = 0; i < 9; i++) await page.mouse.wheel(0, -120);
    // The layer rebuilds its picture at most every 100 ms: a frame drawn after that.
    await page.waitForTimeout(150);
    await nextPaint(page);
    await page.screenshot({ path: join(dir, 'spatial-layer-zoom.png') });
    expect(existsSync(join(dir, 'spatial-layer.png'))).toBe(true);
    expect(existsSync(join(dir, 'spatial-layer-zoom.png'))).toBe(true);
  });

  it('hides the layer again from the overlay button', async () => {
    await page.click('#spatial-toggle');
    expect(await page.evaluate(() => window.chronos!.spatial().visible)).toBe(false);
    await nextPaint(page);
    expect(await page.evaluate(() => window.chronos!.spatial().drawn)).toBe(0);
    expect(await heatPixels(page)).toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});
