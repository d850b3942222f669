// Hitbox history for lag compensation: each recorded frame is six columns copied out of the
// world region, so a shot can be tested against where bodies were when the shooter saw them.
//
// Frame layout (`stride` = capacity * 4 rounded up to 16; every column `capacity` long, of which
// the first `count` entries, the world's high water at record time, are valid):
// | off        | type     | column     |
// |------------|----------|------------|
// | 0          | u32[cap] | flags      |
// | stride     | u32[cap] | generation |
// | 2 stride   | i32[cap] | posX (Q16) |
// | 3 stride   | i32[cap] | posY (Q16) |
// | 4 stride   | i32[cap] | posZ (Q16) |
// | 5 stride   | i32[cap] | radius     |

import {
  column, H_HIGH_WATER, COL_FLAGS, COL_GENERATION, COL_POS_X, COL_POS_Y, COL_POS_Z, COL_RADIUS,
  FLAG_ALIVE, FLAG_DEAD, FLAG_NPC, FLAG_PLAYER,
} from '../world-layout';
import { ray_circle, RAY_MAX_LENGTH } from './ray';

const HB_FLAGS: usize = 0;
const HB_GENERATION: usize = 1;
const HB_X: usize = 2;
const HB_Y: usize = 3;
const HB_RADIUS: usize = 5;
const HALF_Q16: i32 = 32768;
const SLOT_BITS: u64 = 20;

// Copies the six columns of the world's used slots into the frame at `dst`; returns the count.
export function hitbox_record(world: usize, dst: usize, stride: usize): u32 {
  const count = load<u32>(world + H_HIGH_WATER);
  const bytes: usize = <usize>count << 2;
  memory.copy(dst, column(world, COL_FLAGS), bytes);
  memory.copy(dst + stride, column(world, COL_GENERATION), bytes);
  memory.copy(dst + 2 * stride, column(world, COL_POS_X), bytes);
  memory.copy(dst + 3 * stride, column(world, COL_POS_Y), bytes);
  memory.copy(dst + 4 * stride, column(world, COL_POS_Z), bytes);
  memory.copy(dst + 5 * stride, column(world, COL_RADIUS), bytes);
  return count;
}

// @ts-ignore: decorator
@inline
function solid_at(frame: usize, count: u32, slot: u32): bool {
  if (slot >= count) return false;
  const f = load<u32>(frame + (<usize>slot << 2));
  return (f & (FLAG_ALIVE | FLAG_DEAD)) == FLAG_ALIVE && (f & (FLAG_NPC | FLAG_PLAYER)) != 0;
}

// Nearest hit so far of the cast in progress (a cast is one kernel call; nothing else runs
// between its start and its end).
let bestId: i64 = -1;
let bestDistance: i32 = i32.MAX_VALUE;

