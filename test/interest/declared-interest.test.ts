// DeclaredInterest: a declared game's views by the engine's spatial index over the store's own
// columns. Checked against a brute-force scan of the store (random worlds, entities spawned,
// moved and despawned between updates), and the hysteresis band: inside the radius an entity
// enters; between the radius and the outer edge it stays only if it was in the last view.

import { describe, expect, it } from 'vitest';
import { defineGame } from '../../src/core/game.js';
import { GameStore } from '../../src/core/game-store.js';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { DeclaredInterest } from '../../src/interest/declared-interest.js';
import { freshArena, mulberry32 } from '../helpers/wasm.js';

const M = { type: 'q16', min: -500, max: 500, precision: 1 / 64 } as const;
const GAME = defineGame({
  name: 'views',
  components: { position: { fields: { x: M, y: M, z: { type: 'q16', min: 0, max: 100, precision: 1 / 64 } } }, tag: { fields: { n: { type: 'u32' } } } },
  types: { walker: ['position'], marker: ['position', 'tag'] },
});
const BOUNDS = { minX: -500, minY: -500, minZ: 0, maxX: 500, maxY: 500, maxZ: 100 };

async function world(capacity: number) {
  const arena = await freshArena();
  const region = arena.allocate('store', GameStore.bytesFor(GAME, capacity));
  const store = new GameStore(GAME, { capacity, memory: { buffer: arena.memoryBuffer, byteOffset: region.ptr } });
  return { arena, store };
}

/** Slots within r of slot `me` (metres, 3D), ascending. */
function brute(store: GameStore<typeof GAME.declaration>, me: number, r: number): number[] {
  const [x, y, z] = (['position.x', 'position.y', 'position.z'] as const).map((k) => store.column(k) as Int32Array);
  return bruteAt(store, x![me]! / 65536, y![me]! / 65536, z![me]! / 65536, r);
}

/** Slots within r of the point (metres, 3D), ascending. */
function bruteAt(store: GameStore<typeof GAME.declaration>, px: number, py: number, pz: number, r: number): number[] {
  const [x, y, z] = (['position.x', 'position.y', 'position.z'] as const).map((k) => store.column(k) as Int32Array);
  const out: number[] = [];
  for (let s = 0; s < store.highWater; s++) {
    if (store.typeColumn[s] === 0) continue;
    const dx = x![s]! / 65536 - px, dy = y![s]! / 65536 - py, dz = z![s]! / 65536 - pz;
    if (dx * dx + dy * dy + dz * dz <= r * r) out.push(s);
  }
  return out;
}

