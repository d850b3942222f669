// Priority scheduling: zone rates when the budget allows them, no starvation when it does not
// (every entity in view is updated at least every twice its zone's period when the budget
// carries 60 % of the records the nominal rates call for), the multi-factor score ordering a tight budget, and the
// network-condition multipliers slowing the outer zones of a poor link.

import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../helpers/wasm.js';
import { Fixture } from './fixture.js';

const PERIODS = [1, 3, 12, 60];
let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.dispose();
  fixture = undefined;
});

/** A viewer with entities spread over the four zones of a 100 m view (none near a boundary). */
async function zonedWorld(o: { rttMs?: number } = {}): Promise<{ f: Fixture; c: number; zoneOf: Map<number, number> }> {
  const f = await Fixture.create({ capacity: 256, interest: { dynamicRadius: { minScale: 1, maxScale: 1, growBelow: 0 } } });
  fixture = f;
  const rand = mulberry32(5);
  f.put(0, { x: 0, y: 0 });
  const bands: [number, number, number][] = [[4, 1, 4], [20, 7, 22], [40, 28, 56], [60, 64, 92]];
  const zoneOf = new Map<number, number>();
  let slot = 1;
  bands.forEach(([count, lo, hi], zone) => {
    for (let i = 0; i < count; i++, slot++) {
      const d = lo + rand() * (hi - lo), a = rand() * 2 * Math.PI;
      f.put(slot, { x: Math.cos(a) * d, y: Math.sin(a) * d });
      zoneOf.set(slot, zone);
    }
  });
  const c = f.addClient({ viewerSlot: 0, shape: { kind: 'circle', radiusM: 100 } });
  if (o.rttMs !== undefined) f.pipeline.rttMs[c] = o.rttMs;
  return { f, c, zoneOf };
}

/** Runs `ticks` ticks and returns, per slot, the longest gap between two sends. */
function longestGaps(f: Fixture, c: number, ticks: number): Map<number, number> {
  const last = new Map<number, number>();
  const gaps = new Map<number, number>();
  for (let t = 0; t < ticks; t++) {
    f.tick();
    for (const e of f.pipeline.viewOf(c)) {
      const prev = last.get(e.slot);
      if (prev !== undefined && e.lastSent !== prev) gaps.set(e.slot, Math.max(gaps.get(e.slot) ?? 0, e.lastSent - prev));
      last.set(e.slot, e.lastSent);
    }
  }
  // A slot still waiting at the end counts its wait so far.
  const now = f.pipeline.currentTick;
  for (const [slot, at] of last) gaps.set(slot, Math.max(gaps.get(slot) ?? 0, now - at));
  return gaps;
}

describe('update rates', () => {
  it('updates each zone at its own rate when the budget allows', async () => {
    const { f, c, zoneOf } = await zonedWorld();
    for (let t = 0; t < 120; t++) f.tick();
    const gaps = longestGaps(f, c, 240);
    for (const [slot, zone] of zoneOf) expect(gaps.get(slot), `slot ${slot} in zone ${zone}`).toBe(PERIODS[zone]);
  });

  it('updates every entity at least every twice its zone period when the budget carries 60 % of the records', async () => {
    const { f, c, zoneOf } = await zonedWorld();
    for (let t = 0; t < 120; t++) f.tick();
    const recordsPerTick = (ticks: number): number => {
      const before = f.pipeline.clientCounters(c);
      for (let t = 0; t < ticks; t++) f.tick();
      const after = f.pipeline.clientCounters(c);
      return (after.deltas + after.fulls - before.deltas - before.fulls) / ticks;
    };
    const nominal = recordsPerTick(240);
    // The smallest budget that carries 60 % of the nominal records (records grow a little under
    // pressure: baselines of different ages cost more bits).
    let budget = 24;
    f.pipeline.budgetBytes[c] = budget;
    while (recordsPerTick(120) < nominal * 0.6) f.pipeline.budgetBytes[c] = ++budget;
    const deferredBefore = f.pipeline.clientCounters(c).deferred;
    const gaps = longestGaps(f, c, 600);
    expect(f.pipeline.clientCounters(c).deferred - deferredBefore, 'the budget really bound').toBeGreaterThan(100);
    for (const [slot, zone] of zoneOf) {
      expect(gaps.get(slot)!, `slot ${slot} in zone ${zone} (budget ${budget} B/tick)`).toBeLessThanOrEqual(2 * PERIODS[zone]!);
    }
  });

  it('sends new entities before updates when the budget is tight', async () => {
    const { f, c } = await zonedWorld();
    f.pipeline.budgetBytes[c] = 40;
    f.tick();
    const enters = f.pipeline.clientCounters(c);
    expect(enters.enters).toBeGreaterThan(0);
    expect(enters.deltas).toBe(0);
  });

  it('orders a tight budget by the score: an entity interacted with goes first', async () => {
    const { f, c } = await zonedWorld();
    for (let t = 0; t < 120; t++) f.tick();
    // Two background entities, equally overdue; the one the client interacts with must win.
    const bg = f.pipeline.viewOf(c).filter((e) => e.zone === 3).map((e) => e.slot);
    const [a, b] = [bg[0]!, bg[1]!];
    expect(f.pipeline.interact(c, b, 1)).toBe(true);
    f.pipeline.budgetBytes[c] = 24;
    let firstA = -1, firstB = -1;
    const startA = f.pipeline.viewOf(c).find((e) => e.slot === a)!.lastSent;
    const startB = f.pipeline.viewOf(c).find((e) => e.slot === b)!.lastSent;
    for (let t = 0; t < 200 && (firstA < 0 || firstB < 0); t++) {
      f.tick();
      const ea = f.pipeline.viewOf(c).find((e) => e.slot === a)!, eb = f.pipeline.viewOf(c).find((e) => e.slot === b)!;
      if (firstA < 0 && ea.lastSent !== startA) firstA = ea.lastSent;
      if (firstB < 0 && eb.lastSent !== startB) firstB = eb.lastSent;
    }
    expect(firstB).toBeGreaterThan(0);
    expect(firstB - startB).toBeLessThanOrEqual(firstA - startA);
  });
});

describe('network-condition multipliers', () => {
  it('slows the outer zones of a poor link by the seed table and keeps the immediate zone near full rate', async () => {
    const { f, c, zoneOf } = await zonedWorld({ rttMs: 300 });
    for (let t = 0; t < 120; t++) f.tick();
    const gaps = longestGaps(f, c, 900);
    // Poor: 0.7, 0.4, 0.2, 0.1 -> periods ceil(1/0.7) = 2, ceil(3/0.4) = 8, ceil(12/0.2) = 60, ceil(60/0.1) = 600.
    const poor = [2, 8, 60, 600];
    for (const [slot, zone] of zoneOf) expect(gaps.get(slot), `slot ${slot} in zone ${zone}`).toBe(poor[zone]);
  });
});
