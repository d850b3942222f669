// SIMD frustum culling against the scalar definition (Frustum.sphereVisible, f32 in the
// kernels' order): the flat SoA kernels on lengths that are not multiples of 4, with and
// without radii and flags, the multi-camera pass, and the camera and plane constructors.

import { describe, expect, it } from 'vitest';
import { Frustum, FrustumCuller, SpatialIndex, SpatialResult } from '../../src/spatial/index.js';
import { InvalidValueError } from '../../src/core/errors.js';
import { freshArena, mulberry32 } from '../helpers/wasm.js';
import type { Arena } from '../../src/wasm/arena.js';

const Q = 65536;

function randomCamera(rand: () => number, spreadM: number): Frustum {
  const angle = rand() * Math.PI * 2;
  return Frustum.fromCamera({
    position: [(rand() - 0.5) * spreadM, (rand() - 0.5) * spreadM, rand() * 50],
    forward: [Math.cos(angle), Math.sin(angle), rand() - 0.5],
    fovYRad: 0.3 + rand() * 1.5,
    aspect: 0.5 + rand() * 2,
    nearM: rand() * 2,
    farM: 20 + rand() * spreadM,
  });
}

function spheres(arena: Arena, count: number, rand: () => number, spreadM: number) {
  const soa = arena.soa(`spheres-${count}-${rand()}`, Math.max(1, count), { x: 'i32', y: 'i32', z: 'i32', r: 'i32', flags: 'u32' });
  for (let i = 0; i < count; i++) {
    soa.column('x')[i] = Math.round((rand() - 0.5) * spreadM * Q);
    soa.column('y')[i] = Math.round((rand() - 0.5) * spreadM * Q);
    soa.column('z')[i] = Math.round(rand() * 60 * Q);
    soa.column('r')[i] = Math.round(rand() * rand() * 30 * Q);
    soa.column('flags')[i] = rand() < 0.7 ? 1 : 2;
  }
  return soa;
}

describe('frustum culling over SoA (v128)', () => {
  it('matches the scalar reference on every length from 0 to 13 and 1001, with radii', async () => {
    const arena = await freshArena();
    const culler = new FrustumCuller(arena);
    const out = new SpatialResult(arena, 8);
    const rand = mulberry32(21);
    for (const count of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 1001]) {
      const soa = spheres(arena, count, rand, 200);
      for (let c = 0; c < 5; c++) {
        const f = randomCamera(rand, 200);
        const n = culler.cullInto(out, f, { x: soa.ptrOf('x'), y: soa.ptrOf('y'), z: soa.ptrOf('z'), radius: soa.ptrOf('r'), count });
        const expected: number[] = [];
        for (let i = 0; i < count; i++) if (f.sphereVisible(soa.column('x')[i]!, soa.column('y')[i]!, soa.column('z')[i]!, soa.column('r')[i]!)) expected.push(i);
        expect(Array.from(out.ids.subarray(0, n))).toEqual(expected);
      }
    }
  });

  it('culls points (no radius column) and honours a flags mask', async () => {
    const arena = await freshArena();
    const culler = new FrustumCuller(arena);
    const out = new SpatialResult(arena, 8);
    const rand = mulberry32(22);
    const count = 777;
    const soa = spheres(arena, count, rand, 100);
    for (let c = 0; c < 10; c++) {
      const f = randomCamera(rand, 100);
      const n = culler.cullInto(out, f, { x: soa.ptrOf('x'), y: soa.ptrOf('y'), z: soa.ptrOf('z'), flags: soa.ptrOf('flags'), mask: 1, count });
      const expected: number[] = [];
      for (let i = 0; i < count; i++) {
        if ((soa.column('flags')[i]! & 1) && f.sphereVisible(soa.column('x')[i]!, soa.column('y')[i]!, soa.column('z')[i]!, 0)) expected.push(i);
      }
      expect(Array.from(out.ids.subarray(0, n))).toEqual(expected);
    }
  });

  it('culls for 32 cameras in one pass, one visibility bit per camera', async () => {
    const arena = await freshArena();
    const culler = new FrustumCuller(arena);
    const rand = mulberry32(23);
    const count = 1027;
    const soa = spheres(arena, count, rand, 150);
    const cameras = Array.from({ length: 32 }, () => randomCamera(rand, 150));
    const masks = culler.cullMulti(cameras, { x: soa.ptrOf('x'), y: soa.ptrOf('y'), z: soa.ptrOf('z'), radius: soa.ptrOf('r'), count });
    for (let i = 0; i < count; i++) {
      let expected = 0;
      cameras.forEach((f, c) => {
        if (f.sphereVisible(soa.column('x')[i]!, soa.column('y')[i]!, soa.column('z')[i]!, soa.column('r')[i]!)) expected = (expected | (1 << c)) >>> 0;
      });
      expect(masks[i]).toBe(expected);
    }
  });

  it('gives the same answer through the index as over the flat columns, camera by camera', async () => {
    const arena = await freshArena();
    const rand = mulberry32(24);
    const bounds = { minX: -500, minY: -500, minZ: 0, maxX: 500, maxY: 500, maxZ: 100 };
    const index = SpatialIndex.create(arena, bounds, { capacity: 3000, radius: true });
    for (let i = 0; i < 3000; i++) index.insert(i, (rand() - 0.5) * 1000, (rand() - 0.5) * 1000, rand() * 100, rand() < 0.05 ? rand() * 200 : rand());
    const p = index.positions;
    const cameras = Array.from({ length: 6 }, () => randomCamera(rand, 900));
    const batch = index.createBatchResult();
    index.frustumBatch(cameras, batch);
    cameras.forEach((f, c) => {
      const expected: number[] = [];
      for (let i = 0; i < 3000; i++) if (f.sphereVisible(p.x[i]!, p.y[i]!, p.z[i]!, p.radius[i]!)) expected.push(i);
      expect(Array.from(index.frustum(f)).sort((a, b) => a - b)).toEqual(expected);
      expect(Array.from(batch.of(c)).sort((a, b) => a - b)).toEqual(expected);
    });
  });
});

