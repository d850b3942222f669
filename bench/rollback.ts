// Suite `rollback`: the deterministic simulation and its rollback machinery, WASM against the
// same game written as JavaScript objects with structuredClone snapshots (`js-objects`) and,
// for the snapshot and rollback cases, the same objects saved and restored by copying fields
// into a preallocated ring of the same shape (`js-pool`). The ratio is against the faster.
// Cases (1k/100k/10k = NPCs, plus 8 players firing; the world is sized for one body per 16 m²):
//   snapshot-1k, snapshot-100k   save the state into the ring and restore it (one copy each way)
//   rollback-10f-1k              restore a frame, then re-simulate 10 frames saving each
//   rollback-60f-1k              the same over 60 frames
//   step-1k, step-10k, step-100k one frame, collisions included (ns_per_entity in metrics)

import type { Arena } from '../src/wasm/arena.js';
import { DEFAULT_NPC_OPTIONS } from '../src/core/world.js';
import { ReferenceGame, DEFAULT_SIM_RULES, referenceArena } from '../test/fixtures/reference-game/reference-game.js';
import { SnapshotRing } from '../src/rollback/snapshot-ring.js';
import { INPUT_BYTES } from '../test/fixtures/reference-game/input.js';
import { consume, measure, type CaseResult, type Suite, type SuiteContext } from './harness.js';
import { createState, gridFor, JsStatePool, step as jsStep, type JsGrid, type JsRules, type JsState } from './peers/rollback-js-objects.js';

const SUITE = 'rollback';
const PLAYERS = 8;
const TICK_HZ = 60;
/** Projectile headroom beyond the NPCs and players. */
const SPARE_SLOTS = 512;
const WARMUP_FRAMES = 120;
/** A recorded input stream, cycled: players run, turn, fire and shoot. */
const INPUT_FRAMES = 240;

function halfSideM(npcs: number): number {
  return Math.sqrt(npcs * 16) / 2;
}

function recordedInputs(): Uint8Array {
  let seed = 0x5eed;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  const out = new Uint8Array(INPUT_FRAMES * PLAYERS * INPUT_BYTES);
  const v = new DataView(out.buffer);
  for (let f = 0; f < INPUT_FRAMES; f++) {
    for (let p = 0; p < PLAYERS; p++) {
      const o = (f * PLAYERS + p) * INPUT_BYTES;
      const turn = Math.floor(f / 30) + p;
      v.setInt8(o, Math.round(Math.cos(turn) * 127));
      v.setInt8(o + 1, Math.round(Math.sin(turn) * 127));
      v.setUint8(o + 2, 128 | (rand() < 0.5 ? 1 : 0) | (rand() < 0.1 ? 2 : 0));
      v.setUint16(o + 4, Math.floor(rand() * 65536), true);
      v.setUint32(o + 8, rand() < 0.5 ? Math.floor(rand() * 1000) : 0xffffffff, true);
    }
  }
  return out;
}

function jsRules(npcs: number): JsRules {
  const half = halfSideM(npcs);
  const r = DEFAULT_SIM_RULES;
  return {
    minX: -half, minY: -half, maxX: half, maxY: half,
    npcSpeed: DEFAULT_NPC_OPTIONS.topSpeedMps / TICK_HZ,
    wanderMin: DEFAULT_NPC_OPTIONS.wanderMinS * TICK_HZ,
    wanderMax: DEFAULT_NPC_OPTIONS.wanderMaxS * TICK_HZ,
    idlePercent: DEFAULT_NPC_OPTIONS.idlePercent,
    playerSpeed: r.playerSpeedMps / TICK_HZ,
    projectileSpeed: r.projectileSpeedMps / TICK_HZ,
    projectileTicks: Math.round(r.projectileLifetimeS * TICK_HZ),
    cooldownTicks: Math.round(r.weaponCooldownS * TICK_HZ),
    respawnTicks: Math.round(r.respawnS * TICK_HZ),
    playerHp: r.playerHp,
    npcHp: r.npcHp,
    projectileDamage: r.projectileDamage,
    hitscanDamage: r.hitscanDamage,
    playerRadius: r.playerRadiusM,
    cellSize: r.cellSizeM,
    spawnExtent: r.spawnExtentM,
  };
}

