// Typed bindings of the simulation kernels (assembly/sim): the reference game's step (the
// rollback tests' and benchmarks' game), region copies for the snapshot ring, and the hitbox
// history of lag compensation.

import { bindKernels } from '../wasm/kernels.js';
import type { ChronosWasm } from '../wasm/loader.js';

type Ptr = number;

export interface SimKernels {
  /** memory.copy(dst, src, len): one snapshot save or restore. */
  region_copy(dst: Ptr, src: Ptr, len: number): void;
  /** One frame of the reference game: `playerCount` input records at `inputs`. */
  sim_step(world: Ptr, inputs: Ptr, playerCount: number, scratch: Ptr): void;
  /** Gives every live NPC the configured hit points. */
  sim_arm_npcs(world: Ptr): void;
  /** Bytes of broadphase scratch the step needs for a world of `capacity` slots. */
  sim_scratch_bytes(capacity: number): number;
  /** Copies flags, generation, posX, posY, posZ and radius of the used slots; returns the count. */
  hitbox_record(world: Ptr, dst: Ptr, stride: number): number;
  /** Nearest body hit at an interpolated past frame: entity id, or -1n (signed i64). */
  hitbox_raycast(
    a: Ptr, countA: number, b: Ptr, countB: number, stride: number, alphaQ16: number,
    ox: number, oy: number, ux: number, uy: number, rangeQ16: number, toleranceQ16: number, exclude: number,
  ): bigint;
  /** hitbox_raycast over `n` candidate slots (u32 each at `slots`) instead of every slot. */
  hitbox_raycast_slots(
    a: Ptr, countA: number, b: Ptr, countB: number, stride: number, alphaQ16: number,
    ox: number, oy: number, ux: number, uy: number, rangeQ16: number, toleranceQ16: number, exclude: number, slots: Ptr, n: number,
  ): bigint;
}

export const SIM_KERNEL_NAMES: readonly (keyof SimKernels)[] = [
  'region_copy', 'sim_step', 'sim_arm_npcs', 'sim_scratch_bytes', 'hitbox_record', 'hitbox_raycast', 'hitbox_raycast_slots',
];

/** The module's simulation kernels; throws WasmLinkError if the build predates them. */
export function simKernels(wasm: ChronosWasm): SimKernels {
  return bindKernels<SimKernels>(wasm, SIM_KERNEL_NAMES);
}
