// Fast objects: a projectile that crosses a view between two of its client's discovery queries
// is still sent (trajectory projection and velocity-expanded reach), while the same crossing
// without the fast-object pass is missed; a slow entity gets no such treatment.

import { afterEach, describe, expect, it } from 'vitest';
import type { InterestOptions } from '../../src/interest/index.js';
import { Fixture } from './fixture.js';

const PROJECTILE = 1;
let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.dispose();
  fixture = undefined;
});

/**
 * A client at the origin with a 100 m circle that re-queries only every 60 ticks; a projectile
 * at 20 m per tick (1,200 m/s) crossing the corner of its view at y = 88 m: 3 ticks inside the
 * 95 m entering radius, between two of its discoveries.
 */
async function crossing(interest: InterestOptions): Promise<{ f: Fixture; c: number; seen: number[] }> {
  const f = await Fixture.create({ capacity: 8, interest: { discoveryPeriodTicks: 60, ...interest } });
  fixture = f;
  f.put(0, { x: 0, y: 0 });
  const c = f.addClient({ viewerSlot: 0, shape: { kind: 'circle', radiusM: 100 } });
  const seen: number[] = [];
  for (let t = 1; t <= 50; t++) {
    if (t === 5) f.put(PROJECTILE, { x: -300, y: 88, vx: 20 });
    else if (t > 5) f.integrate();
    if (t === 45) f.kill(PROJECTILE);
    f.tick();
    if (f.clientSlots(c).has(PROJECTILE)) seen.push(t);
  }
  return { f, c, seen };
}

describe('fast objects', () => {
  it('sends a projectile crossing a view between two discovery queries', async () => {
    const { f, c, seen } = await crossing({});
    expect(seen.length).toBeGreaterThan(0);
    // It was in the client's view while it flew through the view (x from -34 m to +34 m at
    // ticks 19..22), and taken in before it got there.
    expect(seen[0]).toBeLessThanOrEqual(19);
    expect(seen).toContain(20);
    expect(f.pipeline.clientCounters(c).fastInserts).toBeGreaterThan(0);
  });

  it('drops the projectile again once its path leaves the view', async () => {
    const { f, c, seen } = await crossing({});
    expect(seen.at(-1)!).toBeLessThan(50);
    expect(f.clientSlots(c).has(PROJECTILE)).toBe(false);
  });

  it('misses the same crossing without the fast-object pass', async () => {
    const { seen } = await crossing({ fast: { speedMps: 1e6 } });
    expect(seen).toEqual([]);
  });

  it('updates a fast body at least at the fast rate wherever it is in the view', async () => {
    const f = await Fixture.create({ capacity: 8, interest: { discoveryPeriodTicks: 8 } });
    fixture = f;
    f.put(0, { x: 0, y: 0 });
    // 50 m/s (band 3) far out in the background zone, moving across the view.
    f.put(PROJECTILE, { x: -80, y: 70, vx: 50 / 60 });
    const c = f.addClient({ viewerSlot: 0, shape: { kind: 'circle', radiusM: 120 } });
    const sends: number[] = [];
    const ticks: number[] = [];
    const zones = new Set<number>();
    for (let t = 0; t < 40; t++) {
      f.integrate();
      f.tick();
      const tick = f.pipeline.currentTick;
      ticks.push(tick);
      const e = f.pipeline.viewOf(c).find((v) => v.slot === PROJECTILE);
      expect(e, `in view at tick ${tick}`).toBeDefined();
      zones.add(e!.zone);
      if (e!.lastSent === tick) sends.push(tick);
    }
    // In the background zone the whole run (its own rate would be far slower)...
    expect([...zones]).toEqual([3]);
    // ... and sent at least every 2 ticks: from the run's start to the first send, between
    // sends, and from the last send to the run's end (the next is due by the tick after).
    expect(sends.length).toBeGreaterThanOrEqual(ticks.length / 2);
    const marks = [ticks[0]! - 1, ...sends, ticks.at(-1)! + 1];
    for (let i = 1; i < marks.length; i++) expect(marks[i]! - marks[i - 1]!, `gap ending at tick ${marks[i]}`).toBeLessThanOrEqual(2);
  });
});
