// Lag compensation for declared games (src/rollback/declared-hitboxes.ts) against brute force: a
// world of moving, dying and respawning entities is recorded tick by tick, and every shot, at a
// random view tick and fraction, must hit exactly what a plain search over a copy of that tick's
// positions says; a target that has moved on since is hit where the shooter saw it; view ticks
// past the bound are judged at the bound; bad queries are typed errors.

import { describe, expect, it } from 'vitest';
import { defineGame } from '../../src/core/game.js';
import { GameStore } from '../../src/core/game-store.js';
import { mulberry32 } from '../../src/core/mulberry32.js';
import { FX_ONE } from '../../src/core/fixed.js';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { makeEntityId, type EntityId } from '../../src/core/entity-id.js';
import { DeclaredHitboxes, unwrapTick } from '../../src/rollback/declared-hitboxes.js';

const GAME = defineGame({
  name: 'hitbox-test',
  components: {
    position: { fields: { x: { type: 'q16', min: -200, max: 200 }, y: { type: 'q16', min: -200, max: 200 }, z: { type: 'q16', min: 0, max: 50 } } },
    health: { fields: { hp: { type: 'i32', min: 0, max: 100 } } },
  },
  types: { runner: ['position', 'health'], ghost: ['position'], marker: ['health'] },
});

const RADIUS = 0.8;
const LIFT = 1;

interface Body { id: EntityId; x: number; y: number; z: number }

/** Every hittable (runner) body's position per tick, as plain numbers in metres. */
type Tape = Map<number, Body[]>;

/** `runners`: the share of spawns that are runners (hittable); the rest ghosts and markers. */
function world(seed: number, runners = 0.8) {
  const rnd = mulberry32(seed);
  const store = new GameStore(GAME, { capacity: 300 });
  const live: EntityId[] = [];
  const spawn = () => {
    const type = rnd() < runners ? 'runner' : rnd() < 0.5 ? 'ghost' : 'marker';
    const id = type === 'marker' ? store.spawn('marker', {}) : store.spawn(type, { position: { x: (rnd() - 0.5) * 60, y: (rnd() - 0.5) * 60, z: rnd() * 3 } });
    live.push(id);
  };
  for (let i = 0; i < 120; i++) spawn();
  const x = store.column('position.x'), y = store.column('position.y'), z = store.column('position.z');
  const step = () => {
    for (const id of live) {
      const s = id & 0xfffff;
      x[s] = x[s]! + Math.round((rnd() - 0.5) * 0.6 * FX_ONE);
      y[s] = y[s]! + Math.round((rnd() - 0.5) * 0.6 * FX_ONE);
      z[s] = Math.max(0, z[s]! + Math.round((rnd() - 0.5) * 0.2 * FX_ONE));
    }
    // Some die, and their slots come back as new entities (another generation).
    if (rnd() < 0.5) {
      const i = Math.floor(rnd() * live.length);
      store.despawn(live[i]!);
      live.splice(i, 1);
      spawn();
    }
  };
  const snapshot = (): Body[] => {
    const out: Body[] = [];
    for (const id of live) {
      if (GAME.types[store.typeColumn[id & 0xfffff]! - 1]!.name !== 'runner') continue;
      const s = id & 0xfffff;
      out.push({ id, x: x[s]! / FX_ONE, y: y[s]! / FX_ONE, z: z[s]! / FX_ONE });
    }
    return out;
  };
  return { store, step, snapshot, rnd, live };
}

/** The first body along the ray by brute force (the sphere test written the textbook way). */
function bruteForce(bodiesA: Body[], bodiesB: Body[] | null, fraction: number, o: number[], d: number[], range: number, exclude?: EntityId): { id: EntityId; t: number } | null {
  const len = Math.hypot(d[0]!, d[1]!, d[2]!);
  const u = d.map((c) => c / len);
  let best: { id: EntityId; t: number; slot: number } | null = null;
  for (const a of bodiesA) {
    if (a.id === exclude) continue;
    const b = bodiesB?.find((o2) => o2.id === a.id);
    // Interpolated in stored units (Q16), as the history keeps them.
    const lerp = (p: number, q: number) => (Math.round(p * FX_ONE) + (Math.round(q * FX_ONE) - Math.round(p * FX_ONE)) * fraction) / FX_ONE;
    const c = b ? [lerp(a.x, b.x), lerp(a.y, b.y), lerp(a.z, b.z) + LIFT] : [a.x, a.y, a.z + LIFT];
    const oc = [c[0]! - o[0]!, c[1]! - o[1]!, c[2]! - o[2]!];
    const dist2 = oc[0]! ** 2 + oc[1]! ** 2 + oc[2]! ** 2;
    let t: number;
    if (dist2 <= RADIUS * RADIUS) t = 0;
    else {
      const along = oc[0]! * u[0]! + oc[1]! * u[1]! + oc[2]! * u[2]!;
      if (along < 0) continue;
      const miss2 = dist2 - along * along;
      if (miss2 > RADIUS * RADIUS) continue;
      t = along - Math.sqrt(RADIUS * RADIUS - miss2);
    }
    if (t > range) continue;
    const slot = a.id & 0xfffff;
    if (!best || t < best.t || (t === best.t && slot < best.slot)) best = { id: a.id, t, slot };
  }
  return best ? { id: best.id, t: best.t } : null;
}

