// Quantisation kernels: smallest-three quaternions (error bound, sign invariance, the identity
// exact), yaw codes (error at most half a step, wrap-around) and the
// position predictor both ends of a delta share (against a BigInt reference).

import { describe, expect, it } from 'vitest';
import { codecKernels } from '../../src/codec/codec-kernels.js';
import { freshArena, mulberry32 } from '../helpers/wasm.js';

const Q = 65536;

function randomUnitQuaternion(rand: () => number): [number, number, number, number] {
  // Marsaglia's method: uniform over rotations.
  let x = 0, y = 0, z = 0, w = 0, s1 = 2, s2 = 2;
  while (s1 >= 1) { x = rand() * 2 - 1; y = rand() * 2 - 1; s1 = x * x + y * y; }
  while (s2 >= 1) { z = rand() * 2 - 1; w = rand() * 2 - 1; s2 = z * z + w * w; }
  const f = Math.sqrt((1 - s1) / s2);
  return [x, y, z * f, w * f];
}

describe('smallest-three quaternions', () => {
  it('reproduce random rotations within 0.25 degrees at 10 bits per component', async () => {
    const arena = await freshArena();
    const k = codecKernels(arena.wasm);
    const out = arena.allocate('quat-out', 32);
    const rand = mulberry32(7);
    let worst = 0;
    for (let i = 0; i < 5000; i++) {
      const q = randomUnitQuaternion(rand);
      const code = k.quat_pack_q16(...(q.map((c) => Math.round(c * Q)) as [number, number, number, number]), 10);
      k.quat_unpack(code, 10, out.ptr);
      const p = Array.from(out.view('f64', 0, 4));
      expect(Math.hypot(...p)).toBeCloseTo(1, 9);
      // Rotation angle between q and p: 2 acos |q . p|.
      const dot = Math.min(1, Math.abs(q[0] * p[0]! + q[1] * p[1]! + q[2] * p[2]! + q[3] * p[3]!));
      worst = Math.max(worst, 2 * Math.acos(dot));
    }
    expect((worst * 180) / Math.PI).toBeLessThan(0.25);
  });

  it('packs q and -q (the same rotation) to the same code', async () => {
    const arena = await freshArena();
    const k = codecKernels(arena.wasm);
    const rand = mulberry32(8);
    for (let i = 0; i < 1000; i++) {
      const q = randomUnitQuaternion(rand).map((c) => Math.round(c * Q)) as [number, number, number, number];
      const neg = q.map((c) => -c) as [number, number, number, number];
      expect(k.quat_pack_q16(...q, 10)).toBe(k.quat_pack_q16(...neg, 10));
    }
  });

  it('packs a zero quaternion as the identity', async () => {
    const arena = await freshArena();
    const k = codecKernels(arena.wasm);
    const out = arena.allocate('quat-zero', 32);
    k.quat_unpack(k.quat_pack_q16(0, 0, 0, 0, 10), 10, out.ptr);
    expect(Array.from(out.view('f64', 0, 4))).toEqual([0, 0, 0, 1]);
  });
});

describe('yaw codes', () => {
  it('come back within half a step for angles of any turn count', async () => {
    const arena = await freshArena();
    const k = codecKernels(arena.wasm);
    const rand = mulberry32(10);
    for (const bits of [8, 12, 16]) {
      const step = (2 * Math.PI) / 2 ** bits;
      for (let i = 0; i < 2000; i++) {
        const yaw = (rand() - 0.5) * 2 * Math.PI * 50;
        const back = k.yaw_dequantize(k.yaw_quantize(Math.round(yaw * Q), bits), bits);
        const diff = Math.abs(Math.atan2(Math.sin(back - yaw), Math.cos(back - yaw)));
        expect(diff).toBeLessThanOrEqual(step / 2 + 1e-4);
        expect(back).toBeGreaterThanOrEqual(-Math.PI);
        expect(back).toBeLessThan(Math.PI);
      }
    }
  });
});

describe('position prediction', () => {
  it('matches the BigInt reference (round half up of velocity x ticks, wrapping to i32)', async () => {
    const arena = await freshArena();
    const k = codecKernels(arena.wasm);
    const rand = mulberry32(11);
    for (let i = 0; i < 3000; i++) {
      const base = Math.floor((rand() - 0.5) * 2 ** 32) | 0;
      const vel = Math.floor((rand() - 0.5) * 2 ** 24) | 0;
      const dt = Math.floor(rand() * 4000);
      const shift = Math.floor(rand() * 8);
      let step = BigInt(vel) * BigInt(dt);
      if (shift > 0) step = (step + (1n << BigInt(shift - 1))) >> BigInt(shift);
      const expected = Number(BigInt.asIntN(32, BigInt(base) + step));
      expect(k.predict_position(base, vel, dt, shift)).toBe(expected);
    }
  });
});
