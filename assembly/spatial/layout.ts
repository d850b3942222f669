// Memory layout of one spatial index: an adaptive, hierarchical, sparse 3D hash grid over a
// structure-of-arrays of Q16.16 positions. This file holds constants only and is imported (not
// re-exported) by the kernel files, so none of it becomes a wasm global. src/spatial/layout.ts
// mirrors every number and a test compares both sides through spatial_layout_* exports.
//
// Levels: grid level g has top cells of side S_g = S_0 * 2^g (S_0 = the base cell). An entity of
// radius r lives in the finest level whose half cell holds it (r <= S_g / 2), so a sphere never
// reaches further than half a cell plus the hysteresis margin beyond its cell: queries widen
// their reach per level by (largest radius in the level + the level's margin) and never miss a
// large entity, which is stored once and so never returned twice. A top cell whose population
// passes the split threshold becomes an octree node of 8 children (depth d has side S_g >> d);
// they merge back when the subtree falls below the merge threshold.
//
// Locality is the design goal: on the machines we measured, a random access beyond the 1 MB L2
// costs 50-170 ns, so a query must touch few, nearby cache lines.
// - Top cells are grouped in bricks of 4 x 4 x 4 cells (512 bytes, a dense array of cell
//   words); the hash table maps brick keys, so a 100 m query probes about 4 bricks, not 70
//   cells, and the table stays small enough for L2.
// - A leaf's entries are one contiguous block of a packed entry array (slot + Q16 position
//   copy, 16 bytes), with spare room (capacity 2^k). An entity that joins a full leaf moves the
//   block to the end of the array; compaction rewrites every block in brick order, so cells
//   that are near in space are near in memory.
//
// Header (byte offsets from the index region start, all little-endian):
// | off | type   | field                                                             |
// |-----|--------|-------------------------------------------------------------------|
// |   0 | u32    | magic 'SPTL' (0x4C545053)                                         |
// |   4 | u32    | layout version                                                    |
// |   8 | u32    | capacity: entity slots (the source's column length)              |
// |  12 | u32    | flags: 1 = has a radius column, 2 = membership by alive flags    |
// |  16 | u32[6] | source pointers: posX, posY, posZ, radius, flags; alive mask      |
// |  40 | i32[6] | world min x, y, z, max x, y, z (Q16 m, inclusive)                 |
// |  64 | u32[5] | grid levels G, deepest split, split above, merge below,          |
// |     |        | hysteresis (Q16 fraction of a top cell's side)                   |
// |  84 | u32[3] | hash table of bricks: pointer, log2 slots, used slots             |
// |  96 | u32[6] | bricks: cells pointer, meta pointer, capacity, bump top, free     |
// |     |        | list head, bricks on the free list                                |
// | 120 | u32[5] | octree nodes: pointer, capacity, bump top, free head, free count  |
// | 140 | u32[5] | entries: pointer, capacity, bump top, garbage (entries in         |
// |     |        | abandoned blocks), largest leaf capacity since compaction         |
// | 160 | u32[6] | per-slot arrays: cell, loc, lower corner (3 arrays from here),    |
// |     |        | their stride, code (u8), radius copy                              |
// | 184 | u32    | indexed entities                                                  |
// | 188 | u32[2] | status of the last call (STATUS_* | NEED_* << 8), the slot        |
// | 196 | u32[2] | batch: ids written so far, ids the stopped query needs            |
// | 204 | u32[2] | non-empty top cells, split cells                                  |
// | 216 | u64[6] | counters: moves, cell changes, splits, merges, inserts, removes  |
// | 264 | i32    | base cell side S_0 (Q16 m, a multiple of 2^MAX_DEPTH)             |
// | 512 | -      | level table: MAX_LEVELS entries of LEVEL_BYTES                    |
// |1280 | -      | box table: 256 codes (level | depth << 4) of BOX_BYTES           |
//
// Level entry (LEVEL_BYTES = 48):
// | +0 i64 side S_g | +8 i32 margin | +12 i32 radius bound | +16 u32 nx, ny, nz (cells per
// axis) | +28 u32 entities | +32 i32 radius bound being rebuilt by a batch update | +36 i32
// largest radius the level takes (S_g / 2; the coarsest takes any) | +40 u32 top cells | +44 -|
// Box entry (BOX_BYTES = 16): i64 margin, i64 span = (S_g >> d) + 2 * margin: an entity with
// cell lower corner lo stays while lo - margin <= p <= lo - margin + span on every axis.
//
// Hash slot (HASH_SLOT_BYTES = 16): i64 key (EMPTY_KEY when free) | u32 brick | u32 unused.
// Linear probing, Fibonacci hashing, backward-shift deletion (no tombstones); load <= 1/2.
// Brick key: level << 57 | bx << 38 | by << 19 | bz (brick coordinates = cell >> 2).
//
// Brick (BRICK_BYTES = 512): 64 cell words, cell (x, y, z) & 3 at ((z * 4 + y) * 4 + x) * 8.
// Brick meta (BRICK_META_BYTES = 16): i64 key | u32 entities | u32 next free brick.
// Cell word (8 bytes): a leaf is u32 start | u32 count | capLog << 24 (block of 2^capLog
// entries at `start`, or start = NONE: no block); a split cell is u32 node | SPLIT_BIT.
// Node (NODE_BYTES = 80): 8 child cell words (octant = x | y << 1 | z << 2 of the upper
// halves) | u32 entities in the subtree | u32 parent cell ref | u32 level | depth << 8 of the
// children | u32 next free node.
// Cell ref (u32, per slot): a brick cell is brick << 6 | cell; a node child is
// REF_NODE_BIT | node << 3 | octant.
// Entry (ENTRY_BYTES = 16): u32 slot | i32 x | i32 y | i32 z, a copy as of the last sync.
// Per-slot arrays: cell ref of the leaf (NONE: not indexed), loc (entry index), the leaf's
// lower corner x, y, z (i32), code (u8: level | depth << 4), radius copy (i32).

