// End to end: playing the demo in headless Chromium. `chronos serve` runs a small crowded world;
// page A joins as a player through a proxy that delays its WebSocket by 40 ms each way (an 80 ms
// round trip, so prediction has something to hide), page B joins from a second browser context.
// Oracles: the avatar moves on the frame its input was stamped for, while the server has not
// confirmed that input yet (the page's own record), and the server's authoritative position
// (GET /players) follows; B sees A; a projectile fired by A is drawn on both pages; B's hitscan
// takes A's hit points as the server judges them; both pages' confirmed states match the
// server's hashes, and the page's game stepped N frames from the JOIN equals Node's. Then bots
// join for a screenshot: test-artifacts/rollback-play.png.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { ROOT, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { referenceGameHash } from '../helpers/reference-world.js';
import { startDelayProxy, type DelayProxy } from '../helpers/delay-proxy.js';
import { PlayClient } from '../../src/client/play-client.js';
import { BotBrain, BOT_ARCHETYPES } from '../../src/client/bot-brain.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { loadChronos } from '../../src/wasm/loader.js';
import { Arena } from '../../src/wasm/arena.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import type { ArenaDebugApi } from '../../src/web/arena-page.js';
import { waiter } from '../helpers/until.js';

const SEED = 31;
const NPCS = 300;
/** A 400 m world: NPCs around the players, so the screenshot shows a game. */
const WORLD_M = 400;
const ONE_WAY_DELAY_MS = 40;

type MoveProbe = NonNullable<ReturnType<ArenaDebugApi['moveProbe']>>;

interface PlayerRow {
  player: number;
  x: number;
  y: number;
  hp: number;
  dead: boolean;
}

