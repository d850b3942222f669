// A client's view set: up to V entries at fixed handles (the handle is the entry's index and goes
// on the wire; pages.ts says where an entry lives), and the evaluation of one entry against the
// client's shapes, zones and the world (evaluate), which every path that looks at an entry
// shares. Hot fields (due, id, last send, pending seq, meta with its flags) are what a tick
// reads; the cold part (baseline, send count, pending slot, interaction) is read only when a
// record is written or promoted, or an interaction was set.

import { WINDOW } from '../codec/snapshot-spec';
import {
  CC_LEAVES_ACKED, C_ACKED_MASK, C_COUNTERS, C_SEQ, C_USED, C_VISIBLE, EF_FULL, EF_INTER, EF_NOBASE, EF_PEND, EF_SENT,
  K_BASE, K_BSEND, K_BSEQ, K_BTICK, K_INTER, K_INTER_T, K_PEND, K_PTICK, K_SENDS, M_FLAG_SHIFT, M_ZONE_SHIFT, NONE, P_ID, P_LAST,
  Q_SEND, RING, ST_FREE, ST_LEAVING, ST_VISIBLE, W_BYTES, W_LIFE, bump, copy_rec,
} from './layout';
import {
  clear_pend, cold, find_id, get_id, get_meta, get_pseq16, give_handle, hot, index_insert, index_remove, pend_give,
  set_due, set_meta, take_handle,
} from './pages';
import {
  contains, g_cos, g_h, g_reach, g_sin, g_vx, g_vy, g_vz, segment_distance2, zone_distance, zone_of, zone_step, MODE_LEAVE,
} from './geometry';
import {
  fast_band, fast_horizon, fast_lateral, fast_period, t_hasVel, t_halfLife, t_importance, t_tick, t_V, t_w0, t_w1, t_w2,
  t_w3, t_w4, t_speedSat, t_resend, t_rttTicks, t_world, zone_period,
} from './state';

export { find_id };

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

/** Entry h is due on tick `due` (its page's earliest due tick follows). */
// @ts-ignore: decorator
@inline
export function schedule(block: usize, h: u32, due: u32): void {
  set_due(block, h, due);
}

// @ts-ignore: decorator
@inline
export function meta_of(state: u32, zone: u32, flags: u32): u32 {
  return state | (zone << M_ZONE_SHIFT) | (flags << M_FLAG_SHIFT);
}

// @ts-ignore: decorator
@inline
export function m_state(meta: u32): u32 {
  return meta & 3;
}

// @ts-ignore: decorator
@inline
export function m_zone(meta: u32): u32 {
  return (meta >> M_ZONE_SHIFT) & 3;
}

// @ts-ignore: decorator
@inline
export function m_flags(meta: u32): u32 {
  return meta >> M_FLAG_SHIFT;
}

// @ts-ignore: decorator
@inline
export function world_of(slot: u32): usize {
  return t_world + <usize>slot * W_BYTES;
}

/** Whether a baseline sent as send number bsend is outside the client's window (u16 numbers). */
// @ts-ignore: decorator
@inline
export function out_of_window(sends: u32, bsend: u32): bool {
  return ((sends - bsend) & 0xffff) >= WINDOW;
}

/** A free handle for `slot`/`id`, initialised as a visible, never-sent entry; NONE when full. */
export function alloc_entry(block: usize, slot: u32, id: u32, zone: u32, flags: u32): u32 {
  const h = take_handle(block, t_V);
  if (h == NONE) return NONE;
  store<u32>(hot(block, h, P_ID), id);
  set_meta(block, h, meta_of(ST_VISIBLE, zone, flags | EF_NOBASE | EF_FULL));
  clear_pend(block, h);
  index_insert(block, id, h);
  schedule(block, h, t_tick);
  store<u32>(hot(block, h, P_LAST), t_tick);
  // Send numbers keep counting across incarnations of a handle; EF_SENT says whether this
  // incarnation sent anything yet.
  const k = cold(block, h);
  store<f32>(k, 0, K_INTER);
  store<u32>(k, t_tick, K_INTER_T);
  store<u32>(block + C_USED, load<u32>(block + C_USED) + 1);
  store<u32>(block + C_VISIBLE, load<u32>(block + C_VISIBLE) + 1);
  return h;
}

/** Drops the pending record of the entry whose cold part is k, if it has one. */
function drop_pending(k: usize): void {
  const slot = <usize>load<u32>(k, K_PEND);
  if (slot == 0) return;
  pend_give(slot);
  store<u32>(k, 0, K_PEND);
}

export function free_entry(block: usize, h: u32): void {
  const k = cold(block, h);
  index_remove(block, get_id(block, h));
  set_meta(block, h, ST_FREE);
  drop_pending(k);
  set_due(block, h, NONE);
  store<u32>(block + C_USED, load<u32>(block + C_USED) - 1);
  give_handle(block, h);
}

/**
 * Takes back a leaving entry of `slot` whose entity (same id) is in view again: it becomes a new
 * incarnation on the same handle (no baseline, so a full record with the enter bit goes next,
 * which a client that already dropped the handle re-creates it from, and one whose leave was
 * lost simply refreshes). Returns false when the view holds no leaving entry of this id.
 */
export function revive(block: usize, id: u32, zone: u32): bool {
  const h = find_id(block, id);
  if (h == NONE) return false;
  const meta = get_meta(block, h);
  if (m_state(meta) != ST_LEAVING) return false;
  set_meta(block, h, meta_of(ST_VISIBLE, zone, (m_flags(meta) & EF_INTER) | EF_NOBASE | EF_FULL));
  schedule(block, h, t_tick);
  store<u32>(block + C_VISIBLE, load<u32>(block + C_VISIBLE) + 1);
  return true;
}

