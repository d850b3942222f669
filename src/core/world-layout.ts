// TypeScript side of the simulation region layout documented in assembly/world-layout.ts.
// The numbers here must equal the AssemblyScript constants; World checks the module's
// self-description at creation and a test compares every offset through the kernels.

import { defineSchema } from './schema.js';

export const WORLD_MAGIC = 0x4e524843; // 'CHRN' little-endian
export const WORLD_VERSION = 1;
export const HEADER_BYTES = 256;
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
} as const;

export const FLAG_ALIVE = 1;
export const FLAG_NPC = 2;
export const FLAG_PLAYER = 4;
export const FLAG_PROJECTILE = 8;

/**
 * The reference world's columns, in the order of the kernel's COL_* indices. Positions and
 * velocities are Q16.16 metres (per tick for velocity); heading is Q16 radians.
 */
export const WORLD_SCHEMA = defineSchema({
  flags: { type: 'u32', internal: true },
  generation: { type: 'u32', internal: true },
  freeStack: { type: 'u32', internal: true },
  posX: { type: 'q16', axis: 'x', unit: 'm' },
  posY: { type: 'q16', axis: 'y', unit: 'm' },
  posZ: { type: 'q16', axis: 'z', unit: 'm' },
  velX: { type: 'q16', unit: 'm/tick' },
  velY: { type: 'q16', unit: 'm/tick' },
  velZ: { type: 'q16', unit: 'm/tick' },
  heading: { type: 'q16', unit: 'rad' },
  timer: { type: 'u32', unit: 'ticks' },
  radius: { type: 'q16', unit: 'm', min: 0 },
});

export type WorldField = (typeof WORLD_SCHEMA.names)[number];
