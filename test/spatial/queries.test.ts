// Every query against brute force on seeded worlds, across ticks of movement: uniform, a
// clustered hotspot, large entities, entities on cell borders and world edges, negative
// coordinates and 3D heights. The oracles (reference.ts) repeat the kernels' arithmetic, so
// "exact" means equal sets (radius, box) and equal sequences (knn, ray), boundaries included.

import { describe, expect, it } from 'vitest';
import { Frustum } from '../../src/spatial/index.js';
import { bruteBox, bruteKnn, bruteRadius, bruteRay, sorted } from './reference.js';
import { hotspot, moveAll, scenario, uniform, WORLD_10KM, type Placement, type Scenario } from './scenarios.js';
import type { Bounds } from '../../src/core/schema.js';

const QUERIES_PER_TICK = 12;

function checkRadius(s: Scenario, rM: number): void {
  const out = s.index.createResult(16);
  for (let q = 0; q < QUERIES_PER_TICK; q++) {
    const [x, y, z] = s.anyPoint();
    const n = s.index.radiusInto(out, x, y, z, rM);
    expect(sorted(out.ids, n)).toEqual(bruteRadius(s.points(), x, y, z, rM));
  }
  out.dispose();
}

function checkBox(s: Scenario, halfM: number): void {
  for (let q = 0; q < QUERIES_PER_TICK; q++) {
    const [x, y, z] = s.anyPoint();
    const lo = [x - halfM * s.rand(), y - halfM * s.rand(), z - halfM * s.rand()];
    const hi = [x + halfM * s.rand(), y + halfM * s.rand(), z + halfM * s.rand()];
    const got = Array.from(s.index.box(lo[0]!, lo[1]!, lo[2]!, hi[0]!, hi[1]!, hi[2]!)).sort((a, b) => a - b);
    expect(got).toEqual(bruteBox(s.points(), lo, hi));
  }
}

function checkKnn(s: Scenario, k: number): void {
  const out = s.index.createResult(4);
  for (let q = 0; q < QUERIES_PER_TICK; q++) {
    const [x, y, z] = s.anyPoint();
    const n = s.index.knnInto(out, x, y, z, k);
    const [ids, dist] = bruteKnn(s.points(), x, y, z, k);
    expect(Array.from(out.ids.subarray(0, n))).toEqual(ids);
    expect(Array.from(out.distances.subarray(0, n))).toEqual(dist);
  }
  out.dispose();
}

function checkRay(s: Scenario, lengthM: number, thicknessM: number): void {
  const out = s.index.createResult(4);
  for (let q = 0; q < QUERIES_PER_TICK; q++) {
    const o = s.anyPoint();
    const d = [s.rand() * 2 - 1, s.rand() * 2 - 1, (s.rand() * 2 - 1) * 0.2];
    const [ids, ts] = bruteRay(s.points(), o, d, lengthM, thicknessM);
    const n = s.index.rayAllInto(out, o[0], o[1], o[2], d[0]!, d[1]!, d[2]!, lengthM, { thicknessM });
    expect(Array.from(out.ids.subarray(0, n))).toEqual(ids);
    expect(Array.from(out.distances.subarray(0, n))).toEqual(ts);
    const first = s.index.rayFirst(o[0], o[1], o[2], d[0]!, d[1]!, d[2]!, lengthM, { thicknessM });
    expect(first).toEqual(ids.length > 0 ? { slot: ids[0], distanceM: ts[0] } : null);
  }
  out.dispose();
}

function checkFrustum(s: Scenario): void {
  for (let q = 0; q < 4; q++) {
    const [x, y, z] = s.anyPoint();
    const angle = s.rand() * Math.PI * 2;
    const f = Frustum.fromCamera({
      position: [x, y, z],
      forward: [Math.cos(angle), Math.sin(angle), -0.2 + s.rand() * 0.4],
      fovYRad: 0.4 + s.rand(),
      aspect: 1 + s.rand(),
      nearM: s.rand() * 5,
      farM: 50 + s.rand() * 400,
    });
    const p = s.points();
    const expected = p.members.filter((i) => f.sphereVisible(p.x[i]!, p.y[i]!, p.z[i]!, p.r ? p.r[i]! : 0));
    expect(Array.from(s.index.frustum(f)).sort((a, b) => a - b)).toEqual(expected);
  }
}

function checkAll(s: Scenario, radiusM: number, k: number): void {
  checkRadius(s, radiusM);
  checkBox(s, radiusM);
  checkKnn(s, k);
  checkRay(s, radiusM * 4, 0.5);
  checkFrustum(s);
  s.index.check(true);
}

