// The arena shooter as a rollback room (arena mode), against the rollback tests' reference game at
// the same size: what a client pays to run the whole room and to roll it back, and what the server pays a
// frame. 2,000 NPCs (the example's default) and 8 seated players walking, turning and firing.
//   room-step-2k          one frame (the declared room: seats, controls, the game's step)
//   room-rollback-10f-2k  restore a frame from the snapshot ring, then re-simulate 10 saving each
// chronos-declared: the example's module (examples/arena-shooter/room.ts); reference-game: the
// rollback tests' reference game (test/fixtures/reference-game: once the engine's own shooter, the
// built-in demo's arena mode; its rules compiled into a module of its own since) with the same
// NPCs and players over the same area. Whole frames of the rules only: no network, no codec.

import { DEFAULT_NPC_OPTIONS } from '../src/core/world.js';
import { ReferenceGame, referenceArena } from '../test/fixtures/reference-game/reference-game.js';
import { SnapshotRing } from '../src/rollback/snapshot-ring.js';
import { regionKernels } from '../src/rollback/region-kernels.js';
import type { RollbackGame } from '../src/rollback/game.js';
import { writeInput, INPUT_BYTES } from '../test/fixtures/reference-game/input.js';
import { measure, type CaseResult, type SuiteContext } from './harness.js';
import { createRoom } from '../examples/arena-shooter/room.js';
import { IDLE, NPC_SPREAD_M } from '../examples/arena-shooter/game.js';

const SUITE = 'game';
const NPCS = 2000;
const PLAYERS = 8;
const INPUT_FRAMES = 240;
const WARMUP_FRAMES = 120;

interface Runner {
  readonly game: RollbackGame;
  /** Stages frame f's inputs (a recorded stream, cycled) and returns their address. */
  stage(frame: number): number;
}

/** Player p at frame f: walking a circle of its own, turning, firing every 20th frame. */
function move(p: number, f: number): { moveX: number; moveY: number; aimRad: number; fire: boolean } {
  return { moveX: Math.round(Math.cos(f / 40 + p) * 127) / 127, moveY: Math.round(Math.sin(f / 55 + 2 * p) * 127) / 127, aimRad: (f / 30 + p) % (2 * Math.PI), fire: (f + p) % 20 === 0 };
}

async function declaredRunner(): Promise<Runner> {
  const room = await createRoom({ seed: 1, npcs: NPCS, npcSpreadM: NPC_SPREAD_M, seats: PLAYERS });
  const inputs = room.arena.allocate('bench-room-inputs', PLAYERS * room.inputBytes);
  const recorded = new Uint8Array(INPUT_FRAMES * PLAYERS * room.inputBytes);
  for (let f = 0; f < INPUT_FRAMES; f++) {
    for (let p = 0; p < PLAYERS; p++) {
      const m = move(p, f);
      room.record({ ...IDLE, moveX: m.moveX, moveY: m.moveY, aim: m.aimRad, fire: m.fire }, recorded.subarray((f * PLAYERS + p) * room.inputBytes, (f * PLAYERS + p + 1) * room.inputBytes));
    }
  }
  return stagedRunner(room, inputs, recorded);
}

async function referenceRunner(): Promise<Runner> {
  const arena = await referenceArena({ maximumPages: 16384 });
  const half = NPC_SPREAD_M;
  const game = ReferenceGame.create(arena, {
    world: { name: 'bench-room-reference', capacity: 1 + NPCS + 9 * PLAYERS, seed: 1, tickHz: 60, bounds: { minX: -half, minY: -half, minZ: 0, maxX: half, maxY: half, maxZ: 10 }, npc: DEFAULT_NPC_OPTIONS },
    npcs: NPCS,
    players: PLAYERS,
    lagCompensation: false,
  });
  const inputs = arena.allocate('bench-room-reference-inputs', PLAYERS * INPUT_BYTES);
  const recorded = new Uint8Array(INPUT_FRAMES * PLAYERS * INPUT_BYTES);
  for (let f = 0; f < INPUT_FRAMES; f++) for (let p = 0; p < PLAYERS; p++) writeInput(recorded, (f * PLAYERS + p) * INPUT_BYTES, move(p, f));
  return stagedRunner(game, inputs, recorded);
}

function stagedRunner(game: RollbackGame, inputs: { ptr: number; bytes(): Uint8Array }, recorded: Uint8Array): Runner {
  const frameBytes = PLAYERS * game.inputBytes;
  const runner: Runner = {
    game,
    stage(frame) {
      const at = (frame % INPUT_FRAMES) * frameBytes;
      inputs.bytes().set(recorded.subarray(at, at + frameBytes));
      return inputs.ptr;
    },
  };
  for (let f = 0; f < WARMUP_FRAMES; f++) game.advance(runner.stage(game.frame()), PLAYERS);
  return runner;
}

async function roomCases(ctx: SuiteContext, impl: string, runner: Runner): Promise<CaseResult[]> {
  const game = runner.game;
  const metrics = { npcs: NPCS, players: PLAYERS, state_bytes: game.stateBytes };
  const step = await measure(ctx, SUITE, 'room-step-2k', impl, () => game.advance(runner.stage(game.frame()), PLAYERS), { metrics });
  const ring = new SnapshotRing(game.arena, regionKernels(game.arena.wasm), game.stateBytes, { frames: 16, name: `bench-room-ring-${impl}` });
  const start = game.frame();
  ring.save(start, game.statePtr);
  const rollback = await measure(ctx, SUITE, 'room-rollback-10f-2k', impl, () => {
    ring.load(start, game.statePtr);
    game.onFrame?.(start);
    for (let f = 0; f < 10; f++) {
      game.advance(runner.stage(start + f), PLAYERS);
      ring.save(start + f + 1, game.statePtr);
    }
  }, { metrics: { ...metrics, frames: 10 } });
  return [step, rollback];
}

export async function roomBench(ctx: SuiteContext): Promise<CaseResult[]> {
  return [...(await roomCases(ctx, 'chronos-declared', await declaredRunner())), ...(await roomCases(ctx, 'reference-game', await referenceRunner()))];
}
