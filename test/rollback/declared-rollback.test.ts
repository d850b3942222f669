// A declared game under the rollback layer's own determinism tool: SyncTestSession rolls every
// frame back and re-simulates it; a game whose state is its store passes, one that keeps state
// outside it is caught at once, and two runs of the same inputs end in the same hash.

import { describe, expect, it } from 'vitest';
import { defineGame } from '../../src/core/game.js';
import type { GameStore } from '../../src/core/game-store.js';
import { mulberry32 } from '../../src/core/mulberry32.js';
import { DeclaredRollbackGame, type DeclaredRules } from '../../src/rollback/declared-rollback.js';
import { SyncTestSession } from '../../src/rollback/sync-test.js';
import { Arena } from '../../src/wasm/arena.js';
import { loadChronos } from '../../src/wasm/loader.js';

const DASH = defineGame({
  name: 'dash',
  components: {
    position: { fields: { x: { type: 'q16', min: -100, max: 100, precision: 1 / 256 }, y: { type: 'q16', min: -100, max: 100, precision: 1 / 256 } } },
    score: { fields: { points: { type: 'u32', min: 0, max: 1_000_000 } }, replicate: 'owner' },
  },
  types: { runner: ['position', 'score'], coin: ['position'] },
  input: { moveX: { type: 'q16', min: -1, max: 1, precision: 1 / 127 }, moveY: { type: 'q16', min: -1, max: 1, precision: 1 / 127 }, dash: { type: 'bool' } },
});
type Dash = typeof DASH.declaration;
const Q = 65536;

/** Runners move by their input (faster when dashing) and take the coins they touch, which move on. */
function rules(players: number, leak = false): DeclaredRules<Dash> {
  let outside = 0; // state kept outside the store: what a sync-test must catch
  return {
    capacity: 64,
    players,
    neutral: { moveX: 0, moveY: 0, dash: false },
    setup(store: GameStore<Dash>) {
      for (let p = 0; p < players; p++) store.spawn('runner', { position: { x: p * 3, y: 0 } }, p + 1);
      for (let i = 0; i < 20; i++) store.spawn('coin', { position: { x: (i % 5) * 8 - 16, y: Math.floor(i / 5) * 8 - 12 } });
    },
    step(store, inputs, frame) {
      const x = store.column('position.x');
      const y = store.column('position.y');
      const points = store.column('score.points');
      for (let p = 0; p < players; p++) {
        const input = inputs[p]!;
        const speed = (input.dash ? 24 : 8) + (leak ? outside++ % 3 : 0);
        x[p] = Math.max(-90 * Q, Math.min(90 * Q, x[p]! + Math.round(input.moveX * speed * 1024)));
        y[p] = Math.max(-90 * Q, Math.min(90 * Q, y[p]! + Math.round(input.moveY * speed * 1024)));
        for (let c = players; c < store.highWater; c++) {
          if (Math.abs(x[c]! - x[p]!) < Q && Math.abs(y[c]! - y[p]!) < Q) {
            points[p]!++;
            x[c] = (((frame * 7919 + c * 104729) % 160) - 80) * Q; // a new place: from the frame, never a clock
          }
        }
      }
    },
  };
}

async function arena(): Promise<Arena> {
  return new Arena(await loadChronos());
}

/** A seeded stream of both players' inputs, one frame at a time. */
function inputsFor(game: DeclaredRollbackGame<Dash>, seed: number): () => Uint8Array {
  const rnd = mulberry32(seed);
  const frame = new Uint8Array(game.players * game.inputBytes);
  let n = 0;
  return () => {
    // Each player holds a direction for 30 frames (so runners travel and reach coins), then turns.
    if (n++ % 30 === 0) {
      for (let p = 0; p < game.players; p++) {
        game.codec.encode({ moveX: Math.round((rnd() * 2 - 1) * 127) / 127, moveY: Math.round((rnd() * 2 - 1) * 127) / 127, dash: rnd() < 0.3 }, frame, p * game.inputBytes);
      }
    }
    return frame;
  };
}

describe('a declared game under SyncTestSession', () => {
  it('re-simulates every frame to the same hash when its state is its store', async () => {
    const game = DeclaredRollbackGame.create(await arena(), DASH, rules(2));
    const sync = new SyncTestSession(game, { checkDistance: 8 });
    const next = inputsFor(game, 5);
    for (let f = 0; f < 400; f++) sync.advanceFrame(next());
    expect(sync.mismatches).toBe(0);
    expect(sync.framesResimulated).toBeGreaterThan(1000);
    expect(game.frame()).toBe(400);
    // The rules did something: the runners moved and scored.
    expect(game.store.get(0, 'position.x')).not.toBe(0);
    expect((game.store.get(0, 'score.points') as number) + (game.store.get(1, 'score.points') as number)).toBeGreaterThan(0);
  });

  it('catches state kept outside the store at the first rollback', async () => {
    const game = DeclaredRollbackGame.create(await arena(), DASH, rules(2, true));
    const sync = new SyncTestSession(game, { checkDistance: 4 });
    const next = inputsFor(game, 6);
    for (let f = 0; f < 20; f++) sync.advanceFrame(next());
    expect(sync.mismatches).toBeGreaterThan(0);
    expect(sync.firstMismatch!.frame).toBeLessThanOrEqual(2);
  });

  it('two runs of the same inputs end in the same state, byte for byte', async () => {
    const run = async () => {
      const game = DeclaredRollbackGame.create(await arena(), DASH, rules(2));
      const next = inputsFor(game, 9);
      const staging = game.arena.allocate('inputs', game.players * game.inputBytes);
      for (let f = 0; f < 300; f++) {
        staging.bytes().set(next());
        game.advance(staging.ptr, game.players);
      }
      return { hash: game.hash(), bytes: game.store.save() };
    };
    const [one, two] = [await run(), await run()];
    expect(one.hash).toBe(two.hash);
    expect(one.bytes).toEqual(two.bytes);
  });
});
