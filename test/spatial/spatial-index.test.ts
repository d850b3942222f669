// SpatialIndex behaviour: the layout agreement with the kernels, hysteresis at cell borders,
// split and merge, growth of every pool, rejected input leaving the index byte for byte as it
// was, batched radius queries, and the World-backed index following alive flags.

import { describe, expect, it } from 'vitest';
import {
  CapacityError, ConfigError, InvalidArgumentError, InvalidValueError, OutOfWorldError, StateError, UnknownEntityError,
} from '../../src/core/errors.js';
import { World } from '../../src/core/world.js';
import { EntityStore } from '../../src/core/entity-store.js';
import { DEFAULT_CONFIG, worldBounds } from '../../src/core/config.js';
import { SpatialIndex, Frustum, spatialKernels } from '../../src/spatial/index.js';
import { SH, SPATIAL_HEADER_BYTES, SPATIAL_MAGIC, SPATIAL_VERSION } from '../../src/spatial/layout.js';
import { freshArena } from '../helpers/wasm.js';
import { bruteRadius, sorted } from './reference.js';
import { hotspot, indexFingerprint, moveAll, Q, scenario, uniform, WORLD_10KM } from './scenarios.js';

describe('SpatialIndex layout', () => {
  it('agrees with the kernels on header size, version and the fields it writes', async () => {
    const arena = await freshArena();
    const k = spatialKernels(arena.wasm);
    expect(k.spatial_layout_header_bytes()).toBe(SPATIAL_HEADER_BYTES);
    expect(k.spatial_layout_version()).toBe(SPATIAL_VERSION);
    const index = SpatialIndex.create(arena, WORLD_10KM, { capacity: 100 });
    const h = new Uint32Array(arena.memoryBuffer, index.ptr, SPATIAL_HEADER_BYTES / 4);
    expect(h[SH.magic / 4]).toBe(SPATIAL_MAGIC);
    expect(h[SH.capacity / 4]).toBe(100);
    // Level 0 is the 50 m base cell; levels double until one cell spans the 10 km world.
    expect(index.levels).toBe(9);
    expect(index.stats().cellSideM.slice(0, 3)).toEqual([50, 100, 200]);
  });

  it('rejects options out of range with a ConfigError naming the option', async () => {
    const arena = await freshArena();
    expect(() => SpatialIndex.create(arena, WORLD_10KM, { capacity: 10, baseCellM: 0 })).toThrow(ConfigError);
    expect(() => SpatialIndex.create(arena, WORLD_10KM, { capacity: 10, hysteresis: 0.9 })).toThrow(/hysteresis/);
    expect(() => SpatialIndex.create(arena, WORLD_10KM, { capacity: 10, mergeThreshold: 40, splitThreshold: 32 })).toThrow(/mergeThreshold/);
    expect(() => SpatialIndex.create(arena, WORLD_10KM, { capacity: 10, maxSplitDepth: 9 })).toThrow(/maxSplitDepth/);
    expect(() => SpatialIndex.create(arena, { ...WORLD_10KM, maxX: Number.NaN }, { capacity: 10 })).toThrow(/bounds.x/);
  });
});

describe('hysteresis', () => {
  it('changes an entity jittering across a cell border at most once', async () => {
    const s = await scenario(1, WORLD_10KM, () => [49.5, 10, 10, 0], { hysteresis: 0.15 });
    const before = s.index.counters().cellChanges;
    // Back and forth across x = 50 m (a border) by up to 3 m, well inside the 7.5 m margin.
    for (let t = 0; t < 200; t++) s.index.move(0, 50 + (t % 2 === 0 ? 3 : -3) * (t % 7) / 6, 10, 10);
    expect(s.index.counters().cellChanges - before).toBeLessThanOrEqual(1);
    s.index.check(true);
  });

  it('changes cell once the entity is past the border by more than the margin', async () => {
    const s = await scenario(1, WORLD_10KM, () => [45, 10, 10, 0], { hysteresis: 0.1 });
    s.index.move(0, 54, 10, 10); // 4 m past the border at 50 m: inside the 5 m margin
    expect(s.index.counters().cellChanges).toBe(0);
    s.index.move(0, 56, 10, 10);
    expect(s.index.counters().cellChanges).toBe(1);
    s.index.check(true);
  });
});

