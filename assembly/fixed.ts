// Q16.16 fixed-point arithmetic: the number format of all deterministic simulation state.
//
// A value v is stored as the i32 round(v * 65536): 16 integer bits (about ±32768 m) and 16
// fraction bits (about 15 µm). Integer arithmetic is bit-identical on every WebAssembly engine,
// which is what lets the server and the browser run the same simulation.
//
// Defined results (the TypeScript mirror in src/core/fixed.ts reproduces them bit for bit):
// | operation        | rounding                          | overflow / domain                      |
// |------------------|-----------------------------------|----------------------------------------|
// | fx_add, fx_sub   | exact                             | saturates to [FX_MIN, FX_MAX]          |
// | fx_mul           | nearest, ties toward +infinity    | saturates                              |
// | fx_div           | nearest, ties toward +infinity    | saturates; x/0 = FX_MAX, FX_MIN or 0   |
// |                  |                                   | by the sign of x                       |
// | fx_sqrt          | nearest (ties cannot occur)       | x <= 0 gives 0                         |
// | fx_sin, fx_cos   | nearest of a Q30 evaluation       | any angle; result in [-1, 1]           |
// | fx_atan2         | nearest of a Q30 evaluation       | atan2(0, 0) = 0; result in [-pi, pi]   |
//
// Trigonometry reduces the angle to a 32-bit binary phase (2^32 = one turn), evaluates a Taylor
// polynomial in Q30 on a quarter turn (sin) or on |t| <= tan(pi/8) (atan), then rounds to Q16.

export const FX_ONE: i32 = 65536;
export const FX_HALF: i32 = 32768;
export const FX_MAX: i32 = i32.MAX_VALUE;
export const FX_MIN: i32 = i32.MIN_VALUE;
export const FX_PI: i32 = 205887; // round(pi * 2^16)
export const FX_HALF_PI: i32 = 102944; // round(pi / 2 * 2^16)
export const FX_TWO_PI: i32 = 411775; // round(2 pi * 2^16)

// 2^32 / (2 pi), rounded: turns a Q16 angle into a 32-bit phase after a 16-bit shift.
const INV_TWO_PI_Q32: i64 = 683565276;
const ONE_Q30: i64 = 1073741824;
const PI_Q30: i64 = 3373259426;
const HALF_PI_Q30: i64 = 1686629713;
const QUARTER_PI_Q30: i64 = 843314857;
const TAN_PI_8_Q30: i64 = 444758426;

// sin(pi/2 * u) = sum of S_k u^k for odd k (Taylor series of sin at pi/2 * u), Q30.
// The first omitted term is below 7e-10 on u in [0, 1].
const S1: i64 = 1686629713;
const S3: i64 = -693598668;
const S5: i64 = 85569306;
const S7: i64 = -5026995;
const S9: i64 = 172272;
const S11: i64 = -3864;
const S13: i64 = 61;

// atan(t) = t - t^3/3 + t^5/5 - ..., Q30; the first omitted term is below 3e-9 on |t| <= tan(pi/8).
const A1: i64 = 1073741824;
const A3: i64 = -357913941;
const A5: i64 = 214748365;
const A7: i64 = -153391689;
const A9: i64 = 119304647;
const A11: i64 = -97612893;
const A13: i64 = 82595525;
const A15: i64 = -71582788;
const A17: i64 = 63161284;

// @ts-ignore: decorator
@inline
export function fx_saturate(v: i64): i32 {
  const hi = select<i64>(<i64>FX_MAX, v, v > <i64>FX_MAX);
  return <i32>select<i64>(<i64>FX_MIN, hi, hi < <i64>FX_MIN);
}

// Q32 (a product of two Q16 numbers) to Q16, nearest with ties toward +infinity, saturated.
// @ts-ignore: decorator
@inline
export function fx_round_q32(p: i64): i32 {
  return fx_saturate((p + 0x8000) >> 16);
}

// Q30 to Q16, nearest with ties toward +infinity (callers stay far inside the i32 range).
// @ts-ignore: decorator
@inline
function q30_to_q16(v: i64): i32 {
  return <i32>((v + 0x2000) >> 14);
}

// @ts-ignore: decorator
@inline
export function fx_add(a: i32, b: i32): i32 {
  return fx_saturate(<i64>a + <i64>b);
}

// @ts-ignore: decorator
@inline
export function fx_sub(a: i32, b: i32): i32 {
  return fx_saturate(<i64>a - <i64>b);
}

// @ts-ignore: decorator
@inline
export function fx_mul(a: i32, b: i32): i32 {
  return fx_round_q32(<i64>a * <i64>b);
}

// floor(n / d) for d > 0 (i64 division truncates toward zero).
// @ts-ignore: decorator
@inline
function floor_div(n: i64, d: i64): i64 {
  return select<i64>((n - d + 1) / d, n / d, n < 0);
}

export function fx_div(a: i32, b: i32): i32 {
  if (b == 0) return select<i32>(FX_MAX, select<i32>(FX_MIN, 0, a < 0), a > 0);
  let num = <i64>a << 16;
  let den = <i64>b;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  // round(num / den) with ties up = floor((2 num + den) / (2 den)); |2 num| <= 2^48, no overflow.
  return fx_saturate(floor_div((num << 1) + den, den << 1));
}

