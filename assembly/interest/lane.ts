// Phase B of a tick for one lane (the clients c with c % lanes == lane), in order:
//   1. acks: each acked snapshot's sent-log records become the baselines of their handles
//      (a leave's ack frees the handle);
//   2. the viewer grid of the lane's clients;
//   3. fast bodies (every lane's fast list): clients whose view their swept path crosses take
//      them in now, whatever their discovery schedule;
//   4. lifecycle: entries of slots that died are made due, so their leave goes out this tick;
//   5. events: unreliable ones join the recipients' snapshots, reliable ones become
//      (event, client) pairs for the reliable channel;
//   6. per client: merge the discovery query's answer (if it ran for this client this tick),
//      re-evaluate every entry and adapt the dynamic radius, then encode the snapshot.

import {
  CC_ACKS, CC_ACK_STALE, CC_FAST_INSERTS, CC_LEAVES_ACKED, CC_VIEW_FULL, COL_DUE, COL_PSEQ, COL_SLOT, C_ACKED_ANY,
  C_ACTIVE, C_ACKED_MASK, C_DISCOVER_NOW, C_COUNTERS, C_VIEWER, C_EV_HEAD, C_EV_TAIL, C_HW, C_LAST_ACK_SEQ, C_LAST_ACK_TICK, C_QUERY, C_RING, C_SCALE, C_SEQ,
  C_VISIBLE, C_VISIBLE_TICKS, DEAD_BYTES, EF_FAST, EV_BYTES, E_BASE, E_BSEND, E_BSEQ, E_BTICK, E_META, E_PEND, E_PSEND,
  E_PTICK, LANE_BYTES, LC_ACKS, LC_ACK_STALE, LC_DESPAWN_TOUCHES, LC_FAST_INSERTS, LC_PAIRS_OVERFLOW,
  LC_RELIABLE_OVERFLOW, LC_VIEW_FULL, L_COUNTERS, L_DEAD, L_DEAD_COUNT, L_EPOCH, L_FAST, L_FAST_COUNT, L_PAIRS,
  L_PAIRS_CAP, L_PAIRS_USED, L_RELIABLE, L_RELIABLE_CAP, L_RELIABLE_USED, L_SCRATCH, L_STAMPS, NONE, RING,
  RING_BYTES, ST_FREE, ST_LEAVING, ST_VISIBLE, W_LIFE, FAST_NEW, FAST_STAGGER, X_ACKS, X_ACK_COUNT, X_BATCH_COUNTS, X_BATCH_IDS,
  X_BATCH_OFFSETS, X_DYN_GROW, X_DYN_MAX_SCALE, X_DYN_MIN_SCALE, X_DYN_SHRINK, X_DYN_TARGET, X_EVENTS, X_EVENT_COUNT,
  X_HYSTERESIS, X_LANE_TABLE, X_MAX_REACH, bump, client_block, col, copy_rec, entry_ptr,
} from './layout';
import {
  contains, g_reach, g_viewer, g_vx, g_vy, g_vz, geo_begin, geo_config, geo_item, viewer_position, MODE_ENTER,
  discovery_radius, segment_distance2,
} from './geometry';
import { grid_all, grid_build, grid_count, grid_item, grid_query } from './grid';
import { sc_candidates } from './scratch';
import {
  fast_band, fast_horizon, fast_lateral, t_capacity, t_ctx, t_discovery, t_hasVel, t_includeSelf, t_lane, t_lanePtr,
  t_lanes, t_maxClients, t_tick, t_V, rtt_class_of,
} from './state';
import {
  alloc_entry, col_u32, entering_zone, evaluate, find_slot, free_entry, measure, promote, revive, schedule, set_col, sweeps, world_of, e_dx,
  e_dy, e_dz,
} from './view';
import { encode_client } from './encode';

const Q16: f64 = 65536.0;

// ---- 1. acks ----

