// Phase A of a tick, split over lanes by slot range: one sequential pass over the source
// columns that refreshes every replicated slot's world record (layout.ts), notes which slots
// died or were reused since the last tick (the record's life word changed; their last position
// goes on the lifecycle list before a reuse overwrites it) and lists the fast bodies (speed
// above the fast threshold) for the trajectory pass.

import { quant_yaw, quat_pack } from '../codec/quantize';
import {
  DEAD_BYTES, FAST_NEW, L_COUNTERS, L_DEAD, L_DEAD_CAP, L_DEAD_COUNT, L_FAST, L_FAST_CAP, L_FAST_COUNT, LC_DEAD_OVERFLOW,
  LC_FAST_OVERFLOW, ROT_QUAT, ROT_YAW, W_BYTES, W_HP, W_LIFE, W_ROT, W_STATE, X_SRC_COUNT, bump,
} from './layout';
import {
  t_capacity, t_ctx, t_fastSq, t_flags, t_gen, t_hasVel, t_hp, t_lane, t_lanePtr, t_lanes, t_mask, t_px, t_py, t_pz,
  t_quat, t_quatBits, t_rotMode, t_state, t_vx, t_vy, t_vz, t_world, t_yaw,
} from './state';

export function world_pass(): void {
  const count = min<u32>(load<u32>(t_ctx + X_SRC_COUNT), t_capacity);
  const from = <u32>(<u64>count * <u64>t_lane / <u64>t_lanes);
  const to = <u32>(<u64>count * <u64>(t_lane + 1) / <u64>t_lanes);
  const L = t_lanePtr;
  const fast = <usize>load<u32>(L + L_FAST);
  const fastCap = load<u32>(L + L_FAST_CAP);
  const dead = <usize>load<u32>(L + L_DEAD);
  const deadCap = load<u32>(L + L_DEAD_CAP);
  let nFast: u32 = 0;
  let nDead: u32 = 0;
  const mask = t_mask;
  const hasGen = t_gen != 0;
  const yawCol = t_rotMode == ROT_YAW ? t_yaw : 0;
  const quat = t_rotMode == ROT_QUAT;
  const qx = <usize>load<u32>(t_quat), qy = <usize>load<u32>(t_quat, 4);
  const qz = <usize>load<u32>(t_quat, 8), qw = <usize>load<u32>(t_quat, 12);
  const quatBits = t_quatBits;
  for (let slot = from; slot < to; slot++) {
    const off = <usize>slot << 2;
    const w = t_world + <usize>slot * W_BYTES;
    const alive = (load<u32>(t_flags + off) & mask) == mask;
    const gen = hasGen ? load<u32>(t_gen + off) & 0xfff : 0;
    const life = alive ? (gen << 1) | 1 : 0;
    const old = load<u32>(w, W_LIFE);
    const born = old != life;
    if (born) {
      if (old != 0) {
        if (nDead < deadCap) {
          const d = dead + <usize>(nDead++) * DEAD_BYTES;
          store<u32>(d, slot);
          store<i32>(d, load<i32>(w), 4);
          store<i32>(d, load<i32>(w, 4), 8);
          store<u32>(d, slot | (((old >> 1) & 0xfff) << 20), 12);
        } else {
          bump(L + L_COUNTERS, LC_DEAD_OVERFLOW, 1);
        }
      }
      store<u32>(w, life, W_LIFE);
    }
    if (!alive) continue;
    store<i32>(w, load<i32>(t_px + off));
    store<i32>(w, load<i32>(t_py + off), 4);
    store<i32>(w, load<i32>(t_pz + off), 8);
    if (t_hasVel) {
      const vx = load<i32>(t_vx + off), vy = load<i32>(t_vy + off), vz = load<i32>(t_vz + off);
      store<i32>(w, vx, 12);
      store<i32>(w, vy, 16);
      store<i32>(w, vz, 20);
      const fx = <f64>vx, fy = <f64>vy, fz = <f64>vz;
      if (fx * fx + fy * fy + fz * fz > t_fastSq) {
        if (nFast < fastCap) store<u32>(fast + (<usize>(nFast++) << 2), slot | select<u32>(FAST_NEW, 0, born));
        else bump(L + L_COUNTERS, LC_FAST_OVERFLOW, 1);
      }
    }
    let rot: u32 = 0;
    if (yawCol != 0) rot = load<u32>(yawCol + off);
    else if (quat) {
      rot = quat_pack(<f64>load<i32>(qx + off), <f64>load<i32>(qy + off), <f64>load<i32>(qz + off), <f64>load<i32>(qw + off), quatBits);
    }
    store<u32>(w, rot, W_ROT);
    store<i32>(w, t_hp != 0 ? load<i32>(t_hp + off) : 0, W_HP);
    store<u32>(w, t_state != 0 ? load<u32>(t_state + off) : 0, W_STATE);
  }
  store<u32>(L + L_FAST_COUNT, nFast);
  store<u32>(L + L_DEAD_COUNT, nDead);
}

/** The wire record of slot (quantised from its world record) into rec (REC_BYTES). */
export function quantise(slot: u32, rec: usize, posShift: u32, velShift: u32, yawBits: u32): void {
  const w = t_world + <usize>slot * W_BYTES;
  store<i32>(rec, load<i32>(w) >> posShift);
  store<i32>(rec, load<i32>(w, 4) >> posShift, 4);
  store<i32>(rec, load<i32>(w, 8) >> posShift, 8);
  store<i32>(rec, load<i32>(w, 12) >> velShift, 12);
  store<i32>(rec, load<i32>(w, 16) >> velShift, 16);
  store<i32>(rec, load<i32>(w, 20) >> velShift, 20);
  const raw = load<u32>(w, W_ROT);
  store<u32>(rec, t_rotMode == ROT_YAW ? quant_yaw(<i32>raw, yawBits) : raw, 24);
  store<i32>(rec, load<i32>(w, W_HP), 28);
  store<u32>(rec, load<u32>(w, W_STATE), 32);
}

