// End to end: interest management as a page sees it, in headless Chromium. A playing page gets
// its own snapshots (what is around its avatar) over the encrypted WebSocket, decodes them with
// chronos.wasm, draws its AoI rings and colours NPCs by zone; a watching page moves its camera
// and the server re-centres its interest there. Screenshots go to test-artifacts/.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchChromium, nextPaint } from '../helpers/chromium.js';
import { ROOT, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import type { ArenaDebugApi } from '../../src/web/arena-page.js';

const SEED = 5;
/** 1,500 NPCs in 2 km x 2 km: about 50 within anyone's 200 m AoI, thirty times more beyond it. */
const NPCS = 1500;

/** Pixels in the immediate/near zone colours (red-orange: far from the NPC blue and the background). */
function warmPixels(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.getElementById('map') as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i]! > 200 && data[i + 2]! < 140) n++;
    return n;
  });
}

describe.skipIf(!hasChromium)('interest layer on the web page', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    server = await startServerProcess(['--mode', 'arena', '--seed', String(SEED), '--npcs', String(NPCS), '--world-size', '2000']);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    await page.goto(server.httpUrl);
    await page.waitForFunction(() => (window.chronos?.interest().inView ?? 0) > 0 && (window.chronos?.interest().bytesPerS ?? 0) > 0, undefined, { timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('receives its own snapshots: some of the world, not all of it, nothing rejected', async () => {
    const s = await page.evaluate(() => window.chronos!.interest());
    expect(s.enabled).toBe(true);
    expect(s.radiusM).toBe(200);
    expect(s.snapshots).toBeGreaterThan(10);
    expect(s.rejected).toBe(0);
    expect(s.inView).toBeGreaterThan(0);
    expect(s.inView).toBeLessThan(NPCS / 2);
    expect(s.byZone.reduce((a, b) => a + b, 0)).toBe(s.inView);
    expect(await page.textContent('[data-stat="received"]')).toMatch(/B\/s/);
    expect(await page.textContent('[data-stat="in view"]')).toMatch(/within 200 m/);
  });

  it('agrees with the server: its view holds the server\'s world, and /metrics counts what it received', async () => {
    // The page runs the server's game itself, its confirmed states checked against the server's
    // hashes: every record the view holds must be the body of that world at the record's tick,
    // to the codec's position step, wherever the page still holds that frame (not the oldest
    // background records, nor ones newer than its confirmations).
    await page.waitForFunction(() => (window.chronos as ArenaDebugApi).status().hash.matched >= 1, undefined, { timeout: 15_000 });
    const check = (await (await page.waitForFunction(() => {
      const c = (window.chronos as ArenaDebugApi).interestCheck();
      return c.checked >= 20 ? c : null;
    }, undefined, { timeout: 15_000 })).jsonValue())!;
    expect(check.otherBody).toBe(0);
    expect(check.checked + check.notHeld).toBe(check.inView);
    expect(check.unitM).toBeGreaterThan(0);
    expect(check.maxErrorM).toBeLessThanOrEqual(check.unitM);
    const status = await page.evaluate(() => (window.chronos as ArenaDebugApi).status());
    expect(status.hash.mismatched).toBe(0);
    // Every snapshot the server counts as sent reaches the page (one link, in order), and the
    // page has applied no more than the server sent.
    const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
    const metrics = async () => (await fetch(`${server.httpUrl}metrics`)).text();
    const before = await metrics();
    const sent = metric(before, 'chronos_interest_snapshots_total');
    expect(sent).toBeGreaterThan(10);
    await page.waitForFunction((n) => window.chronos!.interest().snapshots >= n, sent, { timeout: 15_000 });
    const applied = (await page.evaluate(() => window.chronos!.interest())).snapshots;
    const after = await metrics();
    expect(applied).toBeLessThanOrEqual(metric(after, 'chronos_interest_snapshots_total'));
    expect(metric(after, 'chronos_interest_bytes_total')).toBeGreaterThan(0);
    // Updates by zone: every zone the page has entities in was sent updates.
    const byZone = (await page.evaluate(() => window.chronos!.interest())).byZone;
    ['immediate', 'near', 'awareness', 'background'].forEach((zone, i) => {
      const updates = metric(after, `chronos_interest_updates_total\\{zone="${zone}"\\}`);
      expect(updates).toBeGreaterThanOrEqual(0);
      if (byZone[i]! > 0) expect(updates, zone).toBeGreaterThan(0);
    });
    expect(metric(after, 'chronos_interest_clients')).toBe(1);
  });

  it('draws the rings and zone colours, and hides them with I', async () => {
    // Out from the follow zoom (12 px/m) to about 1.5 px/m: the 200 m AoI spans most of the view.
    await page.mouse.move(760, 420);
    for (let i = 0; i < 12; i++) await page.mouse.wheel(0, 120);
    await nextPaint(page);
    const on = await warmPixels(page);
    expect(on).toBeGreaterThan(200);
    const dir = join(ROOT, 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'interest-layer.png') });
    expect(existsSync(join(dir, 'interest-layer.png'))).toBe(true);
    await page.keyboard.press('i');
    expect((await page.evaluate(() => window.chronos!.interest())).enabled).toBe(false);
    await nextPaint(page);
    expect(await warmPixels(page)).toBeLessThan(on / 4);
    await page.keyboard.press('i');
  });

  it('centres a watching page\'s interest on its camera, and follows it when it pans', async () => {
    const watcher = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    watcher.on('pageerror', (err) => consoleErrors.push(err.message));
    await watcher.goto(`${server.httpUrl}?watch`);
    await watcher.waitForFunction(() => (window.chronos?.interest().inView ?? 0) > 0, undefined, { timeout: 30_000 });
    const before = await watcher.evaluate(() => window.chronos!.interest());
    // Drag the free camera a few hundred metres east; the page reports its new centre.
    await watcher.mouse.move(800, 400);
    await watcher.mouse.down();
    await watcher.mouse.move(650, 400, { steps: 5 });
    await watcher.mouse.up();
    await watcher.waitForFunction(
      (x0) => {
        const s = window.chronos!.interest();
        return s.viewerX > x0 + 200 && s.inView > 0 && s.farthestM <= s.radiusM * 1.05 + 10;
      },
      before.viewerX,
      { timeout: 15_000 },
    );
    const after = await watcher.evaluate(() => window.chronos!.interest());
    // Everything the server sends it now lies around the new centre (AoI + hysteresis + a
    // second of NPC movement for the slowest zone).
    expect(after.farthestM).toBeLessThanOrEqual(after.radiusM * 1.05 + 10);
    expect(after.rejected).toBe(0);
    await watcher.screenshot({ path: join(ROOT, 'test-artifacts', 'interest-layer-watch.png') });
    await watcher.close();
    expect(consoleErrors).toEqual([]);
    // A second page joining a loaded 2-core machine downloads the full game state first.
  }, 60_000);
});
