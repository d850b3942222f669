// Typed binding of the region copy kernel (assembly/region-copy.ts): a snapshot ring's save and
// restore, one memory.copy each way, for any game's state region.

import { bindKernels } from '../wasm/kernels.js';
import type { ChronosWasm } from '../wasm/loader.js';

export interface RegionKernels {
  /** memory.copy(dst, src, len): one snapshot save or restore. */
  region_copy(dst: number, src: number, len: number): void;
}

/** The module's region copy; throws WasmLinkError if the build predates it. */
export function regionKernels(wasm: ChronosWasm): RegionKernels {
  return bindKernels<RegionKernels>(wasm, ['region_copy']);
}
