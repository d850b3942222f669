// The small parts of the rollback layer, each against a plain model: the snapshot ring and input
// queue against what was put in, smoothing against its class table, time sync against a
// simulated server clock, the snapshot interpolator against straight-line motion, and the
// arena's region list against what the sessions allocate and give back.

import { describe, expect, it } from 'vitest';
import { SnapshotRing } from '../../src/rollback/snapshot-ring.js';
import { InputQueue, INPUT_CONFIRMED, INPUT_EMPTY, INPUT_LOCAL, INPUT_PREDICTED } from '../../src/rollback/input-queue.js';
import { VisualSmoother } from '../../src/rollback/smoothing.js';
import { TimeSync } from '../../src/rollback/time-sync.js';
import { SnapshotInterpolator } from '../../src/rollback/interpolation.js';
import { createSampledBodies } from '../../src/rollback/interpolation.js';
import { simKernels } from '../fixtures/reference-game/sim-kernels.js';
import { makeEntityId } from '../../src/core/entity-id.js';
import { StateError } from '../../src/core/errors.js';
import { ReferenceGame } from '../fixtures/reference-game/reference-game.js';
import { RollbackClient } from '../../src/rollback/client-session.js';
import { RollbackServer } from '../../src/rollback/server-session.js';
import { mulberry32, newArena, worldOptions } from './fixtures.js';

describe('snapshot ring', () => {
  it('restores exactly the bytes saved for a frame, slot by frame mod N', async () => {
    const arena = await newArena();
    const state = arena.allocate('state', 4096);
    const ring = new SnapshotRing(arena, simKernels(arena.wasm), 4096, { frames: 8 });
    const rand = mulberry32(3);
    const saved: Uint8Array[] = [];
    for (let f = 0; f < 20; f++) {
      const bytes = Uint8Array.from({ length: 4096 }, () => Math.floor(rand() * 256));
      state.bytes().set(bytes);
      ring.save(f, state.ptr);
      saved[f] = bytes;
    }
    for (let f = 12; f < 20; f++) {
      ring.load(f, state.ptr);
      expect(state.bytes()).toEqual(saved[f]);
    }
  });

  it('knows which frames it holds and refuses the others (NULL_FRAME sentinels)', async () => {
    const arena = await newArena();
    const state = arena.allocate('state', 64);
    const ring = new SnapshotRing(arena, simKernels(arena.wasm), 64, { frames: 4 });
    expect(ring.has(0)).toBe(false);
    for (let f = 0; f < 6; f++) ring.save(f, state.ptr);
    expect([1, 2, 3, 4, 5].map((f) => ring.has(f))).toEqual([false, true, true, true, true]);
    expect(() => ring.load(1, state.ptr)).toThrow(StateError);
    ring.dropAfter(3);
    expect(ring.has(4)).toBe(false);
    expect(ring.hashOf(3)).toBe(BigInt.asUintN(64, arena.wasm.exports.xxh64(ring.ptrOf(3), 64, 0n)));
  });
});

describe('input queue', () => {
  it('holds frames by number, reports misses, and flags a confirmation that differs from what was used', () => {
    const q = new InputQueue(8, 2);
    q.put(3, Uint8Array.of(1, 1), 0, INPUT_PREDICTED);
    q.put(4, Uint8Array.of(2, 2), 0, INPUT_LOCAL);
    expect(q.statusOf(3)).toBe(INPUT_PREDICTED);
    expect(q.statusOf(11)).toBe(INPUT_EMPTY); // same slot as 3, other frame
    expect(q.confirm(3, Uint8Array.of(1, 1), 0)).toBe(false);
    expect(q.confirm(4, Uint8Array.of(2, 3), 0)).toBe(true);
    expect(q.statusOf(4)).toBe(INPUT_CONFIRMED);
    expect(q.lastConfirmedFrame).toBe(4);
    expect(q.confirm(4, Uint8Array.of(9, 9), 0)).toBe(false); // already final
  });
});

