// Players that send nothing: a DeclaredServer disconnects one that sent no input for its
// idleSeconds (reason Idle; its avatar leaves the game, counted), while one whose client keeps
// its input alive (resent every 100 ms) and a spectator (which sends no input) stay; a room
// (DeclaredRoomServer) makes a silent player a spectator and frees its seat, its link kept.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeclaredRoomServer, DeclaredServer } from '../../src/index.js';
import { GameClient } from '../../src/client/game-client.js';
import { PLAY_CHANNELS, PLAY_RELIABLE_CHANNEL } from '../../src/client/play-channels.js';
import { encodePlayMessage } from '../../src/codec/play-messages.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { DisconnectReason } from '../../src/net/spec.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import type { NetCrypto } from '../../src/net/crypto.js';
import { joinTag, tagModule, type Tag } from '../helpers/tag-game.js';
import { takeIdle, type DeclaredSession } from '../../src/server/declared-session.js';
import { waiter } from '../helpers/until.js';
import { createRoom } from '../../examples/arena-shooter/room.js';
import type { Declaration } from '../../examples/arena-shooter/game.js';

const until = waiter(10_000, 20);

describe('a DeclaredServer with idleSeconds', () => {
  let server: DeclaredServer<Tag>;
  let module: ReturnType<typeof tagModule>;
  let crypto: NetCrypto;
  beforeAll(async () => {
    crypto = await loadServerCrypto();
    module = tagModule();
    // A camera's view (spectators): everything within 100 m of it.
    const x = module.store.column('position.x'), y = module.store.column('position.y');
    const visibleAt = (_viewer: number, xM: number, yM: number, out: Uint32Array): number => {
      let n = 0;
      for (let slot = 0; slot < module.store.highWater && n < out.length; slot++) {
        if (module.store.typeColumn[slot] !== 0 && Math.hypot(x[slot]! / 65536 - xM, y[slot]! / 65536 - yM) <= 100) out[n++] = slot;
      }
      return n;
    };
    server = await DeclaredServer.start({ module: { ...module, visibleAt }, host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {}, idleSeconds: 0.5 });
  });
  afterAll(() => server?.stop());

  it('disconnects a player that sends no input (reason Idle), its avatar gone; keeps one that plays and a spectator', async () => {
    const ended: DisconnectReason[] = [];
    const silent = await joinTag(server.httpPort, crypto, 'udp', { disconnect: (r) => ended.push(r) });
    const joinedAt = Date.now();
    const playing = await joinTag(server.httpPort, crypto, 'udp');
    const watching = await joinTag(server.httpPort, crypto, 'websocket');
    try {
      playing.setInput({ moveX: 0.5, moveY: 0 });
      watching.watch(10, 10);
      await until('the watcher to watch', () => server.spectators === 1);
      const silentAvatar = silent.avatarId;
      expect(module.store.isAlive(silentAvatar)).toBe(true);
      await until('the silent player to be disconnected', () => ended.length > 0);
      // 0.5 s at 60 Hz: 30 ticks without an input (a little more: the join's tick counts as its last).
      expect(Date.now() - joinedAt).toBeGreaterThanOrEqual(400);
      expect(ended).toEqual([DisconnectReason.Idle]);
      await until('its session to be gone', () => server.health().players === 1);
      expect(module.store.isAlive(silentAvatar)).toBe(false);
      // Two seconds later, four times the limit: the player whose input is resent, and the spectator, are still there.
      await new Promise((r) => setTimeout(r, 2000));
      expect(playing.net.state).toBe('connected');
      expect(module.store.isAlive(playing.avatarId)).toBe(true);
      expect(watching.net.state).toBe('connected');
      expect(server.health()).toMatchObject({ players: 1, spectators: 1 });
      const metrics = await fetch(`http://127.0.0.1:${server.httpPort}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/chronos_declared_idle_players_total 1\b/);
      expect(metrics).toMatch(/chronos_net_disconnects_total\{reason="Idle"\} 1\b/);
    } finally {
      silent.close();
      playing.close();
      watching.close();
    }
  }, 30_000);
});

describe('a DeclaredRoomServer with idleSeconds', () => {
  let server: DeclaredRoomServer<Declaration>;
  beforeAll(async () => {
    const room = await createRoom({ seed: 2, npcs: 50, npcSpreadM: 40, seats: 2 });
    server = await DeclaredRoomServer.start({ room, host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {}, idleSeconds: 1 });
  });
  afterAll(() => server?.stop());

  it('makes a seated player that sends no input a spectator, its seat freed, its link kept', async () => {
    const raw = await GameClient.create({ tokenUrl: `http://127.0.0.1:${server.httpPort}/connect`, channels: PLAY_CHANNELS, transport: 'udp', udp: connectUdp });
    try {
      await raw.connect();
      raw.send(PLAY_RELIABLE_CHANNEL, encodePlayMessage('play'));
      raw.flush();
      await until('the player to be seated', () => server.host.players === 1);
      const seatedAt = Date.now();
      await until('the idle player to be unseated', () => server.host.players === 0, 5000);
      expect(Date.now() - seatedAt).toBeGreaterThanOrEqual(900);
      expect(server.host.spectators).toBe(1);
      expect(server.host.counters.idleUnseated).toBe(1);
      expect(raw.net.state).toBe('connected');
    } finally {
      raw.close();
    }
  }, 30_000);
});

describe('takeIdle', () => {
  const session = (state: string, lastInputTick: number, camera: { xM: number; yM: number } | null = null) =>
    ({ link: { state }, lastInputTick, camera }) as unknown as DeclaredSession<Tag>;

  it('names a connected player silent past the limit once, and never a spectator or a lost link, whose clock restarts', () => {
    const silent = session('connected', 0);
    const fresh = session('connected', 950);
    const watcher = session('connected', 0, { xM: 0, yM: 0 });
    const parked = session('suspended', 0);
    expect(takeIdle([silent, fresh, watcher, parked], 1000, 600)).toEqual([silent]);
    // Not named again while its disconnect is on its way.
    expect(takeIdle([silent], 1001, 600)).toEqual([]);
    // The parked link's clock restarted at 1000: back and silent, it is idle only 600 ticks later.
    (parked as { link: { state: string } }).link.state = 'connected';
    expect(takeIdle([parked], 1500, 600)).toEqual([]);
    expect(takeIdle([parked], 1601, 600)).toEqual([parked]);
  });
});
