// TypeScript mirror of assembly/fixed.ts and assembly/vec3.ts: the same Q16.16 operations with
// the same rounding, bit for bit (tests compare the two on random inputs). The kernels are the
// fast path; this mirror serves tests, tools and conversions at the edge of the simulation.
// 64-bit intermediates use BigInt, whose `>>` floors and `/` truncates exactly like i64.

export const FX_SHIFT = 16;
export const FX_ONE = 65536;
export const FX_MAX = 0x7fffffff;
export const FX_MIN = -0x80000000;
export const FX_PI = 205887;
export const FX_HALF_PI = 102944;
export const FX_TWO_PI = 411775;
/** Largest magnitude in metres a Q16.16 value can hold. */
export const FX_RANGE_M = 32768;

const INV_TWO_PI_Q32 = 683565276n;
const ONE_Q30 = 1073741824n;
const PI_Q30 = 3373259426n;
const HALF_PI_Q30 = 1686629713n;
const QUARTER_PI_Q30 = 843314857n;
const TAN_PI_8_Q30 = 444758426n;
const SIN_COEFFS = [61n, -3864n, 172272n, -5026995n, 85569306n, -693598668n, 1686629713n];
const ATAN_COEFFS = [
  63161284n, -71582788n, 82595525n, -97612893n, 119304647n, -153391689n, 214748365n, -357913941n, 1073741824n,
];

/** Metres (or radians) to Q16, nearest; the caller guarantees a finite value in range. */
export function toQ16(value: number): number {
  return Math.round(value * FX_ONE) | 0;
}

export function fromQ16(q: number): number {
  return q / FX_ONE;
}

/** Whether `value` (metres, radians…) fits in Q16.16 without saturating. */
export function fitsQ16(value: number): boolean {
  return Number.isFinite(value) && Math.round(value * FX_ONE) <= FX_MAX && Math.round(value * FX_ONE) >= FX_MIN;
}

export function fxSaturate(v: bigint | number): number {
  const n = typeof v === 'bigint' ? v : BigInt(v);
  if (n > BigInt(FX_MAX)) return FX_MAX;
  if (n < BigInt(FX_MIN)) return FX_MIN;
  return Number(n);
}

function roundQ32(p: bigint): number {
  return fxSaturate((p + 0x8000n) >> 16n);
}

function q30ToQ16(v: bigint): number {
  return Number((v + 0x2000n) >> 14n);
}

export function fxAdd(a: number, b: number): number {
  return fxSaturate(a + b);
}

export function fxSub(a: number, b: number): number {
  return fxSaturate(a - b);
}

export function fxMul(a: number, b: number): number {
  return roundQ32(BigInt(a) * BigInt(b));
}

function floorDiv(n: bigint, d: bigint): bigint {
  return n < 0n ? (n - d + 1n) / d : n / d;
}

export function fxDiv(a: number, b: number): number {
  if (b === 0) return a > 0 ? FX_MAX : a < 0 ? FX_MIN : 0;
  let num = BigInt(a) << 16n;
  let den = BigInt(b);
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  return fxSaturate(floorDiv((num << 1n) + den, den << 1n));
}

const U32_MAX = 0xffffffffn;

export function isqrtRoundU64(n: bigint): bigint {
  if (n === 0n) return 0n;
  let r = BigInt(Math.floor(Math.sqrt(Number(n))));
  if (r > U32_MAX) r = U32_MAX;
  while (r * r > n) r--;
  while (r < U32_MAX && (r + 1n) * (r + 1n) <= n) r++;
  return n - r * r > r ? r + 1n : r;
}

export function fxSqrt(a: number): number {
  if (a <= 0) return 0;
  return Number(isqrtRoundU64(BigInt(a) << 16n));
}

function horner(coeffs: readonly bigint[], x2: bigint): bigint {
  let s = coeffs[0]!;
  for (let i = 1; i < coeffs.length; i++) s = coeffs[i]! + ((s * x2) >> 30n);
  return s;
}

function phaseOf(a: number): bigint {
  return ((BigInt(a) * INV_TWO_PI_Q32 + 0x8000n) >> 16n) & U32_MAX;
}

function sinPhase(phase: bigint): number {
  const quadrant = Number(phase >> 30n);
  const frac = phase & 0x3fffffffn;
  const u = (quadrant & 1) !== 0 ? ONE_Q30 - frac : frac;
  const magnitude = q30ToQ16((horner(SIN_COEFFS, (u * u) >> 30n) * u) >> 30n);
  return quadrant >= 2 ? -magnitude : magnitude;
}

