// Interest management kernels (the exports of this family). Everything per client runs inside
// interest_lane_tick over arena memory; TypeScript (src/interest) lays the memory out, fills the
// per-tick inputs and calls, per tick:
//   interest_world_pass(ctx, lane)        phase A, every lane (slot ranges)
//   interest_discovery_prepare(ctx, ...)  then SpatialIndex.radiusBatch over what it wrote
//   interest_lane_tick(ctx, lane)         phase B, every lane (client ranges), again for a lane
//                                         that stopped for its pools once they are topped up

import {
  CH_BYTES, COLD_BYTES, CTX_BYTES, C_FACING, C_PAGES, C_SCALE, EF_INTER, EV_BYTES, INTEREST_VERSION, K_INTER,
  K_INTER_T, LANE_BYTES, M_FLAG_SHIFT, NONE, OUT_SLACK, PAGE_BYTES, PAGE_ENTRIES, PEND_BYTES, PT_BYTES, REC_BYTES, RING, W_BYTES, W_LIFE,
  X_INTER_HALF_LIFE,
} from './layout';
import { discovery_prepare, lane_tick } from './lane';
import { cold, get_meta, release_pages, set_meta } from './pages';
import { scratch_bytes } from './scratch';
import { tick_begin, t_V } from './state';
import { world_pass } from './world-pass';
import { find_id, world_of } from './view';

export function interest_world_pass(ctx: usize, lane: u32): void {
  tick_begin(ctx, lane);
  world_pass();
}

/** Writes this tick's discovery queries (centres and radii, Q16); returns how many. */
export function interest_discovery_prepare(ctx: usize, qx: usize, qy: usize, qz: usize, qr: usize): u32 {
  tick_begin(ctx, 0);
  return discovery_prepare(qx, qy, qz, qr);
}

/** Runs (or resumes) a lane's part of the tick: 0 done, 1 stopped until its pools grow. */
export function interest_lane_tick(ctx: usize, lane: u32): u32 {
  tick_begin(ctx, lane);
  return lane_tick();
}

/** Puts a client block in its empty state (no pages, every handle free). */
export function interest_client_reset(ctx: usize, block: usize): void {
  tick_begin(ctx, 0);
  const bytes = <usize>CH_BYTES + (<usize>((t_V + PAGE_ENTRIES - 1) / PAGE_ENTRIES) * <usize>PT_BYTES);
  for (let b: usize = 0; b < bytes; b += 16) v128.store(block + b, i32x4.splat(0));
  store<f64>(block + C_SCALE, 1.0);
  store<f64>(block + C_FACING, NaN);
}

/** Gives a client's pages and pending slots back to its lane's pools (between ticks). */
export function interest_client_release(ctx: usize, block: usize, lane: u32): void {
  tick_begin(ctx, lane);
  release_pages(block);
  store<u32>(block + C_PAGES, 0);
}

/** Raises client block's interest in `slot` by `strength` (0..1, saturating); 1 if in view. */
export function interest_interact(ctx: usize, block: usize, slot: u32, strength: f64, tick: u32): u32 {
  tick_begin(ctx, 0);
  if (load<u32>(block + C_PAGES) == 0) return 0;
  const life = load<u32>(world_of(slot), W_LIFE);
  if ((life & 1) == 0) return 0;
  const h = find_id(block, slot | (((life >> 1) & 0xfff) << 20));
  if (h == NONE) return 0;
  const k = cold(block, h);
  const halfLife = <f64>max<u32>(1, load<u32>(ctx + X_INTER_HALF_LIFE));
  const age = <f64>(tick - load<u32>(k, K_INTER_T));
  const now = <f64>load<f32>(k, K_INTER) * Math.pow(2.0, -age / halfLife);
  store<f32>(k, <f32>min<f64>(1.0, now + max<f64>(strength, 0.0)), K_INTER);
  store<u32>(k, tick, K_INTER_T);
  set_meta(block, h, get_meta(block, h) | (EF_INTER << M_FLAG_SHIFT));
  return 1;
}

export function interest_lane_scratch_bytes(v: u32, clientsPerLane: u32): u32 {
  return scratch_bytes(v, clientsPerLane);
}

/** Bytes of one client block for view capacity v: header and page table (16-aligned). */
export function interest_block_bytes(v: u32): u32 {
  return (CH_BYTES + ((v + PAGE_ENTRIES - 1) / PAGE_ENTRIES) * PT_BYTES + 63) & ~63;
}

/** Layout self-description for the TypeScript mirror (0 version, 1 context, 2 client header,
 *  3 lane, 4 record, 5 output slack, 6 page, 7 ring, 8 event record, 9 cold part, 10 world
 *  record, 11 pending slot, 12 page entries). */
export function interest_layout(what: u32): u32 {
  if (what == 0) return INTEREST_VERSION;
  if (what == 1) return CTX_BYTES;
  if (what == 2) return CH_BYTES;
  if (what == 3) return LANE_BYTES;
  if (what == 4) return REC_BYTES;
  if (what == 5) return OUT_SLACK;
  if (what == 6) return PAGE_BYTES;
  if (what == 7) return RING;
  if (what == 8) return EV_BYTES;
  if (what == 9) return COLD_BYTES;
  if (what == 10) return W_BYTES;
  if (what == 11) return PEND_BYTES;
  if (what == 12) return PAGE_ENTRIES;
  return 0;
}
