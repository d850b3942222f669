// The loader: one module over shared memory, typed binding checks and clear load errors.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { compileChronos, createMemory, findBuildPath, loadChronos } from '../../src/wasm/loader.js';
import { bindKernels } from '../../src/wasm/kernels.js';
import { WasmLinkError, WasmLoadError } from '../../src/core/errors.js';

describe('loadChronos', () => {
  it('instantiates the release build over a shared memory', async () => {
    const wasm = await loadChronos();
    expect(wasm.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(wasm.exports.fx_mul(2 * 65536, 3 * 65536)).toBe(6 * 65536);
    expect(wasm.exports.heap_base()).toBeGreaterThan(0);
  });

  it('accepts the bytes directly, as a browser or bundler would pass them', async () => {
    const bytes = await readFile(await findBuildPath('chronos.wasm'));
    const wasm = await loadChronos({ bytes: new Uint8Array(bytes) });
    expect(wasm.exports.fx_sqrt(4 * 65536)).toBe(2 * 65536);
  });

  it('compiles a build file once and reuses the module', async () => {
    expect(await compileChronos()).toBe(await compileChronos());
  });

  it('lets a second instance share the first one’s memory (how workers attach)', async () => {
    const a = await loadChronos();
    const b = await loadChronos({ memory: a.memory });
    new Int32Array(a.memory.buffer, 4096, 1)[0] = 123;
    expect(new Int32Array(b.memory.buffer, 4096, 1)[0]).toBe(123);
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