describe('DeclaredHitboxes', () => {
  // Most slots hittable: each tick's columns copied whole; a third: the hittable ones picked out;
  // about half: one way or the other from tick to tick, a shot interpolating between the two.
  it.each([[0.8, 3], [0.3, 4], [0.55, 5]])('hits exactly what a brute-force search of the recorded ticks says, interpolated and rewound (%s of them hittable)', (runners, seed) => {
    const { store, step, snapshot, rnd, live } = world(seed, runners);
    const hb = new DeclaredHitboxes(store, { position: ['position.x', 'position.y', 'position.z'], radiusM: RADIUS, centreHeightM: LIFT, types: ['runner'], historyTicks: 32, maxRewindTicks: 20 });
    const tape: Tape = new Map();
    let hits = 0;
    let rewound = 0;
    let narrowed = 0;
    for (let tick = 0; tick < 400; tick++) {
      step();
      hb.record(tick);
      tape.set(tick, snapshot());
      if (tick < 25) continue;
      for (let shot = 0; shot < 6; shot++) {
        const back = Math.floor(rnd() * 20);
        const view = tick - back;
        const fraction = rnd() < 0.5 ? 0 : rnd();
        // Aim near a runner of the view tick, from a few metres away, so shots hit often.
        const bodies = tape.get(view)!;
        const target = bodies[Math.floor(rnd() * bodies.length)]!;
        const o = [target.x + (rnd() - 0.5) * 20, target.y + (rnd() - 0.5) * 20, 1 + rnd()];
        const d = [target.x - o[0]! + (rnd() - 0.5), target.y - o[1]! + (rnd() - 0.5), target.z + LIFT - o[2]! + (rnd() - 0.5) * 0.5];
        const exclude = rnd() < 0.3 ? live[Math.floor(rnd() * live.length)] : undefined;
        const range = 5 + rnd() * 30;
        const got = hb.hitscan({ viewTick: view, fraction, nowTick: tick, originM: { x: o[0]!, y: o[1]!, z: o[2]! }, directionM: { x: d[0]!, y: d[1]!, z: d[2]! }, rangeM: range, exclude });
        const want = bruteForce(bodies, fraction > 0 ? tape.get(view + 1) ?? null : null, fraction, o, d, range, exclude);
        expect(got?.id ?? null).toBe(want?.id ?? null);
        // With a broadphase over the present world: the slots now within the range widened by the
        // farthest a body moves in the rewind (0.3 m a tick each way, 20 ticks at most) and its
        // radius (one that died since is not in the present world; a game that wants it hit
        // passes its slot too).
        const now = tape.get(tick)!;
        const margin = range + Math.SQRT2 * 0.3 * 21 + RADIUS + LIFT + 2;
        const near = now.filter((bd) => Math.hypot(bd.x - o[0]!, bd.y - o[1]!) <= margin).map((bd) => bd.id & 0xfffff);
        const padded = Uint32Array.from([...near, 999, 12345]); // slots nobody holds are skipped
        const viaBroadphase = hb.hitscan({ viewTick: view, fraction, nowTick: tick, originM: { x: o[0]!, y: o[1]!, z: o[2]! }, directionM: { x: d[0]!, y: d[1]!, z: d[2]! }, rangeM: range, exclude, candidates: padded, candidateCount: padded.length });
        // A candidate is a slot: whatever held it at the judged tick is tested.
        const nearSlots = new Set(near);
        const wantNear = bruteForce(bodies.filter((bd) => nearSlots.has(bd.id & 0xfffff)), fraction > 0 ? tape.get(view + 1) ?? null : null, fraction, o, d, range, exclude);
        expect(viaBroadphase?.id ?? null).toBe(wantNear?.id ?? null);
        // And the margin is wide enough: a hit on a body still alive is found through it.
        if (want && now.some((bd) => bd.id === want.id)) expect(viaBroadphase?.id).toBe(want.id);
        if (near.length < bodies.length) narrowed++;
        if (got && want) {
          expect(got.distanceM).toBeCloseTo(want.t, 9);
          expect(got.judgedTick).toBe(view);
          expect(got.rewoundTicks).toBe(back);
          hits++;
          if (back > 0) rewound++;
        }
      }
    }
    expect(hits).toBeGreaterThan(300);
    expect(narrowed).toBeGreaterThan(1000); // the broadphase left most bodies out of most shots
    expect(rewound).toBeGreaterThan(400);
    expect(hb.counters.clamped).toBe(0);
    expect(hb.counters.shots).toBe(2 * 6 * 375);
    expect(hb.heldBytes).toBeLessThan(32 * 300 * 20 * 2);
  });

  it('a runner that has moved on is hit where the shooter saw it, and missed where it is now', () => {
    const store = new GameStore(GAME, { capacity: 8 });
    const target = store.spawn('runner', { position: { x: 10, y: 0, z: 0 } });
    const hb = new DeclaredHitboxes(store, { position: ['position.x', 'position.y', 'position.z'], radiusM: 0.5, centreHeightM: 1 });
    for (let tick = 0; tick <= 12; tick++) {
      store.set(target, 'position.y', tick * 0.5); // 0.5 m a tick sideways
      hb.record(tick);
    }
    const shot = (viewTick: number) => hb.hitscan({ viewTick, nowTick: 13, originM: { x: 0, y: 0, z: 1 }, directionM: { x: 1, y: 0, z: 0 }, rangeM: 50 });
    // The client saw tick 0 (the runner at y = 0) when it fired straight along x.
    expect(shot(0)?.id).toBe(target);
    expect(shot(0)?.distanceM).toBeCloseTo(9.5, 9);
    // Judged on the present the same shot misses: the runner is 6 m to the side.
    expect(shot(12)).toBeNull();
    // Halfway between ticks 0 and 1 the runner was at y = 0.25: still within 0.5 m.
    expect(hb.hitscan({ viewTick: 0, fraction: 0.5, nowTick: 13, originM: { x: 0, y: 0, z: 1 }, directionM: { x: 1, y: 0, z: 0 }, rangeM: 50 })?.id).toBe(target);
    expect(hb.hitscan({ viewTick: 1, fraction: 0.5, nowTick: 13, originM: { x: 0, y: 0, z: 1 }, directionM: { x: 1, y: 0, z: 0 }, rangeM: 50 })).toBeNull();
  });

  it('judges a view tick past the bound at the bound, a future one now, and counts both kinds', () => {
    const store = new GameStore(GAME, { capacity: 8 });
    const target = store.spawn('runner', { position: { x: 10, y: 0, z: 0 } });
    const hb = new DeclaredHitboxes(store, { position: ['position.x', 'position.y', 'position.z'], radiusM: 0.5, historyTicks: 16, maxRewindTicks: 6 });
    for (let tick = 0; tick < 40; tick++) {
      store.set(target, 'position.y', tick >= 30 ? 0 : 20); // in the line of fire from tick 30 on
      hb.record(tick);
    }
    const at = (viewTick: number) => hb.hitscan({ viewTick, nowTick: 39, originM: { x: 0, y: 0, z: 0 }, directionM: { x: 1, y: 0, z: 0 }, rangeM: 50 });
    // A client claiming it saw tick 20 (when the runner was in the line of fire? no: at y = 20)
    // is judged at tick 33: the runner stood in the line of fire then.
    const old = at(20);
    expect(old?.id).toBe(target);
    expect(old?.judgedTick).toBe(33);
    expect(hb.counters.clamped).toBe(1);
    expect(at(500)?.judgedTick).toBe(39);
    expect(unwrapTick(39 & 0xffff, 39)).toBe(39);
    expect(unwrapTick((70_000 - 5) & 0xffff, 70_000)).toBe(70_000 - 5);
    expect(unwrapTick((70_000 + 5) & 0xffff, 70_000)).toBe(70_000 + 5 - 65_536);
  });

  it('records a tick that spawned many more hittable bodies than the last (a compact entry grown), and hits one of them', () => {
    const store = new GameStore(GAME, { capacity: 1000 });
    for (let i = 0; i < 400; i++) store.spawn('ghost', { position: { x: -190 + (i % 380), y: 50, z: 0 } });
    for (let i = 0; i < 10; i++) store.spawn('runner', { position: { x: 10 * i, y: -50, z: 0 } });
    const hb = new DeclaredHitboxes(store, { position: ['position.x', 'position.y', 'position.z'], radiusM: RADIUS, centreHeightM: LIFT, types: ['runner'] });
    hb.record(0); // 10 of 410 hittable: compact
    const crowd = Array.from({ length: 150 }, (_, i) => store.spawn('runner', { position: { x: -150 + i * 2, y: 0, z: 0 } }));
    hb.record(1); // 160 of 560: still compact, past the room the last count left
    const last = crowd[149]!;
    const hit = hb.hitscan({ viewTick: 1, nowTick: 1, originM: { x: 190, y: 0, z: LIFT }, directionM: { x: -1, y: 0, z: 0 }, rangeM: 500 });
    expect(hit?.id).toBe(last);
    expect(hit?.distanceM).toBeCloseTo(190 - (-150 + 149 * 2) - RADIUS, 6);
  });

  it('reports the entity that was there: a slot reused since keeps the old generation in the answer', () => {
    const store = new GameStore(GAME, { capacity: 4 });
    const first = store.spawn('runner', { position: { x: 5, y: 0, z: 0 } });
    const hb = new DeclaredHitboxes(store, { position: ['position.x', 'position.y'], radiusM: 1 });
    hb.record(0);
    store.despawn(first);
    const second = store.spawn('runner', { position: { x: 5, y: 30, z: 0 } });
    expect(second & 0xfffff).toBe(first & 0xfffff);
    hb.record(1);
    const ray = { nowTick: 2, originM: { x: 0, y: 0 }, directionM: { x: 1, y: 0 }, rangeM: 50 };
    expect(hb.hitscan({ ...ray, viewTick: 0 })?.id).toBe(first);
    expect(hb.hitscan({ ...ray, viewTick: 1 })).toBeNull();
    expect(hb.hitscan({ ...ray, viewTick: 0, exclude: first })).toBeNull();
    expect(hb.hitscan({ ...ray, viewTick: 0, exclude: second })?.id).toBe(first);
    expect(makeEntityId(first & 0xfffff, first >>> 20)).toBe(first);
  });

  it('refuses bad queries and options with typed errors', () => {
    const store = new GameStore(GAME, { capacity: 4 });
    store.spawn('runner', { position: { x: 5, y: 0, z: 0 } });
    const hb = new DeclaredHitboxes(store, { position: ['position.x', 'position.y', 'position.z'], radiusM: 1 });
    hb.record(0);
    const ok = { viewTick: 0, nowTick: 1, originM: { x: 0, y: 0, z: 0 }, directionM: { x: 1, y: 0, z: 0 }, rangeM: 10 };
    expect(hb.hitscan(ok)).not.toBeNull();
    for (const bad of [
      { ...ok, originM: { x: Number.NaN, y: 0, z: 0 } },
      { ...ok, directionM: { x: 0, y: 0, z: 0 } },
      { ...ok, directionM: { x: Infinity, y: 0, z: 0 } },
      { ...ok, rangeM: -1 },
      { ...ok, rangeM: Number.NaN },
      { ...ok, fraction: 2 },
      { ...ok, viewTick: 0.5 },
    ]) expect(() => hb.hitscan(bad)).toThrow(InvalidArgumentError);
    expect(() => hb.record(-1)).toThrow(InvalidArgumentError);
    expect(() => new DeclaredHitboxes(store, { position: ['position.x', 'health.hp' as never], radiusM: 1 })).toThrow(InvalidArgumentError);
    expect(() => new DeclaredHitboxes(store, { position: ['position.x', 'position.y'], radiusM: 0 })).toThrow(InvalidArgumentError);
    expect(() => new DeclaredHitboxes(store, { position: ['position.x', 'position.y'], radiusM: 1, types: ['marker'] })).toThrow(InvalidArgumentError);
    expect(() => new DeclaredHitboxes(store, { position: ['position.x', 'position.y'], radiusM: 1, historyTicks: 8, maxRewindTicks: 8 })).toThrow(InvalidArgumentError);
    expect(hb.counters.shots).toBe(1);
  });
});
