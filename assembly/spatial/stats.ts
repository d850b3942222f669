// Looking inside an index: summary statistics with the occupancy histogram, the list of leaf
// cells (for drawing the grid and its density), and a full consistency check of every
// invariant the queries rely on (the "spatial consistency validation" of the design: every
// entity in exactly one leaf, inside that leaf widened by the margin, at its recorded place).

import {
  BRICK_CELLS, CELL_BYTES, COUNT_MASK, EMPTY_KEY, E_SLOT, E_X, E_Y, E_Z,
  FLAG_HAS_RADIUS, HASH_SLOT_BYTES, H_BRICK_CAP, H_BRICK_FREE_COUNT, H_BRICK_TOP, H_CELL_OF,
  H_CODE, H_ENT_CAP, H_ENT_GARBAGE, H_ENT_TOP, H_FLAGS, H_HASH_BITS, H_HASH_PTR, H_HASH_USED,
  H_INDEXED, H_LEVELS, H_LO, H_LOC, H_LO_STRIDE, H_MAX_DEPTH, H_MERGE, H_NODE_FREE_COUNT,
  H_NODE_TOP, H_RADIUS, H_SPLIT, H_SPLIT_CELLS, H_SRC_X, H_SRC_Y, H_SRC_Z, H_STATUS_SLOT,
  H_TOP_CELLS, L_BOUND, L_COUNT, L_TOPS, MAX_LEVELS, NONE, N_META, N_PARENT, N_TOTAL,
  SPLIT_BIT,
} from './layout';
import {
  box_depth, box_g, box_side, box_x, box_y, box_z, brick_cells, brick_meta, brick_ref, cell_box,
  ent_at, key_level, level_at, margin_of, node_at, node_ref,
} from './grid';

// ---- statistics ----

// Words written by spatial_stats (u32 each):
// | 0 indexed | 1 non-empty top cells | 2 split cells | 3 non-empty leaves | 4 deepest split in
// use | 5 levels holding entities | 6 hash slots | 7 bricks | 8 octree nodes in use |
// 9 entry slots in use (bump top) | 10..25 leaves holding 2^b .. 2^(b+1) - 1 entities
// (b = 0..15, the last bucket open-ended) | 26..41 entities per level | 42..57 non-empty top
// cells per level | 58 entries in abandoned blocks | 59 entry capacity |
const STATS_WORDS: u32 = 64;

let s_out: usize = 0;
let s_idx: usize = 0;

function stats_walk(cell: usize, depth: u32): void {
  if (depth > load<u32>(s_out + 16)) store<u32>(s_out + 16, depth);
  const w = load<u32>(cell, 4);
  if ((w & SPLIT_BIT) != 0) {
    const np = node_at(s_idx, load<u32>(cell));
    for (let o: usize = 0; o < 8; o++) stats_walk(np + o * CELL_BYTES, depth + 1);
    return;
  }
  const n = w & COUNT_MASK;
  if (n == 0) return;
  store<u32>(s_out + 12, load<u32>(s_out + 12) + 1);
  const bucket = min<u32>(31 - clz<u32>(n), 15);
  const b = s_out + 40 + (<usize>bucket << 2);
  store<u32>(b, load<u32>(b) + 1);
}

