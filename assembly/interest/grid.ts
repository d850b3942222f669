// A lane's viewer grid: its clients' viewer positions hashed into square cells of 2^gridShift
// Q16 units (128 m by default) and counting-sorted into buckets, rebuilt every tick. Each item
// caches the client's viewer position, reach and metric, so fast bodies, despawns and events
// test their candidates in one flat pass; and the lane works through its clients in bucket
// order, so clients that share a cell (and most of what they see) run one after another.
// Buckets may mix cells (hash collisions): a lookup visits each bucket once (bucket stamps)
// and the caller applies the exact test.

import {
  C_ACTIVE, C_BOUND, C_EV_HEAD, C_EV_TAIL, C_GRID_BUCKET, C_SCALE, C_SHAPES, GRID_ITEM_BYTES, L_BUCKET_EPOCH,
  L_BUCKET_STAMPS, L_GRID_BITS, L_GRID_COUNT, L_GRID_ITEMS, L_GRID_STARTS, NONE, SHAPE_SPHERE, S_KIND, X_GRID_SHIFT, client_block,
} from './layout';
import { g_vx, g_vy, g_vz, viewer_position } from './geometry';
import { t_ctx, t_lanePtr, t_lane, t_lanes, t_maxClients } from './state';

let gr_side: f64 = 8388608.0; // cell side in Q16 units
let gr_bits: u32 = 1;
let gr_starts: usize = 0;
let gr_items: usize = 0;
let gr_clients: u32 = 0;

// @ts-ignore: decorator
@inline
function cell(v: f64): i32 {
  return <i32>Math.floor(v / gr_side);
}

// @ts-ignore: decorator
@inline
function bucket(cx: i32, cy: i32): u32 {
  const hash = (<u32>cx * 0x9e3779b1) ^ (<u32>cy * 0x85ebca77);
  return (hash ^ (hash >>> 15)) & ((<u32>1 << gr_bits) - 1);
}

/** Item i of the grid (bucket order). */
// @ts-ignore: decorator
@inline
export function grid_item(i: u32): usize {
  return gr_items + <usize>i * GRID_ITEM_BYTES;
}

/** Clients in the grid (the lane's active clients). */
// @ts-ignore: decorator
@inline
export function grid_count(): u32 {
  return gr_clients;
}

/** Points the grid at the lane's (as built this tick: a lane tick that resumes finds it there). */
export function grid_load(): void {
  const L = t_lanePtr;
  gr_side = <f64>(<u64>1 << <u64>load<u32>(t_ctx + X_GRID_SHIFT));
  gr_bits = load<u32>(L + L_GRID_BITS);
  gr_starts = <usize>load<u32>(L + L_GRID_STARTS);
  gr_items = <usize>load<u32>(L + L_GRID_ITEMS);
  gr_clients = load<u32>(L + L_GRID_COUNT);
}

/** Rebuilds the grid from the lane's active clients; also clears their event lists. */
export function grid_build(): void {
  const L = t_lanePtr;
  grid_load();
  const nb = <u32>1 << gr_bits;
  memory.fill(gr_starts, 0, (<usize>nb + 1) << 2);
  let n: u32 = 0;
  for (let c = t_lane; c < t_maxClients; c += t_lanes) {
    const block = client_block(t_ctx, c);
    if (block == 0 || load<u32>(block + C_ACTIVE) == 0) continue;
    store<u32>(block + C_EV_HEAD, NONE);
    store<u32>(block + C_EV_TAIL, NONE);
    viewer_position(t_ctx, block);
    const b = bucket(cell(g_vx), cell(g_vy));
    store<u32>(block + C_GRID_BUCKET, b);
    const at = gr_starts + (<usize>b << 2);
    store<u32>(at, load<u32>(at) + 1);
    n++;
  }
  // Counts to bucket ends, then placing by decrement leaves each start at its bucket's first item.
  let sum: u32 = 0;
  for (let b: u32 = 0; b < nb; b++) {
    const at = gr_starts + (<usize>b << 2);
    sum += load<u32>(at);
    store<u32>(at, sum);
  }
  store<u32>(gr_starts + (<usize>nb << 2), sum);
  for (let c = t_lane; c < t_maxClients; c += t_lanes) {
    const block = client_block(t_ctx, c);
    if (block == 0 || load<u32>(block + C_ACTIVE) == 0) continue;
    const at = gr_starts + (<usize>load<u32>(block + C_GRID_BUCKET) << 2);
    const pos = load<u32>(at) - 1;
    store<u32>(at, pos);
    const item = grid_item(pos);
    viewer_position(t_ctx, block);
    store<u32>(item, c);
    store<i32>(item, <i32>g_vx, 4);
    store<i32>(item, <i32>g_vy, 8);
    store<i32>(item, <i32>g_vz, 12);
    store<f32>(item, <f32>(load<f64>(block + C_BOUND) * load<f64>(block + C_SCALE)), 16);
    store<u32>(item, select<u32>(1, 0, load<u32>(block + C_SHAPES + S_KIND) == SHAPE_SPHERE), 20);
  }
  gr_clients = n;
  store<u32>(L + L_GRID_COUNT, n);
}

function next_epoch(): u32 {
  const L = t_lanePtr;
  let epoch = load<u32>(L + L_BUCKET_EPOCH) + 1;
  if (epoch == 0) {
    memory.fill(<usize>load<u32>(L + L_BUCKET_STAMPS), 0, (<usize>1 << gr_bits) << 2);
    epoch = 1;
  }
  store<u32>(L + L_BUCKET_EPOCH, epoch);
  return epoch;
}

/**
 * Writes to `out` the grid items (indices) whose viewer may lie in the rectangle [x0, x1] x
 * [y0, y1] (Q16 units), each once; returns how many. Wider than the grid: every item.
 */
export function grid_query(x0: f64, y0: f64, x1: f64, y1: f64, out: usize): u32 {
  const nb = <u32>1 << gr_bits;
  const cx0 = cell(x0), cx1 = cell(x1), cy0 = cell(y0), cy1 = cell(y1);
  const cells = (<f64>cx1 - <f64>cx0 + 1.0) * (<f64>cy1 - <f64>cy0 + 1.0);
  if (!(cells <= <f64>nb)) return grid_all(out);
  const stamps = <usize>load<u32>(t_lanePtr + L_BUCKET_STAMPS);
  const epoch = next_epoch();
  let n: u32 = 0;
  for (let cy = cy0; cy <= cy1; cy++) {
    for (let cx = cx0; cx <= cx1; cx++) {
      const b = bucket(cx, cy);
      const at = stamps + (<usize>b << 2);
      if (load<u32>(at) == epoch) continue;
      store<u32>(at, epoch);
      const from = load<u32>(gr_starts + (<usize>b << 2));
      const to = load<u32>(gr_starts + (<usize>(b + 1) << 2));
      for (let k = from; k < to; k++) store<u32>(out + (<usize>(n++) << 2), k);
    }
  }
  return n;
}

/** Every item of the grid (unlimited ranges). */
export function grid_all(out: usize): u32 {
  for (let i: u32 = 0; i < gr_clients; i++) store<u32>(out + (<usize>i << 2), i);
  return gr_clients;
}
