// The reference game step (assembly/sim): what each rule does, checked on hand-built scenes, with
// brute force where an algorithm stands between the rule and the result (the broadphase).

import { describe, expect, it } from 'vitest';
import { ReferenceGame } from '../fixtures/reference-game/reference-game.js';
import { makeEntityId } from '../../src/core/entity-id.js';
import { FLAG_ALIVE, FLAG_DEAD, FLAG_NPC, FLAG_PLAYER, FLAG_PROJECTILE } from '../../src/core/world-layout.js';
import { BUTTON_FIRE, BUTTON_PRESENT, BUTTON_SHOOT, INPUT_BYTES, IN_AIM, IN_BUTTONS, IN_MOVE_X, IN_MOVE_Y, IN_TARGET, NO_TARGET } from '../fixtures/reference-game/input.js';
import type { Arena, Region } from '../../src/wasm/arena.js';
import { mulberry32, newArena, randomInputs, worldOptions } from './fixtures.js';

const Q = 65536;

interface Cmd {
  mx?: number;
  my?: number;
  buttons?: number;
  aim?: number;
  target?: number;
}

class Scene {
  readonly inputs: Region;
  constructor(readonly arena: Arena, readonly game: ReferenceGame) {
    this.inputs = arena.allocate(`inputs-${game.world.region.name}`, game.players * INPUT_BYTES);
  }

  step(cmds: (Cmd | undefined)[], frames = 1): void {
    const bytes = this.inputs.bytes();
    bytes.fill(0);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    cmds.forEach((c, p) => {
      if (!c) return;
      const o = p * INPUT_BYTES;
      v.setInt8(o + IN_MOVE_X, c.mx ?? 0);
      v.setInt8(o + IN_MOVE_Y, c.my ?? 0);
      v.setUint8(o + IN_BUTTONS, BUTTON_PRESENT | (c.buttons ?? 0));
      v.setUint16(o + IN_AIM, c.aim ?? 0, true);
      v.setUint32(o + IN_TARGET, c.target ?? NO_TARGET, true);
    });
    for (let i = 0; i < frames; i++) this.game.advance(this.inputs.ptr, this.game.players);
  }

  place(slot: number, x: number, y: number): void {
    this.game.world.column('posX')[slot] = Math.round(x * Q);
    this.game.world.column('posY')[slot] = Math.round(y * Q);
  }

  hp(slot: number): number {
    return this.game.world.column('hp')[slot]!;
  }

  id(slot: number): number {
    return makeEntityId(slot, this.game.world.column('generation')[slot]!);
  }
}

async function scene(options: { npcs?: number; players?: number; rules?: ConstructorParameters<typeof Object>[0]; bounds?: number } = {}): Promise<Scene> {
  const arena = await newArena();
  const half = options.bounds ?? 50;
  const game = ReferenceGame.create(arena, {
    world: worldOptions({ capacity: 512, bounds: { minX: -half, minY: -half, minZ: 0, maxX: half, maxY: half, maxZ: 4 } }),
    npcs: options.npcs ?? 0,
    players: options.players ?? 2,
    rules: options.rules as object,
  });
  return new Scene(arena, game);
}

describe('reference step: players', () => {
  it('spawns an avatar when PRESENT appears and frees it when PRESENT goes', async () => {
    const s = await scene();
    s.step([{}, undefined]);
    const slot = s.game.playerSlot(0);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(s.game.playerSlot(1)).toBe(-1);
    expect(s.game.world.column('flags')[slot]! & (FLAG_ALIVE | FLAG_PLAYER)).toBe(FLAG_ALIVE | FLAG_PLAYER);
    expect(s.hp(slot)).toBe(100);
    s.step([undefined, undefined]);
    expect(s.game.playerSlot(0)).toBe(-1);
    expect(s.game.world.column('flags')[slot]! & FLAG_ALIVE).toBe(0);
  });

  it('moves a full-stick player at the player speed, diagonals included, and stops it at the edge', async () => {
    const s = await scene({ bounds: 10 });
    s.step([{}]);
    const slot = s.game.playerSlot(0);
    s.place(slot, 0, 0);
    s.step([{ mx: 127, my: 127 }], 60);
    const dx = s.game.world.column('posX')[slot]! / Q;
    const dy = s.game.world.column('posY')[slot]! / Q;
    expect(Math.hypot(dx, dy)).toBeCloseTo(6, 1); // 6 m/s for one second, not 6 * sqrt(2)
    s.step([{ mx: 127 }], 600);
    expect(s.game.world.column('posX')[slot]! / Q).toBe(10);
  });
});

