// Quantisation of replicated state: what the wire carries instead of Q16.16.
//
// | quantity    | wire unit                                   | default                        |
// |-------------|---------------------------------------------|--------------------------------|
// | position    | Q16 >> posShift (floor)                     | posShift 9: 1/128 m (7.8 mm)   |
// | velocity    | Q16 per tick >> velShift (floor)            | velShift 4: 1/4096 m per tick  |
// | yaw         | round(yaw / 2 pi * 2^yawBits) mod 2^yawBits | 12 bits: 0.088 degrees         |
// | quaternion  | smallest three: 2-bit index of the largest  | 10 bits per component:         |
// |             | component, the other three in [-1/sqrt 2,   |   32 bits in all               |
// |             | 1/sqrt 2] on `bits` each (symmetric: 0 is   |                                |
// |             | exact), sign made positive                  |                                |
// The encoder predicts a position as baseline + velocity * ticks (see predict) so a body moving
// in a straight line costs a few bits however far it has gone; both ends run this same code.

const TWO_PI: f64 = 6.283185307179586;
const INV_SQRT2: f64 = 0.7071067811865476;
const Q16: f64 = 65536.0;

/** Predicted position (wire units) from a baseline position and velocity `dt` ticks later. */
// @ts-ignore: decorator
@inline
export function predict(basePos: i32, baseVel: i32, dt: u32, shiftDiff: u32): i32 {
  const step = <i64>baseVel * <i64>dt;
  const rounded = shiftDiff == 0 ? step : (step + (<i64>1 << <i64>(shiftDiff - 1))) >> <i64>shiftDiff;
  return <i32>(<i64>basePos + rounded);
}

/**
 * Q16 radians to a yaw code of `bits` bits: round(yaw / 2 pi * 2^bits) mod 2^bits. The angle is
 * offset by 8192 turns (beyond any Q16 angle: 32768 rad is 5215 turns) so that truncating a
 * positive number rounds it, without a floor call.
 */
// @ts-ignore: decorator
@inline
export function quant_yaw(yawQ16: i32, bits: u32): u32 {
  const steps = <f64>(<u32>1 << bits);
  const t = <f64>yawQ16 * (steps / (Q16 * TWO_PI)) + steps * 8192.0 + 0.5;
  return <u32>(<i64>t) & ((<u32>1 << bits) - 1);
}

/** A yaw code back to radians in [-pi, pi). */
export function dequant_yaw(code: u32, bits: u32): f64 {
  const half = <u32>1 << (bits - 1);
  const signed = <i32>code - select<i32>(<i32>(<u32>1 << bits), 0, code >= half);
  return <f64>signed * TWO_PI / <f64>(<u32>1 << bits);
}

// A component c in [-1/sqrt 2, 1/sqrt 2] is coded as half + round(c / (1/sqrt 2) * half), with
// half = 2^(bits-1) - 1: symmetric, so 0 (and the identity rotation) is exact.
// @ts-ignore: decorator
@inline
function quant_component(c: f64, bits: u32): u32 {
  const half = <f64>((<u32>1 << (bits - 1)) - 1);
  const t = min<f64>(max<f64>(c / INV_SQRT2, -1.0), 1.0);
  return <u32>(<i32>Math.floor(t * half + 0.5) + <i32>half);
}

// @ts-ignore: decorator
@inline
function dequant_component(q: u32, bits: u32): f64 {
  const half = <f64>((<u32>1 << (bits - 1)) - 1);
  return (<f64>q - half) / half * INV_SQRT2;
}

// @ts-ignore: decorator
@inline
function identity_code(bits: u32): u32 {
  const half = (<u32>1 << (bits - 1)) - 1;
  return 3 | (half << 2) | (half << (2 + bits)) | (half << (2 + 2 * bits));
}

/**
 * Smallest-three packing of the quaternion (x, y, z, w) (any scale; it is normalised first):
 * bits 0..1 the index of the largest |component| (0 x .. 3 w), then the other three in order,
 * `bits` each (2..10). q and -q are the same rotation, so the largest is made positive and
 * need not be sent. A zero quaternion packs as the identity.
 * Clamping 1.0 can shrink a unit quaternion's largest component below another after rounding;
 * the code is what travels, so both ends agree whatever its unpacked value.
 */
export function quat_pack(x: f64, y: f64, z: f64, w: f64, bits: u32): u32 {
  const n = Math.sqrt(x * x + y * y + z * z + w * w);
  if (!(n > 1e-12)) return identity_code(bits);
  let c0 = x / n, c1 = y / n, c2 = z / n, c3 = w / n;
  let largest: u32 = 0;
  let best = abs<f64>(c0);
  if (abs<f64>(c1) > best) { best = abs<f64>(c1); largest = 1; }
  if (abs<f64>(c2) > best) { best = abs<f64>(c2); largest = 2; }
  if (abs<f64>(c3) > best) { best = abs<f64>(c3); largest = 3; }
  const sign: f64 = (largest == 0 ? c0 : largest == 1 ? c1 : largest == 2 ? c2 : c3) < 0 ? -1.0 : 1.0;
  c0 *= sign; c1 *= sign; c2 *= sign; c3 *= sign;
  let a: f64, b: f64, c: f64;
  if (largest == 0) { a = c1; b = c2; c = c3; }
  else if (largest == 1) { a = c0; b = c2; c = c3; }
  else if (largest == 2) { a = c0; b = c1; c = c3; }
  else { a = c0; b = c1; c = c2; }
  return largest
    | (quant_component(a, bits) << 2)
    | (quant_component(b, bits) << (2 + bits))
    | (quant_component(c, bits) << (2 + 2 * bits));
}

/** Unpacks into out[0..4) as f64 (x, y, z, w), unit length, largest component positive. */
export function quat_unpack(packed: u32, bits: u32, out: usize): void {
  const mask = (<u32>1 << bits) - 1;
  const largest = packed & 3;
  const a = dequant_component((packed >> 2) & mask, bits);
  const b = dequant_component((packed >> (2 + bits)) & mask, bits);
  const c = dequant_component((packed >> (2 + 2 * bits)) & mask, bits);
  const big = Math.sqrt(max<f64>(0.0, 1.0 - a * a - b * b - c * c));
  let x: f64, y: f64, z: f64, w: f64;
  if (largest == 0) { x = big; y = a; z = b; w = c; }
  else if (largest == 1) { x = a; y = big; z = b; w = c; }
  else if (largest == 2) { x = a; y = b; z = big; w = c; }
  else { x = a; y = b; z = c; w = big; }
  store<f64>(out, x);
  store<f64>(out, y, 8);
  store<f64>(out, z, 16);
  store<f64>(out, w, 24);
}

/** Kernel form of quat_pack for Q16 components (tests and TypeScript tools). */
export function quat_pack_q16(x: i32, y: i32, z: i32, w: i32, bits: u32): u32 {
  return quat_pack(<f64>x, <f64>y, <f64>z, <f64>w, bits);
}

export function yaw_quantize(yawQ16: i32, bits: u32): u32 {
  return quant_yaw(yawQ16, bits);
}

export function yaw_dequantize(code: u32, bits: u32): f64 {
  return dequant_yaw(code, bits);
}

export function predict_position(basePos: i32, baseVel: i32, dt: u32, shiftDiff: u32): i32 {
  return predict(basePos, baseVel, dt, shiftDiff);
}