describe('Frustum', () => {
  it('puts points in front of the camera inside and points behind or beside it outside', () => {
    const f = Frustum.fromCamera({ position: [0, 0, 10], forward: [1, 0, 0], fovYRad: Math.PI / 2, aspect: 1, nearM: 1, farM: 100 });
    const v = (x: number, y: number, z: number) => f.sphereVisible(x * Q, y * Q, z * Q);
    expect(v(50, 0, 10)).toBe(true);
    expect(v(50, 45, 10)).toBe(true);
    expect(v(50, 55, 10)).toBe(false);
    expect(v(-5, 0, 10)).toBe(false);
    expect(v(0.5, 0, 10)).toBe(false);
    expect(v(101, 0, 10)).toBe(false);
    // A sphere straddling the far plane is visible.
    expect(f.sphereVisible(101 * Q, 0, 10 * Q, 2 * Q)).toBe(true);
  });

  it('bounds the volume of raw planes, or reports it unbounded', () => {
    // The unit cube as six planes.
    const cube = Frustum.fromPlanes([1, 0, 0, 0, -1, 0, 0, 1, 0, 1, 0, 0, 0, -1, 0, 1, 0, 0, 1, 0, 0, 0, -1, 1]);
    expect(Array.from(cube.aabb).map(Math.round)).toEqual([-1, -1, -1, 2, 2, 2]);
    // Only five distinct bounding directions: open along +z.
    const open = Frustum.fromPlanes([1, 0, 0, 0, -1, 0, 0, 1, 0, 1, 0, 0, 0, -1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0]);
    expect(open.aabb[5]).toBe(Infinity);
  });

  it('rejects degenerate cameras with a typed error', () => {
    const base = { position: [0, 0, 0] as const, forward: [1, 0, 0] as const, fovYRad: 1, aspect: 1, nearM: 1, farM: 10 };
    expect(() => Frustum.fromCamera({ ...base, forward: [0, 0, 0] })).toThrow(InvalidValueError);
    expect(() => Frustum.fromCamera({ ...base, up: [1, 0, 0] })).toThrow(/parallel/);
    expect(() => Frustum.fromCamera({ ...base, farM: 0.5 })).toThrow(InvalidValueError);
    expect(() => Frustum.fromCamera({ ...base, aspect: -1 })).toThrow(InvalidValueError);
    expect(() => Frustum.fromCamera({ ...base, position: [0, Infinity, 0] })).toThrow(InvalidValueError);
  });
});
