// World mode in the running server: Node players over UDP each get an avatar in one world,
// predicted bit for bit and moved by the server as their inputs say; each hears only its own
// state and its interest stream, never anything beyond its AoI plus hysteresis; a hitscan at a
// moving target seen over a 150 ms round trip is judged a hit; bad messages are counted drops;
// a player that leaves takes its avatar with it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GameServer } from '../../src/server/game-server.js';
import { WorldClient } from '../../src/client/world-client.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { WORLD_RELIABLE_CHANNEL, WORLD_STATE_CHANNEL } from '../../src/client/play-channels.js';
import { MSG_WORLD_JOIN, MSG_WORLD_OWN } from '../../src/codec/world-messages.js';
import { MSG_CODEC_PARAMS, MSG_EVENT, MSG_SNAPSHOT } from '../../src/codec/snapshot-spec.js';
import { MSG_INTEREST_SETUP } from '../../src/codec/interest-setup.js';
import { createSampledBodies } from '../../src/rollback/hitbox-history.js';
import { createViewBodies } from '../../src/codec/snapshot-view.js';
import type { WebSocketConstructor } from '../../src/net/transport-ws-client.js';
import { Arena } from '../../src/wasm/arena.js';
import { loadChronos } from '../../src/wasm/loader.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import type { NetCrypto } from '../../src/net/crypto.js';
import { startDelayProxy, type DelayProxy } from '../helpers/delay-proxy.js';
import { waiter } from '../helpers/until.js';

const RADIUS_M = 60;
/** Fastest body besides projectiles (players 6 m/s), m/s; and the world's tick rate. */
const TOP_SPEED_MPS = 7;
const TICK_HZ = 60;

let arena: Arena;
let crypto: NetCrypto;
let server: GameServer;
const clients: WorldClient[] = [];

const until = waiter(30_000, 10);

/** Waits until the server has run `ticks` more ticks (simulated time, whatever the wall clock does). */
async function ticks(n: number): Promise<void> {
  const target = server.world.tick + n;
  await until(`${n} server ticks`, () => server.world.tick >= target, 60_000);
}

async function play(name: string, options: { hub?: number; interpolate?: boolean; via?: DelayProxy } = {}): Promise<WorldClient> {
  const base = options.via ? options.via.url.replace(/\/$/, "") : `http://127.0.0.1:${server.httpPort}`;
  const client = await WorldClient.create({
    tokenUrl: `${base}/connect`, crypto, mode: 'play', arena, name, hub: options.hub ?? 0, interpolate: options.interpolate ?? false,
    ...(options.via ? { transport: 'websocket' as const, WebSocket: WebSocket as unknown as WebSocketConstructor } : { transport: 'udp' as const, udp: connectUdp }),
  });
  clients.push(client);
  await client.connect();
  await until(`${name} to run`, () => client.running);
  return client;
}

function serverPlayer(client: WorldClient) {
  return server.worldHost!.playerInfo().find((p) => p.avatarId === client.avatarId);
}