function ack_one(block: usize, seq: u32): void {
  const counters = block + C_COUNTERS;
  const lc = t_lanePtr + L_COUNTERS;
  const slot = seq & (RING - 1);
  const ring = block + C_RING + <usize>slot * RING_BYTES;
  const mask = load<u64>(block + C_ACKED_MASK);
  const bit = <u64>1 << <u64>slot;
  const age = load<u32>(block + C_SEQ) - seq;
  if (load<u32>(ring) != seq || (mask & bit) != 0 || age == 0 || age > RING) {
    bump(counters, CC_ACK_STALE, 1);
    bump(lc, LC_ACK_STALE, 1);
    return;
  }
  store<u64>(block + C_ACKED_MASK, mask | bit);
  if (load<u32>(block + C_ACKED_ANY) == 0 || <i32>(seq - load<u32>(block + C_LAST_ACK_SEQ)) > 0) {
    store<u32>(block + C_LAST_ACK_SEQ, seq);
    store<u32>(block + C_LAST_ACK_TICK, load<u32>(ring, 4));
  }
  store<u32>(block + C_ACKED_ANY, 1);
  bump(counters, CC_ACKS, 1);
  bump(lc, LC_ACKS, 1);
}

function apply_acks(): void {
  const q = <usize>load<u32>(t_ctx + X_ACKS);
  const n = load<u32>(t_ctx + X_ACK_COUNT);
  for (let i: u32 = 0; i < n; i++) {
    const c = load<u32>(q + (<usize>i << 3));
    if (c >= t_maxClients || c % t_lanes != t_lane) continue;
    const block = client_block(t_ctx, c);
    if (block == 0 || load<u32>(block + C_ACTIVE) == 0) continue;
    ack_one(block, load<u32>(q + (<usize>i << 3), 4));
  }
}

// @ts-ignore: decorator
@inline
function lane_of(l: u32): usize {
  return <usize>load<u32>(t_ctx + X_LANE_TABLE) + <usize>l * <usize>LANE_BYTES;
}

// ---- 3. fast bodies ----

/**
 * Every lane's fast bodies against this lane's clients: a body that joined the world this tick,
 * and every FAST_STAGGER ticks each other one, is projected along its path (from where it was
 * when last projected to the horizon ahead); every client whose view the path crosses and that
 * does not hold it yet takes it in.
 */
function fast_pass(scratch: usize): void {
  if (!t_hasVel) return;
  const cands = sc_candidates(scratch, t_V);
  const h = load<f64>(t_ctx + X_HYSTERESIS);
  const maxReach = load<f64>(t_ctx + X_MAX_REACH);
  for (let l: u32 = 0; l < t_lanes; l++) {
    const lane = lane_of(l);
    const list = <usize>load<u32>(lane + L_FAST);
    const count = load<u32>(lane + L_FAST_COUNT);
    for (let i: u32 = 0; i < count; i++) {
      const entry = load<u32>(list + (<usize>i << 2));
      const slot = entry & ~FAST_NEW;
      const isNew = (entry & FAST_NEW) != 0;
      if (!isNew && (slot + t_tick) % FAST_STAGGER != 0) continue;
      const w = world_of(slot);
      const px = <f64>load<i32>(w), py = <f64>load<i32>(w, 4), pz = <f64>load<i32>(w, 8);
      const vx = <f64>load<i32>(w, 12), vy = <f64>load<i32>(w, 16), vz = <f64>load<i32>(w, 20);
      const band = fast_band(vx * vx + vy * vy + vz * vz);
      if (band == 0) continue;
      const ahead = fast_horizon(band);
      const back = isNew ? 1.0 : <f64>FAST_STAGGER;
      const lateral = fast_lateral(band);
      const reach = maxReach * lateral;
      const ax = px - vx * back, ay = py - vy * back, az = pz - vz * back;
      const bx = px + vx * ahead, by = py + vy * ahead, bz = pz + vz * ahead;
      const n = grid_query(min<f64>(ax, bx) - reach, min<f64>(ay, by) - reach, max<f64>(ax, bx) + reach, max<f64>(ay, by) + reach, cands);
      const id = slot | (((load<u32>(w, W_LIFE) >> 1) & 0xfff) << 20);
      for (let k: u32 = 0; k < n; k++) {
        const item = grid_item(load<u32>(cands + (<usize>k << 2)));
        geo_item(item);
        const r = g_reach * (1.0 - h) * lateral;
        if (segment_distance2(ax, ay, az, bx, by, bz) > r * r) continue;
        const c = load<u32>(item);
        const block = client_block(t_ctx, c);
        if (!t_includeSelf && load<u32>(block + C_VIEWER) == slot) continue;
        measure(slot);
        const held = find_slot(block, slot);
        if (held != NONE && (load<u32>(entry_ptr(block, t_V, held), E_META) & 0xff) == ST_VISIBLE) continue;
        if (revive(block, slot, id, entering_zone())) continue;
        const handle = alloc_entry(block, slot, id, entering_zone(), EF_FAST);
        if (handle == NONE) {
          bump(block + C_COUNTERS, CC_VIEW_FULL, 1);
          bump(t_lanePtr + L_COUNTERS, LC_VIEW_FULL, 1);
          continue;
        }
        bump(block + C_COUNTERS, CC_FAST_INSERTS, 1);
        bump(t_lanePtr + L_COUNTERS, LC_FAST_INSERTS, 1);
      }
    }
  }
}

