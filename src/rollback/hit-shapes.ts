// The shapes a declared game's hitboxes take (declared-hitboxes.ts), placed on the entity's
// position, and where a ray first enters each. A sphere suits a ball or a drone, an upright
// capsule a walking body (a humanoid is about 0.4 m wide and 1.8 m tall: no sphere fits both), an
// axis-aligned box a crate, a wall section or a vehicle seen from above. Everything in metres.
//
// In a 2D game (position without z) heights mean nothing: every shape is cut at the ground plane
// (a sphere and a capsule are circles of their radius, a box its rectangle).

import { InvalidArgumentError } from '../core/errors.js';

export type HitShape =
  /** A sphere of radiusM, its centre centreHeightM above the position. */
  | { readonly kind: 'sphere'; readonly radiusM: number; readonly centreHeightM?: number }
  /** An upright capsule from baseHeightM (default 0) to baseHeightM + heightM above the position, radiusM round (heightM >= 2 radiusM). */
  | { readonly kind: 'capsule'; readonly radiusM: number; readonly heightM: number; readonly baseHeightM?: number }
  /** A box along the axes, half extents halfM, its centre centreHeightM above the position. */
  | { readonly kind: 'box'; readonly halfM: { readonly x: number; readonly y: number; readonly z?: number }; readonly centreHeightM?: number };

export const SHAPE_SPHERE = 0;
export const SHAPE_CAPSULE = 1;
export const SHAPE_BOX = 2;

/**
 * A shape as the hitscan loop reads it: kind, radius (sphere, capsule), the heights of its
 * centre or of its segment's ends above the position (capsule: lo and hi are the centres of
 * its end spheres), and a box's half extents.
 */
export interface ShapeParams {
  readonly kind: number;
  readonly r: number;
  readonly lo: number;
  readonly hi: number;
  readonly hx: number;
  readonly hy: number;
  readonly hz: number;
}

const positive = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new InvalidArgumentError(`${what} must be a positive number, got ${String(v)}`);
  return v;
};
const finiteOr0 = (v: unknown, what: string): number => {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`${what} must be a finite number, got ${String(v)}`);
  return v;
};

/** Checks a shape (typed errors for anything malformed) and returns its numbers; `threeD`: the game has z. */
export function shapeParams(shape: HitShape, what: string, threeD: boolean): ShapeParams {
  if (shape === null || typeof shape !== 'object') throw new InvalidArgumentError(`${what}: a shape must be an object`);
  switch (shape.kind) {
    case 'sphere': {
      const r = positive(shape.radiusM, `${what}.radiusM`);
      const c = threeD ? finiteOr0(shape.centreHeightM, `${what}.centreHeightM`) : 0;
      return { kind: SHAPE_SPHERE, r, lo: c, hi: c, hx: 0, hy: 0, hz: 0 };
    }
    case 'capsule': {
      const r = positive(shape.radiusM, `${what}.radiusM`);
      const h = positive(shape.heightM, `${what}.heightM`);
      if (h < 2 * r) throw new InvalidArgumentError(`${what}: heightM ${h} is below twice radiusM ${r} (a sphere is kind 'sphere')`);
      const base = finiteOr0(shape.baseHeightM, `${what}.baseHeightM`);
      // Flat, a capsule is the circle of its radius.
      if (!threeD) return { kind: SHAPE_SPHERE, r, lo: 0, hi: 0, hx: 0, hy: 0, hz: 0 };
      return { kind: SHAPE_CAPSULE, r, lo: base + r, hi: base + h - r, hx: 0, hy: 0, hz: 0 };
    }
    case 'box': {
      const half = shape.halfM;
      if (half === null || typeof half !== 'object') throw new InvalidArgumentError(`${what}.halfM must be {x, y, z}`);
      const hx = positive(half.x, `${what}.halfM.x`);
      const hy = positive(half.y, `${what}.halfM.y`);
      const hz = threeD ? positive(half.z, `${what}.halfM.z`) : 1;
      const c = threeD ? finiteOr0(shape.centreHeightM, `${what}.centreHeightM`) : 0;
      return { kind: SHAPE_BOX, r: 0, lo: c, hi: c, hx, hy, hz };
    }
    default:
      throw new InvalidArgumentError(`${what}: kind must be 'sphere', 'capsule' or 'box', got ${String((shape as { kind?: unknown }).kind)}`);
  }
}

/**
 * Where a ray from (ox, oy, oz) along the unit (dx, dy, dz) enters the sphere of radius r around
 * (cx, cy, cz): 0 when it starts inside, Infinity when it misses.
 */
