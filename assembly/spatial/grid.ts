// The grid's moving parts, shared by the update and query kernels: brick keys and the hash
// table, the brick, node and entry pools, cell geometry, and the entity operations (insert,
// remove, move, split, merge). Imported by the kernel files, not re-exported: nothing here is
// a wasm export. Layout of everything touched here: layout.ts.

import {
  AXIS_MASK, BOX_BYTES, BRICK_BYTES, BRICK_CELLS, BRICK_META_BYTES, CELL_BYTES, COUNT_MASK,
  EMPTY_KEY, ENTRY_BYTES, E_SLOT, E_X, E_Y, E_Z, HASH_SLOT_BYTES, H_BOX_TABLE, H_BRICK_CAP,
  H_BRICK_FREE, H_BRICK_FREE_COUNT, H_BRICK_META, H_BRICK_PTR, H_BRICK_TOP, H_CELL_OF, H_CODE,
  H_ENT_CAP, H_ENT_GARBAGE, H_ENT_MAXCAP, H_ENT_PTR, H_ENT_TOP, H_HASH_BITS, H_HASH_PTR,
  H_HASH_USED, H_HYSTERESIS, H_INDEXED, H_INSERTS, H_LEVEL_TABLE, H_LO, H_LOC, H_LO_STRIDE,
  H_MAX_DEPTH, H_MERGE, H_MERGES, H_MIN_X, H_MIN_Y, H_MIN_Z, H_NODE_CAP, H_NODE_FREE,
  H_NODE_FREE_COUNT, H_NODE_PTR, H_NODE_TOP, H_REMOVES, H_SPLIT, H_SPLITS, H_SPLIT_CELLS,
  H_TOP_CELLS, LEVEL_BYTES, L_COUNT, L_HALF, L_NX, L_NY, L_NZ, L_SIZE, L_TOPS, NODE_BYTES,
  NONE, N_META, N_NEXT, N_PARENT, N_TOTAL, REF_NODE_BIT, SPLIT_BIT,
} from './layout';

// ---- header and level table ----

// @ts-ignore: decorator
@inline
export function level_at(idx: usize, g: u32): usize {
  return idx + H_LEVEL_TABLE + <usize>g * LEVEL_BYTES;
}

// @ts-ignore: decorator
@inline
export function level_size(idx: usize, g: u32): i64 {
  return load<i64>(level_at(idx, g) + L_SIZE);
}

// @ts-ignore: decorator
@inline
export function box_at(idx: usize, code: u32): usize {
  return idx + H_BOX_TABLE + <usize>code * BOX_BYTES;
}

// @ts-ignore: decorator
@inline
export function bump_u64(idx: usize, field: usize, by: u64): void {
  store<u64>(idx + field, load<u64>(idx + field) + by);
}

// @ts-ignore: decorator
@inline
export function bump_u32(at: usize, by: i32): void {
  store<u32>(at, <u32>(<i32>load<u32>(at) + by));
}

// Margin of a cell of side `side`: the hysteresis fraction (Q16) of it.
// @ts-ignore: decorator
@inline
export function margin_of(idx: usize, side: i64): i64 {
  return (side * <i64>load<u32>(idx + H_HYSTERESIS)) >> 16;
}

// @ts-ignore: decorator
@inline
export function code_of(g: u32, depth: u32): u32 {
  return g | (depth << 4);
}

// Smallest k with 2^k >= n (n >= 1).
// @ts-ignore: decorator
@inline
export function ceil_log2(n: u32): u32 {
  return n <= 1 ? 0 : 32 - clz<u32>(n - 1);
}

// ---- keys and cells ----

// @ts-ignore: decorator
@inline
export function make_key(g: u32, bx: u32, by: u32, bz: u32): i64 {
  return (<i64>g << 57) | (<i64>bx << 38) | (<i64>by << 19) | <i64>bz;
}

// @ts-ignore: decorator
@inline
export function key_level(key: i64): u32 {
  return <u32>(key >> 57);
}

// @ts-ignore: decorator
@inline
export function key_bx(key: i64): u32 {
  return <u32>((key >> 38) & AXIS_MASK);
}

// @ts-ignore: decorator
@inline
export function key_by(key: i64): u32 {
  return <u32>((key >> 19) & AXIS_MASK);
}