describe('split and merge', () => {
  it('splits a crowded cell, merges it when the crowd leaves, and keeps every entity findable', async () => {
    const s = await scenario(3000, WORLD_10KM, hotspot(1, 1000, 1000), { splitThreshold: 16, mergeThreshold: 4, maxSplitDepth: 5 }, 7);
    const crowded = s.index.stats();
    expect(crowded.splitCells).toBeGreaterThan(0);
    expect(s.index.counters().splits).toBeGreaterThan(0);
    // Disperse over the whole world, a step at a time, checking queries on the way.
    const p = s.index.positions;
    for (let step = 0; step < 4; step++) {
      for (let i = 0; i < 3000; i++) {
        const angle = (i * 2.399) % (Math.PI * 2);
        const d = (step + 1) * 1000 * ((i % 97) / 97);
        p.x[i] = Math.round((1000 + Math.cos(angle) * d) * Q);
        p.y[i] = Math.round((1000 + Math.sin(angle) * d) * Q);
      }
      s.index.update();
      s.index.check(true);
      const out = s.index.createResult();
      for (let q = 0; q < 10; q++) {
        const [x, y, z] = s.anyPoint();
        const n = s.index.radiusInto(out, x / 3, y / 3, z, 300);
        expect(sorted(out.ids, n)).toEqual(bruteRadius(s.points(), x / 3, y / 3, z, 300));
      }
    }
    expect(s.index.counters().merges).toBeGreaterThan(0);
    expect(s.index.stats().splitCells).toBeLessThan(crowded.splitCells);
  });

  it('stops splitting at the depth limit when entities share one point', async () => {
    const s = await scenario(500, WORLD_10KM, () => [12.5, 12.5, 12.5, 0], { splitThreshold: 8, mergeThreshold: 2, maxSplitDepth: 3 });
    expect(s.index.stats().maxDepthInUse).toBe(3);
    expect(Array.from(s.index.radius(12.5, 12.5, 12.5, 0)).length).toBe(500);
    s.index.check(true);
  });
});

