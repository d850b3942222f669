// The arena's constants and the small helpers every rule shares. Positions are Q16.16 metres
// (FX_ONE is 1 m). Nothing here keeps state: chance() is a hash of where and when it is asked
// (the frame, a slot, a salt), so the world stays deterministic with every bit of state in the
// store, and a rollback replays the same draws.

import { FX_ONE, FX_PI, idAt, position, spawning, Type, typeAt } from './generated/game';

/** Half the world's side (game.ts HALF_M, which the page draws). */
export const HALF: i32 = 5000 * FX_ONE;
export const PLAYER_SPEED: i32 = FX_ONE / 10; // 6 m/s at 60 Hz
export const PLAYER_HP: i32 = 100;
export const PLAYER_RADIUS: i32 = FX_ONE >> 1;
/** Players appear within this half-extent of the arena's centre. */
export const SPAWN_EXTENT: i32 = 25 * FX_ONE;
export const RESPAWN_TICKS: u32 = 180; // 3 s
export const COOLDOWN_TICKS: u32 = 15; // four shots a second
export const PROJECTILE_SPEED: i32 = (3 * FX_ONE) >> 1; // 1.5 m a tick: 90 m/s (game.ts)
export const PROJECTILE_TICKS: u32 = 90; // 1.5 s
export const PROJECTILE_DAMAGE: i32 = 25;
export const RIFLE_DAMAGE: i32 = 34; // game.ts RIFLE_DAMAGE
/** The input's target when the rifle hit nothing (game.ts NO_TARGET); else the slot hit + 1. */
export const NO_TARGET: u32 = 0;
export const NPC_HP: i32 = 50;
export const NPC_RADIUS: i32 = FX_ONE >> 1;
export const NPC_TOP_SPEED: i32 = FX_ONE / 20; // 3 m/s
/** The settings' defaults (game.ts NPCS, NPC_SPREAD_M) when the store holds no settings entity. */
const DEFAULT_NPCS: u32 = 2000;
const DEFAULT_NPC_SPREAD: i32 = 500 * FX_ONE;
/** The kill feed's events (game.ts EVENT_KILL, EVENT_DOWN): a player scored, a player fell. */
export const EVENT_KILL: u32 = 1;
export const EVENT_DOWN: u32 = 2;
/** Who hears them: the players within 100 m (a view's radius, game.ts KILL_FEED_RANGE_M). */
export const KILL_FEED_RANGE: u32 = 100 * FX_ONE;
/** Largest body radius: how far a body reaches past its centre's cell. */
export const MAX_RADIUS: i32 = FX_ONE >> 1;

/** The settings entity's slot: module.ts spawns it first, before setup. */
const SETTINGS: u32 = 0;

/** NPCs setup spawns (the settings', or the default). */
export function npcCount(): u32 {
  return typeAt(SETTINGS) == Type.settings ? spawning.npcs(SETTINGS) : DEFAULT_NPCS;
}

/** Half-extent around the centre where NPCs appear (the settings', or the default). */
export function npcSpread(): i32 {
  return typeAt(SETTINGS) == Type.settings ? min<i32>(spawning.spreadM(SETTINGS), HALF) : DEFAULT_NPC_SPREAD;
}

/** A well-mixed 32-bit value of (a, b, salt): the arena's dice. */
export function chance(a: u32, b: u32, salt: u32): u32 {
  let h: u32 = a * 0x9e3779b1 ^ (b + 0x7f4a7c15) * 0x85ebca6b ^ salt * 0xc2b2ae35;
  h ^= h >>> 15;
  h *= 0x2c1b3c6d;
  h ^= h >>> 12;
  h *= 0x297a2d39;
  h ^= h >>> 15;
  return h;
}

/** A value in [lo, hi] from a draw. */
export function between(draw: u32, lo: i32, hi: i32): i32 {
  const span = <u64>(<i64>hi - <i64>lo + 1);
  return <i32>(<i64>lo + <i64>((<u64>draw * span) >> 32));
}

/** An angle in [-pi, pi) from a draw. */
export function angleOf(draw: u32): i32 {
  return between(draw, -FX_PI, FX_PI - 1);
}

export function clampArena(v: i64): i32 {
  return <i32>min<i64>(max<i64>(v, -<i64>HALF), <i64>HALF);
}

/** Puts `slot` at a drawn place: near the centre (a player) or where NPCs appear (an NPC). */
export function placeAt(slot: u32, frame: u32, npc: bool): void {
  const extent = npc ? npcSpread() : SPAWN_EXTENT;
  // The slot's id (its generation too) keeps two respawns in one slot from landing alike.
  const id = idAt(slot);
  position.setX(slot, between(chance(frame, id, 11), -extent, extent));
  position.setY(slot, between(chance(frame, id, 12), -extent, extent));
}
