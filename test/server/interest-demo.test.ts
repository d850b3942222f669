// Interest management in the running demo server: Node players over UDP each receive their own
// snapshots, and what their views hold agrees with the server's world and the pipeline's view
// sets; /metrics counts it; a disconnect frees the view; hostile interest messages either way
// are counted drops.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GameServer } from '../../src/server/game-server.js';
import { PlayClient } from '../../src/client/play-client.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { INTEREST_RELIABLE_CHANNEL, INTEREST_SNAPSHOT_CHANNEL } from '../../src/client/play-channels.js';
import { decodeInterestSetup, encodeInterestAck, encodeInterestViewer, MAX_ACKS_PER_MESSAGE, MSG_INTEREST_SETUP } from '../../src/codec/interest-setup.js';
import { decodeCodecParams, MSG_CODEC_PARAMS, MSG_EVENT, MSG_SNAPSHOT } from '../../src/codec/snapshot-spec.js';
import { decodeEvent } from '../../src/codec/broadcast-event.js';
import { DecodeError } from '../../src/core/errors.js';
import { EVENT_PLAYER_DOWN } from '../../src/server/interest-host.js';
import { Arena } from '../../src/wasm/arena.js';
import { loadChronos } from '../../src/wasm/loader.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import type { NetCrypto } from '../../src/net/crypto.js';
import { mulberry32 } from '../helpers/wasm.js';
import { playHostOf } from '../helpers/arena-host.js';
import { waiter } from '../helpers/until.js';

const RADIUS_M = 120;
/** Fastest body in the demo game besides projectiles (players 6 m/s; NPCs slower), m/s. */
const TOP_SPEED_MPS = 7;
const SLOT_MASK = 0xfffff;

let arena: Arena;
let crypto: NetCrypto;
let server: GameServer;

const until = waiter(15_000, 10);

async function join(name: string): Promise<PlayClient> {
  const client = await PlayClient.create({ tokenUrl: `http://127.0.0.1:${server.httpPort}/connect`, transport: 'udp', udp: connectUdp, crypto, mode: 'play', arena, name });
  await client.connect();
  await until(`${name} to see something`, () => client.running && (client.interest.view?.count ?? 0) > 5);
  return client;
}

beforeAll(async () => {
  arena = new Arena(await loadChronos());
  crypto = await loadServerCrypto();
  server = await GameServer.start({
    mode: 'arena', host: '127.0.0.1', httpPort: 0, udpPort: 0, npcs: 600, worldSizeM: 800, seed: 9, processMetrics: false, log: () => undefined,
    interest: { radiusM: RADIUS_M },
  });
});

afterAll(async () => {
  await server?.stop();
});

