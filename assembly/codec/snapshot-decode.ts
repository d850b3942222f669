// The client side of snapshots (wire format in snapshot-spec.ts): a client view holds, per
// handle, the entity id and the newest WINDOW records received (the baselines the server may
// delta against), and snap_decode applies one message to it. Decoding is two passes: parse
// and check everything into scratch, then commit, so a rejected message changes nothing but
// the rejection counter.
//
// Client view block (VIEW_HEADER_BYTES, then columns, rings and scratch):
// | off | field                                  | off | field                              |
// |   0 | magic 'SNPV'                           |  52 | duplicate-handle stamp epoch       |
// |   4 | handle capacity V                      |  56 | events in the last message         |
// |   8 | handle bits                            |  60 | records in the last message        |
// |  12 | posShift, velShift, yawBits, quatBits, |  64 | handles holding an entity          |
// |     | cellShift, rotation mode, velocity (7) |  68 | reference cell origin x, y, z      |
// |  40 | 1 once a full header was accepted      |  80 | messages accepted                  |
// |  44 | newest seq                             |  84 | messages rejected                  |
// |  48 | newest tick                            |  88 | stale messages (not newer)         |
// Columns (V x u32 from VIEW_HEADER_BYTES): id, active, ring fill, ring head, stamp.
// Rings: V x WINDOW records of RING_REC_BYTES: | u32 seq | u32 tick | REC_WORDS record |.
// Scratch: V parsed records (SCRATCH_REC_BYTES), EVENTS_MAX events (EVENT_REC_BYTES) and
// their payloads (PAYLOAD_MAX bytes each).

import { br_begin, br_overrun, br_read, br_remaining, br_signed, br_tiered } from './bits';
import { predict } from './quantize';
import {
  copy_rec, EVENTS_MAX, F_HP, F_POS, F_ROT, F_STATE, F_VEL, MSG_SNAPSHOT, PAYLOAD_MAX, P_HP, P_ROT, P_STATE, P_VEL,
  SNAPSHOT_VERSION, WINDOW,
} from './snapshot-spec';

export const VIEW_MAGIC: u32 = 0x56504e53; // 'SNPV'
export const VIEW_HEADER_BYTES: u32 = 128;
export const V_CAP: usize = 4;
export const V_HB: usize = 8;
export const V_POS_SHIFT: usize = 12;
export const V_VEL_SHIFT: usize = 16;
export const V_YAW_BITS: usize = 20;
export const V_QUAT_BITS: usize = 24;
export const V_CELL_SHIFT: usize = 28;
export const V_ROT_MODE: usize = 32;
export const V_HAS_VEL: usize = 36;
export const V_HAS_SEQ: usize = 40;
export const V_SEQ: usize = 44;
export const V_TICK: usize = 48;
export const V_EPOCH: usize = 52;
export const V_EVENTS: usize = 56;
export const V_RECORDS: usize = 60;
export const V_PRESENT: usize = 64;
export const V_CELL: usize = 68;
export const V_ACCEPTED: usize = 80;
export const V_REJECTED: usize = 84;
export const V_STALE: usize = 88;
export const VIEW_COLS: u32 = 5;
export const VC_ID: u32 = 0;
export const VC_ACTIVE: u32 = 1;
export const VC_FILL: u32 = 2;
export const VC_HEAD: u32 = 3;
export const VC_STAMP: u32 = 4;
export const RING_REC_BYTES: u32 = 44;
export const SCRATCH_REC_BYTES: u32 = 48;
export const EVENT_REC_BYTES: u32 = 24;

export const K_DELTA: u32 = 0;
export const K_REFRESH: u32 = 1;
export const K_ENTER: u32 = 2;
export const K_LEAVE: u32 = 3;