// @ts-ignore: decorator
@inline
export function key_bz(key: i64): u32 {
  return <u32>(key & AXIS_MASK);
}

// Index of cell (cx, cy, cz) inside its brick.
// @ts-ignore: decorator
@inline
export function cell_in_brick(cx: u32, cy: u32, cz: u32): u32 {
  return ((cz & 3) << 4) | ((cy & 3) << 2) | (cx & 3);
}

// Cell index of coordinate p along an axis starting at `min`, clamped to [0, n - 1].
// @ts-ignore: decorator
@inline
export function cell_of(p: i32, min: i32, side: i64, n: u32): u32 {
  let c = (<i64>p - <i64>min) / side;
  if (c < 0) c = 0;
  if (c >= <i64>n) c = <i64>n - 1;
  return <u32>c;
}

// Cell index of an f64 coordinate (Q16 units), clamped to [0, n - 1]: the query side.
// @ts-ignore: decorator
@inline
export function cell_of_f(p: f64, min: f64, side: f64, n: u32): u32 {
  let c = Math.floor((p - min) / side);
  if (c < 0) c = 0;
  if (c > <f64>(n - 1)) c = <f64>(n - 1);
  return <u32>c;
}

// The top cell of level g holding (x, y, z): brick key and cell in brick, into these globals.
export let loc_key: i64 = 0;
export let loc_ci: u32 = 0;

export function locate(idx: usize, g: u32, x: i32, y: i32, z: i32): void {
  const lv = level_at(idx, g);
  const side = load<i64>(lv + L_SIZE);
  const cx = cell_of(x, load<i32>(idx + H_MIN_X), side, load<u32>(lv + L_NX));
  const cy = cell_of(y, load<i32>(idx + H_MIN_Y), side, load<u32>(lv + L_NY));
  const cz = cell_of(z, load<i32>(idx + H_MIN_Z), side, load<u32>(lv + L_NZ));
  loc_key = make_key(g, cx >> 2, cy >> 2, cz >> 2);
  loc_ci = cell_in_brick(cx, cy, cz);
}

// ---- hash table of bricks ----

// @ts-ignore: decorator
@inline
export function hash_home(key: i64, bits: u32): u32 {
  // Fibonacci hashing (Knuth): the top `bits` bits of key * 2^64 / phi.
  return <u32>(<u64>(key * 0x9E3779B97F4A7C15) >> (64 - <u64>bits));
}

// The brick of `key`, or NONE.
export function hash_find(idx: usize, key: i64): u32 {
  const table = <usize>load<u32>(idx + H_HASH_PTR);
  const bits = load<u32>(idx + H_HASH_BITS);
  const mask: u32 = (1 << bits) - 1;
  let i = hash_home(key, bits);
  while (true) {
    const at = table + <usize>i * HASH_SLOT_BYTES;
    const k = load<i64>(at);
    if (k == key) return load<u32>(at, 8);
    if (k == EMPTY_KEY) return NONE;
    i = (i + 1) & mask;
  }
  return NONE;
}

// Inserts a key known to be absent; the caller keeps the load at or below one half.
export function hash_insert_into(table: usize, bits: u32, key: i64, brick: u32): void {
  const mask: u32 = (1 << bits) - 1;
  let i = hash_home(key, bits);
  while (load<i64>(table + <usize>i * HASH_SLOT_BYTES) != EMPTY_KEY) i = (i + 1) & mask;
  const at = table + <usize>i * HASH_SLOT_BYTES;
  store<i64>(at, key);
  store<u32>(at, brick, 8);
}

function hash_insert(idx: usize, key: i64, brick: u32): void {
  hash_insert_into(<usize>load<u32>(idx + H_HASH_PTR), load<u32>(idx + H_HASH_BITS), key, brick);
  bump_u32(idx + H_HASH_USED, 1);
}

