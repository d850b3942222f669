// Shared test fixtures: the release module, a scratch region for kernel arguments, and a
// seeded PRNG for inputs (mulberry32: tiny, and independent of the engine's own xoshiro).

import { loadChronos, type ChronosWasm } from '../../src/wasm/loader.js';
import { Arena } from '../../src/wasm/arena.js';

export async function freshArena(options: Parameters<typeof loadChronos>[0] = {}): Promise<Arena> {
  return new Arena(await loadChronos(options));
}

export function i32View(wasm: ChronosWasm, ptr: number, length: number): Int32Array {
  return new Int32Array(wasm.memory.buffer, ptr, length);
}

export { mulberry32 } from '../../src/core/mulberry32.js';

/** Random i32 drawn to cover small, medium and extreme magnitudes. */
export function randomI32(rand: () => number): number {
  const r = rand();
  if (r < 0.05) return [0, 1, -1, 0x7fffffff, -0x80000000, 65536, -65536, 32768][Math.floor(rand() * 8)]!;
  const bits = 1 + Math.floor(rand() * 31);
  const magnitude = Math.floor(rand() * 2 ** bits);
  return (rand() < 0.5 ? -magnitude : magnitude) | 0;
}