export function spatial_stats(idx: usize, out: usize): void {
  memory.fill(out, 0, <usize>STATS_WORDS << 2);
  s_out = out;
  s_idx = idx;
  store<u32>(out, load<u32>(idx + H_INDEXED));
  store<u32>(out + 4, load<u32>(idx + H_TOP_CELLS));
  store<u32>(out + 8, load<u32>(idx + H_SPLIT_CELLS));
  const slots = <usize>1 << <usize>load<u32>(idx + H_HASH_BITS);
  store<u32>(out + 24, <u32>slots);
  store<u32>(out + 28, load<u32>(idx + H_HASH_USED));
  store<u32>(out + 32, load<u32>(idx + H_NODE_TOP) - load<u32>(idx + H_NODE_FREE_COUNT));
  store<u32>(out + 36, load<u32>(idx + H_ENT_TOP));
  store<u32>(out + 232, load<u32>(idx + H_ENT_GARBAGE));
  store<u32>(out + 236, load<u32>(idx + H_ENT_CAP));
  const table = <usize>load<u32>(idx + H_HASH_PTR);
  for (let i: usize = 0; i < slots; i++) {
    const at = table + i * HASH_SLOT_BYTES;
    if (load<i64>(at) == EMPTY_KEY) continue;
    const cells = brick_cells(idx, load<u32>(at, 8));
    for (let c: usize = 0; c < BRICK_CELLS; c++) stats_walk(cells + c * CELL_BYTES, 0);
  }
  const levels = load<u32>(idx + H_LEVELS);
  let used: u32 = 0;
  for (let g: u32 = 0; g < levels; g++) {
    const lv = level_at(idx, g);
    const n = load<u32>(lv + L_COUNT);
    if (n > 0) used++;
    store<u32>(out + 104 + (<usize>g << 2), n);
    store<u32>(out + 168 + (<usize>g << 2), load<u32>(lv + L_TOPS));
  }
  store<u32>(out + 20, used);
}

// ---- leaf cells ----

let c_idx: usize = 0;
let c_out: usize = 0;
let c_cap: u32 = 0;
let c_n: u32 = 0;

function cells_walk(ref: u32): void {
  const cell = cell_ref_ptr(ref);
  const w = load<u32>(cell, 4);
  if ((w & SPLIT_BIT) != 0) {
    const n = load<u32>(cell);
    for (let o: u32 = 0; o < 8; o++) cells_walk(node_ref(n, o));
    return;
  }
  const count = w & COUNT_MASK;
  if (count == 0) return;
  if (c_n < c_cap) {
    cell_box(c_idx, ref);
    const o = c_out + <usize>c_n * 48;
    store<f64>(o, <f64>box_x);
    store<f64>(o, <f64>box_y, 8);
    store<f64>(o, <f64>box_z, 16);
    store<f64>(o, <f64>box_side, 24);
    store<f64>(o, <f64>count, 32);
    store<f64>(o, <f64>(box_g + (box_depth << 8)), 40);
  }
  c_n++;
}

// @ts-ignore: decorator
@inline
function cell_ref_ptr(ref: u32): usize {
  return (ref & 0x80000000) != 0
    ? node_at(c_idx, (ref & 0x7FFFFFFF) >> 3) + <usize>(ref & 7) * CELL_BYTES
    : brick_cells(c_idx, ref >> 6) + <usize>(ref & 63) * CELL_BYTES;
}

// Every non-empty leaf cell as 6 f64 (48 bytes): lower corner x, y, z and side (Q16 units),
// entities, level + 256 * depth. Writes up to `cap` cells at `out`; returns how many exist.
export function spatial_cells(idx: usize, out: usize, cap: u32): u32 {
  c_idx = idx;
  c_out = out;
  c_cap = cap;
  c_n = 0;
  const table = <usize>load<u32>(idx + H_HASH_PTR);
  const slots = <usize>1 << <usize>load<u32>(idx + H_HASH_BITS);
  for (let i: usize = 0; i < slots; i++) {
    const at = table + i * HASH_SLOT_BYTES;
    if (load<i64>(at) == EMPTY_KEY) continue;
    const b = load<u32>(at, 8);
    for (let c: u32 = 0; c < BRICK_CELLS; c++) cells_walk(brick_ref(b, c));
  }
  return c_n;
}

// ---- consistency check ----