export const SPATIAL_MAGIC: u32 = 0x4C545053;
export const SPATIAL_VERSION: u32 = 2;
export const HEADER_BYTES: u32 = 5376;

export const FLAG_HAS_RADIUS: u32 = 1;
export const FLAG_ALIVE_MEMBERSHIP: u32 = 2;

export const H_MAGIC: usize = 0;
export const H_VERSION: usize = 4;
export const H_CAPACITY: usize = 8;
export const H_FLAGS: usize = 12;
export const H_SRC_X: usize = 16;
export const H_SRC_Y: usize = 20;
export const H_SRC_Z: usize = 24;
export const H_SRC_R: usize = 28;
export const H_SRC_FLAGS: usize = 32;
export const H_SRC_MASK: usize = 36;
export const H_MIN_X: usize = 40;
export const H_MIN_Y: usize = 44;
export const H_MIN_Z: usize = 48;
export const H_MAX_X: usize = 52;
export const H_MAX_Y: usize = 56;
export const H_MAX_Z: usize = 60;
export const H_LEVELS: usize = 64;
export const H_MAX_DEPTH: usize = 68;
export const H_SPLIT: usize = 72;
export const H_MERGE: usize = 76;
export const H_HYSTERESIS: usize = 80;
export const H_HASH_PTR: usize = 84;
export const H_HASH_BITS: usize = 88;
export const H_HASH_USED: usize = 92;
export const H_BRICK_PTR: usize = 96;
export const H_BRICK_META: usize = 100;
export const H_BRICK_CAP: usize = 104;
export const H_BRICK_TOP: usize = 108;
export const H_BRICK_FREE: usize = 112;
export const H_BRICK_FREE_COUNT: usize = 116;
export const H_NODE_PTR: usize = 120;
export const H_NODE_CAP: usize = 124;
export const H_NODE_TOP: usize = 128;
export const H_NODE_FREE: usize = 132;
export const H_NODE_FREE_COUNT: usize = 136;
export const H_ENT_PTR: usize = 140;
export const H_ENT_CAP: usize = 144;
export const H_ENT_TOP: usize = 148;
export const H_ENT_GARBAGE: usize = 152;
export const H_ENT_MAXCAP: usize = 156;
export const H_CELL_OF: usize = 160;
export const H_LOC: usize = 164;
export const H_LO: usize = 168;
export const H_LO_STRIDE: usize = 172;
export const H_CODE: usize = 176;
export const H_RADIUS: usize = 180;
export const H_INDEXED: usize = 184;
export const H_STATUS: usize = 188;
export const H_STATUS_SLOT: usize = 192;
export const H_BATCH_WRITTEN: usize = 196;
export const H_BATCH_NEED: usize = 200;
export const H_TOP_CELLS: usize = 204;
export const H_SPLIT_CELLS: usize = 208;
export const H_MOVES: usize = 216;
export const H_CELL_CHANGES: usize = 224;
export const H_SPLITS: usize = 232;
export const H_MERGES: usize = 240;
export const H_INSERTS: usize = 248;
export const H_REMOVES: usize = 256;
export const H_BASE_CELL: usize = 264;
export const H_LEVEL_TABLE: usize = 512;
export const H_BOX_TABLE: usize = 1280;

