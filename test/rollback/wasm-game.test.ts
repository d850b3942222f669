// A game's own AssemblyScript compiled with the engine's kernels into one module (chronos
// build: src/server/game-build.ts, game-assembly.ts) and driven from TypeScript
// (src/rollback/wasm-game.ts). The fixture (test/fixtures/wasm-game) declares every field type,
// owner- and server-only fields, a wrapped angle, enums and 58 types.
//   - the module's allocator and defaults are the TypeScript store's, byte for byte;
//   - generated accessors read and write the stored forms the TypeScript API reads;
//   - inputs reach the rules as their stored forms, from API values and from wire codes;
//   - the engine's SyncTestSession finds no mismatch in the rules, and catches a global leak;
//   - the events the rules emit are handed over once, in order, whole; a flood is cut at the
//     buffer's capacity and counted; the rollback tools and a predicting client discard them;
//   - a bogus avatar or a full store changes nothing; a module that is not a game is refused;
//   - names AssemblyScript cannot take and code that does not compile are typed errors;
//   - a client predicts its avatar with the same module (DeclaredPredictor) over a delayed,
//     lossy link: no correction while the server agrees, one when the server moves it.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as esbuild from 'esbuild';
import { buildFixture, fixtureCopy } from '../helpers/wasm-fixture.js';
import { buildGameModule } from '../../src/server/game-build.js';
import { generateGameAssembly } from '../../src/server/game-assembly.js';
import { defineGame, type Game } from '../../src/core/game.js';
import { GameStore } from '../../src/core/game-store.js';
import { CapacityError, InvalidArgumentError, WasmLoadError } from '../../src/core/errors.js';
import { GameInputCodec } from '../../src/codec/game-input.js';
import { WasmGameRules, type GameEvent } from '../../src/rollback/wasm-game.js';
import { DeclaredRollbackGame } from '../../src/rollback/declared-rollback.js';
import { SyncTestSession } from '../../src/rollback/sync-test.js';
import { traceDeclaredGame } from '../../src/rollback/declared-trace.js';
import { Arena } from '../../src/wasm/arena.js';
import { GameReplicator } from '../../src/codec/game-snapshot.js';
import { GameReplica } from '../../src/codec/game-replica.js';
import { DeclaredPredictor } from '../../src/client/declared-predictor.js';
import { wasmGameModule } from '../../src/server/declared-wasm.js';
import { loadChronos } from '../../src/wasm/loader.js';

const dir = fixtureCopy('chronos-wasm-game-');
let GAME: Game;
let bytes: Uint8Array<ArrayBuffer>;

