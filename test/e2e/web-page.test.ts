// End to end: `chronos serve` on free ports, the page in headless Chromium, watching (?watch:
// a spectator sees the whole world). The page connects through the client SDK (connect token,
// encrypted handshake, WebSocket link), runs the game from the server's JOIN and state with its
// own WASM, must draw the NPCs, and its confirmed state must hash as Node's run of the same game
// does. Every WebSocket frame is captured to prove the traffic is encrypted, and the overlay
// must show the connection's round trip. A screenshot goes to test-artifacts/.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchChromium, nextPaint } from '../helpers/chromium.js';
import { ROOT, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import type { ArenaDebugApi } from '../../src/web/arena-page.js';
import { referenceGameHash, referenceGameParams } from '../helpers/reference-world.js';
import { encodeJoinMessage } from '../../src/codec/play-messages.js';
import { joinFor } from '../../src/client/demo-game.js';
import { World } from '../../src/core/world.js';

const SEED = 4242;
const NPCS = 2000;

describe.skipIf(!hasChromium)('web page in headless Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  /** Every binary frame the page received or sent on its WebSocket. */
  const frames: { dir: 'in' | 'out'; bytes: Buffer }[] = [];

  beforeAll(async () => {
    server = await startServerProcess(['--mode', 'arena', '--seed', String(SEED), '--npcs', String(NPCS)]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    page.on('websocket', (ws) => {
      ws.on('framereceived', (f) => typeof f.payload !== 'string' && frames.push({ dir: 'in', bytes: f.payload }));
      ws.on('framesent', (f) => typeof f.payload !== 'string' && frames.push({ dir: 'out', bytes: f.payload }));
    });
    await page.goto(`${server.httpUrl}?watch`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('is cross-origin isolated so it can share WebAssembly memory', async () => {
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  });

  it('verifies its confirmed state against the server hash by hash', async () => {
    await page.waitForFunction(() => ((window.chronos as ArenaDebugApi | undefined)?.status().hash.matched ?? 0) >= 2, undefined, { timeout: 30_000 });
    const status = await page.evaluate(() => (window.chronos as ArenaDebugApi).status());
    expect(status.connected).toBe(true);
    expect(status.mode).toBe('watch');
    expect(status.hash.mismatched).toBe(0);
    expect(status.hash.desyncFrame).toBe(-1);
    // Nobody plays: the page's hash at its newest confirmed hash frame equals Node's run of the
    // same game for as many frames.
    expect(status.hash.lastFrame).toBeGreaterThan(0);
    expect(status.hash.lastHash).toBe(await referenceGameHash({ seed: SEED, npcs: NPCS }, status.hash.lastFrame));
  });

  it('reaches the same hash as Node after N frames from seed S', async () => {
    const frames = 600;
    const pageHash = await page.evaluate((n) => (window.chronos as ArenaDebugApi).hashAfter(n), frames);
    expect(pageHash).toBe(await referenceGameHash({ seed: SEED, npcs: NPCS }, frames));
  });

  it('draws the entities it receives', async () => {
    await page.waitForFunction(() => ((window.chronos as ArenaDebugApi | undefined)?.status().drawnNpcs ?? 0) > 0, undefined, { timeout: 10_000 });
    const status = await page.evaluate(() => (window.chronos as ArenaDebugApi).status());
    expect(status.entities).toBe(NPCS);
    expect(status.drawnNpcs).toBeGreaterThan(NPCS * 0.9);
    // Count entity-coloured pixels on the canvas itself, not just the page's own counter, with
    // the interest layer off (I): every NPC in its own colour, none faint or zone-coloured.
    await page.keyboard.press('i');
    await page.waitForFunction(() => (window.chronos as ArenaDebugApi | undefined)?.interest().enabled === false);
    await nextPaint(page);
    const lit = await page.evaluate(() => {
      const canvas = document.getElementById('map') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 2]! > 200 && data[i]! < 150) n++;
      return n;
    });
    await page.keyboard.press('i');
    expect(lit).toBeGreaterThan(NPCS);
    expect(status.bytesPerSecond).toBeGreaterThan(0);
  });

  it('speaks the encrypted protocol: no plaintext of the world stream ever crosses the socket', async () => {
    await page.waitForFunction(() => ((window.chronos as ArenaDebugApi | undefined)?.status().hash.matched ?? 0) >= 1, undefined, { timeout: 30_000 });
    const status = await page.evaluate(() => (window.chronos as ArenaDebugApi).status());
    expect(status.net).toMatchObject({ state: 'connected', transport: 'websocket', crypto: 'libsodium-wrappers' });
    expect(frames.length).toBeGreaterThan(50);
    // Only protocol packets: the handshake, then DATA (sealed with ChaCha20-Poly1305).
    for (const f of frames) {
      const type = f.bytes[0]! & 0x0f;
      expect(f.dir === 'out' ? [1, 3, 5] : [2, 4, 5]).toContain(type);
      expect(f.bytes.length).toBeLessThanOrEqual(1200);
    }
    // Known plaintext: the JOIN the server sent, from byte 32 on (after its send frame): tick
    // rate, bounds, NPC options, rules and lag compensation. It must not appear on the wire.
    const params = referenceGameParams({ seed: SEED, npcs: NPCS });
    const joinBytes = encodeJoinMessage(joinFor(params, -1, 'asked', 0, World.bytesFor(params.world.capacity)));
    const joinTail = Buffer.from(joinBytes.subarray(32));
    const wire = Buffer.concat(frames.filter((f) => f.dir === 'in').map((f) => f.bytes));
    expect(wire.indexOf(joinTail)).toBe(-1);
    // Sealed payloads look random: every byte value about equally often (chi-square, 255 dof).
    const counts = new Array<number>(256).fill(0);
    let n = 0;
    for (const f of frames) {
      if (f.dir !== 'in' || (f.bytes[0]! & 0x0f) !== 5 || f.bytes.length < 600) continue;
      for (let i = 16; i < f.bytes.length - 16; i++) counts[f.bytes[i]!]!++, n++;
    }
    expect(n).toBeGreaterThan(100_000);
    const chi = counts.reduce((sum, c) => sum + (c - n / 256) ** 2 / (n / 256), 0);
    expect(chi).toBeLessThan(400);
  });

  it('shows the connection round trip, loss and link in the overlay', async () => {
    // The panel's rows are rewritten every quarter second of the page's frames: wait for a round trip there.
    await page.waitForFunction(() => /^\d+(\.\d+)? ms$/.test(document.querySelector('dd[data-stat="rtt"]')?.textContent ?? ''), undefined, { timeout: 10_000 });
    const rtt = await page.textContent('dd[data-stat="rtt"]');
    expect(rtt).toMatch(/^\d+(\.\d+)? ms$/);
    expect(await page.textContent('dd[data-stat="loss"]')).toMatch(/^\d+\.\d %$/);
    expect(await page.textContent('dd[data-stat="link"]')).toBe('websocket, ChaCha20-Poly1305 (libsodium-wrappers)');
    const status = await page.evaluate(() => (window.chronos as ArenaDebugApi).status());
    expect(status.net.rttMs).toBeGreaterThan(0);
    expect(status.net.rttMs).toBeLessThan(1000);
  });

  it('saves a screenshot and logs no errors', async () => {
    await nextPaint(page);
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
