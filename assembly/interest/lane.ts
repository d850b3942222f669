// Phase B of a tick for one lane (the clients c with c % lanes == lane), in order:
//   1. acks: each acked snapshot's bit is set in its client's ring (entries whose pending
//      record it carried are promoted when next looked at; a leave's ack frees the handle);
//   2. the viewer grid of the lane's clients;
//   3. fast bodies (every lane's fast list): clients whose view their swept path crosses take
//      them in now, whatever their discovery schedule;
//   4. lifecycle: entries of slots that died are made due, so their leave goes out this tick;
//   5. events: unreliable ones join the recipients' snapshots, reliable ones become
//      (event, client) pairs for the reliable channel;
//   6. per client: merge the discovery query's answer (if it ran for this client this tick),
//      re-evaluate every entry and adapt the dynamic radius, then encode the snapshot.
// Views grow by pages and snapshots go to an output heap, from the lane's pools. Before a step
// that could take more than a pool holds (one fast body's clients, one client's turn), the
// lane stops: it saves where it was (L_PHASE, L_RESUME), says what it needs (L_NEED, L_WANT_*)
// and returns 1; TypeScript tops the pools up and calls again, and the tick goes on from there.

import {
  CC_ACKS, CC_ACK_STALE, C_ACKED_ANY, C_ACTIVE, C_ACKED_MASK, C_COUNTERS, C_DISCOVER_NOW, C_LAST_ACK_SEQ,
  C_LAST_ACK_TICK, C_QUERY, C_RING, C_SCALE, C_SEQ, C_VISIBLE, C_VISIBLE_TICKS, LC_ACKS, LC_ACK_STALE, L_COUNTERS,
  L_NEED, L_OUT_CAP, L_OUT_USED, L_PAGE_FREE_COUNT, L_PEND_FREE_COUNT, L_PHASE, L_READY, L_RESUME, L_RESUME_LANE, L_SCRATCH,
  L_WANT_OUT, L_WANT_PAGES, L_WANT_PENDS, NEED_OUT, NEED_PAGES, NEED_PENDS, NONE, OUT_SLACK, PAGE_ENTRIES, PAGE_SHIFT,
  PH_CLIENTS, PH_DONE, PH_FAST, PH_START, RING, RING_BYTES, X_ACKS, X_ACK_COUNT, bump, client_block,
} from './layout';
import { discovery_radius, geo_begin, geo_config, viewer_position, g_vx, g_vy, g_vz } from './geometry';
import { grid_build, grid_count, grid_item, grid_load } from './grid';
import { discover } from './discover';
import { encode_client, prepare_due } from './encode';
import { sc_due, sc_next_due } from './scratch';
import { event_pass, fast_pass, lifecycle_pass } from './lane-passes';
import { touch_client, touch_due_lines } from './prefetch';
import { rtt_class_of, t_ctx, t_discovery, t_lane, t_lanePtr, t_lanes, t_maxClients, t_maxSnapshot, t_tick, t_V } from './state';

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

// ---- driver ----

/**
 * Whether the lane's pools hold what one client's turn could take: a page per PAGE_ENTRIES
 * handles its view could add, a pending slot per record it could send, its largest snapshot.
 * Otherwise says what is wanted (L_NEED, L_WANT_*).
 */
function pools_ready(): bool {
  const L = t_lanePtr;
  const pages = (t_V >> PAGE_SHIFT) + 1;
  const pends = t_V;
  const out = t_maxSnapshot + OUT_SLACK;
  let need: u32 = 0;
  if (load<u32>(L + L_PAGE_FREE_COUNT) < pages) need |= NEED_PAGES;
  if (load<u32>(L + L_PEND_FREE_COUNT) < pends) need |= NEED_PENDS;
  if (load<u32>(L + L_OUT_CAP) - load<u32>(L + L_OUT_USED) < out) need |= NEED_OUT;
  if (need == 0) return true;
  store<u32>(L + L_WANT_PAGES, pages);
  store<u32>(L + L_WANT_PENDS, pends);
  store<u32>(L + L_WANT_OUT, out);
  store<u32>(L + L_NEED, need);
  return false;
}

/** Runs (or resumes) the lane's part of the tick; 0 when done, 1 when it stopped for its pools. */
export function lane_tick(): u32 {
  const L = t_lanePtr;
  const scratch = <usize>load<u32>(L + L_SCRATCH);
  store<u32>(L + L_NEED, 0);
  let phase = load<u32>(L + L_PHASE);
  if (phase == PH_DONE) return 0;
  geo_config(t_ctx);
  if (phase == PH_START) {
    apply_acks();
    grid_build();
    store<u32>(L + L_OUT_USED, 0);
    store<u32>(L + L_RESUME, 0);
    store<u32>(L + L_RESUME_LANE, 0);
    store<u32>(L + L_READY, NONE);
    phase = PH_FAST;
    store<u32>(L + L_PHASE, phase);
  } else {
    grid_load();
  }
  if (phase == PH_FAST) {
    if (!fast_pass(scratch)) return 1;
    lifecycle_pass(scratch);
    event_pass(scratch);
    store<u32>(L + L_RESUME, 0);
    phase = PH_CLIENTS;
    store<u32>(L + L_PHASE, phase);
  }
  // Clients in grid order: those sharing a cell see mostly the same entities, whose world
  // records then stay in cache from one client to the next. A pipeline keeps fetches going
  // ahead of the work: the header of the client three places on, the due lines of the one two
  // places on, and the due list of the next one (its entries' lines on their way) while this
  // one is worked on. A client whose discovery runs this tick lists its due entries after it.
  const n = grid_count();
  const dueA = sc_due(scratch), dueB = sc_next_due(scratch, t_V);
  // A listed client's pages no longer show its due entries as due (listing expects them to be
  // rescheduled), so a list made before a stop is kept for the resume.
  let ready = load<u32>(L + L_READY);
  for (let i = load<u32>(L + L_RESUME); i < n; i++) {
    if (!pools_ready()) {
      store<u32>(L + L_RESUME, i);
      store<u32>(L + L_READY, ready);
      return 1;
    }
    const c = load<u32>(grid_item(i));
    const block = client_block(t_ctx, c);
    const due = (i & 1) == 0 ? dueA : dueB;
    if (i + 3 < n) touch_client(client_block(t_ctx, load<u32>(grid_item(i + 3))));
    if (i + 2 < n) touch_due_lines(client_block(t_ctx, load<u32>(grid_item(i + 2))));
    let next: u32 = NONE;
    if (i + 1 < n) {
      const b1 = client_block(t_ctx, load<u32>(grid_item(i + 1)));
      if (load<u32>(b1 + C_QUERY) == NONE) next = prepare_due(b1, (i & 1) == 0 ? dueB : dueA);
    }
    rtt_class_of(c);
    geo_begin(t_ctx, block, scratch);
    const q = load<u32>(block + C_QUERY);
    if (q != NONE) {
      const scale = load<f64>(block + C_SCALE);
      discover(block, q, scratch);
      // The shapes' radii follow the scale; most discoveries leave it as it was.
      if (load<f64>(block + C_SCALE) != scale) geo_begin(t_ctx, block, scratch);
    }
    encode_client(c, block, scratch, due, q != NONE ? NONE : ready);
    ready = next;
    store<f64>(block + C_VISIBLE_TICKS, load<f64>(block + C_VISIBLE_TICKS) + <f64>load<u32>(block + C_VISIBLE));
  }
  store<u32>(L + L_PHASE, PH_DONE);
  return 0;
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
