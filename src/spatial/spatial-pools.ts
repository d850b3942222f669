// The pools behind a SpatialIndex (the brick hash table, the bricks, the split-cell nodes and the
// entry array) and how they grow. The kernels never allocate: when one runs short it stops and
// says so in the header, and SpatialPools copies that pool into a larger arena region, points
// the header at it and lets the kernel resume. The bulk build lives here because it is mostly
// sizing: it grows the pools as the count asks, then swaps in an entry array of the right size.

import { CapacityError, StateError } from '../core/errors.js';
import { FX_ONE } from '../core/fixed.js';
import type { Bounds } from '../core/schema.js';
import type { Arena, Region } from '../wasm/arena.js';
import type { SpatialKernels } from './kernels.js';
import {
  BRICK_BYTES, BRICK_META_BYTES, ENTRY_BYTES, HASH_SLOT_BYTES, MAX_DEPTH, NEED_BRICKS, NEED_ENTRIES, NEED_HASH, NEED_NODES,
  NODE_BYTES, SH, entriesReserve,
} from './layout.js';
import type { ResolvedGridOptions } from './options.js';
import { headerU32, readCounters } from './spatial-header.js';

/**
 * Leaf capacity assumed when sizing the entry array after a bulk build (a larger leaf only
 * makes the first move into it compact the array once).
 */
const BUILD_LEAF_BOUND = 1024;

export class SpatialPools {
  /** Pool or table growths (each a copy into a larger region), for SpatialIndex.counters(). */
  growths = 0;
  /** Compactions of the entry array, for SpatialIndex.counters(). */
  compactions = 0;
  private readonly arena: Arena;
  private readonly kernels: SpatialKernels;
  private readonly header: Region;
  private readonly options: ResolvedGridOptions;
  private hash: Region;
  private bricks: Region;
  private nodes: Region;
  private entries: Region;
  private regionSerial = 0;

  /** Allocates the pools at their starting sizes and writes where they are into the header. */
  constructor(arena: Arena, kernels: SpatialKernels, header: Region, options: ResolvedGridOptions, bounds: Bounds, capacity: number) {
    this.arena = arena;
    this.kernels = kernels;
    this.header = header;
    this.options = options;
    // Pools start small and grow on demand by copying into larger regions: bricks for the
    // smaller of (every base-level brick of the world) and (one per 8 entities); nodes for a
    // few split cells; entries for a quarter of the slots (a bulk build sizes them exactly).
    const cellsPerAxis = (span: number) => Math.max(1, Math.ceil((span * FX_ONE) / options.baseCellQ16));
    const worldBricks =
      Math.ceil(cellsPerAxis(bounds.maxX - bounds.minX) / 4) * Math.ceil(cellsPerAxis(bounds.maxY - bounds.minY) / 4) * Math.ceil(cellsPerAxis(bounds.maxZ - bounds.minZ) / 4);
    const brickStart = Math.max(16, Math.min(Math.ceil(capacity / 8), worldBricks + 16));
    const hashBits = Math.max(6, Math.ceil(Math.log2(brickStart * 2)));
    this.hash = arena.allocate(this.regionName('hash'), (1 << hashBits) * HASH_SLOT_BYTES);
    this.bricks = arena.allocate(this.regionName('bricks'), brickStart * (BRICK_BYTES + BRICK_META_BYTES));
    const nodeStart = Math.max(64, Math.ceil(capacity / 64));
    this.nodes = arena.allocate(this.regionName('nodes'), nodeStart * NODE_BYTES);
    const entryStart = Math.ceil(capacity / 4) + entriesReserve(64, MAX_DEPTH, options.splitThreshold);
    this.entries = arena.allocate(this.regionName('entries'), entryStart * ENTRY_BYTES);
    const h = this.u32();
    h[SH.hashPtr / 4] = this.hash.ptr;
    h[SH.hashBits / 4] = hashBits;
    h[SH.brickPtr / 4] = this.bricks.ptr;
    h[SH.brickMeta / 4] = this.bricks.ptr + brickStart * BRICK_BYTES;
    h[SH.brickCap / 4] = brickStart;
    h[SH.nodePtr / 4] = this.nodes.ptr;
    h[SH.nodeCap / 4] = nodeStart;
    h[SH.entPtr / 4] = this.entries.ptr;
    h[SH.entCap / 4] = entryStart;
  }

  /** The pools' current regions: hash, bricks, nodes, entries (each replaced as it grows). */
  regions(): Region[] {
    return [this.hash, this.bricks, this.nodes, this.entries];
  }

  /**
   * A fresh name for a region of this index (the pools', the frustum batch's, the cell view's):
   * a region that replaces another is allocated before the old one is released, and the arena
   * refuses a name in use, so each gets a serial.
   */
  regionName(what: string): string {
    return `${this.options.name}:${what}#${this.regionSerial++}`;
  }

