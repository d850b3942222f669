// Deterministic broadphase of the reference step: every tick the solid entities (live NPCs and
// live players) are sorted by their ground-plane cell, row-major, into a scratch buffer, so
// collisions sweep the sorted rows and projectiles look up the few cells they cross. It is
// rebuilt from the region each tick and is therefore part of the deterministic computation:
// same region, same order, same pairs, on every engine. (The f32 spatial index serves queries
// that need no determinism; this one must not depend on it.)
//
// The sort is an LSD counting sort in two stable passes — by column cx, then by row cy — over
// histograms as wide as the world has cells, so the result is ordered by key = cy << 16 | cx and,
// within a cell, by ascending slot. Neighbours are then found by walking sorted memory: the
// next entries of the same row and a pointer that only moves forward through the next row.
//
// Scratch layout, from the scratch pointer; K = capacity * 4 rounded up to 16,
// H = (CELLS_MAX + 1) * 4 rounded up to 16:
// | off          | type           | field                                                      |
// |--------------|----------------|------------------------------------------------------------|
// | 0            | u32            | solid count                                                |
// | 4            | u32            | projectile count                                           |
// | 8            | u32            | columns in use (cells along x)                             |
// | 12           | u32            | rows in use (cells along y)                                |
// | 16           | u32[cap]       | key of each slot: cy << 16 | cx if solid, else NO_KEY        |
// | 16 + K       | u32[cap]       | slots sorted by column (first pass)                        |
// | 16 + 2K      | u32[cap]       | slots sorted by key (second pass): the grid order          |
// | 16 + 3K      | u32[cap]       | projectile slots, ascending                                |
// | 16 + 4K      | u32[CELLS + 1] | column histogram, then column starts                       |
// | 16 + 4K + H  | u32[CELLS + 1] | row starts: row cy is entries rowStart[cy] .. [cy + 1]     |
// | 16 + 4K + 2H | 16 * cap       | sorted entries: u32 key, i32 radius, i32 x, i32 y (Q16);   |
// |              |                | what a neighbour test reads, packed in grid order          |
// | + 16 cap     | 16 * cap       | the same entries in column order (first pass), so the     |
// |              |                | second pass reads sequentially instead of by slot          |
// | + 32 cap     | u32[cap + 4]   | sorted keys alone, then four NO_KEY sentinels: scanned     |
// |              |                | four at a time (v128) by the collision sweep               |
// Cell coordinates are (pos - world min) >> cell shift, clamped to 0..65534, so a 64 km world
// needs cells of 1 m or more; solid radii must stay within half a cell so that every overlapping
// pair lies in the same or adjacent cells.

import {
  column, H_CAPACITY, H_HIGH_WATER, H_MIN_X, H_MIN_Y, H_MAX_X, H_MAX_Y, H_SIM_CELL_SHIFT,
  COL_FLAGS, COL_POS_X, COL_POS_Y, COL_RADIUS, FLAG_ALIVE, FLAG_DEAD, FLAG_NPC, FLAG_PLAYER, FLAG_PROJECTILE,
} from '../world-layout';

export const NO_KEY: u32 = 0xFFFFFFFF;
// Largest cell coordinate: 0xFFFE, not 0xFFFF, so no key or key + 1 of a neighbour range can
// reach NO_KEY, the sentinel the sweeps stop at.
export const CELL_MAX: i32 = 0xFFFE;
const CELLS: usize = 65536;
export const G_SOLIDS: usize = 0;
export const G_PROJECTILES: usize = 4;
export const G_COLUMNS: usize = 8;
export const G_ROWS: usize = 12;
const G_HEADER: usize = 16;
// Sorted entry: key, radius, x, y.
export const E_BYTES: usize = 16;
export const E_KEY: usize = 0;
export const E_RADIUS: usize = 4;
export const E_X: usize = 8;
export const E_Y: usize = 12;
const SOLID_BODY: u32 = FLAG_NPC | FLAG_PLAYER;
const LIVE_MASK: u32 = FLAG_ALIVE | FLAG_DEAD;
const HISTOGRAM_BYTES: usize = ((CELLS + 1) * 4 + 15) & ~(<usize>15);

// @ts-ignore: decorator
@inline
function column_bytes(capacity: u32): usize {
  return (<usize>capacity * 4 + 15) & ~(<usize>15);
}

// @ts-ignore: decorator
@inline
function grid_keys(scratch: usize): usize {
  return scratch + G_HEADER;
}

// @ts-ignore: decorator
@inline
function grid_by_column(scratch: usize, capacity: u32): usize {
  return scratch + G_HEADER + column_bytes(capacity);
}

