// Per-client snapshot production (wire format: codec/snapshot-spec.ts): find the entries due
// this tick (a v128 compare over the due column), evaluate them, order them by priority key,
// and write events, leaves, new entities and updates into the client's output buffer until its
// byte budget is spent. What a message carried goes to the lane's sent log, so an ack can
// promote it to the client's baseline; what did not fit stays due and its key keeps growing
// (it waited longer), so nothing starves.

import { bw_begin, bw_bytes, bw_cap, bw_finish, bw_pos, bw_rewind, bw_signed, bw_tiered, bw_write } from '../codec/bits';
import { predict } from '../codec/quantize';
import {
  F_HP, F_POS, F_ROT, F_STATE, F_VEL, MSG_SNAPSHOT, P_HP, P_ROT, P_STATE, P_VEL, SNAPSHOT_VERSION, WINDOW, EVENTS_MAX,
} from '../codec/snapshot-spec';
import {
  CC_DEFERRED, CC_DELTAS, CC_ENTERS, CC_EVENTS_DROPPED, CC_EVENTS_SENT, CC_FULLS, CC_LEAVES, CC_MESSAGES,
  CC_ZONE_UPDATES, COL_DUE, COL_PSEQ, COL_SLOT, C_ACKED_ANY, C_BYTES, C_COUNTERS, C_EV_HEAD, C_HW, C_LAST_ACK_SEQ,
  C_LAST_ACK_TICK, C_OUT_LEN, C_RING, C_SEQ, C_ACKED_MASK, EV_BYTES, E_BASE, E_BSEND, E_BSEQ, E_BTICK, E_FIRST, E_ID, E_LAST, E_META,
  E_PEND, E_PSEND, E_PTICK, E_SENDS, LC_PENDING_LOST, L_COUNTERS, L_PAIRS, NONE, RING, RING_BYTES, ROT_QUAT, ROT_YAW,
  ST_LEAVING, WHEEL, X_BUDGET, X_EVENTS, X_EVENT_PAYLOAD, bump, col, copy_rec, due_wheel, entry_ptr, out_buffer,
} from './layout';
import { g_vx, g_vy, g_vz } from './geometry';
import { sc_due, sc_keys, sc_period, sc_rec, sc_sort } from './scratch';
import {
  t_cellShift, t_ctx, t_hasVel, t_hb, t_lanePtr, t_maxSnapshot, t_posShift, t_quatBits, t_rotMode, t_rtt, t_tick,
  t_tickMs, t_V, t_velShift, t_yawBits, t_rttTicks,
} from './state';
import {
  KEY_ENTER, KEY_LEAVE, col_u32, e_period, evaluate, promote, resend_interval, schedule, score, set_col, set_encoding,
} from './view';
import { quantise } from './world-pass';

/** Smallest budget worth a message: the type byte, a full header and a record or two. */
const MIN_MESSAGE_BYTES: u32 = 24;
/** Periods of waiting one point of score is worth in the priority key. */
const SCORE_WEIGHT: f64 = 0.5;
/** Sorting by insertion below this many entries, radix above. */
const INSERTION_MAX: u32 = 48;

let m_prevAge: u32 = 0;
let m_ox: i32 = 0;
let m_oy: i32 = 0;
let m_oz: i32 = 0;