describe('bulk build', () => {
  it('builds an empty index in one pass that answers exactly like one built entity by entity', async () => {
    const arena = await freshArena({ maximumPages: 4096 });
    const src = arena.soa('bulk-src', 20_000, { x: 'i32', y: 'i32', z: 'i32' });
    const place = hotspot(0.4, 300, -200);
    let seed = 5;
    const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
    for (let i = 0; i < 20_000; i++) {
      const [x, y, z] = place(i, rand, WORLD_10KM);
      src.column('x')[i] = Math.round(x * Q);
      src.column('y')[i] = Math.round(y * Q);
      src.column('z')[i] = Math.round(z * Q);
    }
    const source = { posX: src.ptrOf('x'), posY: src.ptrOf('y'), posZ: src.ptrOf('z'), capacity: 20_000 };
    const bulk = SpatialIndex.forSource(arena, WORLD_10KM, source, { name: 'bulk' });
    bulk.trackAll(20_000);
    const single = SpatialIndex.forSource(arena, WORLD_10KM, source, { name: 'single' });
    for (let i = 0; i < 20_000; i++) single.track(i);
    bulk.check(true);
    expect(bulk.size).toBe(20_000);
    expect(bulk.counters().splits).toBeGreaterThan(0);
    const members = Array.from({ length: 20_000 }, (_, i) => i);
    const points = { x: src.column('x'), y: src.column('y'), z: src.column('z'), members };
    for (let q = 0; q < 30; q++) {
      const x = q < 15 ? 300 + (rand() - 0.5) * 120 : (rand() - 0.5) * 9000;
      const y = q < 15 ? -200 + (rand() - 0.5) * 120 : (rand() - 0.5) * 9000;
      const expected = bruteRadius(points, x, y, 50, 80);
      expect(Array.from(bulk.radius(x, y, 50, 80)).sort((a, b) => a - b)).toEqual(expected);
      expect(Array.from(single.radius(x, y, 50, 80)).sort((a, b) => a - b)).toEqual(expected);
      expect(Array.from(bulk.knn(x, y, 50, 20))).toEqual(Array.from(single.knn(x, y, 50, 20)));
    }
  });

  it('splits a crowd of thousands in one top cell within its pools: what the arena hands out next is not the index\'s', async () => {
    // 20,000 in a disc of 150 m: a top cell's split cascades into every over-full child. Sized
    // for one chain, the pools overflowed into memory the arena had taken back, and the next
    // region it handed out (zeroed) broke the index (a tick later: out-of-bounds in the kernels).
    const arena = await freshArena({ maximumPages: 4096 });
    const n = 20_000;
    const src = arena.soa('crowd-src', n, { x: 'i32', y: 'i32', z: 'i32' });
    let seed = 9;
    const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
    for (let i = 0; i < n; i++) {
      const r = 150 * Math.sqrt(rand());
      const a = rand() * 2 * Math.PI;
      src.column('x')[i] = Math.round(r * Math.cos(a) * Q);
      src.column('y')[i] = Math.round(r * Math.sin(a) * Q);
    }
    const index = SpatialIndex.forSource(arena, WORLD_10KM, { posX: src.ptrOf('x'), posY: src.ptrOf('y'), posZ: src.ptrOf('z'), capacity: n }, { name: 'crowd' });
    index.trackAll(n);
    // Everything the arena holds free now goes to others, zeroed.
    for (let k = 0; k < 400; k++) arena.allocate(`other-${k}`, 4096);
    index.check(true);
    const points = { x: src.column('x'), y: src.column('y'), z: src.column('z'), members: Array.from({ length: n }, (_, i) => i) };
    for (let q = 0; q < 10; q++) {
      const x = (rand() - 0.5) * 300;
      const y = (rand() - 0.5) * 300;
      expect(Array.from(index.radius(x, y, 0, 12)).sort((a, b) => a - b)).toEqual(bruteRadius(points, x, y, 0, 12));
    }
  });

  it('validates every slot before a bulk track and changes nothing on error', async () => {
    const arena = await freshArena();
    const src = arena.soa('bulk-bad', 100, { x: 'i32', y: 'i32', z: 'i32' });
    src.column('z')[42] = -Q;
    const index = SpatialIndex.forSource(arena, WORLD_10KM, { posX: src.ptrOf('x'), posY: src.ptrOf('y'), posZ: src.ptrOf('z'), capacity: 100 });
    expect(() => index.trackAll(100)).toThrow(/slot 42 z/);
    expect(index.size).toBe(0);
    index.check();
  });
});

describe('growth', () => {
  it('grows every pool and the brick table on demand and stays exact', async () => {
    // A sparse world: nearly every entity in its own brick, far beyond the initial pools.
    const s = await scenario(5000, { minX: -30000, minY: -30000, minZ: -30000, maxX: 30000, maxY: 30000, maxZ: 30000 }, uniform, { baseCellM: 20 }, 8);
    moveAll(s, 50);
    expect(s.index.counters().growths).toBeGreaterThan(0);
    s.index.check(true);
    const out = s.index.createResult();
    for (let q = 0; q < 20; q++) {
      const [x, y, z] = s.anyPoint();
      const n = s.index.radiusInto(out, x, y, z, 3000);
      expect(sorted(out.ids, n)).toEqual(bruteRadius(s.points(), x, y, z, 3000));
    }
  });

  it('compacts the entry array when moved blocks fill it, keeping answers exact', async () => {
    const s = await scenario(2000, WORLD_10KM, (i, r, b) => {
      const p = uniform(i, r, b);
      p[0] /= 10;
      p[1] /= 10;
      return p;
    }, {}, 9);
    const before = s.index.counters().compactions;
    for (let t = 0; t < 40; t++) moveAll(s, 30);
    expect(s.index.counters().compactions).toBeGreaterThan(before);
    s.index.check(true);
  });
});

