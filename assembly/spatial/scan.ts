// State and helpers shared by the query kernels: pool pointers loaded once per query, the
// output cursor, the level being walked, brick lookup. Module globals rather than arguments
// because the cell walks recurse; a query never calls another query, so they are never
// shared. Imported, not re-exported.

import {
  BRICK_BYTES, CELL_BYTES, COUNT_MASK, EMPTY_KEY, ENTRY_BYTES, E_SLOT, FLAG_HAS_RADIUS,
  HASH_SLOT_BYTES, H_BRICK_PTR, H_ENT_PTR, H_FLAGS, H_HASH_BITS, H_HASH_PTR, H_LEVELS, H_MIN_X,
  H_MIN_Y, H_MIN_Z, H_NODE_PTR, H_RADIUS, L_BOUND, L_COUNT, L_MARGIN, L_NX, L_NY, L_NZ, L_SIZE,
  NODE_BYTES, NONE, SLACK_Q16, SPLIT_BIT,
} from './layout';
import { hash_home, level_at, make_key } from './grid';

export let q_bricks: usize = 0;
export let q_nodes: usize = 0;
export let q_ents: usize = 0;
export let q_radius: usize = 0;
export let q_hasR: bool = false;
export let q_table: usize = 0;
export let q_bits: u32 = 0;
export let q_levels: u32 = 0;
export let q_minX: f64 = 0;
export let q_minY: f64 = 0;
export let q_minZ: f64 = 0;

// Output: ids written at q_out while fewer than q_cap; q_n counts every match.
export let q_out: usize = 0;
export let q_cap: u32 = 0;
export let q_n: u32 = 0;
// A slot never reported (the querying entity itself in batch queries), or NONE.
export let q_skip: u32 = NONE;

// The level being walked: cell side, and reach = margin + radius bound + slack (Q16 as f64).
export let l_g: u32 = 0;
export let l_side: f64 = 0;
export let l_reach: f64 = 0;
export let l_bound: f64 = 0;
export let l_nx: u32 = 0;
export let l_ny: u32 = 0;
export let l_nz: u32 = 0;

// The brick found by the last top_cell lookup.
let last_key: i64 = EMPTY_KEY;
let last_brick: usize = 0;

export function begin_query(idx: usize): void {
  q_bricks = <usize>load<u32>(idx + H_BRICK_PTR);
  q_nodes = <usize>load<u32>(idx + H_NODE_PTR);
  q_ents = <usize>load<u32>(idx + H_ENT_PTR);
  q_radius = <usize>load<u32>(idx + H_RADIUS);
  q_hasR = (load<u32>(idx + H_FLAGS) & FLAG_HAS_RADIUS) != 0;
  q_table = <usize>load<u32>(idx + H_HASH_PTR);
  q_bits = load<u32>(idx + H_HASH_BITS);
  q_levels = load<u32>(idx + H_LEVELS);
  q_minX = <f64>load<i32>(idx + H_MIN_X);
  q_minY = <f64>load<i32>(idx + H_MIN_Y);
  q_minZ = <f64>load<i32>(idx + H_MIN_Z);
  q_skip = NONE;
  last_key = EMPTY_KEY;
}

export function begin_output(out: usize, cap: u32): void {
  q_out = out;
  q_cap = cap;
  q_n = 0;
}

// Whether level g holds entities; if so loads its geometry into l_*.
export function begin_level(idx: usize, g: u32): bool {
  const lv = level_at(idx, g);
  if (load<u32>(lv + L_COUNT) == 0) return false;
  l_g = g;
  l_side = <f64>load<i64>(lv + L_SIZE);
  l_bound = <f64>load<i32>(lv + L_BOUND);
  l_reach = <f64>load<i32>(lv + L_MARGIN) + l_bound + SLACK_Q16;
  l_nx = load<u32>(lv + L_NX);
  l_ny = load<u32>(lv + L_NY);
  l_nz = load<u32>(lv + L_NZ);
  return true;
}

