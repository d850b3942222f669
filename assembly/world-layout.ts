// Layout of the simulation region: ONE contiguous block holding all deterministic state of a world, so a
// snapshot is one memory.copy and a restore is one copy back. TypeScript lays it out
// (src/core/world-layout.ts mirrors these numbers and a test checks both sides agree).
//
// Header (byte offsets from the region start; all fields little-endian):
// | off | type     | field                                                          |
// |-----|----------|----------------------------------------------------------------|
// |   0 | u32      | magic 'CHRN' (0x4E524843)                                      |
// |   4 | u32      | layout version                                                 |
// |   8 | u32      | capacity (entity slots)                                        |
// |  12 | u32      | high water: slots [0, highWater) have ever been used           |
// |  16 | u32      | alive count                                                    |
// |  20 | u32      | free count (entries on the free stack)                         |
// |  24 | u32      | tick (simulation frames completed)                             |
// |  28 | u32      | column count                                                   |
// |  32 | u32[4]   | PRNG state (xoshiro128**)                                      |
// |  48 | i32[3]   | world minimum x, y, z (Q16 m)                                  |
// |  60 | i32[3]   | world maximum x, y, z (Q16 m)                                  |
// |  72 | u32      | region size in bytes, header included                          |
// |  76 | u32      | seed the world was created from                                |
// |  80 | i32      | NPC top speed (Q16 m per tick)                                 |
// |  84 | u32      | NPC wander: fewest ticks between decisions                     |
// |  88 | u32      | NPC wander: most ticks between decisions                       |
// |  92 | u32      | NPC wander: percent of decisions that stand still              |
// |  96 | u32[32]  | column offsets from the region start (16-byte aligned)         |
// | 224 | -        | reserved up to HEADER_BYTES                                    |
// Every column holds `capacity` 32-bit elements, so kernels can clear a slot generically.

export const WORLD_MAGIC: u32 = 0x4E524843;
export const WORLD_VERSION: u32 = 1;
export const HEADER_BYTES: u32 = 256;
export const MAX_COLUMNS: u32 = 32;

export const H_MAGIC: usize = 0;
export const H_VERSION: usize = 4;
export const H_CAPACITY: usize = 8;
export const H_HIGH_WATER: usize = 12;
export const H_ALIVE: usize = 16;
export const H_FREE: usize = 20;
export const H_TICK: usize = 24;
export const H_COLUMNS: usize = 28;
export const H_RNG: usize = 32;
export const H_MIN_X: usize = 48;
export const H_MIN_Y: usize = 52;
export const H_MIN_Z: usize = 56;
export const H_MAX_X: usize = 60;
export const H_MAX_Y: usize = 64;
export const H_MAX_Z: usize = 68;
export const H_SIZE: usize = 72;
export const H_SEED: usize = 76;
export const H_NPC_SPEED: usize = 80;
export const H_WANDER_MIN: usize = 84;
export const H_WANDER_MAX: usize = 88;
export const H_IDLE_PERCENT: usize = 92;
export const H_COLUMN_TABLE: usize = 96;

// Column indices into the offset table.
export const COL_FLAGS: u32 = 0;
export const COL_GENERATION: u32 = 1;
export const COL_FREE_STACK: u32 = 2;
export const COL_POS_X: u32 = 3;
export const COL_POS_Y: u32 = 4;
export const COL_POS_Z: u32 = 5;
export const COL_VEL_X: u32 = 6;
export const COL_VEL_Y: u32 = 7;
export const COL_VEL_Z: u32 = 8;
export const COL_HEADING: u32 = 9;
export const COL_TIMER: u32 = 10;
export const COL_RADIUS: u32 = 11;

// Entity flags (COL_FLAGS).
export const FLAG_ALIVE: u32 = 1;
export const FLAG_NPC: u32 = 2;
export const FLAG_PLAYER: u32 = 4;
export const FLAG_PROJECTILE: u32 = 8;

// Entity ids: slot index in the low 20 bits, generation in the high 12 (see src/core/entity-id.ts).
export const GENERATION_MASK: u32 = 0xFFF;

// @ts-ignore: decorator
@inline
export function column(world: usize, index: u32): usize {
  return world + <usize>load<u32>(world + H_COLUMN_TABLE + (<usize>index << 2));
}