export function fxSin(a: number): number {
  return sinPhase(phaseOf(a));
}

export function fxCos(a: number): number {
  return sinPhase((phaseOf(a) + 0x40000000n) & U32_MAX);
}

function atanSmall(t: bigint): bigint {
  return (horner(ATAN_COEFFS, (t * t) >> 30n) * t) >> 30n;
}

export function fxAtan2(y: number, x: number): number {
  if (x === 0 && y === 0) return 0;
  const ax = BigInt(Math.abs(x));
  const ay = BigInt(Math.abs(y));
  const steep = ay > ax;
  const num = steep ? ax : ay;
  const den = steep ? ay : ax;
  const t = (num << 30n) / den;
  let angle = t > TAN_PI_8_Q30 ? QUARTER_PI_Q30 + atanSmall(((t - ONE_Q30) << 30n) / (t + ONE_Q30)) : atanSmall(t);
  if (steep) angle = HALF_PI_Q30 - angle;
  if (x < 0) angle = PI_Q30 - angle;
  const magnitude = q30ToQ16(angle);
  return y < 0 ? -magnitude : magnitude;
}

export function fxWrapAngle(a: number): number {
  let r = (a + FX_PI) % FX_TWO_PI;
  if (r < 0) r += FX_TWO_PI;
  return r - FX_PI;
}

// ---- vectors: [x, y, z] of Q16 components ----

export type Vec3Q16 = [number, number, number];

function roundSum3Q32(p0: bigint, p1: bigint, p2: bigint): number {
  return roundQ32(p0 + p1 + p2);
}

export function vec3Add(a: Vec3Q16, b: Vec3Q16): Vec3Q16 {
  return [fxAdd(a[0], b[0]), fxAdd(a[1], b[1]), fxAdd(a[2], b[2])];
}

export function vec3Sub(a: Vec3Q16, b: Vec3Q16): Vec3Q16 {
  return [fxSub(a[0], b[0]), fxSub(a[1], b[1]), fxSub(a[2], b[2])];
}

export function vec3Scale(a: Vec3Q16, s: number): Vec3Q16 {
  return [fxMul(a[0], s), fxMul(a[1], s), fxMul(a[2], s)];
}

export function vec3Dot(a: Vec3Q16, b: Vec3Q16): number {
  return roundSum3Q32(BigInt(a[0]) * BigInt(b[0]), BigInt(a[1]) * BigInt(b[1]), BigInt(a[2]) * BigInt(b[2]));
}

export function vec3Cross(a: Vec3Q16, b: Vec3Q16): Vec3Q16 {
  const [ax, ay, az] = a.map(BigInt) as [bigint, bigint, bigint];
  const [bx, by, bz] = b.map(BigInt) as [bigint, bigint, bigint];
  return [roundSum3Q32(ay * bz, -(az * by), 0n), roundSum3Q32(az * bx, -(ax * bz), 0n), roundSum3Q32(ax * by, -(ay * bx), 0n)];
}

function lengthOf(x: number, y: number, z: number): number {
  const s = BigInt(x) * BigInt(x) + BigInt(y) * BigInt(y) + BigInt(z) * BigInt(z);
  return fxSaturate(isqrtRoundU64(s));
}

export function vec3Length(a: Vec3Q16): number {
  return lengthOf(a[0], a[1], a[2]);
}

export function vec3Distance(a: Vec3Q16, b: Vec3Q16): number {
  return lengthOf(fxSub(b[0], a[0]), fxSub(b[1], a[1]), fxSub(b[2], a[2]));
}

export function vec3Normalize(a: Vec3Q16): Vec3Q16 {
  const len = lengthOf(a[0], a[1], a[2]);
  if (len === 0) return [0, 0, 0];
  return [fxDiv(a[0], len), fxDiv(a[1], len), fxDiv(a[2], len)];
}

export function vec3Lerp(a: Vec3Q16, b: Vec3Q16, t: number): Vec3Q16 {
  return [
    fxAdd(a[0], fxMul(fxSub(b[0], a[0]), t)),
    fxAdd(a[1], fxMul(fxSub(b[1], a[1]), t)),
    fxAdd(a[2], fxMul(fxSub(b[2], a[2]), t)),
  ];
}
