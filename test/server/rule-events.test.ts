// The events a game's own AssemblyScript emits (emitEvent, assembly/game/events.ts), served:
// wasmGameModule hands them to DeclaredServer after each step, and they reach the players
// over the wire as DeclaredServer.emit's do. The probe game (test/fixtures/wasm-game) calls
// out to everyone at each jump, naming the avatar; its ghost calls out every 10th frame within
// 30 m, which this module (no positions declared) cannot place: counted on /metrics as
// malformed, and the server goes on ticking. In a room (arena mode) the server's copy sends
// them once each, to its seats and spectators; the clients' copies, which roll back and play
// frames again, discard their own.

import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, fixtureCopy } from '../helpers/wasm-fixture.js';
import { waiter } from '../helpers/until.js';
import type { Game } from '../../src/core/game.js';
import { WasmGameRules } from '../../src/rollback/wasm-game.js';
import { wasmGameModule } from '../../src/server/declared-wasm.js';
import { DeclaredServer } from '../../src/server/declared-server.js';
import { DeclaredClient } from '../../src/client/declared-client.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import { DeclaredRoomGame } from '../../src/rollback/declared-room.js';
import { DeclaredRoomServer } from '../../src/server/declared-room-server.js';
import { DeclaredRoomClient } from '../../src/client/declared-room-client.js';
import type { RoomJoin } from '../../src/codec/room-messages.js';
import { encodeEvent } from '../../src/codec/broadcast-event.js';
import { ROOM_EVENT_CHANNEL, PLAY_RELIABLE_CHANNEL } from '../../src/client/play-channels.js';

const dir = fixtureCopy('chronos-rule-events-');
let GAME: Game;
let bytes: Uint8Array<ArrayBuffer>;
const until = waiter(15_000, 20);

