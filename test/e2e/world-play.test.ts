// End to end: world mode (the default) in headless Chromium. `chronos serve` runs a small world
// (300 NPCs over 1 km, so most of it lies outside any page's 200 m AoI); pages A and B join as
// players through a proxy that delays their WebSockets by 40 ms each way (an 80 ms round trip).
// Oracles, all from what the pages and the server report (frames, input sequences, ticks), none
// from wall-clock timing:
//   - D moves A's avatar in the page's frame loop while the server's acknowledged input is still
//     older than the input that moved it, and the server's avatar (GET /players) follows;
//   - B holds A's avatar in its interest stream and draws it where the server has it;
//   - everything A's view holds lies within the AoI radius plus hysteresis of A's server
//     position (plus how far its kind moves over its record's age), and held players are where
//     the server has them;
//   - B's hitscan, aimed where B draws A, is judged a hit by the server's lag compensation and
//     takes A's hit points;
//   - a ?watch page sees the players from its camera; screenshots go to test-artifacts/
//     (world-play.png, world-play-b.png, world-watch.png) and no page logs an error.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { ROOT, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { startDelayProxy, type DelayProxy } from '../helpers/delay-proxy.js';
import { waiter } from '../helpers/until.js';
import type { WorldPlayerInfo } from '../../src/server/world-players.js';

const SEED = 5;
const NPCS = 300;
const WORLD_M = 1000;
const ONE_WAY_DELAY_MS = 40;
const FLAG_PLAYER = 4;
const FLAG_PROJECTILE = 8;
/** Fastest a body of each kind moves: players 6 m/s (NPCs 2), projectiles 90 m/s. */
const BODY_SPEED_MPS = 6;
const PROJECTILE_SPEED_MPS = 90;
/** Position quantisation of interest records and small pushes between bodies, metres. */
const SLACK_M = 0.5;

/** A row of GET /players, as the server writes it. */
type PlayerRow = WorldPlayerInfo;

