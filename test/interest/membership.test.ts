// AoI membership against brute force on random worlds, for every shape: after a client's first
// discovery its view holds exactly the entities inside its shape scaled for entering; after
// everything moved (and one more tick, by which every entry was evaluated: a member is checked
// when it is due or at its client's discovery), everything inside the entering shape is in the
// view and everything in the view is inside the leaving shape (hysteresis in between). Points within 1e-7 of a boundary are
// left out of the comparison (cos and sqrt may round differently in V8 and in the kernel).

import { afterEach, describe, expect, it } from 'vitest';
import type { ShapeSpec } from '../../src/interest/index.js';
import { mulberry32 } from '../helpers/wasm.js';
import { Fixture, nearBoundary, shapeContains } from './fixture.js';

const H = 0.05;
const SHAPES: [string, ShapeSpec][] = [
  ['sphere', { kind: 'sphere', radiusM: 120 }],
  ['circle', { kind: 'circle', radiusM: 100, halfHeightM: 20 }],
  ['ellipse', { kind: 'ellipse', forwardM: 160, sideM: 60, halfHeightM: 30, yawOffsetRad: 0.3 }],
  ['sector', { kind: 'sector', radiusM: 150, halfAngleRad: 0.6, halfHeightM: 40 }],
  [
    'composite',
    { kind: 'composite', parts: [{ kind: 'sector', radiusM: 180, halfAngleRad: 0.4 }, { kind: 'circle', radiusM: 40 }] },
  ],
];
const N = 3000;
const VIEWER = 0;

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.dispose();
  fixture = undefined;
});

async function randomWorld(seed: number, shape: ShapeSpec): Promise<{ f: Fixture; c: number; rand: () => number; facing: number }> {
  const f = await Fixture.create({
    capacity: N,
    interest: {
      viewCapacity: 4096,
      discoveryPeriodTicks: 1,
      // One snapshot carries the whole first view.
      maxSnapshotBytes: 256 * 1024,
      // Scale fixed at 1: no shrinking (the view never fills) and no growing.
      dynamicRadius: { minScale: 1, maxScale: 1, growBelow: 0 },
    },
  });
  fixture = f;
  const rand = mulberry32(seed);
  const facing = (rand() - 0.5) * 2 * Math.PI;
  f.put(VIEWER, { x: 0, y: 0, z: 25, yaw: facing });
  for (let i = 1; i < N; i++) f.put(i, { x: (rand() - 0.5) * 500, y: (rand() - 0.5) * 500, z: rand() * 50 });
  const c = f.addClient({ viewerSlot: VIEWER, shape });
  return { f, c, rand, facing };
}

function offsetOf(f: Fixture, slot: number): [number, number, number] {
  const c = f.cols;
  return [
    (c.column('x')[slot]! - c.column('x')[VIEWER]!) / 65536,
    (c.column('y')[slot]! - c.column('y')[VIEWER]!) / 65536,
    (c.column('z')[slot]! - c.column('z')[VIEWER]!) / 65536,
  ];
}

describe.each(SHAPES)('AoI membership of a %s view', (_name, shape) => {
  it('holds exactly the entities inside the entering shape after the first discovery', async () => {
    const { f, c, facing } = await randomWorld(11, shape);
    f.tick();
    const members = f.serverSlots(c);
    let compared = 0;
    for (let i = 0; i < N; i++) {
      const [dx, dy, dz] = offsetOf(f, i);
      if (nearBoundary(shape, dx, dy, dz, facing, 1, 1 - H)) continue;
      compared++;
      expect(members.has(i), `slot ${i} at (${dx}, ${dy}, ${dz})`).toBe(shapeContains(shape, dx, dy, dz, facing, 1, 1 - H));
    }
    expect(compared).toBeGreaterThan(N * 0.99);
    expect(members.size).toBeGreaterThan(20);
    // What the client decoded is what the server sent.
    expect([...f.clientSlots(c)].sort((a, b) => a - b)).toEqual([...members].sort((a, b) => a - b));
  });

  it('keeps enter-shape entities and drops only those outside the leave shape as everything moves', async () => {
    const { f, c, rand, facing } = await randomWorld(12, shape);
    f.tick();
    for (let step = 0; step < 20; step++) {
      for (let i = 1; i < N; i++) {
        const [dx, dy, dz] = offsetOf(f, i);
        f.move(i, dx + (rand() - 0.5) * 12, dy + (rand() - 0.5) * 12, Math.min(50, Math.max(0, 25 + dz + (rand() - 0.5) * 4)));
      }
      f.tick();
      f.tick();
      const members = f.serverSlots(c);
      for (let i = 0; i < N; i++) {
        const [dx, dy, dz] = offsetOf(f, i);
        const inEnter = shapeContains(shape, dx, dy, dz, facing, 1, 1 - H);
        const inLeave = shapeContains(shape, dx, dy, dz, facing, 1, 1 + H);
        if (nearBoundary(shape, dx, dy, dz, facing, 1, 1 - H) || nearBoundary(shape, dx, dy, dz, facing, 1, 1 + H)) continue;
        if (inEnter) expect(members.has(i), `step ${step}: slot ${i} is inside the entering shape`).toBe(true);
        if (members.has(i)) expect(inLeave, `step ${step}: slot ${i} is in the view but outside the leaving shape`).toBe(true);
      }
    }
  });
});

describe('AoI membership against the viewer facing', () => {
  it('turns a sector with the viewer yaw', async () => {
    const shape: ShapeSpec = { kind: 'sector', radiusM: 100, halfAngleRad: 0.3 };
    const { f, c } = await randomWorld(13, shape);
    f.put(1, { x: 50, y: 0, z: 25 });
    f.put(2, { x: 0, y: 50, z: 25 });
    f.put(VIEWER, { x: 0, y: 0, z: 25, yaw: 0 });
    f.tick();
    expect(f.serverSlots(c).has(1)).toBe(true);
    expect(f.serverSlots(c).has(2)).toBe(false);
    f.put(VIEWER, { x: 0, y: 0, z: 25, yaw: Math.PI / 2 });
    for (let t = 0; t < 3; t++) f.tick();
    expect(f.serverSlots(c).has(2)).toBe(true);
    expect(f.serverSlots(c).has(1)).toBe(false);
  });
});
