// Delta snapshots under loss: messages dropped and delayed, acks dropped and delayed (a seeded
// model of an unreliable-sequenced channel), entities that move, turn, lose hit points, change
// state, die and respawn. After every message a client applies, each record it carried equals
// the server's truth (quantised) at that message's tick, and at the end the client holds exactly
// the server's view.

import { afterEach, describe, expect, it } from 'vitest';
import { codecKernels } from '../../src/codec/codec-kernels.js';
import { mulberry32 } from '../helpers/wasm.js';
import { Fixture, Q } from './fixture.js';

const N = 300;
const COLS = ['x', 'y', 'z', 'vx', 'vy', 'vz', 'yaw', 'hp', 'state', 'qx', 'qy', 'qz', 'qw', 'gen', 'flags'] as const;
type Truth = Record<(typeof COLS)[number], Int32Array>;

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.dispose();
  fixture = undefined;
});

function snapshotTruth(f: Fixture): Truth {
  const t = {} as Truth;
  for (const c of COLS) t[c] = Int32Array.from(f.cols.column(c).subarray(0, N));
  return t;
}

/** Random walkers whose velocity, heading, hit points and state change now and then. */
function stepWorld(f: Fixture, rand: () => number, quaternion: boolean): void {
  const c = f.cols;
  for (let i = 1; i < N; i++) {
    if (!c.column('flags')[i]) {
      if (rand() < 0.02) f.put(i, { x: (rand() - 0.5) * 300, y: (rand() - 0.5) * 300, z: rand() * 10, hp: 100 });
      continue;
    }
    if (rand() < 0.05) {
      const a = rand() * 2 * Math.PI, s = rand() * 0.2;
      c.column('vx')[i] = Math.round(Math.cos(a) * s * Q);
      c.column('vy')[i] = Math.round(Math.sin(a) * s * Q);
      c.column('yaw')[i] = Math.round(a * Q) | 0;
    }
    if (rand() < 0.01) c.column('hp')[i] = c.column('hp')[i]! - Math.floor(rand() * 30);
    if (rand() < 0.01) c.column('state')[i] = Math.floor(rand() * 2 ** 32) >>> 0;
    if (quaternion && rand() < 0.05) {
      for (const q of ['qx', 'qy', 'qz', 'qw'] as const) c.column(q)[i] = Math.round((rand() - 0.5) * 2 * Q);
    }
    if (rand() < 0.003) f.kill(i);
  }
  f.integrate();
  // Keep everyone inside the world.
  for (let i = 0; i < N; i++) {
    for (const axis of ['x', 'y'] as const) {
      const v = c.column(axis)[i]!;
      if (Math.abs(v) > 900 * Q) c.column(axis)[i] = Math.sign(v) * 900 * Q;
    }
  }
}

async function lossyRun(quaternion: boolean, seed: number): Promise<void> {
  const f = await Fixture.create({ capacity: N, quaternion, interest: { viewCapacity: 512 } });
  fixture = f;
  const k = codecKernels(f.arena.wasm);
  const params = f.pipeline.codecParams;
  const rand = mulberry32(seed);
  f.put(0, { x: 0, y: 0, hp: 100 });
  for (let i = 1; i < N; i++) {
    f.put(i, { x: (rand() - 0.5) * 300, y: (rand() - 0.5) * 300, z: rand() * 10, hp: 100, yaw: rand() * 6 - 3 });
    if (quaternion) for (const q of ['qx', 'qy', 'qz', 'qw'] as const) f.cols.column(q)[i] = Math.round((rand() - 0.5) * 2 * Q);
  }
  const c = f.addClient({ viewerSlot: 0, shape: { kind: 'circle', radiusM: 150 } });
  const view = f.views.get(c)!;
  f.pipeline.rttMs[c] = 120;
  const truth = new Map<number, Truth>();
  const inFlight: { at: number; bytes: Uint8Array; n: number }[] = [];
  const acks: { at: number; n: number }[] = [];
  const expectRecord = new Int32Array(9);
  const got = new Int32Array(9);
  let checked = 0;
  let applied = 0;
  for (let tick = 1; tick <= 900; tick++) {
    const lossy = tick < 700; // then a clean link lets everything settle
    stepWorld(f, rand, quaternion);
    f.tick((_c, bytes, n) => {
      if (lossy && rand() < 0.2) return; // lost
      inFlight.push({ at: tick + (lossy ? Math.floor(rand() * 6) : 0), bytes, n });
    });
    truth.set(f.pipeline.currentTick, snapshotTruth(f));
    truth.delete(f.pipeline.currentTick - 200);
    for (let i = 0; i < inFlight.length; ) {
      const m = inFlight[i]!;
      if (m.at > tick) {
        i++;
        continue;
      }
      inFlight.splice(i, 1);
      const records = view.apply(m.bytes);
      if (records < 0) continue; // stale: an older message overtaken by a newer one
      applied++;
      if (!lossy || rand() >= 0.1) acks.push({ at: tick + (lossy ? 1 + Math.floor(rand() * 6) : 0), n: m.n });
      const seq = view.seq;
      const at = truth.get(view.tick)!;
      for (let h = 0; h < view.handles; h++) {
        if (!view.has(h) || view.recordSeqOf(h) !== seq) continue;
        const slot = view.idOf(h) & 0xfffff;
        expect(view.idOf(h) >>> 20, `generation of handle ${h}`).toBe(at.gen[slot]);
        const yaw = quaternion
          ? k.quat_pack_q16(at.qx[slot]!, at.qy[slot]!, at.qz[slot]!, at.qw[slot]!, params.quatBits) >>> 0
          : k.yaw_quantize(at.yaw[slot]!, params.yawBits) >>> 0;
        expectRecord.set([
          at.x[slot]! >> params.posShift, at.y[slot]! >> params.posShift, at.z[slot]! >> params.posShift,
          at.vx[slot]! >> params.velShift, at.vy[slot]! >> params.velShift, at.vz[slot]! >> params.velShift,
          yaw | 0, at.hp[slot]!, at.state[slot]! | 0,
        ]);
        view.recordInto(h, got);
        expect(Array.from(got), `slot ${slot} (handle ${h}) in snapshot ${seq} at tick ${view.tick}`).toEqual(Array.from(expectRecord));
        checked++;
      }
    }
    for (let i = 0; i < acks.length; ) {
      if (acks[i]!.at > tick) i++;
      else f.pipeline.acked(c, acks.splice(i, 1)[0]!.n);
    }
  }
  const counters = f.pipeline.clientCounters(c);
  expect(applied).toBeGreaterThan(400);
  expect(checked).toBeGreaterThan(5_000);
  // Most records are deltas even here: fulls are enters (resent until acked) and refreshes.
  expect(counters.deltas).toBeGreaterThan(counters.fulls * 3);
  expect(view.rejected).toBe(0);
  expect([...f.clientSlots(c)].sort((a, b) => a - b)).toEqual([...f.serverSlots(c)].sort((a, b) => a - b));
}

describe('delta snapshots under loss', () => {
  it('keep a yaw-replicating client equal to the quantised truth after every message', async () => {
    await lossyRun(false, 101);
  });

  it('keep a quaternion-replicating client equal to the quantised truth after every message', async () => {
    await lossyRun(true, 202);
  });
});