// ---- 4. lifecycle ----

function lifecycle_pass(scratch: usize): void {
  const cands = sc_candidates(scratch, t_V);
  const reach = load<f64>(t_ctx + X_MAX_REACH);
  for (let l: u32 = 0; l < t_lanes; l++) {
    const lane = lane_of(l);
    const list = <usize>load<u32>(lane + L_DEAD);
    const count = load<u32>(lane + L_DEAD_COUNT);
    for (let i: u32 = 0; i < count; i++) {
      const d = list + <usize>i * DEAD_BYTES;
      const slot = load<u32>(d);
      // Where the entity was when it was last seen alive (a reused slot has moved since).
      const x = <f64>load<i32>(d, 4), y = <f64>load<i32>(d, 8);
      const n = grid_query(x - reach, y - reach, x + reach, y + reach, cands);
      for (let k: u32 = 0; k < n; k++) {
        const block = client_block(t_ctx, load<u32>(grid_item(load<u32>(cands + (<usize>k << 2)))));
        const h = find_slot(block, slot);
        if (h == NONE || col_u32(block, COL_DUE, h) <= t_tick) continue;
        schedule(block, h, t_tick);
        bump(t_lanePtr + L_COUNTERS, LC_DESPAWN_TOUCHES, 1);
      }
    }
  }
}

// ---- 5. events ----

function event_pass(scratch: usize): void {
  const cands = sc_candidates(scratch, t_V);
  const events = <usize>load<u32>(t_ctx + X_EVENTS);
  const count = load<u32>(t_ctx + X_EVENT_COUNT);
  const L = t_lanePtr;
  const pairs = <usize>load<u32>(L + L_PAIRS);
  const pairsCap = load<u32>(L + L_PAIRS_CAP);
  const rel = <usize>load<u32>(L + L_RELIABLE);
  const relCap = load<u32>(L + L_RELIABLE_CAP);
  let used: u32 = 0;
  let relUsed: u32 = 0;
  for (let e: u32 = 0; e < count; e++) {
    const ev = events + <usize>e * EV_BYTES;
    const x = <f64>load<i32>(ev), y = <f64>load<i32>(ev, 4), z = <f64>load<i32>(ev, 8);
    const rangeM = <f64>load<f32>(ev, 12);
    const reliable = load<u32>(ev, 20) != 0;
    const everyone = !(rangeM < 1e9);
    const r = rangeM * Q16;
    const n = everyone ? grid_all(cands) : grid_query(x - r, y - r, x + r, y + r, cands);
    for (let k: u32 = 0; k < n; k++) {
      const item = grid_item(load<u32>(cands + (<usize>k << 2)));
      const c = load<u32>(item);
      const block = client_block(t_ctx, c);
      if (!everyone) {
        const dx = x - <f64>load<i32>(item, 4), dy = y - <f64>load<i32>(item, 8), dz = z - <f64>load<i32>(item, 12);
        if (dx * dx + dy * dy + dz * dz > r * r) continue;
      }
      if (reliable) {
        if (relUsed >= relCap) {
          bump(L + L_COUNTERS, LC_RELIABLE_OVERFLOW, 1);
          continue;
        }
        store<u32>(rel + (<usize>relUsed << 3), e);
        store<u32>(rel + (<usize>relUsed << 3), c, 4);
        relUsed++;
        continue;
      }
      if (used >= pairsCap) {
        bump(L + L_COUNTERS, LC_PAIRS_OVERFLOW, 1);
        continue;
      }
      const p = used++;
      store<u32>(pairs + (<usize>p << 3), e);
      store<u32>(pairs + (<usize>p << 3), NONE, 4);
      const tail = load<u32>(block + C_EV_TAIL);
      if (tail == NONE) store<u32>(block + C_EV_HEAD, p);
      else store<u32>(pairs + (<usize>tail << 3), p, 4);
      store<u32>(block + C_EV_TAIL, p);
    }
  }
  store<u32>(L + L_PAIRS_USED, used);
  store<u32>(L + L_RELIABLE_USED, relUsed);
}