describe.skipIf(!hasChromium)('playing in the page, predicted by rollback', () => {
  let server: ServerProcess;
  let proxy: DelayProxy;
  let browser: Browser;
  let contextA: BrowserContext;
  let contextB: BrowserContext;
  let a: Page;
  let b: Page;
  const bots: PlayClient[] = [];
  const consoleErrors: string[] = [];

  const players = async (): Promise<PlayerRow[]> => (await (await fetch(new URL('/players', server.httpUrl))).json()) as PlayerRow[];
  const row = async (player: number) => (await players()).find((r) => r.player === player);
  const until = waiter(10_000, 50);

  async function openPage(context: BrowserContext, url: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    await page.goto(url);
    await page.waitForFunction(() => (window.chronos as ArenaDebugApi | undefined)?.status().phase === 'running' && ((window.chronos as ArenaDebugApi | undefined)?.status().me ?? null) !== null, undefined, { timeout: 30_000 });
    return page;
  }

  /** Hides the stats panel (H) unless it is hidden already. */
  async function hidePanel(page: Page): Promise<void> {
    if (await page.isVisible('#overlay')) await page.keyboard.press('h');
    await page.waitForFunction(() => document.getElementById('overlay')!.classList.contains('hidden'));
  }

  /**
   * Moves the mouse to aim at `player`: on the line from the page's own avatar to that player as
   * the page draws them, at the player itself or, when it is off the canvas, as far along the
   * line as the canvas reaches. The page aims from its avatar to the mouse, so that is the
   * direction of the player wherever it stands.
   */
  async function aimAt(page: Page, player: number): Promise<void> {
    const at = await page.evaluate((p) => {
      const c = window.chronos as ArenaDebugApi;
      const to = c.screenOfPlayer(p);
      const from = c.screenOfPlayer(c.status().player);
      if (!to || !from) return null;
      const rect = document.getElementById('map')!.getBoundingClientRect();
      const margin = 20;
      let k = 1;
      const dx = to.x - from.x, dy = to.y - from.y;
      if (dx > 0) k = Math.min(k, (rect.width - margin - from.x) / dx);
      if (dx < 0) k = Math.min(k, (margin - from.x) / dx);
      if (dy > 0) k = Math.min(k, (rect.height - margin - from.y) / dy);
      if (dy < 0) k = Math.min(k, (margin - from.y) / dy);
      return { x: rect.left + from.x + dx * k, y: rect.top + from.y + dy * k };
    }, player);
    if (!at) throw new Error(`page cannot aim at player ${player}: not drawn`);
    await page.mouse.move(at.x, at.y);
  }

  /** Zooms the following camera out (about 1 px/m: the whole 400 m world around the avatar) or back. */
  async function zoom(page: Page, way: 'out' | 'in'): Promise<void> {
    const box = (await page.locator('#map').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 14; i++) await page.mouse.wheel(0, way === 'out' ? 120 : -120);
  }

  const seesPlayer = (p: number) => {
    const s = (window.chronos as ArenaDebugApi).status();
    return s.drawnPlayers === s.seen.length + 1 && s.seen.some((x) => x.player === p);
  };

  beforeAll(async () => {
    server = await startServerProcess(['--mode', 'arena', '--seed', String(SEED), '--npcs', String(NPCS), '--world-size', String(WORLD_M)]);
    proxy = await startDelayProxy(server.httpUrl, ONE_WAY_DELAY_MS);
    browser = await launchChromium();
    contextA = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contextB = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    a = await openPage(contextA, proxy.url);
  });

  afterAll(async () => {
    for (const bot of bots) bot.close();
    await browser?.close();
    await proxy?.close();
    await server?.stop();
  });

  it('joins as a player and runs the game from the state the server sent', async () => {
    const s = await a.evaluate(() => (window.chronos as ArenaDebugApi).status());
    expect(s.mode).toBe('play');
    expect(s.player).toBeGreaterThanOrEqual(0);
    expect(s.rollback.statesInstalled).toBe(1);
    expect(s.camera).toBe('follow');
    expect((await players()).map((r) => r.player)).toContain(s.player);
  });

  it('moves the avatar as soon as D is pressed, before the server can have confirmed it, and the server follows', async () => {
    const me = (await a.evaluate(() => (window.chronos as ArenaDebugApi).status())).player;
    const before = (await row(me))!;
    // Nothing from the server reaches the page from here until the avatar has moved: no
    // confirmation can be what moves it, however the page or this machine is scheduled. Once
    // the page has processed every packet sent before the hold, its confirmed frame is final.
    const sent = proxy.hold();
    let probe: MoveProbe;
    try {
      await a.waitForFunction((n) => (window.chronos as ArenaDebugApi).status().net.packetsIn >= n, sent, { timeout: 10_000 });
      const frozen = (await a.evaluate(() => (window.chronos as ArenaDebugApi).status())).confirmedFrame;
      await a.evaluate(() => (window.chronos as ArenaDebugApi).armMoveProbe());
      await a.keyboard.down('d');
      // The page predicts up to 120 frames past its last confirmation; D is stamped well before.
      await a.waitForFunction(() => ((window.chronos as ArenaDebugApi).moveProbe()?.movedFrame ?? -1) >= 0, undefined, { timeout: 10_000 });
      probe = (await a.evaluate(() => (window.chronos as ArenaDebugApi).moveProbe()))!;
      expect(probe.confirmedAtMove).toBe(frozen);
    } finally {
      proxy.release();
    }
    // The step that first used D's input moved the avatar, with the page's own input, while the
    // server's confirmations stopped short of that input's frame.
    expect(probe.stampFrame).toBeGreaterThan(0);
    expect(probe.movedFrame).toBe(probe.stampFrame + 1);
    expect(probe.ownInput).toBe(true);
    expect(probe.confirmedAtMove).toBeLessThan(probe.stampFrame);
    // Authoritative: the server's avatar walks east too, and so does the page's confirmed one.
    await until('the server to move the avatar east', async () => ((await row(me))?.x ?? -Infinity) > before.x + 2);
    await a.keyboard.up('d');
    await a.waitForFunction((x) => ((window.chronos as ArenaDebugApi).status().me?.confirmedX ?? -Infinity) > x, before.x + 2, { timeout: 10_000 });
    expect(Math.abs((await row(me))!.y - before.y)).toBeLessThan(0.01);
  });

  it('shows the first player to a second page', async () => {
    b = await openPage(contextB, server.httpUrl);
    const [sa, sb] = await Promise.all([a.evaluate(() => (window.chronos as ArenaDebugApi).status()), b.evaluate(() => (window.chronos as ArenaDebugApi).status())]);
    expect(sb.player).not.toBe(sa.player);
    await b.waitForFunction((p) => (window.chronos as ArenaDebugApi).status().seen.some((s) => s.player === p), sa.player, { timeout: 10_000 });
    await a.waitForFunction((p) => (window.chronos as ArenaDebugApi).status().seen.some((s) => s.player === p), sb.player, { timeout: 10_000 });
    // Where B draws A (behind the render delay) is near where the server has A.
    const seenByB = (await b.evaluate(() => (window.chronos as ArenaDebugApi).status())).seen.find((s) => s.player === sa.player)!;
    const authoritative = (await row(sa.player))!;
    expect(Math.hypot(seenByB.x - authoritative.x, seenByB.y - authoritative.y)).toBeLessThan(3);
  });

  it('draws a projectile fired by the first page on both pages', async () => {
    // The panel hidden (H), so nothing covers the canvas where A aims.
    await hidePanel(a);
    const target = (await b.evaluate(() => (window.chronos as ArenaDebugApi).status())).player;
    // B zooms out until A stands in its view: every projectile A fires is drawn on B from its
    // first frame, whatever lies between the two (an NPC in the way stops a projectile).
    await zoom(b, 'out');
    try {
      await b.waitForFunction(seesPlayer, (await a.evaluate(() => (window.chronos as ArenaDebugApi).status())).player, { timeout: 10_000 });
      await aimAt(a, target);
      await a.mouse.down();
      try {
        await Promise.all([
          a.waitForFunction(() => (window.chronos as ArenaDebugApi).status().drawnProjectiles > 0, undefined, { timeout: 10_000 }),
          b.waitForFunction(() => (window.chronos as ArenaDebugApi).status().drawnProjectiles > 0, undefined, { timeout: 10_000 }),
        ]);
      } finally {
        await a.mouse.up();
      }
    } finally {
      await zoom(b, 'in');
    }
  });

  // Lag compensation judges a shot against what B's page showed when it was fired: a page that
  // stalls for long on a loaded host fires late, and its shots are rightly misses. The one test
  // that may be tried again.
  it('takes hit points with lag-compensated hitscan, as the server judges them', { retry: 2 }, async () => {
    // B shoots A: B's view of A lags by its render delay and prediction, which the server rewinds.
    const target = (await a.evaluate(() => (window.chronos as ArenaDebugApi).status())).player;
    await hidePanel(b);
    // Projectiles from the previous test gone (one may have felled B: it respawns in 3 s).
    await a.waitForFunction(() => (window.chronos as ArenaDebugApi).status().drawnProjectiles === 0, undefined, { timeout: 15_000 });
    await b.waitForFunction(() => (window.chronos as ArenaDebugApi).status().me?.dead === false, undefined, { timeout: 15_000 });
    const hpBefore = (await row(target))!.hp;
    const hits = async () => {
      const text = await (await fetch(new URL('/metrics', server.httpUrl))).text();
      const verdict = (v: string) => Number(new RegExp(`chronos_lag_compensation_claims_total\\{verdict="${v}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
      return { total: verdict('hit') + verdict('hit_within_tolerance'), text: text.split('\n').filter((l) => l.startsWith('chronos_lag_compensation')).join('; ') };
    };
    const hitsBefore = (await hits()).total;
    await aimAt(b, target);
    await b.mouse.down({ button: 'right' });
    try {
      // The server judged a claim a hit against its rewound hitboxes, and the target lost hit points.
      await until('the server to register the hits', async () => {
        await aimAt(b, target);
        const r = await row(target);
        return r !== undefined && (r.dead || r.hp < hpBefore) && (await hits()).total > hitsBefore;
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}; lag compensation: ${(await hits()).text}`);
    } finally {
      await b.mouse.up({ button: 'right' });
    }
    // A's own page shows the damage too.
    await a.waitForFunction((hp) => ((window.chronos as ArenaDebugApi).status().me?.hp ?? hp) < hp || (window.chronos as ArenaDebugApi).status().me?.dead === true, hpBefore, { timeout: 10_000 });
  });

  it('checks the server hashes on both pages with no mismatch, and steps like Node', async () => {
    await Promise.all([
      a.waitForFunction(() => (window.chronos as ArenaDebugApi).status().hash.matched >= 3, undefined, { timeout: 15_000 }),
      b.waitForFunction(() => (window.chronos as ArenaDebugApi).status().hash.matched >= 3, undefined, { timeout: 15_000 }),
    ]);
    for (const page of [a, b]) {
      const s = await page.evaluate(() => (window.chronos as ArenaDebugApi).status());
      expect(s.hash.mismatched).toBe(0);
      expect(s.hash.desyncFrame).toBe(-1);
      expect(s.rollback.statesInstalled).toBe(1);
    }
    const frames = 600;
    expect(await a.evaluate((n) => (window.chronos as ArenaDebugApi).hashAfter(n), frames)).toBe(await referenceGameHash({ seed: SEED, npcs: NPCS, worldSizeM: WORLD_M }, frames));
  });

  it('shows rollbacks, their depth, corrections, time sync and hash checks in the overlay', async () => {
    // The panel back (H); its rows are filled in every quarter second, hidden or not.
    await a.keyboard.press('h');
    expect(await a.isVisible('#overlay')).toBe(true);
    const text = async (label: string) => (await a.textContent(`dd[data-stat="${label}"]`)) ?? '';
    expect(await text('you')).toMatch(/^player \d+$/);
    expect(await text('rollbacks/s')).toMatch(/^\d+\.\d$/);
    expect(await text('rollback depth')).toMatch(/^\d+ last \/ \d+ max$/);
    expect(await text('corrections')).toMatch(/^snap \d+ · smooth \d+ · blend \d+ · teleport \d+$/);
    expect(await text('time sync')).toMatch(/^[+-]\d+\.\d frames, \d+\.\d %$/);
    expect(await text('hash checks')).toMatch(/^in sync \(\d+ matched\)$/);
    expect(await text('rtt')).toMatch(/^\d+(\.\d+)? ms$/);
    const s = await a.evaluate(() => (window.chronos as ArenaDebugApi).status());
    // 80 ms of round trip through the proxy, plus the server's tick.
    expect(s.net.rttMs).toBeGreaterThan(2 * ONE_WAY_DELAY_MS * 0.8);
  });

  it('plays alongside bots and saves a screenshot, with no errors logged', async () => {
    const crypto = await loadServerCrypto();
    const arena = new Arena(await loadChronos());
    const tokenUrl = new URL('/connect', server.httpUrl).href;
    for (let i = 0; i < 3; i++) {
      const brain = new BotBrain(BOT_ARCHETYPES[i % BOT_ARCHETYPES.length]!, 100 + i);
      const bot: PlayClient = await PlayClient.create({ tokenUrl, transport: 'udp', udp: connectUdp, crypto, mode: 'play', arena, name: `e2e-bot-${i}` });
      const think = setInterval(() => {
        if (bot.game && bot.player >= 0 && bot.running) bot.setInput(brain.think(bot.game, bot.player, performance.now()));
      }, 16);
      bots.push(bot);
      await bot.connect();
      setTimeout(() => clearInterval(think), 15_000).unref();
    }
    // B and the three bots.
    await a.waitForFunction(() => (window.chronos as ArenaDebugApi).status().seen.length >= 4, undefined, { timeout: 15_000 });
    // A walks a little and fires while the bots play.
    const target = (await b.evaluate(() => (window.chronos as ArenaDebugApi).status())).player;
    await aimAt(a, target);
    await a.keyboard.down('w');
    await a.mouse.down();
    await a.waitForTimeout(700);
    await a.keyboard.up('w');
    await a.waitForTimeout(1200);
    await a.mouse.up();
    const dir = join(ROOT, 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    await a.screenshot({ path: join(dir, 'rollback-play.png') });
    // Zoomed out over the whole world, A draws every player it knows of, wherever the bots roam.
    await zoom(a, 'out');
    await a.waitForFunction(() => {
      const s = (window.chronos as ArenaDebugApi).status();
      return s.drawnPlayers === s.seen.length + 1;
    }, undefined, { timeout: 10_000 });
    const s = await a.evaluate(() => (window.chronos as ArenaDebugApi).status());
    expect(s.drawnPlayers).toBeGreaterThanOrEqual(5);
    expect(s.drawnNpcs).toBeGreaterThan(0);
    expect(s.hash.mismatched).toBe(0);
    for (const bot of bots) expect(bot.stats().hashChecks.mismatched).toBe(0);
    expect(consoleErrors).toEqual([]);
  });

  it('frees the second player when its page goes away', async () => {
    const gone = (await b.evaluate(() => (window.chronos as ArenaDebugApi).status())).player;
    await contextB.close();
    await until('the server to free the seat', async () => (await row(gone)) === undefined, 15_000);
  });
});