/** Orders idx[0..n) by keys (f64, same order) descending. */
function sort_desc(idx: usize, keys: usize, n: u32, work: usize): void {
  if (n <= INSERTION_MAX) {
    for (let i: u32 = 1; i < n; i++) {
      const k = load<f64>(keys + (<usize>i << 3));
      const h = load<u32>(idx + (<usize>i << 2));
      let j = i;
      while (j > 0 && load<f64>(keys + (<usize>(j - 1) << 3)) < k) {
        store<f64>(keys + (<usize>j << 3), load<f64>(keys + (<usize>(j - 1) << 3)));
        store<u32>(idx + (<usize>j << 2), load<u32>(idx + (<usize>(j - 1) << 2)));
        j--;
      }
      store<f64>(keys + (<usize>j << 3), k);
      store<u32>(idx + (<usize>j << 2), h);
    }
    return;
  }
  // LSD radix sort on the inverted f32 bits of the (non-negative) keys: four 8-bit passes.
  const v = t_V;
  let ka = work, kb = work + (<usize>v << 2);
  let ia = idx, ib = work + (<usize>v << 3);
  const counts = work + <usize>v * 12;
  for (let i: u32 = 0; i < n; i++) {
    store<u32>(ka + (<usize>i << 2), ~reinterpret<u32>(<f32>load<f64>(keys + (<usize>i << 3))));
  }
  for (let pass: u32 = 0; pass < 4; pass++) {
    const shift = pass * 8;
    for (let b: usize = 0; b < 1024; b += 16) v128.store(counts + b, i32x4.splat(0));
    for (let i: u32 = 0; i < n; i++) {
      const at = counts + (<usize>((load<u32>(ka + (<usize>i << 2)) >> shift) & 0xff) << 2);
      store<u32>(at, load<u32>(at) + 1);
    }
    let sum: u32 = 0;
    for (let b: u32 = 0; b < 256; b++) {
      const at = counts + (<usize>b << 2);
      const c = load<u32>(at);
      store<u32>(at, sum);
      sum += c;
    }
    for (let i: u32 = 0; i < n; i++) {
      const key = load<u32>(ka + (<usize>i << 2));
      const at = counts + (<usize>((key >> shift) & 0xff) << 2);
      const pos = load<u32>(at);
      store<u32>(at, pos + 1);
      store<u32>(kb + (<usize>pos << 2), key);
      store<u32>(ib + (<usize>pos << 2), load<u32>(ia + (<usize>i << 2)));
    }
    const tk = ka; ka = kb; kb = tk;
    const ti = ia; ia = ib; ib = ti;
  }
  // Four passes: the result is back in idx.
}

// @ts-ignore: decorator
@inline
function signed_diff(a: i32, b: i32): i32 {
  return <i32>(<u32>a - <u32>b);
}

/** Rotation difference as a signed number of yaw steps (wrapping). */
// @ts-ignore: decorator
@inline
function yaw_diff(cur: u32, base: u32): i32 {
  const bits = t_yawBits;
  const d = (cur - base) & ((<u32>1 << bits) - 1);
  return <i32>(d << (32 - bits)) >> (32 - bits);
}

function write_rot_raw(rot: u32): void {
  if (t_rotMode == ROT_YAW) bw_write(<u64>rot, t_yawBits);
  else if (t_rotMode == ROT_QUAT) bw_write(<u64>rot, 2 + 3 * t_quatBits);
}

/** Writes the full state of `rec` (after the kind prefix and enter bit). */
function write_full(rec: usize): void {
  const vx = load<i32>(rec, 12), vy = load<i32>(rec, 16), vz = load<i32>(rec, 20);
  const rot = load<u32>(rec, 24), hp = load<i32>(rec, 28), st = load<u32>(rec, 32);
  const presence = select<u32>(P_VEL, 0, (vx | vy | vz) != 0) | select<u32>(P_ROT, 0, rot != 0)
    | select<u32>(P_HP, 0, hp != 0) | select<u32>(P_STATE, 0, st != 0);
  bw_write(<u64>presence, 4);
  bw_signed(signed_diff(load<i32>(rec), m_ox));
  bw_signed(signed_diff(load<i32>(rec, 4), m_oy));
  bw_signed(signed_diff(load<i32>(rec, 8), m_oz));
  if (presence & P_VEL) {
    bw_signed(vx);
    bw_signed(vy);
    bw_signed(vz);
  }
  if (presence & P_ROT) write_rot_raw(rot);
  if (presence & P_HP) bw_signed(hp);
  if (presence & P_STATE) bw_tiered(st);
}

