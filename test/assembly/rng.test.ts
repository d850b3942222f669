// xoshiro128** kernel against an independent TypeScript transcription of the reference C code,
// and the range helper's bounds on spans up to a whole 64 km world.

import { beforeAll, describe, expect, it } from 'vitest';
import { loadChronos, type ChronosWasm } from '../../src/wasm/loader.js';
import { Arena } from '../../src/wasm/arena.js';

let wasm: ChronosWasm;
let state: number;

beforeAll(async () => {
  wasm = await loadChronos();
  state = new Arena(wasm).allocate('rng-state', 16).ptr;
});

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** xoshiro128** from https://prng.di.unimi.it/xoshiro128starstar.c */
function referenceNext(s: Uint32Array): number {
  const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
  const t = (s[1]! << 9) >>> 0;
  s[2]! ^= s[0]!;
  s[3]! ^= s[1]!;
  s[1]! ^= s[2]!;
  s[0]! ^= s[3]!;
  s[2]! ^= t;
  s[3] = rotl(s[3]!, 11);
  return result;
}

describe('rng kernels', () => {
  it('produce the reference xoshiro128** sequence', () => {
    const k = wasm.exports;
    k.rng_seed(state, 12345);
    const mirror = new Uint32Array(wasm.memory.buffer, state, 4).slice();
    expect(mirror.some((w) => w !== 0)).toBe(true);
    for (let i = 0; i < 10_000; i++) expect(k.rng_next(state) >>> 0).toBe(referenceNext(mirror));
  });

  it('seed differently for different seeds and identically for equal ones', () => {
    const k = wasm.exports;
    const firstDraws = (seed: number) => {
      k.rng_seed(state, seed);
      return [k.rng_next(state), k.rng_next(state), k.rng_next(state)];
    };
    expect(firstDraws(7)).toEqual(firstDraws(7));
    expect(firstDraws(7)).not.toEqual(firstDraws(8));
    expect(firstDraws(0)).not.toEqual([0, 0, 0]);
  });

  it('keep range draws inside [lo, hi], including a full 64 km span in Q16', () => {
    const k = wasm.exports;
    k.rng_seed(state, 99);
    const spans: [number, number][] = [[0, 0], [-5, 5], [0, 99], [-0x80000000, 0x7fffffff], [-1000 * 65536, 1000 * 65536]];
    for (const [lo, hi] of spans) {
      let seenLo = false;
      let seenHi = false;
      for (let i = 0; i < 20_000; i++) {
        const v = k.rng_range(state, lo, hi);
        expect(v).toBeGreaterThanOrEqual(lo);
        expect(v).toBeLessThanOrEqual(hi);
        seenLo ||= v === lo;
        seenHi ||= v === hi;
      }
      if (hi - lo <= 100) expect(seenLo && seenHi).toBe(true);
    }
  });

  it('spread small ranges evenly (each of 10 buckets within 10% of its share)', () => {
    const k = wasm.exports;
    k.rng_seed(state, 5);
    const buckets = new Array(10).fill(0);
    const draws = 100_000;
    for (let i = 0; i < draws; i++) buckets[k.rng_range(state, 0, 9)]++;
    for (const count of buckets) expect(Math.abs(count - draws / 10)).toBeLessThan(draws / 100);
  });
});
