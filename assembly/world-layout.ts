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
// | 224 | u32      | sim: player table entries in use (at most MAX_PLAYERS)         |
// | 228 | i32      | sim: player top speed (Q16 m per tick)                         |
// | 232 | i32      | sim: projectile speed (Q16 m per tick)                         |
// | 236 | u32      | sim: projectile lifetime (ticks)                               |
// | 240 | u32      | sim: weapon cooldown (ticks)                                   |
// | 244 | u32      | sim: respawn delay (ticks)                                     |
// | 248 | i32      | sim: player hit points                                         |
// | 252 | i32      | sim: NPC hit points                                            |
// | 256 | i32      | sim: projectile damage                                         |
// | 260 | i32      | sim: hitscan damage                                            |
// | 264 | i32      | sim: player radius (Q16 m)                                     |
// | 268 | u32      | sim: collision cell shift (cell side = 2^shift Q16 units)      |
// | 272 | i32      | sim: spawn half-extent around the world centre (Q16 m)         |
// | 276 | u32      | sim: kills so far (players and NPCs brought to 0 hit points)   |
// | 280 | -        | reserved                                                       |
// | 320 | u32[64]  | sim: player table, avatar slot + 1 per player (0 = none)       |
// | 576 | -        | reserved up to HEADER_BYTES                                    |
// Every column holds `capacity` 32-bit elements, so kernels can clear a slot generically.
// The `sim:` fields belong to the reference game step (assembly/sim); a world that never runs
// it leaves them zero.

export const WORLD_MAGIC: u32 = 0x4E524843;
export const WORLD_VERSION: u32 = 2;
// 1 KiB: the foundation header, the sim block and its 64-entry player table, with room to grow.
export const HEADER_BYTES: u32 = 1024;
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
export const H_SIM_PLAYERS: usize = 224;
export const H_SIM_PLAYER_SPEED: usize = 228;
export const H_SIM_PROJECTILE_SPEED: usize = 232;
export const H_SIM_PROJECTILE_TICKS: usize = 236;
export const H_SIM_COOLDOWN_TICKS: usize = 240;
export const H_SIM_RESPAWN_TICKS: usize = 244;
export const H_SIM_PLAYER_HP: usize = 248;
export const H_SIM_NPC_HP: usize = 252;
export const H_SIM_PROJECTILE_DAMAGE: usize = 256;
export const H_SIM_HITSCAN_DAMAGE: usize = 260;
export const H_SIM_PLAYER_RADIUS: usize = 264;
export const H_SIM_CELL_SHIFT: usize = 268;
export const H_SIM_SPAWN_EXTENT: usize = 272;
export const H_SIM_KILLS: usize = 276;
export const H_SIM_PLAYER_TABLE: usize = 320;
// Players a world's table can hold: inputs for one frame are at most 64 records, and a presence
// set fits one u64.
export const MAX_PLAYERS: u32 = 64;

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
export const COL_HP: u32 = 12; // hit points (i32); an entity at 0 or below is dead
export const COL_OWNER: u32 = 13; // player: player number; projectile: shooter's slot

// Entity flags (COL_FLAGS).
export const FLAG_ALIVE: u32 = 1;
export const FLAG_NPC: u32 = 2;
export const FLAG_PLAYER: u32 = 4;
export const FLAG_PROJECTILE: u32 = 8;
export const FLAG_DEAD: u32 = 16; // a player waiting to respawn: neither solid nor hittable
export const FLAG_AWAY: u32 = 32; // world mode: a player whose link is lost (still in the world)
// A projectile's shooter slot is also kept in its flags' high bits (the owner column stays the
// authority): flags >>> OWNER_TAG_SHIFT. Replicated with the flags as state bits, it lets a
// client tell its own projectiles (which it predicts) from everyone else's.
export const OWNER_TAG_SHIFT: u32 = 12;
export const OWNER_TAG_MASK: u32 = 0xFFFFF;

// Entity ids: slot index in the low 20 bits, generation in the high 12 (see src/core/entity-id.ts).
export const GENERATION_MASK: u32 = 0xFFF;

// @ts-ignore: decorator
@inline
export function column(world: usize, index: u32): usize {
  return world + <usize>load<u32>(world + H_COLUMN_TABLE + (<usize>index << 2));
}