// @ts-ignore: decorator
@inline
export function emit(slot: u32): void {
  if (slot != q_skip) {
    if (q_n < q_cap) store<u32>(q_out + (<usize>q_n << 2), slot);
    q_n++;
  }
}

// @ts-ignore: decorator
@inline
export function radius_of(slot: u32): f64 {
  return <f64>load<i32>(q_radius + (<usize>slot << 2));
}

// @ts-ignore: decorator
@inline
export function radius_q16(slot: u32): i32 {
  return load<i32>(q_radius + (<usize>slot << 2));
}

// @ts-ignore: decorator
@inline
export function entry(e: u32): usize {
  return q_ents + <usize>e * ENTRY_BYTES;
}

// @ts-ignore: decorator
@inline
export function node(n: u32): usize {
  return q_nodes + <usize>n * NODE_BYTES;
}

// @ts-ignore: decorator
@inline
export function is_split(cell: usize): bool {
  return (load<u32>(cell, 4) & SPLIT_BIT) != 0;
}

// A cell word with nothing under it (a leaf without entries).
// @ts-ignore: decorator
@inline
export function is_empty(cell: usize): bool {
  return (load<u32>(cell, 4) & (SPLIT_BIT | COUNT_MASK)) == 0;
}

// The brick (cell array address) of `key`, or 0.
// @ts-ignore: decorator
@inline
export function probe(key: i64): usize {
  const mask: u32 = (1 << q_bits) - 1;
  let i = hash_home(key, q_bits);
  while (true) {
    const at = q_table + <usize>i * HASH_SLOT_BYTES;
    const k = load<i64>(at);
    if (k == key) return q_bricks + <usize>load<u32>(at, 8) * BRICK_BYTES;
    if (k == EMPTY_KEY) return 0;
    i = (i + 1) & mask;
  }
  return 0;
}

// The cell word of top cell (cx, cy, cz) of the level being walked, or 0 when its brick does
// not exist. Consecutive lookups in one brick probe once.
export function top_cell(cx: u32, cy: u32, cz: u32): usize {
  const key = make_key(l_g, cx >> 2, cy >> 2, cz >> 2);
  if (key != last_key) {
    last_key = key;
    last_brick = probe(key);
  }
  if (last_brick == 0) return 0;
  return last_brick + <usize>(((cz & 3) << 4) | ((cy & 3) << 2) | (cx & 3)) * CELL_BYTES;
}

// Emits every entity under a cell word (a cell wholly inside the query).
export function emit_subtree(cell: usize): void {
  const w = load<u32>(cell, 4);
  if ((w & SPLIT_BIT) != 0) {
    const np = node(load<u32>(cell));
    for (let o: usize = 0; o < 8; o++) emit_subtree(np + o * CELL_BYTES);
    return;
  }
  const count = w & COUNT_MASK;
  if (count == 0) return;
  const base = entry(load<u32>(cell));
  for (let i: u32 = 0; i < count; i++) emit(load<u32>(base + <usize>i * ENTRY_BYTES + E_SLOT));
}

// Squared distance from (px, py, pz) to the box [lo - e, lo + side + e] on each axis.
// @ts-ignore: decorator
@inline
export function box_dist2(px: f64, py: f64, pz: f64, lx: f64, ly: f64, lz: f64, side: f64, e: f64): f64 {
  const dx = max<f64>(max<f64>(lx - e - px, px - (lx + side + e)), 0);
  const dy = max<f64>(max<f64>(ly - e - py, py - (ly + side + e)), 0);
  const dz = max<f64>(max<f64>(lz - e - pz, pz - (lz + side + e)), 0);
  return dx * dx + dy * dy + dz * dz;
}

// Whether probing `bricks` bricks of a range costs more than scanning the whole brick table
// (a probe is a random access, a scanned slot a sequential one: about 4 to 1).
// @ts-ignore: decorator
@inline
export function prefer_scan(bricks: f64): bool {
  return bricks * 4 > <f64>(<u32>1 << q_bits);
}
