// A client's view set: up to V entries at fixed handles (the handle is the entry index and goes
// on the wire), a free-handle list, and the evaluation of one entry against the client's
// shapes, zones and the world (evaluate), which every path that looks at an entry shares.
// Scanned fields (slot, due, pending seq) are v128-friendly columns; the rest of an entry is
// one ENTRY_BYTES block (layout.ts).

import {
  COL_DUE, COL_PSEQ, COL_SLOT, C_FREE_HEAD, C_HW, C_USED, C_VISIBLE, E_BSEND, E_FIRST, E_ID, E_INTER, E_INTER_T,
  E_LAST, E_META, E_NEXT_FREE, E_PTICK, E_SENDS, NONE, ST_FREE, ST_LEAVING, ST_VISIBLE, W_BYTES, W_LIFE, col, entry_ptr,
  slot_index, due_wheel, WHEEL, C_RING, RING, RING_BYTES, C_ACKED_MASK, C_COUNTERS, CC_LEAVES_ACKED, E_BASE, E_PEND, E_BSEQ, E_BTICK,
  E_PSEND, bump, copy_rec,
} from './layout';
import {
  contains, g_cos, g_h, g_reach, g_sin, g_vx, g_vy, g_vz, segment_distance2, zone_distance, zone_of, zone_step, MODE_LEAVE,
} from './geometry';
import {
  fast_band, fast_horizon, fast_lateral, fast_period, t_hasVel, t_halfLife, t_importance, t_tick, t_V, t_w0, t_w1, t_w2,
  t_w3, t_w4, t_speedSat, t_resend, t_rttTicks, t_world, zone_period,
} from './state';

/** Keys that order a client's due entries: leaves first, then new entities, then by urgency. */
export const KEY_LEAVE: f64 = 3e9;
export const KEY_ENTER: f64 = 2e9;

// Results of the last measure() / evaluate().
export let e_dx: f64 = 0;
export let e_dy: f64 = 0;
export let e_dz: f64 = 0;
export let e_dist: f64 = 0;
export let e_speed2: f64 = 0;
export let e_period: u32 = 1;

// @ts-ignore: decorator
@inline
export function col_u32(block: usize, c: u32, h: u32): u32 {
  return load<u32>(col(block, t_V, c) + (<usize>h << 2));
}

// @ts-ignore: decorator
@inline
export function set_col(block: usize, c: u32, h: u32, v: u32): void {
  store<u32>(col(block, t_V, c) + (<usize>h << 2), v);
}

/**
 * Entry h is due on tick `due`: the due column holds the truth, the wheel the reminder (at the
 * due tick, or the wheel's last slot for a later one; never before the current tick, and after
 * it when the tick's encode has begun, since that reads the current bitmap once).
 */
export function schedule(block: usize, h: u32, due: u32): void {
  set_col(block, COL_DUE, h, due);
  const earliest = t_tick + t_encoding;
  let when = <i32>(due - earliest) < 0 ? earliest : due;
  if (when - t_tick >= WHEEL) when = t_tick + WHEEL - 1;
  const at = due_wheel(block, t_V) + (<usize>(when & (WHEEL - 1)) * <usize>t_V >> 3) + (<usize>h >> 3);
  const bit: u32 = <u32>1 << (h & 7);
  store<u8>(at, <u8>(<u32>load<u8>(at) | bit));
}

/** 1 while a client's encode is reading this tick's wheel bitmap (schedules go to later ticks). */
export let t_encoding: u32 = 0;

export function set_encoding(on: u32): void {
  t_encoding = on;
}

// @ts-ignore: decorator
@inline
export function meta_of(state: u32, zone: u32, flags: u32): u32 {
  return state | (zone << 8) | (flags << 16);
}

// @ts-ignore: decorator
@inline
export function world_of(slot: u32): usize {
  return t_world + <usize>slot * W_BYTES;
}

// ---- the slot index: 2V u16 cells holding handle + 1, linear probing (Knuth's algorithm R for
// removal: later cells of the run shift back, so lookups never need tombstones) ----

// @ts-ignore: decorator
@inline
function index_home(slot: u32): u32 {
  return (slot * 0x9e3779b1) >>> (32 - (ctz<u32>(t_V) + 1));
}

