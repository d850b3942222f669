// Typed bindings of the interest management kernels in chronos.wasm (assembly/interest).
// Pointers are byte offsets into the shared memory.

import type { ChronosWasm } from '../wasm/loader.js';
import { bindKernels } from '../wasm/kernels.js';

type Ptr = number;

export interface InterestKernels {
  interest_world_pass(ctx: Ptr, lane: number): void;
  /** Writes this tick's discovery queries (Q16 centres and radii); returns how many. */
  interest_discovery_prepare(ctx: Ptr, qx: Ptr, qy: Ptr, qz: Ptr, qr: Ptr): number;
  /** Runs (or resumes) a lane's part of the tick: 0 done, 1 stopped until its pools grow. */
  interest_lane_tick(ctx: Ptr, lane: number): number;
  interest_client_reset(ctx: Ptr, block: Ptr): void;
  /** Gives a client's pages and pending slots back to its lane's pools. */
  interest_client_release(ctx: Ptr, block: Ptr, lane: number): void;
  /** 1 if `slot` is in the client's view (its interaction level rose), else 0. */
  interest_interact(ctx: Ptr, block: Ptr, slot: number, strength: number, tick: number): number;
  interest_lane_scratch_bytes(viewCapacity: number, clientsPerLane: number): number;
  interest_block_bytes(viewCapacity: number): number;
  interest_layout(what: number): number;
}

export const INTEREST_KERNEL_NAMES: readonly (keyof InterestKernels)[] = [
  'interest_world_pass', 'interest_discovery_prepare', 'interest_lane_tick', 'interest_client_reset', 'interest_client_release',
  'interest_interact', 'interest_lane_scratch_bytes', 'interest_block_bytes', 'interest_layout',
];

const cache = new WeakMap<ChronosWasm, InterestKernels>();

export function interestKernels(wasm: ChronosWasm): InterestKernels {
  let k = cache.get(wasm);
  if (!k) {
    k = bindKernels<InterestKernels>(wasm, INTEREST_KERNEL_NAMES);
    cache.set(wasm, k);
  }
  return k;
}