describe('visual smoothing', () => {
  it('classifies corrections by the seed table', () => {
    const s = new VisualSmoother(4);
    expect([0.05, 0.5, 1.99, 2, 9.9, 10, 50].map((d) => s.classify(d))).toEqual(['snap', 'smooth', 'smooth', 'blend', 'blend', 'teleport', 'teleport']);
  });

  it('draws a corrected entity where it was, then eases it to the new position in the class duration', () => {
    const s = new VisualSmoother(4);
    expect(s.correct(1, 1, 0)).toBe('smooth'); // moved +1 m: drawn 1 m behind at first
    const offsets = [s.offsetX(1)];
    for (let f = 0; f < 5; f++) {
      s.tick();
      offsets.push(s.offsetX(1));
    }
    expect(offsets[0]).toBe(-1);
    for (let i = 1; i < offsets.length; i++) expect(Math.abs(offsets[i]!)).toBeLessThan(Math.abs(offsets[i - 1]!));
    expect(offsets[5]).toBe(0);
    expect(s.activeCount).toBe(0);
  });

  it('snaps tiny corrections and teleports huge ones, counting each', () => {
    const s = new VisualSmoother(4);
    s.correct(0, 0.01, 0);
    s.correct(1, 40, 0);
    s.correct(2, 0, -5);
    expect(s.counts).toEqual({ snap: 1, smooth: 0, blend: 1, teleport: 1 });
    expect(s.offsetX(0)).toBe(0);
    expect(s.offsetX(1)).toBe(0);
    expect(s.offsetY(2)).toBe(5);
  });

  it('adds a correction to what is left of a running one and classifies the sum', () => {
    const s = new VisualSmoother(2);
    s.correct(0, 1.5, 0);
    s.tick();
    const left = s.offsetX(0);
    expect(s.correct(0, 1.5, 0)).toBe('blend'); // left + 1.5 m more: over 2 m
    expect(s.offsetX(0)).toBeCloseTo(left - 1.5, 6);
  });
});

describe('time sync', () => {
  function simulate(rttMs: number, startFrame: number, ms: number) {
    const sync = new TimeSync({ tickHz: 60, inputDelayFrames: 2 });
    const frameMs = 1000 / 60;
    let local = startFrame;
    let acc = 0;
    const trace: { speed: number; error: number }[] = [];
    for (let now = 0; now < ms; now += 5) {
      if (now % 50 === 0) {
        sync.addRttSample(rttMs);
        sync.onServerFrame((now - rttMs / 2) / frameMs, now); // the server started at 0 and sent rtt/2 ago
      }
      const speed = sync.update(now, local + acc / frameMs);
      acc += 5 * speed;
      while (acc >= frameMs) {
        acc -= frameMs;
        local++;
      }
      trace.push({ speed, error: sync.lastErrorFrames });
    }
    return { sync, trace, local };
  }

  it('runs one-way latency plus margin minus input delay ahead of the server', () => {
    const { sync, trace } = simulate(150, 0, 20_000);
    expect(sync.srttMs).toBeCloseTo(150, 5);
    expect(sync.leadFrames).toBeCloseTo(75 / (1000 / 60) + 1 - 2, 5);
    expect(Math.abs(trace[trace.length - 1]!.error)).toBeLessThan(0.5);
  });

  it('catches up smoothly: speed within ±10 %, changing at most 0.5 per second', () => {
    const { trace } = simulate(150, -20, 20_000);
    for (let i = 1; i < trace.length; i++) {
      expect(Math.abs(trace[i]!.speed - 1)).toBeLessThanOrEqual(0.1 + 1e-12);
      expect(Math.abs(trace[i]!.speed - trace[i - 1]!.speed)).toBeLessThanOrEqual(0.5 * 0.005 + 1e-12);
    }
    expect(Math.max(...trace.map((t) => t.speed))).toBeGreaterThan(1.05);
  });

  it('asks for a jump only when the error is beyond what dilation should fix', () => {
    const near = simulate(100, -20, 100).sync;
    expect(near.needsJump).toBe(false);
    const far = simulate(100, -500, 100).sync;
    expect(far.needsJump).toBe(true);
  });

  it('caps the jitter margin, so a burst of late packets cannot send the client seconds ahead', () => {
    const sync = new TimeSync({ tickHz: 60, inputDelayFrames: 2 });
    for (let i = 0; i < 20; i++) sync.addRttSample(80);
    for (let i = 0; i < 6; i++) sync.addRttSample(1600); // a burst from a 1.6 s stall of the link
    expect((2 * sync.rttVarMs) / (1000 / 60)).toBeGreaterThan(sync.options.maxJitterMarginFrames);
    expect(sync.marginFrames).toBeLessThanOrEqual(sync.options.maxJitterMarginFrames);
  });

  it('slows a client that is far ahead by dilation rather than pausing it', () => {
    const ahead = simulate(100, 500, 100).sync;
    expect(ahead.lastErrorFrames).toBeLessThan(-ahead.options.jumpFrames);
    expect(ahead.needsJump).toBe(false);
    expect(ahead.speed).toBeLessThan(1);
  });
});

