// What a SpatialIndex reports about its cells, for tools, metrics and drawing the grid. The
// kernels do the walking (spatial_stats writes a block of counts, spatial_cells one record per
// leaf); this reads their output back as SpatialStats, with lengths in metres rather than Q16.

import type { Arena, Region } from '../wasm/arena.js';
import type { SpatialKernels } from './kernels.js';
import { CELL_RECORD_BYTES, LEVEL_BYTES, SH, SL, STATS_WORDS } from './layout.js';
import { INV_Q16 } from './spatial-checks.js';
import { headerI32 } from './spatial-header.js';
import type { SpatialPools } from './spatial-pools.js';
import type { SpatialCounters, SpatialStats } from './spatial-types.js';

/** SpatialStats from the words spatial_stats wrote at `statsPtr` and the header at `ptr`. */
export function readStats(arena: Arena, ptr: number, statsPtr: number, levels: number, memoryBytes: number, counters: SpatialCounters): SpatialStats {
  const w = new Uint32Array(arena.memoryBuffer, statsPtr, STATS_WORDS);
  const entities = w[0]!;
  const sides: number[] = [];
  const lv = headerI32(arena, ptr);
  for (let g = 0; g < levels; g++) {
    const at = (SH.levelTable + g * LEVEL_BYTES + SL.size) / 4;
    sides.push((lv[at]! >>> 0) * INV_Q16 + lv[at + 1]! * 2 ** 32 * INV_Q16);
  }
  return {
    entities,
    levels,
    levelsInUse: w[5]!,
    topCells: w[1]!,
    splitCells: w[2]!,
    leafCells: w[3]!,
    maxDepthInUse: w[4]!,
    occupancy: Array.from(w.subarray(10, 26)),
    entitiesPerLevel: Array.from(w.subarray(26, 26 + levels)),
    topCellsPerLevel: Array.from(w.subarray(42, 42 + levels)),
    cellSideM: sides,
    hashSlots: w[6]!,
    bricks: w[7]!,
    nodesInUse: w[8]!,
    entriesUsed: w[9]!,
    entriesGarbage: w[58]!,
    entriesCapacity: w[59]!,
    memoryBytes,
    bytesPerEntity: entities > 0 ? memoryBytes / entities : 0,
    counters,
  };
}

/**
 * The leaf cells for SpatialIndex.leafCells: the kernel writes one record per non-empty leaf into
 * a region kept between calls (replaced by one twice the size when they no longer fit), and the
 * corner and side are converted in place from Q16 to metres.
 */
export class LeafCellView {
  private readonly arena: Arena;
  private readonly kernels: SpatialKernels;
  private readonly ptr: number;
  private readonly scratch: Region;
  private readonly pools: SpatialPools;
  private cellsRegion: Region | undefined;

  /** `ptr`: the index header; `scratch`: where an empty view points. */
  constructor(arena: Arena, kernels: SpatialKernels, ptr: number, scratch: Region, pools: SpatialPools) {
    this.arena = arena;
    this.kernels = kernels;
    this.ptr = ptr;
    this.scratch = scratch;
    this.pools = pools;
  }

  read(): { count: number; data: Float64Array } {
    let capacity = this.cellsRegion ? this.cellsRegion.byteLength / CELL_RECORD_BYTES : 0;
    let n = capacity > 0 ? this.kernels.spatial_cells(this.ptr, this.cellsRegion!.ptr, capacity) : this.kernels.spatial_cells(this.ptr, 0, 0);
    if (n > capacity) {
      if (this.cellsRegion) this.arena.release(this.cellsRegion);
      capacity = Math.max(256, n * 2);
      this.cellsRegion = this.arena.allocate(this.pools.regionName('cells'), capacity * CELL_RECORD_BYTES);
      n = this.kernels.spatial_cells(this.ptr, this.cellsRegion.ptr, capacity);
    }
    const data = new Float64Array(this.arena.memoryBuffer, this.cellsRegion?.ptr ?? this.scratch.ptr, n * 6);
    for (let i = 0; i < n; i++) {
      const o = i * 6;
      data[o] = data[o]! * INV_Q16;
      data[o + 1] = data[o + 1]! * INV_Q16;
      data[o + 2] = data[o + 2]! * INV_Q16;
      data[o + 3] = data[o + 3]! * INV_Q16;
    }
    return { count: n, data };
  }

  /** Returns the records' region to the arena (SpatialIndex.dispose). */
  dispose(): void {
    if (this.cellsRegion) this.arena.release(this.cellsRegion);
  }
}
