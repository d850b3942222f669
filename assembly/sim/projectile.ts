// Fast projectiles of the reference step. Each tick a projectile sweeps the segment from where
// it is to where its velocity takes it, and that segment is ray-tested against every solid body
// in the grid cells it crosses: the nearest entry point wins (ties to the lower slot), so a shot
// faster than a body per tick still hits it — nothing tunnels. A hit deals the projectile
// damage and removes the projectile; so do the end of its lifetime and leaving the world. The
// shooter (its `owner` slot) is never hit by its own projectile.

import { isqrt_round_u64 } from '../fixed';
import { world_free } from '../world';
import {
  column, H_CAPACITY, H_MIN_X, H_MIN_Y, H_MAX_X, H_MAX_Y, H_SIM_CELL_SHIFT, H_SIM_PROJECTILE_DAMAGE,
  COL_FLAGS, COL_POS_X, COL_POS_Y, COL_VEL_X, COL_VEL_Y, COL_TIMER, COL_OWNER,
  FLAG_ALIVE, FLAG_DEAD,
} from '../world-layout';
import { G_PROJECTILES, G_ROWS, G_SOLIDS, E_BYTES, E_KEY, E_RADIUS, cell_of, grid_entries, grid_projectiles, grid_row_lower_bound, grid_sorted } from './grid';
import { ray_circle, RAY_MAX_LENGTH } from './ray';
import { apply_damage } from './combat';

// Nearest solid body the segment from (x, y) along unit (ux, uy) for `len` enters, or -1.
function sweep(world: usize, scratch: usize, x: i32, y: i32, ux: i32, uy: i32, len: i32, ex: i32, ey: i32, owner: u32): i32 {
  const capacity = load<u32>(world + H_CAPACITY);
  const shift = load<u32>(world + H_SIM_CELL_SHIFT);
  const minX = load<i32>(world + H_MIN_X);
  const minY = load<i32>(world + H_MIN_Y);
  // Bodies reach at most half a cell past their centre's cell, so pad the box by half a cell.
  const pad = <i64>1 << (shift - 1);
  const cx0 = cell_of(<i32>max<i64>(<i64>min<i32>(x, ex) - pad, <i64>i32.MIN_VALUE), minX, shift);
  const cx1 = cell_of(<i32>min<i64>(<i64>max<i32>(x, ex) + pad, <i64>i32.MAX_VALUE), minX, shift);
  const cy0 = cell_of(<i32>max<i64>(<i64>min<i32>(y, ey) - pad, <i64>i32.MIN_VALUE), minY, shift);
  const cy1 = min<u32>(cell_of(<i32>min<i64>(<i64>max<i32>(y, ey) + pad, <i64>i32.MAX_VALUE), minY, shift), load<u32>(scratch + G_ROWS) - 1);
  const solids = load<u32>(scratch + G_SOLIDS);
  const sorted = grid_sorted(scratch, capacity);
  const entries = grid_entries(scratch, capacity);
  const flags = column(world, COL_FLAGS);
  const posX = column(world, COL_POS_X);
  const posY = column(world, COL_POS_Y);
  let best: i32 = -1;
  let bestS: i32 = i32.MAX_VALUE;
  for (let cy = cy0; cy <= cy1; cy++) {
    const last = (cy << 16) | cx1;
    for (let k = grid_row_lower_bound(scratch, capacity, cy, (cy << 16) | cx0); k < solids; k++) {
      const e = entries + <usize>k * E_BYTES;
      if (load<u32>(e, E_KEY) > last) break;
      const j = load<u32>(sorted + (<usize>k << 2));
      if (j == owner) continue;
      const jo: usize = <usize>j << 2;
      if ((load<u32>(flags + jo) & FLAG_DEAD) != 0) continue;
      // Read the columns, not the entry: an NPC killed earlier in this pass respawned elsewhere.
      const s = ray_circle(x, y, ux, uy, len, load<i32>(posX + jo), load<i32>(posY + jo), load<i32>(e, E_RADIUS));
      if (s < 0) continue;
      if (s < bestS || (s == bestS && <i32>j < best)) {
        bestS = s;
        best = <i32>j;
      }
    }
  }
  return best;
}

export function projectiles_step(world: usize, scratch: usize): void {
  const capacity = load<u32>(world + H_CAPACITY);
  const count = load<u32>(scratch + G_PROJECTILES);
  const list = grid_projectiles(scratch, capacity);
  const flags = column(world, COL_FLAGS);
  const posX = column(world, COL_POS_X);
  const posY = column(world, COL_POS_Y);
  const velX = column(world, COL_VEL_X);
  const velY = column(world, COL_VEL_Y);
  const timer = column(world, COL_TIMER);
  const owner = column(world, COL_OWNER);
  const minX = load<i32>(world + H_MIN_X), maxX = load<i32>(world + H_MAX_X);
  const minY = load<i32>(world + H_MIN_Y), maxY = load<i32>(world + H_MAX_Y);
  const damage = load<i32>(world + H_SIM_PROJECTILE_DAMAGE);
  for (let n: u32 = 0; n < count; n++) {
    const p = load<u32>(list + (<usize>n << 2));
    const off: usize = <usize>p << 2;
    if ((load<u32>(flags + off) & FLAG_ALIVE) == 0) continue;
    const ticksLeft = load<u32>(timer + off);
    if (ticksLeft <= 1) {
      world_free(world, p);
      continue;
    }
    store<u32>(timer + off, ticksLeft - 1);
    const x = load<i32>(posX + off), y = load<i32>(posY + off);
    const vx = load<i32>(velX + off), vy = load<i32>(velY + off);
    const ex = <i64>x + <i64>vx, ey = <i64>y + <i64>vy;
    const len = <i64>isqrt_round_u64(<u64>(<i64>vx * <i64>vx + <i64>vy * <i64>vy));
    if (len > 0 && len <= <i64>RAY_MAX_LENGTH) {
      const ux = <i32>((<i64>vx << 16) / len);
      const uy = <i32>((<i64>vy << 16) / len);
      const cx = <i32>min<i64>(max<i64>(ex, <i64>i32.MIN_VALUE), <i64>i32.MAX_VALUE);
      const cy = <i32>min<i64>(max<i64>(ey, <i64>i32.MIN_VALUE), <i64>i32.MAX_VALUE);
      const hit = sweep(world, scratch, x, y, ux, uy, <i32>len, cx, cy, load<u32>(owner + off));
      if (hit >= 0) {
        apply_damage(world, <u32>hit, damage);
        world_free(world, p);
        continue;
      }
    }
    if (ex < <i64>minX || ex > <i64>maxX || ey < <i64>minY || ey > <i64>maxY) {
      world_free(world, p);
      continue;
    }
    store<i32>(posX + off, <i32>ex);
    store<i32>(posY + off, <i32>ey);
  }
}