  /** Bulk build of an empty index over [0, count): count per cell, one block each, place, split. */
  bulkBuild(count: number, all: boolean): void {
    const k = this.kernels;
    let start = 0;
    for (;;) {
      const stopped = k.spatial_build_count(this.header.ptr, count, start, all ? 1 : 0);
      if (stopped < 0) break;
      this.grow(this.u32()[SH.status / 4]! >>> 8);
      start = stopped;
    }
    // The entry array is empty: swap in one of the right size rather than copying.
    const size = k.spatial_compact_size(this.header.ptr);
    // Room to move (half again) plus the reserve for the largest leaf a build can make.
    const needed = Math.ceil(size * 1.5) + entriesReserve(BUILD_LEAF_BOUND, this.options.maxSplitDepth, this.options.splitThreshold);
    if (this.u32()[SH.entCap / 4]! < needed) {
      const region = this.arena.allocate(this.regionName('entries'), needed * ENTRY_BYTES);
      this.arena.release(this.entries);
      this.entries = region;
      const h = this.u32();
      h[SH.entPtr / 4] = region.ptr;
      h[SH.entCap / 4] = needed;
    }
    k.spatial_build_place(this.header.ptr, count);
    const splitsBefore = readCounters(this.arena, this.header.ptr).splits;
    // A crowded top cell splits into a cascade: the kernel says how many entries must be free for it.
    while (k.spatial_split_overfull(this.header.ptr) === 1) this.grow(this.u32()[SH.status / 4]! >>> 8, this.u32()[SH.statusSlot / 4]!);
    if (readCounters(this.arena, this.header.ptr).splits > splitsBefore) this.compact();
  }

  /** Runs a single-entity kernel, growing the pools first if it reports a shortage. */
  reserveThen(call: () => number): void {
    let status = call();
    if (status === 1) {
      this.grow(this.u32()[SH.status / 4]! >>> 8);
      status = call();
    }
    if (status !== 0) throw new StateError(`spatial kernel refused the operation (status ${status})`);
  }

  /** Grows the pools named by `need` (NEED_* bits) by copying into larger regions (entries: at least `minFreeEntries` free). */
  grow(need: number, minFreeEntries = 0): void {
    if (need & NEED_NODES) {
      const cap = this.u32()[SH.nodeCap / 4]!;
      const next = Math.max(cap * 2, cap + 4 * (MAX_DEPTH + 1));
      const region = this.arena.allocate(this.regionName('nodes'), next * NODE_BYTES);
      region.bytes().set(this.nodes.bytes().subarray(0, cap * NODE_BYTES));
      this.arena.release(this.nodes);
      this.nodes = region;
      const h = this.u32();
      h[SH.nodePtr / 4] = region.ptr;
      h[SH.nodeCap / 4] = next;
      this.growths++;
    }
    if (need & NEED_BRICKS) {
      const cap = this.u32()[SH.brickCap / 4]!;
      const next = cap * 2;
      const region = this.arena.allocate(this.regionName('bricks'), next * (BRICK_BYTES + BRICK_META_BYTES));
      const old = this.bricks.bytes();
      const fresh = region.bytes();
      fresh.set(old.subarray(0, cap * BRICK_BYTES));
      fresh.set(old.subarray(cap * BRICK_BYTES, cap * (BRICK_BYTES + BRICK_META_BYTES)), next * BRICK_BYTES);
      this.arena.release(this.bricks);
      this.bricks = region;
      const h = this.u32();
      h[SH.brickPtr / 4] = region.ptr;
      h[SH.brickMeta / 4] = region.ptr + next * BRICK_BYTES;
      h[SH.brickCap / 4] = next;
      this.growths++;
    }
    if (need & NEED_HASH) {
      const bits = this.u32()[SH.hashBits / 4]! + 1;
      if (bits > 28) throw new CapacityError('spatial brick table', 2 ** 27);
      const region = this.arena.allocate(this.regionName('hash'), 2 ** bits * HASH_SLOT_BYTES);
      this.kernels.spatial_rehash(this.header.ptr, region.ptr, bits);
      this.arena.release(this.hash);
      this.hash = region;
      this.growths++;
    }
    if (need & NEED_ENTRIES) this.compact(minFreeEntries);
  }

  /** SpatialIndex.compact: rewrites the entry array in brick order into a fresh region. */
  compact(minFree = 0): void {
    const h = this.u32();
    const size = this.kernels.spatial_compact_size(this.header.ptr);
    const reserve = entriesReserve(h[SH.entMaxCap / 4]!, this.options.maxSplitDepth, this.options.splitThreshold);
    // Half as much again as in use: room for blocks that move before the next compaction; at
    // least `minFree` past what is in use (a bulk build's split cascade asks for it).
    const capacity = Math.max(Math.ceil(size * 1.5) + reserve, size + minFree) + 64;
    const region = this.arena.allocate(this.regionName('entries'), capacity * ENTRY_BYTES);
    this.kernels.spatial_compact(this.header.ptr, region.ptr, capacity);
    this.arena.release(this.entries);
    this.entries = region;
    this.compactions++;
  }

  private u32(): Uint32Array {
    return headerU32(this.arena, this.header.ptr);
  }
}