// Removes a present key with backward-shift deletion (Knuth 6.4 algorithm R): every later
// entry of the probe run that may move into the hole does, so lookups never need tombstones.
function hash_remove(idx: usize, key: i64): void {
  const table = <usize>load<u32>(idx + H_HASH_PTR);
  const bits = load<u32>(idx + H_HASH_BITS);
  const mask: u32 = (1 << bits) - 1;
  let i = hash_home(key, bits);
  while (load<i64>(table + <usize>i * HASH_SLOT_BYTES) != key) i = (i + 1) & mask;
  let j = i;
  while (true) {
    j = (j + 1) & mask;
    const at = table + <usize>j * HASH_SLOT_BYTES;
    const k = load<i64>(at);
    if (k == EMPTY_KEY) break;
    const home = hash_home(k, bits);
    // The entry at j may fill the hole at i unless its home lies cyclically in (i, j].
    const stays = i <= j ? home > i && home <= j : home > i || home <= j;
    if (stays) continue;
    const hole = table + <usize>i * HASH_SLOT_BYTES;
    store<i64>(hole, k);
    store<u32>(hole, load<u32>(at, 8), 8);
    i = j;
  }
  store<i64>(table + <usize>i * HASH_SLOT_BYTES, EMPTY_KEY);
  bump_u32(idx + H_HASH_USED, -1);
}

// ---- pools ----

// @ts-ignore: decorator
@inline
export function brick_cells(idx: usize, b: u32): usize {
  return <usize>load<u32>(idx + H_BRICK_PTR) + <usize>b * BRICK_BYTES;
}

// @ts-ignore: decorator
@inline
export function brick_meta(idx: usize, b: u32): usize {
  return <usize>load<u32>(idx + H_BRICK_META) + <usize>b * BRICK_META_BYTES;
}

// @ts-ignore: decorator
@inline
export function node_at(idx: usize, n: u32): usize {
  return <usize>load<u32>(idx + H_NODE_PTR) + <usize>n * NODE_BYTES;
}

// @ts-ignore: decorator
@inline
export function ent_at(idx: usize, e: u32): usize {
  return <usize>load<u32>(idx + H_ENT_PTR) + <usize>e * ENTRY_BYTES;
}

// @ts-ignore: decorator
@inline
export function brick_ref(b: u32, ci: u32): u32 {
  return (b << 6) | ci;
}

// @ts-ignore: decorator
@inline
export function node_ref(n: u32, o: u32): u32 {
  return REF_NODE_BIT | (n << 3) | o;
}

// Address of the cell word a ref names.
// @ts-ignore: decorator
@inline
export function cell_ptr(idx: usize, ref: u32): usize {
  return (ref & REF_NODE_BIT) != 0
    ? node_at(idx, (ref & ~REF_NODE_BIT) >> 3) + <usize>(ref & 7) * CELL_BYTES
    : brick_cells(idx, ref >> 6) + <usize>(ref & 63) * CELL_BYTES;
}

// An empty leaf cell word: no block (start NONE), no entries.
const EMPTY_CELL: u64 = 0x00000000FFFFFFFF;

function alloc_brick(idx: usize, key: i64): u32 {
  let b = load<u32>(idx + H_BRICK_FREE);
  if (b != NONE) {
    store<u32>(idx + H_BRICK_FREE, load<u32>(brick_meta(idx, b), 12));
    bump_u32(idx + H_BRICK_FREE_COUNT, -1);
  } else {
    b = load<u32>(idx + H_BRICK_TOP);
    store<u32>(idx + H_BRICK_TOP, b + 1);
  }
  const cells = brick_cells(idx, b);
  for (let c: usize = 0; c < BRICK_CELLS; c++) store<u64>(cells + c * CELL_BYTES, EMPTY_CELL);
  const meta = brick_meta(idx, b);
  store<i64>(meta, key);
  store<u32>(meta, 0, 8);
  store<u32>(meta, NONE, 12);
  return b;
}

function free_brick(idx: usize, b: u32): void {
  store<u32>(brick_meta(idx, b), load<u32>(idx + H_BRICK_FREE), 12);
  store<u32>(idx + H_BRICK_FREE, b);
  bump_u32(idx + H_BRICK_FREE_COUNT, 1);
}

function alloc_node(idx: usize): u32 {
  let n = load<u32>(idx + H_NODE_FREE);
  if (n != NONE) {
    store<u32>(idx + H_NODE_FREE, load<u32>(node_at(idx, n) + N_NEXT));
    bump_u32(idx + H_NODE_FREE_COUNT, -1);
  } else {
    n = load<u32>(idx + H_NODE_TOP);
    store<u32>(idx + H_NODE_TOP, n + 1);
  }
  return n;
}