/** Handle holding `slot`, or NONE. */
export function find_slot(block: usize, slot: u32): u32 {
  const index = slot_index(block, t_V);
  const mask = (t_V << 1) - 1;
  const slots = col(block, t_V, COL_SLOT);
  let i = index_home(slot);
  // The table has twice as many cells as handles, so an empty cell always ends the probe.
  let cell = <u32>load<u16>(index + (<usize>i << 1));
  while (cell != 0) {
    if (load<u32>(slots + (<usize>(cell - 1) << 2)) == slot) return cell - 1;
    i = (i + 1) & mask;
    cell = <u32>load<u16>(index + (<usize>i << 1));
  }
  return NONE;
}

function index_insert(block: usize, slot: u32, h: u32): void {
  const index = slot_index(block, t_V);
  const mask = (t_V << 1) - 1;
  let i = index_home(slot);
  while (load<u16>(index + (<usize>i << 1)) != 0) i = (i + 1) & mask;
  store<u16>(index + (<usize>i << 1), <u16>(h + 1));
}

function index_remove(block: usize, slot: u32): void {
  const index = slot_index(block, t_V);
  const mask = (t_V << 1) - 1;
  const slots = col(block, t_V, COL_SLOT);
  let i = index_home(slot);
  for (;;) {
    const cell = <u32>load<u16>(index + (<usize>i << 1));
    if (cell == 0) return;
    if (load<u32>(slots + (<usize>(cell - 1) << 2)) == slot) break;
    i = (i + 1) & mask;
  }
  // Shift back every later cell of the run whose home is not in (i, j].
  let j = i;
  for (;;) {
    store<u16>(index + (<usize>i << 1), 0);
    let cell: u32;
    let home: u32;
    do {
      j = (j + 1) & mask;
      cell = <u32>load<u16>(index + (<usize>j << 1));
      if (cell == 0) return;
      home = index_home(load<u32>(slots + (<usize>(cell - 1) << 2)));
    } while (i <= j ? i < home && home <= j : i < home || home <= j);
    store<u16>(index + (<usize>i << 1), <u16>cell);
    i = j;
  }
}

/** A free handle for `slot`/`id`, initialised as a visible, never-sent entry; NONE when full. */
export function alloc_entry(block: usize, slot: u32, id: u32, zone: u32, flags: u32): u32 {
  let h = load<u32>(block + C_FREE_HEAD);
  if (h != NONE) {
    store<u32>(block + C_FREE_HEAD, load<u32>(entry_ptr(block, t_V, h), E_NEXT_FREE));
  } else {
    const hw = load<u32>(block + C_HW);
    if (hw >= t_V) return NONE;
    h = hw;
    store<u32>(block + C_HW, hw + 1);
  }
  const e = entry_ptr(block, t_V, h);
  set_col(block, COL_SLOT, h, slot);
  index_insert(block, slot, h);
  schedule(block, h, t_tick);
  set_col(block, COL_PSEQ, h, NONE);
  store<u32>(e, id, E_ID);
  store<u32>(e, t_tick, E_LAST);
  // Send numbers keep counting across incarnations of a handle: the window check compares
  // within one incarnation, which begins at `first`.
  store<u32>(e, load<u32>(e, E_SENDS), E_FIRST);
  store<f32>(e, 0, E_INTER);
  store<u32>(e, t_tick, E_INTER_T);
  store<u32>(e, meta_of(ST_VISIBLE, zone, flags), E_META);
  store<u32>(e, NONE, E_BSEND);
  store<u32>(block + C_USED, load<u32>(block + C_USED) + 1);
  store<u32>(block + C_VISIBLE, load<u32>(block + C_VISIBLE) + 1);
  return h;
}

export function free_entry(block: usize, h: u32): void {
  const e = entry_ptr(block, t_V, h);
  store<u32>(e, ST_FREE, E_META);
  store<u32>(e, NONE, E_BSEND);
  store<u32>(e, NONE, E_PTICK);
  index_remove(block, col_u32(block, COL_SLOT, h));
  set_col(block, COL_SLOT, h, NONE);
  set_col(block, COL_DUE, h, NONE);
  set_col(block, COL_PSEQ, h, NONE);
  store<u32>(e, load<u32>(block + C_FREE_HEAD), E_NEXT_FREE);
  store<u32>(block + C_FREE_HEAD, h);
  store<u32>(block + C_USED, load<u32>(block + C_USED) - 1);
}

