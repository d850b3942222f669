// Interest management kernels (the exports of this family). Everything per client runs inside
// interest_lane_tick over arena memory; TypeScript (src/interest) lays the memory out, fills the
// per-tick inputs and calls, per tick:
//   interest_world_pass(ctx, lane)        phase A, every lane (slot ranges)
//   interest_discovery_prepare(ctx, ...)  then SpatialIndex.radiusBatch over what it wrote
//   interest_lane_tick(ctx, lane)         phase B, every lane (client ranges)

import {
  CH_BYTES, COLS, COL_DUE, COL_PSEQ, COL_SLOT, CTX_BYTES, C_FREE_HEAD, C_HW, C_SCALE, ENTRY_BYTES, EV_BYTES, E_BSEND,
  E_INTER, E_INTER_T, E_META, INTEREST_VERSION, LANE_BYTES, NONE, OUT_SLACK, REC_BYTES, RING, ST_FREE, W_BYTES,
  WHEEL, X_INTER_HALF_LIFE, col, entry_ptr, slot_index,
} from './layout';
import { discovery_prepare, lane_tick } from './lane';
import { scratch_bytes } from './scratch';
import { tick_begin, t_V } from './state';
import { world_pass } from './world-pass';
import { find_slot } from './view';

export function interest_world_pass(ctx: usize, lane: u32): void {
  tick_begin(ctx, lane);
  world_pass();
}

/** Writes this tick's discovery queries (centres and radii, Q16); returns how many. */
export function interest_discovery_prepare(ctx: usize, qx: usize, qy: usize, qz: usize, qr: usize): u32 {
  tick_begin(ctx, 0);
  return discovery_prepare(qx, qy, qz, qr);
}

export function interest_lane_tick(ctx: usize, lane: u32): void {
  tick_begin(ctx, lane);
  lane_tick();
}

/** Puts a client block in its empty state (every handle free, never due). */
export function interest_client_reset(ctx: usize, block: usize): void {
  tick_begin(ctx, 0);
  const v = t_V;
  for (let b: usize = 0; b < <usize>CH_BYTES; b += 16) v128.store(block + b, i32x4.splat(0));
  const none = i32x4.splat(-1);
  for (let c: u32 = 0; c < COLS; c++) {
    const base = col(block, v, c);
    for (let i: u32 = 0; i < v; i += 4) v128.store(base + (<usize>i << 2), none);
  }
  // The slot index and the due wheel, which follow it, start empty.
  const index = slot_index(block, v);
  const clear = (<usize>v << 2) + (<usize>WHEEL * <usize>v >> 3);
  for (let b: usize = 0; b < clear; b += 16) v128.store(index + b, i32x4.splat(0));
  for (let h: u32 = 0; h < v; h++) {
    const e = entry_ptr(block, v, h);
    store<u32>(e, ST_FREE, E_META);
    store<u32>(e, NONE, E_BSEND);
  }
  store<u32>(block + C_FREE_HEAD, NONE);
  store<f64>(block + C_SCALE, 1.0);
}

/** Raises client block's interest in `slot` by `strength` (0..1, saturating); 1 if in view. */
export function interest_interact(ctx: usize, block: usize, slot: u32, strength: f64, tick: u32): u32 {
  tick_begin(ctx, 0);
  if (load<u32>(block + C_HW) == 0) return 0;
  const h = find_slot(block, slot);
  if (h == NONE) return 0;
  const e = entry_ptr(block, t_V, h);
  const halfLife = <f64>max<u32>(1, load<u32>(ctx + X_INTER_HALF_LIFE));
  const age = <f64>(tick - load<u32>(e, E_INTER_T));
  const now = <f64>load<f32>(e, E_INTER) * Math.pow(2.0, -age / halfLife);
  store<f32>(e, <f32>min<f64>(1.0, now + max<f64>(strength, 0.0)), E_INTER);
  store<u32>(e, tick, E_INTER_T);
  return 1;
}

export function interest_lane_scratch_bytes(v: u32, clientsPerLane: u32): u32 {
  return scratch_bytes(v, clientsPerLane);
}

/** Bytes of one client block for view capacity v and largest snapshot maxSnapshot (16-aligned). */
export function interest_block_bytes(v: u32, maxSnapshot: u32): u32 {
  const raw = CH_BYTES + (COLS + 1) * v * 4 + (WHEEL * v >> 3) + v * ENTRY_BYTES + maxSnapshot + OUT_SLACK;
  return (raw + 63) & ~63;
}

/** Layout self-description for the TypeScript mirror (0 version, 1 context, 2 client header,
 *  3 lane, 4 record, 5 output slack, 6 columns, 7 ring, 8 event record, 9 entry, 10 world record). */
export function interest_layout(what: u32): u32 {
  if (what == 0) return INTEREST_VERSION;
  if (what == 1) return CTX_BYTES;
  if (what == 2) return CH_BYTES;
  if (what == 3) return LANE_BYTES;
  if (what == 4) return REC_BYTES;
  if (what == 5) return OUT_SLACK;
  if (what == 6) return COLS;
  if (what == 7) return RING;
  if (what == 8) return EV_BYTES;
  if (what == 9) return ENTRY_BYTES;
  if (what == 10) return W_BYTES;
  return 0;
}