// Error codes of spatial_check (the slot, brick or node concerned is left in H_STATUS_SLOT).
const BAD_BRICK: u32 = 1; // a brick's key, level or entity count disagrees with its contents
const BAD_TOTAL: u32 = 2; // a node's total is not the sum of its leaves
const BAD_PARENT: u32 = 3; // a node's parent or depth is wrong
const BAD_THRESHOLD: u32 = 4; // a leaf over the split threshold above max depth, or a node under merge
const BAD_BACKREF: u32 = 5; // an entry's slot does not point back to this leaf and place
const BAD_BOX: u32 = 6; // an entity lies outside its leaf widened by the margin
const BAD_COPY: u32 = 7; // a position copy differs from the source
const BAD_LEVEL: u32 = 8; // an entity's code, lower corner or radius bound is wrong
const BAD_COUNTS: u32 = 9; // header counts disagree with the cells
const BAD_BLOCK: u32 = 10; // a leaf's block runs past the entry array or overflows its capacity

let k_idx: usize = 0;
let k_fail: u32 = 0;
let k_entries: u32 = 0;
let k_splits: u32 = 0;
let k_tops: u32 = 0;
let k_checkCopies: bool = false;

function fail(code: u32, what: u32): void {
  if (k_fail == 0) {
    k_fail = code;
    store<u32>(k_idx + H_STATUS_SLOT, what);
  }
}

// Checks the subtree of cell `ref` (at `depth`, level g); returns the entities under it.
function check_walk(ref: u32, depth: u32, g: u32, margin: i64): u32 {
  const idx = k_idx;
  const cell = (ref & 0x80000000) != 0
    ? node_at(idx, (ref & 0x7FFFFFFF) >> 3) + <usize>(ref & 7) * CELL_BYTES
    : brick_cells(idx, ref >> 6) + <usize>(ref & 63) * CELL_BYTES;
  const w = load<u32>(cell, 4);
  if ((w & SPLIT_BIT) != 0) {
    k_splits++;
    const n = load<u32>(cell);
    const np = node_at(idx, n);
    if (load<u32>(np + N_PARENT) != ref || load<u32>(np + N_META) != (g | ((depth + 1) << 8))) fail(BAD_PARENT, n);
    let sum: u32 = 0;
    for (let o: u32 = 0; o < 8; o++) sum += check_walk(node_ref(n, o), depth + 1, g, margin);
    const total = load<u32>(np + N_TOTAL);
    if (sum != total) fail(BAD_TOTAL, n);
    if (total < load<u32>(idx + H_MERGE)) fail(BAD_THRESHOLD, n);
    return total;
  }
  const count = w & COUNT_MASK;
  if (count == 0) return 0;
  const start = load<u32>(cell);
  const log = w >> 24;
  if (start == NONE || count > (<u32>1 << log) || start + (<u32>1 << log) > load<u32>(idx + H_ENT_TOP)) {
    fail(BAD_BLOCK, ref);
    return count;
  }
  if (count > load<u32>(idx + H_SPLIT) && depth < load<u32>(idx + H_MAX_DEPTH)) fail(BAD_THRESHOLD, ref);
  cell_box(idx, ref);
  const lx = box_x, ly = box_y, lz = box_z, side = box_side;
  const code = g | (depth << 4);
  const cellOf = <usize>load<u32>(idx + H_CELL_OF);
  const locs = <usize>load<u32>(idx + H_LOC);
  const codes = <usize>load<u32>(idx + H_CODE);
  const lo = <usize>load<u32>(idx + H_LO);
  const stride = <usize>load<u32>(idx + H_LO_STRIDE);
  const hasR = (load<u32>(idx + H_FLAGS) & FLAG_HAS_RADIUS) != 0;
  const bound = load<i32>(level_at(idx, g) + L_BOUND);
  for (let i: u32 = 0; i < count; i++) {
    const e = ent_at(idx, start + i);
    const slot = load<u32>(e + E_SLOT);
    const soff = <usize>slot << 2;
    if (load<u32>(cellOf + soff) != ref || load<u32>(locs + soff) != start + i) fail(BAD_BACKREF, slot);
    const x = <i64>load<i32>(e + E_X), y = <i64>load<i32>(e + E_Y), z = <i64>load<i32>(e + E_Z);
    if (x < lx - margin || x > lx + side + margin || y < ly - margin || y > ly + side + margin || z < lz - margin || z > lz + side + margin) {
      fail(BAD_BOX, slot);
    }
    if (k_checkCopies &&
        (<i32>x != load<i32>(<usize>load<u32>(idx + H_SRC_X) + soff) ||
         <i32>y != load<i32>(<usize>load<u32>(idx + H_SRC_Y) + soff) ||
         <i32>z != load<i32>(<usize>load<u32>(idx + H_SRC_Z) + soff))) fail(BAD_COPY, slot);
    if (<u32>load<u8>(codes + <usize>slot) != code ||
        <i64>load<i32>(lo + soff) != lx || <i64>load<i32>(lo + stride + soff) != ly || <i64>load<i32>(lo + 2 * stride + soff) != lz) {
      fail(BAD_LEVEL, slot);
    }
    if (hasR && load<i32>(<usize>load<u32>(idx + H_RADIUS) + soff) > bound) fail(BAD_LEVEL, slot);
  }
  k_entries += count;
  return count;
}

