// The compiled encoder kernels (src/codec/game-kernels.ts) against the declaration's reference
// quantiser (toCode): every code a kernel writes, for stored values at random, at the edges of
// their ranges and next to every rounding boundary, equals toCode's. The kernels round with
// Math.floor(x + 0.5) where that provably equals Math.round, and with an exact fallback where
// it does not; both must agree with toCode's Math.round.

import { describe, expect, it } from 'vitest';
import { defineGame } from '../../src/core/game.js';
import { toCode } from '../../src/core/game-fields.js';
import { GameStore } from '../../src/core/game-store.js';
import { mulberry32 } from '../../src/core/mulberry32.js';
import { compileKernels } from '../../src/codec/game-kernels.js';
import { round } from '../../src/codec/game-kernel-source.js';
import { BitStreamWriter } from '../../src/codec/bit-stream.js';

const GAME = defineGame({
  name: 'kernel-codes',
  components: {
    pos: {
      fields: {
        x: { type: 'q16', min: -1000, max: 1000, precision: 1 / 64 },
        third: { type: 'q16', min: -50, max: 50, precision: 1 / 3 },
        odd: { type: 'q16', min: -7.3, max: 11.9, bits: 9 },
      },
    },
    turn: {
      fields: {
        yaw: { type: 'q16', min: -Math.PI, max: Math.PI, bits: 12, wrap: true },
        deg: { type: 'q16', min: 0, max: 360, precision: 1, wrap: true },
      },
    },
    stats: { fields: { hp: { type: 'i32', min: -500, max: 500 }, level: { type: 'u32' }, mood: { type: 'enum', values: ['a', 'b', 'c'] } } },
  },
  types: { thing: ['pos', 'turn', 'stats'] },
});

describe('compiled encoder kernels', () => {
  it('round() is Math.round for every double it is given, halves and near-halves included', () => {
    const rnd = mulberry32(3);
    const xs = [0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994, 0.5000000000000001, 4503599627370495.5, -4503599627370495.5, 1e300, -1e300, 0, -0];
    for (let i = 0; i < 20_000; i++) {
      const k = Math.floor((rnd() - 0.5) * 2e6);
      xs.push(k + 0.5, k + 0.5 - Number.EPSILON * Math.max(1, Math.abs(k)), k + 0.5 + Number.EPSILON * Math.max(1, Math.abs(k)), (rnd() - 0.5) * 1e9);
    }
    for (const x of xs) expect(round(x) + 0).toBe(Math.round(x) + 0); // +0: -0 and 0 are one code
  });

  it('every field code a kernel writes equals toCode, at random, at range edges and beside each rounding step', () => {
    const capacity = 4096;
    const store = new GameStore(GAME, { capacity });
    const ids: number[] = [];
    for (let i = 0; i < capacity; i++) ids.push(store.spawn('thing', {}));
    const rnd = mulberry32(9);
    const plans = GAME.types[0]!.wire[0];
    const fields = Array.from(plans.fields);
    const kernels = compileKernels(GAME, store);
    const codes = new Int32Array(fields.length);
    const w = new BitStreamWriter(1024);
    let checked = 0;
    const wrong: string[] = [];
    for (let round_ = 0; round_ < 8; round_++) {
      for (let slot = 0; slot < capacity; slot++) {
        for (const f of fields) {
          const plan = GAME.fields[f]!;
          const col = store.columns[f]!;
          const r = rnd();
          let v: number;
          if (plan.scale > 1 && r < 0.5) {
            // Beside a rounding step: the stored value nearest to (k + 1/2) quantisation steps.
            const k = Math.floor((rnd() - 0.5) * 4 * (plan.codeMax - plan.codeMin + 1));
            v = Math.round(plan.base + (k + 0.5) * plan.scale) + Math.floor(rnd() * 3) - 1;
          } else if (r < 0.6) v = rnd() < 0.5 ? -0x80000000 : 0x7fffffff;
          else v = Math.floor((rnd() - 0.5) * 2 ** 32);
          col[slot] = v;
        }
        w.reset();
        kernels[0]!.enter(slot, codes, 0, w);
        fields.forEach((f, k) => {
          const want = toCode(GAME.fields[f]!, store.columns[f]![slot]!) | 0;
          if (codes[k] !== want) wrong.push(`${GAME.fields[f]!.name} of stored ${store.columns[f]![slot]}: ${codes[k]}, not ${want}`);
          checked++;
        });
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(checked).toBe(8 * capacity * fields.length);
  });
});
