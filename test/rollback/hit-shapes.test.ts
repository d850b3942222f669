// Hitbox shapes (src/rollback/hit-shapes.ts) against a point-in-shape reference: for thousands of
// random spheres, upright capsules and boxes and rays aimed near them, where the analytic entry
// says the ray enters is on the shape (just past it is inside), no point of the ray before it is
// inside, and a ray it says misses has no point inside. Then DeclaredHitboxes with shapes by type:
// a shot over a capsule's head misses where the default sphere would hit, a box is hit on its
// face, a reused slot of another type is judged by the shape it had then, and bad shapes are
// typed errors.

import { describe, expect, it } from 'vitest';
import { defineGame } from '../../src/core/game.js';
import { GameStore } from '../../src/core/game-store.js';
import { mulberry32 } from '../../src/core/mulberry32.js';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { inShape, rayShape, shapeParams, SHAPE_BOX, SHAPE_CAPSULE, SHAPE_SPHERE, type HitShape, type ShapeParams } from '../../src/rollback/hit-shapes.js';
import { DeclaredHitboxes } from '../../src/rollback/declared-hitboxes.js';

/** The same shape a little smaller (margin metres): a point inside it is inside beyond rounding. */
const shrunk = (s: ShapeParams, m: number): ShapeParams =>
  s.kind === SHAPE_BOX ? { ...s, hx: s.hx - m, hy: s.hy - m, hz: s.hz - m } : { ...s, r: s.r - m };

function randomShape(rnd: () => number): HitShape {
  const k = rnd();
  if (k < 0.33) return { kind: 'sphere', radiusM: 0.2 + rnd() * 2, centreHeightM: rnd() * 2 };
  if (k < 0.66) {
    const r = 0.2 + rnd();
    return { kind: 'capsule', radiusM: r, heightM: 2 * r + rnd() * 3, baseHeightM: rnd() - 0.5 };
  }
  return { kind: 'box', halfM: { x: 0.2 + rnd() * 2, y: 0.2 + rnd() * 2, z: 0.2 + rnd() * 2 }, centreHeightM: rnd() * 2 };
}

