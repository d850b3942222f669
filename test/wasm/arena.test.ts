// The arena: aligned, non-overlapping named regions; growth with views that stay valid;
// typed errors when a region or the memory runs out; release and reuse.

import { describe, expect, it } from 'vitest';
import { Arena, ARENA_ALIGN } from '../../src/wasm/arena.js';
import { loadChronos, WASM_PAGE_BYTES } from '../../src/wasm/loader.js';
import { ArenaExhaustedError, ArenaOutOfMemoryError, InvalidArgumentError } from '../../src/core/errors.js';

async function arena(options: Parameters<typeof loadChronos>[0] = {}): Promise<Arena> {
  return new Arena(await loadChronos({ initialPages: 1, maximumPages: 256, ...options }));
}

describe('Arena', () => {
  it('starts after the module’s static data and aligns every region and column to 16 bytes', async () => {
    const a = await arena();
    expect(a.base).toBeGreaterThanOrEqual(a.wasm.exports.heap_base());
    const r1 = a.allocate('odd', 13);
    const soa = a.soa('bodies', 7, { x: 'f32', y: 'f32', hp: 'u16', alive: 'u8', big: 'f64' });
    for (const ptr of [r1.ptr, soa.ptrOf('x'), soa.ptrOf('y'), soa.ptrOf('hp'), soa.ptrOf('alive'), soa.ptrOf('big')]) {
      expect(ptr % ARENA_ALIGN).toBe(0);
    }
    expect(soa.ptr).toBeGreaterThanOrEqual(r1.ptr + r1.byteLength);
  });

  it('hands out regions that never overlap', async () => {
    const a = await arena();
    const regions = Array.from({ length: 20 }, (_, i) => a.allocate(`r${i}`, 1 + i * 37));
    const sorted = [...regions].sort((x, y) => x.ptr - y.ptr);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.ptr).toBeGreaterThanOrEqual(sorted[i - 1]!.ptr + sorted[i - 1]!.byteLength);
  });

  it('gives typed columns that kernels see at ptrOf', async () => {
    const a = await arena();
    const soa = a.soa('cols', 100, { a: 'i32', b: 'i32', out: 'i32' });
    soa.column('a').fill(3 * 65536);
    soa.column('b').fill(2 * 65536);
    a.wasm.exports.fx_mul_batch(soa.ptrOf('a'), soa.ptrOf('b'), soa.ptrOf('out'), 100);
    expect([...soa.column('out')].every((v) => v === 6 * 65536)).toBe(true);
  });

  it('grows memory when a region does not fit, keeping earlier data and views', async () => {
    const a = await arena();
    const first = a.soa('first', 1000, { v: 'i32' });
    first.column('v')[999] = 42;
    const before = a.wasm.memory.buffer.byteLength;
    a.allocate('big', 4 * WASM_PAGE_BYTES);
    expect(a.wasm.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(a.stats().growths).toBeGreaterThan(0);
    expect(first.column('v')[999]).toBe(42);
  });

  it('knows its own memory through a growth (holds), and not another arena\'s or a plain buffer', async () => {
    const a = await arena();
    const region = a.allocate('early', 64);
    const early = new Int32Array(a.memoryBuffer, region.ptr, 16);
    early[3] = 7;
    a.allocate('big', 4 * WASM_PAGE_BYTES); // grows: a new, longer SharedArrayBuffer
    expect(a.memoryBuffer).not.toBe(early.buffer);
    expect(a.holds(early)).toBe(true);
    expect(early[3]).toBe(7); // the probe put its byte back
    const b = await arena();
    expect(b.holds(new Int32Array(b.memoryBuffer, region.ptr, 16))).toBe(true);
    expect(a.holds(new Int32Array(b.memoryBuffer, region.ptr, 16))).toBe(false);
    expect(a.holds(new Int32Array(16))).toBe(false);
  });

  it('rebuilds views on the grown buffer after growth', async () => {
    const a = await arena();
    const soa = a.soa('cols', 16, { v: 'u32' });
    const before = soa.column('v');
    const bytesBefore = soa.bytes();
    before[5] = 7;
    const generation = a.generation;
    a.reserve(8 * WASM_PAGE_BYTES);
    expect(a.generation).toBe(generation + 1);
    const after = soa.column('v');
    expect(after).not.toBe(before);
    expect(after.buffer).toBe(a.wasm.memory.buffer);
    expect(after.buffer.byteLength).toBeGreaterThan(before.buffer.byteLength);
    expect(after[5]).toBe(7);
    expect(soa.bytes()).not.toBe(bytesBefore);
    expect(soa.bytes().byteLength).toBe(soa.byteLength);
  });

  it('keeps the same views while memory does not grow', async () => {
    const a = await arena();
    const soa = a.soa('cols', 16, { v: 'u32' });
    expect(soa.column('v')).toBe(soa.column('v'));
  });

  it('throws ArenaExhaustedError naming the region when its slots run out', async () => {
    const a = await arena();
    const soa = a.soa('players', 4, { x: 'f32' });
    expect(soa.alloc(3)).toBe(0);
    expect(soa.alloc()).toBe(3);
    expect(() => soa.alloc()).toThrow(ArenaExhaustedError);
    expect(() => soa.alloc()).toThrow(/players.*4 of 4 used/);
    soa.reset();
    expect(soa.alloc()).toBe(0);
  });

  it('throws ArenaOutOfMemoryError past the memory maximum and stays usable', async () => {
    const a = await arena({ maximumPages: 4 });
    expect(() => a.allocate('huge', 10 * WASM_PAGE_BYTES)).toThrow(ArenaOutOfMemoryError);
    expect(a.region('huge')).toBeUndefined();
    const ok = a.allocate('small', 1024);
    expect(ok.byteLength).toBe(1024);
  });

  it('rejects duplicate names, empty names and bad sizes', async () => {
    const a = await arena();
    a.allocate('x', 16);
    expect(() => a.allocate('x', 16)).toThrow(InvalidArgumentError);
    expect(() => a.allocate('', 16)).toThrow(InvalidArgumentError);
    expect(() => a.allocate('neg', -1)).toThrow(InvalidArgumentError);
    expect(() => a.allocate('nan', Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => a.soa('zero', 0, { v: 'u8' })).toThrow(InvalidArgumentError);
  });

  it('reuses released space, zeroed, and coalesces neighbours', async () => {
    const a = await arena();
    const r1 = a.allocate('a', 64);
    const r2 = a.allocate('b', 64);
    a.allocate('c', 64);
    r1.bytes().fill(9);
    r2.bytes().fill(9);
    a.release(r1);
    a.release(r2);
    expect(() => a.release(r2)).toThrow(InvalidArgumentError);
    const merged = a.allocate('d', 128);
    expect(merged.ptr).toBe(r1.ptr);
    expect(merged.bytes().every((b) => b === 0)).toBe(true);
  });

  it('returns a released block at the top to the bump pointer', async () => {
    const a = await arena();
    const top = a.stats().topByte;
    const r = a.allocate('temp', 4096);
    a.release(r);
    expect(a.stats().topByte).toBe(top);
    expect(a.stats().freeBytes).toBe(0);
  });

  it('zeroes space given back to the bump pointer when it is handed out again', async () => {
    const a = await arena();
    const r = a.allocate('dirty', 4096);
    r.bytes().fill(7);
    a.release(r);
    const again = a.allocate('again', 8192);
    expect(again.ptr).toBe(r.ptr);
    expect(again.bytes().every((b) => b === 0)).toBe(true);
  });
});
