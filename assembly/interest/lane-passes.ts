// The lane-wide passes of a tick, before its clients' turns (lane.ts): fast bodies crossing
// views (the trajectory pass), entries of bodies that died, and broadcast events to their
// recipients. Each finds its clients through the lane's viewer grid (grid.ts).

import {
  CC_FAST_INSERTS, CC_VIEW_FULL, C_COUNTERS, C_EV_HEAD, C_EV_TAIL, C_VIEWER, DEAD_BYTES, EF_FAST, EV_BYTES,
  FAST_NEW, FAST_STAGGER, LANE_BYTES, LC_DESPAWN_TOUCHES, LC_FAST_INSERTS, LC_PAIRS_OVERFLOW, LC_RELIABLE_OVERFLOW,
  LC_VIEW_FULL, L_COUNTERS, L_DEAD, L_DEAD_COUNT, L_FAST, L_FAST_COUNT, L_NEED, L_PAGE_FREE_COUNT, L_PAIRS,
  L_PAIRS_CAP, L_PAIRS_USED, L_RELIABLE, L_RELIABLE_CAP, L_RELIABLE_USED, L_RESUME, L_RESUME_LANE, L_WANT_PAGES,
  NEED_PAGES, NONE, ST_VISIBLE, W_LIFE, X_EVENTS, X_EVENT_COUNT, X_HYSTERESIS, X_LANE_TABLE, X_MAX_REACH, bump,
  client_block,
} from './layout';
import { g_reach, geo_item, segment_distance2 } from './geometry';
import { grid_all, grid_item, grid_query } from './grid';
import { get_due, get_meta } from './pages';
import { sc_candidates } from './scratch';
import { fast_band, fast_horizon, fast_lateral, t_ctx, t_hasVel, t_includeSelf, t_lanePtr, t_lanes, t_tick, t_V } from './state';
import { alloc_entry, entering_zone, find_id, measure, revive, schedule, world_of } from './view';

const Q16: f64 = 65536.0;

// @ts-ignore: decorator
@inline
function lane_of(l: u32): usize {
  return <usize>load<u32>(t_ctx + X_LANE_TABLE) + <usize>l * <usize>LANE_BYTES;
}

/**
 * Every lane's fast bodies against this lane's clients: a body that joined the world this tick,
 * and every FAST_STAGGER ticks each other one, is projected along its path (from where it was
 * when last projected to the horizon ahead); every client whose view the path crosses and that
 * does not hold it yet takes it in. Resumable: returns false (at the body it stopped at, with
 * NEED_PAGES and how many it wants) when the lane's page pool could fall short for one body.
 */
export function fast_pass(scratch: usize): bool {
  if (!t_hasVel) return true;
  const cands = sc_candidates(scratch, t_V);
  const h = load<f64>(t_ctx + X_HYSTERESIS);
  const maxReach = load<f64>(t_ctx + X_MAX_REACH);
  const L = t_lanePtr;
  for (let l = load<u32>(L + L_RESUME_LANE); l < t_lanes; l++) {
    const lane = lane_of(l);
    const list = <usize>load<u32>(lane + L_FAST);
    const count = load<u32>(lane + L_FAST_COUNT);
    for (let i = load<u32>(L + L_RESUME); i < count; i++) {
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
      // Each client may take a page for it.
      if (load<u32>(L + L_PAGE_FREE_COUNT) < n) {
        store<u32>(L + L_RESUME_LANE, l);
        store<u32>(L + L_RESUME, i);
        store<u32>(L + L_WANT_PAGES, n);
        store<u32>(L + L_NEED, NEED_PAGES);
        return false;
      }
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
        const held = find_id(block, id);
        if (held != NONE && (get_meta(block, held) & 3) == ST_VISIBLE) continue;
        if (revive(block, id, entering_zone())) continue;
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
    store<u32>(L + L_RESUME, 0);
  }
  return true;
}

/** Entries of slots that died (or were reused) are made due, so their leave goes out now. */
export function lifecycle_pass(scratch: usize): void {
  const cands = sc_candidates(scratch, t_V);
  const reach = load<f64>(t_ctx + X_MAX_REACH);
  for (let l: u32 = 0; l < t_lanes; l++) {
    const lane = lane_of(l);
    const list = <usize>load<u32>(lane + L_DEAD);
    const count = load<u32>(lane + L_DEAD_COUNT);
    for (let i: u32 = 0; i < count; i++) {
      const d = list + <usize>i * DEAD_BYTES;
      const id = load<u32>(d, 12);
      // Where the entity was when it was last seen alive (a reused slot has moved since).
      const x = <f64>load<i32>(d, 4), y = <f64>load<i32>(d, 8);
      const n = grid_query(x - reach, y - reach, x + reach, y + reach, cands);
      for (let k: u32 = 0; k < n; k++) {
        const block = client_block(t_ctx, load<u32>(grid_item(load<u32>(cands + (<usize>k << 2)))));
        const h = find_id(block, id);
        if (h == NONE || get_due(block, h) <= t_tick) continue;
        schedule(block, h, t_tick);
        bump(t_lanePtr + L_COUNTERS, LC_DESPAWN_TOUCHES, 1);
      }
    }
  }
}

/** Unreliable events join their recipients' snapshots; reliable ones become (event, client) pairs. */
export function event_pass(scratch: usize): void {
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
