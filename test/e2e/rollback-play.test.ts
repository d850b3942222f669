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

const SEED = 31;
const NPCS = 300;
/** A 400 m world: NPCs around the players, so the screenshot shows a game. */
const WORLD_M = 400;
const ONE_WAY_DELAY_MS = 40;

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
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  async function openPage(context: BrowserContext, url: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    await page.goto(url);
    await page.waitForFunction(() => window.chronos?.status().phase === 'running' && (window.chronos?.status().me ?? null) !== null, undefined, { timeout: 30_000 });
    return page;
  }

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
    const s = await a.evaluate(() => window.chronos!.status());
    expect(s.mode).toBe('play');
    expect(s.player).toBeGreaterThanOrEqual(0);
    expect(s.rollback.statesInstalled).toBe(1);
    expect(s.camera).toBe('follow');
    expect((await players()).map((r) => r.player)).toContain(s.player);
  });

  it('moves the avatar as soon as D is pressed, before the server can have confirmed it, and the server follows', async () => {
    const me = (await a.evaluate(() => window.chronos!.status())).player;
    const before = (await row(me))!;
    await a.evaluate(() => window.chronos!.armMoveProbe());
    await a.keyboard.down('d');
    await a.waitForFunction(() => (window.chronos!.moveProbe()?.movedFrame ?? -1) >= 0, undefined, { timeout: 5_000 });
    const probe = (await a.evaluate(() => window.chronos!.moveProbe()))!;
    // Predicted: the step that used the new input ran while the server's confirmations
    // stopped short of that input's frame.
    expect(probe.stampFrame).toBeGreaterThan(0);
    expect(probe.movedFrame).toBeGreaterThan(probe.stampFrame);
    expect(probe.confirmedAtMove).toBeLessThan(probe.stampFrame);
    // Authoritative: the server's avatar walks east too, and so does the page's confirmed one.
    await until('the server to move the avatar east', async () => ((await row(me))?.x ?? -Infinity) > before.x + 2);
    await a.keyboard.up('d');
    await a.waitForFunction((x) => (window.chronos!.status().me?.confirmedX ?? -Infinity) > x, before.x + 2, { timeout: 5_000 });
    expect(Math.abs((await row(me))!.y - before.y)).toBeLessThan(0.01);
  });

  it('shows the first player to a second page', async () => {
    b = await openPage(contextB, server.httpUrl);
    const [sa, sb] = await Promise.all([a.evaluate(() => window.chronos!.status()), b.evaluate(() => window.chronos!.status())]);
    expect(sb.player).not.toBe(sa.player);
    await b.waitForFunction((p) => window.chronos!.status().seen.some((s) => s.player === p), sa.player, { timeout: 10_000 });
    await a.waitForFunction((p) => window.chronos!.status().seen.some((s) => s.player === p), sb.player, { timeout: 10_000 });
    // Where B draws A (behind the render delay) is near where the server has A.
    const seenByB = (await b.evaluate(() => window.chronos!.status())).seen.find((s) => s.player === sa.player)!;
    const authoritative = (await row(sa.player))!;
    expect(Math.hypot(seenByB.x - authoritative.x, seenByB.y - authoritative.y)).toBeLessThan(3);
  });

  it('draws a projectile fired by the first page on both pages', async () => {
    // H hides the panel, so the second player is never under it when A aims at it.
    await a.keyboard.press('h');
    const target = (await b.evaluate(() => window.chronos!.status())).player;
    const at = (await a.evaluate((p) => window.chronos!.screenOfPlayer(p), target))!;
    await a.mouse.move(at.x, at.y);
    await a.mouse.down();
    try {
      await Promise.all([
        a.waitForFunction(() => window.chronos!.status().drawnProjectiles > 0, undefined, { timeout: 5_000 }),
        b.waitForFunction(() => window.chronos!.status().drawnProjectiles > 0, undefined, { timeout: 5_000 }),
      ]);
    } finally {
      await a.mouse.up();
    }
  });

  it('takes hit points with lag-compensated hitscan, as the server judges them', async () => {
    // B shoots A: B's view of A lags by its render delay and prediction, which the server rewinds.
    const target = (await a.evaluate(() => window.chronos!.status())).player;
    await b.keyboard.press('h');
    // Projectiles from the previous test gone (one may have felled B: it respawns in 3 s).
    await a.waitForFunction(() => window.chronos!.status().drawnProjectiles === 0, undefined, { timeout: 5_000 });
    await b.waitForFunction(() => window.chronos!.status().me?.dead === false, undefined, { timeout: 5_000 });
    const hpBefore = (await row(target))!.hp;
    const hits = async () => {
      const text = await (await fetch(new URL('/metrics', server.httpUrl))).text();
      const verdict = (v: string) => Number(new RegExp(`chronos_lag_compensation_claims_total\\{verdict="${v}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
      return { total: verdict('hit') + verdict('hit_within_tolerance'), text: text.split('\n').filter((l) => l.startsWith('chronos_lag_compensation')).join('; ') };
    };
    const hitsBefore = (await hits()).total;
    const aim = async () => {
      const at = await b.evaluate((p) => window.chronos!.screenOfPlayer(p), target);
      if (at) await b.mouse.move(at.x, at.y);
    };
    await aim();
    await b.mouse.down({ button: 'right' });
    try {
      // The server judged a claim a hit against its rewound hitboxes, and the target lost hit points.
      await until('the server to register the hits', async () => {
        await aim();
        const r = await row(target);
        return r !== undefined && (r.dead || r.hp < hpBefore) && (await hits()).total > hitsBefore;
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}; lag compensation: ${(await hits()).text}`);
    } finally {
      await b.mouse.up({ button: 'right' });
    }
    // A's own page shows the damage too.
    await a.waitForFunction((hp) => (window.chronos!.status().me?.hp ?? hp) < hp || window.chronos!.status().me?.dead === true, hpBefore, { timeout: 5_000 });
  });

  it('checks the server hashes on both pages with no mismatch, and steps like Node', async () => {
    await Promise.all([
      a.waitForFunction(() => window.chronos!.status().hash.matched >= 3, undefined, { timeout: 15_000 }),
      b.waitForFunction(() => window.chronos!.status().hash.matched >= 3, undefined, { timeout: 15_000 }),
    ]);
    for (const page of [a, b]) {
      const s = await page.evaluate(() => window.chronos!.status());
      expect(s.hash.mismatched).toBe(0);
      expect(s.hash.desyncFrame).toBe(-1);
      expect(s.rollback.statesInstalled).toBe(1);
    }
    const frames = 600;
    expect(await a.evaluate((n) => window.chronos!.hashAfter(n), frames)).toBe(await referenceGameHash({ seed: SEED, npcs: NPCS, worldSizeM: WORLD_M }, frames));
  });

  it('shows rollbacks, their depth, corrections, time sync and hash checks in the overlay', async () => {
    await a.keyboard.press('h');
    expect(await a.isVisible('#overlay')).toBe(true);
    await a.waitForTimeout(300);
    const text = async (label: string) => (await a.textContent(`dd[data-stat="${label}"]`)) ?? '';
    expect(await text('you')).toMatch(/^player \d+$/);
    expect(await text('rollbacks/s')).toMatch(/^\d+\.\d$/);
    expect(await text('rollback depth')).toMatch(/^\d+ last \/ \d+ max$/);
    expect(await text('corrections')).toMatch(/^snap \d+ · smooth \d+ · blend \d+ · teleport \d+$/);
    expect(await text('time sync')).toMatch(/^[+-]\d+\.\d frames, \d+\.\d %$/);
    expect(await text('hash checks')).toMatch(/^in sync \(\d+ matched\)$/);
    expect(await text('rtt')).toMatch(/^\d+(\.\d+)? ms$/);
    const s = await a.evaluate(() => window.chronos!.status());
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
    await a.waitForFunction(() => window.chronos!.status().seen.length >= 3, undefined, { timeout: 15_000 });
    // A walks a little and fires while the bots play.
    const target = (await b.evaluate(() => window.chronos!.status())).player;
    const at = await a.evaluate((p) => window.chronos!.screenOfPlayer(p), target);
    await a.mouse.move(at ? at.x : 900, at ? at.y : 300);
    await a.keyboard.down('w');
    await a.mouse.down();
    await a.waitForTimeout(700);
    await a.keyboard.up('w');
    await a.waitForTimeout(1200);
    await a.mouse.up();
    const dir = join(ROOT, 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    await a.screenshot({ path: join(dir, 'rollback-play.png') });
    const s = await a.evaluate(() => window.chronos!.status());
    expect(s.drawnPlayers).toBeGreaterThanOrEqual(3);
    expect(s.drawnNpcs).toBeGreaterThan(0);
    expect(s.hash.mismatched).toBe(0);
    for (const bot of bots) expect(bot.stats().hashChecks.mismatched).toBe(0);
    expect(consoleErrors).toEqual([]);
  });

  it('frees the second player when its page goes away', async () => {
    const gone = (await b.evaluate(() => window.chronos!.status())).player;
    await contextB.close();
    await until('the server to free the seat', async () => (await row(gone)) === undefined, 15_000);
  });
});