function free_node(idx: usize, n: u32): void {
  store<u32>(node_at(idx, n) + N_NEXT, load<u32>(idx + H_NODE_FREE));
  store<u32>(idx + H_NODE_FREE, n);
  bump_u32(idx + H_NODE_FREE_COUNT, 1);
}

// A block of 2^log entries from the end of the entry array.
function alloc_block(idx: usize, log: u32): u32 {
  const start = load<u32>(idx + H_ENT_TOP);
  store<u32>(idx + H_ENT_TOP, start + (<u32>1 << log));
  if ((<u32>1 << log) > load<u32>(idx + H_ENT_MAXCAP)) store<u32>(idx + H_ENT_MAXCAP, <u32>1 << log);
  return start;
}

// @ts-ignore: decorator
@inline
function abandon_block(idx: usize, log: u32): void {
  bump_u32(idx + H_ENT_GARBAGE, <i32>(<u32>1 << log));
}

export function bricks_free(idx: usize): u32 {
  return load<u32>(idx + H_BRICK_CAP) - load<u32>(idx + H_BRICK_TOP) + load<u32>(idx + H_BRICK_FREE_COUNT);
}

export function nodes_free(idx: usize): u32 {
  return load<u32>(idx + H_NODE_CAP) - load<u32>(idx + H_NODE_TOP) + load<u32>(idx + H_NODE_FREE_COUNT);
}

// Entries one entity operation may allocate at most: relocating the largest leaf, plus a split
// cascade (each split re-blocks at most split + 1 entries into 8 children, 2x rounding) and a
// merge cascade (each at most 2x the merge threshold).
export function entries_reserve(idx: usize): u32 {
  const depth = load<u32>(idx + H_MAX_DEPTH);
  return 2 * load<u32>(idx + H_ENT_MAXCAP) + depth * 4 * (load<u32>(idx + H_SPLIT) + 9) + 8;
}

// Which pools are short of what one more entity operation may need (NEED_* bits), 0 if none.
export function reserve_need(idx: usize): u32 {
  let need: u32 = 0;
  if (nodes_free(idx) < load<u32>(idx + H_MAX_DEPTH) + 1) need |= 1;
  if (load<u32>(idx + H_ENT_CAP) - load<u32>(idx + H_ENT_TOP) < entries_reserve(idx)) need |= 2;
  if ((load<u32>(idx + H_HASH_USED) + 1) * 2 > (<u32>1 << load<u32>(idx + H_HASH_BITS))) need |= 4;
  if (bricks_free(idx) < 1) need |= 8;
  return need;
}

// ---- geometry ----

// Box of a cell (Q16 lower corner and side) and its level and depth, from cell_box / top_box.
export let box_x: i64 = 0;
export let box_y: i64 = 0;
export let box_z: i64 = 0;
export let box_side: i64 = 0;
export let box_g: u32 = 0;
export let box_depth: u32 = 0;

// The top cell `ci` of the brick with key `key`.
export function top_box(idx: usize, key: i64, ci: u32): void {
  const g = key_level(key);
  const side = level_size(idx, g);
  box_x = <i64>load<i32>(idx + H_MIN_X) + <i64>((key_bx(key) << 2) | (ci & 3)) * side;
  box_y = <i64>load<i32>(idx + H_MIN_Y) + <i64>((key_by(key) << 2) | ((ci >> 2) & 3)) * side;
  box_z = <i64>load<i32>(idx + H_MIN_Z) + <i64>((key_bz(key) << 2) | (ci >> 4)) * side;
  box_side = side;
  box_g = g;
  box_depth = 0;
}

// The brick cell at the top of `ref`'s octree path.
export function top_of(idx: usize, ref: u32): u32 {
  let r = ref;
  while ((r & REF_NODE_BIT) != 0) r = load<u32>(node_at(idx, (r & ~REF_NODE_BIT) >> 3) + N_PARENT);
  return r;
}

