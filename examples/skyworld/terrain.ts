// Skyworld's map: a ground plane at z = 0, one-way platforms (axis-aligned slabs you land on
// from above and walk under from below) at 8, 16, 32, 64 and 128 m, ramps whose surface rises
// linearly along x or y, ladders (climbable columns from one surface up to a platform's edge)
// and caves (ground under a platform roof). A handcrafted terrace chain near the origin holds
// every feature at known coordinates (tests use it); scattered platforms fill the rest.
//
// Every coordinate here is Q16.16 metres, the form the store keeps positions in, so the sim
// asks the terrain about stored values with integer math only and stays deterministic.

import { mulberry32 } from '../../src/web/sdk.js';

export const Q = 65536;
/** Metres to Q16 (map constants only: the sim never converts its state through floats). */
export const q = (m: number): number => Math.round(m * Q);
export const HALF_MAP = q(512);
export const HEIGHTS_M = [8, 16, 32, 64, 128] as const;

/** body.level values: what kind of surface an entity stands on. */
export const LEVEL_GROUND = 0;
export const LEVEL_CAVE = 1;
/** Platforms: 2 + the index of their height in HEIGHTS_M (8 m -> 2 ... 128 m -> 6). */
export const LEVEL_RAMP = 7;

export interface Platform { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number; readonly z: number; readonly level: number; readonly cave: boolean }
/** Rises from z0 at its low edge (x0 or y0) to z1 at its high edge (x1 or y1). */
export interface Ramp { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number; readonly z0: number; readonly z1: number; readonly alongX: boolean }
export interface Ladder { readonly x: number; readonly y: number; readonly bottom: number; readonly top: number }

const platforms: Platform[] = [];
const ramps: Ramp[] = [];
const ladders: Ladder[] = [];
export const PLATFORMS: readonly Platform[] = platforms;
export const RAMPS: readonly Ramp[] = ramps;
export const LADDERS: readonly Ladder[] = ladders;
/** Half the side of a ladder's square footprint. */
export const LADDER_HALF = q(0.75);
const STEP_UP = q(0.5);

function platform(x0: number, y0: number, x1: number, y1: number, h: (typeof HEIGHTS_M)[number], cave = false): Platform {
  const p = { x0: q(x0), y0: q(y0), x1: q(x1), y1: q(y1), z: q(h), level: 2 + HEIGHTS_M.indexOf(h), cave };
  platforms.push(p);
  return p;
}

function ramp(x0: number, y0: number, x1: number, y1: number, z0: number, z1: number, alongX: boolean): void {
  ramps.push({ x0: q(x0), y0: q(y0), x1: q(x1), y1: q(y1), z0: q(z0), z1: q(z1), alongX });
}

/** A ladder just inside the west edge of `p`, from whatever surface lies below it. */
function ladderWest(p: Platform, yM: number): void {
  const x = p.x0 + q(0.75);
  const y = q(yM);
  ladders.push({ x, y, bottom: groundHeightAt(x, y, p.z - q(1)), top: p.z });
}

// Surfaces (one-way slabs and ramps) and the queries over them. Linear scans: the map has
// under a hundred features and the sim asks a few thousand times a tick, well under a ms.

function inside(x: number, y: number, r: { x0: number; y0: number; x1: number; y1: number }): boolean {
  return x >= r.x0 && x < r.x1 && y >= r.y0 && y < r.y1;
}

/** The ramp's surface height at (x, y), which must be inside it. Integers below 2^53: exact. */
function rampHeight(r: Ramp, x: number, y: number): number {
  const t = r.alongX ? x - r.x0 : y - r.y0;
  const len = r.alongX ? r.x1 - r.x0 : r.y1 - r.y0;
  return r.z0 + Math.floor(((r.z1 - r.z0) * t) / len);
}

