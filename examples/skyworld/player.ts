// A player's tick: what its held input does to its body. The server's sim runs it for every
// player (sim.ts), and the page runs the same function to predict its own player (predict.ts),
// so a walk, a jump or a climb shows at once and the server's state, arriving later, agrees.

import type { SkyworldInput } from './game.js';
import { FLY_V, clamp, foldYaw, move, type Columns } from './physics.js';
import { Q } from './terrain.js';

export const IN_JUMP = 1;
export const IN_CLIMB = 2;
export const IN_FLY = 4;
/** Held to fire the zapper (sim.ts judges it; a page's prediction moves the same either way). */
export const IN_ZAP = 8;

/** An input as the sim holds it: the stick in Q16 [-1, 1], the buttons as bits, the aim folded. */
export interface HeldInput {
  readonly moveX: number;
  readonly moveY: number;
  readonly flags: number;
  readonly aim: number;
}

export function heldInput(input: Readonly<SkyworldInput>): HeldInput {
  return {
    moveX: clamp(Math.round(input.moveX * Q), -Q, Q),
    moveY: clamp(Math.round(input.moveY * Q), -Q, Q),
    flags: (input.jump ? IN_JUMP : 0) | (input.climb ? IN_CLIMB : 0) | (input.fly ? IN_FLY : 0) | (input.zap ? IN_ZAP : 0),
    aim: foldYaw(Math.round(input.aim * Q)),
  };
}

/** One tick of the player in `slot` (walking speed `speed`, Q16 m per tick) under its held input. */
export function stepPlayer(c: Columns, slot: number, speed: number, moveX: number, moveY: number, flags: number, aim: number): void {
  const fly = (flags & IN_FLY) !== 0;
  const sp = speed * (fly ? 2 : 1);
  c.yaw[slot] = aim;
  move(c, slot, {
    vx: Math.trunc((moveX * sp) / Q),
    vy: Math.trunc((moveY * sp) / Q),
    jump: (flags & IN_JUMP) !== 0,
    climb: (flags & IN_CLIMB) !== 0,
    fly,
    // In flight, jump rises and climb sinks.
    vzFly: (flags & IN_JUMP) !== 0 ? FLY_V : (flags & IN_CLIMB) !== 0 ? -FLY_V : 0,
  });
  // A potion when badly hurt: the inventory is the sim's to spend.
  if (c.hp[slot]! < 50 && c.potions[slot]! > 0) {
    c.potions[slot]!--;
    c.hp[slot] = Math.min(500, c.hp[slot]! + 50);
  }
}