// Nearest integer square root of n (n < 2^64 as unsigned); exact by integer correction of the
// f64 estimate, so the result never depends on the engine's sqrt beyond IEEE rounding.
export function isqrt_round_u64(n: u64): u64 {
  if (n == 0) return 0;
  let r = <u64>Math.sqrt(<f64>n);
  if (r > 0xFFFFFFFF) r = 0xFFFFFFFF;
  while (r * r > n) r--;
  while (r < 0xFFFFFFFF && (r + 1) * (r + 1) <= n) r++;
  // n - r^2 > r  <=>  n > (r + 1/2)^2 - 1/4, and n is an integer, so this is round-to-nearest.
  return select<u64>(r + 1, r, n - r * r > r);
}

export function fx_sqrt(a: i32): i32 {
  if (a <= 0) return 0;
  return <i32>isqrt_round_u64(<u64>a << 16);
}

// sin(pi/2 * u) for u in [0, 1] (Q30 in, Q30 out).
// @ts-ignore: decorator
@inline
function sin_quarter_q30(u: i64): i64 {
  const u2 = (u * u) >> 30;
  let s = S13;
  s = S11 + ((s * u2) >> 30);
  s = S9 + ((s * u2) >> 30);
  s = S7 + ((s * u2) >> 30);
  s = S5 + ((s * u2) >> 30);
  s = S3 + ((s * u2) >> 30);
  s = S1 + ((s * u2) >> 30);
  return (s * u) >> 30;
}

// The angle (Q16 radians) as a binary phase: one turn = 2^32, wrapping modulo a turn.
// @ts-ignore: decorator
@inline
function phase_of(a: i32): u32 {
  return <u32>((<i64>a * INV_TWO_PI_Q32 + 0x8000) >> 16);
}

// sin of a 32-bit phase, as a Q16 value in [-1, 1].
function sin_phase(phase: u32): i32 {
  const quadrant = phase >> 30;
  const frac = <i64>(phase & 0x3FFFFFFF);
  const u = select<i64>(ONE_Q30 - frac, frac, (quadrant & 1) != 0);
  const magnitude = q30_to_q16(sin_quarter_q30(u));
  return select<i32>(-magnitude, magnitude, quadrant >= 2);
}

export function fx_sin(a: i32): i32 {
  return sin_phase(phase_of(a));
}

export function fx_cos(a: i32): i32 {
  return sin_phase(phase_of(a) + 0x40000000);
}

// atan(t) for |t| <= tan(pi/8) (Q30 in, Q30 out).
// @ts-ignore: decorator
@inline
function atan_small_q30(t: i64): i64 {
  const t2 = (t * t) >> 30;
  let s = A17;
  s = A15 + ((s * t2) >> 30);
  s = A13 + ((s * t2) >> 30);
  s = A11 + ((s * t2) >> 30);
  s = A9 + ((s * t2) >> 30);
  s = A7 + ((s * t2) >> 30);
  s = A5 + ((s * t2) >> 30);
  s = A3 + ((s * t2) >> 30);
  s = A1 + ((s * t2) >> 30);
  return (s * t) >> 30;
}

export function fx_atan2(y: i32, x: i32): i32 {
  if (x == 0 && y == 0) return 0;
  const ax = select<i64>(-<i64>x, <i64>x, x < 0);
  const ay = select<i64>(-<i64>y, <i64>y, y < 0);
  const steep = ay > ax;
  const num = select<i64>(ax, ay, steep);
  const den = select<i64>(ay, ax, steep);
  // t = num / den in [0, 1], Q30; num < 2^31 so num << 30 < 2^61.
  const t = (num << 30) / den;
  let angle: i64;
  if (t > TAN_PI_8_Q30) {
    // atan(t) = pi/4 + atan((t - 1) / (t + 1)) brings the argument into |t'| <= tan(pi/8).
    angle = QUARTER_PI_Q30 + atan_small_q30(((t - ONE_Q30) << 30) / (t + ONE_Q30));
  } else {
    angle = atan_small_q30(t);
  }
  if (steep) angle = HALF_PI_Q30 - angle;
  if (x < 0) angle = PI_Q30 - angle;
  const magnitude = q30_to_q16(angle);
  return select<i32>(-magnitude, magnitude, y < 0);
}

// Wraps a Q16 angle into [-FX_PI, FX_TWO_PI - FX_PI - 1] = [-pi, pi] (the Q16 constants round
// differently, so both ends are reachable) so headings that accumulate turns never overflow.
export function fx_wrap_angle(a: i32): i32 {
  let r = (<i64>a + <i64>FX_PI) % <i64>FX_TWO_PI;
  if (r < 0) r += <i64>FX_TWO_PI;
  return <i32>(r - <i64>FX_PI);
}

// ---- Batch kernels over Q16 arrays (SoA columns); used by transforms and the `fixed` bench ----

export function fx_mul_batch(aPtr: usize, bPtr: usize, outPtr: usize, count: u32): void {
  for (let i: u32 = 0; i < count; i++) {
    const off: usize = <usize>i << 2;
    store<i32>(outPtr + off, fx_mul(load<i32>(aPtr + off), load<i32>(bPtr + off)));
  }
}

export function fx_sqrt_batch(aPtr: usize, outPtr: usize, count: u32): void {
  for (let i: u32 = 0; i < count; i++) {
    const off: usize = <usize>i << 2;
    store<i32>(outPtr + off, fx_sqrt(load<i32>(aPtr + off)));
  }
}

export function fx_sin_batch(aPtr: usize, outPtr: usize, count: u32): void {
  for (let i: u32 = 0; i < count; i++) {
    const off: usize = <usize>i << 2;
    store<i32>(outPtr + off, fx_sin(load<i32>(aPtr + off)));
  }
}
