// Projectiles: launched by a player's fire, flying PROJECTILE_SPEED a tick for PROJECTILE_TICKS.
// Each tick a projectile sweeps the segment to where its velocity takes it against every solid
// body in the cells that segment touches; the nearest entry wins (a tie to the lower slot), so a
// shot faster than a body is wide still hits it: nothing tunnels. A hit deals PROJECTILE_DAMAGE
// and ends the projectile; so do the end of its life and the arena's edge. The shooter is never
// hit by its own shots.

import {
  body, despawn, fx_cos, fx_mul, fx_sin, highWater, idAt, isqrt_round_u64, NO_ENTITY,
  position, shot, slotOf, spawn, timer, Type, typeAt, velocity,
} from './generated/game';
import { HALF, MAX_RADIUS, PLAYER_RADIUS, PROJECTILE_DAMAGE, PROJECTILE_SPEED, PROJECTILE_TICKS } from './arena';
import { damage, isTarget } from './combat';
import { cellOf, chainOf, nextInChain } from './grid';

/** Launches a projectile from the avatar in `slot` along `yaw` (Q16 radians). */
export function launch(slot: u32, yaw: i32): void {
  const id = spawn(Type.projectile, 0);
  if (id == NO_ENTITY) return; // a full arena drops the shot, the same way everywhere
  const p = slotOf(id);
  position.setX(p, position.x(slot));
  position.setY(p, position.y(slot));
  position.setZ(p, position.z(slot));
  velocity.setX(p, fx_mul(fx_cos(yaw), PROJECTILE_SPEED));
  velocity.setY(p, fx_mul(fx_sin(yaw), PROJECTILE_SPEED));
  body.setKind(p, body.KIND_PROJECTILE);
  timer.setTicks(p, PROJECTILE_TICKS);
  shot.setShooter(p, idAt(slot));
}

/**
 * Where the segment from (x, y) along the Q16 unit vector (ux, uy), `len` long, enters the
 * circle at (cx, cy) of radius r: the distance along it (Q16), 0 when it starts inside, or -1.
 */
function entry(x: i32, y: i32, ux: i32, uy: i32, len: i64, cx: i32, cy: i32, r: i32): i64 {
  const dx = <i64>cx - <i64>x;
  const dy = <i64>cy - <i64>y;
  const r2 = <i64>r * <i64>r;
  const d2 = dx * dx + dy * dy;
  if (d2 <= r2) return 0;
  const t = (dx * <i64>ux + dy * <i64>uy) >> 16; // along the ray to the nearest approach
  if (t < 0) return -1;
  const off2 = d2 - t * t; // squared distance of the nearest approach (Q32)
  if (off2 > r2) return -1;
  const s = t - <i64>isqrt_round_u64(<u64>(r2 - off2));
  return s <= len ? max<i64>(s, 0) : -1;
}

/** The nearest body the segment enters, or -1. */
function sweep(x: i32, y: i32, vx: i32, vy: i32, shooter: u32): i32 {
  const len = <i64>isqrt_round_u64(<u64>(<i64>vx * <i64>vx + <i64>vy * <i64>vy));
  if (len == 0) return -1;
  const ux = <i32>((<i64>vx << 16) / len);
  const uy = <i32>((<i64>vy << 16) / len);
  const ex = x + vx;
  const ey = y + vy;
  // A body reaches MAX_RADIUS past its centre, so the cells are those of the padded box.
  const cx0 = cellOf(min<i32>(x, ex) - MAX_RADIUS), cx1 = cellOf(max<i32>(x, ex) + MAX_RADIUS);
  const cy0 = cellOf(min<i32>(y, ey) - MAX_RADIUS), cy1 = cellOf(max<i32>(y, ey) + MAX_RADIUS);
  let best: i32 = -1;
  let bestS: i64 = i64.MAX_VALUE;
  for (let cy = cy0; cy <= cy1; cy++) {
    for (let cx = cx0; cx <= cx1; cx++) {
      for (let link = chainOf(cx, cy); link != 0; link = nextInChain(link - 1)) {
        const j = link - 1;
        // A body killed earlier in this pass is no longer a target (an NPC respawned elsewhere).
        if (!isTarget(j) || idAt(j) == shooter) continue;
        const r = typeAt(j) == Type.player ? PLAYER_RADIUS : MAX_RADIUS;
        const s = entry(x, y, ux, uy, len, position.x(j), position.y(j), r);
        if (s < 0) continue;
        if (s < bestS || (s == bestS && <i32>j < best)) {
          bestS = s;
          best = <i32>j;
        }
      }
    }
  }
  return best;
}

/** Every projectile for one tick (after the grid is built). */
export function flyProjectiles(frame: u32): void {
  const high = highWater();
  for (let p: u32 = 0; p < high; p++) {
    if (typeAt(p) != Type.projectile) continue;
    const left = timer.ticks(p);
    if (left <= 1) {
      despawn(idAt(p));
      continue;
    }
    timer.setTicks(p, left - 1);
    const x = position.x(p), y = position.y(p);
    const vx = velocity.x(p), vy = velocity.y(p);
    const hit = sweep(x, y, vx, vy, shot.shooter(p));
    if (hit >= 0) {
      damage(<u32>hit, PROJECTILE_DAMAGE, shot.shooter(p), frame);
      despawn(idAt(p));
      continue;
    }
    const ex = <i64>x + <i64>vx, ey = <i64>y + <i64>vy;
    if (ex < -<i64>HALF || ex > <i64>HALF || ey < -<i64>HALF || ey > <i64>HALF) {
      despawn(idAt(p));
      continue;
    }
    position.setX(p, <i32>ex);
    position.setY(p, <i32>ey);
  }
}
