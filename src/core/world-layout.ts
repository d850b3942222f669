// TypeScript side of the simulation region layout documented in assembly/world-layout.ts.
// The numbers here must equal the AssemblyScript constants; World checks the module's
// self-description at creation and a test compares every offset through the kernels.

import { defineSchema } from './schema.js';

export const WORLD_MAGIC = 0x4e524843; // 'CHRN' little-endian
export const WORLD_VERSION = 2;
/** 1 KiB: the foundation header, the sim block and its player table, with room to grow. */
export const HEADER_BYTES = 1024;
export const MAX_COLUMNS = 32;

/** Header byte offsets. */
export const H = {
  magic: 0,
  version: 4,
  capacity: 8,
  highWater: 12,
  alive: 16,
  free: 20,
  tick: 24,
  columns: 28,
  rng: 32,
  minX: 48,
  minY: 52,
  minZ: 56,
  maxX: 60,
  maxY: 64,
  maxZ: 68,
  size: 72,
  seed: 76,
  npcSpeed: 80,
  wanderMin: 84,
  wanderMax: 88,
  idlePercent: 92,
  columnTable: 96,
  // A game step's block (the rollback tests' reference game: test/fixtures/reference-game); zero
  // in a world that never runs one.
  simPlayers: 224,
  simPlayerSpeed: 228,
  simProjectileSpeed: 232,
  simProjectileTicks: 236,
  simCooldownTicks: 240,
  simRespawnTicks: 244,
  simPlayerHp: 248,
  simNpcHp: 252,
  simProjectileDamage: 256,
  simHitscanDamage: 260,
  simPlayerRadius: 264,
  simCellShift: 268,
  simSpawnExtent: 272,
  simKills: 276,
  simPlayerTable: 320,
} as const;

/** Entries in the sim's player table (avatar slot + 1 per player number, 0 = none). */
export const MAX_PLAYERS = 64;

export const FLAG_ALIVE = 1;
export const FLAG_NPC = 2;
export const FLAG_PLAYER = 4;
export const FLAG_PROJECTILE = 8;
/** A player waiting to respawn: neither solid nor hittable. */
export const FLAG_DEAD = 16;
/** World mode: a player whose link is lost, still in the world (drawn as away). */
export const FLAG_AWAY = 32;
/** A projectile's shooter slot, also kept in its flags' high bits: flags >>> OWNER_TAG_SHIFT. */
export const OWNER_TAG_SHIFT = 12;
export const OWNER_TAG_MASK = 0xfffff;
/** Flag bits below the owner tag: what kind of body, alive, dead, away. */
export const KIND_FLAGS_MASK = (1 << OWNER_TAG_SHIFT) - 1;

/**
 * The reference world's columns, in the order of the kernel's COL_* indices. Positions and
 * velocities are Q16.16 metres (per tick for velocity); heading is Q16 radians.
 */
export const WORLD_SCHEMA = defineSchema({
  flags: { type: 'u32', internal: true },
  generation: { type: 'u32', internal: true, allocator: true },
  freeStack: { type: 'u32', internal: true, allocator: true },
  posX: { type: 'q16', axis: 'x', unit: 'm' },
  posY: { type: 'q16', axis: 'y', unit: 'm' },
  posZ: { type: 'q16', axis: 'z', unit: 'm' },
  velX: { type: 'q16', unit: 'm/tick' },
  velY: { type: 'q16', unit: 'm/tick' },
  velZ: { type: 'q16', unit: 'm/tick' },
  heading: { type: 'q16', unit: 'rad' },
  // 0 by default: an NPC restored from a save that had no timer decides anew on its next tick.
  timer: { type: 'u32', unit: 'ticks', default: 0 },
  radius: { type: 'q16', unit: 'm', min: 0 },
  hp: { type: 'i32', unit: 'hit points' },
  owner: { type: 'u32', internal: true },
});

export type WorldField = (typeof WORLD_SCHEMA.names)[number];