describe('rejected input', () => {
  it('leaves the index byte for byte as it was after every kind of bad input', async () => {
    const s = await scenario(500, WORLD_10KM, uniform, {}, 10);
    const index = s.index;
    index.remove(499);
    const fingerprint = indexFingerprint(s);
    const bad: [string, () => unknown, new (...args: never[]) => Error][] = [
      ['NaN position', () => index.insert(499, Number.NaN, 0, 0), InvalidValueError],
      ['out-of-world insert', () => index.insert(499, 0, 0, -1), OutOfWorldError],
      ['insert into an indexed slot', () => index.insert(3, 0, 0, 0), InvalidArgumentError],
      ['NaN move', () => index.move(3, 0, Number.NaN, 0), InvalidValueError],
      ['infinite move', () => index.move(3, Infinity, 0, 0), InvalidValueError],
      ['out-of-world move', () => index.move(3, 6000, 0, 0), OutOfWorldError],
      ['negative radius', () => index.move(3, 0, 0, 0, -1), InvalidValueError],
      ['unknown slot', () => index.move(9999, 0, 0, 0), UnknownEntityError],
      ['remove of an unindexed slot', () => { index.remove(2); index.remove(2); }, UnknownEntityError],
      ['radius NaN', () => index.radius(0, 0, 0, Number.NaN), InvalidValueError],
      ['radius negative', () => index.radius(0, 0, 0, -5), InvalidValueError],
      ['radius centre outside', () => index.radius(0, 0, 500, 5), OutOfWorldError],
      ['box inverted', () => index.box(10, 0, 0, 0, 10, 10), InvalidValueError],
      ['knn k = 0', () => index.knn(0, 0, 0, 0), InvalidValueError],
      ['knn k fractional', () => index.knn(0, 0, 0, 2.5), InvalidValueError],
      ['ray zero direction', () => index.rayFirst(0, 0, 0, 0, 0, 0, 10), InvalidValueError],
      ['ray NaN length', () => index.rayFirst(0, 0, 0, 1, 0, 0, Number.NaN), InvalidValueError],
      ['frustum of 5 planes', () => Frustum.fromPlanes(new Array(20).fill(1)), InvalidArgumentError],
      ['frustum with a zero normal', () => Frustum.fromPlanes([0, 0, 0, 1, ...new Array(20).fill(1)]), InvalidValueError],
      ['frustum with NaN', () => Frustum.fromCamera({ position: [0, 0, 0], forward: [1, 0, 0], fovYRad: Number.NaN, aspect: 1, nearM: 1, farM: 2 }), InvalidValueError],
      ['not a frustum', () => index.frustum({} as Frustum), InvalidArgumentError],
    ];
    // The one valid removal inside the list (slot 2, first call) changes the index: take the
    // fingerprint after it.
    let expected = fingerprint;
    for (const [what, call, type] of bad) {
      if (what === 'remove of an unindexed slot') {
        expect(call, what).toThrow(type);
        expected = indexFingerprint(s);
        continue;
      }
      expect(call, what).toThrow(type);
      expect(indexFingerprint(s), what).toBe(expected);
    }
    index.check(true);
  });

  it('rejects an update whose source holds an out-of-world position and changes nothing', async () => {
    const s = await scenario(300, WORLD_10KM, uniform, {}, 11);
    moveAll(s, 5);
    const fingerprint = indexFingerprint(s);
    const p = s.index.positions;
    const saved = p.z[17]!;
    p.x[5] = p.x[5]! + Q; // a legal move that must not be applied either
    p.z[17] = 101 * Q;
    expect(() => s.index.update()).toThrow(OutOfWorldError);
    expect(indexFingerprint(s)).toBe(fingerprint);
    p.z[17] = saved;
    s.index.update();
    s.index.check(true);
  });

  it('refuses writes on a disposed index', async () => {
    const s = await scenario(10, WORLD_10KM, uniform);
    s.index.dispose();
    expect(() => s.index.update()).toThrow(StateError);
  });
});