describe('hit shapes', () => {
  it('enter where a point-in-shape search says, for random shapes and rays, hits and misses alike', () => {
    const rnd = mulberry32(31);
    const STEP = 0.004;
    let hits = 0;
    let misses = 0;
    let inside = 0;
    const byKind = [0, 0, 0];
    const wrong: string[] = [];
    for (let n = 0; n < 2500; n++) {
      const s = shapeParams(randomShape(rnd), 'shape', true);
      const px = (rnd() - 0.5) * 10, py = (rnd() - 0.5) * 10, pz = rnd() * 3;
      // From somewhere around, aimed at a point near the shape's middle (some through it, some past it).
      const ox = px + (rnd() - 0.5) * 16, oy = py + (rnd() - 0.5) * 16, oz = pz + (rnd() - 0.5) * 8;
      const tx = px + (rnd() - 0.5) * 4, ty = py + (rnd() - 0.5) * 4, tz = pz + s.lo + (rnd() - 0.5) * 4;
      const len = Math.hypot(tx - ox, ty - oy, tz - oz);
      const dx = (tx - ox) / len, dy = (ty - oy) / len, dz = (tz - oz) / len;
      const t = rayShape(s, px, py, pz, ox, oy, oz, dx, dy, dz);
      const core = shrunk(s, 1e-5);
      const stop = Number.isFinite(t) ? t : 30;
      // No point before the entry (or along the whole ray, for a miss) is inside.
      for (let u = 0; u < stop - 1e-4; u += STEP) {
        if (inShape(core, px, py, pz, ox + dx * u, oy + dy * u, oz + dz * u)) {
          wrong.push(`shape ${n} (kind ${s.kind}): inside at ${u}, before the entry ${t}`);
          break;
        }
      }
      if (Number.isFinite(t)) {
        // The entry is on the shape: within a hair of it.
        const grown: ShapeParams = s.kind === SHAPE_BOX ? { ...s, hx: s.hx + 1e-6, hy: s.hy + 1e-6, hz: s.hz + 1e-6 } : { ...s, r: s.r + 1e-6 };
        if (!inShape(grown, px, py, pz, ox + dx * t, oy + dy * t, oz + dz * t)) wrong.push(`shape ${n} (kind ${s.kind}): the entry ${t} is not on it`);
        if (t === 0) inside++;
        else hits++;
        byKind[s.kind]!++;
      } else misses++;
    }
    expect(wrong).toEqual([]);
    expect(hits).toBeGreaterThan(800);
    expect(misses).toBeGreaterThan(300);
    expect(inside).toBeGreaterThan(5);
    expect(byKind[SHAPE_SPHERE]).toBeGreaterThan(150);
    expect(byKind[SHAPE_CAPSULE]).toBeGreaterThan(150);
    expect(byKind[SHAPE_BOX]).toBeGreaterThan(150);
  });

  it('are cut at the ground in a 2D game: a capsule is a circle, a box a rectangle', () => {
    const cap = shapeParams({ kind: 'capsule', radiusM: 0.5, heightM: 1.8 }, 'c', false);
    expect(cap.kind).toBe(SHAPE_SPHERE);
    expect(rayShape(cap, 10, 0, 0, 0, 0, 0, 1, 0, 0)).toBeCloseTo(9.5, 9);
    const box = shapeParams({ kind: 'box', halfM: { x: 1, y: 2 } }, 'b', false);
    expect(rayShape(box, 10, 0, 0, 0, 1.5, 0, 1, 0, 0)).toBeCloseTo(9, 9);
    expect(rayShape(box, 10, 0, 0, 0, 2.5, 0, 1, 0, 0)).toBe(Infinity);
  });

  it('refuse malformed shapes with typed errors', () => {
    const bad: unknown[] = [
      null, 7, { kind: 'cone', radiusM: 1 }, { kind: 'sphere', radiusM: 0 }, { kind: 'sphere', radiusM: Number.NaN },
      { kind: 'sphere', radiusM: 1, centreHeightM: Number.POSITIVE_INFINITY }, { kind: 'capsule', radiusM: 1, heightM: 1.5 },
      { kind: 'capsule', radiusM: 1 }, { kind: 'box', halfM: { x: 1, y: 1 } }, { kind: 'box', halfM: { x: 1, y: -1, z: 1 } }, { kind: 'box' },
    ];
    for (const shape of bad) expect(() => shapeParams(shape as HitShape, 'shape', true), JSON.stringify(shape)).toThrow(InvalidArgumentError);
  });
});

const GAME = defineGame({
  name: 'shapes-test',
  components: {
    position: { fields: { x: { type: 'q16', min: -200, max: 200 }, y: { type: 'q16', min: -200, max: 200 }, z: { type: 'q16', min: 0, max: 50 } } },
    tag: { fields: { n: { type: 'u32', min: 0, max: 10 } } },
  },
  types: { soldier: ['position'], crate: ['position'], drone: ['position'], note: ['tag'] },
});