// Box of any cell: its top cell's box narrowed by the octants on the path down.
export function cell_box(idx: usize, ref: u32): void {
  let path: u64 = 0;
  let depth: u32 = 0;
  let r = ref;
  while ((r & REF_NODE_BIT) != 0) {
    path |= <u64>(r & 7) << (<u64>depth * 3);
    depth++;
    r = load<u32>(node_at(idx, (r & ~REF_NODE_BIT) >> 3) + N_PARENT);
  }
  top_box(idx, load<i64>(brick_meta(idx, r >> 6)), r & 63);
  let x = box_x, y = box_y, z = box_z, side = box_side;
  for (let k: i32 = <i32>depth - 1; k >= 0; k--) {
    const o = <u32>((path >> (<u64>k * 3)) & 7);
    side >>= 1;
    if (o & 1) x += side;
    if (o & 2) y += side;
    if (o & 4) z += side;
  }
  box_x = x;
  box_y = y;
  box_z = z;
  box_side = side;
  box_depth = depth;
}

// Records in the per-slot arrays that `slot` now lives in leaf `ref` with lower corner lo.
// @ts-ignore: decorator
@inline
function place_slot(idx: usize, slot: u32, ref: u32, lx: i64, ly: i64, lz: i64, code: u32): void {
  const off = <usize>slot << 2;
  store<u32>(<usize>load<u32>(idx + H_CELL_OF) + off, ref);
  const lo = <usize>load<u32>(idx + H_LO) + off;
  const stride = <usize>load<u32>(idx + H_LO_STRIDE);
  store<i32>(lo, <i32>lx);
  store<i32>(lo + stride, <i32>ly);
  store<i32>(lo + 2 * stride, <i32>lz);
  store<u8>(<usize>load<u32>(idx + H_CODE) + <usize>slot, <u8>code);
}

// ---- leaves ----

// Appends (slot, x, y, z) to the leaf whose cell word is at `cell`. A full block (or none)
// moves to a new block twice the size at the end of the entry array.
function leaf_append(idx: usize, cell: usize, slot: u32, x: i32, y: i32, z: i32): void {
  let start = load<u32>(cell);
  const w = load<u32>(cell, 4);
  const count = w & COUNT_MASK;
  let log = w >> 24;
  if (start == NONE || count == (<u32>1 << log)) {
    const next = start == NONE ? 1 : log + 1;
    const moved = alloc_block(idx, next);
    if (start != NONE) {
      memory.copy(ent_at(idx, moved), ent_at(idx, start), <usize>count * ENTRY_BYTES);
      const locs = <usize>load<u32>(idx + H_LOC);
      for (let i: u32 = 0; i < count; i++) {
        store<u32>(locs + (<usize>load<u32>(ent_at(idx, moved + i) + E_SLOT) << 2), moved + i);
      }
      abandon_block(idx, log);
    }
    start = moved;
    log = next;
    store<u32>(cell, start);
  }
  const e = ent_at(idx, start + count);
  store<u32>(e + E_SLOT, slot);
  store<i32>(e + E_X, x);
  store<i32>(e + E_Y, y);
  store<i32>(e + E_Z, z);
  store<u32>(<usize>load<u32>(idx + H_LOC) + (<usize>slot << 2), start + count);
  store<u32>(cell, (count + 1) | (log << 24), 4);
}

// Removes the entry at `loc` from its leaf by moving the leaf's last entry into its place.
function leaf_remove(idx: usize, cell: usize, loc: u32): void {
  const start = load<u32>(cell);
  const w = load<u32>(cell, 4);
  const count = w & COUNT_MASK;
  const last = start + count - 1;
  if (last != loc) {
    const from = ent_at(idx, last);
    const moved = load<u32>(from + E_SLOT);
    memory.copy(ent_at(idx, loc), from, ENTRY_BYTES);
    store<u32>(<usize>load<u32>(idx + H_LOC) + (<usize>moved << 2), loc);
  }
  store<u32>(cell, w - 1, 4);
}

// Entities under a cell word (a leaf's count or a node's total).
// @ts-ignore: decorator
@inline
export function cell_total(idx: usize, cell: usize): u32 {
  const w = load<u32>(cell, 4);
  return (w & SPLIT_BIT) != 0 ? load<u32>(node_at(idx, load<u32>(cell)) + N_TOTAL) : w & COUNT_MASK;
}

// ---- split and merge ----