export const MAX_LEVELS: u32 = 16;
export const LEVEL_BYTES: usize = 48;
export const L_SIZE: usize = 0;
export const L_MARGIN: usize = 8;
export const L_BOUND: usize = 12;
export const L_NX: usize = 16;
export const L_NY: usize = 20;
export const L_NZ: usize = 24;
export const L_COUNT: usize = 28;
export const L_PENDING: usize = 32;
export const L_HALF: usize = 36;
export const L_TOPS: usize = 40;

export const BOX_BYTES: usize = 16;

// Deepest octree split under a top cell. The base side is rounded to a multiple of 2^MAX_DEPTH
// Q16 units (3.9 mm) so every child side is exact.
export const MAX_DEPTH: u32 = 8;
export const AXIS_MASK: i64 = (1 << 19) - 1;

export const HASH_SLOT_BYTES: usize = 16;
export const EMPTY_KEY: i64 = -1;

export const BRICK_CELLS: u32 = 64;
export const BRICK_BYTES: usize = 512;
export const BRICK_META_BYTES: usize = 16;
export const CELL_BYTES: usize = 8;
export const SPLIT_BIT: u32 = 0x80000000;
export const COUNT_MASK: u32 = 0xFFFFFF;

export const NODE_BYTES: usize = 80;
export const N_TOTAL: usize = 64;
export const N_PARENT: usize = 68;
export const N_META: usize = 72;
export const N_NEXT: usize = 76;

export const REF_NODE_BIT: u32 = 0x80000000;

export const ENTRY_BYTES: usize = 16;
export const E_SLOT: usize = 0;
export const E_X: usize = 4;
export const E_Y: usize = 8;
export const E_Z: usize = 12;

export const NONE: u32 = 0xFFFFFFFF;

// Status codes (H_STATUS) and their NEED_* bits (<< 8): a kernel that would dip below a pool's
// reserve stops before touching the entity concerned; TypeScript grows the pool (or compacts
// the entries) and resumes the call.
export const STATUS_OK: u32 = 0;
export const STATUS_NEED_GROWTH: u32 = 1;
export const NEED_NODES: u32 = 1;
export const NEED_ENTRIES: u32 = 2;
export const NEED_HASH: u32 = 4;
export const NEED_BRICKS: u32 = 8;

// Q16 metres of slack added to every conservative reach so f64 rounding in cell and box bounds
// can never exclude a cell that holds an answer.
export const SLACK_Q16: f64 = 2.0;

// Frustum record (FRUSTUM_BYTES = 144): 6 planes of f32 (nx, ny, nz, d in metres; unit normals
// pointing inside) then the f64 bounding box of the volume in Q16 m (min x, y, z, max x, y, z).
export const FRUSTUM_BYTES: usize = 144;
export const F_AABB: usize = 96;