beforeAll(async () => {
  ({ bytes, game: GAME } = await buildFixture(dir));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('events emitted by the rules, served', () => {
  it('reach the player over UDP, whole and in order; one the server cannot place is counted, not thrown', async () => {
    const rules = await WasmGameRules.load(GAME, { bytes, capacity: 256 });
    rules.setup(1);
    const module = wasmGameModule(rules, {
      viewCapacity: 64,
      visible: (store, _avatar, out) => {
        let n = 0;
        for (let s = 0; s < store.highWater; s++) if (store.typeColumn[s] !== 0) out[n++] = s;
        return n;
      },
    });
    const server = await DeclaredServer.start({ module, host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {} });
    const heard: { kind: number; tick: number; avatar: number; rangeM: number }[] = [];
    const client = await DeclaredClient.create({
      game: GAME,
      tokenUrl: `http://127.0.0.1:${server.httpPort}/connect`,
      crypto: await loadServerCrypto(),
      transport: 'udp',
      udp: connectUdp,
      handlers: {
        event: (e) => heard.push({ kind: e.kind, tick: e.tick, avatar: e.payload.byteLength === 4 ? new DataView(e.payload.buffer, e.payload.byteOffset, 4).getUint32(0, true) : -1, rangeM: e.rangeM }),
      },
    });
    try {
      await client.connect();
      await until('a first snapshot', () => client.stats.snapshots > 0);
      client.setInput({ dx: 0, jump: true, act: 'none' } as never);
      await until('30 jumps heard', () => heard.length >= 30);
      // Each a jump of this player's avatar, for everyone, one a tick, in order.
      expect(heard.every((e) => e.kind === 3 && e.avatar === client.avatarId && e.rangeM === Infinity)).toBe(true);
      for (let i = 1; i < heard.length; i++) expect(heard[i]!.tick).toBe(heard[i - 1]!.tick + 1);
      // The ghost's ranged call-outs could not be placed (no positions): counted, and the ticks went on.
      const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
      const malformed = Number(/chronos_declared_rule_events_lost_total\{reason="malformed"\} (\d+)/.exec(metrics)?.[1]);
      expect(malformed).toBeGreaterThanOrEqual(2);
      expect(metrics).toMatch(/chronos_declared_rule_events_lost_total\{reason="full"\} 0/);
      expect(metrics).toMatch(/chronos_declared_events_total\{result="sent"\} [1-9]/);
    } finally {
      client.close();
      await server.stop();
    }
  }, 30_000);

  it('in a room, reach its seats and spectators once each from the server\'s copy; the clients\' copies keep none', async () => {
    const rules = await WasmGameRules.load(GAME, { bytes, capacity: 256, seats: 4 });
    rules.setup(1);
    const server = await DeclaredRoomServer.start({ room: DeclaredRoomGame.over(rules), host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {} });
    const clientRoom = async (join: RoomJoin) => DeclaredRoomGame.over(await WasmGameRules.load(GAME, { bytes, capacity: join.capacity, seats: join.players }));
    const options = { game: GAME, room: clientRoom, tokenUrl: `http://127.0.0.1:${server.httpPort}/connect`, crypto: await loadServerCrypto(), transport: 'udp' as const, udp: connectUdp };
    const heard: { tick: number; avatar: number }[] = [];
    const player = await DeclaredRoomClient.create({
      ...options,
      mode: 'play',
      handlers: { event: (e) => heard.push({ tick: e.tick, avatar: e.payload.byteLength === 4 ? new DataView(e.payload.buffer, e.payload.byteOffset, 4).getUint32(0, true) : -1 }) },
    });
    const watcher = await DeclaredRoomClient.create({ ...options, mode: 'watch' });
    try {
      await player.connect();
      await watcher.connect();
      await until('the player to run', () => player.running && player.avatar !== undefined);
      player.setInput({ dx: 0, jump: true, act: 'none' } as never);
      await until('30 jumps heard', () => heard.length >= 30);
      // Each the player's own avatar's jump, one a frame, none twice (the player's copy rolls
      // back: were its events sent, a frame played again would repeat them).
      expect(heard.every((e) => e.avatar === player.avatar)).toBe(true);
      for (let i = 1; i < heard.length; i++) expect(heard[i]!.tick).toBe(heard[i - 1]!.tick + 1);
      // The watcher runs the whole room: it hears them too.
      await until('the watcher to hear them', () => watcher.eventsHeard >= 10);
      expect(watcher.recentEvents.every((e) => e.kind === 3 || e.kind === 7)).toBe(true);
      // A client's copy never holds an event: each frame's are discarded as it is played.
      let kept = 0;
      player.room!.rules.takeEvents(() => kept++);
      expect(kept).toBe(0);
      expect(player.stats().drops).toMatchObject({ decode: 0, wrong_channel: 0 });
      // What a forged or damaged EVENT does to a room client: a counted drop, nothing heard.
      const heardBefore = player.eventsHeard;
      const drops = { ...player.drops };
      const valid = encodeEvent({ kind: 3, tick: 1, x: 0, y: 0, z: 0, rangeM: Infinity, payload: new Uint8Array(4) });
      player.receive(ROOM_EVENT_CHANNEL, valid.subarray(0, 10)); // cut short
      player.receive(ROOM_EVENT_CHANNEL, Uint8Array.from([...valid, 0xff])); // a byte too many
      const nan = valid.slice();
      new DataView(nan.buffer).setFloat32(20, Number.NaN, true); // a range that is not a number
      player.receive(ROOM_EVENT_CHANNEL, nan);
      player.receive(PLAY_RELIABLE_CHANNEL, valid); // on the wrong channel
      expect(player.eventsHeard).toBe(heardBefore);
      expect(player.drops.decode).toBe(drops.decode + 3);
      expect(player.drops.wrong_channel).toBe(drops.wrong_channel + 1);
      const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
      expect(metrics).toMatch(/chronos_declared_events_total\{result="sent"\} [1-9]/);
      // The ghost's ranged call-outs: this room was given no positions, so they are counted as malformed.
      expect(Number(/chronos_declared_rule_events_lost_total\{reason="malformed"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
      expect(metrics).toMatch(/chronos_declared_rule_events_lost_total\{reason="full"\} 0/);
    } finally {
      player.close();
      watcher.close();
      await server.stop();
    }
  }, 30_000);
});