// Octant populations while a split sorts a leaf: 8 x u32 = 32 bytes.
const SPLIT_COUNTS: usize = memory.data(32, 16);

// Splits leaf `ref` (lower corner lx, ly, lz, side, at `depth` of level g) into 8 children:
// counts each octant first so every child gets one block of the right size, then sorts the
// entries down. Children still over the threshold split again.
function split(idx: usize, ref: u32, lx: i64, ly: i64, lz: i64, side: i64, depth: u32, g: u32): void {
  const cell = cell_ptr(idx, ref);
  const start = load<u32>(cell);
  const w = load<u32>(cell, 4);
  const count = w & COUNT_MASK;
  const n = alloc_node(idx);
  const np = node_at(idx, n);
  for (let o: usize = 0; o < 8; o++) store<u64>(np + o * CELL_BYTES, EMPTY_CELL);
  store<u32>(np + N_TOTAL, count);
  store<u32>(np + N_PARENT, ref);
  store<u32>(np + N_META, g | ((depth + 1) << 8));
  const half = side >> 1;
  const mx = lx + half, my = ly + half, mz = lz + half;
  memory.fill(SPLIT_COUNTS, 0, 32);
  for (let i: u32 = 0; i < count; i++) {
    const e = ent_at(idx, start + i);
    const o = (<i64>load<i32>(e + E_X) >= mx ? 1 : 0) | (<i64>load<i32>(e + E_Y) >= my ? 2 : 0) | (<i64>load<i32>(e + E_Z) >= mz ? 4 : 0);
    bump_u32(SPLIT_COUNTS + (<usize>o << 2), 1);
  }
  for (let o: usize = 0; o < 8; o++) {
    const c = load<u32>(SPLIT_COUNTS + (o << 2));
    if (c == 0) continue;
    const log = ceil_log2(c);
    store<u32>(np + o * CELL_BYTES, alloc_block(idx, log));
    store<u32>(np + o * CELL_BYTES, log << 24, 4);
  }
  const code = code_of(g, depth + 1);
  for (let i: u32 = 0; i < count; i++) {
    const e = ent_at(idx, start + i);
    const x = load<i32>(e + E_X), y = load<i32>(e + E_Y), z = load<i32>(e + E_Z);
    const ox: u32 = <i64>x >= mx ? 1 : 0, oy: u32 = <i64>y >= my ? 1 : 0, oz: u32 = <i64>z >= mz ? 1 : 0;
    const o = ox | (oy << 1) | (oz << 2);
    const slot = load<u32>(e + E_SLOT);
    leaf_append(idx, np + <usize>o * CELL_BYTES, slot, x, y, z);
    place_slot(idx, slot, node_ref(n, o), lx + <i64>ox * half, ly + <i64>oy * half, lz + <i64>oz * half, code);
  }
  if (start != NONE) abandon_block(idx, w >> 24);
  store<u32>(cell, n);
  store<u32>(cell, SPLIT_BIT, 4);
  bump_u64(idx, H_SPLITS, 1);
  bump_u32(idx + H_SPLIT_CELLS, 1);
  if (depth + 1 >= load<u32>(idx + H_MAX_DEPTH)) return;
  const limit = load<u32>(idx + H_SPLIT);
  for (let o: u32 = 0; o < 8; o++) {
    if ((load<u32>(np + <usize>o * CELL_BYTES, 4) & COUNT_MASK) > limit) {
      split(idx, node_ref(n, o), lx + <i64>(o & 1) * half, ly + <i64>((o >> 1) & 1) * half, lz + <i64>((o >> 2) & 1) * half, half, depth + 1, g);
    }
  }
}

