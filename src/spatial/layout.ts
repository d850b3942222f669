// TypeScript side of the spatial index layout documented in assembly/spatial/layout.ts. The
// numbers must equal the AssemblyScript constants: SpatialIndex checks the module's
// self-description at creation and a test reads every field back through the kernels.

export const SPATIAL_MAGIC = 0x4c545053; // 'SPTL' little-endian
export const SPATIAL_VERSION = 2;
export const SPATIAL_HEADER_BYTES = 5376;
export const MAX_LEVELS = 16;
export const MAX_DEPTH = 8;
/** Cells per axis are indexed with 19 bits (brick coordinates with 17, cells 2 more). */
export const MAX_CELLS_PER_AXIS = 1 << 19;
export const NONE = 0xffffffff;

export const FLAG_HAS_RADIUS = 1;
export const FLAG_ALIVE_MEMBERSHIP = 2;

/** Header byte offsets. */
export const SH = {
  magic: 0,
  version: 4,
  capacity: 8,
  flags: 12,
  srcX: 16,
  srcY: 20,
  srcZ: 24,
  srcR: 28,
  srcFlags: 32,
  srcMask: 36,
  minX: 40,
  minY: 44,
  minZ: 48,
  maxX: 52,
  maxY: 56,
  maxZ: 60,
  levels: 64,
  maxDepth: 68,
  split: 72,
  merge: 76,
  hysteresis: 80,
  hashPtr: 84,
  hashBits: 88,
  hashUsed: 92,
  brickPtr: 96,
  brickMeta: 100,
  brickCap: 104,
  brickTop: 108,
  brickFree: 112,
  brickFreeCount: 116,
  nodePtr: 120,
  nodeCap: 124,
  nodeTop: 128,
  nodeFree: 132,
  nodeFreeCount: 136,
  entPtr: 140,
  entCap: 144,
  entTop: 148,
  entGarbage: 152,
  entMaxCap: 156,
  cellOf: 160,
  loc: 164,
  lo: 168,
  loStride: 172,
  code: 176,
  radius: 180,
  indexed: 184,
  status: 188,
  statusSlot: 192,
  batchWritten: 196,
  batchNeed: 200,
  topCells: 204,
  splitCells: 208,
  moves: 216,
  cellChanges: 224,
  splits: 232,
  merges: 240,
  inserts: 248,
  removes: 256,
  baseCell: 264,
  levelTable: 512,
  boxTable: 1280,
} as const;

export const LEVEL_BYTES = 48;
/** Level entry offsets. */
export const SL = { size: 0, margin: 8, bound: 12, nx: 16, ny: 20, nz: 24, count: 28, pending: 32, half: 36, tops: 40 } as const;

export const HASH_SLOT_BYTES = 16;
export const BRICK_BYTES = 512;
export const BRICK_META_BYTES = 16;
export const NODE_BYTES = 80;
export const ENTRY_BYTES = 16;
export const FRUSTUM_BYTES = 144;
export const FRUSTUM_AABB_OFFSET = 96;
/** Bytes per leaf cell written by spatial_cells. */
export const CELL_RECORD_BYTES = 48;
export const STATS_WORDS = 64;

export const STATUS_OK = 0;
export const STATUS_NEED_GROWTH = 1;
export const NEED_NODES = 1;
export const NEED_ENTRIES = 2;
export const NEED_HASH = 4;
export const NEED_BRICKS = 8;

/** Mirrors entries_reserve in assembly/spatial/grid.ts. */
export function entriesReserve(maxLeafCapacity: number, maxDepth: number, splitThreshold: number): number {
  return 2 * maxLeafCapacity + maxDepth * 4 * (splitThreshold + 9) + 8;
}

/** Codes returned by spatial_check. */
export const CHECK_CODES: Record<number, string> = {
  1: "a brick's key, level or entity count disagrees with its contents",
  2: "a node's total is not the sum of its leaves",
  3: "a node's parent or depth is wrong",
  4: 'a leaf over the split threshold or a split cell under the merge threshold',
  5: 'an entry does not point back to its leaf and place',
  6: 'an entity lies outside its cell widened by the margin',
  7: 'a position copy differs from the source',
  8: "an entity's code, lower corner or radius bound is wrong",
  9: 'header counts disagree with the cells',
  10: "a leaf's block runs past the entry array or overflows its capacity",
};
