// __NAME__'s data, declared once: the engine derives the store's layout, the wire (what each
// client is sent, quantised, as deltas), the client's typed view and the input's encoding and
// checks from it. Shared by the server and the page.

import { defineGame } from 'chronos/web';

const METRES = { type: 'q16', unit: 'm', min: -256, max: 256, precision: 1 / 64 } as const;

export const GAME = defineGame({
  name: '__NAME__',
  components: {
    position: { fields: { x: METRES, y: METRES } },
    // Only the player it belongs to ever receives its score.
    score: { fields: { orbs: { type: 'u32', min: 0, max: 1_000_000 } }, replicate: 'owner' },
    // The server's own bookkeeping: never sent.
    respawn: { fields: { ticks: { type: 'u32', min: 0, max: 10_000 } }, replicate: 'server' },
  },
  types: { player: ['position', 'score'], orb: ['position', 'respawn'], rock: ['position'] },
  input: {
    moveX: { type: 'q16', min: -1, max: 1, precision: 1 / 127 },
    moveY: { type: 'q16', min: -1, max: 1, precision: 1 / 127 },
  },
});

export type Declaration = typeof GAME.declaration;
/** Most entities at once: the server's store and the page's copy of the rules use the same. */
export const CAPACITY = 1200;
export type Input = { moveX: number; moveY: number };
/**
 * An event the rules emit (assembly/index.ts, emitEvent) when a player takes an orb, heard by the
 * players within ORB_EVENT_RANGE_M of it; its payload names the player's avatar (u32).
 */
export const EVENT_ORB = 1;
export const ORB_EVENT_RANGE_M = 60;