// Results below zero: why a message was not applied.
export const ERR_TRUNCATED: i32 = -1;
export const ERR_TYPE: i32 = -2;
export const ERR_VERSION: i32 = -3;
export const ERR_HANDLE_BITS: i32 = -4;
export const ERR_NO_REFERENCE: i32 = -5;
export const ERR_STALE: i32 = -6;
export const ERR_HANDLE: i32 = -7;
export const ERR_DUPLICATE: i32 = -8;
export const ERR_NO_BASELINE: i32 = -9;
export const ERR_NO_ENTITY: i32 = -10;
export const ERR_COUNT: i32 = -11;
export const ERR_NO_CELL: i32 = -12;
export const ERR_TRAILING: i32 = -13;
export const ERR_BAD_TICK: i32 = -14;
export const ERR_NO_PREVIOUS: i32 = -15;

// @ts-ignore: decorator
@inline
function vcol(view: usize, v: u32, c: u32): usize {
  return view + <usize>VIEW_HEADER_BYTES + (<usize>c * <usize>v << 2);
}

// @ts-ignore: decorator
@inline
function ring_base(view: usize, v: u32): usize {
  return vcol(view, v, VIEW_COLS);
}

// @ts-ignore: decorator
@inline
function ring_rec(view: usize, v: u32, h: u32, i: u32): usize {
  return ring_base(view, v) + (<usize>h * <usize>WINDOW + <usize>i) * RING_REC_BYTES;
}

// @ts-ignore: decorator
@inline
function scratch_recs(view: usize, v: u32): usize {
  return ring_base(view, v) + <usize>v * <usize>WINDOW * RING_REC_BYTES;
}

// @ts-ignore: decorator
@inline
function scratch_events(view: usize, v: u32): usize {
  return scratch_recs(view, v) + <usize>v * SCRATCH_REC_BYTES;
}

// @ts-ignore: decorator
@inline
function scratch_payload(view: usize, v: u32): usize {
  return scratch_events(view, v) + <usize>EVENTS_MAX * EVENT_REC_BYTES;
}

export function view_bytes(v: u32): u32 {
  return <u32>(scratch_payload(0, v) + <usize>EVENTS_MAX * <usize>PAYLOAD_MAX + 16);
}

// @ts-ignore: decorator
@inline
function rebuild16(last: u32, low: u32): u32 {
  let r = (last & 0xffff0000) | low;
  const d = <i32>(r - last);
  if (d > 32768) r -= 65536;
  else if (d < -32768) r += 65536;
  return r;
}

/** The ring index of handle h's record from snapshot `seq`, or -1. */
function find_base(view: usize, v: u32, h: u32, seq: u32): i32 {
  const fill = load<u32>(vcol(view, v, VC_FILL) + (<usize>h << 2));
  const head = load<u32>(vcol(view, v, VC_HEAD) + (<usize>h << 2));
  for (let k: u32 = 0; k < fill; k++) {
    const i = (head + WINDOW - k) % WINDOW;
    if (load<u32>(ring_rec(view, v, h, i)) == seq) return <i32>i;
  }
  return -1;
}

function read_rot(mode: u32, yawBits: u32, quatBits: u32): u32 {
  if (mode == 1) return <u32>br_read(yawBits);
  if (mode == 2) return <u32>br_read(2 + 3 * quatBits);
  return 0;
}

/**
 * Applies snapshot `msg` (`len` bytes, followed by at least 8 readable bytes) to `view`.
 * Returns the records applied, or an ERR_* code (nothing applied).
 */
export function snap_decode(view: usize, msg: usize, len: u32): i32 {
  const v = load<u32>(view + V_CAP);
  const hb = load<u32>(view + V_HB);
  const code = parse(view, v, hb, msg, len);
  if (code < 0) {
    const at = view + (code == ERR_STALE ? V_STALE : V_REJECTED);
    store<u32>(at, load<u32>(at) + 1);
  }
  return code;
}