describe('reference step: projectiles', () => {
  it('hits a body it would jump over at 10 body diameters per tick: swept, never tunnelling', async () => {
    const s = await scene({ rules: { projectileSpeedMps: 600, projectileLifetimeS: 0.2 } as object });
    s.step([{}, {}]);
    const shooter = s.game.playerSlot(0);
    const target = s.game.playerSlot(1);
    s.place(shooter, 0, 0);
    // 10 m per tick from x = 0 puts the projectile at 10, 20...: the body at 14.6 is never under a point.
    s.place(target, 14.6, 0.3);
    s.step([{ buttons: BUTTON_FIRE }, {}]);
    s.step([{}, {}], 10);
    expect(s.hp(target)).toBe(75);
    expect(s.hp(shooter)).toBe(100);
  });

  it('misses a body beside its line and disappears at the end of its life', async () => {
    const s = await scene({ rules: { projectileSpeedMps: 600, projectileLifetimeS: 0.1 } as object });
    s.step([{}, {}]);
    s.place(s.game.playerSlot(0), 0, 0);
    s.place(s.game.playerSlot(1), 14.6, 1.2);
    s.step([{ buttons: BUTTON_FIRE }, {}]);
    const flags = () => Array.from(s.game.world.column('flags')).filter((f) => (f & (FLAG_ALIVE | FLAG_PROJECTILE)) === (FLAG_ALIVE | FLAG_PROJECTILE)).length;
    expect(flags()).toBe(1);
    s.step([{}, {}], 10);
    expect(s.hp(s.game.playerSlot(1))).toBe(100);
    expect(flags()).toBe(0);
  });

  it('fires at most once per cooldown', async () => {
    const s = await scene({ bounds: 500 });
    s.step([{}]);
    s.step([{ buttons: BUTTON_FIRE }], 60);
    // Projectiles live 1.5 s, so all shots of this second are still flying: 0.25 s cooldown, four.
    const flying = Array.from(s.game.world.column('flags')).filter((f) => (f & (FLAG_ALIVE | FLAG_PROJECTILE)) === (FLAG_ALIVE | FLAG_PROJECTILE));
    expect(flying.length).toBe(4);
  });
});

describe('reference step: hitscan verdicts', () => {
  it('applies a verdict naming a live body, and ignores stale, own and absent ids', async () => {
    const s = await scene();
    s.step([{}, {}]);
    const target = s.game.playerSlot(1);
    const shooter = s.game.playerSlot(0);
    s.place(target, 5, 0);
    s.place(shooter, 0, 0);
    s.step([{ buttons: BUTTON_SHOOT, target: s.id(target) }, {}]);
    expect(s.hp(target)).toBe(66);
    s.step([{}, {}], 20); // past the cooldown
    const stale = makeEntityId(target, s.game.world.column('generation')[target]! + 1);
    for (const bad of [stale, s.id(shooter), NO_TARGET, makeEntityId(400, 0)]) {
      s.step([{ buttons: BUTTON_SHOOT, target: bad }, {}]);
      s.step([{}, {}], 20);
    }
    expect(s.hp(target)).toBe(66);
    expect(s.hp(shooter)).toBe(100);
  });

  it('kills at zero hit points, keeps the dead out of play, and respawns them whole', async () => {
    const s = await scene();
    s.step([{}, {}]);
    const target = s.game.playerSlot(1);
    for (let shot = 0; shot < 3; shot++) {
      s.step([{ buttons: BUTTON_SHOOT, target: s.id(target) }, {}]);
      s.step([{}, {}], 15);
    }
    const flags = s.game.world.column('flags');
    expect(flags[target]! & FLAG_DEAD).toBe(FLAG_DEAD);
    expect(s.game.kills).toBe(1);
    s.step([{ buttons: BUTTON_SHOOT, target: s.id(target) }, { mx: 127 }]);
    expect(s.hp(target)).toBe(0);
    s.step([{}, {}], 3 * 60);
    expect(flags[target]! & FLAG_DEAD).toBe(0);
    expect(s.hp(target)).toBe(100);
    expect(Math.abs(s.game.world.column('posX')[target]! / Q)).toBeLessThanOrEqual(25);
  });
});