// Merges node n's children (all leaves, by the bottom-up merge order) into its parent cell.
function merge(idx: usize, n: u32): void {
  const np = node_at(idx, n);
  const parent = load<u32>(np + N_PARENT);
  const total = load<u32>(np + N_TOTAL);
  cell_box(idx, parent);
  const code = code_of(box_g, box_depth);
  const lx = box_x, ly = box_y, lz = box_z;
  const pcell = cell_ptr(idx, parent);
  let start = NONE;
  let log: u32 = 0;
  if (total > 0) {
    log = ceil_log2(total);
    start = alloc_block(idx, log);
  }
  const locs = <usize>load<u32>(idx + H_LOC);
  let k: u32 = 0;
  for (let o: usize = 0; o < 8; o++) {
    const cs = load<u32>(np + o * CELL_BYTES);
    const cw = load<u32>(np + o * CELL_BYTES, 4);
    if (cs == NONE) continue;
    const cc = cw & COUNT_MASK;
    if (cc > 0) memory.copy(ent_at(idx, start + k), ent_at(idx, cs), <usize>cc * ENTRY_BYTES);
    for (let i: u32 = 0; i < cc; i++) {
      const slot = load<u32>(ent_at(idx, start + k) + E_SLOT);
      store<u32>(locs + (<usize>slot << 2), start + k);
      place_slot(idx, slot, parent, lx, ly, lz, code);
      k++;
    }
    abandon_block(idx, cw >> 24);
  }
  store<u32>(pcell, start);
  store<u32>(pcell, total | (log << 24), 4);
  free_node(idx, n);
  bump_u64(idx, H_MERGES, 1);
  bump_u32(idx + H_SPLIT_CELLS, -1);
}

// ---- entity operations ----

// A new, empty brick for `key`, entered in the table (the caller checked the reserve).
export function new_brick(idx: usize, key: i64): u32 {
  const b = alloc_brick(idx, key);
  hash_insert(idx, key, b);
  return b;
}

// Splits a leaf (exported for the bulk build's final pass).
export function split_leaf(idx: usize, ref: u32, lx: i64, ly: i64, lz: i64, side: i64, depth: u32, g: u32): void {
  split(idx, ref, lx, ly, lz, side, depth, g);
}

// Inserts slot at (x, y, z) into top cell `ci` of the brick with key `key` (created if
// absent), descending to the leaf that holds the position clamped into the top cell; splits
// the leaf if it overflows.
export function insert_at(idx: usize, slot: u32, key: i64, ci: u32, x: i32, y: i32, z: i32): void {
  const g = key_level(key);
  let b = hash_find(idx, key);
  if (b == NONE) {
    b = alloc_brick(idx, key);
    hash_insert(idx, key, b);
  }
  bump_u32(brick_meta(idx, b) + 8, 1);
  let ref = brick_ref(b, ci);
  let cell = brick_cells(idx, b) + <usize>ci * CELL_BYTES;
  const lv = level_at(idx, g);
  if (cell_total(idx, cell) == 0) {
    bump_u32(idx + H_TOP_CELLS, 1);
    bump_u32(lv + L_TOPS, 1);
  }
  top_box(idx, key, ci);
  let lx = box_x, ly = box_y, lz = box_z, side = box_side;
  let depth: u32 = 0;
  while ((load<u32>(cell, 4) & SPLIT_BIT) != 0) {
    const n = load<u32>(cell);
    const np = node_at(idx, n);
    bump_u32(np + N_TOTAL, 1);
    const half = side >> 1;
    const ox: u32 = <i64>x >= lx + half ? 1 : 0;
    const oy: u32 = <i64>y >= ly + half ? 1 : 0;
    const oz: u32 = <i64>z >= lz + half ? 1 : 0;
    lx += <i64>ox * half;
    ly += <i64>oy * half;
    lz += <i64>oz * half;
    side = half;
    const o = ox | (oy << 1) | (oz << 2);
    ref = node_ref(n, o);
    cell = np + <usize>o * CELL_BYTES;
    depth++;
  }
  leaf_append(idx, cell, slot, x, y, z);
  place_slot(idx, slot, ref, lx, ly, lz, code_of(g, depth));
  bump_u32(lv + L_COUNT, 1);
  bump_u32(idx + H_INDEXED, 1);
  if ((load<u32>(cell, 4) & COUNT_MASK) > load<u32>(idx + H_SPLIT) && depth < load<u32>(idx + H_MAX_DEPTH)) {
    split(idx, ref, lx, ly, lz, side, depth, g);
  }
}

// Level for radius r (Q16): the finest whose half cell holds it (the coarsest holds any).
export function level_for_radius(idx: usize, levels: u32, r: i32): u32 {
  for (let g: u32 = 0; g < levels; g++) {
    if (r <= load<i32>(level_at(idx, g) + L_HALF)) return g;
  }
  return levels - 1;
}