// ---- 6. discovery ----

function next_stamp(): u32 {
  let epoch = load<u32>(t_lanePtr + L_EPOCH) + 1;
  if (epoch == 0) {
    memory.fill(<usize>load<u32>(t_lanePtr + L_STAMPS), 0, <usize>t_capacity << 2);
    epoch = 1;
  }
  store<u32>(t_lanePtr + L_EPOCH, epoch);
  return epoch;
}

/** Merges query j's answer into the view, re-evaluates every entry, adapts the scale. */
function discover(block: usize, j: u32): void {
  const stamps = <usize>load<u32>(t_lanePtr + L_STAMPS);
  const epoch = next_stamp();
  const V = t_V;
  const hw = load<u32>(block + C_HW);
  // Visible entries are stamped; a leaving one may be taken back if its entity is inside again.
  const slots = col(block, V, COL_SLOT);
  for (let i: u32 = 0; i < hw; i++) {
    const slot = load<u32>(slots + (<usize>i << 2));
    if (slot != NONE && (load<u32>(entry_ptr(block, V, i), E_META) & 0xff) == ST_VISIBLE) {
      store<u32>(stamps + (<usize>slot << 2), epoch);
    }
  }
  // Existing entries first: their leave and zone tests, before the scale changes. Entries due
  // within a discovery period are evaluated then anyway; the slower ones may have come closer
  // (a zone up) or gone.
  // Pending records of acked snapshots become baselines here at the latest, while the ring
  // still holds their snapshot.
  const soon = t_tick + t_discovery;
  const dues = col(block, V, COL_DUE);
  for (let i: u32 = 0; i < hw; i++) {
    if ((load<u32>(entry_ptr(block, V, i), E_META) & 0xff) != ST_VISIBLE) continue;
    promote(block, i);
    if (load<u32>(dues + (<usize>i << 2)) > soon) evaluate(block, i);
  }
  const ids = <usize>load<u32>(t_ctx + X_BATCH_IDS) + (<usize>load<u32>(<usize>load<u32>(t_ctx + X_BATCH_OFFSETS) + (<usize>j << 2)) << 2);
  const n = load<u32>(<usize>load<u32>(t_ctx + X_BATCH_COUNTS) + (<usize>j << 2));
  let full = false;
  for (let k: u32 = 0; k < n; k++) {
    const slot = load<u32>(ids + (<usize>k << 2));
    if (slot >= t_capacity) continue;
    const at = stamps + (<usize>slot << 2);
    if (load<u32>(at) == epoch) continue;
    store<u32>(at, epoch);
    const life = load<u32>(world_of(slot), W_LIFE);
    if ((life & 1) == 0) continue;
    if (slot == g_viewer && !t_includeSelf) continue;
    measure(slot);
    if (!contains(e_dx, e_dy, e_dz, MODE_ENTER)) continue;
    if (full) {
      bump(block + C_COUNTERS, CC_VIEW_FULL, 1);
      continue;
    }
    const id = slot | (((life >> 1) & 0xfff) << 20);
    if (revive(block, slot, id, entering_zone())) continue;
    const h = alloc_entry(block, slot, id, entering_zone(), 0);
    if (h == NONE) {
      full = true;
      bump(block + C_COUNTERS, CC_VIEW_FULL, 1);
      bump(t_lanePtr + L_COUNTERS, LC_VIEW_FULL, 1);
    }
  }
  adapt_scale(block);
}

