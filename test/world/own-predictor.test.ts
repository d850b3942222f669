// A world-mode client predicts its own avatar with the same step the server runs: fed the same
// inputs from the same state, the predicted state equals the server's bit for bit, whatever the
// delay before the server's OWN comes back; when the server's state differs (a push, a hit), the
// client rewinds to it, replays what the server has not applied yet, and fades the correction by
// its size. The avatar's projectiles fly where the server's fly.

import { beforeAll, describe, expect, it } from 'vitest';
import { WorldGame, worldGameParams } from '../../src/world/world-game.js';
import { InputAuthority } from '../../src/world/input-authority.js';
import { OwnPredictor } from '../../src/world/own-predictor.js';
import { AvatarColumns } from '../../src/world/own-state.js';
import { resolveConfig } from '../../src/core/config.js';
import { emptyOwnState, encodeWorldInput, type OwnState, type WireInput, type WorldJoin } from '../../src/codec/world-messages.js';
import { FLAG_ALIVE, FLAG_PROJECTILE, OWNER_TAG_SHIFT } from '../../src/core/world-layout.js';
import { toQ16 } from '../../src/core/fixed.js';
import type { Arena } from '../../src/wasm/arena.js';
import { freshArena, mulberry32 } from '../helpers/wasm.js';

let arena: Arena;
beforeAll(async () => {
  arena = await freshArena();
});

interface Rig {
  game: WorldGame;
  authority: InputAuthority;
  slot: number;
  predictor: OwnPredictor;
  columns: AvatarColumns;
  /** Runs one server tick with whatever inputs have arrived; returns the OWN after it. */
  tick(): OwnState;
  dispose(): void;
}

function rig(name: string, npcs = 0): Rig {
  const config = resolveConfig({ npcs, worldSizeM: 400, seed: 5, spareEntities: 64 });
  const params = worldGameParams(config, 4);
  const game = WorldGame.create(arena, params, undefined, `${name}-server`);
  const authority = new InputAuthority({ maxPlayers: 4 });
  const slot = game.spawnAvatar(0);
  authority.openPlayer(0, 0, game.tick);
  const join: WorldJoin = {
    mode: 'play', sameAvatar: false, avatarId: game.entityIdOf(slot), serverTick: game.tick, lastAppliedSeq: 0, seed: 5, tickHz: 60,
    bounds: { ...params.world.bounds }, rules: { ...params.rules }, lagCompensation: { ...params.lagCompensation },
  };
  const predictor = new OwnPredictor(arena, join, name);
  const columns = new AvatarColumns(game.world);
  return {
    game, authority, slot, predictor, columns,
    tick() {
      const view = new DataView(arena.memoryBuffer, game.commands.ptr, game.commands.byteLength);
      const n = authority.take(0, view, 0, slot, game.tick);
      game.step(n);
      const own = columns.refresh().read(slot, emptyOwnState());
      own.serverTick = game.tick;
      own.lastAppliedSeq = authority.lastAppliedOf(0);
      own.avatarId = join.avatarId;
      return own;
    },
    dispose() {
      predictor.dispose();
      game.dispose();
    },
  };
}

function randomInput(rand: () => number): WireInput {
  const buttons = rand() < 0.1 ? 1 : 0;
  return { moveX: Math.round((rand() * 2 - 1) * 127), moveY: Math.round((rand() * 2 - 1) * 127), buttons, aim: Math.floor(rand() * 65536), viewTick: 0, viewFraction: 0 };
}

/** Plays `ticks` ticks: the client predicts an input each tick, the server gets it `delay` ticks later and its OWN comes back `delay` ticks after that. */
function play(r: Rig, ticks: number, delay: number, rand: () => number, onTick?: (t: number) => void): void {
  const toServer: Uint8Array[][] = [];
  const toClient: OwnState[][] = [];
  const first = r.tick(); // the state before any input, as the first OWN
  r.predictor.reconcile(first, 0);
  for (let t = 0; t < ticks; t++) {
    const input = randomInput(rand);
    const seq = r.predictor.predict(input, t * 16.7);
    (toServer[t + delay] ??= []).push(encodeWorldInput(seq, 1, () => input));
    for (const m of toServer[t] ?? []) r.authority.receive(0, m, r.game.tick);
    onTick?.(t);
    (toClient[t + delay] ??= []).push(r.tick());
    for (const own of toClient[t] ?? []) r.predictor.reconcile(own, t * 16.7);
  }
  // No new inputs: what is in flight arrives, and the server applies and reports all of it.
  for (let t = ticks; t < ticks + 2 * delay + 4; t++) {
    for (const m of toServer[t] ?? []) r.authority.receive(0, m, r.game.tick);
    (toClient[t + delay] ??= []).push(r.tick());
    for (const own of toClient[t] ?? []) r.predictor.reconcile(own, t * 16.7);
  }
}