export function insert_entity(idx: usize, slot: u32, x: i32, y: i32, z: i32, g: u32): void {
  locate(idx, g, x, y, z);
  insert_at(idx, slot, loc_key, loc_ci, x, y, z);
  bump_u64(idx, H_INSERTS, 1);
}

// Takes slot out of its leaf; merges ancestors that fell below the merge threshold (bottom
// up, so each merges only leaves) and frees the brick when it empties.
export function detach_entity(idx: usize, slot: u32): void {
  const off = <usize>slot << 2;
  const cellOf = <usize>load<u32>(idx + H_CELL_OF) + off;
  const leaf = load<u32>(cellOf);
  leaf_remove(idx, cell_ptr(idx, leaf), load<u32>(<usize>load<u32>(idx + H_LOC) + off));
  store<u32>(cellOf, NONE);
  const g = <u32>load<u8>(<usize>load<u32>(idx + H_CODE) + <usize>slot) & 15;
  const lv = level_at(idx, g);
  bump_u32(lv + L_COUNT, -1);
  bump_u32(idx + H_INDEXED, -1);
  const mergeBelow = load<u32>(idx + H_MERGE);
  let r = leaf;
  while ((r & REF_NODE_BIT) != 0) {
    const n = (r & ~REF_NODE_BIT) >> 3;
    const np = node_at(idx, n);
    const total = load<u32>(np + N_TOTAL) - 1;
    store<u32>(np + N_TOTAL, total);
    r = load<u32>(np + N_PARENT);
    if (total < mergeBelow) merge(idx, n);
  }
  const b = r >> 6;
  const meta = brick_meta(idx, b);
  if (cell_total(idx, brick_cells(idx, b) + <usize>(r & 63) * CELL_BYTES) == 0) {
    bump_u32(idx + H_TOP_CELLS, -1);
    bump_u32(lv + L_TOPS, -1);
  }
  const left = load<u32>(meta, 8) - 1;
  store<u32>(meta, left, 8);
  if (left == 0) {
    // Every cell of an empty brick is an empty leaf; their blocks become garbage.
    const cells = brick_cells(idx, b);
    for (let c: usize = 0; c < BRICK_CELLS; c++) {
      if (load<u32>(cells + c * CELL_BYTES) != NONE) abandon_block(idx, load<u32>(cells + c * CELL_BYTES, 4) >> 24);
    }
    hash_remove(idx, load<i64>(meta));
    free_brick(idx, b);
  }
}

export function remove_entity(idx: usize, slot: u32): void {
  detach_entity(idx, slot);
  bump_u64(idx, H_REMOVES, 1);
}

// Moves an indexed slot that left its hysteresis box (or changed level) to its new cell. It
// stays in its top cell while within that cell's margin, so only leaving the top cell's
// widened box changes the top cell.
export function move_entity(idx: usize, slot: u32, x: i32, y: i32, z: i32, g: u32): void {
  const top = top_of(idx, load<u32>(<usize>load<u32>(idx + H_CELL_OF) + (<usize>slot << 2)));
  const key = load<i64>(brick_meta(idx, top >> 6));
  const ci = top & 63;
  let stay = false;
  if (key_level(key) == g) {
    top_box(idx, key, ci);
    const m = margin_of(idx, box_side);
    stay =
      <i64>x >= box_x - m && <i64>x <= box_x + box_side + m &&
      <i64>y >= box_y - m && <i64>y <= box_y + box_side + m &&
      <i64>z >= box_z - m && <i64>z <= box_z + box_side + m;
  }
  detach_entity(idx, slot);
  if (stay) {
    insert_at(idx, slot, key, ci, x, y, z);
  } else {
    locate(idx, g, x, y, z);
    insert_at(idx, slot, loc_key, loc_ci, x, y, z);
  }
}

// Blocks the compaction (and the bulk build) gives a leaf of `count` entries: the power of two
// above count, so every leaf has room for at least one more entity. Entities cross cell
// borders in both directions at about the same rate, so most arrivals then fit in place
// instead of moving the block, and abandoned blocks (hence compactions) are halved.
// @ts-ignore: decorator
@inline
export function compact_log(count: u32): u32 {
  return ceil_log2(count + 1);
}
