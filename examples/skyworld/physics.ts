// Skyworld's movement rules, as functions over the store's columns: gravity, walking on platform
// tops and ramps, stepping off edges, ladders, jumping, flight, and the animation state each
// tick's motion implies. Everything is Q16 metres (per tick) read from and written to the
// stored columns, clamped into each field's declared range on the way in.

import type { GameStore } from '../../src/web/sdk.js';
import { CLIPS, type SkyworldDeclaration } from './game.js';
import { HALF_MAP, LADDERS, Q, groundHeightAt, ladderAt, levelAt, q } from './terrain.js';

// Physics at 60 ticks per second, per tick, in Q16.
export const G = Math.round((9.8 / 3600) * Q);
export const JUMP_V = q(5 / 60);
export const CLIMB_V = q(2 / 60);
export const FLY_V = q(4 / 60);
export const MAX_FALL = q(1);
export const MAX_V = q(4);
export const MAX_Z = q(256);
/** Nothing stands on the map's last metre: a step never leaves [-512, 512]. */
export const EDGE = HALF_MAP - q(1);
/** How far a grounded entity follows a surface down before it counts as falling. */
export const SNAP = q(0.5);
/** Playback speed 1.0 at 4 m/s. */
const ANIM_REF = q(4 / 60);
const PI_Q = 205887;
const TWO_PI_Q = 411775;
export const CLIP = Object.fromEntries(CLIPS.map((c, i) => [c, i])) as Record<(typeof CLIPS)[number], number>;

export const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/** A Q16 angle folded into the facing field's circle [-pi, pi). */
export function foldYaw(y: number): number {
  return y - TWO_PI_Q * Math.floor((y + PI_Q) / TWO_PI_Q);
}

/** Integer hash of three words (murmur3's finaliser): per-entity randomness without shared state. */
export function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ c;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/** Unit vectors of the 8 compass directions and their yaws, computed once (constants). */
export const DIR_X = Int32Array.from({ length: 8 }, (_, d) => Math.round(Math.cos((d * Math.PI) / 4) * Q));
export const DIR_Y = Int32Array.from({ length: 8 }, (_, d) => Math.round(Math.sin((d * Math.PI) / 4) * Q));
export const DIR_YAW = Int32Array.from({ length: 8 }, (_, d) => foldYaw(Math.round((d * Math.PI * Q) / 4)));
/** The compass direction (0-7) nearest to (dx, dy). */
export const octant = (dx: number, dy: number): number => Math.round(Math.atan2(dy, dx) / (Math.PI / 4)) & 7;

/** The columns the rules touch, typed by what they store. */
export function columnsOf(s: GameStore<SkyworldDeclaration>) {
  const i32 = (k: Parameters<typeof s.column>[0]): Int32Array => s.column(k) as Int32Array;
  const u32 = (k: Parameters<typeof s.column>[0]): Uint32Array => s.column(k) as Uint32Array;
  return {
    x: i32('position.x'), y: i32('position.y'), z: i32('position.z'),
    vx: i32('velocity.x'), vy: i32('velocity.y'), vz: i32('velocity.z'), yaw: i32('facing.yaw'),
    level: u32('body.level'), grounded: u32('body.grounded'), climbing: u32('body.climbing'), flying: u32('body.flying'),
    clip: u32('anim.clip'), frame: u32('anim.frame'), aspeed: i32('anim.speed'), hp: i32('health.hp'),
    gold: u32('inventory.gold'), keys: u32('inventory.keys'), potions: u32('inventory.potions'),
    goal: u32('ai.goal'), timer: u32('ai.timer'), kind: u32('loot.kind'), amount: u32('loot.amount'),
    damage: u32('projectile.damage'), ttl: u32('projectile.ttl'),
    cooldown: u32('zapper.cooldown'), zapHits: u32('zapper.hits'),
  };
}
export type Columns = ReturnType<typeof columnsOf>;

/** What an entity with a body wants this tick: horizontal velocity and its buttons. */
export interface Wish {
  vx: number;
  vy: number;
  jump: boolean;
  climb: boolean;
  fly: boolean;
  /** Vertical velocity while flying. */
  vzFly: number;
}

