// The arena shooter in arena mode, served (DeclaredRoomServer) and played over the network: bots
// over UDP and a spectator over WebSocket run the whole room and match the server's state
// hashes; a seated player shows in the others' rooms where the server has it; a record a client
// forges is a counted drop; a client of another game refuses the JOIN; the page plays it in
// Chromium.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DeclaredRoomBots, DeclaredRoomClient, DeclaredRoomServer } from '../../src/index.js';
import type { WebSocketConstructor } from '../../src/net/transport-ws-client.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { encodeInputMessage } from '../../src/codec/rollback-messages.js';
import { PLAY_INPUT_CHANNEL } from '../../src/client/play-channels.js';
import { roomBotInput } from '../../examples/arena-shooter/bot.js';
import { GAME, type Declaration } from '../../examples/arena-shooter/game.js';
import { clientRoom, createRoom } from '../../examples/arena-shooter/room.js';
import { SKYWORLD } from '../../examples/skyworld/game.js';
import { ROOT } from '../helpers/server-process.js';
import { hasChromium } from '../helpers/chromium.js';
import { withDeclaredPage } from '../helpers/declared-page.js';
import { waiter } from '../helpers/until.js';

const until = waiter(20_000, 50);

interface RoomStatus {
  centre: { x: number; y: number };
  phase: string;
  player: number;
  avatar: number | null;
  frame: number;
  hashChecks: { matched: number; mismatched: number };
  entities: number;
  drawn: number;
  own?: { position: { x: number; y: number } };
  spatial: { visible: boolean; entities: number; cells: number } | null;
}

