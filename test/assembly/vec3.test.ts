// Vector kernels against the TypeScript mirror (bit for bit) and against f64 geometry.

import { beforeAll, describe, expect, it } from 'vitest';
import { loadChronos, type ChronosWasm } from '../../src/wasm/loader.js';
import { Arena } from '../../src/wasm/arena.js';
import {
  FX_ONE, vec3Add, vec3Cross, vec3Distance, vec3Dot, vec3Length, vec3Lerp, vec3Normalize, vec3Scale, vec3Sub, type Vec3Q16,
} from '../../src/core/fixed.js';
import { mulberry32, randomI32 } from '../helpers/wasm.js';

let wasm: ChronosWasm;
let A: number, B: number, OUT: number;
let mem: () => Int32Array;

beforeAll(async () => {
  wasm = await loadChronos();
  const region = new Arena(wasm).allocate('vec3-scratch', 48);
  A = region.ptr;
  B = region.ptr + 16;
  OUT = region.ptr + 32;
  mem = () => new Int32Array(wasm.memory.buffer);
});

function put(ptr: number, v: Vec3Q16): void {
  mem().set(v, ptr / 4);
}
function get(ptr: number): Vec3Q16 {
  const m = mem();
  return [m[ptr / 4]!, m[ptr / 4 + 1]!, m[ptr / 4 + 2]!];
}

function randomVec(rand: () => number, magnitudeM?: number): Vec3Q16 {
  if (magnitudeM === undefined) return [randomI32(rand), randomI32(rand), randomI32(rand)];
  const r = () => Math.round((rand() - 0.5) * 2 * magnitudeM * FX_ONE);
  return [r(), r(), r()];
}

describe('vec3 kernels', () => {
  it('match the mirror on random vectors, extremes included', () => {
    const k = wasm.exports;
    const rand = mulberry32(11);
    for (let i = 0; i < 5000; i++) {
      const a = randomVec(rand);
      const b = randomVec(rand);
      const s = randomI32(rand);
      put(A, a);
      put(B, b);
      k.vec3_add(OUT, A, B);
      expect(get(OUT)).toEqual(vec3Add(a, b));
      k.vec3_sub(OUT, A, B);
      expect(get(OUT)).toEqual(vec3Sub(a, b));
      k.vec3_scale(OUT, A, s);
      expect(get(OUT)).toEqual(vec3Scale(a, s));
      k.vec3_cross(OUT, A, B);
      expect(get(OUT)).toEqual(vec3Cross(a, b));
      k.vec3_lerp(OUT, A, B, s);
      expect(get(OUT)).toEqual(vec3Lerp(a, b, s));
      k.vec3_normalize(OUT, A);
      expect(get(OUT)).toEqual(vec3Normalize(a));
      expect(k.vec3_dot(A, B)).toBe(vec3Dot(a, b));
      expect(k.vec3_length(A)).toBe(vec3Length(a));
      expect(k.vec3_distance(A, B)).toBe(vec3Distance(a, b));
    }
  });

  it('agree with f64 geometry inside a 10 km world', () => {
    const k = wasm.exports;
    const rand = mulberry32(12);
    const ulp = 1 / FX_ONE;
    for (let i = 0; i < 5000; i++) {
      const a = randomVec(rand, 5000);
      const b = randomVec(rand, 5000);
      put(A, a);
      put(B, b);
      const [ax, ay, az] = a.map((v) => v / FX_ONE) as Vec3Q16;
      const [bx, by, bz] = b.map((v) => v / FX_ONE) as Vec3Q16;
      expect(Math.abs(k.vec3_length(A) / FX_ONE - Math.hypot(ax, ay, az))).toBeLessThanOrEqual(ulp);
      expect(Math.abs(k.vec3_distance(A, B) / FX_ONE - Math.hypot(bx - ax, by - ay, bz - az))).toBeLessThanOrEqual(ulp);
      const dot = ax * bx + ay * by + az * bz;
      if (Math.abs(dot) < 32000) expect(Math.abs(k.vec3_dot(A, B) / FX_ONE - dot)).toBeLessThanOrEqual(ulp);
      k.vec3_normalize(OUT, A);
      const n = get(OUT).map((v) => v / FX_ONE);
      expect(Math.abs(Math.hypot(n[0]!, n[1]!, n[2]!) - 1)).toBeLessThan(4 * ulp);
    }
  });

  it('normalise the zero vector to zero', () => {
    put(A, [0, 0, 0]);
    wasm.exports.vec3_normalize(OUT, A);
    expect(get(OUT)).toEqual([0, 0, 0]);
  });

  it('allow the output to alias an input', () => {
    put(A, [FX_ONE, 2 * FX_ONE, 3 * FX_ONE]);
    put(B, [FX_ONE, FX_ONE, FX_ONE]);
    wasm.exports.vec3_cross(A, A, B);
    expect(get(A)).toEqual(vec3Cross([FX_ONE, 2 * FX_ONE, 3 * FX_ONE], [FX_ONE, FX_ONE, FX_ONE]));
  });
});
