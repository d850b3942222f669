// Ray against circle on the ground plane, in Q16.16 with 64-bit intermediates: the hit test of
// projectiles (one segment per tick, so nothing tunnels however fast it flies) and of
// lag-compensated hitscan shots. Integer only, so every engine returns the same answer.
//
// The ray is P + s U with U a unit vector (Q16, |U| within a few ulps of 1) and s in [0, len].
// With f = P - C, |f + s U|^2 = r^2 is a s^2 + 2 b s + c = 0 where a = U.U, b = f.U,
// c = f.f - r^2; the entry point is s = (-b - sqrt(b^2 - a c)) / a. Products are formed in
// i64 and scaled back to Q16 before squaring (b^2 and a c stay below 2^56) after a box test
// that bounds |f| by len + r, so rays up to 4 km never overflow.

import { isqrt_round_u64 } from '../fixed';

// Longest ray the test accepts (Q16): 4 km, far beyond any weapon range; keeps b^2 < 2^56.
export const RAY_MAX_LENGTH: i32 = 4096 << 16;

// Distance along the ray (Q16 m) at which it enters the circle, or -1 for a miss. A ray that
// starts inside the circle hits at 0.
// @ts-ignore: decorator
@inline
export function ray_circle(px: i32, py: i32, ux: i32, uy: i32, len: i32, cx: i32, cy: i32, r: i32): i32 {
  const fx = <i64>px - <i64>cx;
  const fy = <i64>py - <i64>cy;
  const reach = <i64>len + <i64>r;
  if (fx > reach || -fx > reach || fy > reach || -fy > reach) return -1;
  const c = (fx * fx + fy * fy - <i64>r * <i64>r) >> 16;
  if (c <= 0) return 0;
  const b = (fx * <i64>ux + fy * <i64>uy) >> 16;
  if (b >= 0) return -1; // starts outside and points away
  const a = (<i64>ux * <i64>ux + <i64>uy * <i64>uy) >> 16;
  const disc = b * b - a * c;
  if (disc < 0) return -1;
  const num = -b - <i64>isqrt_round_u64(<u64>disc);
  if (num < 0) return 0;
  const s = (num << 16) / a;
  return select<i32>(<i32>s, -1, s <= <i64>len);
}
