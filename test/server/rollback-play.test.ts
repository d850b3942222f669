// The play session end to end in one process: a GameServer on loopback and Node PlayClients
// over the UDP game port, each running the game with the same chronos.wasm. Oracles: the
// server's own state hashes (every 10 frames here) against each client's confirmed state, the
// two clients' confirmed states against each other, the server's authoritative positions
// (GET /players) against the inputs sent, and the seat bookkeeping against what was asked.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GameServer } from '../../src/server/game-server.js';
import { PlayClient } from '../../src/client/play-client.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { PLAY_RELIABLE_CHANNEL } from '../../src/client/play-channels.js';
import { encodeResyncMessage, RESYNC_HASH_MISMATCH } from '../../src/codec/rollback-messages.js';
import { encodePlayMessage, type PlayMode } from '../../src/codec/play-messages.js';
import type { PlayerInput } from '../../src/codec/rollback-input.js';
import { Arena } from '../../src/wasm/arena.js';
import { loadChronos } from '../../src/wasm/loader.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import type { NetCrypto } from '../../src/net/crypto.js';
import { playHostOf } from '../helpers/arena-host.js';
import { waiter } from '../helpers/until.js';

const HASH_EVERY = 10;

let arena: Arena;
let crypto: NetCrypto;

beforeAll(async () => {
  arena = new Arena(await loadChronos());
  crypto = await loadServerCrypto();
});

const until = waiter(10_000, 10);

function startServer(maxPlayers: number, seed: number): Promise<GameServer> {
  return GameServer.start({ mode: 'arena', host: '127.0.0.1', httpPort: 0, udpPort: 0, npcs: 150, seed, hashEveryTicks: HASH_EVERY, maxPlayers, processMetrics: false, log: () => undefined });
}

async function joinUdp(server: GameServer, mode: PlayMode, name: string): Promise<PlayClient> {
  const client = await PlayClient.create({ tokenUrl: `http://127.0.0.1:${server.httpPort}/connect`, transport: 'udp', udp: connectUdp, crypto, mode, arena, name });
  await client.connect();
  await until(`${name} to run`, () => client.running);
  return client;
}

interface PlayerRow {
  player: number;
  x: number;
  y: number;
}

async function playersOf(server: GameServer): Promise<PlayerRow[]> {
  return (await (await fetch(`http://127.0.0.1:${server.httpPort}/players`)).json()) as PlayerRow[];
}

describe('two Node players over UDP', () => {
  let server: GameServer;
  let east: PlayClient;
  let north: PlayClient;

  beforeAll(async () => {
    server = await startServer(4, 21);
    [east, north] = await Promise.all([joinUdp(server, 'play', 'east'), joinUdp(server, 'play', 'north')]);
  });

  afterAll(async () => {
    east?.close();
    north?.close();
    await server?.stop();
  });

  it('seats each with its own player number', () => {
    expect([east.player, north.player].sort()).toEqual([0, 1]);
    expect(playHostOf(server).players).toBe(2);
  });

  it('moves both avatars on the server by the inputs each client predicted', async () => {
    const before = await playersOf(server);
    const at = (rows: PlayerRow[], p: number) => rows.find((r) => r.player === p)!;
    east.setInput({ moveX: 1, moveY: 0, aimRad: 0 });
    north.setInput({ moveX: 0, moveY: 1, aimRad: Math.PI / 2, fire: true });
    // Held until the server has both 2 m on their way (about 1/3 s at 6 m/s), not for a fixed
    // second: a client runs at most 8 frames per update to catch up, so a stalled test process
    // simulates fewer frames with the input than the second holds (one clean CI run here saw
    // 1.5 m in its second).
    await until('both avatars to move 2 m on the server', async () => {
      const rows = await playersOf(server);
      return at(rows, east.player).x - at(before, east.player).x > 2 && at(rows, north.player).y - at(before, north.player).y > 2;
    });
    east.setInput({ moveX: 0, moveY: 0, aimRad: 0 });
    north.setInput({ moveX: 0, moveY: 0, aimRad: 0 });
    await new Promise((r) => setTimeout(r, 200));
    const after = await playersOf(server);
    // East went east only, north went north.
    expect(at(after, east.player).x - at(before, east.player).x).toBeGreaterThan(2);
    expect(Math.abs(at(after, east.player).y - at(before, east.player).y)).toBeLessThan(0.01);
    expect(at(after, north.player).y - at(before, north.player).y).toBeGreaterThan(2);
  });

  it("holds confirmed states equal to the server's hashes and to each other's, with no desync", async () => {
    await until('ten hash checks on both', () => east.stats().hashChecks.matched >= 10 && north.stats().hashChecks.matched >= 10);
    for (const c of [east, north]) {
      const s = c.stats();
      expect(s.hashChecks.mismatched).toBe(0);
      expect(s.desyncFrame).toBe(-1);
      expect(s.statesInstalled).toBe(1);
      // A remote input that arrives after this client simulated its frame with a guess is a
      // misprediction, and a rollback corrects it (several found at once share one). Whether
      // any happens is timing: on a loaded machine a client can fall behind and receive each
      // of the other's few input changes before it simulates their frames (1 run in 5 here).
      if (s.mispredictions > 0) expect(s.rollbacks).toBeGreaterThan(0);
    }
    // A confirmed frame both hold: the same bytes.
    const frame = Math.min(east.newestConfirmedHashFrame(), north.newestConfirmedHashFrame());
    expect(frame).toBeGreaterThan(0);
    expect(east.hashOfFrame(frame)).toBeDefined();
    expect(east.hashOfFrame(frame)).toBe(north.hashOfFrame(frame));
  });

  it('sends a full state again when a client asks, and the client stays in sync', async () => {
    const frame = east.rollback!.confirmedFrame;
    east.net.send(PLAY_RELIABLE_CHANNEL, encodeResyncMessage(east.player, RESYNC_HASH_MISMATCH, frame, 0n));
    east.net.flush();
    await until('the second state', () => east.stats().statesInstalled === 2);
    const checked = east.stats().hashChecks.matched;
    await until('more hash checks', () => east.stats().hashChecks.matched >= checked + 3);
    expect(east.stats().hashChecks.mismatched).toBe(0);
    expect(playHostOf(server).session.resyncRequests[RESYNC_HASH_MISMATCH]).toBe(1);
  });
});