/** Marks entry h as leaving: the next snapshot carries its leave. */
export function begin_leave(block: usize, h: u32): void {
  const meta = get_meta(block, h);
  if (m_state(meta) != ST_VISIBLE) return;
  // An ack of an earlier update must not free the leaving entry: no leave is pending yet.
  set_meta(block, h, meta_of(ST_LEAVING, m_zone(meta), m_flags(meta) & EF_INTER));
  schedule(block, h, t_tick);
  drop_pending(cold(block, h));
  store<u32>(block + C_VISIBLE, load<u32>(block + C_VISIBLE) - 1);
}

/**
 * Settles entry h's pending record or leave if the snapshot that carried it was acked (the ring
 * still holds it, RING or fewer snapshots ago, and its acked bit is set): a visible entry's
 * pending record becomes its baseline; a leaving entry is freed. A pending record whose snapshot
 * left the ring can never be acked any more: it is dropped (the next send is pending instead).
 * Returns false when the entry was freed.
 */
export function promote(block: usize, h: u32): bool {
  const meta = get_meta(block, h);
  if ((m_flags(meta) & EF_PEND) == 0) return true;
  return settle(block, h, meta);
}

/** Whether entry h (meta) has a pending record or leave whose snapshot was acked. */
// @ts-ignore: decorator
@inline
export function acked(block: usize, h: u32, meta: u32): bool {
  if ((m_flags(meta) & EF_PEND) == 0) return false;
  const age = (load<u32>(block + C_SEQ) - get_pseq16(block, h)) & 0xffff;
  if (age > RING) return false;
  return (load<u64>(block + C_ACKED_MASK) & (<u64>1 << <u64>((load<u32>(block + C_SEQ) - age) & (RING - 1)))) != 0;
}

function settle(block: usize, h: u32, meta: u32): bool {
  const age = (load<u32>(block + C_SEQ) - get_pseq16(block, h)) & 0xffff;
  if (age > RING) {
    clear_pend(block, h);
    if (m_state(meta) == ST_VISIBLE) drop_pending(cold(block, h));
    return true;
  }
  const seq = load<u32>(block + C_SEQ) - age;
  if ((load<u64>(block + C_ACKED_MASK) & (<u64>1 << <u64>(seq & (RING - 1)))) == 0) return true;
  if (m_state(meta) == ST_LEAVING) {
    free_entry(block, h);
    bump(block + C_COUNTERS, CC_LEAVES_ACKED, 1);
    return false;
  }
  const k = cold(block, h);
  const pend = <usize>load<u32>(k, K_PEND);
  copy_rec(k + K_BASE, pend);
  store<u32>(k, seq, K_BSEQ);
  store<u32>(k, load<u32>(k, K_PTICK), K_BTICK);
  const bsend = <u32>load<u16>(pend, Q_SEND);
  store<u16>(k, <u16>bsend, K_BSEND);
  pend_give(pend);
  store<u32>(k, 0, K_PEND);
  let flags = m_flags(meta) & ~(EF_PEND | EF_NOBASE | EF_FULL);
  if (out_of_window(<u32>load<u16>(k, K_SENDS), bsend)) flags |= EF_FULL;
  set_meta(block, h, meta_of(ST_VISIBLE, m_zone(meta), flags));
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
  const meta = get_meta(block, h);
  const id = get_id(block, h);
  const slot = id & 0xfffff;
  if (!alive_as(slot, id)) {
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
  const zone = zone_step(m_zone(meta), e_dist);
  let period = zone_period(zone);
  if (band > 0) period = fast_period(period, band);
  e_period = period;
  const flags = m_flags(meta);
  set_meta(block, h, meta_of(ST_VISIBLE, zone, flags));
  const last = load<u32>(hot(block, h, P_LAST));
  let due = (flags & EF_SENT) == 0 ? t_tick : last + period;
  // Until a record of this incarnation is acked the client may not know the entity: its enter
  // is resent after 2 RTT however slow the zone.
  if ((flags & EF_NOBASE) != 0) due = min<u32>(due, last + resend_interval());
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
  const r = g_reach > 0 ? e_dist / g_reach : 1.0;
  const fd = min<f64>(max<f64>(1.0 - r * r, 0.0), 1.0);
  const fv = min<f64>(1.0, Math.sqrt(e_speed2) / t_speedSat);
  let fi = 0.0;
  if ((m_flags(get_meta(block, h)) & EF_INTER) != 0) {
    const k = cold(block, h);
    const inter = <f64>load<f32>(k, K_INTER);
    if (inter > 0) fi = inter * Math.pow(2.0, -<f64>(t_tick - load<u32>(k, K_INTER_T)) / t_halfLife);
  }
  const fimp = t_importance != 0 ? <f64>load<u8>(t_importance + <usize>slot) / 255.0 : 0.0;
  // The horizontal distance: the zone distance itself unless the view is a sphere.
  const hd = Math.sqrt(e_dx * e_dx + e_dy * e_dy);
  const fa = hd > 0 ? ((e_dx * g_cos + e_dy * g_sin) / hd + 1.0) * 0.5 : 1.0;
  return t_w0 * fd + t_w1 * fv + t_w2 * fi + t_w3 * fimp + t_w4 * fa;
}

/** Zone of a body entering the view at the offset just measured. */
export function entering_zone(): u32 {
  return zone_of(zone_distance(e_dx, e_dy, e_dz));
}
