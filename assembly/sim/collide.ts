// Sphere collisions of the reference step, seen from above: two solid bodies (NPCs, living
// players) whose ground-plane circles overlap are pushed apart along the line between their
// centres, half the overlap each, in one Gauss-Seidel pass in grid order (grid.ts). Each
// unordered pair of neighbouring cells is visited once, from the lower entry: the rest of its
// own cell and the next cell in its row (the entries right after it), then the three cells
// (cx-1 .. cx+1) of the next row, found by a pointer that only moves forward because keys
// ascend. A push writes both the packed entries (so later tests in the pass see it) and the
// world's columns.

import { isqrt_round_u64 } from '../fixed';
import {
  column, H_CAPACITY, H_MIN_X, H_MIN_Y, H_MAX_X, H_MAX_Y, COL_FLAGS, COL_POS_X, COL_POS_Y, FLAG_DEAD,
} from '../world-layout';
import { CELL_MAX, G_SOLIDS, E_BYTES, E_RADIUS, E_X, E_Y, grid_entries, grid_sorted, grid_sorted_keys } from './grid';

// Separates entries ki and kj if their bodies overlap; positions are clamped to the world.
// @ts-ignore: decorator
@inline
function separate(world: usize, entries: usize, sorted: usize, ki: u32, kj: u32): void {
  const ei = entries + <usize>ki * E_BYTES;
  const ej = entries + <usize>kj * E_BYTES;
  const rs = <i64>load<i32>(ei, E_RADIUS) + <i64>load<i32>(ej, E_RADIUS);
  const xi = load<i32>(ei, E_X), xj = load<i32>(ej, E_X);
  const dx = <i64>xj - <i64>xi;
  const yi = load<i32>(ei, E_Y), yj = load<i32>(ej, E_Y);
  const dy = <i64>yj - <i64>yi;
  const d2 = dx * dx + dy * dy;
  if (d2 >= rs * rs) return; // neighbours within one cell: |d| < 2^27, d2 cannot overflow
  const i: usize = <usize>load<u32>(sorted + (<usize>ki << 2)) << 2;
  const j: usize = <usize>load<u32>(sorted + (<usize>kj << 2)) << 2;
  // A player killed earlier in this tick stops being solid at once.
  const flags = column(world, COL_FLAGS);
  if (((load<u32>(flags + i) | load<u32>(flags + j)) & FLAG_DEAD) != 0) return;
  const d = <i64>isqrt_round_u64(<u64>d2);
  const overlap = rs - d;
  if (overlap <= 0) return;
  let pushX: i64, pushY: i64;
  if (d == 0) {
    // Coincident centres: separate along x, the entry met first towards -x (deterministic).
    pushX = (overlap + 1) >> 1;
    pushY = 0;
  } else {
    pushX = (dx * overlap) / (d << 1);
    pushY = (dy * overlap) / (d << 1);
  }
  const minX = <i64>load<i32>(world + H_MIN_X), maxX = <i64>load<i32>(world + H_MAX_X);
  const minY = <i64>load<i32>(world + H_MIN_Y), maxY = <i64>load<i32>(world + H_MAX_Y);
  const nxi = <i32>min<i64>(max<i64>(<i64>xi - pushX, minX), maxX);
  const nyi = <i32>min<i64>(max<i64>(<i64>yi - pushY, minY), maxY);
  const nxj = <i32>min<i64>(max<i64>(<i64>xj + pushX, minX), maxX);
  const nyj = <i32>min<i64>(max<i64>(<i64>yj + pushY, minY), maxY);
  store<i32>(ei, nxi, E_X);
  store<i32>(ei, nyi, E_Y);
  store<i32>(ej, nxj, E_X);
  store<i32>(ej, nyj, E_Y);
  const posX = column(world, COL_POS_X);
  const posY = column(world, COL_POS_Y);
  store<i32>(posX + i, nxi);
  store<i32>(posY + i, nyi);
  store<i32>(posX + j, nxj);
  store<i32>(posY + j, nyj);
}

// Pairs entry k with the run of entries from `first` whose keys are <= `last` (keys ascend, so
// the run is a prefix), testing four keys per v128 compare against the NO_KEY-padded key array.
// @ts-ignore: decorator
@inline
function pair_run(world: usize, entries: usize, sorted: usize, keys: usize, k: u32, first: u32, last: u32): void {
  const vLast = i32x4.splat(last);
  let j = first;
  while (true) {
    const mask = i32x4.bitmask(i32x4.le_u(v128.load(keys + (<usize>j << 2)), vLast));
    if (mask == 0) return;
    const run = <u32>popcnt<i32>(mask);
    for (let t: u32 = 0; t < run; t++) separate(world, entries, sorted, k, j + t);
    if (run < 4) return;
    j += 4;
  }
}

export function collisions_resolve(world: usize, scratch: usize): void {
  const capacity = load<u32>(world + H_CAPACITY);
  const solids = load<u32>(scratch + G_SOLIDS);
  const sorted = grid_sorted(scratch, capacity);
  const entries = grid_entries(scratch, capacity);
  const keys = grid_sorted_keys(scratch, capacity);
  let next: u32 = 0; // first entry of the next row not left of cx - 1
  for (let k: u32 = 0; k < solids; k++) {
    const key = load<u32>(keys + (<usize>k << 2));
    const cx = key & 0xFFFF;
    const cy = key >>> 16;
    // Own cell and (cx + 1, cy): the entries right after k.
    pair_run(world, entries, sorted, keys, k, k + 1, select<u32>(key + 1, key, cx < <u32>CELL_MAX));
    if (cy >= <u32>CELL_MAX) continue;
    // (cx - 1 .. cx + 1, cy + 1): keys ascend with k, so `lo` never decreases and neither does
    // `next`; the keys below `lo` are a prefix, skipped four at a time.
    const rowBase = (cy + 1) << 16;
    const vLo = i32x4.splat(rowBase | select<u32>(cx - 1, 0, cx > 0));
    while (true) {
      const below = <u32>popcnt<i32>(i32x4.bitmask(i32x4.lt_u(v128.load(keys + (<usize>next << 2)), vLo)));
      next += below;
      if (below < 4) break;
    }
    pair_run(world, entries, sorted, keys, k, next, rowBase | select<u32>(cx + 1, cx, cx < <u32>CELL_MAX));
  }
}