/**
 * Takes back a leaving entry of `slot` whose entity (same id) is in view again: it becomes a new
 * incarnation on the same handle (no baseline, so a full record with the enter bit goes next,
 * which a client that already dropped the handle re-creates it from, and one whose leave was
 * lost simply refreshes). Returns false when the slot has no leaving entry for this id.
 */
export function revive(block: usize, slot: u32, id: u32, zone: u32): bool {
  const h = find_slot(block, slot);
  if (h == NONE) return false;
  const e = entry_ptr(block, t_V, h);
  if ((load<u32>(e, E_META) & 0xff) != ST_LEAVING || load<u32>(e, E_ID) != id) return false;
  store<u32>(e, meta_of(ST_VISIBLE, zone, 0), E_META);
  store<u32>(e, load<u32>(e, E_SENDS), E_FIRST);
  store<u32>(e, NONE, E_BSEND);
  set_col(block, COL_PSEQ, h, NONE);
  schedule(block, h, t_tick);
  store<u32>(block + C_VISIBLE, load<u32>(block + C_VISIBLE) + 1);
  return true;
}

/** Marks entry h as leaving: the next snapshot carries its leave. */
export function begin_leave(block: usize, h: u32): void {
  const e = entry_ptr(block, t_V, h);
  const meta = load<u32>(e, E_META);
  if ((meta & 0xff) != ST_VISIBLE) return;
  store<u32>(e, meta_of(ST_LEAVING, (meta >> 8) & 0xff, 0), E_META);
  schedule(block, h, t_tick);
  // An ack of an earlier update must not free the leaving entry: no leave is pending yet.
  set_col(block, COL_PSEQ, h, NONE);
  store<u32>(e, NONE, E_PTICK);
  store<u32>(block + C_VISIBLE, load<u32>(block + C_VISIBLE) - 1);
}

/**
 * Settles entry h's pending record or leave if the snapshot that carried it was acked (its ring
 * slot still holds it and the slot's acked bit is set): a visible entry's pending record becomes
 * its baseline; a leaving entry is freed. Returns false when the entry was freed.
 */
export function promote(block: usize, h: u32): bool {
  const pseq = col_u32(block, COL_PSEQ, h);
  if (pseq == NONE) return true;
  const slot = pseq & (RING - 1);
  if (load<u32>(block + C_RING + <usize>slot * RING_BYTES) != pseq) return true;
  if ((load<u64>(block + C_ACKED_MASK) & (<u64>1 << <u64>slot)) == 0) return true;
  const e = entry_ptr(block, t_V, h);
  if ((load<u32>(e, E_META) & 0xff) == ST_LEAVING) {
    free_entry(block, h);
    bump(block + C_COUNTERS, CC_LEAVES_ACKED, 1);
    return false;
  }
  set_col(block, COL_PSEQ, h, NONE);
  copy_rec(e + E_BASE, e + E_PEND);
  store<u32>(e, pseq, E_BSEQ);
  store<u32>(e, load<u32>(e, E_PTICK), E_BTICK);
  store<u32>(e, load<u32>(e, E_PSEND), E_BSEND);
  return true;
}

/** Whether the slot's replicated entity is alive with the generation in `id`. */
// @ts-ignore: decorator
@inline
export function alive_as(slot: u32, id: u32): bool {
  return load<u32>(world_of(slot), W_LIFE) == (((id >>> 20) << 1) | 1);
}

/** Loads the offset of `slot` from the viewer and its squared speed into e_*. */
export function measure(slot: u32): void {
  const w = world_of(slot);
  e_dx = <f64>load<i32>(w) - g_vx;
  e_dy = <f64>load<i32>(w, 4) - g_vy;
  e_dz = <f64>load<i32>(w, 8) - g_vz;
  const vx = <f64>load<i32>(w, 12), vy = <f64>load<i32>(w, 16), vz = <f64>load<i32>(w, 20);
  e_speed2 = vx * vx + vy * vy + vz * vz;
}

/**
 * Whether the fast body at `slot` (band > 0) sweeps through the view: its path from one tick
 * back to the projection horizon passes within reach * factor * lateral of the viewer.
 */