export function raySphere(cx: number, cy: number, cz: number, r: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number): number {
  const px = cx - ox, py = cy - oy, pz = cz - oz;
  const dist2 = px * px + py * py + pz * pz;
  const r2 = r * r;
  if (dist2 <= r2) return 0;
  const along = px * dx + py * dy + pz * dz;
  if (along < 0) return Infinity;
  const miss2 = dist2 - along * along;
  if (miss2 > r2) return Infinity;
  return along - Math.sqrt(r2 - miss2);
}

/** The same for the upright capsule around the segment (cx, cy, lo) .. (cx, cy, hi) (lo <= hi). */
export function rayCapsule(cx: number, cy: number, lo: number, hi: number, r: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number): number {
  const rx = ox - cx, ry = oy - cy;
  const r2 = r * r;
  // Inside: the origin within r of the segment.
  const nz = oz < lo ? oz - lo : oz > hi ? oz - hi : 0;
  if (rx * rx + ry * ry + nz * nz <= r2) return 0;
  let best = Infinity;
  // The side: the infinite upright cylinder, where the ray enters it within the segment's heights.
  const a = dx * dx + dy * dy;
  if (a > 1e-18) {
    const b = rx * dx + ry * dy;
    const c = rx * rx + ry * ry - r2;
    const disc = b * b - a * c;
    if (disc >= 0) {
      const t = (-b - Math.sqrt(disc)) / a;
      const z = oz + t * dz;
      if (t >= 0 && z >= lo && z <= hi) best = t;
    }
  }
  // The ends: the spheres at either end of the segment (the union is convex: its entry is the
  // first entry into any part).
  const t0 = raySphere(cx, cy, lo, r, ox, oy, oz, dx, dy, dz);
  const t1 = raySphere(cx, cy, hi, r, ox, oy, oz, dx, dy, dz);
  return Math.min(best, t0, t1);
}

/** The same for the box along the axes around (cx, cy, cz) with half extents (hx, hy, hz). */
export function rayBox(cx: number, cy: number, cz: number, hx: number, hy: number, hz: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number): number {
  // Slab by slab (no closure: this runs for every candidate of every shot): the ray is inside
  // every slab between near and far.
  let near = -Infinity;
  let far = Infinity;
  for (let axis = 0; axis < 3; axis++) {
    const o = axis === 0 ? ox : axis === 1 ? oy : oz;
    const d = axis === 0 ? dx : axis === 1 ? dy : dz;
    const c = axis === 0 ? cx : axis === 1 ? cy : cz;
    const h = axis === 0 ? hx : axis === 1 ? hy : hz;
    if (Math.abs(d) < 1e-12) {
      if (o < c - h || o > c + h) return Infinity;
      continue;
    }
    const t1 = (c - h - o) / d;
    const t2 = (c + h - o) / d;
    const lo = t1 < t2 ? t1 : t2;
    const hi = t1 < t2 ? t2 : t1;
    if (lo > near) near = lo;
    if (hi < far) far = hi;
    if (near > far) return Infinity;
  }
  if (far < 0) return Infinity;
  return near > 0 ? near : 0;
}

/** Where the ray enters `s` placed on the position (px, py, pz), metres. */
export function rayShape(s: ShapeParams, px: number, py: number, pz: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number): number {
  if (s.kind === SHAPE_SPHERE) return raySphere(px, py, pz + s.lo, s.r, ox, oy, oz, dx, dy, dz);
  if (s.kind === SHAPE_CAPSULE) return rayCapsule(px, py, pz + s.lo, pz + s.hi, s.r, ox, oy, oz, dx, dy, dz);
  return rayBox(px, py, pz + s.lo, s.hx, s.hy, s.hz, ox, oy, oz, dx, dy, dz);
}

/** Whether the point is in `s` placed on (px, py, pz): the brute-force reference of the tests and of nothing else. */
export function inShape(s: ShapeParams, px: number, py: number, pz: number, x: number, y: number, z: number): boolean {
  if (s.kind === SHAPE_BOX) return Math.abs(x - px) <= s.hx && Math.abs(y - py) <= s.hy && Math.abs(z - (pz + s.lo)) <= s.hz;
  const zc = z < pz + s.lo ? pz + s.lo : z > pz + s.hi ? pz + s.hi : z;
  const ex = x - px, ey = y - py, ez = z - zc;
  return ex * ex + ey * ey + ez * ez <= s.r * s.r;
}