describe('a full session', () => {
  let server: GameServer;

  beforeAll(async () => {
    server = await startServer(1, 22);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('lets a latecomer watch in sync, then seats it when the player leaves', async () => {
    const first = await joinUdp(server, 'play', 'first');
    const late = await joinUdp(server, 'play', 'late');
    expect(first.player).toBe(0);
    expect(late.player).toBe(-1);
    expect(late.join!.spectatorReason).toBe('full');
    expect(playHostOf(server).waiting).toBe(1);
    await until('the spectator to check hashes', () => late.stats().hashChecks.matched >= 3);
    expect(late.stats().hashChecks.mismatched).toBe(0);
    first.close();
    await until('the latecomer to be seated', () => late.player === 0 && late.running);
    expect(late.joins).toBe(2);
    expect(playHostOf(server).waiting).toBe(0);
    late.setInput({ moveX: -1, moveY: 0, aimRad: Math.PI });
    const before = (await playersOf(server))[0]!.x;
    await new Promise((r) => setTimeout(r, 600));
    expect((await playersOf(server))[0]!.x).toBeLessThan(before - 1);
    const checked = late.stats().hashChecks.matched;
    await until('hash checks as a player', () => late.stats().hashChecks.matched >= checked + 3);
    expect(late.stats().hashChecks.mismatched).toBe(0);
    late.close();
    await until('every seat and connection freed', () => playHostOf(server).players === 0 && playHostOf(server).connections === 0);
  });

  it('answers a flood of RESYNC and PLAY requests with one state at a time, counting the rest', async () => {
    const client = await joinUdp(server, 'watch', 'flooder');
    const states = playHostOf(server).counters.statesSent;
    const limited = playHostOf(server).counters.drops.rate_limited;
    for (let i = 0; i < 50; i++) {
      client.net.send(PLAY_RELIABLE_CHANNEL, encodeResyncMessage(0, RESYNC_HASH_MISMATCH, client.rollback!.confirmedFrame, 0n));
      client.net.send(PLAY_RELIABLE_CHANNEL, encodePlayMessage(i % 2 === 0 ? 'play' : 'watch'));
    }
    client.net.flush();
    await until('the requests to arrive', () => playHostOf(server).counters.spectatorResyncs[RESYNC_HASH_MISMATCH]! >= 25);
    await new Promise((r) => setTimeout(r, 300)); // about 18 ticks
    // Every switch to playing within a second of the seating is refused (the 25 asking to watch
    // again are repeats: no change); the RESYNCs share one state.
    expect(playHostOf(server).counters.drops.rate_limited - limited).toBe(25);
    expect(client.player).toBe(-1);
    expect(playHostOf(server).counters.statesSent - states).toBeLessThanOrEqual(2);
    await until('the client to install the state it asked for', () => client.stats().statesInstalled >= 2);
    expect(client.stats().hashChecks.mismatched).toBe(0);
    client.close();
    await until('the flooder to be gone', () => playHostOf(server).connections === 0);
  });

  it('keeps a spectator that asked to watch out of the queue', async () => {
    const watcher = await joinUdp(server, 'watch', 'watcher');
    expect(watcher.join!.spectatorReason).toBe('asked');
    expect(playHostOf(server).waiting).toBe(0);
    expect(playHostOf(server).spectators).toBe(1);
    const input: PlayerInput = { moveX: 1, moveY: 0, aimRad: 0 };
    watcher.setInput(input); // kept, never sent: a spectator has no avatar
    await until('hash checks', () => watcher.stats().hashChecks.matched >= 2);
    expect(playHostOf(server).counters.drops.not_a_player).toBe(0);
    watcher.close();
  });
});
