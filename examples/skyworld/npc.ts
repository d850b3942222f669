// Skyworld's NPC brains: walkers and climbers wander by a goal their server-only ai timer
// renews, climbers seek ladders, flyers roam in 3D without ever falling, turrets turn and fire.
// A goal is drawn from hash3(seed, slot, tick), not from a shared stream, so one entity's
// decision never depends on how many others decided before it.

import { FAMILY, type Family } from './game.js';
import { CLIP, DIR_X, DIR_Y, DIR_YAW, EDGE, FLY_V, MAX_V, SNAP, animate, clamp, foldYaw, hash3, move, octant, playback, type Columns } from './physics.js';
import { LADDERS, Q, groundHeightAt, q } from './terrain.js';

// ai.goal bits: direction 0-7, idle, run, wants a ladder (climbers), vertical (flyers: 0 level,
// 1 up, 2 down).
export const G_IDLE = 8;
export const G_RUN = 16;
export const G_LADDER = 32;
export const G_VSHIFT = 6;

/** The entity's goal, renewed when its ai timer runs out (30 to 179 ticks each). */
function think(c: Columns, slot: number, seed: number, tick: number): number {
  if (c.timer[slot]! > 0) {
    c.timer[slot]!--;
    return c.goal[slot]!;
  }
  const h = hash3(seed, slot, tick);
  c.goal[slot] = (h & 7) | ((h >>> 3) % 4 === 0 ? G_IDLE : 0) | ((h >>> 5) % 4 === 0 ? G_RUN : 0) | ((h >>> 7) & 1 ? G_LADDER : 0) | (((h >>> 8) % 3) << G_VSHIFT);
  c.timer[slot] = 30 + ((h >>> 12) % 150);
  return c.goal[slot]!;
}

/** The goal's direction, turned back when a step would press against the map's edge. */
function heading(c: Columns, slot: number, goal: number): number {
  let dir = goal & 7;
  if (Math.abs(c.x[slot]! + DIR_X[dir]!) > EDGE - q(8) || Math.abs(c.y[slot]! + DIR_Y[dir]!) > EDGE - q(8)) {
    dir ^= 4; // the opposite compass point
    c.goal[slot] = (goal & ~7) | dir;
  }
  return dir;
}

/** The nearest ladder within 64 m (Manhattan) whose span holds the entity's height, or -1. */
function nearestLadder(c: Columns, slot: number): number {
  let best = -1;
  let bestD = q(64);
  for (let i = 0; i < LADDERS.length; i++) {
    const l = LADDERS[i]!;
    const d = Math.abs(l.x - c.x[slot]!) + Math.abs(l.y - c.y[slot]!);
    if (d < bestD && c.z[slot]! < l.top && c.z[slot]! >= l.bottom - SNAP) {
      best = i;
      bestD = d;
    }
  }
  return best;
}

export function stepWalker(c: Columns, slot: number, fam: Family, speed: number, seed: number, tick: number): void {
  let goal = think(c, slot, seed, tick);
  let dir = heading(c, slot, goal);
  // Climbers that want a ladder head for the nearest one and climb it once there.
  const ladder = fam === FAMILY.climber && (goal & G_LADDER) !== 0 ? nearestLadder(c, slot) : -1;
  if (ladder >= 0) {
    const l = LADDERS[ladder]!;
    const dx = l.x - c.x[slot]!, dy = l.y - c.y[slot]!;
    if (Math.abs(dx) > q(0.5) || Math.abs(dy) > q(0.5)) dir = octant(dx, dy);
    else goal |= G_IDLE;
  }
  const sp = (goal & G_IDLE) !== 0 ? 0 : speed * ((goal & G_RUN) !== 0 ? 2 : 1);
  if (sp > 0) c.yaw[slot] = DIR_YAW[dir]!;
  move(c, slot, { vx: Math.trunc((DIR_X[dir]! * sp) / Q), vy: Math.trunc((DIR_Y[dir]! * sp) / Q), jump: false, climb: ladder >= 0, fly: false, vzFly: 0 });
}

/** Flyers go where their goal points, level, up or down, never below 2 m over the surface. */
export function stepFlyer(c: Columns, slot: number, speed: number, seed: number, tick: number): void {
  const goal = think(c, slot, seed, tick);
  const dir = heading(c, slot, goal);
  const sp = (goal & G_IDLE) !== 0 ? 0 : speed;
  const v = (goal >>> G_VSHIFT) & 3;
  const vz = v === 1 ? FLY_V >> 1 : v === 2 ? -(FLY_V >> 1) : 0;
  const x = c.x[slot]!, y = c.y[slot]!, z = c.z[slot]!;
  const nx = clamp(x + Math.trunc((DIR_X[dir]! * sp) / Q), -EDGE, EDGE);
  const ny = clamp(y + Math.trunc((DIR_Y[dir]! * sp) / Q), -EDGE, EDGE);
  const ceiling = q(250);
  const nz = clamp(z + vz, Math.min(groundHeightAt(nx, ny, z) + q(2), ceiling), ceiling);
  c.x[slot] = nx;
  c.y[slot] = ny;
  c.z[slot] = nz;
  c.vx[slot] = nx - x;
  c.vy[slot] = ny - y;
  c.vz[slot] = clamp(nz - z, -MAX_V, MAX_V);
  if (sp > 0) c.yaw[slot] = DIR_YAW[dir]!;
  animate(c, slot, nz < z ? CLIP.glide : CLIP.fly, playback(c, slot));
}

/** Turrets turn slowly; true on the tick they fire (every 2 s, staggered by slot). */
export function stepShooter(c: Columns, slot: number, tick: number): boolean {
  c.yaw[slot] = foldYaw(c.yaw[slot]! + q(0.01));
  return (tick + slot) % 120 === 0;
}