describe('DeclaredHitboxes with shapes by type', () => {
  const make = () => {
    const store = new GameStore(GAME, { capacity: 16 });
    const hb = new DeclaredHitboxes(store, {
      position: ['position.x', 'position.y', 'position.z'],
      radiusM: 1,
      centreHeightM: 1,
      shapes: { soldier: { kind: 'capsule', radiusM: 0.4, heightM: 1.8 }, crate: { kind: 'box', halfM: { x: 1, y: 1, z: 0.5 }, centreHeightM: 0.5 } },
      historyTicks: 8,
      maxRewindTicks: 6,
    });
    return { store, hb };
  };
  const shot = (hb: DeclaredHitboxes<typeof GAME.declaration>, z: number, viewTick = 0, nowTick = 0) =>
    hb.hitscan({ viewTick, nowTick, originM: { x: 0, y: 0, z }, directionM: { x: 1, y: 0, z: 0 }, rangeM: 100 });

  it('hits a capsule where a body is and not over its head, a box on its face, the rest as the default sphere', () => {
    const { store, hb } = make();
    const soldier = store.spawn('soldier', { position: { x: 10, y: 0, z: 0 } });
    hb.record(0);
    expect(shot(hb, 1)).toMatchObject({ id: soldier });
    expect(shot(hb, 1)!.distanceM).toBeCloseTo(9.6, 5); // its side, 0.4 m from the axis
    // Its top end: a sphere of 0.4 m around 1.4 m up; at 1.7 m the ray enters it 0.26 m from the axis.
    expect(shot(hb, 1.7)!.distanceM).toBeCloseTo(10 - Math.sqrt(0.4 ** 2 - 0.3 ** 2), 5);
    expect(shot(hb, 1.85)).toBeNull(); // over the top at 1.8 m (the default sphere, 1 m round at 1 m up, would reach 2 m)
    expect(shot(hb, 0.1)!.distanceM).toBeCloseTo(10 - Math.sqrt(0.4 ** 2 - 0.3 ** 2), 5); // its bottom end
    const crate = store.spawn('crate', { position: { x: 5, y: 0, z: 0 } });
    const drone = store.spawn('drone', { position: { x: 3, y: 0, z: 2 } });
    hb.record(1);
    expect(shot(hb, 0.8, 1, 1)).toMatchObject({ id: crate, distanceM: 4 }); // its face at x = 4, below its top (1 m)
    expect(shot(hb, 1.2, 1, 1)).toMatchObject({ id: soldier }); // over the crate, into the soldier
    expect(shot(hb, 3, 1, 1)).toMatchObject({ id: drone }); // the default sphere: centre 3 m up, 1 m round
    expect(shot(hb, 3, 1, 1)!.distanceM).toBeCloseTo(2, 5);
  });

  it('judges a reused slot by the shape its entity had at the judged tick', () => {
    const { store, hb } = make();
    const soldier = store.spawn('soldier', { position: { x: 10, y: 0, z: 0 } });
    hb.record(0);
    store.despawn(soldier);
    const crate = store.spawn('crate', { position: { x: 10, y: 0, z: 0 } });
    expect(crate & 0xfffff).toBe(soldier & 0xfffff);
    hb.record(1);
    // At 1.5 m up: the soldier (then) is hit, the crate (now, 1 m tall) is not.
    expect(shot(hb, 1.5, 0, 1)).toMatchObject({ id: soldier, judgedTick: 0 });
    expect(shot(hb, 1.5, 1, 1)).toBeNull();
    expect(shot(hb, 0.5, 1, 1)).toMatchObject({ id: crate });
  });

  it('refuses shapes for types it does not know or cannot hit', () => {
    const store = new GameStore(GAME, { capacity: 4 });
    const base = { position: ['position.x', 'position.y', 'position.z'] as const, radiusM: 1 };
    expect(() => new DeclaredHitboxes(store, { ...base, shapes: { tank: { kind: 'sphere', radiusM: 1 } } as never })).toThrow(/no type tank/);
    expect(() => new DeclaredHitboxes(store, { ...base, shapes: { note: { kind: 'sphere', radiusM: 1 } } })).toThrow(/not hittable/);
    expect(() => new DeclaredHitboxes(store, { ...base, types: ['soldier'], shapes: { crate: { kind: 'sphere', radiusM: 1 } } })).toThrow(/not hittable/);
    expect(() => new DeclaredHitboxes(store, { ...base, shapes: { soldier: { kind: 'capsule', radiusM: 1, heightM: 1 } } })).toThrow(InvalidArgumentError);
  });
});
