// Per-instance copies of the context fields a lane reads for every entry, loaded once per tick
// by tick_begin (each WebAssembly instance — main thread or worker — has its own globals, so a
// lane never sees another lane's values).

import {
  LANE_BYTES, X_ALIVE_MASK, X_DISCOVERY, X_FAST_BANDS, X_FAST_FORWARD, X_FAST_LATERAL, X_FAST_PERIOD,
  X_FAST_RATE, X_FAST_SPEED, X_FEATURES, X_HANDLE_BITS, X_HP, X_IMPORTANCE, X_INCLUDE_SELF, X_INTER_HALF_LIFE,
  X_LANES, X_LANE_TABLE, X_LEAVE_RESEND, X_MAX_CLIENTS, X_MAX_SNAPSHOT, X_NET_MULT, X_POS, X_POS_SHIFT,
  X_QUAT, X_QUAT_BITS, X_ROT_MODE, X_RTT, X_RTT_LIMITS, X_WORLD, X_SPEED_SAT, X_SRC_CAPACITY, X_SRC_FLAGS,
  X_SRC_GEN, X_STATE, X_TICK, X_TICK_MS, X_VEL, X_VEL_SHIFT, X_VIEW_CAP, X_WEIGHTS, X_YAW, X_YAW_BITS,
  X_ZONE_PERIOD, X_CELL_SHIFT, FEATURE_VELOCITY,
} from './layout';

export let t_ctx: usize = 0;
export let t_tick: u32 = 0;
export let t_V: u32 = 0;
export let t_hb: u32 = 0;
export let t_lanes: u32 = 1;
export let t_lane: u32 = 0;
export let t_lanePtr: usize = 0;
export let t_maxClients: u32 = 0;
export let t_capacity: u32 = 0;
export let t_px: usize = 0;
export let t_py: usize = 0;
export let t_pz: usize = 0;
export let t_vx: usize = 0;
export let t_vy: usize = 0;
export let t_vz: usize = 0;
export let t_hasVel: bool = false;
export let t_flags: usize = 0;
export let t_mask: u32 = 0;
export let t_gen: usize = 0;
export let t_yaw: usize = 0;
export let t_quat: usize = 0;
export let t_hp: usize = 0;
export let t_state: usize = 0;
export let t_importance: usize = 0;
export let t_rotMode: u32 = 0;
export let t_posShift: u32 = 9;
export let t_velShift: u32 = 4;
export let t_yawBits: u32 = 12;
export let t_quatBits: u32 = 10;
export let t_cellShift: u32 = 13;
export let t_world: usize = 0;
export let t_discovery: u32 = 1;
export let t_includeSelf: bool = true;
export let t_maxSnapshot: u32 = 0;
export let t_fastSq: f64 = 0;
export let t_speedSat: f64 = 1;
export let t_fastPeriod: u32 = 2;
export let t_halfLife: f64 = 120;
export let t_resend: u32 = 4;
export let t_tickMs: f64 = 16.7;
export let t_rtt: usize = 0;
export let t_w0: f64 = 0.4;
export let t_w1: f64 = 0.2;
export let t_w2: f64 = 0.25;
export let t_w3: f64 = 0.1;
export let t_w4: f64 = 0.05;
/** Round-trip class of the client being worked on (0 excellent .. 3 poor). */
export let t_rttClass: u32 = 0;

