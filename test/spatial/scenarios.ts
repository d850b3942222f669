// Seeded worlds for the spatial tests: an owned-columns SpatialIndex filled by a placement
// rule, moved tick by tick, with the Points view the brute-force oracles read.

import { Arena } from '../../src/wasm/arena.js';
import { SpatialIndex, type SpatialIndexOptions } from '../../src/spatial/index.js';
import type { Bounds } from '../../src/core/schema.js';
import { freshArena, mulberry32 } from '../helpers/wasm.js';
import type { Points } from './reference.js';

export const Q = 65536;

export interface Scenario {
  arena: Arena;
  index: SpatialIndex;
  bounds: Bounds;
  rand: () => number;
  points(): Points;
  /** A random point inside the world (metres). */
  anyPoint(): [number, number, number];
}

export type Placement = (i: number, rand: () => number, bounds: Bounds) => [number, number, number, number];

export const uniform: Placement = (_i, rand, b) => [
  b.minX + rand() * (b.maxX - b.minX),
  b.minY + rand() * (b.maxY - b.minY),
  b.minZ + rand() * (b.maxZ - b.minZ),
  0,
];

/** Most entities inside a 100 m cube around (cx, cy, 50), the rest uniform. */
export function hotspot(share: number, cx = 0, cy = 0): Placement {
  return (i, rand, b) =>
    rand() < share ? [cx - 50 + rand() * 100, cy - 50 + rand() * 100, Math.min(b.maxZ, b.minZ + rand() * 100), 0] : uniform(i, rand, b);
}

export async function scenario(
  count: number,
  bounds: Bounds,
  place: Placement,
  options: SpatialIndexOptions = {},
  seed = 1,
): Promise<Scenario> {
  const arena = await freshArena({ maximumPages: 4096 });
  const rand = mulberry32(seed);
  const index = SpatialIndex.create(arena, bounds, { capacity: count, radius: true, ...options });
  for (let i = 0; i < count; i++) {
    const [x, y, z, r] = place(i, rand, bounds);
    index.insert(i, x, y, z, r);
  }
  const members = Array.from({ length: count }, (_, i) => i);
  return {
    arena,
    index,
    bounds,
    rand,
    points: () => {
      const p = index.positions;
      return { x: p.x, y: p.y, z: p.z, r: p.radius, members: members.filter((i) => index.has(i)) };
    },
    anyPoint: () => [
      bounds.minX + rand() * (bounds.maxX - bounds.minX),
      bounds.minY + rand() * (bounds.maxY - bounds.minY),
      bounds.minZ + rand() * (bounds.maxZ - bounds.minZ),
    ],
  };
}

/** Moves every indexed entity by up to `stepM` per axis (clamped to the world), then update(). */
export function moveAll(s: Scenario, stepM: number): void {
  const p = s.index.positions;
  const b = s.bounds;
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, Math.round(lo * Q)), Math.round(hi * Q));
  for (let i = 0; i < s.index.capacity; i++) {
    if (!s.index.has(i)) continue;
    p.x[i] = clamp(p.x[i]! + Math.round((s.rand() * 2 - 1) * stepM * Q), b.minX, b.maxX);
    p.y[i] = clamp(p.y[i]! + Math.round((s.rand() * 2 - 1) * stepM * Q), b.minY, b.maxY);
    p.z[i] = clamp(p.z[i]! + Math.round((s.rand() * 2 - 1) * stepM * Q), b.minZ, b.maxZ);
  }
  s.index.update();
}

/**
 * The bytes of every region of the index's own structure (not the position columns it reads),
 * hashed: equal before and after means untouched.
 */
export function indexFingerprint(s: Scenario): string {
  let h = 0x811c9dc5;
  for (const region of s.index.regions()) {
    if (region.name.endsWith(':positions')) continue;
    const bytes = region.bytes();
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    h = Math.imul(h ^ region.ptr, 0x01000193);
  }
  return (h >>> 0).toString(16);
}

export const WORLD_10KM: Bounds = { minX: -5000, minY: -5000, minZ: 0, maxX: 5000, maxY: 5000, maxZ: 100 };
