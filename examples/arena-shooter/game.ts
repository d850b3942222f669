// The arena shooter's data, declared once (the engine derives the store's layout, the wire, the
// client's typed view and the input's checks from it). Shared by the server, the page and the
// bots. The rules are this game's own AssemblyScript (assembly/), compiled with the engine's
// kernels into one module that the server and the page both run.
//
// The replicated fields are world mode's (bench/shooter-game.ts, which the encode-1k bench
// measures): positions in 1/128 m, yaw in 12 bits, hit points, kind and death. What only the
// shooter itself needs (its weapon's cooldown, its kills) goes to its owner alone, and the timers
// that drive NPCs, projectiles and respawns never leave the server.

import { defineGame } from '../../src/web/sdk.js';

/** Half the world's side, metres: it is [-HALF_M, HALF_M] on x and y (world mode's 10 km). */
export const HALF_M = 5000;
/** Most entities at once by default: NPCs, players and their projectiles (the page's copy of the rules holds as many). */
export const CAPACITY = 16_384;
/** The most a store may hold: the rules' broadphase has room for this many slots (assembly/grid.ts GRID_SLOTS). */
export const MAX_CAPACITY = 1 << 18;
/** NPCs the arena starts with, and the half-extent around the centre where they appear (the settings' defaults). */
export const NPCS = 2000;
export const NPC_SPREAD_M = 500;
/** A projectile's speed (m per tick at 60 Hz: 90 m/s) and how long it flies. */
export const PROJECTILE_M_PER_TICK = 1.5;
export const PROJECTILE_TICKS = 90;

/** Positions within ±16 km (the Q16.16 world's half-width) in 1/128 m. */
export const POSITION = { type: 'q16', unit: 'm', min: -16_384, max: 16_384, precision: 1 / 128 } as const;
/** Velocities within ±8 m per tick in 1/1024 m per tick (1/128 m over 8 ticks). */
export const VELOCITY = { type: 'q16', unit: 'm/tick', min: -8, max: 8, precision: 1 / 1024 } as const;
/** A stick axis in 1/127. */
export const AXIS = { type: 'q16', min: -1, max: 1, precision: 1 / 127 } as const;

export const GAME = defineGame({
  name: 'arena-shooter',
  components: {
    position: { fields: { x: POSITION, y: POSITION, z: { ...POSITION, min: 0, max: 1024 } } },
    velocity: { fields: { x: VELOCITY, y: VELOCITY, z: VELOCITY }, rate: 'normal' },
    heading: { fields: { yaw: { type: 'q16', unit: 'rad', min: -Math.PI, max: Math.PI, bits: 12, wrap: true } } },
    health: { fields: { hp: { type: 'i32', unit: 'hit points', min: 0, max: 1023 } } },
    body: { fields: { kind: { type: 'enum', values: ['npc', 'player', 'projectile'] }, dead: { type: 'bool' } } },
    // Only the one who fires it: ticks until it fires again (or until a dead player respawns), and its kills.
    weapon: { fields: { cooldown: { type: 'u32', unit: 'ticks', min: 0, max: 255 }, kills: { type: 'u32', min: 0, max: 1_000_000 } }, replicate: 'owner' },
    // The server's own: an NPC's next decision, a projectile's life left.
    timer: { fields: { ticks: { type: 'u32', unit: 'ticks' } }, replicate: 'server' },
    // Who fired a projectile (its avatar's id): a client knows its own shots by it.
    shot: { fields: { shooter: { type: 'u32', unit: 'entity id' } } },
    // The server's choice of world, kept in the store (saved with it, the same in a rollback):
    // how many NPCs setup spawns and how far from the centre they appear.
    spawning: { fields: { npcs: { type: 'u32', min: 0, max: 1_000_000 }, spreadM: { type: 'q16', unit: 'm', min: 1, max: 8192, precision: 1 / 64 } }, replicate: 'server' },
  },
  types: {
    npc: ['position', 'velocity', 'heading', 'health', 'body', 'timer'],
    player: ['position', 'velocity', 'heading', 'health', 'body', 'weapon'],
    projectile: ['position', 'velocity', 'body', 'timer', 'shot'],
    // One, in slot 0, spawned before setup by module.ts; no position: nobody's view holds it.
    settings: ['spawning'],
  },
  input: {
    moveX: AXIS,
    moveY: AXIS,
    fire: { type: 'bool' },
    // Where the player aims, a binary angle from +x counter-clockwise.
    aim: { type: 'q16', unit: 'rad', min: 0, max: 2 * Math.PI, bits: 16, wrap: true },
    // The rifle: a hitscan along the aim, judged by the server against the world as the player's
    // screen showed it (viewTick: the low 16 bits of the tick of the newest snapshot it drew).
    shoot: { type: 'bool' },
    viewTick: { type: 'u32', unit: 'ticks (low 16 bits)', min: 0, max: 0xffff },
    // The server's verdict (module.ts): the slot + 1 of the body the rifle hit (judged and applied
    // in the same tick, so the slot is that body's), NO_TARGET for none. What a client sends
    // here is replaced before the rules see it.
    target: { type: 'u32', unit: 'slot + 1', min: 0, max: 1 << 20 },
  },
});

export type Declaration = typeof GAME.declaration;
export type Input = { moveX: number; moveY: number; fire: boolean; aim: number; shoot: boolean; viewTick: number; target: number };
/** The rifle hit nothing (the input's target when the server's verdict is a miss). */
export const NO_TARGET = 0;
export const IDLE: Readonly<Input> = { moveX: 0, moveY: 0, fire: false, aim: 0, shoot: false, viewTick: 0, target: NO_TARGET };
/** The rifle's reach (m) and what a hit takes; it shares the weapon's cooldown with the projectiles. */
export const RIFLE_RANGE_M = 60;
export const RIFLE_DAMAGE = 34;

/**
 * The arena's events, which its rules emit (assembly/combat.ts, emitEvent) and the server sends
 * to the players within KILL_FEED_RANGE_M: a player scored (at it), a player fell (at it).
 * assembly/arena.ts holds the same numbers.
 */
export const EVENT_KILL = 1;
export const EVENT_DOWN = 2;
export const KILL_FEED_RANGE_M = 100;

/** An event's payload: the avatar id it is about (u32, little-endian). */
export function eventAvatar(payload: Uint8Array): number {
  return payload.byteLength >= 4 ? new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true) : -1;
}