interface Pair {
  game: ReferenceGame;
  inputs: { ptr: number; bytes(): Uint8Array };
  js: JsState;
  grid: JsGrid;
  jsInputs: DataView;
  frame: number;
}

function build(arena: Arena, npcs: number, recorded: Uint8Array): Pair {
  const half = halfSideM(npcs);
  const game = ReferenceGame.create(arena, {
    world: {
      name: `bench-${npcs}`,
      capacity: npcs + PLAYERS + SPARE_SLOTS,
      seed: 1,
      tickHz: TICK_HZ,
      bounds: { minX: -half, minY: -half, minZ: 0, maxX: half, maxY: half, maxZ: 10 },
      npc: DEFAULT_NPC_OPTIONS,
    },
    npcs,
    players: PLAYERS,
    lagCompensation: false,
  });
  const inputs = arena.allocate(`bench-inputs-${npcs}`, PLAYERS * INPUT_BYTES);
  const js = createState(npcs + PLAYERS + SPARE_SLOTS, 1, npcs, jsRules(npcs));
  const jsBytes = new Uint8Array(PLAYERS * INPUT_BYTES);
  const pair: Pair = { game, inputs, js, grid: gridFor(js), jsInputs: new DataView(jsBytes.buffer), frame: 0 };
  for (let f = 0; f < WARMUP_FRAMES; f++) {
    stageInputs(pair, recorded, f, jsBytes);
    game.advance(inputs.ptr, PLAYERS);
    jsStep(js, pair.grid, pair.jsInputs, PLAYERS);
  }
  pair.frame = WARMUP_FRAMES;
  return pair;
}

function stageInputs(pair: Pair, recorded: Uint8Array, frame: number, jsBytes?: Uint8Array): void {
  const at = (frame % INPUT_FRAMES) * PLAYERS * INPUT_BYTES;
  const frameInputs = recorded.subarray(at, at + PLAYERS * INPUT_BYTES);
  pair.inputs.bytes().set(frameInputs);
  (jsBytes ?? new Uint8Array(pair.jsInputs.buffer)).set(frameInputs);
}

async function snapshotCase(ctx: SuiteContext, arena: Arena, name: string, pair: Pair): Promise<CaseResult[]> {
  const ring = new SnapshotRing(arena, pair.game.kernels, pair.game.stateBytes, { frames: 128, name: `${name}-ring` });
  const frame = pair.game.frame();
  const metrics = { entities: pair.game.world.aliveCount, region_bytes: pair.game.stateBytes };
  const rows = [
    await measure(ctx, SUITE, name, 'chronos', () => {
      ring.save(frame, pair.game.statePtr);
      ring.load(frame, pair.game.statePtr);
    }, { metrics }),
    await measure(ctx, SUITE, name, 'js-objects', () => {
      const saved = structuredClone(pair.js);
      pair.js = structuredClone(saved);
    }, { metrics: { entities: pair.game.world.aliveCount } }),
  ];
  // js-pool: the same state copied field by field into a preallocated slot and back. It works
  // on its own copy so that pair.js keeps the shape the js-objects cases gave it.
  const pool = new JsStatePool(pair.js, 1);
  const live = JsStatePool.working(pair.js);
  pool.save(0, pair.js);
  pool.load(0, live);
  rows.push(
    await measure(ctx, SUITE, name, 'js-pool', () => {
      pool.save(0, live);
      pool.load(0, live);
    }, { metrics: { entities: pair.game.world.aliveCount } }),
  );
  arena.release(ring.region);
  return rows;
}

