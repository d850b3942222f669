// Per-client snapshot production (wire format: codec/snapshot-spec.ts): find the entries due
// this tick (per page whose earliest due tick has come, a v128 compare over its due line),
// evaluate them, order them by priority key, and write events, leaves, new entities and updates
// into the lane's output heap until the client's byte budget is spent. A record that goes out
// with no record of its entity waiting for an ack becomes the pending one (a slot from the
// lane's pool), which an ack promotes to the client's baseline; what did not fit stays due and
// its key keeps growing (it waited longer), so nothing starves.

import { bw_begin, bw_bytes, bw_cap, bw_finish, bw_pos, bw_rewind, bw_signed, bw_write } from '../codec/bits';
import { MSG_SNAPSHOT, SNAPSHOT_VERSION } from '../codec/snapshot-spec';
import {
  CC_DEFERRED, CC_DELTAS, CC_ENTERS, CC_FULLS, CC_LEAVES, CC_MESSAGES, CC_ZONE_UPDATES, C_ACKED_ANY, C_ACKED_MASK,
  C_BYTES, C_COUNTERS, C_EV_HEAD, C_LAST_ACK_SEQ, C_LAST_ACK_TICK, C_OUT_LEN, C_OUT_OFF, C_PAGES, C_RING, C_SEQ, EF_FULL,
  EF_NOBASE, EF_PEND, EF_SENT, K_BASE, K_BSEND, K_BSEQ, K_BTICK, K_PEND, K_PTICK, K_SENDS, LC_PENDING_LOST, L_COUNTERS,
  L_OUT, L_OUT_USED, M_FLAG_SHIFT, NONE, P_DUE, P_LAST, PAGE_SHIFT, Q_SEND, RING, RING_BYTES, ST_LEAVING, X_BUDGET, bump,
  copy_rec, pt_entry,
} from './layout';
import { cold, far_due, get_due, get_id, get_meta, get_pseq16, hot, pend_take, set_meta, set_page_due, set_pend } from './pages';
import { g_vx, g_vy, g_vz } from './geometry';
import { touch_entries } from './prefetch';
import { patch, records_begin, set_origin, write_delta, write_events, write_full } from './records';
import { sc_keys, sc_period, sc_rec, sc_sort } from './scratch';
import { sort_desc } from './sort';
import { t_cellShift, t_ctx, t_hb, t_lanePtr, t_maxSnapshot, t_posShift, t_rttTicks, t_tick, t_V, t_velShift, t_yawBits } from './state';
import {
  KEY_ENTER, KEY_LEAVE, e_period, evaluate, m_flags, m_state, meta_of, m_zone, out_of_window, promote, resend_interval,
  schedule, score,
} from './view';
import { quantise } from './world-pass';

/** Smallest budget worth a message: the type byte, a full header and a record or two. */
const MIN_MESSAGE_BYTES: u32 = 24;
/** Periods of waiting one point of score is worth in the priority key. */
const SCORE_WEIGHT: f64 = 0.5;

// Due handles of the client being encoded that were keyed (m_keyed) and how many of them went
// out (m_sentTo): the rest stay due and are marked for the next tick.
let m_keyed: u32 = 0;
let m_sentTo: u32 = 0;

/**
 * Produces client c's snapshot for this tick into the lane's output heap (C_OUT_LEN, 0: none)
 * from its n due handles at `due` (prepared by prepare_due; n == NONE: found now).
 */
export function encode_client(c: u32, block: usize, scratch: usize, due: usize, n: u32): void {
  m_keyed = 0;
  m_sentTo = 0;
  produce(c, block, scratch, due, n == NONE ? prepare_due(block, due) : n);
  // Keyed but not sent (the budget ran out): still due, so due again next tick.
  for (let i = m_sentTo; i < m_keyed; i++) {
    const h = load<u32>(due + (<usize>i << 2));
    const d = get_due(block, h);
    if (d != NONE && <i32>(d - t_tick) <= 0) schedule(block, h, d);
  }
}

/**
 * Lists the handles due this tick (ascending) into `due`: pages whose earliest due tick has
 * come are compared four entries at a time; each scanned page's earliest due becomes the
 * earliest among its entries not due now (those due now are rescheduled by whoever takes them).
 */
