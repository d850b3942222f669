// xxHash64 kernel: published golden values, and agreement with the reference implementation
// (xxhash-wasm) on random buffers of every length 0..256 at unaligned addresses and seeds.

import { beforeAll, describe, expect, it } from 'vitest';
import xxhash from 'xxhash-wasm';
import { loadChronos, type ChronosWasm } from '../../src/wasm/loader.js';
import { Arena } from '../../src/wasm/arena.js';
import { mulberry32 } from '../helpers/wasm.js';

let wasm: ChronosWasm;
let scratch: number;
let reference: Awaited<ReturnType<typeof xxhash>>;
const SCRATCH_BYTES = 1 << 16;

beforeAll(async () => {
  wasm = await loadChronos();
  scratch = new Arena(wasm).allocate('hash-scratch', SCRATCH_BYTES).ptr;
  reference = await xxhash();
});

function hashOf(bytes: Uint8Array, seed = 0n, offset = 0): bigint {
  new Uint8Array(wasm.memory.buffer).set(bytes, scratch + offset);
  return BigInt.asUintN(64, wasm.exports.xxh64(scratch + offset, bytes.byteLength, seed));
}

const text = (s: string) => new TextEncoder().encode(s);

describe('xxh64 kernel', () => {
  it('reproduces published XXH64 values', () => {
    expect(hashOf(text(''))).toBe(0xef46db3751d8e999n);
    expect(hashOf(text('a'))).toBe(0xd24ec4f1a98c6e5bn);
    expect(hashOf(text('abc'))).toBe(0x44bc2cf5ad770999n);
    expect(hashOf(text('Nobody inspects the spammish repetition'))).toBe(0xfbcea83c8a378bf1n);
  });

  it('reproduces golden values for seeded and longer inputs', () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
    expect(hashOf(bytes)).toBe(0x6ac1e58032166597n);
    expect(hashOf(bytes, 0x9e3779b97f4a7c15n)).toBe(0x3b97d91eba03e785n);
    expect(hashOf(text('Nobody inspects the spammish repetition'), 20141025n)).toBe(0xce06936136852706n);
  });

  it('matches the reference implementation for every length up to 256, unaligned, seeded', () => {
    const rand = mulberry32(21);
    for (let length = 0; length <= 256; length++) {
      const bytes = Uint8Array.from({ length }, () => Math.floor(rand() * 256));
      const seed = BigInt(Math.floor(rand() * 2 ** 32)) << 20n;
      const offset = length % 7;
      expect(hashOf(bytes, seed, offset)).toBe(reference.h64Raw(bytes, seed));
    }
  });

  it('matches the reference on a 64 KiB buffer', () => {
    const rand = mulberry32(22);
    const bytes = Uint8Array.from({ length: SCRATCH_BYTES }, () => Math.floor(rand() * 256));
    expect(hashOf(bytes)).toBe(reference.h64Raw(bytes, 0n));
  });

  it('changes when any single bit changes', () => {
    const bytes = new Uint8Array(64);
    const base = hashOf(bytes);
    for (let bit = 0; bit < 64 * 8; bit += 37) {
      const flipped = bytes.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      expect(hashOf(flipped)).not.toBe(base);
    }
  });
});
