// 3D vectors of Q16.16 components, stored as three consecutive i32 (x at +0, y at +4, z at +8).
//
// Every function reads its operands before it writes, so `out` may alias `a` or `b`.
// Components saturate to the Q16 range like the scalar ops in fixed.ts; sums of products
// (dot, cross) are formed exactly in 64 bits and rounded once, ties toward +infinity.

import { fx_add, fx_sub, fx_mul, fx_div, fx_saturate, isqrt_round_u64 } from './fixed';

// Rounds the exact sum of three Q32 products to Q16. Each product is at most 2^62 in magnitude,
// so the sum could overflow i64; splitting into high parts (>> 16, at most 2^46) and low 16-bit
// remainders keeps it exact: sum = sum(hi) * 2^16 + sum(lo).
// @ts-ignore: decorator
@inline
function round_sum3_q32(p0: i64, p1: i64, p2: i64): i32 {
  const hi = (p0 >> 16) + (p1 >> 16) + (p2 >> 16);
  const lo = (p0 & 0xFFFF) + (p1 & 0xFFFF) + (p2 & 0xFFFF);
  return fx_saturate(hi + ((lo + 0x8000) >> 16));
}

// @ts-ignore: decorator
@inline
function prod(a: i32, b: i32): i64 {
  return <i64>a * <i64>b;
}

export function vec3_set(out: usize, x: i32, y: i32, z: i32): void {
  store<i32>(out, x, 0);
  store<i32>(out, y, 4);
  store<i32>(out, z, 8);
}

export function vec3_add(out: usize, a: usize, b: usize): void {
  const x = fx_add(load<i32>(a, 0), load<i32>(b, 0));
  const y = fx_add(load<i32>(a, 4), load<i32>(b, 4));
  const z = fx_add(load<i32>(a, 8), load<i32>(b, 8));
  vec3_set(out, x, y, z);
}

export function vec3_sub(out: usize, a: usize, b: usize): void {
  const x = fx_sub(load<i32>(a, 0), load<i32>(b, 0));
  const y = fx_sub(load<i32>(a, 4), load<i32>(b, 4));
  const z = fx_sub(load<i32>(a, 8), load<i32>(b, 8));
  vec3_set(out, x, y, z);
}

export function vec3_scale(out: usize, a: usize, s: i32): void {
  const x = fx_mul(load<i32>(a, 0), s);
  const y = fx_mul(load<i32>(a, 4), s);
  const z = fx_mul(load<i32>(a, 8), s);
  vec3_set(out, x, y, z);
}

export function vec3_dot(a: usize, b: usize): i32 {
  return round_sum3_q32(
    prod(load<i32>(a, 0), load<i32>(b, 0)),
    prod(load<i32>(a, 4), load<i32>(b, 4)),
    prod(load<i32>(a, 8), load<i32>(b, 8)),
  );
}

export function vec3_cross(out: usize, a: usize, b: usize): void {
  const ax = load<i32>(a, 0), ay = load<i32>(a, 4), az = load<i32>(a, 8);
  const bx = load<i32>(b, 0), by = load<i32>(b, 4), bz = load<i32>(b, 8);
  const x = round_sum3_q32(prod(ay, bz), -prod(az, by), 0);
  const y = round_sum3_q32(prod(az, bx), -prod(ax, bz), 0);
  const z = round_sum3_q32(prod(ax, by), -prod(ay, bx), 0);
  vec3_set(out, x, y, z);
}

// |(x, y, z)| in Q16: the squares are Q32 and at most 2^62 each, so their sum fits u64 and its
// square root is already Q16. Saturates above FX_MAX (only for vectors longer than 32768 m).
// @ts-ignore: decorator
@inline
function length_of(x: i32, y: i32, z: i32): i32 {
  const s = <u64>prod(x, x) + <u64>prod(y, y) + <u64>prod(z, z);
  return fx_saturate(<i64>isqrt_round_u64(s));
}

export function vec3_length(a: usize): i32 {
  return length_of(load<i32>(a, 0), load<i32>(a, 4), load<i32>(a, 8));
}

// Distance between two points; the difference saturates per component first (documented limit:
// points more than 32768 m apart along one axis report a clamped distance).
export function vec3_distance(a: usize, b: usize): i32 {
  return length_of(
    fx_sub(load<i32>(b, 0), load<i32>(a, 0)),
    fx_sub(load<i32>(b, 4), load<i32>(a, 4)),
    fx_sub(load<i32>(b, 8), load<i32>(a, 8)),
  );
}

// Unit vector in the direction of a; the zero vector normalises to zero.
export function vec3_normalize(out: usize, a: usize): void {
  const x = load<i32>(a, 0), y = load<i32>(a, 4), z = load<i32>(a, 8);
  const len = length_of(x, y, z);
  if (len == 0) {
    vec3_set(out, 0, 0, 0);
    return;
  }
  vec3_set(out, fx_div(x, len), fx_div(y, len), fx_div(z, len));
}

// a + (b - a) * t, with t in Q16 (0 gives a, 1.0 gives b).
export function vec3_lerp(out: usize, a: usize, b: usize, t: i32): void {
  const ax = load<i32>(a, 0), ay = load<i32>(a, 4), az = load<i32>(a, 8);
  const x = fx_add(ax, fx_mul(fx_sub(load<i32>(b, 0), ax), t));
  const y = fx_add(ay, fx_mul(fx_sub(load<i32>(b, 4), ay), t));
  const z = fx_add(az, fx_mul(fx_sub(load<i32>(b, 8), az), t));
  vec3_set(out, x, y, z);
}
