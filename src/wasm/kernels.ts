// Typed views of chronos.wasm exports. Each kernel family declares the exports it uses as an
// interface and binds them with `bindKernels`, which fails loudly at load time if the module is
// older than the TypeScript that calls it. Pointers are byte offsets into the shared memory.

import { WasmLinkError } from '../core/errors.js';
import type { ChronosWasm } from './loader.js';

type Ptr = number;

/** Foundation kernels: fixed point, vectors, hash, PRNG, world slots and the NPC step. */
export interface CoreKernels {
  heap_base(): Ptr;

  fx_add(a: number, b: number): number;
  fx_sub(a: number, b: number): number;
  fx_mul(a: number, b: number): number;
  fx_div(a: number, b: number): number;
  fx_sqrt(a: number): number;
  fx_sin(a: number): number;
  fx_cos(a: number): number;
  fx_atan2(y: number, x: number): number;
  fx_wrap_angle(a: number): number;
  /** Takes and returns u64 bits; results at or above 2^63 arrive as negative bigints. */
  isqrt_round_u64(n: bigint): bigint;
  fx_mul_batch(a: Ptr, b: Ptr, out: Ptr, count: number): void;
  fx_sqrt_batch(a: Ptr, out: Ptr, count: number): void;
  fx_sin_batch(a: Ptr, out: Ptr, count: number): void;

  vec3_set(out: Ptr, x: number, y: number, z: number): void;
  vec3_add(out: Ptr, a: Ptr, b: Ptr): void;
  vec3_sub(out: Ptr, a: Ptr, b: Ptr): void;
  vec3_scale(out: Ptr, a: Ptr, s: number): void;
  vec3_dot(a: Ptr, b: Ptr): number;
  vec3_cross(out: Ptr, a: Ptr, b: Ptr): void;
  vec3_length(a: Ptr): number;
  vec3_distance(a: Ptr, b: Ptr): number;
  vec3_normalize(out: Ptr, a: Ptr): void;
  vec3_lerp(out: Ptr, a: Ptr, b: Ptr, t: number): void;

  /**
   * xxHash64 of memory[ptr, ptr + len) with `seed`. WebAssembly returns i64 as a SIGNED bigint:
   * wrap with BigInt.asUintN(64, …) for the conventional unsigned value.
   */
  xxh64(ptr: Ptr, len: number, seed: bigint): bigint;

  rng_seed(state: Ptr, seed: number): void;
  rng_next(state: Ptr): number;
  rng_range(state: Ptr, lo: number, hi: number): number;

  world_alloc(world: Ptr, flags: number): number;
  world_free(world: Ptr, slot: number): number;
  world_size(world: Ptr): number;
  world_layout_header_bytes(): number;
  world_layout_version(): number;
  world_layout_column_count(): number;

  npc_spawn(world: Ptr, count: number): number;
  npc_step(world: Ptr): void;
}

/**
 * Returns the module's exports typed as T after checking that every name in `required` is an
 * exported function. Throws WasmLinkError naming the missing ones.
 */
export function bindKernels<T>(wasm: ChronosWasm, required: readonly (keyof T & string)[]): T {
  const exports = wasm.instance.exports as Record<string, unknown>;
  const missing = required.filter((name) => typeof exports[name] !== 'function');
  if (missing.length > 0) throw new WasmLinkError(missing);
  return exports as unknown as T;
}

export const CORE_KERNEL_NAMES: readonly (keyof CoreKernels)[] = [
  'heap_base', 'fx_add', 'fx_sub', 'fx_mul', 'fx_div', 'fx_sqrt', 'fx_sin', 'fx_cos', 'fx_atan2',
  'fx_wrap_angle', 'isqrt_round_u64', 'fx_mul_batch', 'fx_sqrt_batch', 'fx_sin_batch', 'vec3_set',
  'vec3_add', 'vec3_sub', 'vec3_scale', 'vec3_dot', 'vec3_cross', 'vec3_length', 'vec3_distance',
  'vec3_normalize', 'vec3_lerp', 'xxh64', 'rng_seed', 'rng_next', 'rng_range', 'world_alloc',
  'world_free', 'world_size', 'world_layout_header_bytes', 'world_layout_version',
  'world_layout_column_count', 'npc_spawn', 'npc_step',
];
