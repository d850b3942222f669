// Deterministic NPC wandering: the demo world's simulation step. Every NPC walks in a straight
// line at its own speed, and when its timer runs out draws a new heading (a turn of up to 90
// degrees either way) and speed from the world's PRNG. The world edges reflect it. All state is
// Q16 fixed point in the simulation region, so the same tick from the same seed gives the same
// bytes in Node and in the browser.

import { fx_mul, fx_sin, fx_cos, fx_wrap_angle, fx_saturate, FX_PI, FX_HALF_PI, FX_ONE } from './fixed';
import { rng_range } from './rng';
import {
  column,
  H_RNG, H_TICK, H_HIGH_WATER, H_MIN_X, H_MIN_Y, H_MIN_Z, H_MAX_X, H_MAX_Y, H_MAX_Z,
  H_NPC_SPEED, H_WANDER_MIN, H_WANDER_MAX, H_IDLE_PERCENT,
  COL_FLAGS, COL_POS_X, COL_POS_Y, COL_POS_Z, COL_VEL_X, COL_VEL_Y, COL_HEADING, COL_TIMER,
  COL_RADIUS, FLAG_ALIVE, FLAG_NPC,
} from './world-layout';
import { world_alloc } from './world';

const NPC_RADIUS: i32 = FX_ONE >> 1; // 0.5 m body radius

// Draws a new heading, speed and timer for NPC `slot`.
function npc_decide(world: usize, slot: usize): void {
  const rng = world + H_RNG;
  const off = slot << 2;
  const headingAt = column(world, COL_HEADING) + off;
  const heading = fx_wrap_angle(load<i32>(headingAt) + rng_range(rng, -FX_HALF_PI, FX_HALF_PI));
  store<i32>(headingAt, heading);
  const topSpeed = load<i32>(world + H_NPC_SPEED);
  const idle = <u32>rng_range(rng, 0, 99) < load<u32>(world + H_IDLE_PERCENT);
  const speed = select<i32>(0, rng_range(rng, topSpeed >> 2, topSpeed), idle);
  store<i32>(column(world, COL_VEL_X) + off, fx_mul(fx_cos(heading), speed));
  store<i32>(column(world, COL_VEL_Y) + off, fx_mul(fx_sin(heading), speed));
  const ticks = rng_range(rng, <i32>load<u32>(world + H_WANDER_MIN), <i32>load<u32>(world + H_WANDER_MAX));
  store<u32>(column(world, COL_TIMER) + off, <u32>ticks);
}

// Spawns `count` NPCs uniformly over the world's ground rectangle at seeded heights. Returns
// how many were spawned (fewer if the world fills up).
export function npc_spawn(world: usize, count: u32): u32 {
  const rng = world + H_RNG;
  const minX = load<i32>(world + H_MIN_X), maxX = load<i32>(world + H_MAX_X);
  const minY = load<i32>(world + H_MIN_Y), maxY = load<i32>(world + H_MAX_Y);
  const minZ = load<i32>(world + H_MIN_Z), maxZ = load<i32>(world + H_MAX_Z);
  for (let n: u32 = 0; n < count; n++) {
    const slot = world_alloc(world, FLAG_NPC);
    if (slot < 0) return n;
    const off: usize = <usize>slot << 2;
    store<i32>(column(world, COL_POS_X) + off, rng_range(rng, minX, maxX));
    store<i32>(column(world, COL_POS_Y) + off, rng_range(rng, minY, maxY));
    store<i32>(column(world, COL_POS_Z) + off, rng_range(rng, minZ, maxZ));
    store<i32>(column(world, COL_HEADING) + off, rng_range(rng, -FX_PI, FX_PI));
    store<i32>(column(world, COL_RADIUS) + off, NPC_RADIUS);
    npc_decide(world, <usize>slot);
  }
  return count;
}

// Reflects coordinate v into [lo, hi]; returns the reflected value (the caller flips velocity).
// @ts-ignore: decorator
@inline
function reflect(v: i32, lo: i32, hi: i32): i32 {
  let r = v;
  if (v < lo) r = fx_saturate(2 * <i64>lo - <i64>v);
  else if (v > hi) r = fx_saturate(2 * <i64>hi - <i64>v);
  return min<i32>(max<i32>(r, lo), hi);
}

// Advances every live NPC by one tick and increments the world tick.
export function npc_step(world: usize): void {
  store<u32>(world + H_TICK, load<u32>(world + H_TICK) + 1);
  const high = load<u32>(world + H_HIGH_WATER);
  const flags = column(world, COL_FLAGS);
  const posX = column(world, COL_POS_X);
  const posY = column(world, COL_POS_Y);
  const velX = column(world, COL_VEL_X);
  const velY = column(world, COL_VEL_Y);
  const heading = column(world, COL_HEADING);
  const timer = column(world, COL_TIMER);
  const minX = load<i32>(world + H_MIN_X), maxX = load<i32>(world + H_MAX_X);
  const minY = load<i32>(world + H_MIN_Y), maxY = load<i32>(world + H_MAX_Y);
  const wanted = FLAG_ALIVE | FLAG_NPC;
  for (let i: u32 = 0; i < high; i++) {
    const off: usize = <usize>i << 2;
    if ((load<u32>(flags + off) & wanted) != wanted) continue;
    const t = load<u32>(timer + off);
    if (t <= 1) npc_decide(world, <usize>i);
    else store<u32>(timer + off, t - 1);
    let vx = load<i32>(velX + off);
    let vy = load<i32>(velY + off);
    const x = load<i32>(posX + off) + vx; // |v| is far below a cell, no overflow inside the world
    const y = load<i32>(posY + off) + vy;
    const rx = reflect(x, minX, maxX);
    const ry = reflect(y, minY, maxY);
    if (rx != x) {
      vx = -vx;
      store<i32>(velX + off, vx);
      store<i32>(heading + off, fx_wrap_angle(FX_PI - load<i32>(heading + off)));
    }
    if (ry != y) {
      vy = -vy;
      store<i32>(velY + off, vy);
      store<i32>(heading + off, fx_wrap_angle(-load<i32>(heading + off)));
    }
    store<i32>(posX + off, rx);
    store<i32>(posY + off, ry);
  }
}
