// Bit packing kernels: the writer and reader are inverses for any sequence of fields, the tiered
// codes spend the bits their table says and round-trip every u32 / i32, zig-zag and LEB128
// varints agree with a TypeScript reference, and reading past the end is reported, never garbage.

import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter, readVarint, unzigzag, writeVarint, zigzag } from '../../src/codec/bits.js';
import { codecKernels } from '../../src/codec/codec-kernels.js';
import { DecodeError } from '../../src/core/errors.js';
import { freshArena, mulberry32, randomI32 } from '../helpers/wasm.js';

/** The tiered code's size by its table (assembly/codec/bits.ts). */
function tieredBits(z: number): number {
  if (z === 0) return 1;
  if (z <= 2) return 3;
  if (z <= 10) return 6;
  if (z <= 266) return 12;
  return 10 + (32 - Math.clz32(z - 267));
}

const EDGES = [0, 1, 2, 3, 10, 11, 266, 267, 268, 1000, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];

describe('bit writer and reader', () => {
  it('read back any random sequence of fields of 1..32 bits exactly', async () => {
    const arena = await freshArena();
    const w = new BitWriter(arena, 4096);
    const r = new BitReader(arena, 4096);
    const rand = mulberry32(1);
    const fields: [number, number][] = [];
    let bits = 0;
    while (bits < 30_000) {
      const n = 1 + Math.floor(rand() * 32);
      const v = Math.floor(rand() * 2 ** n) >>> 0;
      fields.push([v, n]);
      w.write(v, n);
      bits += n;
    }
    expect(w.bitPosition).toBe(bits);
    r.load(w.toBytes());
    for (const [v, n] of fields) expect(r.read(n)).toBe(v);
    expect(r.remainingBits).toBeLessThan(8);
  });

  it('spends the tabled number of bits on the tiered code and reads every value back', async () => {
    const arena = await freshArena();
    const k = codecKernels(arena.wasm);
    const w = new BitWriter(arena, 1 << 16);
    const r = new BitReader(arena, 1 << 16);
    const rand = mulberry32(2);
    const values = [...EDGES, ...Array.from({ length: 3000 }, () => Math.floor(rand() * 2 ** (1 + Math.floor(rand() * 32))) >>> 0)];
    for (const v of values) {
      const before = w.bitPosition;
      w.writeTiered(v);
      expect(w.bitPosition - before, `tiered(${v})`).toBe(tieredBits(v));
      expect(k.bits_tiered_size(v)).toBe(tieredBits(v));
    }
    r.load(w.toBytes());
    for (const v of values) expect(r.readTiered()).toBe(v);
  });

  it('round-trips signed values through zig-zag and the tiered code', async () => {
    const arena = await freshArena();
    const k = codecKernels(arena.wasm);
    const w = new BitWriter(arena, 1 << 16);
    const r = new BitReader(arena, 1 << 16);
    const rand = mulberry32(3);
    const values = Array.from({ length: 4000 }, () => randomI32(rand));
    for (const v of values) {
      expect(k.bits_zigzag(v) >>> 0).toBe(zigzag(v));
      expect(k.bits_unzigzag(zigzag(v))).toBe(v);
      expect(unzigzag(zigzag(v))).toBe(v);
      w.writeSigned(v);
    }
    r.load(w.toBytes());
    for (const v of values) expect(r.readSigned()).toBe(v);
  });

  it('codes small residuals in few bits: 0 in one, +-1 in three', async () => {
    const arena = await freshArena();
    const w = new BitWriter(arena, 64);
    w.writeSigned(0);
    expect(w.bitPosition).toBe(1);
    w.writeSigned(-1);
    w.writeSigned(1);
    expect(w.bitPosition).toBe(7);
  });

  it('reports reading past the end with a DecodeError instead of returning garbage', async () => {
    const arena = await freshArena();
    const r = new BitReader(arena, 16);
    r.load(Uint8Array.of(0xff, 0x01));
    expect(r.read(9)).toBe(0x1ff);
    expect(() => r.read(8)).toThrow(DecodeError);
    r.load(Uint8Array.of(0xff)); // a tiered prefix 1111 promising more bits than there are
    expect(() => r.readTiered()).toThrow(DecodeError);
  });

  it('refuses to write past its capacity', async () => {
    const arena = await freshArena();
    const w = new BitWriter(arena, 2);
    w.write(0xffff, 16);
    expect(() => w.write(1, 1)).toThrow(/full/);
    expect(w.bitPosition).toBe(16);
  });
});

describe('LEB128 varints', () => {
  it('agree between the kernel and the TypeScript reference for edges and random values', async () => {
    const arena = await freshArena();
    const k = codecKernels(arena.wasm);
    const region = arena.allocate('varint-test', 16);
    const rand = mulberry32(4);
    const values = [...EDGES, ...Array.from({ length: 2000 }, () => Math.floor(rand() * 2 ** 32) >>> 0)];
    const ts = new Uint8Array(8);
    for (const v of values) {
      const n = k.varint_write(region.ptr, v);
      const tn = writeVarint(ts, 0, v);
      expect(n).toBe(tn);
      expect(Array.from(region.bytes().subarray(0, n))).toEqual(Array.from(ts.subarray(0, n)));
      const read = BigInt.asUintN(64, k.varint_read(region.ptr, n));
      expect(Number(read & 0xffffffffn)).toBe(v);
      expect(Number(read >> 32n)).toBe(n);
      expect(readVarint(ts, 0)).toEqual({ value: v, bytes: n });
    }
  });

  it('rejects truncated, overlong and oversized varints', async () => {
    const arena = await freshArena();
    const k = codecKernels(arena.wasm);
    const region = arena.allocate('varint-bad', 16);
    const cases = [Uint8Array.of(0x80), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f)];
    for (const bytes of cases) {
      region.bytes().set(bytes);
      expect(k.varint_read(region.ptr, bytes.length)).toBe(0n);
      expect(() => readVarint(bytes, 0)).toThrow(DecodeError);
    }
  });
});