beforeAll(async () => {
  arena = new Arena(await loadChronos());
  crypto = await loadServerCrypto();
  server = await GameServer.start({
    host: '127.0.0.1', httpPort: 0, udpPort: 0, npcs: 300, worldSizeM: 600, seed: 21, maxClients: 32, processMetrics: false, log: () => undefined,
    interest: { radiusM: RADIUS_M },
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

describe('world mode', () => {
  it('gives every connection an avatar in one world and moves it as its inputs say', async () => {
    const a = await play('mover-a');
    const b = await play('mover-b');
    expect(a.avatarId).not.toBe(b.avatarId);
    expect(server.worldHost!.players).toBeGreaterThanOrEqual(2);
    const start = serverPlayer(a)!;
    a.setInput({ moveX: 1, moveY: 0, aimRad: 0 });
    await ticks(90);
    a.setInput({ moveX: 0, moveY: 0, aimRad: 0 });
    await ticks(30);
    const end = serverPlayer(a)!;
    // 6 m/s east for about 1.5 s of inputs (collisions with NPCs may push it a little).
    expect(end.x - start.x).toBeGreaterThan(5);
    expect(end.lastAppliedSeq).toBeGreaterThan(80);
    // What the client predicted is where the server has it, once the server applied everything.
    await until('the server to apply every input', () => a.predictor!.ackedSeq === a.predictor!.newestSeq || a.predictor!.newestSeq - a.predictor!.ackedSeq < 3);
    const xy = { x: 0, y: 0 };
    a.ownPosition(xy);
    expect(Math.abs(xy.x - serverPlayer(a)!.x)).toBeLessThan(1);
    const s = a.stats();
    expect(s.own!.checked).toBeGreaterThan(60);
    expect(s.correctedPct).toBeLessThan(20); // NPCs the client does not simulate can push it
  });

  it('sends a world-mode client its own state and its interest stream, and nothing else', async () => {
    const seen = new Map<number, number>();
    const c = await play('listener');
    const original = c.receive.bind(c);
    c.receive = (channel: number, bytes: Uint8Array) => {
      seen.set(bytes[0]!, (seen.get(bytes[0]!) ?? 0) + 1);
      original(channel, bytes);
    };
    await ticks(60);
    const allowed = new Set([MSG_WORLD_JOIN, MSG_WORLD_OWN, MSG_SNAPSHOT, MSG_CODEC_PARAMS, MSG_INTEREST_SETUP, MSG_EVENT]);
    for (const type of seen.keys()) expect(allowed.has(type)).toBe(true);
    expect(seen.get(MSG_WORLD_OWN)).toBeGreaterThan(30);
    expect(seen.get(MSG_SNAPSHOT)).toBeGreaterThan(10);
  });

  it('holds nothing beyond its AoI plus hysteresis, allowing for how old each record is', async () => {
    const c = await play('aoi', { hub: 1 });
    const h = server.interest!.pipeline.options.hysteresis;
    const bodies = createViewBodies(1024);
    let checked = 0;
    const offenders: string[] = [];
    const view = () => c.interest.view!;
    await until('a view', () => !!c.interest.view);
    c.interest.onApplied = (v) => {
      const own = c.own;
      if (own.serverTick !== v.tick) return; // compare with the avatar's state of the same tick
      const ox = own.x / 65536, oy = own.y / 65536;
      const n = v.collectInto(bodies);
      for (let i = 0; i < n; i++) {
        const ageTicks = v.tick - bodies.tick[i]!;
        const slack = (TOP_SPEED_MPS * ageTicks) / TICK_HZ + 0.5;
        const d = Math.hypot(bodies.x[i]! - ox, bodies.y[i]! - oy);
        checked++;
        if (d > RADIUS_M * (1 + h) + slack) offenders.push(`${bodies.ids[i]} at ${d.toFixed(1)} m, ${ageTicks} ticks old`);
      }
    };
    c.setInput({ moveX: 0.7, moveY: 0.7, aimRad: 0 });
    await ticks(240);
    c.interest.onApplied = undefined;
    expect(view().count).toBeGreaterThan(3);
    expect(checked).toBeGreaterThan(500);
    expect(offenders).toEqual([]);
  });

  it('judges a hitscan at a moving target, seen over a 150 ms round trip, a hit', async () => {
    const proxy = await startDelayProxy(`http://127.0.0.1:${server.httpPort}`, 75);
    try {
      const target = await play('target', { hub: 5 });
      const shooter = await play('shooter', { hub: 5, interpolate: true, via: proxy });
      expect(shooter.stats().net.rttMs).toBeGreaterThan(100);
      // The target walks north and south at full speed, turning 12 m either side of where it
      // started, never stopping and never leaving the shooter's view (AoI 60 m) however long a
      // loaded machine takes.
      let north = true;
      const startY = serverPlayer(target)!.y;
      const walker = setInterval(() => {
        const me = serverPlayer(target);
        if (me) north = me.y > startY + 12 ? false : me.y < startY - 12 ? true : north;
        target.setInput({ moveX: 0, moveY: north ? 1 : -1, aimRad: 0 });
      }, 50);
      const hitsBefore = server.worldHost!.game.compensator.hits + server.worldHost!.game.compensator.hitsWithinTolerance;
      const hpBefore = serverPlayer(target)!.hp;
      const drawn = createSampledBodies(512);
      const me = { x: 0, y: 0 };
      let shots = 0;
      try {
        await until('the shooter to see the target move', () => {
          shooter.sampleRemote(performance.now(), drawn);
          return Array.from(drawn.ids.subarray(0, drawn.count)).includes(target.avatarId);
        });
        // Aim where the shooter's own screen shows the target, every frame, and fire.
        await until('a hit', () => {
          const now = performance.now();
          shooter.sampleRemote(now, drawn);
          const i = Array.from(drawn.ids.subarray(0, drawn.count)).indexOf(target.avatarId);
          if (i < 0 || !shooter.ownPosition(me)) return false;
          const aimRad = Math.atan2(drawn.y[i]! - me.y, drawn.x[i]! - me.x);
          shooter.setInput({ moveX: 0, moveY: 0, aimRad, shoot: true });
          shooter.update(now);
          shots++;
          const c = server.worldHost!.game.compensator;
          return c.hits + c.hitsWithinTolerance > hitsBefore;
        }, 30_000);
      } finally {
        clearInterval(walker);
        shooter.setInput({ moveX: 0, moveY: 0, aimRad: 0 });
      }
      expect(shots).toBeGreaterThan(0);
      // The verdict is the server's and it took hit points.
      await until('the hit to land', () => (serverPlayer(target)?.hp ?? hpBefore) < hpBefore || serverPlayer(target)!.dead);
      // The target moved 6 m/s: without rewinding to what the shooter saw (about RTT + render
      // delay behind), it would have been well over a metre from where the shooter aimed.
      // Rewound at least the round trip (the view one way old, the input one way in transit);
      // the cap holds the view's age, the input's transit (half the RTT) not counted against it.
      const shot = server.worldHost!.lastShot!;
      expect(shot.rewindMs).toBeGreaterThan(150);
      expect(shot.rewindMs - Math.min(100, shooter.stats().net.rttMs / 2)).toBeLessThanOrEqual(236);
    } finally {
      await proxy.close();
    }
  }, 90_000);

  it('counts malformed, misplaced and unexpected world messages by reason and keeps the game', async () => {
    const c = await play('rude');
    const drops = () => ({ ...server.worldHost!.counters.drops });
    const inputDrops = () => ({ ...server.worldHost!.authority.counters.drops });
    const before = drops();
    const inputBefore = inputDrops();
    c.net.send(WORLD_RELIABLE_CHANNEL, Uint8Array.of(0x51, 9, 1, 0)); // HELLO of another version
    c.net.send(WORLD_STATE_CHANNEL, Uint8Array.of(0x51, 1, 1, 0)); // HELLO on the input channel
    c.net.send(WORLD_RELIABLE_CHANNEL, Uint8Array.of(0x99)); // unknown type
    c.net.send(WORLD_STATE_CHANNEL, Uint8Array.of(0x53, 0, 0)); // INPUT too short
    c.net.flush();
    await ticks(30);
    const after = drops();
    expect(after.decode - before.decode).toBe(1);
    expect(after.wrong_channel - before.wrong_channel).toBe(1);
    expect(after.unknown_type - before.unknown_type).toBe(1);
    expect(inputDrops().decode - inputBefore.decode).toBe(1);
    // Still playing.
    const seq = c.predictor!.ackedSeq;
    await ticks(30);
    expect(c.predictor!.ackedSeq).toBeGreaterThan(seq);
  });

  it('takes the avatar out of the world when its player leaves', async () => {
    const c = await play('leaver');
    const id = c.avatarId;
    const alive = server.world.aliveCount;
    c.close();
    await until('the avatar to go', () => !server.worldHost!.playerInfo().some((p) => p.avatarId === id));
    expect(server.world.aliveCount).toBeLessThan(alive);
  });
});