describe('batched radius queries', () => {
  it('answer each query exactly as a single query does, as ranges of one id buffer', async () => {
    const s = await scenario(4000, WORLD_10KM, (i, r, b) => {
      const p = uniform(i, r, b);
      p[0] /= 10;
      p[1] /= 10;
      return p;
    }, {}, 12);
    const q = s.index.createBatchQuery(300);
    for (let j = 0; j < 300; j++) {
      const [x, y, z] = s.anyPoint();
      q.setCenter(j, x / 10, y / 10, z, 20 + (j % 5) * 20);
    }
    // A deliberately small buffer: the batch grows it, resuming where it stopped.
    const out = s.index.createBatchResult({ queries: 8, ids: 16 });
    s.index.radiusBatch(q, 300, out);
    expect(out.queries).toBe(300);
    let total = 0;
    for (let j = 0; j < 300; j++) {
      const x = q.x[j]! / Q, y = q.y[j]! / Q, z = q.z[j]! / Q, r = q.radius[j]! / Q;
      expect(Array.from(out.of(j)).sort((a, b) => a - b)).toEqual(bruteRadius(s.points(), x, y, z, r));
      total += out.counts[j]!;
    }
    expect(out.total).toBe(total);
    expect(out.idCapacity).toBeGreaterThan(16);
  });

  it('centres queries on entities and leaves each entity out of its own results', async () => {
    const s = await scenario(1000, WORLD_10KM, (i, r, b) => {
      const p = uniform(i, r, b);
      p[0] /= 20;
      p[1] /= 20;
      return p;
    }, {}, 13);
    const q = s.index.createBatchQuery(100);
    for (let j = 0; j < 100; j++) q.setSlot(j, j * 7);
    const out = s.index.createBatchResult();
    s.index.radiusBatch(q, 100, out, { useSlots: true, excludeSelf: true, radiusM: 60 });
    const p = s.points();
    for (let j = 0; j < 100; j++) {
      const slot = j * 7;
      const expected = bruteRadius(p, p.x[slot]! / Q, p.y[slot]! / Q, p.z[slot]! / Q, 60, slot);
      expect(Array.from(out.of(j)).sort((a, b) => a - b)).toEqual(expected);
    }
  });

  it('throws CapacityError, without corrupting anything, when results exceed maxIds', async () => {
    const s = await scenario(500, WORLD_10KM, () => [0, 0, 50, 0]);
    const q = s.index.createBatchQuery(4);
    for (let j = 0; j < 4; j++) q.setCenter(j, 0, 0, 50, 10);
    const out = s.index.createBatchResult({ ids: 64, maxIds: 1000 });
    expect(() => s.index.radiusBatch(q, 4, out)).toThrow(CapacityError);
    s.index.check(true);
  });

  it('rejects a batch centre outside the world before running any query', async () => {
    const s = await scenario(50, WORLD_10KM, uniform);
    const q = s.index.createBatchQuery(2);
    q.setCenter(0, 0, 0, 50, 10);
    q.setCenter(1, 0, 0, 150, 10);
    expect(() => s.index.radiusBatch(q, 2, s.index.createBatchResult())).toThrow(OutOfWorldError);
  });
});

describe('an index over a World', () => {
  async function demoWorld(npcs: number): Promise<World> {
    const arena = await freshArena();
    const world = World.create(arena, { capacity: npcs + 64, seed: 3, tickHz: 60, bounds: worldBounds(DEFAULT_CONFIG), npc: DEFAULT_CONFIG.npc });
    world.spawnNpcs(npcs);
    return world;
  }

  it('indexes exactly the alive slots and follows spawns, moves and deaths with update()', async () => {
    const world = await demoWorld(2000);
    const index = SpatialIndex.forWorld(world);
    index.update();
    expect(index.size).toBe(2000);
    const store = new EntityStore(world);
    const id = store.create('object', { posX: 100, posY: 100, posZ: 10, radius: 40 });
    store.destroy(store.create('object', { posX: -100, posY: 0, posZ: 0 }));
    for (let t = 0; t < 30; t++) {
      world.step();
      index.update();
    }
    expect(index.size).toBe(2001);
    index.check(true);
    const x = world.column('posX'), y = world.column('posY'), z = world.column('posZ'), r = world.column('radius');
    const flags = world.column('flags');
    const members = Array.from({ length: world.highWater }, (_, i) => i).filter((i) => (flags[i]! & 1) !== 0);
    const found = Array.from(index.radius(100, 100, 10, 200)).sort((a, b) => a - b);
    expect(found).toEqual(bruteRadius({ x, y, z, r, members }, 100, 100, 10, 200));
    expect(found.map((slot) => index.entityId(slot))).toContain(id);
    store.destroy(id);
    index.update();
    expect(index.size).toBe(2000);
    index.check(true);
  });

  it('takes membership from flags only: track and remove are refused', async () => {
    const world = await demoWorld(10);
    const index = SpatialIndex.forWorld(world);
    expect(() => index.remove(0)).toThrow(StateError);
    expect(() => index.insert(0, 0, 0, 0)).toThrow(StateError);
  });
});