async function rollbackCase(ctx: SuiteContext, arena: Arena, name: string, pair: Pair, frames: number, recorded: Uint8Array): Promise<CaseResult[]> {
  const game = pair.game;
  const ring = new SnapshotRing(arena, game.kernels, game.stateBytes, { frames: 128, name: `${name}-ring` });
  const start = game.frame();
  ring.save(start, game.statePtr);
  const jsRing: JsState[] = [];
  jsRing[0] = structuredClone(pair.js);
  const jsBytes = new Uint8Array(pair.jsInputs.buffer);
  const metrics = { frames, entities: game.world.aliveCount, region_bytes: game.stateBytes };
  const rows = [
    await measure(ctx, SUITE, name, 'chronos', () => {
      ring.load(start, game.statePtr);
      for (let f = 0; f < frames; f++) {
        stageInputs(pair, recorded, start + f);
        game.advance(pair.inputs.ptr, PLAYERS);
        ring.save(start + f + 1, game.statePtr);
      }
    }, { metrics }),
    await measure(ctx, SUITE, name, 'js-objects', () => {
      const state = structuredClone(jsRing[0]!);
      for (let f = 0; f < frames; f++) {
        stageInputs(pair, recorded, start + f, jsBytes);
        jsStep(state, pair.grid, pair.jsInputs, PLAYERS);
        jsRing[f + 1] = structuredClone(state);
      }
      consume(state);
    }, { metrics: { frames, entities: game.world.aliveCount } }),
  ];
  // js-pool: the ring preallocated in the state's shape, restore and saves by copying fields.
  const pool = new JsStatePool(jsRing[0]!, frames + 1);
  pool.save(0, jsRing[0]!);
  const work = JsStatePool.working(jsRing[0]!);
  rows.push(
    await measure(ctx, SUITE, name, 'js-pool', () => {
      pool.load(0, work);
      for (let f = 0; f < frames; f++) {
        stageInputs(pair, recorded, start + f, jsBytes);
        jsStep(work, pair.grid, pair.jsInputs, PLAYERS);
        pool.save(f + 1, work);
      }
      consume(work);
    }, { metrics: { frames, entities: game.world.aliveCount } }),
  );
  arena.release(ring.region);
  return rows;
}

async function stepCase(ctx: SuiteContext, name: string, pair: Pair, recorded: Uint8Array): Promise<CaseResult[]> {
  const entities = pair.game.world.aliveCount;
  const perOp = { count: entities, unit: 'entity' };
  const jsBytes = new Uint8Array(pair.jsInputs.buffer);
  let frame = pair.frame;
  let jsFrame = pair.frame;
  return [
    await measure(ctx, SUITE, name, 'chronos', () => {
      stageInputs(pair, recorded, frame++);
      pair.game.advance(pair.inputs.ptr, PLAYERS);
    }, { perOp, metrics: { entities, region_bytes: pair.game.stateBytes } }),
    await measure(ctx, SUITE, name, 'js-objects', () => {
      stageInputs(pair, recorded, jsFrame++, jsBytes);
      jsStep(pair.js, pair.grid, pair.jsInputs, PLAYERS);
    }, { perOp, metrics: { entities } }),
  ];
}

export const suite: Suite = {
  name: SUITE,
  description: 'snapshots, rollbacks and the reference game step: WASM vs JS objects (structuredClone or a preallocated pool)',
  async run(ctx) {
    const results: CaseResult[] = [];
    const arena = await referenceArena({ maximumPages: 16384 });
    const recorded = recordedInputs();
    const small = build(arena, 1_000, recorded);
    results.push(...(await snapshotCase(ctx, arena, 'snapshot-1k', small)));
    results.push(...(await rollbackCase(ctx, arena, 'rollback-10f-1k', small, 10, recorded)));
    results.push(...(await rollbackCase(ctx, arena, 'rollback-60f-1k', small, 60, recorded)));
    results.push(...(await stepCase(ctx, 'step-1k', small, recorded)));
    const medium = build(arena, 10_000, recorded);
    results.push(...(await stepCase(ctx, 'step-10k', medium, recorded)));
    const large = build(arena, 100_000, recorded);
    results.push(...(await snapshotCase(ctx, arena, 'snapshot-100k', large)));
    results.push(...(await stepCase(ctx, 'step-100k', large, recorded)));
    return results;
  },
};