/** Writes the delta of `rec` against `base` (a record `dt` ticks older, `age` snapshots back). */
function write_delta(rec: usize, base: usize, age: u32, dt: u32): void {
  bw_write(1, 1);
  if (age == m_prevAge) bw_write(1, 1);
  else {
    bw_write(0, 1);
    bw_tiered(age - 1);
  }
  m_prevAge = age;
  const k = t_posShift - t_velShift;
  const bvx = t_hasVel ? load<i32>(base, 12) : 0;
  const bvy = t_hasVel ? load<i32>(base, 16) : 0;
  const bvz = t_hasVel ? load<i32>(base, 20) : 0;
  const rx = signed_diff(load<i32>(rec), predict(load<i32>(base), bvx, dt, k));
  const ry = signed_diff(load<i32>(rec, 4), predict(load<i32>(base, 4), bvy, dt, k));
  const rz = signed_diff(load<i32>(rec, 8), predict(load<i32>(base, 8), bvz, dt, k));
  const dvx = signed_diff(load<i32>(rec, 12), load<i32>(base, 12));
  const dvy = signed_diff(load<i32>(rec, 16), load<i32>(base, 16));
  const dvz = signed_diff(load<i32>(rec, 20), load<i32>(base, 20));
  const rot = load<u32>(rec, 24), brot = load<u32>(base, 24);
  const dhp = signed_diff(load<i32>(rec, 28), load<i32>(base, 28));
  const xst = load<u32>(rec, 32) ^ load<u32>(base, 32);
  const mask = select<u32>(F_POS, 0, (rx | ry | rz) != 0) | select<u32>(F_VEL, 0, (dvx | dvy | dvz) != 0)
    | select<u32>(F_ROT, 0, rot != brot) | select<u32>(F_HP, 0, dhp != 0) | select<u32>(F_STATE, 0, xst != 0);
  if (mask == F_POS) bw_write(1, 1);
  else bw_write(<u64>(mask << 1), 6);
  if (mask & F_POS) {
    bw_signed(rx);
    bw_signed(ry);
    bw_signed(rz);
  }
  if (mask & F_VEL) {
    bw_signed(dvx);
    bw_signed(dvy);
    bw_signed(dvz);
  }
  if (mask & F_ROT) {
    if (t_rotMode == ROT_YAW) bw_signed(yaw_diff(rot, brot));
    else write_rot_raw(rot);
  }
  if (mask & F_HP) bw_signed(dhp);
  if (mask & F_STATE) bw_tiered(xst);
}

/** Patches n bits at bit `pos` of the stream, keeping every other bit. */
function patch(buf: usize, pos: u64, v: u32, n: u32): void {
  const at = buf + <usize>(pos >> 3);
  const shift = pos & 7;
  const mask = ((<u64>1 << <u64>n) - 1) << shift;
  store<u64>(at, (load<u64>(at) & ~mask) | ((<u64>v << shift) & mask));
}

function write_events(block: usize, capBits: u64): u32 {
  const pairs = <usize>load<u32>(t_lanePtr + L_PAIRS);
  const events = <usize>load<u32>(t_ctx + X_EVENTS);
  const payload = <usize>load<u32>(t_ctx + X_EVENT_PAYLOAD);
  let p = load<u32>(block + C_EV_HEAD);
  let n: u32 = 0;
  const counters = block + C_COUNTERS;
  while (p != NONE) {
    const pair = pairs + (<usize>p << 3);
    const e = events + <usize>load<u32>(pair) * EV_BYTES;
    p = load<u32>(pair, 4);
    if (n >= EVENTS_MAX) {
      bump(counters, CC_EVENTS_DROPPED, 1);
      continue;
    }
    const mark = bw_pos();
    bw_write(<u64>(load<u32>(e, 16) & 0xff), 8);
    bw_signed(signed_diff(load<i32>(e) >> t_posShift, m_ox));
    bw_signed(signed_diff(load<i32>(e, 4) >> t_posShift, m_oy));
    bw_signed(signed_diff(load<i32>(e, 8) >> t_posShift, m_oz));
    const len = min<u32>(load<u32>(e, 28), 255);
    bw_write(<u64>len, 8);
    const src = payload + <usize>load<u32>(e, 24);
    for (let b: u32 = 0; b < len; b++) bw_write(<u64>load<u8>(src + b), 8);
    if (bw_pos() > capBits) {
      bw_rewind(mark);
      bump(counters, CC_EVENTS_DROPPED, 1);
      continue;
    }
    n++;
  }
  bump(counters, CC_EVENTS_SENT, n);
  return n;
}