export function tick_begin(ctx: usize, lane: u32): void {
  t_ctx = ctx;
  t_tick = load<u32>(ctx + X_TICK);
  t_V = load<u32>(ctx + X_VIEW_CAP);
  t_hb = load<u32>(ctx + X_HANDLE_BITS);
  t_lanes = load<u32>(ctx + X_LANES);
  t_lane = lane;
  t_lanePtr = <usize>load<u32>(ctx + X_LANE_TABLE) + <usize>lane * <usize>LANE_BYTES;
  t_maxClients = load<u32>(ctx + X_MAX_CLIENTS);
  t_capacity = load<u32>(ctx + X_SRC_CAPACITY);
  t_px = <usize>load<u32>(ctx + X_POS);
  t_py = <usize>load<u32>(ctx + X_POS, 4);
  t_pz = <usize>load<u32>(ctx + X_POS, 8);
  t_vx = <usize>load<u32>(ctx + X_VEL);
  t_vy = <usize>load<u32>(ctx + X_VEL, 4);
  t_vz = <usize>load<u32>(ctx + X_VEL, 8);
  t_hasVel = (load<u32>(ctx + X_FEATURES) & FEATURE_VELOCITY) != 0;
  t_flags = <usize>load<u32>(ctx + X_SRC_FLAGS);
  t_mask = load<u32>(ctx + X_ALIVE_MASK);
  t_gen = <usize>load<u32>(ctx + X_SRC_GEN);
  t_yaw = <usize>load<u32>(ctx + X_YAW);
  t_quat = ctx + X_QUAT;
  t_hp = <usize>load<u32>(ctx + X_HP);
  t_state = <usize>load<u32>(ctx + X_STATE);
  t_importance = <usize>load<u32>(ctx + X_IMPORTANCE);
  t_rotMode = load<u32>(ctx + X_ROT_MODE);
  t_posShift = load<u32>(ctx + X_POS_SHIFT);
  t_velShift = load<u32>(ctx + X_VEL_SHIFT);
  t_yawBits = load<u32>(ctx + X_YAW_BITS);
  t_quatBits = load<u32>(ctx + X_QUAT_BITS);
  t_cellShift = load<u32>(ctx + X_CELL_SHIFT);
  t_world = <usize>load<u32>(ctx + X_WORLD);
  t_discovery = max<u32>(1, load<u32>(ctx + X_DISCOVERY));
  t_includeSelf = load<u32>(ctx + X_INCLUDE_SELF) != 0;
  t_maxSnapshot = load<u32>(ctx + X_MAX_SNAPSHOT);
  const fast = load<f64>(ctx + X_FAST_SPEED);
  t_fastSq = fast * fast;
  t_speedSat = max<f64>(load<f64>(ctx + X_SPEED_SAT), 1e-9);
  t_fastPeriod = max<u32>(1, load<u32>(ctx + X_FAST_PERIOD));
  t_halfLife = <f64>max<u32>(1, load<u32>(ctx + X_INTER_HALF_LIFE));
  t_resend = max<u32>(1, load<u32>(ctx + X_LEAVE_RESEND));
  t_tickMs = <f64>load<f32>(ctx + X_TICK_MS);
  t_rtt = <usize>load<u32>(ctx + X_RTT);
  t_w0 = load<f64>(ctx + X_WEIGHTS);
  t_w1 = load<f64>(ctx + X_WEIGHTS, 8);
  t_w2 = load<f64>(ctx + X_WEIGHTS, 16);
  t_w3 = load<f64>(ctx + X_WEIGHTS, 24);
  t_w4 = load<f64>(ctx + X_WEIGHTS, 32);
  t_pclass = 0xffffffff;
}

/** Round trip of the client being worked on, whole ticks. */
export let t_rttTicks: u32 = 0;

// Zone periods of the round-trip class t_pclass (NONE: not computed yet this tick).
let t_pclass: u32 = 0xffffffff;
let t_p0: u32 = 1;
let t_p1: u32 = 1;
let t_p2: u32 = 1;
let t_p3: u32 = 1;

/** Sets t_rttClass and t_rttTicks for client c from the round-trip input column. */
export function rtt_class_of(c: u32): void {
  const rtt = load<f32>(t_rtt + (<usize>c << 2));
  t_rttTicks = <u32>Math.ceil(<f64>rtt / max<f64>(t_tickMs, 1e-3));
  const limits = t_ctx + X_RTT_LIMITS;
  t_rttClass = rtt < load<f32>(limits) ? 0 : rtt < load<f32>(limits, 4) ? 1 : rtt < load<f32>(limits, 8) ? 2 : 3;
  if (t_rttClass != t_pclass) {
    t_pclass = t_rttClass;
    t_p0 = period_of(0);
    t_p1 = period_of(1);
    t_p2 = period_of(2);
    t_p3 = period_of(3);
  }
}

function period_of(zone: u32): u32 {
  const base = <f64>load<u32>(t_ctx + X_ZONE_PERIOD + (<usize>zone << 2));
  const mult = <f64>load<f32>(t_ctx + X_NET_MULT + (<usize>(t_rttClass * 4 + zone) << 2));
  return <u32>max<f64>(1.0, Math.ceil(base / max<f64>(mult, 0.001)));
}

/** Effective period of `zone` for the current client (ticks, >= 1). */
// @ts-ignore: decorator
@inline
export function zone_period(zone: u32): u32 {
  return zone == 0 ? t_p0 : zone == 1 ? t_p1 : zone == 2 ? t_p2 : t_p3;
}

/** Fast band of a squared speed (Q16 per tick): 0 = not fast, 1..3. */
export function fast_band(speed2: f64): u32 {
  if (speed2 <= t_fastSq) return 0;
  const bands = t_ctx + X_FAST_BANDS;
  const s = Math.sqrt(speed2);
  if (s < load<f64>(bands, 8)) return 1;
  if (s < load<f64>(bands, 16)) return 2;
  return 3;
}

/** Ticks of trajectory projection for a fast body of `band`. */
// @ts-ignore: decorator
@inline
export function fast_horizon(band: u32): f64 {
  return <f64>t_discovery * load<f64>(t_ctx + X_FAST_FORWARD + (<usize>band << 3));
}

// @ts-ignore: decorator
@inline
export function fast_lateral(band: u32): f64 {
  return load<f64>(t_ctx + X_FAST_LATERAL + (<usize>band << 3));
}

/** Period of a fast body: the zone's, shortened by its band's rate multiplier and capped. */
export function fast_period(period: u32, band: u32): u32 {
  const rate = load<f64>(t_ctx + X_FAST_RATE + (<usize>band << 3));
  const p = <u32>max<f64>(1.0, Math.floor(<f64>period / max<f64>(rate, 0.001)));
  return min<u32>(p, t_fastPeriod);
}