function parse(view: usize, v: u32, hb: u32, msg: usize, len: u32): i32 {
  if (len < 2) return ERR_TRUNCATED;
  if (load<u8>(msg) != MSG_SNAPSHOT) return ERR_TYPE;
  br_begin(msg + 1, len - 1);
  const head = <u32>br_read(9);
  if (br_overrun()) return ERR_TRUNCATED;
  if ((head & 7) != SNAPSHOT_VERSION) return ERR_VERSION;
  if (((head >> 3) & 31) != hb) return ERR_HANDLE_BITS;
  const hasSeq = load<u32>(view + V_HAS_SEQ) != 0;
  let seq: u32, tick: u32;
  if ((head >> 8) != 0) {
    seq = <u32>br_read(32);
    tick = <u32>br_read(32);
  } else {
    if (!hasSeq) return ERR_NO_REFERENCE;
    seq = rebuild16(load<u32>(view + V_SEQ), <u32>br_read(16));
    tick = rebuild16(load<u32>(view + V_TICK), <u32>br_read(16));
  }
  if (br_overrun()) return ERR_TRUNCATED;
  if (hasSeq && <i32>(seq - load<u32>(view + V_SEQ)) <= 0) return ERR_STALE;
  const hasCell = br_read(1) != 0;
  let ox: i32 = 0, oy: i32 = 0, oz: i32 = 0;
  const cs = load<u32>(view + V_CELL_SHIFT);
  if (hasCell) {
    ox = br_signed() << cs;
    oy = br_signed() << cs;
    oz = br_signed() << cs;
  }
  const nEv = <u32>br_read(8);
  const nRec = <u32>br_read(hb + 1);
  if (br_overrun()) return ERR_TRUNCATED;
  if (nRec > v) return ERR_COUNT;
  if (nEv > 0 && !hasCell) return ERR_NO_CELL;
  const posShift = load<u32>(view + V_POS_SHIFT), velShift = load<u32>(view + V_VEL_SHIFT);
  const yawBits = load<u32>(view + V_YAW_BITS), quatBits = load<u32>(view + V_QUAT_BITS);
  const mode = load<u32>(view + V_ROT_MODE);
  const hasVel = load<u32>(view + V_HAS_VEL) != 0;
  // ---- events ----
  const evs = scratch_events(view, v);
  const payload = scratch_payload(view, v);
  for (let e: u32 = 0; e < nEv; e++) {
    const r = evs + <usize>e * EVENT_REC_BYTES;
    store<u32>(r, <u32>br_read(8));
    store<i32>(r, <i32>(<u32>br_signed() + <u32>ox), 4);
    store<i32>(r, <i32>(<u32>br_signed() + <u32>oy), 8);
    store<i32>(r, <i32>(<u32>br_signed() + <u32>oz), 12);
    const plen = <u32>br_read(8);
    if (br_overrun() || <u64>plen * 8 > br_remaining()) return ERR_TRUNCATED;
    const dst = payload + <usize>e * PAYLOAD_MAX;
    for (let b: u32 = 0; b < plen; b++) store<u8>(dst + b, <u8>br_read(8));
    store<u32>(r, e * PAYLOAD_MAX, 16);
    store<u32>(r, plen, 20);
  }
  // ---- records into scratch ----
  let epoch = load<u32>(view + V_EPOCH) + 1;
  const stamps = vcol(view, v, VC_STAMP);
  if (epoch == 0) {
    memory.fill(stamps, 0, <usize>v << 2);
    epoch = 1;
  }
  store<u32>(view + V_EPOCH, epoch);
  const ids = vcol(view, v, VC_ID);
  const active = vcol(view, v, VC_ACTIVE);
  const recs = scratch_recs(view, v);
  const shiftDiff = posShift - velShift;
  let prevAge: u32 = 0;
  for (let k: u32 = 0; k < nRec; k++) {
    const h = <u32>br_read(hb);
    if (br_overrun()) return ERR_TRUNCATED;
    if (h >= v) return ERR_HANDLE;
    const stampAt = stamps + (<usize>h << 2);
    if (load<u32>(stampAt) == epoch) return ERR_DUPLICATE;
    store<u32>(stampAt, epoch);
    const out = recs + <usize>k * SCRATCH_REC_BYTES;
    store<u32>(out, h);
    const rec = out + 12;
    const isActive = load<u32>(active + (<usize>h << 2)) != 0;
    if (br_read(1) != 0) {
      // delta
      if (!isActive) return ERR_NO_BASELINE;
      let age: u32;
      if (br_read(1) != 0) {
        if (prevAge == 0) return ERR_NO_PREVIOUS;
        age = prevAge;
      } else {
        age = br_tiered() + 1;
      }
      if (br_overrun()) return ERR_TRUNCATED;
      prevAge = age;
      const bi = find_base(view, v, h, seq - age);
      if (bi < 0) return ERR_NO_BASELINE;
      const base = ring_rec(view, v, h, <u32>bi);
      const dt = tick - load<u32>(base, 4);
      if (<i32>dt < 0) return ERR_BAD_TICK;
      const b = base + 8;
      copy_rec(rec, b);
      const mask = br_read(1) != 0 ? F_POS : <u32>br_read(5);
      const bvx = hasVel ? load<i32>(b, 12) : 0, bvy = hasVel ? load<i32>(b, 16) : 0, bvz = hasVel ? load<i32>(b, 20) : 0;
      let x = predict(load<i32>(b), bvx, dt, shiftDiff);
      let y = predict(load<i32>(b, 4), bvy, dt, shiftDiff);
      let z = predict(load<i32>(b, 8), bvz, dt, shiftDiff);
      if (mask & F_POS) {
        x = <i32>(<u32>x + <u32>br_signed());
        y = <i32>(<u32>y + <u32>br_signed());
        z = <i32>(<u32>z + <u32>br_signed());
      }
      store<i32>(rec, x);
      store<i32>(rec, y, 4);
      store<i32>(rec, z, 8);
      if (mask & F_VEL) {
        store<i32>(rec, <i32>(<u32>load<i32>(b, 12) + <u32>br_signed()), 12);
        store<i32>(rec, <i32>(<u32>load<i32>(b, 16) + <u32>br_signed()), 16);
        store<i32>(rec, <i32>(<u32>load<i32>(b, 20) + <u32>br_signed()), 20);
      }
      if (mask & F_ROT) {
        if (mode == 1) store<u32>(rec, (load<u32>(b, 24) + <u32>br_signed()) & ((<u32>1 << yawBits) - 1), 24);
        else store<u32>(rec, read_rot(mode, yawBits, quatBits), 24);
      }
      if (mask & F_HP) store<i32>(rec, <i32>(<u32>load<i32>(b, 28) + <u32>br_signed()), 28);
      if (mask & F_STATE) store<u32>(rec, load<u32>(b, 32) ^ br_tiered(), 32);
      store<u32>(out, K_DELTA, 4);
      store<u32>(out, load<u32>(ids + (<usize>h << 2)), 8);
    } else if (br_read(1) != 0) {
      // full
      if (!hasCell) return ERR_NO_CELL;
      let kind = K_REFRESH;
      let id: u32;
      if (br_read(1) != 0) {
        id = <u32>br_read(32);
        kind = isActive && load<u32>(ids + (<usize>h << 2)) == id ? K_REFRESH : K_ENTER;
      } else {
        if (!isActive) return ERR_NO_ENTITY;
        id = load<u32>(ids + (<usize>h << 2));
      }
      const presence = <u32>br_read(4);
      store<i32>(rec, <i32>(<u32>br_signed() + <u32>ox));
      store<i32>(rec, <i32>(<u32>br_signed() + <u32>oy), 4);
      store<i32>(rec, <i32>(<u32>br_signed() + <u32>oz), 8);
      const hasV = (presence & P_VEL) != 0;
      store<i32>(rec, hasV ? br_signed() : 0, 12);
      store<i32>(rec, hasV ? br_signed() : 0, 16);
      store<i32>(rec, hasV ? br_signed() : 0, 20);
      store<u32>(rec, (presence & P_ROT) != 0 ? read_rot(mode, yawBits, quatBits) : 0, 24);
      store<i32>(rec, (presence & P_HP) != 0 ? br_signed() : 0, 28);
      store<u32>(rec, (presence & P_STATE) != 0 ? br_tiered() : 0, 32);
      store<u32>(out, kind, 4);
      store<u32>(out, id, 8);
    } else {
      store<u32>(out, K_LEAVE, 4);
      store<u32>(out, 0, 8);
    }
    if (br_overrun()) return ERR_TRUNCATED;
  }
  // Up to seven padding bits may follow, all zero; anything more is not ours.
  const left = br_remaining();
  if (left >= 8) return ERR_TRAILING;
  if (left > 0 && br_read(<u32>left) != 0) return ERR_TRAILING;
  commit(view, v, nRec, seq, tick);
  store<u32>(view + V_HAS_SEQ, 1);
  store<u32>(view + V_SEQ, seq);
  store<u32>(view + V_TICK, tick);
  store<u32>(view + V_EVENTS, nEv);
  store<u32>(view + V_RECORDS, nRec);
  if (hasCell) {
    store<i32>(view + V_CELL, ox);
    store<i32>(view + V_CELL, oy, 4);
    store<i32>(view + V_CELL, oz, 8);
  }
  store<u32>(view + V_ACCEPTED, load<u32>(view + V_ACCEPTED) + 1);
  return <i32>nRec;
}