function due_scan(block: usize, due: usize): u32 {
  const tick = t_tick;
  const pages = load<u32>(block + C_PAGES);
  const tk = i32x4.splat(<i32>tick);
  const none = i32x4.splat(-1);
  const zero = i32x4.splat(0);
  const far = i32x4.splat(0x7fffffff);
  let n: u32 = 0;
  for (let p: u32 = 0; p < pages; p++) {
    const pt = pt_entry(block, p);
    if (<i32>(load<u32>(pt, 4) - tick) > 0) continue;
    const page = <usize>load<u32>(pt);
    let least = far;
    for (let q: u32 = 0; q < 4; q++) {
      const d = v128.load(page + P_DUE + (<usize>q << 4));
      const rel = i32x4.sub(d, tk);
      const live = v128.not(i32x4.eq(d, none));
      const now = v128.and(i32x4.le_s(rel, zero), live);
      least = i32x4.min_s(least, v128.bitselect(far, rel, v128.or(now, v128.not(live))));
      let bits = i32x4.bitmask(now);
      while (bits != 0) {
        store<u32>(due + (<usize>(n++) << 2), (p << PAGE_SHIFT) + (q << 2) + ctz<u32>(bits));
        bits &= bits - 1;
      }
    }
    const m = min<i32>(min<i32>(i32x4.extract_lane(least, 0), i32x4.extract_lane(least, 1)),
      min<i32>(i32x4.extract_lane(least, 2), i32x4.extract_lane(least, 3)));
    set_page_due(block, p, m == 0x7fffffff ? far_due() : tick + <u32>m);
  }
  return n;
}

/** Lists client block's due handles at `due` and starts fetching what they will need. */
export function prepare_due(block: usize, due: usize): u32 {
  const n = due_scan(block, due);
  if (n != 0) touch_entries(block, due, n);
  return n;
}