/** Dynamic radius: shrink in crowds towards the target count, grow when almost empty. */
function adapt_scale(block: usize): void {
  const n = <f64>load<u32>(block + C_VISIBLE);
  const minS = <f64>load<f32>(t_ctx + X_DYN_MIN_SCALE);
  const maxS = <f64>load<f32>(t_ctx + X_DYN_MAX_SCALE);
  const shrink = <f64>load<u32>(t_ctx + X_DYN_SHRINK);
  const target = <f64>load<u32>(t_ctx + X_DYN_TARGET);
  const grow = <f64>load<u32>(t_ctx + X_DYN_GROW);
  let s = load<f64>(block + C_SCALE);
  // Visible count grows with the area: scale by sqrt(target / n), at most 30 % per step.
  if (n > shrink) s *= max<f64>(0.7, Math.sqrt(target / n));
  else if (n < grow) s *= 1.1;
  else if (s < 1.0 && n < target) s = min<f64>(1.0, s * 1.05);
  store<f64>(block + C_SCALE, min<f64>(max<f64>(s, minS), maxS));
}

// ---- driver ----

export function lane_tick(): void {
  const scratch = <usize>load<u32>(t_lanePtr + L_SCRATCH);
  geo_config(t_ctx);
  apply_acks();
  grid_build();
  fast_pass(scratch);
  lifecycle_pass(scratch);
  event_pass(scratch);
  // Clients in grid order: those sharing a cell see mostly the same entities, whose world
  // records then stay in cache from one client to the next.
  const n = grid_count();
  for (let i: u32 = 0; i < n; i++) {
    const c = load<u32>(grid_item(i));
    const block = client_block(t_ctx, c);
    rtt_class_of(c);
    geo_begin(t_ctx, block, scratch);
    const q = load<u32>(block + C_QUERY);
    if (q != NONE) {
      const scale = load<f64>(block + C_SCALE);
      discover(block, q);
      // The shapes' radii follow the scale; most discoveries leave it as it was.
      if (load<f64>(block + C_SCALE) != scale) geo_begin(t_ctx, block, scratch);
    }
    encode_client(c, block, scratch);
    store<f64>(block + C_VISIBLE_TICKS, load<f64>(block + C_VISIBLE_TICKS) + <f64>load<u32>(block + C_VISIBLE));
  }
}

/** Writes the discovery queries of this tick: centre and radius (Q16) per scheduled client. */
export function discovery_prepare(qx: usize, qy: usize, qz: usize, qr: usize): u32 {
  let n: u32 = 0;
  for (let c: u32 = 0; c < t_maxClients; c++) {
    const block = client_block(t_ctx, c);
    if (block == 0 || load<u32>(block + C_ACTIVE) == 0) continue;
    // Each client's turn comes every discovery period; a new client (or one whose viewer or
    // shape changed) gets one at once.
    if ((c + t_tick) % t_discovery != 0 && load<u32>(block + C_DISCOVER_NOW) == 0) {
      store<u32>(block + C_QUERY, NONE);
      continue;
    }
    store<u32>(block + C_DISCOVER_NOW, 0);
    viewer_position(t_ctx, block);
    const off = <usize>n << 2;
    store<i32>(qx + off, <i32>g_vx);
    store<i32>(qy + off, <i32>g_vy);
    store<i32>(qz + off, <i32>g_vz);
    store<i32>(qr + off, <i32>min<f64>(Math.ceil(discovery_radius(t_ctx, block)), 2147483647.0));
    store<u32>(block + C_QUERY, n);
    n++;
  }
  return n;
}