function commit(view: usize, v: u32, n: u32, seq: u32, tick: u32): void {
  const recs = scratch_recs(view, v);
  const ids = vcol(view, v, VC_ID);
  const active = vcol(view, v, VC_ACTIVE);
  const fills = vcol(view, v, VC_FILL);
  const heads = vcol(view, v, VC_HEAD);
  let present = load<u32>(view + V_PRESENT);
  for (let k: u32 = 0; k < n; k++) {
    const r = recs + <usize>k * SCRATCH_REC_BYTES;
    const h = load<u32>(r);
    const kind = load<u32>(r, 4);
    const off = <usize>h << 2;
    if (kind == K_LEAVE) {
      if (load<u32>(active + off) != 0) present--;
      store<u32>(active + off, 0);
      store<u32>(fills + off, 0);
      continue;
    }
    if (kind == K_ENTER) {
      if (load<u32>(active + off) == 0) present++;
      store<u32>(active + off, 1);
      store<u32>(ids + off, load<u32>(r, 8));
      store<u32>(fills + off, 0);
    }
    const head = (load<u32>(heads + off) + 1) % WINDOW;
    store<u32>(heads + off, head);
    store<u32>(fills + off, min<u32>(load<u32>(fills + off) + 1, WINDOW));
    const slot = ring_rec(view, v, h, head);
    store<u32>(slot, seq);
    store<u32>(slot, tick, 4);
    copy_rec(slot + 8, r + 12);
  }
  store<u32>(view + V_PRESENT, present);
}

