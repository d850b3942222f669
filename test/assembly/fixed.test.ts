// Q16.16 kernels: bit-identical to the TypeScript mirror, within stated error of f64, and the
// documented results at the edges (saturation, division by zero, exact values).

import { beforeAll, describe, expect, it } from 'vitest';
import { loadChronos, type ChronosWasm } from '../../src/wasm/loader.js';
import {
  FX_HALF_PI, FX_MAX, FX_MIN, FX_ONE, FX_PI, FX_TWO_PI,
  fxAdd, fxAtan2, fxCos, fxDiv, fxMul, fxSin, fxSqrt, fxSub, fxWrapAngle, isqrtRoundU64, toQ16,
} from '../../src/core/fixed.js';
import { mulberry32, randomI32 } from '../helpers/wasm.js';

const ULP = 1 / FX_ONE;
const SAMPLES = 20_000;
let wasm: ChronosWasm;
let k: ChronosWasm['exports'];

beforeAll(async () => {
  wasm = await loadChronos();
  k = wasm.exports;
});

const unsat = (v: number) => v > FX_MIN && v < FX_MAX;

describe('WASM kernels equal the TypeScript mirror bit for bit', () => {
  const binary: [string, (a: number, b: number) => number, (a: number, b: number) => number][] = [];
  beforeAll(() => {
    binary.push(['add', k.fx_add, fxAdd], ['sub', k.fx_sub, fxSub], ['mul', k.fx_mul, fxMul], ['div', k.fx_div, fxDiv], ['atan2', k.fx_atan2, fxAtan2]);
  });

  it('for add, sub, mul, div and atan2 on random operands', () => {
    const rand = mulberry32(1);
    for (const [name, kernel, mirror] of binary) {
      for (let i = 0; i < SAMPLES; i++) {
        const a = randomI32(rand);
        const b = randomI32(rand);
        const got = kernel(a, b);
        const want = mirror(a, b);
        if (got !== want) expect({ name, a, b, got }).toEqual({ name, a, b, got: want });
      }
    }
  });

  it('for sqrt, sin, cos and wrap on random operands', () => {
    const rand = mulberry32(2);
    const unary: [string, (a: number) => number, (a: number) => number][] = [
      ['sqrt', k.fx_sqrt, fxSqrt], ['sin', k.fx_sin, fxSin], ['cos', k.fx_cos, fxCos], ['wrap', k.fx_wrap_angle, fxWrapAngle],
    ];
    for (const [name, kernel, mirror] of unary) {
      for (let i = 0; i < SAMPLES; i++) {
        const a = randomI32(rand);
        const got = kernel(a);
        const want = mirror(a);
        if (got !== want) expect({ name, a, got }).toEqual({ name, a, got: want });
      }
    }
  });

  it('for the 64-bit integer square root', () => {
    const rand = mulberry32(3);
    for (let i = 0; i < 2000; i++) {
      const n = BigInt(Math.floor(rand() * 2 ** 32)) * BigInt(Math.floor(rand() * 2 ** 32)) + BigInt(Math.floor(rand() * 1000));
      expect(BigInt.asUintN(64, k.isqrt_round_u64(n))).toBe(isqrtRoundU64(n));
    }
  });

  it('in the debug build too (same results with assertions on)', async () => {
    const debug = await loadChronos({ debug: true });
    const rand = mulberry32(4);
    for (let i = 0; i < 2000; i++) {
      const a = randomI32(rand);
      const b = randomI32(rand);
      expect(debug.exports.fx_mul(a, b)).toBe(k.fx_mul(a, b));
      expect(debug.exports.fx_sin(a)).toBe(k.fx_sin(a));
      expect(debug.exports.fx_atan2(a, b)).toBe(k.fx_atan2(a, b));
    }
  });
});