/** One tick of motion for anything with a body (players, walkers, climbers). */
export function move(c: Columns, slot: number, w: Wish): void {
  const x = c.x[slot]!, y = c.y[slot]!, z = c.z[slot]!;
  let nx = clamp(x + w.vx, -EDGE, EDGE);
  let ny = clamp(y + w.vy, -EDGE, EDGE);
  let nz: number;
  let vz = c.vz[slot]!;
  let grounded = c.grounded[slot] === 1;
  let climbing = false;
  const ladder = w.climb && !w.fly ? ladderAt(x, y) : -1;
  const l = ladder >= 0 ? LADDERS[ladder]! : null;
  if (w.fly) {
    vz = w.vzFly;
    nz = clamp(z + vz, groundHeightAt(nx, ny, z), MAX_Z);
    grounded = false;
  } else if (l && z >= l.bottom - SNAP && z < l.top) {
    // On the ladder: no gravity, no sideways drift, up until the platform's edge.
    nx = x;
    ny = y;
    vz = CLIMB_V;
    nz = Math.min(z + CLIMB_V, l.top);
    climbing = nz < l.top;
    grounded = !climbing;
    if (grounded) vz = 0;
  } else if (grounded && w.jump) {
    vz = JUMP_V;
    nz = z + vz;
    grounded = false;
  } else if (grounded) {
    const h = groundHeightAt(nx, ny, z);
    if (z - h <= SNAP) nz = h; // follows ramps down and steps up to 0.5 m
    else {
      nz = z; // walked off an edge: falls from the next tick on
      grounded = false;
    }
    vz = 0;
  } else {
    vz = Math.max(vz - G, -MAX_FALL);
    nz = z + vz;
    // The surface under the old height: a fast fall cannot tunnel through a platform.
    const h = groundHeightAt(nx, ny, z);
    if (nz <= h) {
      nz = h;
      vz = 0;
      grounded = true;
    }
  }
  c.x[slot] = nx;
  c.y[slot] = ny;
  c.z[slot] = clamp(nz, 0, MAX_Z);
  c.vx[slot] = clamp(nx - x, -MAX_V, MAX_V);
  c.vy[slot] = clamp(ny - y, -MAX_V, MAX_V);
  c.vz[slot] = clamp(vz, -MAX_V, MAX_V);
  c.grounded[slot] = grounded ? 1 : 0;
  c.climbing[slot] = climbing ? 1 : 0;
  c.flying[slot] = w.fly ? 1 : 0;
  if (grounded) c.level[slot] = levelAt(nx, ny, c.z[slot]!);
  const clip = climbing ? CLIP.climb : w.fly ? (vz < 0 ? CLIP.glide : CLIP.fly) : !grounded ? (vz > 0 ? CLIP.jump : CLIP.fall) : gait(c, slot);
  animate(c, slot, clip, playback(c, slot));
}

function hspeed(c: Columns, slot: number): number {
  const vx = c.vx[slot]!, vy = c.vy[slot]!;
  return Math.floor(Math.sqrt(vx * vx + vy * vy));
}

/** Walk or run by horizontal speed; idle when still. */
function gait(c: Columns, slot: number): number {
  const h = hspeed(c, slot);
  return h === 0 ? CLIP.idle : h <= q(3 / 60) ? CLIP.walk : CLIP.run;
}

/** Playback speed in Q16, in the field's [0, 4]; 1.0 when still (idle loops play normally). */
export function playback(c: Columns, slot: number): number {
  const h = hspeed(c, slot);
  return h === 0 ? Q : clamp(Math.floor((h * Q) / ANIM_REF), Q >> 2, 4 * Q);
}

/** A new clip restarts at frame 0; the same one advances a frame a tick, wrapping at 256. */
export function animate(c: Columns, slot: number, clip: number, speed: number): void {
  c.frame[slot] = c.clip[slot] === clip ? (c.frame[slot]! + 1) & 255 : 0;
  c.clip[slot] = clip;
  c.aspeed[slot] = speed;
}