describe.skipIf(!hasChromium)('playing world mode in the page', { retry: 0 }, () => {
  let server: ServerProcess;
  let proxy: DelayProxy;
  let browser: Browser;
  let contextA: BrowserContext;
  let contextB: BrowserContext;
  let a: Page;
  let b: Page;
  let idA = -1;
  let idB = -1;
  const pageErrors: string[] = [];
  const artifacts = join(ROOT, 'test-artifacts');

  const players = async (): Promise<PlayerRow[]> => (await (await fetch(new URL('/players', server.httpUrl))).json()) as PlayerRow[];
  const row = async (id: number) => (await players()).find((r) => r.avatarId === id);
  const until = waiter(30_000, 50);
  const status = (page: Page) => page.evaluate(() => (window.chronos as import('../../src/web/world-page.js').WorldDebugApi).status());
  type Api = import('../../src/web/world-page.js').WorldDebugApi;

  async function openPage(context: BrowserContext, url: string, watching = false): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(url);
    await page.waitForFunction(
      (watch) => {
        const api = window.chronos as Api | undefined;
        const s = api?.server === 'world' ? api.status() : undefined;
        return s !== undefined && s.phase === 'running' && (watch || s.me !== null) && api!.interest().hasView;
      },
      watching,
      { timeout: 60_000 },
    );
    return page;
  }

  beforeAll(async () => {
    server = await startServerProcess(['--seed', String(SEED), '--npcs', String(NPCS), '--world-size', String(WORLD_M), '--max-clients', '16']);
    proxy = await startDelayProxy(server.httpUrl, ONE_WAY_DELAY_MS);
    browser = await launchChromium();
    contextA = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contextB = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    mkdirSync(artifacts, { recursive: true });
    a = await openPage(contextA, proxy.url);
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await server?.stop();
  });

  it('runs world mode: an avatar the server lists, predicted, and nothing of the arena', async () => {
    expect(await (await fetch(new URL('/game.json', server.httpUrl))).json()).toMatchObject({ mode: 'world', worldSizeM: WORLD_M, seed: SEED });
    const s = await status(a);
    expect(s).toMatchObject({ server: 'world', mode: 'play', phase: 'running', connected: true, camera: 'follow' });
    expect(s.net).toMatchObject({ state: 'connected', transport: 'websocket', crypto: 'libsodium-wrappers' });
    idA = s.avatarId;
    expect(idA).toBeGreaterThanOrEqual(0);
    expect(s.me!.id).toBe(idA);
    expect((await players()).map((r) => r.avatarId)).toContain(idA);
    // The page predicts inputs and the server acknowledges them (OWN states it reconciles with).
    await a.waitForFunction(() => ((window.chronos as Api).status().own?.checked ?? 0) > 30, undefined, { timeout: 30_000 });
  });

  it('moves the avatar as soon as D is pressed, before the server can have acknowledged it, and the server follows', async () => {
    const before = (await row(idA))!;
    await a.evaluate(() => (window.chronos as Api).armMoveProbe());
    await a.keyboard.down('d');
    await a.waitForFunction(() => ((window.chronos as Api).moveProbe()?.movedSeq ?? -1) >= 0, undefined, { timeout: 30_000 });
    const probe = (await a.evaluate(() => (window.chronos as Api).moveProbe()))!;
    // Predicted: the input that moved the avatar is numbered stampSeq, and when the page had
    // drawn it moved east the server had acknowledged only inputs before it.
    expect(probe.stampSeq).toBeGreaterThan(0);
    expect(probe.movedSeq).toBeGreaterThanOrEqual(probe.stampSeq);
    expect(probe.ackedAtMove).toBeLessThan(probe.stampSeq);
    expect(probe.dx).toBeGreaterThan(0);
    // Authoritative: the server's avatar walks east too.
    await until('the server to move the avatar east', async () => ((await row(idA))?.x ?? -Infinity) > before.x + 2);
    await a.keyboard.up('d');
    // Once the server has applied every input up to the release, page and server agree.
    const released = (await status(a)).me!.seq;
    await a.waitForFunction((seq) => ((window.chronos as Api).status().me?.ackedSeq ?? 0) > seq + 2, released, { timeout: 30_000 });
    const [me, server1] = [(await status(a)).me!, (await row(idA))!];
    expect(server1.lastAppliedSeq).toBeGreaterThan(released);
    expect(Math.hypot(me.predictedX - server1.x, me.predictedY - server1.y)).toBeLessThan(SLACK_M);
    expect(server1.x).toBeGreaterThan(before.x + 2);
  });

  it('shows the first player to a second page through its interest stream', async () => {
    b = await openPage(contextB, proxy.url);
    idB = (await status(b)).avatarId;
    expect(idB).toBeGreaterThanOrEqual(0);
    expect(idB).not.toBe(idA);
    // B's interest view holds A's avatar, and B draws it (and A draws B).
    await b.waitForFunction((id) => (window.chronos as Api).bodies().some((x) => x.id === id), idA, { timeout: 30_000 });
    await a.waitForFunction((id) => (window.chronos as Api).bodies().some((x) => x.id === id), idB, { timeout: 30_000 });
    const held = (await b.evaluate(() => (window.chronos as Api).view())).entities.find((e) => e.id === idA)!;
    expect(held.flags & FLAG_PLAYER).toBe(FLAG_PLAYER);
    const seen = (await status(b)).players.find((p) => p.id === idA)!;
    expect(seen.away).toBe(false);
    // A stands still: where B draws it is where the server has it.
    const authoritative = (await row(idA))!;
    expect(Math.hypot(seen.x - authoritative.x, seen.y - authoritative.y)).toBeLessThan(1);
  });

  it('holds nothing outside its area of interest', async () => {
    // A stands still; everything its view holds was sent while within the AoI (plus hysteresis)
    // of A's avatar, and has moved at most its kind's speed times its record's age since.
    const tickHz = ((await (await fetch(new URL('/game.json', server.httpUrl))).json()) as { tickHz: number }).tickHz;
    const health = (await (await fetch(new URL('/healthz', server.httpUrl))).json()) as { entities: number };
    let checked = 0;
    for (let round = 0; round < 5; round++) {
      const dump = await a.evaluate(() => (window.chronos as Api).view());
      const drawn = await a.evaluate(() => (window.chronos as Api).bodies());
      const rows = await players();
      const me = rows.find((r) => r.avatarId === idA)!;
      const setup = dump.setup!;
      const reach = setup.radiusM * (1 + setup.hysteresis);
      expect(dump.entities.length).toBeGreaterThan(0);
      expect(dump.entities.length).toBeLessThan(health.entities / 2);
      for (const e of dump.entities) {
        const ageS = Math.max(0, dump.tick - e.tick) / tickHz;
        const speed = (e.flags & FLAG_PROJECTILE) !== 0 ? PROJECTILE_SPEED_MPS : BODY_SPEED_MPS;
        const d = Math.hypot(e.x - me.x, e.y - me.y);
        expect(d, `entity ${e.id} (flags ${e.flags}) ${d.toFixed(1)} m from the viewer, record ${ageS.toFixed(2)} s old`).toBeLessThanOrEqual(reach + speed * ageS + SLACK_M);
        // A held player is where the server has it (give or take its moves since the record).
        const server = (e.flags & FLAG_PLAYER) !== 0 ? rows.find((r) => r.avatarId === e.id) : undefined;
        if (server) expect(Math.hypot(e.x - server.x, e.y - server.y)).toBeLessThanOrEqual(BODY_SPEED_MPS * (ageS + 1) + SLACK_M);
        checked++;
      }
      // What the page draws of others comes from that stream: within the same reach.
      for (const body of drawn) {
        const speed = (body.flags & FLAG_PROJECTILE) !== 0 ? PROJECTILE_SPEED_MPS : BODY_SPEED_MPS;
        expect(Math.hypot(body.x - me.x, body.y - me.y)).toBeLessThanOrEqual(reach + speed * 1 + SLACK_M);
      }
      await a.waitForTimeout(200);
    }
    expect(checked).toBeGreaterThan(5);
    const s = await status(a);
    expect(s.held.view).toBeLessThan(NPCS);
    expect(s.drawn.npcs).toBeLessThanOrEqual(s.held.remote);
  });

  it('lands a hitscan on the other player, judged a hit by lag compensation', { retry: 2 }, async () => {
    // B shoots A where B draws it: behind B's render delay and 40 ms of link, which the server
    // rewinds. A stands still; B aims again each round (an NPC may push B a little).
    // The panel hidden (as H does; idempotent for a retry), so the mouse is over the map.
    await b.evaluate(() => document.getElementById('overlay')!.classList.add('hidden'));
    await b.waitForFunction(() => (window.chronos as Api).status().me?.dead === false, undefined, { timeout: 30_000 });
    await until('A to be alive', async () => (await row(idA))?.dead === false);
    const hpBefore = (await row(idA))!.hp;
    const hits = async () => {
      const text = await (await fetch(new URL('/metrics', server.httpUrl))).text();
      const verdict = (v: string) => Number(new RegExp(`chronos_lag_compensation_claims_total\\{verdict="${v}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
      return { total: verdict('hit') + verdict('hit_within_tolerance'), text: text.split('\n').filter((l) => l.startsWith('chronos_lag_compensation')).join('; ') };
    };
    const hitsBefore = (await hits()).total;
    const aim = async () => {
      const at = await b.evaluate((id) => (window.chronos as Api).screenOf(id), idA);
      if (at) await b.mouse.move(at.x, at.y);
      return at;
    };
    expect(await aim()).not.toBeNull();
    await b.mouse.down({ button: 'right' });
    try {
      await until('the server to judge a hit on A', async () => {
        await aim();
        const r = await row(idA);
        return r !== undefined && (r.dead || r.hp < hpBefore) && (await hits()).total > hitsBefore;
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}; lag compensation: ${(await hits()).text}`);
    } finally {
      await b.mouse.up({ button: 'right' });
    }
    // A's page learns it from its own authoritative state.
    await a.waitForFunction((hp) => {
      const me = (window.chronos as Api).status().me;
      return me !== null && (me.hp < hp || me.dead);
    }, hpBefore, { timeout: 30_000 });
  });

  it('shows prediction, corrections, acknowledgement latency and the view by zone in the panel', async () => {
    await a.waitForTimeout(300);
    const text = async (label: string) => (await a.textContent(`dd[data-stat="${label}"]`)) ?? '';
    expect(await text('you')).toMatch(/^P\d+ at -?\d+, -?\d+ m, (\d+ hp|down: back in \d+\.\d s)$/);
    expect(await text('predicted')).toMatch(/^[\d,]+ frames, \d+ ahead$/);
    expect(await text('mispredicted')).toMatch(/^\d+\.\d % of [\d,]+$/);
    expect(await text('corrections/s')).toMatch(/^\d+\.\d$/);
    expect(await text('last correction')).toMatch(/^(none yet|\d+\.\d\d m \((snap|smooth|blend|teleport)\))$/);
    expect(await text('input → ack')).toMatch(/^\d+ ms \(mean \d+\)$/);
    expect(await text('render delay')).toMatch(/^\d+ ms \(jitter \d+ ms\)$/);
    expect(await text('in view')).toMatch(/^\d+ within 200 m$/);
    expect(await text('by zone')).toMatch(/^imm \d+ · near \d+ · aware \d+ · bg \d+$/);
    expect(await text('link')).toBe('websocket, ChaCha20-Poly1305 (libsodium-wrappers)');
    expect(await text('rtt')).toMatch(/^\d+(\.\d+)? ms$/);
    expect(await a.textContent('#legend')).toContain('world mode');
    const s = await status(a);
    // The input-to-acknowledgement latency spans at least the proxy's round trip.
    expect(s.own!.inputAckMeanMs).toBeGreaterThan(2 * ONE_WAY_DELAY_MS * 0.8);
    expect(s.net.rttMs).toBeGreaterThan(2 * ONE_WAY_DELAY_MS * 0.8);
  });

  it('watches from its camera with ?watch, draws the grid of what it holds, and saves screenshots with no errors logged', async () => {
    const watcher = await openPage(contextB, `${server.httpUrl}?watch`, true);
    const w = await status(watcher);
    expect(w).toMatchObject({ mode: 'watch', avatarId: -1, me: null, camera: 'free' });
    // Its camera starts at the world's centre, where the players are: it holds both.
    await watcher.waitForFunction((ids) => ids.every((id) => (window.chronos as Api).bodies().some((x) => x.id === id)), [idA, idB], { timeout: 30_000 });
    // G indexes what the page holds (its view), not a world it does not have.
    await a.keyboard.press('g');
    await a.waitForFunction(() => (window.chronos as Api).spatial().drawn > 0, undefined, { timeout: 30_000 });
    const sp = await a.evaluate(() => (window.chronos as Api).spatial());
    expect(sp.entities).toBeGreaterThan(0);
    expect(sp.entities).toBeLessThanOrEqual((await status(a)).held.view);
    await a.screenshot({ path: join(artifacts, 'world-play-grid.png') });
    await a.keyboard.press('g');
    // A walks and fires a few projectiles for the picture.
    await a.keyboard.press('h');
    const at = await a.evaluate((id) => (window.chronos as Api).screenOf(id), idB);
    await a.mouse.move(at ? at.x : 900, at ? at.y : 300);
    await a.keyboard.down('w');
    await a.mouse.down();
    // A draws its projectiles as predicted; the watcher draws them from its interest stream.
    try {
      await a.waitForFunction(() => (window.chronos as Api).status().drawn.projectiles > 0, undefined, { timeout: 30_000 });
      await watcher.waitForFunction(() => (window.chronos as Api).bodies().some((x) => (x.flags & 8) !== 0), undefined, { timeout: 30_000 });
    } finally {
      await a.keyboard.up('w');
      await a.mouse.up();
    }
    await a.screenshot({ path: join(artifacts, 'world-play.png') });
    await b.screenshot({ path: join(artifacts, 'world-play-b.png') });
    await watcher.screenshot({ path: join(artifacts, 'world-watch.png') });
    const s = await status(a);
    expect(s.drawn.players).toBeGreaterThanOrEqual(2);
    expect(s.drawn.npcs).toBeGreaterThan(0);
    for (const page of [a, b, watcher]) expect(await page.evaluate(() => (window.chronos as Api).interest().rejected)).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('keeps the avatar of a page that went away, marked away, and the other page draws it so', async () => {
    await contextB.close();
    // The link is lost: after 5 s the server marks the avatar away (it removes it after 30 s).
    await until('the server to mark B away', async () => (await row(idB))?.away === true);
    await a.waitForFunction((id) => (window.chronos as Api).status().players.some((p) => p.id === id && p.away), idB, { timeout: 30_000 });
    await a.screenshot({ path: join(artifacts, 'world-play-away.png') });
    expect(pageErrors).toEqual([]);
  });
});
