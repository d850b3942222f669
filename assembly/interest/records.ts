// Writing records, events and counts into a snapshot's bit stream (wire format:
// codec/snapshot-spec.ts): a full state from the reference cell, a delta against a baseline
// (position predicted from the baseline's velocity), broadcast events, and patching the counts
// in once they are known.

import { bw_pos, bw_rewind, bw_signed, bw_tiered, bw_write } from '../codec/bits';
import { predict } from '../codec/quantize';
import { F_HP, F_POS, F_ROT, F_STATE, F_VEL, P_HP, P_ROT, P_STATE, P_VEL, EVENTS_MAX } from '../codec/snapshot-spec';
import {
  CC_EVENTS_DROPPED, CC_EVENTS_SENT, C_COUNTERS, C_EV_HEAD, EV_BYTES, L_PAIRS, NONE, ROT_QUAT, ROT_YAW, X_EVENTS,
  X_EVENT_PAYLOAD, bump,
} from './layout';
import { t_ctx, t_hasVel, t_lanePtr, t_posShift, t_quatBits, t_rotMode, t_velShift, t_yawBits } from './state';

let m_prevAge: u32 = 0;
let m_ox: i32 = 0;
let m_oy: i32 = 0;
let m_oz: i32 = 0;

/** A new message: its first delta states its baseline's age in full. */
export function records_begin(): void {
  m_prevAge = 0;
}

/** The reference cell's origin (wire units) full records and events are written from. */
export function set_origin(x: i32, y: i32, z: i32): void {
  m_ox = x;
  m_oy = y;
  m_oz = z;
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
export function write_full(rec: usize): void {
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
export function write_delta(rec: usize, base: usize, age: u32, dt: u32): void {
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
export function patch(buf: usize, pos: u64, v: u32, n: u32): void {
  const at = buf + <usize>(pos >> 3);
  const shift = pos & 7;
  const mask = ((<u64>1 << <u64>n) - 1) << shift;
  store<u64>(at, (load<u64>(at) & ~mask) | ((<u64>v << shift) & mask));
}

export function write_events(block: usize, capBits: u64): u32 {
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