/**
 * The highest walkable surface (ground, platform top, ramp) at or below z + 0.5 m at (x, y):
 * what an entity standing or falling there lands on. Q16 in, Q16 out.
 */
export function groundHeightAt(x: number, y: number, z: number): number {
  const reach = z + STEP_UP;
  let best = 0;
  for (const p of PLATFORMS) if (p.z > best && p.z <= reach && inside(x, y, p)) best = p.z;
  for (const r of RAMPS) {
    if (!inside(x, y, r)) continue;
    const h = rampHeight(r, x, y);
    if (h > best && h <= reach) best = h;
  }
  return best;
}

/** body.level of an entity standing at (x, y) on the surface at height z (groundHeightAt's). */
export function levelAt(x: number, y: number, z: number): number {
  for (const r of RAMPS) if (inside(x, y, r) && rampHeight(r, x, y) === z && z !== 0) return LEVEL_RAMP;
  if (z === 0) {
    for (const p of PLATFORMS) if (p.cave && inside(x, y, p)) return LEVEL_CAVE;
    return LEVEL_GROUND;
  }
  for (const p of PLATFORMS) if (p.z === z && inside(x, y, p)) return p.level;
  return LEVEL_RAMP; // a surface between levels that is not a listed platform: only ramps make those
}

/** Index in LADDERS of the ladder whose footprint holds (x, y), or -1. */
export function ladderAt(x: number, y: number): number {
  for (let i = 0; i < LADDERS.length; i++) {
    const l = LADDERS[i]!;
    if (Math.abs(x - l.x) <= LADDER_HALF && Math.abs(y - l.y) <= LADDER_HALF) return i;
  }
  return -1;
}

// The handcrafted terrace chain, west to east along y in [-32, 32]: a ramp up from the plaza to
// the mesa (8 m), a ramp to the terrace (16 m), a ramp to the cliff (32 m), ladders up to the
// spire (64 m) and the sky deck (128 m). West of the origin a cave: ground under a roof at 8 m,
// its ladder at the roof's west edge.
export const MESA = platform(32, -32, 96, 32, 8);
ramp(16, -4, 32, 4, 0, 8, true);
export const TERRACE = platform(112, -32, 176, 32, 16);
ramp(96, -4, 112, 4, 8, 16, true);
export const CLIFF = platform(192, -32, 256, 32, 32);
ramp(176, -4, 192, 4, 16, 32, true);
export const SPIRE = platform(208, -16, 240, 16, 64);
ladderWest(SPIRE, 0);
export const SKY_DECK = platform(216, -8, 232, 8, 128);
ladderWest(SKY_DECK, 0);
export const CAVE_ROOF = platform(-160, -48, -64, 48, 8, true);
ladderWest(CAVE_ROOF, 0);

// Scattered platforms from a fixed seed: the same map on every run. Each gets a ladder on its
// west edge; the low ones also a ramp up their south side (slope 1 at most).
const rnd = mulberry32(0x5c1e5);
for (let i = 0; i < 40; i++) {
  const w = 16 + Math.floor(rnd() * 48);
  const d = 16 + Math.floor(rnd() * 48);
  let x0 = -480 + Math.floor(rnd() * (960 - w));
  const y0 = -480 + Math.floor(rnd() * (960 - d));
  if (x0 < 280 && x0 + w > -180 && y0 < 60 && y0 + d > -60) x0 = 300; // keep the terrace chain clear
  const h = HEIGHTS_M[Math.floor(rnd() * HEIGHTS_M.length)]!;
  const p = platform(x0, y0, x0 + w, y0 + d, h, rnd() < 0.2);
  ladderWest(p, y0 + d / 2);
  if (h <= 16 && y0 - h > -500) {
    const below = groundHeightAt(q(x0 + w / 2), q(y0 - h), p.z - q(1));
    if (below < p.z) ramp(x0 + w / 2 - 3, y0 - h, x0 + w / 2 + 3, y0, below / Q, h, false);
  }
}
