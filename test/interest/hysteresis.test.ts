// Hysteresis: a body walking back and forth across a boundary does not flap. The view boundary
// of a 100 m circle is crossed inwards at 95 m and outwards at 105 m; zone boundaries likewise
// (near/awareness at 25 m: in below 23.75 m, out beyond 26.25 m).

import { afterEach, describe, expect, it } from 'vitest';
import { Fixture } from './fixture.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.dispose();
  fixture = undefined;
});

async function oneWalker(): Promise<{ f: Fixture; c: number }> {
  const f = await Fixture.create({ capacity: 8, interest: { discoveryPeriodTicks: 1, dynamicRadius: { minScale: 1, maxScale: 1, growBelow: 0 } } });
  fixture = f;
  f.put(0, { x: 0, y: 0 });
  f.put(1, { x: 120, y: 0 });
  const c = f.addClient({ viewerSlot: 0, shape: { kind: 'circle', radiusM: 100 } });
  return { f, c };
}

describe('view hysteresis', () => {
  it('lets a body in only inside 95 m and out only beyond 105 m', async () => {
    const { f, c } = await oneWalker();
    const path: [number, boolean][] = [[120, false], [100, false], [96, false], [94, true], [100, true], [104.5, true], [105.5, false], [99, false], [94.5, true]];
    for (const [x, member] of path) {
      f.move(1, x, 0);
      f.tick();
      f.tick();
      expect(f.serverSlots(c).has(1), `at ${x} m`).toBe(member);
      expect(f.clientSlots(c).has(1), `client at ${x} m`).toBe(member);
    }
  });

  it('sends one enter and no leave to a body pacing between 96 m and 104 m for 600 ticks', async () => {
    const { f, c } = await oneWalker();
    f.move(1, 94, 0);
    f.tick();
    const before = f.pipeline.clientCounters(c);
    for (let t = 0; t < 600; t++) {
      f.move(1, 100 + 4 * Math.sin(t / 7), 0);
      f.tick();
    }
    const after = f.pipeline.clientCounters(c);
    expect(after.enters - before.enters).toBe(0);
    expect(after.leaves - before.leaves).toBe(0);
    expect(f.clientSlots(c).has(1)).toBe(true);
  });

  it('keeps a body pacing across a zone boundary in one zone while it stays inside the band', async () => {
    const { f, c } = await oneWalker();
    f.move(1, 20, 0);
    f.tick();
    const zoneOf = (): number => f.pipeline.viewOf(c).find((e) => e.slot === 1)!.zone;
    expect(zoneOf()).toBe(1); // near: within 25 m
    const zones = new Set<number>();
    for (let t = 0; t < 300; t++) {
      f.move(1, 25 + 1.2 * Math.sin(t / 5), 0);
      f.tick();
      zones.add(zoneOf());
    }
    expect([...zones]).toEqual([1]);
    f.move(1, 27, 0);
    for (let t = 0; t < 20; t++) f.tick();
    expect(zoneOf()).toBe(2); // awareness once past 26.25 m
  });

  it('flaps at most once per crossing without hysteresis, proving the band is what holds it', async () => {
    const f = await Fixture.create({ capacity: 8, interest: { hysteresis: 0, discoveryPeriodTicks: 1, dynamicRadius: { minScale: 1, maxScale: 1, growBelow: 0 } } });
    fixture = f;
    f.put(0, { x: 0, y: 0 });
    f.put(1, { x: 99, y: 0 });
    const c = f.addClient({ viewerSlot: 0, shape: { kind: 'circle', radiusM: 100 } });
    f.tick();
    for (let t = 0; t < 100; t++) {
      f.move(1, t % 2 === 0 ? 101 : 99, 0);
      f.tick();
    }
    expect(f.pipeline.clientCounters(c).leaves).toBeGreaterThan(20);
  });
});