/** Initialises a client view of `v` handles (power of two) with the session's codec parameters. */
export function view_init(
  view: usize, v: u32, hb: u32, posShift: u32, velShift: u32, yawBits: u32, quatBits: u32, cellShift: u32,
  rotMode: u32, hasVel: u32,
): void {
  memory.fill(view, 0, <usize>view_bytes(v));
  store<u32>(view, VIEW_MAGIC);
  store<u32>(view + V_CAP, v);
  store<u32>(view + V_HB, hb);
  store<u32>(view + V_POS_SHIFT, posShift);
  store<u32>(view + V_VEL_SHIFT, velShift);
  store<u32>(view + V_YAW_BITS, yawBits);
  store<u32>(view + V_QUAT_BITS, quatBits);
  store<u32>(view + V_CELL_SHIFT, cellShift);
  store<u32>(view + V_ROT_MODE, rotMode);
  store<u32>(view + V_HAS_VEL, hasVel);
}

/** Layout numbers for the TypeScript mirror's self-check. */
export function view_layout(what: u32): u32 {
  if (what == 0) return VIEW_HEADER_BYTES;
  if (what == 1) return VIEW_COLS;
  if (what == 2) return RING_REC_BYTES;
  if (what == 3) return SCRATCH_REC_BYTES;
  if (what == 4) return EVENT_REC_BYTES;
  if (what == 5) return WINDOW;
  return 0;
}