beforeAll(async () => {
  ({ bytes, game: GAME } = await buildFixture(dir));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const load = (capacity = 256) => WasmGameRules.load(GAME, { bytes, capacity });
const equalBytes = (a: Uint8Array, b: Uint8Array) => expect(Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(0);

describe('a game module built by chronos build', () => {
  it('allocates and defaults exactly as the TypeScript store does', async () => {
    const rules = await load();
    rules.setup(1);
    const ts = new GameStore(GAME, { capacity: 256 });
    const crates = Array.from({ length: 10 }, (_, i) => ts.spawn('crate', { body: { x: i } }));
    for (const i of [2, 5, 7]) ts.despawn(crates[i]!);
    for (let i = 0; i < 4; i++) ts.spawn('ghost');
    const hero = ts.spawn('hero', {}, 9);
    ts.spawn('kind54');
    equalBytes(rules.store.region, ts.region);
    expect(rules.store.get(hero, 'stats.hp')).toBe(100);
    expect(rules.store.get(hero, 'stats.alive')).toBe(true);
    expect(rules.store.get(hero, 'stats.mood')).toBe('angry');
    expect(rules.store.owner(hero)).toBe(9);
    expect(rules.store.alive).toBe(13);
  });

  it('hands the rules each input in its stored form, from API values and from wire codes', async () => {
    const rules = await load();
    rules.setup(2);
    const me = rules.join(4);
    rules.control(me, { dx: 0.5, jump: false, act: 'drop' });
    expect(rules.store.get(me, 'body.x')).toBe(0.5);
    expect(rules.store.get(me, 'stats.alive')).toBe(false);
    expect(rules.store.get(me, 'stats.mood')).toBe('fleeing'); // index 2 of its own values
    const codec = new GameInputCodec(GAME);
    const codes = new Int32Array(3);
    expect(codec.check(codec.encode({ dx: -0.25, jump: true, act: 'use' }), 0, codes)).toBeNull();
    rules.controlCodes(me, codes);
    // -0.25 travels as code -32 of 1/127: the rules get round(-32 / 127 * 65536) in Q16.16.
    expect(rules.store.column('body.x')[me & 0xfffff]).toBe(32768 + Math.round((-32 / 127) * 65536));
    expect(rules.store.get(me, 'stats.alive')).toBe(true);
    expect(rules.store.get(me, 'stats.mood')).toBe('angry');
    expect(rules.store.get(me, 'stats.coins')).toBe(2);
    expect(() => rules.control(me, { dx: 2, jump: false, act: 'none' })).toThrow(/dx/);
    expect(rules.store.get(me, 'stats.coins')).toBe(2);
  });

  it('steps: wrapped angles, server-only timers, allocator churn with new generations', async () => {
    const rules = await load();
    rules.setup(1);
    const crateIds = () => [...Array(rules.store.highWater).keys()].filter((s) => rules.store.typeColumn[s] === 2).map((s) => rules.store.idAt(s));
    const before = crateIds();
    for (let f = 0; f < 50; f++) rules.step();
    expect(rules.store.frame).toBe(50);
    const ghost = [...Array(rules.store.highWater).keys()].find((s) => rules.store.typeColumn[s] === 3)!;
    expect(rules.store.column('brain.timer')[ghost]).toBe(50);
    expect(rules.store.get(rules.store.idAt(ghost), 'brain.fall_back')).toBe('2x');
    // 50 steps of 1/8 rad, stored as the rules left them (the wire wraps codes, not the store).
    expect(rules.store.column('body.angle')[ghost]).toBe(50 * 8192);
    const after = crateIds();
    expect(after).not.toEqual(before);
    expect(after.length).toBe(before.length);
    expect(after.some((id) => id >>> 20 === 1)).toBe(true); // a reused slot, generation 1
  });

  it('hands over the events the rules emitted, in order, once, and counts those its buffer could not keep', async () => {
    const rules = await load();
    rules.setup(1);
    const me = rules.join(4);
    rules.control(me, { dx: 0.5, jump: true, act: 'none' });
    rules.step(); // frame 0: the ghost calls out too
    const taken: GameEvent[] = [];
    expect(rules.takeEvents((e) => taken.push(e))).toBe(2);
    const le = (...words: number[]) => new Uint8Array(Uint32Array.from(words).buffer);
    expect(taken).toEqual([
      { kind: 3, x: rules.store.get(me, 'body.x'), y: 0, z: 0, rangeM: Infinity, payload: le(me) },
      { kind: 7, x: 0, y: -2, z: 0.5, rangeM: 30, payload: le(0, 0xabcdef01).subarray(0, 6) },
    ]);
    expect(rules.takeEvents(() => expect.unreachable())).toBe(0);
    for (let f = 1; f < 10; f++) rules.step();
    expect(rules.takeEvents(() => undefined)).toBe(0);
    rules.step(); // frame 10
    rules.discardEvents();
    expect(rules.takeEvents(() => expect.unreachable())).toBe(0);
    expect(rules.eventsLost).toEqual({ dropped: 0, refused: 0 });

    // A flood: 1 + 600 events in a frame, where the buffer holds 512, and two malformed ones.
    const flooded = await load();
    flooded.setup(777);
    flooded.step();
    const kinds: number[] = [];
    expect(flooded.takeEvents((e) => kinds.push(e.kind))).toBe(512);
    expect(kinds[0]).toBe(7);
    expect(kinds.slice(1).every((k) => k === 9)).toBe(true);
    expect(flooded.eventsLost).toEqual({ dropped: 89, refused: 2 });
    // Events are not state: the flooded world is the quiet one, byte for byte.
    const quiet = await load();
    quiet.setup(1);
    quiet.step();
    expect(flooded.hash()).toBe(quiet.hash());
  });

  it('passes the engine\'s SyncTestSession, and the sync-test catches state kept beside the store', async () => {
    const codec = new GameInputCodec(GAME);
    const run = async (seed: number) => {
      const rules = await load();
      const game = DeclaredRollbackGame.fromWasm(rules, { players: 2, seed });
      const sync = new SyncTestSession(game);
      const frame = new Uint8Array(2 * game.inputBytes);
      for (let f = 0; f < 160; f++) {
        for (let p = 0; p < 2; p++) codec.encode({ dx: ((f * 7 + p * 13) % 255 - 127) / 127, jump: f % 3 === p, act: (['none', 'use', 'drop'] as const)[(f + p) % 3]! }, frame, p * game.inputBytes);
        sync.advanceFrame(frame);
      }
      // Every frame played (and played again) emitted events (jumps, the ghost): the tool discarded them.
      expect(rules.takeEvents(() => undefined)).toBe(0);
      expect(rules.eventsLost).toEqual({ dropped: 0, refused: 0 });
      return sync;
    };
    const clean = await run(1);
    expect(clean.mismatches).toBe(0);
    expect(clean.framesResimulated).toBeGreaterThan(300);
    const leaky = await run(666);
    expect(leaky.mismatches).toBeGreaterThan(0);
  });

  it('traces the same hashes on a second run (what the page runs for the Node = Chromium check)', async () => {
    const codec = new GameInputCodec(GAME);
    const inputs = new Uint8Array(200 * 2 * codec.bytes);
    for (let i = 0; i < 400; i++) codec.encode({ dx: ((i * 37) % 255 - 127) / 127, jump: i % 5 === 0, act: 'use' }, inputs, i * codec.bytes);
    const run = { players: 2, seed: 5, frames: 200, inputs, checkpointEvery: 50 };
    const spare = await load();
    const rulesOf = () => spare;
    const a = traceDeclaredGame(await load(), run);
    const b = traceDeclaredGame(await load(), { ...run, syncTest: true });
    expect(a.checkpoints).toHaveLength(4);
    expect(b.checkpoints).toEqual(a.checkpoints);
    expect(b.mismatches).toBe(0);
    const changed = inputs.slice();
    changed[changed.length - 1]! ^= 1;
    const other = traceDeclaredGame(await load(), { ...run, inputs: changed });
    expect(other.checkpoints.slice(0, 3)).toEqual(a.checkpoints.slice(0, 3));
    expect(other.hash).not.toBe(a.hash);
    expect(() => traceDeclaredGame(rulesOf(), { ...run, frames: 201 })).toThrow(InvalidArgumentError);
  });

  it('a development build (-O0) computes what the release build does, and a release build replaces it', async () => {
    const devDir = fixtureCopy('chronos-wasm-game-dev-');
    try {
      const dev = await buildGameModule(esbuild, devDir, { dev: true, ifStale: true });
      expect(dev.mode).toBe('dev');
      expect(dev.game).toBe(GAME.name);
      const devBytes = new Uint8Array(readFileSync(dev.wasm));
      expect(Buffer.compare(Buffer.from(devBytes), Buffer.from(bytes))).not.toBe(0); // not the optimised module
      const codec = new GameInputCodec(GAME);
      const inputs = new Uint8Array(300 * 3 * codec.bytes);
      for (let i = 0; i < 900; i++) codec.encode({ dx: ((i * 53) % 255 - 127) / 127, jump: i % 7 === 0, act: (['none', 'use', 'drop'] as const)[i % 3]! }, inputs, i * codec.bytes);
      const run = { players: 3, seed: 9, frames: 300, inputs, checkpointEvery: 60 };
      const release = traceDeclaredGame(await load(), run);
      const unoptimised = traceDeclaredGame(await WasmGameRules.load(GAME, { bytes: devBytes, capacity: 256 }), { ...run, syncTest: true });
      expect(unoptimised.checkpoints).toEqual(release.checkpoints);
      expect(unoptimised.hash).toBe(release.hash);
      expect(unoptimised.mismatches).toBe(0);
      // Up to date in its own mode; a release build compiles over a dev module.
      expect((await buildGameModule(esbuild, devDir, { dev: true, ifStale: true })).game).toBeUndefined();
      const rebuilt = await buildGameModule(esbuild, devDir, { ifStale: true });
      expect(rebuilt.mode).toBe('release');
      expect(rebuilt.game).toBe(GAME.name);
      expect((await buildGameModule(esbuild, devDir, { ifStale: true })).game).toBeUndefined();
    } finally {
      rmSync(devDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a bogus avatar changes nothing, and a full store refuses a join with CapacityError', async () => {
    const rules = await load(16);
    rules.setup(1); // 13 live in 14 slots ever used
    const before = rules.store.save();
    rules.control(0xffffffff, { dx: 1, jump: true, act: 'use' });
    rules.control(15, { dx: 1, jump: true, act: 'use' }); // an empty slot inside the store: the rules' business, but in bounds
    rules.leave(1, 0xfffff);
    rules.leave(1, 12345678);
    const after = rules.store.save();
    const changed = [...after.keys()].filter((i) => after[i] !== before[i]);
    // Only slot 15's own field bytes may change (an in-bounds write); nothing else in the region.
    const store = rules.store;
    const inSlot15 = (i: number) => store.columns.some((c) => i >= c.byteOffset - store.region.byteOffset + 60 && i < c.byteOffset - store.region.byteOffset + 64);
    expect(changed.every(inSlot15)).toBe(true);
    for (let p = 0; p < 3; p++) rules.join(p + 1); // 13 + 3 = 16: full
    expect(() => rules.join(9)).toThrow(CapacityError);
    expect(rules.store.alive).toBe(16);
  });

  it('lays out a store larger than the memory it starts with (the memory grows; the store sees the grown one)', async () => {
    const rules = await load(300_000);
    expect(rules.store.region.byteLength).toBeGreaterThan(4 << 20); // past the 64 pages the loader starts with
    rules.setup(1);
    const me = rules.join(1);
    rules.control(me, { dx: 1, jump: true, act: 'use' });
    rules.step();
    expect(rules.store.isAlive(me)).toBe(true);
    expect(rules.store.get(me, 'body.x')).not.toBe(0);
  });

  it('refuses a module that is not a game\'s', async () => {
    const arena = new Arena(await loadChronos());
    expect(() => WasmGameRules.create(arena, GAME, { capacity: 16 })).toThrow(WasmLoadError);
  });
});

describe('prediction of the avatar with the game\'s module (DeclaredPredictor)', () => {
  type Input = { dx: number; jump: boolean; act: 'none' | 'use' | 'drop' };
  const inputAt = (t: number): Input => ({ dx: (((t * 13) % 21) - 10) / 127, jump: t % 4 === 0, act: (['none', 'use', 'drop'] as const)[t % 3]! });

  /** The server as DeclaredServer runs it (one input a tick, held when none came), a link of `delay` ticks each way. */
  async function play(options: { ticks: number; delay: number; lossEvery?: number; teleportAt?: number; teleportTo?: number }) {
    const rules = await load();
    rules.setup(1);
    const module = wasmGameModule(rules, { viewCapacity: 64, visible: (store, _a, out) => {
      let n = 0;
      for (let s = 0; s < store.highWater; s++) if (store.typeColumn[s] !== 0) out[n++] = s;
      return n;
    } });
    const avatar = module.join(1);
    const replicator = new GameReplicator(rules.store, { viewCapacity: 64, owner: 1 });
    const replica = new GameReplica(GAME, { viewCapacity: 64 });
    const clientRules = await load();
    const predictor = new DeclaredPredictor(clientRules);
    const served: number[] = [];
    const toServer: { at: number; seq: number; input: Input }[] = [];
    const toClient: { at: number; bytes: Uint8Array }[] = [];
    const queue: { seq: number; input: Input }[] = [];
    const slots = new Uint32Array(64);
    const serverAfter = new Map<number, [number, number]>();
    const predictedAfter = new Map<number, [number, number]>();
    let shownAfterCorrection: { raw: number; shown: number; at: number } | undefined;
    for (let t = 0; t < options.ticks; t++) {
      const input = inputAt(t);
      predictor.predict(t, input as never);
      if (predictor.avatarId >= 0) predictedAfter.set(t, [predictor.value('body.x' as never, 1e12) as number, predictor.value('stats.coins' as never) as number]);
      toServer.push({ at: t + options.delay, seq: t, input });
      while (toServer.length > 0 && toServer[0]!.at <= t) queue.push(toServer.shift()!);
      const next = queue.shift();
      if (next) {
        module.input(avatar, next.input as never);
        replicator.inputSeq = next.seq;
      }
      module.step(t);
      module.announce?.((e) => (served.push(e.kind), { sent: 1, dropped: 0, bytes: 0 }), t);
      if (t === options.teleportAt) rules.store.set(avatar, 'body.x' as never, options.teleportTo ?? 40);
      if (next) serverAfter.set(next.seq, [rules.store.get(avatar, 'body.x' as never) as number, rules.store.get(avatar, 'stats.coins' as never) as number]);
      const bytes = replicator.encode(t, slots, module.visible(avatar, slots)).slice();
      if (!options.lossEvery || t % options.lossEvery !== 3) toClient.push({ at: t + options.delay, bytes });
      while (toClient.length > 0 && toClient[0]!.at <= t) {
        const decoded = replica.decode(toClient.shift()!.bytes);
        replicator.ack(decoded.seq);
        const corrections = predictor.stats.corrections;
        predictor.reconcile(replica, avatar, decoded.inputSeq, t * 1000 / 60);
        if (predictor.stats.corrections > corrections && !shownAfterCorrection) {
          shownAfterCorrection = { raw: predictor.value('body.x' as never, 1e12) as number, shown: predictor.value('body.x' as never, t * 1000 / 60) as number, at: t };
        }
      }
    }
    // What the client's copy of the rules announced while predicting (a jump calls out): discarded, never piled up.
    const clientPending = clientRules.takeEvents(() => undefined);
    return { predictor, serverAfter, predictedAfter, shownAfterCorrection, served, clientPending, clientLost: clientRules.eventsLost };
  }

  it('predicts every input exactly as the server then applies it: no correction over a delayed, lossy link', async () => {
    const { predictor, serverAfter, predictedAfter, served, clientPending, clientLost } = await play({ ticks: 400, delay: 6, lossEvery: 7 });
    expect(predictor.stats.corrections).toBe(0);
    // The server announced the rules' events (a jump every 4th input, the ghost every 10th frame); the client's prediction none.
    expect(served.filter((k) => k === 3).length).toBeGreaterThan(90);
    expect(served.filter((k) => k === 7)).toHaveLength(40);
    expect(clientPending).toBe(0);
    expect(clientLost).toEqual({ dropped: 0, refused: 0 });
    expect(predictor.stats.resets).toBe(0);
    let compared = 0;
    for (const [seq, server] of serverAfter) {
      const predicted = predictedAfter.get(seq);
      if (!predicted) continue; // before the avatar arrived: replayed, not recorded here
      expect(predicted, `input ${seq}`).toEqual(server);
      compared++;
    }
    expect(compared).toBeGreaterThan(350);
  });

  it('corrects once when the server moves the avatar, replays the inputs after, and fades the jump', async () => {
    const { predictor, serverAfter, predictedAfter, shownAfterCorrection } = await play({ ticks: 300, delay: 5, teleportAt: 100 });
    expect(predictor.stats.corrections).toBeGreaterThanOrEqual(1);
    expect(predictor.stats.corrections).toBeLessThanOrEqual(3);
    expect(predictor.stats.replayed).toBeGreaterThan(5);
    expect(predictor.stats.lastError).toBeGreaterThan(1);
    // Once the correction has arrived, the prediction of every later input is the server's again.
    for (let seq = 130; seq < 280; seq++) expect(predictedAfter.get(seq), `input ${seq}`).toEqual(serverAfter.get(seq));
    // On screen the jump shrinks from where the avatar was instead of happening at once.
    expect(Math.abs(shownAfterCorrection!.shown - shownAfterCorrection!.raw)).toBeGreaterThan(1);
  });

  it('takes a state the wire rounded (a place between its 1/64 m steps) without counting each rounding as a misprediction', async () => {
    // After the teleport the client holds the server's x rounded to the wire's 1/64 m, the server
    // the exact one: their codes differ by one now and then, a difference no message can show.
    const { predictor, serverAfter, predictedAfter } = await play({ ticks: 400, delay: 5, teleportAt: 100, teleportTo: 40.3 });
    expect(predictor.stats.corrections).toBeGreaterThanOrEqual(1);
    expect(predictor.stats.corrections).toBeLessThanOrEqual(3);
    // ...and the prediction stays within one step of the server's.
    for (let seq = 130; seq < 380; seq++) expect(Math.abs(predictedAfter.get(seq)![0] - serverAfter.get(seq)![0]), `input ${seq}`).toBeLessThanOrEqual(1 / 64);
  });
});

describe('the generated AssemblyScript', () => {
  const game = (components: Record<string, unknown>) => defineGame({ name: 'g', components: components as never, types: { a: Object.keys(components) as never } });

  it('refuses names it cannot generate, with a typed error', () => {
    expect(() => generateGameAssembly(game({ store: { fields: { x: { type: 'i32' } } } }), '.')).toThrow(InvalidArgumentError);
    expect(() => generateGameAssembly(game({ Type: { fields: { x: { type: 'i32' } } } }), '.')).toThrow(/reserved/);
    expect(() => generateGameAssembly(game({ body: { fields: { load: { type: 'i32' } } } }), '.')).toThrow(/reserved/);
    expect(() => generateGameAssembly(game({ body: { fields: { x: { type: 'i32' }, setX: { type: 'i32' } } } }), '.')).toThrow(/two generated names/);
    // A unit is free text: it cannot close the comment it is written into.
    const unit = generateGameAssembly(game({ body: { fields: { x: { type: 'i32', unit: 'm */ export function evil(): void {} /*' } } } }), '.');
    expect(unit).not.toMatch(/\*\/ export function evil/);
        // A field named like a store helper is fine inside its component's namespace.
    expect(generateGameAssembly(game({ anim: { fields: { frame: { type: 'u32' } } } }), '.')).toMatch(/export function frame\(slot: u32\): u32/);
  });

  it('reports code that does not compile with the compiler\'s own message', async () => {
    const broken = fixtureCopy('chronos-wasm-broken-');
    try {
      writeFileSync(join(broken, 'assembly/index.ts'), 'export function setup(seed: u32): void { undefinedThing(seed); }\n');
      await expect(buildGameModule(esbuild, broken)).rejects.toThrow(/did not compile[\s\S]*undefinedThing/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  }, 60_000);
});