// @ts-ignore: decorator
@inline
export function grid_sorted(scratch: usize, capacity: u32): usize {
  return scratch + G_HEADER + 2 * column_bytes(capacity);
}

// @ts-ignore: decorator
@inline
export function grid_projectiles(scratch: usize, capacity: u32): usize {
  return scratch + G_HEADER + 3 * column_bytes(capacity);
}

// @ts-ignore: decorator
@inline
function grid_column_starts(scratch: usize, capacity: u32): usize {
  return scratch + G_HEADER + 4 * column_bytes(capacity);
}

// @ts-ignore: decorator
@inline
export function grid_row_starts(scratch: usize, capacity: u32): usize {
  return grid_column_starts(scratch, capacity) + HISTOGRAM_BYTES;
}

// @ts-ignore: decorator
@inline
export function grid_entries(scratch: usize, capacity: u32): usize {
  return grid_row_starts(scratch, capacity) + HISTOGRAM_BYTES;
}

// Bytes of scratch the reference step needs for a world of `capacity` slots.
// @ts-ignore: decorator
@inline
export function grid_sorted_keys(scratch: usize, capacity: u32): usize {
  return grid_entries(scratch, capacity) + 2 * <usize>capacity * E_BYTES;
}

export function sim_scratch_bytes(capacity: u32): u32 {
  return <u32>(G_HEADER + 4 * column_bytes(capacity) + 2 * HISTOGRAM_BYTES + 2 * <usize>capacity * E_BYTES + column_bytes(capacity + 4));
}

// Cell coordinate of a Q16 position along one axis (see the layout note).
// @ts-ignore: decorator
@inline
export function cell_of(pos: i32, origin: i32, shift: u32): u32 {
  const rel = max<i64>(<i64>pos - <i64>origin, 0) >> shift;
  return <u32>min<i64>(rel, <i64>CELL_MAX);
}

