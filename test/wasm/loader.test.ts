// The loader: one module over shared memory, typed binding checks and clear load errors. Where
// two instances are made, both run code: the same bytes compute the same results, and a second
// instance over the first one's memory reads and continues what the first one's code wrote.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { compileChronos, createMemory, findBuildPath, loadChronos } from '../../src/wasm/loader.js';
import { bindKernels } from '../../src/wasm/kernels.js';
import { WasmLinkError, WasmLoadError } from '../../src/core/errors.js';
import { mulberry32 } from '../helpers/wasm.js';

const Q = 65536;

describe('loadChronos', () => {
  it('instantiates the release build over a shared memory', async () => {
    const wasm = await loadChronos();
    expect(wasm.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(wasm.exports.fx_mul(2 * 65536, 3 * 65536)).toBe(6 * 65536);
    expect(wasm.exports.heap_base()).toBeGreaterThan(0);
  });

  it('accepts the bytes directly, as a browser or bundler would pass them, and runs them alike', async () => {
    const bytes = await readFile(await findBuildPath('chronos.wasm'));
    const fromFile = await loadChronos();
    const fromBytes = await loadChronos({ bytes: new Uint8Array(bytes) });
    expect(fromBytes.instance).not.toBe(fromFile.instance);
    expect(fromBytes.memory).not.toBe(fromFile.memory);
    expect(WebAssembly.Module.exports(fromBytes.module)).toEqual(WebAssembly.Module.exports(fromFile.module));
    expect(fromBytes.exports.fx_sqrt(4 * Q)).toBe(2 * Q);
    // The same answers from both, over seeded inputs: arithmetic kernels and a hash of memory
    // each instance filled itself (their memories are separate).
    const rand = mulberry32(7);
    for (let i = 0; i < 2000; i++) {
      const a = Math.floor((rand() - 0.5) * 2 ** 31), b = Math.floor((rand() - 0.5) * 2 ** 31);
      for (const k of ['fx_mul', 'fx_div', 'fx_atan2'] as const) expect(fromBytes.exports[k](a, b), `${k}(${a}, ${b})`).toBe(fromFile.exports[k](a, b));
      for (const k of ['fx_sqrt', 'fx_sin', 'fx_wrap_angle'] as const) expect(fromBytes.exports[k](Math.abs(a)), `${k}(${Math.abs(a)})`).toBe(fromFile.exports[k](Math.abs(a)));
    }
    const data = Uint8Array.from({ length: 4096 }, () => Math.floor(rand() * 256));
    for (const w of [fromFile, fromBytes]) new Uint8Array(w.memory.buffer, w.exports.heap_base(), data.length).set(data);
    for (const len of [0, 1, 31, 32, 33, 4096]) {
      expect(fromBytes.exports.xxh64(fromBytes.exports.heap_base(), len, 9n)).toBe(fromFile.exports.xxh64(fromFile.exports.heap_base(), len, 9n));
    }
  });

  it('compiles a build file once and reuses the module', async () => {
    expect(await compileChronos()).toBe(await compileChronos());
  });

  it('lets a second instance share the first one’s memory (how workers attach)', async () => {
    const a = await loadChronos();
    const b = await loadChronos({ memory: a.memory });
    // Two instances of the one compiled module, each with its own functions, over one memory.
    expect(b.module).toBe(a.module);
    expect(b.instance).not.toBe(a.instance);
    expect(b.exports.vec3_set).not.toBe(a.exports.vec3_set);
    expect(b.memory).toBe(a.memory);
    const base = (a.exports.heap_base() + 15) & ~15;
    // What A's code writes, B's code reads: a (3, 4, 0) m vector has length 5 m.
    a.exports.vec3_set(base, 3 * Q, 4 * Q, 0);
    expect(b.exports.vec3_length(base)).toBe(5 * Q);
    // And B's code works on A's results: B adds the vector to itself, A reads 10 m.
    b.exports.vec3_add(base + 16, base, base);
    expect(a.exports.vec3_length(base + 16)).toBe(10 * Q);
    // The RNG's state lives in that memory, not in either instance: turns taken by A and B
    // continue one sequence, the one a single instance draws alone.
    const state = base + 64;
    const alone = base + 128;
    a.exports.rng_seed(state, 1234);
    a.exports.rng_seed(alone, 1234);
    const shared: number[] = [];
    const single: number[] = [];
    for (let i = 0; i < 16; i++) {
      shared.push((i % 2 === 0 ? a : b).exports.rng_next(state));
      single.push(a.exports.rng_next(alone));
    }
    expect(shared).toEqual(single);
    expect(new Set(single).size).toBe(16);
  });

  it('refuses a non-shared memory with a load error that says so', async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 10 });
    await expect(loadChronos({ memory })).rejects.toThrow(/shared state of memory/);
  });

  it('rejects bytes that are not a WebAssembly module with WasmLoadError', async () => {
    await expect(loadChronos({ bytes: new Uint8Array([0, 1, 2, 3]) })).rejects.toBeInstanceOf(WasmLoadError);
  });

  it('rejects impossible memory limits with WasmLoadError', () => {
    expect(() => createMemory({ initialPages: 10, maximumPages: 5 })).toThrow(WasmLoadError);
    expect(() => createMemory({ initialPages: 1, maximumPages: 70_000 })).toThrow(WasmLoadError);
  });
});

describe('bindKernels', () => {
  it('names every export a binding needs that the module lacks', async () => {
    const wasm = await loadChronos();
    interface Future {
      fx_mul(a: number, b: number): number;
      not_built_yet(): void;
      nor_this(): void;
    }
    try {
      bindKernels<Future>(wasm, ['fx_mul', 'not_built_yet', 'nor_this']);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(WasmLinkError);
      expect((err as WasmLinkError).missing).toEqual(['not_built_yet', 'nor_this']);
    }
  });
});