/** After play(): the client's predicted state is the server's, field for field. */
function expectSettled(r: Rig): void {
  expect(r.predictor.ackedSeq).toBe(r.predictor.newestSeq);
  expect(r.predictor.predictedState(emptyOwnState())).toEqual(r.columns.refresh().read(r.slot, emptyOwnState()));
}

describe('OwnPredictor', () => {
  it('predicts the avatar bit for bit: no misprediction over 2,000 random inputs at any delay', () => {
    for (const delay of [0, 3, 12]) {
      const r = rig(`exact-${delay}`);
      play(r, 2000, delay, mulberry32(delay + 1));
      const s = r.predictor.stats;
      expect(s.checked).toBeGreaterThan(1900);
      expect(s.mispredicted).toBe(0);
      // Replays only while the server had applied nothing yet (its OWN names input 0).
      expect(s.replays).toBeLessThanOrEqual(2 * delay + 2);
      expectSettled(r);
      r.dispose();
    }
  });

  it('rewinds to the server state after a push, replays the inputs after it, and fades the correction', () => {
    const r = rig('push');
    const rand = mulberry32(7);
    let pushedAt = -1;
    play(r, 600, 6, rand, (t) => {
      if (t === 300) {
        // Something the client could not know: the server moves the avatar 1.5 m east.
        const c = r.columns.refresh();
        c.posX[r.slot] = c.posX[r.slot]! + toQ16(1.5);
        pushedAt = t;
      }
    });
    expect(pushedAt).toBe(300);
    const s = r.predictor.stats;
    expect(s.mispredicted).toBe(1);
    expect(s.corrections.smooth).toBeGreaterThanOrEqual(1);
    expect(s.lastCorrectionM).toBeGreaterThan(1.3);
    // After the correction the prediction is exact again.
    expectSettled(r);
    r.dispose();
  });

  it('agrees with the server after the client catches up: state of the newest input, compared directly', () => {
    const r = rig('settle');
    const rand = mulberry32(3);
    play(r, 200, 4, rand);
    expectSettled(r);
    expect(r.predictor.stats.mispredicted).toBe(0);
    r.dispose();
  });

  it("flies its own projectiles where the server's fly, tagged with its server slot", () => {
    const r = rig('shots');
    const toServer: Uint8Array[] = [];
    r.predictor.reconcile(r.tick(), 0);
    const fire: WireInput = { moveX: 0, moveY: 0, buttons: 1, aim: 8192, viewTick: 0, viewFraction: 0 };
    const still: WireInput = { ...fire, buttons: 0 };
    for (let t = 0; t < 30; t++) {
      const input = t === 0 ? fire : still;
      const seq = r.predictor.predict(input, t);
      toServer.push(encodeWorldInput(seq, 1, () => input));
      r.authority.receive(0, toServer[t]!, r.game.tick);
      r.predictor.reconcile(r.tick(), t);
    }
    const server = r.game.world;
    const sf = server.column('flags');
    const serverShots: [number, number][] = [];
    for (let s = 0; s < server.highWater; s++) {
      if ((sf[s]! & (FLAG_ALIVE | FLAG_PROJECTILE)) === (FLAG_ALIVE | FLAG_PROJECTILE)) {
        expect(sf[s]! >>> OWNER_TAG_SHIFT).toBe(r.slot);
        serverShots.push([server.column('posX')[s]!, server.column('posY')[s]!]);
      }
    }
    const mine = r.predictor.projectileWorld;
    const mf = mine.column('flags');
    const predictedShots: [number, number][] = [];
    for (let s = 0; s < mine.highWater; s++) {
      if ((mf[s]! & FLAG_ALIVE) !== 0) predictedShots.push([mine.column('posX')[s]!, mine.column('posY')[s]!]);
    }
    expect(serverShots).toHaveLength(1);
    expect(predictedShots).toEqual(serverShots);
    r.dispose();
  });

  it('ignores an OWN older than one already reconciled, or naming an input never made', () => {
    const r = rig('stale');
    play(r, 50, 2, mulberry32(9));
    const before = r.predictor.stats.ignored;
    const own = r.tick();
    r.predictor.reconcile({ ...own, lastAppliedSeq: r.predictor.newestSeq + 5 }, 0);
    r.predictor.reconcile({ ...own, lastAppliedSeq: 1 }, 0);
    expect(r.predictor.stats.ignored).toBe(before + 2);
    r.dispose();
  });
});