// Verifies every invariant; returns 0, or the first failing check's code (what it concerns in
// H_STATUS_SLOT). With checkCopies, position copies must also equal the source (true right
// after a sync).
export function spatial_check(idx: usize, checkCopies: u32): u32 {
  k_idx = idx;
  k_fail = 0;
  k_entries = 0;
  k_splits = 0;
  k_tops = 0;
  k_checkCopies = checkCopies != 0;
  const table = <usize>load<u32>(idx + H_HASH_PTR);
  const slots = <usize>1 << <usize>load<u32>(idx + H_HASH_BITS);
  const levels = load<u32>(idx + H_LEVELS);
  let bricks: u32 = 0;
  for (let i: usize = 0; i < slots; i++) {
    const at = table + i * HASH_SLOT_BYTES;
    const key = load<i64>(at);
    if (key == EMPTY_KEY) continue;
    bricks++;
    const b = load<u32>(at, 8);
    const g = key_level(key);
    if (g >= levels || load<i64>(brick_meta(idx, b)) != key) {
      fail(BAD_BRICK, b);
      continue;
    }
    const margin = margin_of(idx, load<i64>(level_at(idx, g)));
    let inBrick: u32 = 0;
    for (let c: u32 = 0; c < BRICK_CELLS; c++) {
      const under = check_walk(brick_ref(b, c), 0, g, margin);
      if (under > 0) k_tops++;
      inBrick += under;
    }
    if (inBrick == 0 || inBrick != load<u32>(brick_meta(idx, b), 8)) fail(BAD_BRICK, b);
  }
  let perLevel: u32 = 0;
  let topsPerLevel: u32 = 0;
  for (let g: u32 = 0; g < levels; g++) {
    perLevel += load<u32>(level_at(idx, g) + L_COUNT);
    topsPerLevel += load<u32>(level_at(idx, g) + L_TOPS);
  }
  const bricksInUse = load<u32>(idx + H_BRICK_TOP) - load<u32>(idx + H_BRICK_FREE_COUNT);
  if (bricks != load<u32>(idx + H_HASH_USED) || bricks != bricksInUse || bricksInUse > load<u32>(idx + H_BRICK_CAP) ||
      k_entries != load<u32>(idx + H_INDEXED) || perLevel != k_entries || k_splits != load<u32>(idx + H_SPLIT_CELLS) ||
      k_tops != load<u32>(idx + H_TOP_CELLS) || topsPerLevel != k_tops ||
      load<u32>(idx + H_ENT_TOP) > load<u32>(idx + H_ENT_CAP)) {
    fail(BAD_COUNTS, 0);
  }
  return k_fail;
}

export function spatial_stats_words(): u32 {
  return STATS_WORDS;
}

// The per-level words of spatial_stats cover this many levels.
export function spatial_max_levels(): u32 {
  return MAX_LEVELS;
}