// Due handles of the client being encoded that were keyed (m_keyed) and how many of them went
// out (m_sentTo): the rest stay due and are marked for the next tick.
let m_keyed: u32 = 0;
let m_sentTo: u32 = 0;

/** Produces client c's snapshot for this tick into its output buffer (C_OUT_LEN, 0: none). */
export function encode_client(c: u32, block: usize, scratch: usize): void {
  m_keyed = 0;
  m_sentTo = 0;
  set_encoding(1);
  produce(c, block, scratch);
  const due = sc_due(scratch);
  const dues = col(block, t_V, COL_DUE);
  for (let i = m_sentTo; i < m_keyed; i++) {
    const h = load<u32>(due + (<usize>i << 2));
    const d = load<u32>(dues + (<usize>h << 2));
    if (d != NONE && <i32>(d - t_tick) <= 0) schedule(block, h, d);
  }
  set_encoding(0);
}

function produce(c: u32, block: usize, scratch: usize): void {
  store<u32>(block + C_OUT_LEN, 0);
  const tick = t_tick;
  const V = t_V;
  const counters = block + C_COUNTERS;
  // ---- due entries: this tick's wheel bitmap (then cleared; later schedules go elsewhere) ----
  const due = sc_due(scratch);
  const keys = sc_keys(scratch, V);
  const periods = sc_period(scratch, V);
  const hw = load<u32>(block + C_HW);
  const dues = col(block, V, COL_DUE);
  const bitmap = due_wheel(block, V) + (<usize>(tick & (WHEEL - 1)) * <usize>V >> 3);
  let n: u32 = 0;
  for (let w: u32 = 0; w < hw; w += 64) {
    const at = bitmap + (<usize>w >> 3);
    let bits = load<u64>(at);
    if (bits == 0) continue;
    store<u64>(at, 0);
    while (bits != 0) {
      const h = w + <u32>ctz<u64>(bits);
      bits &= bits - 1;
      if (h >= hw) break;
      const d = load<u32>(dues + (<usize>h << 2));
      if (d == NONE) continue; // freed since it was marked
      if (<i32>(d - tick) > 0) {
        // Marked for a later time than the wheel spans, or a stale mark (the entry was
        // rescheduled and has its own mark): only the former needs marking again.
        if (d - tick >= WHEEL - 1) schedule(block, h, d);
        continue;
      }
      store<u32>(due + (<usize>(n++) << 2), h);
    }
  }
  const hasEvents = load<u32>(block + C_EV_HEAD) != NONE;
  if (n == 0 && !hasEvents) return;
  // ---- evaluate and key ----
  let needCell = hasEvents;
  let k: u32 = 0;
  for (let j: u32 = 0; j < n; j++) {
    const h = load<u32>(due + (<usize>j << 2));
    const e = entry_ptr(block, V, h);
    if (!promote(block, h)) continue; // a leave that was acked: the handle is free again
    let key: f64;
    if ((load<u32>(e, E_META) & 0xff) == ST_LEAVING || !evaluate(block, h)) {
      key = KEY_LEAVE;
    } else {
      if (col_u32(block, COL_DUE, h) > tick) continue;
      const sends = load<u32>(e, E_SENDS);
      const s = score(block, h, col_u32(block, COL_SLOT, h));
      store<u32>(periods + (<usize>h << 2), e_period);
      const bsend = load<u32>(e, E_BSEND);
      if (bsend == NONE || sends - bsend >= WINDOW) needCell = true;
      if (sends == load<u32>(e, E_FIRST)) key = KEY_ENTER + s;
      // Urgency: periods waited (earliest deadline first, the deadline being a multiple of the
      // period), plus half the score: a higher score moves an entity at most half a period ahead.
      else key = <f64>(tick - load<u32>(e, E_LAST)) / <f64>e_period + SCORE_WEIGHT * s;
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
  const out = out_buffer(block, V);
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
    m_ox = cx << cs;
    m_oy = cy << cs;
    m_oz = cz << cs;
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
  const L = t_lanePtr;
  m_prevAge = 0;
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
    const e = entry_ptr(block, V, h);
    const mark = bw_pos();
    const meta = load<u32>(e, E_META);
    const leaving = (meta & 0xff) == ST_LEAVING;
    const sends = load<u32>(e, E_SENDS);
    const bsend = load<u32>(e, E_BSEND);
    let isDelta = false;
    bw_write(<u64>h, t_hb);
    if (leaving) {
      bw_write(0, 2);
    } else {
      quantise(col_u32(block, COL_SLOT, h), rec, ps, vs, yb);
      if (bsend != NONE && sends - bsend < WINDOW) {
        write_delta(rec, e + E_BASE, seq - load<u32>(e, E_BSEQ), tick - load<u32>(e, E_BTICK));
        isDelta = true;
      } else {
        bw_write(0b10, 2);
        if (bsend == NONE) {
          bw_write(1, 1);
          bw_write(<u64>load<u32>(e, E_ID), 32);
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
    store<u32>(e, sends + 1, E_SENDS);
    store<u32>(e, tick, E_LAST);
    const pseq = col_u32(block, COL_PSEQ, h);
    if (leaving) {
      // A leave is pending until the snapshot carrying its latest send is acked; resends come
      // every 2 RTT + 2 ticks, after the ack of the previous one would have arrived.
      set_col(block, COL_PSEQ, h, seq);
      schedule(block, h, tick + resend_interval());
      nLeaves++;
      continue;
    }
    // Not acked (promote would have cleared it) although 4 newer snapshots were: lost.
    const overtaken = pseq != NONE && <i32>(lastAcked - pseq) >= 4;
    if (pseq == NONE || overtaken || tick - load<u32>(e, E_PTICK) > pendingTimeout) {
      if (pseq != NONE) nLost++;
      copy_rec(e + E_PEND, rec);
      set_col(block, COL_PSEQ, h, seq);
      store<u32>(e, tick, E_PTICK);
      store<u32>(e, sends, E_PSEND);
    }
    // Until the client has acked a record of this incarnation, it may not know the entity at
    // all: the enter goes again after 2 RTT however slow the zone.
    let next = tick + load<u32>(periods + (<usize>h << 2));
    if (bsend == NONE) next = min<u32>(next, tick + resend_interval());
    schedule(block, h, next);
    const zone = (meta >> 8) & 0xff;
    z0 += select<u32>(1, 0, zone == 0);
    z1 += select<u32>(1, 0, zone == 1);
    z2 += select<u32>(1, 0, zone == 2);
    z3 += select<u32>(1, 0, zone == 3);
    if (isDelta) nDeltas++;
    else {
      nFulls++;
      if (bsend == NONE && sends == load<u32>(e, E_FIRST)) nEnters++;
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
  store<f64>(block + C_BYTES, load<f64>(block + C_BYTES) + <f64>bytes);
  bump(counters, CC_MESSAGES, 1);
}