export function sweeps(slot: u32, band: u32, factor: f64): bool {
  const w = world_of(slot);
  const px = <f64>load<i32>(w), py = <f64>load<i32>(w, 4), pz = <f64>load<i32>(w, 8);
  const vx = <f64>load<i32>(w, 12), vy = <f64>load<i32>(w, 16), vz = <f64>load<i32>(w, 20);
  const ahead = fast_horizon(band);
  const reach = g_reach * factor * fast_lateral(band);
  return segment_distance2(px - vx, py - vy, pz - vz, px + vx * ahead, py + vy * ahead, pz + vz * ahead) <= reach * reach;
}

/**
 * Re-evaluates visible entry h: a body that died, was replaced, or left the view (shape scaled
 * for leaving, or for a fast body its swept path) starts leaving; otherwise its zone steps
 * with hysteresis and its next due tick follows from the zone's period. Returns false when it
 * started leaving. Leaves e_dist and e_period for the priority key.
 */
export function evaluate(block: usize, h: u32): bool {
  const e = entry_ptr(block, t_V, h);
  const meta = load<u32>(e, E_META);
  const slot = col_u32(block, COL_SLOT, h);
  if (!alive_as(slot, load<u32>(e, E_ID))) {
    begin_leave(block, h);
    return false;
  }
  measure(slot);
  const band = t_hasVel ? fast_band(e_speed2) : 0;
  let inside = contains(e_dx, e_dy, e_dz, MODE_LEAVE);
  if (!inside && band > 0) inside = sweeps(slot, band, 1.0 + g_h);
  if (!inside) {
    begin_leave(block, h);
    return false;
  }
  e_dist = zone_distance(e_dx, e_dy, e_dz);
  const zone = zone_step((meta >> 8) & 0xff, e_dist);
  let period = zone_period(zone);
  if (band > 0) period = fast_period(period, band);
  e_period = period;
  store<u32>(e, meta_of(ST_VISIBLE, zone, (meta >> 16) & 0xff), E_META);
  let due = load<u32>(e, E_SENDS) == load<u32>(e, E_FIRST) ? t_tick : load<u32>(e, E_LAST) + period;
  // Until a record of this incarnation is acked the client may not know the entity: its enter
  // is resent after 2 RTT however slow the zone.
  if (load<u32>(e, E_BSEND) == NONE) due = min<u32>(due, load<u32>(e, E_LAST) + resend_interval());
  schedule(block, h, due);
  return true;
}

/** Ticks before an unacknowledged enter or leave goes again: 2 RTT + 2, at least leaveResendTicks. */
// @ts-ignore: decorator
@inline
export function resend_interval(): u32 {
  return max<u32>(t_resend, t_rttTicks * 2 + 2);
}

/**
 * The seed's multi-factor score in [0, 1] of the entry just evaluated:
 * 0.4 distance (1 - (d / reach)^2) + 0.2 velocity (speed / saturation) + 0.25 interaction
 * (halving every half-life) + 0.1 importance (u8 / 255) + 0.05 attention ((cos angle + 1) / 2).
 */
export function score(block: usize, h: u32, slot: u32): f64 {
  const e = entry_ptr(block, t_V, h);
  const r = g_reach > 0 ? e_dist / g_reach : 1.0;
  const fd = min<f64>(max<f64>(1.0 - r * r, 0.0), 1.0);
  const fv = min<f64>(1.0, Math.sqrt(e_speed2) / t_speedSat);
  const inter = <f64>load<f32>(e, E_INTER);
  const fi = inter > 0 ? inter * Math.pow(2.0, -<f64>(t_tick - load<u32>(e, E_INTER_T)) / t_halfLife) : 0.0;
  const fimp = t_importance != 0 ? <f64>load<u8>(t_importance + <usize>slot) / 255.0 : 0.0;
  const hd = Math.sqrt(e_dx * e_dx + e_dy * e_dy);
  const fa = hd > 0 ? ((e_dx * g_cos + e_dy * g_sin) / hd + 1.0) * 0.5 : 1.0;
  return t_w0 * fd + t_w1 * fv + t_w2 * fi + t_w3 * fimp + t_w4 * fa;
}

/** Zone of a body entering the view at the offset just measured. */
export function entering_zone(): u32 {
  return zone_of(zone_distance(e_dx, e_dy, e_dz));
}