async function runTicks(count: number, bounds: Bounds, place: Placement, ticks: number, stepM: number, radiusM: number, k: number, seed: number): Promise<Scenario> {
  const s = await scenario(count, bounds, place, {}, seed);
  s.index.check(true);
  checkAll(s, radiusM, k);
  for (let t = 0; t < ticks; t++) {
    moveAll(s, stepM);
    checkAll(s, radiusM, k);
  }
  return s;
}

describe('spatial queries against brute force', () => {
  it('are exact on a uniform world across ticks of movement', async () => {
    await runTicks(4000, WORLD_10KM, (i, r, b) => {
      const p = uniform(i, r, b);
      p[0] /= 8;
      p[1] /= 8;
      return p;
    }, 6, 3, 60, 10, 1);
  });

  it('are exact in a clustered hotspot (5,000 entities within 100 m) that splits cells', async () => {
    const s = await runTicks(6000, WORLD_10KM, hotspot(5000 / 6000), 4, 2, 40, 50, 2);
    expect(s.index.stats().splitCells).toBeGreaterThan(0);
    expect(s.index.stats().maxDepthInUse).toBeGreaterThan(0);
  });

  it('are exact with large entities on coarser levels, never missed and never returned twice', async () => {
    const place: Placement = (i, rand, b) => {
      const p = uniform(i, rand, b);
      p[0] /= 20;
      p[1] /= 20;
      // Mostly small, some up to ten cells wide.
      p[3] = rand() < 0.8 ? rand() * 2 : rand() < 0.7 ? 25 + rand() * 100 : 200 + rand() * 300;
      return p;
    };
    const s = await runTicks(1500, WORLD_10KM, place, 4, 5, 30, 20, 3);
    expect(s.index.stats().levelsInUse).toBeGreaterThan(2);
    // No duplicates: a radius query covering everything returns each slot once.
    const all = s.index.radius(0, 0, 50, 8000);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(1500);
  });

  it('are exact for entities exactly on cell borders and on the world edges', async () => {
    // Positions on the 50 m lattice (cell borders), including every world face.
    const place: Placement = (_i, rand, b) => [
      b.minX + Math.floor(rand() * 21) * 50,
      b.minY + Math.floor(rand() * 21) * 50,
      [b.minZ, 50, b.maxZ][Math.floor(rand() * 3)]!,
      rand() < 0.5 ? 0 : 10,
    ];
    const bounds: Bounds = { minX: -500, minY: -500, minZ: 0, maxX: 500, maxY: 500, maxZ: 100 };
    const s = await scenario(2000, bounds, place, {}, 4);
    checkAll(s, 50, 12);
    // Queries on the lattice: boundary distances are exactly r.
    const out = s.index.createResult();
    for (const [x, y, z] of [[0, 0, 50], [-500, -500, 0], [500, 500, 100], [50, -450, 100]] as const) {
      const n = s.index.radiusInto(out, x, y, z, 50);
      expect(sorted(out.ids, n)).toEqual(bruteRadius(s.points(), x, y, z, 50));
    }
  });

  it('are exact in a world of negative coordinates with 3D heights', async () => {
    const bounds: Bounds = { minX: -3000, minY: -2000, minZ: -800, maxX: -1000, maxY: -500, maxZ: 700 };
    await runTicks(3000, bounds, uniform, 4, 20, 150, 25, 5);
  });

  it('returns every entity once for k larger than the population', async () => {
    const s = await scenario(300, WORLD_10KM, uniform, {}, 6);
    const out = s.index.createResult();
    expect(s.index.knnInto(out, 0, 0, 0, 300)).toBe(300);
    const [ids] = bruteKnn(s.points(), 0, 0, 0, 300);
    expect(Array.from(out.ids.subarray(0, 300))).toEqual(ids);
  });

  it('breaks k-nearest ties by the smaller slot', async () => {
    const s = await scenario(64, { minX: 0, minY: 0, minZ: 0, maxX: 100, maxY: 100, maxZ: 100 }, (i) => [
      // Eight entities on each of eight points equidistant from the centre.
      50 + (i & 1 ? 10 : -10), 50 + (i & 2 ? 10 : -10), 50 + (i & 4 ? 10 : -10), 0,
    ]);
    expect(Array.from(s.index.knn(50, 50, 50, 5))).toEqual([0, 1, 2, 3, 4]);
  });
});