// Tests one slot of a cast (see hitbox_raycast) and keeps it if it is the nearest hit so far.
// @ts-ignore: decorator
@inline
function cast_slot(
  a: usize, countA: u32, b: usize, countB: u32, stride: usize, t: i64,
  ox: i32, oy: i32, ux: i32, uy: i32, length: i32, tolerance: i32, slot: u32,
): void {
  const off: usize = <usize>slot << 2;
  const inA = solid_at(a, countA, slot);
  const inB = solid_at(b, countB, slot);
  if (!inA && !inB) return;
  const genA = select<u32>(load<u32>(a + HB_GENERATION * stride + off), 0xFFFFFFFF, inA);
  const genB = select<u32>(load<u32>(b + HB_GENERATION * stride + off), 0xFFFFFFFE, inB);
  let x: i64, y: i64, r: i64, generation: u32;
  if (inA && inB && genA == genB) {
    const xa = <i64>load<i32>(a + HB_X * stride + off);
    const ya = <i64>load<i32>(a + HB_Y * stride + off);
    x = xa + (((<i64>load<i32>(b + HB_X * stride + off) - xa) * t) >> 16);
    y = ya + (((<i64>load<i32>(b + HB_Y * stride + off) - ya) * t) >> 16);
    r = <i64>load<i32>(b + HB_RADIUS * stride + off);
    generation = genA;
  } else if (inA && t < <i64>HALF_Q16) {
    x = <i64>load<i32>(a + HB_X * stride + off);
    y = <i64>load<i32>(a + HB_Y * stride + off);
    r = <i64>load<i32>(a + HB_RADIUS * stride + off);
    generation = genA;
  } else if (inB && t >= <i64>HALF_Q16) {
    x = <i64>load<i32>(b + HB_X * stride + off);
    y = <i64>load<i32>(b + HB_Y * stride + off);
    r = <i64>load<i32>(b + HB_RADIUS * stride + off);
    generation = genB;
  } else {
    return;
  }
  const grown = <i32>min<i64>(max<i64>(r + <i64>tolerance, 0), <i64>RAY_MAX_LENGTH);
  const s = ray_circle(ox, oy, ux, uy, length, <i32>x, <i32>y, grown);
  // Equal distances go to the lower slot, whatever order the slots are tested in.
  if (s < 0 || s > bestDistance) return;
  if (s == bestDistance && bestId >= 0 && <u32>(bestId & 0xFFFFF) < slot) return;
  bestDistance = s;
  bestId = <i64>((<u64>(generation & 0xFFF) << SLOT_BITS) | <u64>slot);
}

// Casts a ray from (ox, oy) along the unit vector (ux, uy) for `range` (Q16 m) against the
// bodies as they stood `alpha` (Q16, 0..1) of the way from frame A to frame B, every radius
// grown by `tolerance`. A body present in both frames with the same generation is interpolated;
// one present in only one frame counts where that frame is the nearer. Returns the entity id
// (generation << 20 | slot) of the nearest hit, ties to the lower slot, or -1. `exclude` (the
// shooter's slot) is never hit.
export function hitbox_raycast(
  a: usize, countA: u32, b: usize, countB: u32, stride: usize, alpha: i32,
  ox: i32, oy: i32, ux: i32, uy: i32, range: i32, tolerance: i32, exclude: u32,
): i64 {
  const t = <i64>min<i32>(max<i32>(alpha, 0), 65536);
  const length = min<i32>(max<i32>(range, 0), RAY_MAX_LENGTH);
  const count = max<u32>(countA, countB);
  bestId = -1;
  bestDistance = i32.MAX_VALUE;
  for (let slot: u32 = 0; slot < count; slot++) {
    if (slot == exclude) continue;
    cast_slot(a, countA, b, countB, stride, t, ox, oy, ux, uy, length, tolerance, slot);
  }
  return bestId;
}

// hitbox_raycast over the `n` candidate slots listed at `slots` (u32 each) instead of every
// slot: world mode's compensator lists the bodies a spatial query found near the shooter, so a
// shot costs what is around it, not the size of the world. Same verdict as hitbox_raycast
// whenever the list holds every body the ray could reach.
export function hitbox_raycast_slots(
  a: usize, countA: u32, b: usize, countB: u32, stride: usize, alpha: i32,
  ox: i32, oy: i32, ux: i32, uy: i32, range: i32, tolerance: i32, exclude: u32, slots: usize, n: u32,
): i64 {
  const t = <i64>min<i32>(max<i32>(alpha, 0), 65536);
  const length = min<i32>(max<i32>(range, 0), RAY_MAX_LENGTH);
  bestId = -1;
  bestDistance = i32.MAX_VALUE;
  for (let i: u32 = 0; i < n; i++) {
    const slot = load<u32>(slots + (<usize>i << 2));
    if (slot == exclude) continue;
    cast_slot(a, countA, b, countB, stride, t, ox, oy, ux, uy, length, tolerance, slot);
  }
  return bestId;
}
