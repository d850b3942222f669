// RemoteMotion: other entities drawn between the positions the server sent, each over its own
// update interval. Fed by a real replicator and replica: an entity moving every tick glides a
// tick behind; one that moves in steps every 6 ticks (a far band of update zones) is drawn
// advancing a sixth of a step per tick, never jumping; a teleport is drawn at once; an entity
// that leaves the view is no longer followed; and the render clock stops a few ticks past a
// stalled stream.

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { defineGame } from '../../src/core/game.js';
import { GameStore } from '../../src/core/game-store.js';
import { GameReplica } from '../../src/codec/game-replica.js';
import { GameReplicator } from '../../src/codec/game-snapshot.js';
import { RemoteMotion, type Place } from '../../src/client/remote-motion.js';

const M = { type: 'q16', min: -1000, max: 1000, precision: 1 / 64 } as const;
const GAME = defineGame({ name: 'motion', components: { pos: { fields: { x: M, y: M } } }, types: { walker: ['pos'] } });
const FX = GAME.fieldIndex.get('pos.x')!;
const FY = GAME.fieldIndex.get('pos.y')!;

function link() {
  const store = new GameStore(GAME, { capacity: 16 });
  const server = new GameReplicator(store, { viewCapacity: 16 });
  const replica = new GameReplica(GAME, { viewCapacity: 16 });
  const motion = new RemoteMotion();
  const send = (tick: number, ids: number[]) => {
    const slots = Uint32Array.from(ids, (id) => id & 0xfffff);
    const seq = server.nextSeq;
    replica.decode(server.encode(tick, slots, slots.length));
    server.ack(seq);
    motion.observe(replica, FX, FY, undefined, tick * (1000 / 60));
  };
  return { store, motion, send };
}

describe('RemoteMotion', () => {
  it('draws an entity moving every tick gliding one tick behind, and one moving in steps every 6 ticks advancing a sixth a tick', () => {
    const { store, motion, send } = link();
    const runner = store.spawn('walker', { pos: { x: 0, y: 0 } });
    const stepper = store.spawn('walker', { pos: { x: 0, y: 10 } });
    const out: Place = { x: 0, y: 0, z: 0 };
    let lastStepperX = Number.NaN;
    for (let tick = 0; tick < 60; tick++) {
      store.set(runner, 'pos.x', tick * 0.5);
      if (tick % 6 === 0) store.set(stepper, 'pos.x', tick);
      send(tick, [runner, stepper]);
      if (tick < 13) continue;
      for (const frac of [0, 0.5, 1]) {
        const at = tick + frac;
        // The runner: between where it was a tick ago and where it is now.
        expect(motion.place(runner, at, out)).toBe(true);
        expect(out.x).toBeCloseTo((tick - 1 + frac) * 0.5, 5);
        // The stepper: a line through its steps, never more than a sixth of a step (1 m) a tick.
        expect(motion.place(stepper, at, out)).toBe(true);
        expect(out.y).toBe(10);
        if (!Number.isNaN(lastStepperX)) {
          expect(out.x - lastStepperX).toBeGreaterThanOrEqual(0);
          expect(out.x - lastStepperX).toBeLessThanOrEqual(0.5 + 1e-9);
        }
        lastStepperX = out.x;
      }
    }
  });

  it('says which tick the screen shows: at a whole render tick, an entity moving every tick is drawn where it was at shownTick', () => {
    const { store, motion, send } = link();
    const runner = store.spawn('walker', { pos: { x: 0, y: 0 } });
    const out: Place = { x: 0, y: 0, z: 0 };
    const at = (tick: number) => tick * 0.75; // where the runner is at each tick
    for (let tick = 0; tick < 20; tick++) {
      store.set(runner, 'pos.x', at(tick));
      send(tick, [runner]);
    }
    for (const render of [19, 19.4, 20, 20.6]) {
      motion.place(runner, render, out);
      const shown = motion.shownTick(render);
      if (Number.isInteger(render)) expect(out.x).toBeCloseTo(at(shown), 5);
      else expect(Math.abs(out.x - at(shown))).toBeLessThanOrEqual(0.75 / 2 + 1e-9);
    }
  });

  it('draws a jump at once, forgets an entity that left the view, and stops the clock a few ticks past a stall', () => {
    const { store, motion, send } = link();
    const a = store.spawn('walker', { pos: { x: 0, y: 0 } });
    const b = store.spawn('walker', { pos: { x: 5, y: 5 } });
    const out: Place = { x: 0, y: 0, z: 0 };
    send(0, [a, b]);
    store.set(a, 'pos.x', 500); // a respawn far away
    send(1, [a, b]);
    expect(motion.place(a, 1, out)).toBe(true);
    expect(out.x).toBe(500);
    send(2, [a]);
    expect(motion.place(b, 2, out)).toBe(false);
    expect(motion.size).toBe(1);
    // The newest snapshot is tick 2 (arrived at 2/60 s): the clock runs on, capped 3 ticks past it.
    expect(motion.renderTick((2 + 1.5) * (1000 / 60), 60)).toBeCloseTo(3.5, 6);
    expect(motion.renderTick(10_000, 60)).toBe(5);
  });

  it('refuses options out of range', () => {
    expect(() => new RemoteMotion({ snapM: 0 })).toThrow(InvalidArgumentError);
    expect(() => new RemoteMotion({ maxIntervalTicks: 0.5 })).toThrow(InvalidArgumentError);
    expect(() => new RemoteMotion({ maxAheadTicks: -1 })).toThrow(InvalidArgumentError);
  });
});