function produce(c: u32, block: usize, scratch: usize, due: usize, n: u32): void {
  store<u32>(block + C_OUT_LEN, 0);
  const tick = t_tick;
  const V = t_V;
  const counters = block + C_COUNTERS;
  const keys = sc_keys(scratch, V);
  const periods = sc_period(scratch, V);
  const hasEvents = load<u32>(block + C_EV_HEAD) != NONE;
  if (n == 0 && !hasEvents) return;
  // ---- evaluate and key ----
  let needCell = hasEvents;
  let k: u32 = 0;
  for (let j: u32 = 0; j < n; j++) {
    const h = load<u32>(due + (<usize>j << 2));
    if (!promote(block, h)) continue; // a leave that was acked: the handle is free again
    let key: f64;
    if (m_state(get_meta(block, h)) == ST_LEAVING || !evaluate(block, h)) {
      key = KEY_LEAVE;
    } else {
      if (get_due(block, h) > tick) continue;
      const s = score(block, h, get_id(block, h) & 0xfffff);
      store<u32>(periods + (<usize>h << 2), e_period);
      const flags = m_flags(get_meta(block, h));
      if ((flags & EF_FULL) != 0) needCell = true;
      if ((flags & EF_SENT) == 0) key = KEY_ENTER + s;
      // Urgency: periods waited (earliest deadline first, the deadline being a multiple of the
      // period), plus half the score: a higher score moves an entity at most half a period ahead.
      else key = <f64>(tick - load<u32>(hot(block, h, P_LAST))) / <f64>e_period + SCORE_WEIGHT * s;
    }
    store<u32>(due + (<usize>k << 2), h);
    store<f64>(keys + (<usize>k << 3), key);
    k++;
  }
  m_keyed = k;
  if (k == 0 && !hasEvents) return;
  sort_desc(due, keys, k, sc_sort(scratch, V));
  // ---- budget ----
  const budget = load<u32>(<usize>load<u32>(t_ctx + X_BUDGET) + (<usize>c << 2));
  const cap = min<u32>(budget, t_maxSnapshot);
  if (cap < MIN_MESSAGE_BYTES) {
    bump(counters, CC_DEFERRED, k);
    return;
  }
  const L = t_lanePtr;
  const outOff = load<u32>(L + L_OUT_USED);
  const out = <usize>load<u32>(L + L_OUT) + <usize>outOff;
  store<u8>(out, MSG_SNAPSHOT);
  bw_begin(out + 1, cap - 1);
  const capBits = bw_cap();
  // ---- header ----
  const seq = load<u32>(block + C_SEQ);
  const full = load<u32>(block + C_ACKED_ANY) == 0 || seq - load<u32>(block + C_LAST_ACK_SEQ) >= 16384
    || tick - load<u32>(block + C_LAST_ACK_TICK) >= 16384;
  bw_write(<u64>(SNAPSHOT_VERSION | (t_hb << 3) | (select<u32>(1, 0, full) << 8)), 9);
  if (full) {
    bw_write(<u64>seq, 32);
    bw_write(<u64>tick, 32);
  } else {
    bw_write(<u64>(seq & 0xffff), 16);
    bw_write(<u64>(tick & 0xffff), 16);
  }
  bw_write(needCell ? 1 : 0, 1);
  if (needCell) {
    const cs = t_cellShift;
    const cx = (<i32>g_vx >> t_posShift) >> cs, cy = (<i32>g_vy >> t_posShift) >> cs, cz = (<i32>g_vz >> t_posShift) >> cs;
    bw_signed(cx);
    bw_signed(cy);
    bw_signed(cz);
    set_origin(cx << cs, cy << cs, cz << cs);
  }
  const eventsAt = bw_pos();
  bw_write(0, 8);
  const recordsAt = bw_pos();
  bw_write(0, t_hb + 1);
  if (bw_pos() > capBits) {
    bump(counters, CC_DEFERRED, k);
    return;
  }
  const nEvents = hasEvents && needCell ? write_events(block, capBits) : 0;
  // ---- records in priority order, until the budget is spent ----
  records_begin();
  const rttTicks = t_rttTicks;
  // A pending record whose snapshot has not been acked after this long is taken as lost (with
  // no round-trip estimate yet, 12 ticks: 200 ms at 60 Hz).
  const pendingTimeout = max<u32>(12, rttTicks * 2 + 4);
  const lastAcked = load<u32>(block + C_ACKED_ANY) != 0 ? load<u32>(block + C_LAST_ACK_SEQ) : 0;
  const rec = sc_rec(scratch, V);
  const ps = t_posShift, vs = t_velShift, yb = t_yawBits;
  let sent: u32 = 0;
  let nLeaves: u32 = 0, nDeltas: u32 = 0, nFulls: u32 = 0, nEnters: u32 = 0, nLost: u32 = 0;
  let z0: u32 = 0, z1: u32 = 0, z2: u32 = 0, z3: u32 = 0;
  for (let j: u32 = 0; j < k; j++) {
    const h = load<u32>(due + (<usize>j << 2));
    const kp = cold(block, h);
    const mark = bw_pos();
    const meta = get_meta(block, h);
    const flags = m_flags(meta);
    const leaving = m_state(meta) == ST_LEAVING;
    const sends = <u32>load<u16>(kp, K_SENDS);
    let isDelta = false;
    bw_write(<u64>h, t_hb);
    if (leaving) {
      bw_write(0, 2);
    } else {
      quantise(get_id(block, h) & 0xfffff, rec, ps, vs, yb);
      if ((flags & EF_FULL) == 0) {
        write_delta(rec, kp + K_BASE, seq - load<u32>(kp, K_BSEQ), tick - load<u32>(kp, K_BTICK));
        isDelta = true;
      } else {
        bw_write(0b10, 2);
        if ((flags & EF_NOBASE) != 0) {
          bw_write(1, 1);
          bw_write(<u64>get_id(block, h), 32);
        } else {
          bw_write(0, 1);
        }
        write_full(rec);
      }
    }
    if (bw_pos() > capBits) {
      bw_rewind(mark);
      bump(counters, CC_DEFERRED, k - j);
      break;
    }
    m_sentTo = j + 1;
    // ---- the entry advances; the record waits for its ack as the pending state ----
    sent++;
    store<u16>(kp, <u16>(sends + 1), K_SENDS);
    store<u32>(hot(block, h, P_LAST), tick);
    if (leaving) {
      // A leave is pending until the snapshot carrying its latest send is acked; resends come
      // every 2 RTT + 2 ticks, after the ack of the previous one would have arrived.
      set_meta(block, h, meta | (EF_SENT << M_FLAG_SHIFT));
      set_pend(block, h, seq);
      schedule(block, h, tick + resend_interval());
      nLeaves++;
      continue;
    }
    let newFlags = flags | EF_SENT;
    // Not acked (promote would have cleared it) although 4 newer snapshots were: lost.
    const pending = (flags & EF_PEND) != 0;
    const pseq = seq - ((seq - get_pseq16(block, h)) & 0xffff);
    const overtaken = pending && <i32>(lastAcked - pseq) >= 4;
    if (!pending || overtaken || tick - load<u32>(kp, K_PTICK) > pendingTimeout) {
      if (pending) nLost++;
      let pend = <usize>load<u32>(kp, K_PEND);
      if (pend == 0) {
        pend = pend_take();
        store<u32>(kp, <u32>pend, K_PEND);
      }
      if (pend != 0) {
        copy_rec(pend, rec);
        store<u16>(pend, <u16>sends, Q_SEND);
        store<u32>(kp, tick, K_PTICK);
        newFlags |= EF_PEND;
        set_pend(block, h, seq);
      }
    }
    // The baseline falls out of the client's window (sticky until a newer one is promoted).
    if ((flags & EF_NOBASE) == 0 && out_of_window(sends + 1, <u32>load<u16>(kp, K_BSEND))) newFlags |= EF_FULL;
    set_meta(block, h, meta_of(m_state(meta), m_zone(meta), newFlags));
    // Until the client has acked a record of this incarnation, it may not know the entity at
    // all: the enter goes again after 2 RTT however slow the zone.
    let next = tick + load<u32>(periods + (<usize>h << 2));
    if ((flags & EF_NOBASE) != 0) next = min<u32>(next, tick + resend_interval());
    schedule(block, h, next);
    const zone = m_zone(meta);
    z0 += select<u32>(1, 0, zone == 0);
    z1 += select<u32>(1, 0, zone == 1);
    z2 += select<u32>(1, 0, zone == 2);
    z3 += select<u32>(1, 0, zone == 3);
    if (isDelta) nDeltas++;
    else {
      nFulls++;
      if ((flags & (EF_NOBASE | EF_SENT)) == EF_NOBASE) nEnters++;
    }
  }
  bump(counters, CC_LEAVES, nLeaves);
  bump(counters, CC_DELTAS, nDeltas);
  bump(counters, CC_FULLS, nFulls);
  bump(counters, CC_ENTERS, nEnters);
  bump(counters, CC_ZONE_UPDATES, z0);
  bump(counters, CC_ZONE_UPDATES + 1, z1);
  bump(counters, CC_ZONE_UPDATES + 2, z2);
  bump(counters, CC_ZONE_UPDATES + 3, z3);
  if (nLost != 0) bump(L + L_COUNTERS, LC_PENDING_LOST, nLost);
  if (sent == 0 && nEvents == 0) return;
  bw_finish();
  patch(out + 1, eventsAt, nEvents, 8);
  patch(out + 1, recordsAt, sent, t_hb + 1);
  const ringSlot = seq & (RING - 1);
  const ring = block + C_RING + <usize>ringSlot * RING_BYTES;
  store<u32>(ring, seq);
  store<u32>(ring, tick, 4);
  store<u64>(block + C_ACKED_MASK, load<u64>(block + C_ACKED_MASK) & ~(<u64>1 << <u64>ringSlot));
  store<u32>(block + C_SEQ, seq + 1);
  const bytes = 1 + bw_bytes();
  store<u32>(block + C_OUT_LEN, bytes);
  store<u32>(block + C_OUT_OFF, outOff);
  store<u32>(L + L_OUT_USED, outOff + bytes);
  store<f64>(block + C_BYTES, load<f64>(block + C_BYTES) + <f64>bytes);
  bump(counters, CC_MESSAGES, 1);
}