describe('interest-managed snapshots in the demo', () => {
  let a: PlayClient;
  let b: PlayClient;

  beforeAll(async () => {
    a = await join('interest-a');
    b = await join('interest-b');
    await new Promise((r) => setTimeout(r, 1500));
  });

  afterAll(() => {
    a?.close();
    b?.close();
  });

  it('gives each client only what lies around its avatar, where the server has it', () => {
    const world = server.world;
    const x = world.column('posX'), y = world.column('posY'), flags = world.column('flags');
    const xyz = new Float64Array(3);
    for (const client of [a, b]) {
      const view = client.interest.view!;
      const avatar = client.game!.playerSlot(client.player);
      const [ax, ay] = world.positionOf(playHostOf(server).game.playerSlot(client.player));
      expect(avatar).toBeGreaterThanOrEqual(0);
      let checked = 0;
      for (let h = 0; h < view.handles; h++) {
        if (!view.has(h)) continue;
        const slot = view.idOf(h) & SLOT_MASK;
        view.positionInto(h, xyz);
        // Stale by the ticks since its record, at most the top speed per second of that.
        const ageS = (world.tick - view.recordTickOf(h) + 2) / 60;
        const slackM = TOP_SPEED_MPS * ageS + 0.01;
        if ((flags[slot]! & 1) === 0) continue; // died since: its leave is on its way
        expect(Math.hypot(xyz[0]! - x[slot]! / 65536, xyz[1]! - y[slot]! / 65536)).toBeLessThanOrEqual(slackM);
        // Nothing beyond the AoI's outer hysteresis edge (plus the movement since).
        expect(Math.hypot(xyz[0]! - ax, xyz[1]! - ay)).toBeLessThanOrEqual(RADIUS_M * 1.05 + slackM + TOP_SPEED_MPS * ageS);
        checked++;
      }
      expect(checked).toBeGreaterThan(5);
      // Far fewer than the whole world: 600 NPCs in 800 m x 800 m, a 120 m circle holds about 10 %.
      expect(view.count).toBeLessThan(200);
      expect(client.interest.rejected).toBe(0);
    }
  });

  it('holds the same entities the server believes it holds', () => {
    const host = server.interest!;
    for (const client of [a, b]) {
      const view = client.interest.view!;
      const conn = server.net.server.connections.find((c) => playHostOf(server).avatarSlotOf(c) === playHostOf(server).game.playerSlot(client.player))!;
      const id = (host as unknown as { clients: Map<unknown, { id: number }> }).clients.get(conn)!.id;
      const serverSide = new Set(host.pipeline.viewOf(id).filter((e) => e.state === 'visible' && e.hasBaseline).map((e) => e.id));
      const clientSide = new Set<number>();
      for (let h = 0; h < view.handles; h++) if (view.has(h)) clientSide.add(view.idOf(h));
      // What the server counts as acknowledged, the client has (enters in flight may be extra).
      let missing = 0;
      for (const e of serverSide) if (!clientSide.has(e)) missing++;
      expect(missing).toBeLessThanOrEqual(2);
      expect(serverSide.size).toBeGreaterThan(5);
    }
  });

  it('counts interest bytes and updates per zone on /metrics and /healthz', async () => {
    const text = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
    expect(Number(/^chronos_interest_bytes_total (\d+)/m.exec(text)?.[1])).toBeGreaterThan(1000);
    const zones = ['immediate', 'near', 'awareness', 'background'].map((zone) => Number(new RegExp(`^chronos_interest_updates_total\\{zone="${zone}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? -1));
    expect(zones.every((n) => n >= 0)).toBe(true);
    expect(zones.reduce((s, n) => s + n, 0)).toBeGreaterThan(50);
    expect(text).toMatch(/^chronos_interest_clients 2$/m);
    const health = (await (await fetch(`http://127.0.0.1:${server.httpPort}/healthz`)).json()) as { interest: { clients: number; radiusM: number } };
    expect(health.interest).toMatchObject({ clients: 2, radiusM: RADIUS_M });
  });

  it('delivers a reliable broadcast event to the clients in its range only', async () => {
    const host = server.interest!;
    const [ax, ay] = server.world.positionOf(playHostOf(server).game.playerSlot(a.player));
    const [bx, by] = server.world.positionOf(playHostOf(server).game.playerSlot(b.player));
    // A 5 m event at a's avatar: a hears it; b only if it happens to stand within 5 m of a.
    const bHears = Math.hypot(ax - bx, ay - by) <= 5;
    const before = [a.interest.eventsReceived, b.interest.eventsReceived];
    expect(host.pipeline.emit({ x: ax, y: ay, z: 0, rangeM: 5, kind: 42, reliable: true, payload: Uint8Array.of(7, 8) })).toBe(true);
    await until('a to hear the event', () => a.interest.eventsReceived > before[0]!);
    const got = a.interest.events.at(-1)!;
    expect(got.kind).toBe(42);
    expect([...got.payload]).toEqual([7, 8]);
    expect(got.x).toBeCloseTo(ax, 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(b.interest.eventsReceived - before[1]!).toBe(bHears ? 1 : 0);
  });

  it('announces a player going down once per going down, to the clients around it', async () => {
    const host = server.interest!;
    const slot = playHostOf(server).game.playerSlot(a.player);
    const down = () => a.interest.events.filter((e) => e.kind === EVENT_PLAYER_DOWN).length;
    const before = down();
    let isDown = true;
    const announce = () => host.announceDowns(1, () => slot, () => isDown);
    announce();
    announce(); // still down: nothing new
    await until('the announcement', () => down() > before);
    await new Promise((r) => setTimeout(r, 200));
    expect(down() - before).toBe(1);
    expect(a.interest.events.at(-1)!.payload[0]).toBe(0);
    isDown = false;
    announce();
    isDown = true;
    announce(); // down again: announced again
    await until('the second announcement', () => down() - before === 2);
  });

  it('counts garbage on the snapshot channel as a client-side drop, and keeps its view', () => {
    const view = a.interest.view!;
    const before = view.count;
    const drops = { ...a.interest.drops };
    const refusedBefore = view.rejected + view.stale;
    const acceptedBefore = view.accepted;
    const eventsBefore = a.interest.eventsReceived;
    // The oracle, from each message's type byte: a snapshot is refused by the view on the
    // snapshot channel and is on the wrong channel on the reliable one; a codec-params, setup
    // or event message that does not decode is a decode drop on either channel; anything else
    // is an unknown type on either.
    const expected = { refused: 0, wrong_channel: 0, decode: 0, unknown_type: 0 };
    const rand = mulberry32(3);
    for (let i = 0; i < 200; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 256));
      if (i % 2 === 0) bytes[0] = MSG_SNAPSHOT;
      if (bytes[0] === MSG_SNAPSHOT) {
        expected.refused++;
        expected.wrong_channel++;
      } else if (bytes[0] === MSG_CODEC_PARAMS || bytes[0] === MSG_INTEREST_SETUP || bytes[0] === MSG_EVENT) {
        const decoder = bytes[0] === MSG_CODEC_PARAMS ? decodeCodecParams : bytes[0] === MSG_INTEREST_SETUP ? decodeInterestSetup : decodeEvent;
        expect(() => decoder(bytes), `message ${i}`).toThrow(DecodeError);
        expected.decode += 2;
      } else expected.unknown_type += 2;
      expect(() => a.receive(INTEREST_SNAPSHOT_CHANNEL, bytes)).not.toThrow();
      expect(() => a.receive(INTEREST_RELIABLE_CHANNEL, bytes)).not.toThrow();
    }
    expect(expected.refused + expected.wrong_channel + expected.decode + expected.unknown_type).toBe(400);
    expect(view.rejected + view.stale - refusedBefore).toBe(expected.refused);
    expect(a.interest.drops.wrong_channel - drops.wrong_channel).toBe(expected.wrong_channel);
    expect(a.interest.drops.decode - drops.decode).toBe(expected.decode);
    expect(a.interest.drops.unknown_type - drops.unknown_type).toBe(expected.unknown_type);
    expect(a.interest.drops.before_params).toBe(drops.before_params);
    // Nothing of it was taken in: no snapshot applied, no event heard, the same view.
    expect(view.accepted).toBe(acceptedBefore);
    expect(a.interest.eventsReceived).toBe(eventsBefore);
    expect(a.interest.view).toBe(view);
    expect(view.count).toBe(before);
  });

  it('counts hostile interest messages at the server as drops, never throwing', () => {
    const host = server.interest!;
    const conn = server.net.server.connections[0]!;
    const drops = () => Object.values(host.drops).reduce((s, n) => s + n, 0);
    const before = drops();
    const was = { ...host.drops };
    host.receive(conn, INTEREST_RELIABLE_CHANNEL, encodeInterestViewer(1e6, 0)); // outside the world
    host.receive(conn, INTEREST_RELIABLE_CHANNEL, Uint8Array.of(0xc9, 1, 2)); // truncated
    host.receive(conn, INTEREST_SNAPSHOT_CHANNEL, encodeInterestViewer(1, 1)); // wrong channel
    host.receive(conn, INTEREST_RELIABLE_CHANNEL, encodeInterestViewer(1, 1)); // a player may not move its view
    const flood = encodeInterestAck(Array.from({ length: MAX_ACKS_PER_MESSAGE }, (_, i) => 0xfffff000 + i));
    for (let i = 0; i < 10; i++) host.receive(conn, INTEREST_SNAPSHOT_CHANNEL, flood);
    // One of each, and every flood beyond the per-tick budget of 32 acks: 8 of the 10 (9 or 10
    // when the client's own acks of this tick already used some of it).
    expect(host.drops.out_of_world - was.out_of_world).toBe(1);
    expect(host.drops.decode - was.decode).toBe(1);
    expect(host.drops.wrong_channel - was.wrong_channel).toBe(1);
    expect(host.drops.not_a_spectator - was.not_a_spectator).toBe(1);
    expect(host.drops.unknown_connection).toBe(was.unknown_connection);
    const floods = host.drops.ack_flood - was.ack_flood;
    expect(floods).toBeGreaterThanOrEqual(8);
    expect(floods).toBeLessThanOrEqual(10);
    expect(drops() - before).toBe(4 + floods);
  });

  it('frees a client\'s view when it leaves', async () => {
    b.close();
    await until('the server to drop the view', () => server.interest!.clientCount === 1);
    expect(server.interest!.pipeline.clientCount).toBe(1);
  });
});
