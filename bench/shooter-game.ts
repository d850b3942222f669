// The shooter's NPC fields as a game declaration (src/core/game.ts), the `game` suite's encode-1k
// and delta-ratio subject and the peer's (peers/game-colyseus.ts), and a declaration the codec
// tests use: its entity types, what each carries, what every client that sees it is sent, what
// only its owner is sent and what never leaves the server, and the input a player sends. The
// units, ranges and precisions are the arena shooter's (examples/arena-shooter/game.ts):
// positions in 1/128 m, yaw in 12 bits, move axes in 1/127.

import { defineGame } from '../src/core/game.js';
import { GameInputCodec } from '../src/codec/game-input.js';
import { AXIS, GAME as ARENA_SHOOTER } from '../examples/arena-shooter/game.js';

/** The components both shooters replicate alike: where a body is, how it moves, its heading and hit points. */
const { position, velocity, heading, health } = ARENA_SHOOTER.declaration.components;

export const SHOOTER_GAME = defineGame({
  name: 'arena-shooter',
  components: {
    position,
    velocity,
    heading,
    health,
    body: {
      fields: {
        kind: { type: 'enum', values: ['npc', 'player', 'projectile'] },
        dead: { type: 'bool' },
        away: { type: 'bool' },
      },
    },
    // The weapon's cooldown only matters to the one who fires it.
    weapon: { fields: { cooldown: { type: 'u32', unit: 'ticks', min: 0, max: 255 } }, replicate: 'owner' },
    // An NPC's next decision is the server's business.
    brain: { fields: { timer: { type: 'u32', unit: 'ticks' } }, replicate: 'server' },
    shot: { fields: { shooter: { type: 'u32', unit: 'entity id' } } },
  },
  types: {
    npc: ['position', 'velocity', 'heading', 'health', 'body', 'brain'],
    player: ['position', 'velocity', 'heading', 'health', 'body', 'weapon'],
    projectile: ['position', 'velocity', 'body', 'shot'],
  },
  // In this order, packed as 'bytes' (src/codec/game-input.ts), the record is 8 bytes: moveX i8,
  // moveY i8, a flag byte (fire 1, shoot 2), viewFraction u8, aim u16 (a binary angle from 0),
  // viewTick u16.
  input: {
    moveX: AXIS,
    moveY: AXIS,
    fire: { type: 'bool' },
    shoot: { type: 'bool' },
    viewFraction: { type: 'u32', unit: '1/256 tick', min: 0, max: 255 },
    aim: { type: 'q16', unit: 'rad', min: 0, max: 2 * Math.PI, bits: 16, wrap: true },
    viewTick: { type: 'u32', unit: 'ticks (low 16 bits)', min: 0, max: 0xffff },
  },
});

export type ShooterDeclaration = typeof SHOOTER_GAME.declaration;

/** The input record, derived from the declaration (8 bytes, 'bytes' packing). */
export const SHOOTER_INPUT = new GameInputCodec(SHOOTER_GAME, { packing: 'bytes' });