describe('DeclaredInterest', () => {
  it('sees what a brute-force scan sees, through spawns, moves and despawns', async () => {
    const { arena, store } = await world(3000);
    const rand = mulberry32(7);
    const place = () => ({ position: { x: Math.round((rand() * 900 - 450) * 64) / 64, y: Math.round((rand() * 900 - 450) * 64) / 64, z: Math.round(rand() * 90 * 64) / 64 } });
    const ids = Array.from({ length: 2000 }, (_, i) => store.spawn(i % 5 ? 'walker' : 'marker', place()));
    const interest = DeclaredInterest.create(arena, store, { x: 'position.x', y: 'position.y', z: 'position.z', bounds: BOUNDS, radiusM: 60, hysteresisM: 0 });
    const out = new Uint32Array(4096);
    for (let round = 0; round < 6; round++) {
      for (let k = 0; k < 300; k++) {
        const i = Math.floor(rand() * ids.length);
        if (rand() < 0.2) {
          if (store.isAlive(ids[i]!)) store.despawn(ids[i]!);
          ids[i] = store.spawn('walker', place());
        } else if (store.isAlive(ids[i]!)) {
          const p = place().position;
          store.set(ids[i]!, 'position.x', p.x);
          store.set(ids[i]!, 'position.y', p.y);
        }
      }
      interest.update();
      expect(interest.stats.indexed).toBe(store.alive);
      for (let q = 0; q < 20; q++) {
        const me = ids[Math.floor(rand() * ids.length)]!;
        if (!store.isAlive(me)) continue;
        interest.forget(me);
        const n = interest.visible(me, out);
        expect([...out.subarray(0, n)].sort((a, b) => a - b)).toEqual(brute(store, me & 0xfffff, 60));
      }
    }
  });

  /**
   * Views tick after tick against a brute-force scan with the hysteresis band: a crowd on the
   * move (up to crowdStepM a tick on each axis), `respawn` of it despawned and replaced somewhere else each tick and
   * `teleport` of it moved anywhere; the viewers walk, and one of them teleports now and then.
   */
  async function viewsOverTicks(o: { viewers: number; respawn: number; teleport: number; crowdStepM: number; seed: number; flat?: boolean; cameras?: number; crowd?: { shrinkAbove: number; target: number }; thinAt?: number; viewerStepM?: number; onView?: (tick: number, me: number, count: number, radiusM: number) => void }) {
    const { arena, store } = await world(3000);
    const rand = mulberry32(o.seed);
    const coord = () => Math.round((rand() * 300 - 150) * 64) / 64;
    const ids = Array.from({ length: 2500 }, () => store.spawn('walker', { position: { x: coord(), y: coord(), z: 0 } }));
    // Everything at z = 0: with or without the z field the same views.
    const interest = DeclaredInterest.create(arena, store, { x: 'position.x', y: 'position.y', ...(o.flat ? {} : { z: 'position.z' as const }), bounds: BOUNDS, radiusM: 40, hysteresisM: 8, discoveryPadM: 6, ...(o.crowd ? { crowd: o.crowd } : {}) });
    const out = new Uint32Array(4096);
    const viewers = ids.slice(0, o.viewers);
    // Spectators' cameras (visibleAt), each at a point of its own.
    const cameras = Array.from({ length: o.cameras ?? 0 }, (_, i) => ({ key: -1 - i, x: coord(), y: coord() }));
    const last = new Map<number, Set<number>>();
    let entered = 0;
    let kept = 0;
    const step = (id: number, m: number) => {
      for (const k of ['position.x', 'position.y'] as const) {
        const v = (store.get(id, k) as number) + Math.round((rand() - 0.5) * 2 * m * 64) / 64;
        store.set(id, k, Math.max(-450, Math.min(450, v)));
      }
    };
    for (let tick = 0; tick < 40; tick++) {
      // The crowd thins out: all but one in ten of the others go.
      if (tick === o.thinAt) for (let i = viewers.length; i < ids.length; i++) if (i % 10 !== 0) store.despawn(ids[i]!);
      for (let i = viewers.length; i < ids.length; i++) {
        if (!store.isAlive(ids[i]!)) continue;
        const r = rand();
        if (r < o.respawn) {
          store.despawn(ids[i]!);
          ids[i] = store.spawn('walker', { position: { x: coord(), y: coord(), z: 0 } });
        } else if (r < o.respawn + o.teleport) {
          store.set(ids[i]!, 'position.x', coord());
          store.set(ids[i]!, 'position.y', coord());
        } else step(ids[i]!, o.crowdStepM);
      }
      for (const me of viewers) step(me, o.viewerStepM ?? 0.5);
      if (tick % 10 === 5) store.set(viewers[0]!, 'position.x', coord());
      // Before the crowd thins, every viewer jumps: each discovers again at its narrowed edge, so
      // widening back must discover again too (the pad alone would not cover it).
      if (o.thinAt !== undefined && tick === o.thinAt - 3) for (const me of viewers) store.set(me, 'position.y', coord());
      interest.update();
      for (const me of viewers) {
        // The edges this view is taken within: 40 and 48 m, or less in a crowd (crowd).
        const radius = interest.radiusOf(me);
        const outer = interest.outerOf(me);
        const n = interest.visible(me, out);
        // What the client is told of this view: the scale it was taken at (the next may differ).
        expect(interest.scaleOf(me) * interest.radiusM).toBeCloseTo(radius, 9);
        o.onView?.(tick, me, n, radius);
        const got = Array.from(out.subarray(0, n));
        for (let i = 1; i < n; i++) expect(got[i]!).toBeGreaterThan(got[i - 1]!);
        const before = last.get(me) ?? new Set<number>();
        const near = new Set(brute(store, me & 0xfffff, radius));
        const expected = brute(store, me & 0xfffff, outer).filter((s) => near.has(s) || before.has(s));
        expect(got).toEqual(expected);
        for (const s of got) if (before.has(s)) kept++; else entered++;
        last.set(me, new Set(got));
      }
      for (const c of cameras) {
        const got = Array.from(out.subarray(0, interest.visibleAt(c.key, c.x, c.y, 0, out)));
        const before = last.get(c.key) ?? new Set<number>();
        const near = new Set(bruteAt(store, c.x, c.y, 0, 40));
        expect(got).toEqual(bruteAt(store, c.x, c.y, 0, 48).filter((s) => near.has(s) || before.has(s)));
        last.set(c.key, new Set(got));
      }
    }
    // Views that mostly carry over, with entries every tick.
    expect(kept).toBeGreaterThan(entered * 5);
    if (o.thinAt === undefined) expect(entered).toBeGreaterThan(40 * o.viewers);
    return interest.stats;
  }

  it('hands each view over ascending, tick after tick, exactly as a brute-force scan with the hysteresis band holds it', async () => {
    // More entities appear each tick than there are viewers: every view is discovered again each tick.
    const stats = await viewsOverTicks({ viewers: 6, respawn: 0.02, teleport: 0, crowdStepM: 3, seed: 23 });
    expect(stats.discoveries).toBe(stats.queries);
  });

  it('reuses a view\'s candidates until its pad is used up, and offers each entity that appears or teleports to the views near it', async () => {
    // A few viewers: each jumper offered to every view. Many: to the avatars a query finds near it.
    // (At least one viewer per 400 slots: fewer would query every view each tick, see the next test.)
    for (const [viewers, flat] of [[8, false], [48, false], [8, true]] as const) {
      const stats = await viewsOverTicks({ viewers, respawn: 0.0004, teleport: 0.0004, crowdStepM: 1, seed: 31 + viewers, flat, cameras: 4 });
      expect(stats.queries).toBe(40 * (viewers + 4));
      // A crowd at up to 2 m a tick (L1) and a pad of 6: a view is discovered again every third tick or so.
      expect(stats.discoveries).toBeLessThan(stats.queries * 0.5);
      expect(stats.jumpersAdded).toBeGreaterThan(0);
    }
  });

  it('narrows a crowded view towards its target and widens it back as the crowd thins, each view exactly a brute-force scan at the edges it had', async () => {
    // About 140 within 40 m of each viewer: past 60, each view narrows towards 45.
    const counts: number[][] = Array.from({ length: 40 }, () => []);
    const radii: number[][] = Array.from({ length: 40 }, () => []);
    const stats = await viewsOverTicks({
      viewers: 12, respawn: 0.0004, teleport: 0.0004, crowdStepM: 0.1, viewerStepM: 0.05, seed: 41, crowd: { shrinkAbove: 60, target: 45 }, thinAt: 20,
      onView: (tick, _me, count, radius) => {
        counts[tick]!.push(count);
        radii[tick]!.push(radius);
      },
    });
    expect(stats.narrowed).toBeGreaterThan(0);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    // The first view is whole; a few ticks on, the views hold about the target, none far past the threshold.
    expect(median(counts[0]!)).toBeGreaterThan(100);
    expect(Math.max(...radii[0]!)).toBe(40);
    for (const tick of [10, 15, 19]) {
      expect(median(counts[tick]!)).toBeLessThanOrEqual(60);
      expect(median(counts[tick]!)).toBeGreaterThan(25);
      expect(Math.max(...counts[tick]!)).toBeLessThan(90);
      expect(Math.max(...radii[tick]!)).toBeLessThan(40);
    }
    // Nine in ten gone at tick 20: the views widen back to the whole radius.
    expect(radii[39]!.every((r) => r === 40)).toBe(true);
  });

  it('refuses crowd options that make no sense', async () => {
    const { arena, store } = await world(16);
    const base = { x: 'position.x', y: 'position.y', bounds: BOUNDS, radiusM: 10 } as const;
    for (const crowd of [{ shrinkAbove: -1 }, { shrinkAbove: 1.5 }, { target: 10, shrinkAbove: 5 }, { minScale: 0 }, { minScale: 2 }, { minScale: Number.NaN }]) {
      expect(() => DeclaredInterest.create(arena, store, { ...base, crowd })).toThrow(InvalidArgumentError);
    }
    expect(DeclaredInterest.create(arena, store, { ...base, crowd: false }).crowd).toBeNull();
    const other = await world(16);
    expect(DeclaredInterest.create(other.arena, other.store, { ...base, crowd: { shrinkAbove: 85 } }).crowd).toEqual({ shrinkAbove: 85, target: 70, minScale: 0.25 });
  });

  it('queries every view each tick when there are too few viewers for the store (the drift pass would cost more than it saves)', async () => {
    const stats = await viewsOverTicks({ viewers: 3, respawn: 0, teleport: 0, crowdStepM: 1, seed: 5 });
    expect(stats.discoveries).toBe(stats.queries);
    expect(stats.jumpersAdded).toBe(0);
  });

  it('sees from a spectator\'s camera what a brute-force scan around that point sees, its hysteresis apart from any avatar\'s, and refuses bad viewers', async () => {
    const { arena, store } = await world(2000);
    const rand = mulberry32(11);
    for (let i = 0; i < 1500; i++) store.spawn('walker', { position: { x: Math.round((rand() * 900 - 450) * 64) / 64, y: Math.round((rand() * 900 - 450) * 64) / 64, z: 0 } });
    const interest = DeclaredInterest.create(arena, store, { x: 'position.x', y: 'position.y', z: 'position.z', bounds: BOUNDS, radiusM: 50, hysteresisM: 10 });
    interest.update();
    const out = new Uint32Array(4096);
    const [x, y] = (['position.x', 'position.y'] as const).map((k) => store.column(k) as Int32Array);
    for (let q = 0; q < 20; q++) {
      const cx = rand() * 800 - 400;
      const cy = rand() * 800 - 400;
      const viewer = -1 - q;
      const n = interest.visibleAt(viewer, cx, cy, 0, out);
      const expected: number[] = [];
      for (let s = 0; s < store.highWater; s++) if (store.typeColumn[s] !== 0 && Math.hypot(x![s]! / 65536 - cx, y![s]! / 65536 - cy) <= 50) expected.push(s);
      expect([...out.subarray(0, n)].sort((a, b) => a - b)).toEqual(expected);
      // The camera moves 5 m on: what it saw within 60 m stays (the band), as for an avatar.
      const again = interest.visibleAt(viewer, cx + 5, cy, 0, out);
      const kept = new Set(out.subarray(0, again));
      for (const s of expected) if (Math.hypot(x![s]! / 65536 - cx - 5, y![s]! / 65536 - cy) <= 60) expect(kept.has(s)).toBe(true);
      interest.forget(viewer);
    }
    expect(() => interest.visibleAt(0, 0, 0, 0, out)).toThrow(InvalidArgumentError);
    expect(() => interest.visibleAt(3, 0, 0, 0, out)).toThrow(InvalidArgumentError);
    expect(() => interest.visibleAt(-1, Number.NaN, 0, 0, out)).toThrow(InvalidArgumentError);
  });

  it('keeps an entity in view until it is past the hysteresis band, and does not let one in from the band', async () => {
    const { arena, store } = await world(16);
    const me = store.spawn('walker', { position: { x: 0, y: 0 } });
    const a = store.spawn('walker', { position: { x: 10, y: 0 } });
    const b = store.spawn('walker', { position: { x: 55, y: 0 } }); // in the band, never seen
    const interest = DeclaredInterest.create(arena, store, { x: 'position.x', y: 'position.y', bounds: BOUNDS, radiusM: 50, hysteresisM: 10 });
    const out = new Uint32Array(16);
    const view = () => {
      interest.update();
      return [...out.subarray(0, interest.visible(me, out))].sort((p, q) => p - q);
    };
    expect(view()).toEqual([me & 0xfffff, a & 0xfffff]);
    store.set(a, 'position.x', 55); // out past the radius, inside the band: stays
    expect(view()).toEqual([me & 0xfffff, a & 0xfffff]);
    expect(interest.stats.heldByHysteresis).toBeGreaterThan(0);
    store.set(a, 'position.x', 49); // pacing the edge: no leave, no enter
    expect(view()).toEqual([me & 0xfffff, a & 0xfffff]);
    store.set(a, 'position.x', 61); // past the band: leaves
    expect(view()).toEqual([me & 0xfffff]);
    store.set(a, 'position.x', 55); // back into the band: not seen until inside the radius
    expect(view()).toEqual([me & 0xfffff]);
    store.set(b, 'position.x', 45);
    expect(view()).toEqual([me & 0xfffff, b & 0xfffff]);
    store.despawn(b);
    expect(view()).toEqual([me & 0xfffff]);
  });

  it('cuts a view at the caller\'s capacity (counted), puts strays back on the edge, and refuses a store outside the arena', async () => {
    const { arena, store } = await world(64);
    for (let i = 0; i < 40; i++) store.spawn('walker', { position: { x: i, y: 0 } });
    // Bounds from the declared ranges: [-500, 500] m.
    const interest = DeclaredInterest.create(arena, store, { x: 'position.x', y: 'position.y', radiusM: 100 });
    interest.update();
    const small = new Uint32Array(8);
    expect(interest.visible(store.idAt(0), small)).toBe(8);
    expect(interest.stats.truncated).toBe(1);
    // The nearest kept, ascending, the viewer's own avatar among them, however high its slot (a tie goes to the lower slot).
    expect(Array.from(small.subarray(0, interest.visible(store.idAt(20), small)))).toEqual([16, 17, 18, 19, 20, 21, 22, 23]);
    expect(Array.from(small.subarray(0, interest.visible(store.idAt(39), small)))).toEqual([32, 33, 34, 35, 36, 37, 38, 39]);
    // The next tick the same (what was cut is not held by the band), and one entity on: still the nearest.
    interest.update();
    expect(Array.from(small.subarray(0, interest.visible(store.idAt(39), small)))).toEqual([32, 33, 34, 35, 36, 37, 38, 39]);
    expect(interest.stats.truncated).toBe(4);
    // A rule writes a column directly, past the declared range: the index would refuse it.
    (store.column('position.x') as Int32Array)[30] = 900 * 65536;
    interest.update();
    expect(interest.stats.clampedOutOfWorld).toBe(1);
    expect(store.get(store.idAt(30), 'position.x')).toBe(500);
    expect(interest.stats.indexed).toBe(40);
    expect(interest.visible(store.idAt(30), new Uint32Array(64))).toBe(1);
    expect(interest.visible(0xfffff, small)).toBe(0);
    // An avatar gone, its slot another entity's since: the old id sees nothing, the new one its view.
    const gone = store.idAt(5);
    store.despawn(gone);
    const next = store.spawn('walker', { position: { x: 5, y: 0 } });
    expect(next & 0xfffff).toBe(5);
    interest.update();
    expect(interest.visible(gone, small)).toBe(0);
    expect(interest.visible(next, small)).toBe(8);
    const outside = new GameStore(GAME, { capacity: 4 });
    expect(() => DeclaredInterest.create(arena, outside, { x: 'position.x', y: 'position.y', bounds: BOUNDS, radiusM: 10 })).toThrow(InvalidArgumentError);
    expect(() => DeclaredInterest.create(arena, store, { x: 'tag.n' as never, y: 'position.y', bounds: BOUNDS, radiusM: 10 })).toThrow(/not a q16/);
  });

  it('leaves an entity of a type without a position (a world\'s settings) out of every view', async () => {
    const SETTINGS = defineGame({
      name: 'settings',
      components: { position: { fields: { x: M, y: M } }, rules: { fields: { n: { type: 'u32' } } } },
      types: { walker: ['position'], settings: ['rules'] },
    });
    const arena = await freshArena();
    const region = arena.allocate('store', GameStore.bytesFor(SETTINGS, 16));
    const store = new GameStore(SETTINGS, { capacity: 16, memory: { buffer: arena.memoryBuffer, byteOffset: region.ptr } });
    const settings = store.spawn('settings', { rules: { n: 3 } });
    const me = store.spawn('walker', { position: { x: 0, y: 0 } });
    const near = store.spawn('walker', { position: { x: 1, y: 0 } });
    const interest = DeclaredInterest.create(arena, store, { x: 'position.x', y: 'position.y', bounds: BOUNDS, radiusM: 10 });
    interest.update();
    const out = new Uint32Array(16);
    const seen = Array.from(out.subarray(0, interest.visible(me, out))).sort();
    // The settings sit at the origin in the columns (every slot has them), beside the avatar.
    expect(seen).toEqual([me & 0xfffff, near & 0xfffff].sort());
    expect(seen).not.toContain(settings & 0xfffff);
  });
});