describe('the arena shooter in arena mode, served', () => {
  let server: DeclaredRoomServer<Declaration>;
  let url: string;

  beforeAll(async () => {
    const room = await createRoom({ seed: 4, npcs: 300, npcSpreadM: 60, seats: 8 });
    server = await DeclaredRoomServer.start({ room, host: '127.0.0.1', httpPort: 0, udpPort: 0, staticDir: join(ROOT, 'build/examples/arena-shooter'), log: () => {} });
    url = `http://127.0.0.1:${server.httpPort}`;
  });
  afterAll(() => server?.stop());

  it('bots over UDP and a spectator over WebSocket run the room and match every state hash', async () => {
    const bots = await DeclaredRoomBots.start<Declaration>({ game: GAME, url, players: 3, room: clientRoom, think: (c, i, f) => roomBotInput(c.room, c.avatar, i, f) });
    const watcher = await DeclaredRoomClient.create({ game: GAME, mode: 'watch', room: clientRoom, tokenUrl: `${url}/connect`, transport: 'websocket', WebSocket: WebSocket as unknown as WebSocketConstructor });
    try {
      await watcher.connect();
      await until('every bot and the watcher to match two hashes', () => [...bots.clients, watcher].every((c) => c.stats().hashChecks.matched >= 2));
      const t = bots.totals();
      expect(t.running).toBe(3);
      expect(t.seated).toBe(3);
      expect(t.hashesMismatched).toBe(0);
      expect(t.brainErrors).toBe(0);
      expect(watcher.stats().hashChecks.mismatched).toBe(0);
      expect(watcher.player).toBe(-1);
      expect(watcher.join?.spectatorReason).toBe('asked');
      // Every bot's avatar is in every other copy of the room (and the watcher's), alive.
      const avatars = bots.clients.map((c) => c.avatar!);
      for (const c of [...bots.clients, watcher]) for (const a of avatars) expect(c.room!.store.isAlive(a)).toBe(true);
      expect(server.playerList().map((p) => p.avatar).sort()).toEqual([...avatars].sort());
      expect(server.health()).toMatchObject({ mode: 'room', players: 3, spectators: 1 });
      const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/chronos_rollback_hashes_total [1-9]/);
    } finally {
      bots.close();
      watcher.close();
    }
    await until('the seats to be free again', () => server.host.players === 0);
  }, 60_000);

  it('drops a forged input record and a client of another game refuses the JOIN', async () => {
    const player = await DeclaredRoomClient.create({ game: GAME, mode: 'play', room: clientRoom, tokenUrl: `${url}/connect`, transport: 'udp', udp: connectUdp });
    const stranger = await DeclaredRoomClient.create({ game: SKYWORLD, mode: 'play', room: () => Promise.reject(new Error('never built')), tokenUrl: `${url}/connect`, transport: 'udp', udp: connectUdp });
    try {
      await player.connect();
      await stranger.connect();
      await until('the player to run', () => player.running);
      await until('the stranger to refuse its JOIN', () => stranger.stats().drops.wrong_game >= 1);
      expect(stranger.room).toBeUndefined();
      // An INPUT whose record sets bits past the declared fields (every byte 0xff): the whole packet is dropped and counted.
      const room = player.room!;
      const forged = new Uint8Array(room.inputBytes).fill(0xff);
      const before = server.host.session.drops.input_value;
      const frame = server.host.session.frame + 5;
      player.net.send(PLAY_INPUT_CHANNEL, encodeInputMessage(player.player, frame, 0xffffffff, forged, 0, 1, room.inputFormat));
      player.net.flush();
      await until('the forged record to be dropped', () => server.host.session.drops.input_value > before);
      // The room goes on, the same for the player as for the server.
      const matched = player.stats().hashChecks.matched;
      await until('another hash to match', () => player.stats().hashChecks.matched > matched);
      expect(player.stats().hashChecks.mismatched).toBe(0);
    } finally {
      player.close();
      stranger.close();
    }
  }, 60_000);

  it.skipIf(!hasChromium)('its page runs the room: the avatar walks at once, and the page matches the server\'s hashes', async () => {
    await withDeclaredPage(`${url}/`, 'arena-shooter-room', async (page) => {
      const status = () => page.evaluate(() => (window as unknown as { chronos: { status(): RoomStatus } }).chronos.status());
      // The status of the frame that had the avatar (a later call may catch it gone for a frame, killed and joining again).
      const start = (await (await page.waitForFunction(() => {
        const s = (window as unknown as { chronos?: { status(): RoomStatus } }).chronos?.status();
        return s?.own != null ? s : null;
      }, undefined, { timeout: 20_000 })).jsonValue()) as RoomStatus;
      expect(start.player).toBeGreaterThanOrEqual(0);
      await page.keyboard.down('KeyD');
      // The avatar may be gone for a frame (killed, it joins again the next one): no position then.
      await page.waitForFunction((x0) => ((window as unknown as { chronos: { status(): RoomStatus } }).chronos.status().own?.position.x ?? -Infinity) > x0 + 1, start.own!.position.x, { timeout: 5_000 });
      await page.keyboard.up('KeyD');
      const end = (await (await page.waitForFunction(() => {
        const s = (window as unknown as { chronos: { status(): RoomStatus } }).chronos.status();
        return s.hashChecks.matched >= 2 && s.own != null ? s : null;
      }, undefined, { timeout: 10_000 })).jsonValue()) as RoomStatus;
      expect(end.hashChecks.mismatched).toBe(0);
      expect(end.entities).toBeGreaterThan(300);
      expect(end.drawn).toBeGreaterThan(0);
      // The server has the avatar where the page walked it (within what one more second of walking moves it).
      const serverX = server.room.store.get(end.avatar!, 'position.x') as number;
      expect(Math.abs(serverX - end.own!.position.x)).toBeLessThan(8);
      // G: the engine's spatial index over the room's own store (the module's kernels): every entity.
      expect(end.spatial!.visible).toBe(false);
      await page.keyboard.press('KeyG');
      await page.waitForFunction(() => ((window as unknown as { chronos: { status(): RoomStatus } }).chronos.status().spatial?.cells ?? 0) > 0, undefined, { timeout: 5_000 });
      const grid = await status();
      expect(Math.abs(grid.spatial!.entities - grid.entities)).toBeLessThanOrEqual(5);
      expect(grid.spatial!.cells).toBeGreaterThan(1);
      await page.screenshot({ path: join(ROOT, 'test-artifacts', 'arena-shooter-room-grid.png') });
    });
    // ?watch: a spectator runs the room too (its hashes match) and pans its view with the keys.
    await withDeclaredPage(`${url}/?watch`, 'arena-shooter-room-watch', async (page) => {
      const status = () => page.evaluate(() => (window as unknown as { chronos: { status(): RoomStatus } }).chronos.status());
      await page.waitForFunction(() => ((window as unknown as { chronos?: { status(): RoomStatus } }).chronos?.status().hashChecks.matched ?? 0) >= 1, undefined, { timeout: 20_000 });
      const start = await status();
      expect(start.player).toBe(-1);
      expect(start.avatar).toBeNull();
      await page.keyboard.down('KeyD');
      await page.waitForFunction((x0) => (window as unknown as { chronos: { status(): RoomStatus } }).chronos.status().centre.x > x0 + 10, start.centre.x, { timeout: 5_000 });
      await page.keyboard.up('KeyD');
      expect((await status()).hashChecks.mismatched).toBe(0);
    });
  }, 90_000);
});
