// The shapes SpatialIndex takes and gives: where positions come from, its options, and what
// update(), counters(), stats(), the ray casts and the batched queries report. They live apart
// from the class so the files that implement it can name them without importing it;
// spatial-index.ts re-exports every one, so callers import them from there as before.

import type { SpatialGridOptions } from './options.js';

/** Where the positions come from: Q16 i32 columns of `capacity` elements in the arena. */
export interface SpatialSource {
  readonly posX: number;
  readonly posY: number;
  readonly posZ: number;
  /** Q16 radius column; absent: every entity is a point. */
  readonly radius?: number;
  readonly capacity: number;
  /**
   * Membership by flags: update() indexes exactly the slots with (flags[slot] & mask) != 0.
   * Absent: membership is explicit (track / remove).
   */
  readonly alive?: { readonly flags: number; readonly mask: number };
  /** Slots update() scans, [0, count()); defaults to the capacity (a World's high water). */
  readonly count?: () => number;
}

export interface SpatialIndexOptions extends SpatialGridOptions {
  /** Entity slots (create only). */
  capacity?: number;
  /** Index spheres with a radius column (create: own one; forWorld: use the world's). */
  radius?: boolean;
}

/** What one update() did. */
export interface UpdateReport {
  /** Entities whose position changed. */
  moves: number;
  /** Entities that changed cell (including level changes). */
  cellChanges: number;
  inserts: number;
  removes: number;
  splits: number;
  merges: number;
}

export interface SpatialCounters {
  moves: number;
  cellChanges: number;
  splits: number;
  merges: number;
  inserts: number;
  removes: number;
  queries: number;
  /** Pool or table growths (each a copy into a larger region). */
  growths: number;
  /** Compactions of the entry array (rewrites in brick order, dropping abandoned blocks). */
  compactions: number;
}

export interface SpatialStats {
  entities: number;
  /** Grid levels configured (base, then doubling cells for larger radii). */
  levels: number;
  /** Levels that hold entities. */
  levelsInUse: number;
  topCells: number;
  splitCells: number;
  /** Non-empty leaf cells. */
  leafCells: number;
  /** Deepest split in use (0: no cell is split). */
  maxDepthInUse: number;
  /** occupancy[b]: leaf cells holding 2^b .. 2^(b+1) - 1 entities (the last bucket open). */
  occupancy: number[];
  entitiesPerLevel: number[];
  topCellsPerLevel: number[];
  cellSideM: number[];
  hashSlots: number;
  /** Bricks (4 x 4 x 4 top cells) in use: the hash table's entries. */
  bricks: number;
  nodesInUse: number;
  /** Entry slots used, abandoned (moved blocks awaiting compaction) and available. */
  entriesUsed: number;
  entriesGarbage: number;
  entriesCapacity: number;
  /** Arena bytes the index holds (positions it owns included). */
  memoryBytes: number;
  /** memoryBytes / entities (0 when empty). */
  bytesPerEntity: number;
  counters: SpatialCounters;
}

export interface RayOptions {
  /** Thickness of the cast (a swept sphere), metres; 0 by default. */
  thicknessM?: number;
}

export interface RayHit {
  slot: number;
  /** Distance along the ray to where it enters the entity's sphere, metres. */
  distanceM: number;
}

export interface BatchOptions {
  /** Centre query j on the position of slot query.slot[j] instead of query.x/y/z[j]. */
  useSlots?: boolean;
  /** With useSlots: leave each query's own slot out of its results. */
  excludeSelf?: boolean;
  /** One radius for every query (metres) instead of query.radius[j]. */
  radiusM?: number;
}