// First sorted entry of row `cy` whose key is >= `key` (binary search inside the row).
export function grid_row_lower_bound(scratch: usize, capacity: u32, cy: u32, key: u32): u32 {
  const rows = grid_row_starts(scratch, capacity);
  const entries = grid_entries(scratch, capacity);
  let lo = load<u32>(rows + (<usize>cy << 2));
  let hi = load<u32>(rows + (<usize>cy << 2) + 4);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<u32>(entries + <usize>mid * E_BYTES, E_KEY) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Computes every slot's key (v128, four slots per step), then sorts the solid slots by key and
// lists the live projectiles.
export function grid_build(world: usize, scratch: usize): void {
  const capacity = load<u32>(world + H_CAPACITY);
  const high = load<u32>(world + H_HIGH_WATER);
  const shift = load<u32>(world + H_SIM_CELL_SHIFT);
  const minX = load<i32>(world + H_MIN_X);
  const minY = load<i32>(world + H_MIN_Y);
  const columns = cell_of(load<i32>(world + H_MAX_X), minX, shift) + 1;
  const rows = cell_of(load<i32>(world + H_MAX_Y), minY, shift) + 1;
  store<u32>(scratch + G_COLUMNS, columns);
  store<u32>(scratch + G_ROWS, rows);
  const flags = column(world, COL_FLAGS);
  const posX = column(world, COL_POS_X);
  const posY = column(world, COL_POS_Y);
  const keys = grid_keys(scratch);

  // Pass 1 (SIMD): the key of every slot. Positions are inside the world, so pos - min is
  // non-negative and below 2^31; the clamps only guard hand-written out-of-world values.
  const vLiveMask = i32x4.splat(LIVE_MASK);
  const vAlive = i32x4.splat(FLAG_ALIVE);
  const vBody = i32x4.splat(SOLID_BODY);
  const vZero = i32x4.splat(0);
  const vMinX = i32x4.splat(minX);
  const vMinY = i32x4.splat(minY);
  const vCellMax = i32x4.splat(CELL_MAX);
  const vNoKey = i32x4.splat(NO_KEY);
  let i: u32 = 0;
  for (; i + 4 <= high; i += 4) {
    const off: usize = <usize>i << 2;
    const f = v128.load(flags + off);
    const live = i32x4.eq(v128.and(f, vLiveMask), vAlive);
    const solid = v128.and(live, i32x4.ne(v128.and(f, vBody), vZero));
    const cx = i32x4.min_u(i32x4.shr_u(i32x4.max_s(i32x4.sub(v128.load(posX + off), vMinX), vZero), shift), vCellMax);
    const cy = i32x4.min_u(i32x4.shr_u(i32x4.max_s(i32x4.sub(v128.load(posY + off), vMinY), vZero), shift), vCellMax);
    v128.store(keys + off, v128.bitselect(v128.or(i32x4.shl(cy, 16), cx), vNoKey, solid));
  }
  for (; i < high; i++) {
    const off: usize = <usize>i << 2;
    const f = load<u32>(flags + off);
    const solid = (f & LIVE_MASK) == FLAG_ALIVE && (f & SOLID_BODY) != 0;
    const cx = cell_of(load<i32>(posX + off), minX, shift);
    const cy = cell_of(load<i32>(posY + off), minY, shift);
    store<u32>(keys + off, select<u32>((cy << 16) | cx, NO_KEY, solid));
  }

  // Pass 2: column and row histograms of the solid slots; live projectiles go on their list.
  const colStarts = grid_column_starts(scratch, capacity);
  const rowStarts = grid_row_starts(scratch, capacity);
  const projectiles = grid_projectiles(scratch, capacity);
  memory.fill(colStarts, 0, (<usize>columns + 1) << 2);
  memory.fill(rowStarts, 0, (<usize>rows + 1) << 2);
  let solids: u32 = 0;
  let projectileCount: u32 = 0;
  const projectileMask = FLAG_ALIVE | FLAG_PROJECTILE;
  for (let s: u32 = 0; s < high; s++) {
    const off: usize = <usize>s << 2;
    const key = load<u32>(keys + off);
    if (key != NO_KEY) {
      const c = colStarts + (<usize>(key & 0xFFFF) << 2);
      store<u32>(c, load<u32>(c) + 1);
      const r = rowStarts + (<usize>(key >>> 16) << 2);
      store<u32>(r, load<u32>(r) + 1);
      solids++;
    } else if ((load<u32>(flags + off) & projectileMask) == projectileMask) {
      store<u32>(projectiles + (<usize>projectileCount << 2), s);
      projectileCount++;
    }
  }
  store<u32>(scratch + G_SOLIDS, solids);
  store<u32>(scratch + G_PROJECTILES, projectileCount);

  // Inclusive prefix sums make starts[c] the end of c; placing entries from the last down with
  // a pre-decrement keeps each pass stable and leaves starts[c] at c's first entry.
  let running: u32 = 0;
  for (let c: u32 = 0; c < columns; c++) {
    const at = colStarts + (<usize>c << 2);
    running += load<u32>(at);
    store<u32>(at, running);
  }
  store<u32>(colStarts + (<usize>columns << 2), solids);
  running = 0;
  for (let r: u32 = 0; r < rows; r++) {
    const at = rowStarts + (<usize>r << 2);
    running += load<u32>(at);
    store<u32>(at, running);
  }
  store<u32>(rowStarts + (<usize>rows << 2), solids);

  // Pass 3: by column, slots descending, carrying each body's packed entry along.
  const byColumn = grid_by_column(scratch, capacity);
  const columnEntries = grid_entries(scratch, capacity) + <usize>capacity * E_BYTES;
  const radius = column(world, COL_RADIUS);
  for (let s = <i32>high - 1; s >= 0; s--) {
    const off: usize = <usize>s << 2;
    const key = load<u32>(keys + off);
    if (key == NO_KEY) continue;
    const at = colStarts + (<usize>(key & 0xFFFF) << 2);
    const pos = load<u32>(at) - 1;
    store<u32>(at, pos);
    store<u32>(byColumn + (<usize>pos << 2), <u32>s);
    const e = columnEntries + <usize>pos * E_BYTES;
    store<u32>(e, key, E_KEY);
    store<i32>(e, load<i32>(radius + off), E_RADIUS);
    store<i32>(e, load<i32>(posX + off), E_X);
    store<i32>(e, load<i32>(posY + off), E_Y);
  }

  // Pass 4: by row, stable over the column order: the grid order.
  const sorted = grid_sorted(scratch, capacity);
  const entries = grid_entries(scratch, capacity);
  const sortedKeys = grid_sorted_keys(scratch, capacity);
  for (let n = <i32>solids - 1; n >= 0; n--) {
    const src = columnEntries + <usize>n * E_BYTES;
    const key = load<u32>(src, E_KEY);
    const at = rowStarts + (<usize>(key >>> 16) << 2);
    const pos = load<u32>(at) - 1;
    store<u32>(at, pos);
    store<u32>(sorted + (<usize>pos << 2), load<u32>(byColumn + (<usize>n << 2)));
    store<u32>(sortedKeys + (<usize>pos << 2), key);
    v128.store(entries + <usize>pos * E_BYTES, v128.load(src));
  }
  v128.store(sortedKeys + (<usize>solids << 2), i32x4.splat(NO_KEY));
}