describe('accuracy against f64', () => {
  it('mul and div are within half a unit of the exact result when not saturated', () => {
    const rand = mulberry32(5);
    for (let i = 0; i < SAMPLES; i++) {
      const a = Math.round((rand() - 0.5) * 2 ** 24);
      const b = Math.round((rand() - 0.5) * 2 ** 24);
      const mul = k.fx_mul(a, b);
      if (unsat(mul)) expect(Math.abs(mul / FX_ONE - (a / FX_ONE) * (b / FX_ONE))).toBeLessThanOrEqual(ULP / 2 + 1e-12);
      if (b !== 0) {
        const div = k.fx_div(a, b);
        if (unsat(div)) expect(Math.abs(div / FX_ONE - a / b)).toBeLessThanOrEqual(ULP / 2 + 1e-9);
      }
    }
  });

  it('sqrt is within half a unit', () => {
    const rand = mulberry32(6);
    for (let i = 0; i < SAMPLES; i++) {
      const a = Math.floor(rand() * FX_MAX);
      expect(Math.abs(k.fx_sqrt(a) / FX_ONE - Math.sqrt(a / FX_ONE))).toBeLessThanOrEqual(ULP / 2 + 1e-9);
    }
  });

  it('sin and cos are within 1 unit for |angle| <= 64 pi and 3 units up to ±32768 rad', () => {
    const rand = mulberry32(7);
    for (let i = 0; i < SAMPLES; i++) {
      const near = Math.round((rand() - 0.5) * 2 * 64 * Math.PI * FX_ONE);
      expect(Math.abs(k.fx_sin(near) / FX_ONE - Math.sin(near / FX_ONE))).toBeLessThanOrEqual(ULP);
      expect(Math.abs(k.fx_cos(near) / FX_ONE - Math.cos(near / FX_ONE))).toBeLessThanOrEqual(ULP);
      const far = randomI32(rand);
      expect(Math.abs(k.fx_sin(far) / FX_ONE - Math.sin(far / FX_ONE))).toBeLessThanOrEqual(3 * ULP);
    }
  });

  it('atan2 is within 1 unit everywhere', () => {
    const rand = mulberry32(8);
    for (let i = 0; i < SAMPLES; i++) {
      const y = randomI32(rand);
      const x = randomI32(rand);
      if (x === 0 && y === 0) continue;
      expect(Math.abs(k.fx_atan2(y, x) / FX_ONE - Math.atan2(y, x))).toBeLessThanOrEqual(ULP);
    }
  });
});

describe('edge cases have their documented results', () => {
  it('add, sub and mul saturate instead of wrapping', () => {
    expect(k.fx_add(FX_MAX, 1)).toBe(FX_MAX);
    expect(k.fx_sub(FX_MIN, 1)).toBe(FX_MIN);
    expect(k.fx_mul(FX_MAX, FX_MAX)).toBe(FX_MAX);
    expect(k.fx_mul(FX_MIN, FX_MIN)).toBe(FX_MAX);
    expect(k.fx_mul(FX_MIN, FX_MAX)).toBe(FX_MIN);
  });

  it('division by zero gives the signed maximum, or zero for 0/0', () => {
    expect(k.fx_div(FX_ONE, 0)).toBe(FX_MAX);
    expect(k.fx_div(-FX_ONE, 0)).toBe(FX_MIN);
    expect(k.fx_div(0, 0)).toBe(0);
    expect(k.fx_div(FX_MIN, -1)).toBe(FX_MAX);
  });

  it('mul and div round ties toward +infinity', () => {
    // 1 unit x 0.5 = 0.5 unit: a tie, rounds up to 1; -1 unit x 0.5 rounds up to 0.
    expect(k.fx_mul(1, FX_ONE / 2)).toBe(1);
    expect(k.fx_mul(-1, FX_ONE / 2)).toBe(0);
    expect(k.fx_div(1, 2 * FX_ONE)).toBe(1);
    expect(k.fx_div(-1, 2 * FX_ONE)).toBe(0);
  });

  it('sqrt of zero or a negative number is zero; exact squares are exact', () => {
    expect(k.fx_sqrt(0)).toBe(0);
    expect(k.fx_sqrt(-FX_ONE)).toBe(0);
    expect(k.fx_sqrt(FX_MIN)).toBe(0);
    expect(k.fx_sqrt(4 * FX_ONE)).toBe(2 * FX_ONE);
    expect(k.fx_sqrt(FX_ONE / 4)).toBe(FX_ONE / 2);
  });

  it('trigonometry is exact at the quadrant points', () => {
    expect(k.fx_sin(0)).toBe(0);
    expect(k.fx_cos(0)).toBe(FX_ONE);
    expect(k.fx_sin(FX_HALF_PI)).toBe(FX_ONE);
    expect(k.fx_sin(-FX_HALF_PI)).toBe(-FX_ONE);
    expect(k.fx_cos(FX_PI)).toBe(-FX_ONE);
    expect(k.fx_atan2(0, 0)).toBe(0);
    expect(k.fx_atan2(0, -FX_ONE)).toBe(FX_PI);
    expect(k.fx_atan2(-FX_ONE, 0)).toBe(-FX_HALF_PI);
    expect(k.fx_atan2(FX_ONE, FX_ONE)).toBe(toQ16(Math.PI / 4));
  });

  it('wrap keeps angles in [-pi, pi] and preserves their direction', () => {
    for (const a of [0, FX_PI, -FX_PI, 3 * FX_PI, FX_MAX, FX_MIN, FX_TWO_PI * 5 + 123]) {
      const w = k.fx_wrap_angle(a);
      expect(w).toBeGreaterThanOrEqual(-FX_PI);
      expect(w).toBeLessThanOrEqual(FX_PI);
      expect(Math.abs((a - w) % FX_TWO_PI)).toBe(0);
    }
  });
});
