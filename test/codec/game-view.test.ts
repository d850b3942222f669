// ViewSurvey.sorted, the encoder's first step: a view's slots in ascending order through each of
// its three ways (already ascending: as given; dense against the high water: a bitmap; sparse:
// a radix sort), each against the brute-force sort, and each refusing the same bad
// views with a typed error: a slot twice, a slot that is not one, a slot at or past the high
// water. The encoder refuses them too, so a game's buggy visible() cannot make it read past
// its columns.

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { mulberry32 } from '../../src/core/mulberry32.js';
import { ViewSurvey, VIEW_BITMAP_DENSITY } from '../../src/codec/game-view.js';
import { GameReplicator } from '../../src/codec/game-snapshot.js';
import { GameStore } from '../../src/core/game-store.js';
import { TAG } from '../helpers/tag-game.js';
import { GameFrame, measureLeavers } from '../../src/codec/game-frames.js';

/** `count` distinct slots below `highWater`, shuffled. */
function view(rnd: () => number, highWater: number, count: number): number[] {
  const all = Array.from({ length: highWater }, (_, i) => i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, count);
}

describe('ViewSurvey.sorted', () => {
  it('sorts dense and sparse views as the brute-force sort does, and hands an ascending view back as it is', () => {
    const rnd = mulberry32(7);
    const survey = new ViewSurvey();
    let dense = 0;
    let sparse = 0;
    for (let round = 0; round < 400; round++) {
      const highWater = 1 + Math.floor(rnd() * (round % 2 === 0 ? 3000 : 200_000));
      const count = Math.min(highWater, Math.floor(rnd() * 600));
      const slots = view(rnd, highWater, count);
      const want = [...slots].sort((a, b) => a - b);
      const input = round % 3 === 0 ? Uint32Array.from(slots) : slots;
      const got = Array.from(survey.sorted(input, count, highWater) as ArrayLike<number>);
      expect(got).toEqual(want);
      if (count > 1 && Math.ceil(highWater / 32) <= count * VIEW_BITMAP_DENSITY) dense++;
      else sparse++;
      // Sorted already: the same array back.
      const asc = Uint32Array.from(want);
      expect(survey.sorted(asc, count, highWater)).toBe(asc);
    }
    // Both ways were taken many times.
    expect(dense).toBeGreaterThan(100);
    expect(sparse).toBeGreaterThan(100);
  });

  it('sorts only the first `count` slots of a longer array', () => {
    const survey = new ViewSurvey();
    expect(Array.from(survey.sorted([9, 3, 7, 1, 1, 1], 3, 100) as ArrayLike<number>)).toEqual([3, 7, 9]);
    expect(Array.from(survey.sorted([90_000, 3, 7, 1, 1, 1], 3, 100_000) as ArrayLike<number>)).toEqual([3, 7, 90_000]);
  });

  it('refuses a slot twice, a slot that is not one and a slot at or past the high water, whichever way it sorts', () => {
    const survey = new ViewSurvey();
    // [views, high water]: dense (bitmap) with 64, sparse (sort) with 1,000,000, plus ascending ones.
    const cases: [number[], number, RegExp][] = [
      [[5, 3, 5], 64, /twice/],
      [[5, 3, 5], 1_000_000, /twice/],
      [[5, -1, 3], 64, /not a slot/],
      [[5, -1, 3], 1_000_000, /not a slot/],
      [[5, 2.5, 3], 64, /not a slot/],
      [[5, 2.5, 3], 1_000_000, /not a slot/],
      [[5, Number.NaN, 3], 64, /not a slot/],
      [[5, 64, 3], 64, /empty/],
      [[5, 2_000_000, 3], 1_000_000, /empty/],
      [[1, 2, 64], 64, /empty/],
      [[1, 2.5, 3], 64, /not a slot/],
      [[-1], 64, /not a slot/],
    ];
    for (const [slots, highWater, why] of cases) {
      expect(() => survey.sorted(slots, slots.length, highWater), `${slots} / ${highWater}`).toThrow(InvalidArgumentError);
      expect(() => survey.sorted(slots, slots.length, highWater), `${slots} / ${highWater}`).toThrow(why);
    }
    // A refused view leaves nothing behind: the next one sorts right.
    expect(Array.from(survey.sorted([40, 2, 33], 3, 64) as ArrayLike<number>)).toEqual([2, 33, 40]);
  });

  it('surveys an ascending view in one pass as sorting, surveying and measuring the leavers apart do, and passes on any other view', () => {
    const rnd = mulberry32(19);
    const store = new GameStore(TAG, { capacity: 4000 });
    for (let i = 0; i < 3000; i++) store.spawn('rock', { position: { x: i % 100, y: 0 } }, i % 7 === 0 ? 3 : 0);
    const recordFields = Int32Array.from([4, 6, 5, 7, 3, 3]);
    for (let round = 0; round < 200; round++) {
      const highWater = store.highWater;
      const slots = view(rnd, highWater, Math.floor(rnd() * 500)).sort((a, b) => a - b);
      const baseSlots = view(rnd, highWater, Math.floor(rnd() * 500)).sort((a, b) => a - b);
      const base = round % 5 === 0 ? null : new GameFrame(4000, 8);
      if (base) {
        base.ensure(baseSlots.length, baseSlots.length * 8);
        let used = 0;
        baseSlots.forEach((sl, i) => {
          base.slot[i] = sl;
          base.at[i] = used;
          used += 1 + Math.floor(rnd() * 7);
        });
        base.count = baseSlots.length;
        base.used = used;
      }
      const owner = round % 2 === 0 ? 3 : 0;
      const one = new ViewSurvey();
      const oneLeavers = { entries: -1, codes: -1 };
      expect(one.surveyAscending(slots, slots.length, highWater, store, owner, recordFields, 9, base, oneLeavers)).toBe(true);
      const apart = new ViewSurvey();
      const apartLeavers = { entries: -1, codes: -1 };
      const order = apart.sorted(slots, slots.length, highWater);
      apart.survey(store, owner, recordFields, 9, order, slots.length);
      measureLeavers(order, slots.length, base, apartLeavers);
      expect([one.codes, one.runs, oneLeavers]).toEqual([apart.codes, apart.runs, apartLeavers]);
      // Not ascending (two swapped, or one twice): passed on, nothing changed.
      if (slots.length > 1) {
        const swapped = [...slots];
        [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
        expect(one.surveyAscending(swapped, swapped.length, highWater, store, owner, recordFields, 9, base, oneLeavers)).toBe(false);
        expect(one.surveyAscending([slots[0]!, ...slots], slots.length + 1, highWater, store, owner, recordFields, 9, base, oneLeavers)).toBe(false);
        expect([one.codes, one.runs, oneLeavers]).toEqual([apart.codes, apart.runs, apartLeavers]);
      }
    }
  });

  it('makes the encoder refuse a view past the store instead of reading past its columns', () => {
    const store = new GameStore(TAG, { capacity: 64 });
    for (let i = 0; i < 10; i++) store.spawn('rock', { position: { x: i, y: 0 } });
    const replicator = new GameReplicator(store, { viewCapacity: 16 });
    expect(() => replicator.encode(1, [0, 1, 500], 3)).toThrow(InvalidArgumentError);
    expect(() => replicator.encode(1, [500, 1, 0], 3)).toThrow(/empty/);
    expect(() => replicator.encode(1, [3, 1, 1.5], 3)).toThrow(/not a slot/);
    // And goes on serving good views.
    expect(replicator.encode(2, [4, 1, 0], 3).byteLength).toBeGreaterThan(18);
  });
});