describe('reference step: collisions', () => {
  /** Freezes NPCs in place: no velocity, no wander decision for a long time. */
  function freeze(s: Scene): void {
    const w = s.game.world;
    w.column('velX').fill(0);
    w.column('velY').fill(0);
    w.column('timer').fill(1_000_000);
  }

  function overlaps(s: Scene, toleranceQ16: number): [number, number][] {
    const w = s.game.world;
    const pairs: [number, number][] = [];
    const x = w.column('posX'), y = w.column('posY'), r = w.column('radius'), f = w.column('flags');
    for (let i = 0; i < w.highWater; i++) {
      if (!(f[i]! & FLAG_NPC)) continue;
      for (let j = i + 1; j < w.highWater; j++) {
        if (!(f[j]! & FLAG_NPC)) continue;
        if (Math.hypot(x[j]! - x[i]!, y[j]! - y[i]!) < r[i]! + r[j]! - toleranceQ16) pairs.push([i, j]);
      }
    }
    return pairs;
  }

  it('pushes each overlapping pair apart along its centre line, half each, and leaves loners alone', async () => {
    const s = await scene({ npcs: 250, bounds: 40 });
    freeze(s);
    const rand = mulberry32(9);
    // 100 pairs on a 5 m lattice (so pairs never touch each other) at random offsets, angles and
    // overlaps — many straddle a cell edge — and 50 loners.
    const pairs: { i: number; j: number; mx: number; my: number }[] = [];
    for (let k = 0; k < 150; k++) {
      const cx = -35 + (k % 15) * 5 + rand() * 2;
      const cy = -35 + Math.floor(k / 15) * 7 + rand() * 2;
      if (k >= 100) {
        s.place(200 + k - 100, cx, cy);
        continue;
      }
      const angle = rand() * 2 * Math.PI;
      const half = (0.1 + rand() * 0.85) / 2;
      s.place(2 * k, cx - Math.cos(angle) * half, cy - Math.sin(angle) * half);
      s.place(2 * k + 1, cx + Math.cos(angle) * half, cy + Math.sin(angle) * half);
      pairs.push({ i: 2 * k, j: 2 * k + 1, mx: 0, my: 0 });
    }
    const x = s.game.world.column('posX'), y = s.game.world.column('posY');
    for (const p of pairs) {
      p.mx = x[p.i]! + x[p.j]!;
      p.my = y[p.i]! + y[p.j]!;
    }
    const loners = Array.from({ length: 50 }, (_, k) => [x[200 + k]!, y[200 + k]!]);
    s.step([]);
    for (const p of pairs) {
      const d = Math.hypot(x[p.j]! - x[p.i]!, y[p.j]! - y[p.i]!) / Q;
      // Exact up to the truncation of the two pushes and the rounded square root: a few 1/65536 m.
      expect(d).toBeGreaterThan(1 - 8 / Q);
      expect(d).toBeLessThan(1 + 8 / Q);
      // Half each: the midpoint stays where it was (to the rounding of the two pushes).
      expect(Math.abs(x[p.i]! + x[p.j]! - p.mx)).toBeLessThanOrEqual(2);
      expect(Math.abs(y[p.i]! + y[p.j]! - p.my)).toBeLessThanOrEqual(2);
    }
    loners.forEach(([lx, ly], k) => {
      expect(x[200 + k]).toBe(lx);
      expect(y[200 + k]).toBe(ly);
    });
  });

  it('finds every overlapping pair of a random crowd (brute force) and separates it within a second', async () => {
    const s = await scene({ npcs: 120, bounds: 8 });
    freeze(s);
    expect(overlaps(s, 0).length).toBeGreaterThan(20);
    s.step([], 60);
    expect(overlaps(s, 64)).toEqual([]); // within a thousandth of a metre
    const x = s.game.world.column('posX');
    for (let i = 0; i < 120; i++) expect(Math.abs(x[i]!)).toBeLessThanOrEqual(8 * Q);
  });
});

describe('reference step: determinism', () => {
  it('gives the same bytes for the same seed and inputs, and other bytes for another seed', async () => {
    const arena = await newArena();
    const make = (seed: number, name: string) => ReferenceGame.create(arena, { world: worldOptions({ seed, name }), npcs: 64, players: 8 });
    const games = [make(5, 'a'), make(5, 'b'), make(6, 'c')];
    const inputs = arena.allocate('shared-inputs', 8 * INPUT_BYTES);
    const rand = mulberry32(77);
    for (let f = 0; f < 2000; f++) {
      inputs.bytes().set(randomInputs(rand, 8));
      for (const g of games) g.advance(inputs.ptr, 8);
    }
    expect(games[0]!.hash()).toBe(games[1]!.hash());
    expect(games[0]!.hash()).not.toBe(games[2]!.hash());
    expect(games[0]!.kills).toBeGreaterThan(0);
  });
});