describe('snapshot interpolation', () => {
  const id = (slot: number) => makeEntityId(slot, 1);

  it('draws entities between the two snapshots around the render time, matched by id', () => {
    const it = new SnapshotInterpolator({ maxEntities: 8, maxSlots: 16 });
    it.push(10, 2, [id(1), id(2)], [0, 65536 * 10], [0, 0], [0, 0]);
    it.push(13, 2, [id(2), id(1)], [65536 * 13, 65536 * 3], [0, 0], [0, 0]); // order differs
    const out = createSampledBodies(8);
    expect(it.sampleInto(11.5, out)).toBe(true);
    const byId = new Map(Array.from({ length: out.count }, (_, i) => [out.ids[i], out.x[i]]));
    expect(byId.get(id(1))).toBeCloseTo(1.5, 6);
    expect(byId.get(id(2))).toBeCloseTo(11.5, 6);
  });

  it('shows an entity that appears or disappears from the nearer snapshot only', () => {
    const it = new SnapshotInterpolator({ maxEntities: 8, maxSlots: 16 });
    it.push(0, 1, [id(1)], [0], [0], [0]);
    it.push(4, 1, [id(2)], [65536], [0], [0]);
    const out = createSampledBodies(8);
    it.sampleInto(1, out);
    expect(Array.from(out.ids.subarray(0, out.count))).toEqual([id(1)]);
    it.sampleInto(3, out);
    expect(Array.from(out.ids.subarray(0, out.count))).toEqual([id(2)]);
  });

  it('holds the newest snapshot when starved and rejects stale or oversized snapshots', () => {
    const it = new SnapshotInterpolator({ maxEntities: 2, maxSlots: 4 });
    expect(it.push(5, 1, [id(1)], [65536], [0], [0])).toBe(true);
    expect(it.push(5, 1, [id(1)], [0], [0], [0])).toBe(false);
    expect(it.push(6, 3, [id(1), id(2), id(3)], [0, 0, 0], [0, 0, 0], [0, 0, 0])).toBe(false);
    expect(it.push(7, 1, [id(9)], [0], [0], [0])).toBe(false); // slot beyond maxSlots
    const out = createSampledBodies(2);
    it.sampleInto(9, out);
    expect(out.x[0]).toBe(1);
    expect(it.starved).toBe(1);
    expect(it.rejected).toBe(3);
  });
});

describe('lifetime', () => {
  it('gives every region back to the arena when a client, a server and their games are disposed', async () => {
    const arena = await newArena();
    const before = arena.stats().regions.length;
    const serverGame = ReferenceGame.create(arena, { world: worldOptions({ name: 's' }), npcs: 8, players: 2 });
    const clientGame = ReferenceGame.create(arena, { world: worldOptions({ name: 'c' }), npcs: 8, players: 2 });
    const server = new RollbackServer(serverGame);
    const client = new RollbackClient(clientGame, { localPlayer: 0, tickHz: 60 });
    expect(arena.stats().regions.length).toBeGreaterThan(before);
    client.dispose();
    server.dispose();
    clientGame.dispose();
    serverGame.dispose();
    expect(arena.stats().regions.length).toBe(before);
  });
});
