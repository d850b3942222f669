// World mode's steps. The server is the authority over one world of any number of players: each
// tick it applies the avatar commands the input authority (src/world/input-authority.ts) chose
// — at most one input per player per tick, plus a bounded catch-up — to the avatars they name,
// then runs the rest of the reference game around them. A client predicts only its own avatar
// (and its own projectiles) in a small world of its own with the same avatar_step, so for the
// same starting state and the same inputs its avatar ends bit for bit where the server's does.
//
// Command, CMD_BYTES = 16 (little-endian):
// | off | type | field                                                                    |
// |-----|------|--------------------------------------------------------------------------|
// |   0 | u32  | avatar slot (a command naming anything but a live player is skipped)     |
// |   4 | 12 B | input record (input.ts): move, buttons, aim, view delay, SHOOT verdict   |
// Commands run in list order; one avatar may appear more than once (catch-up).

import { npc_step } from '../npc';
import { world_free } from '../world';
import {
  column, H_HIGH_WATER, H_MIN_X, H_MIN_Y, H_MAX_X, H_MAX_Y,
  COL_FLAGS, COL_POS_X, COL_POS_Y, COL_VEL_X, COL_VEL_Y, COL_TIMER,
  FLAG_ALIVE, FLAG_PLAYER, FLAG_PROJECTILE,
} from '../world-layout';
import { avatar_step } from './players';
import { grid_build } from './grid';
import { projectiles_step } from './projectile';
import { collisions_resolve } from './collide';

export const CMD_BYTES: usize = 16;
const CMD_INPUT: usize = 4;
const AVATAR: u32 = FLAG_ALIVE | FLAG_PLAYER;

// @ts-ignore: decorator
@inline
function run_commands(world: usize, cmds: usize, count: u32): void {
  const high = load<u32>(world + H_HIGH_WATER);
  const flags = column(world, COL_FLAGS);
  for (let i: u32 = 0; i < count; i++) {
    const cmd = cmds + <usize>i * CMD_BYTES;
    const slot = load<u32>(cmd);
    if (slot >= high || (load<u32>(flags + (<usize>slot << 2)) & AVATAR) != AVATAR) continue;
    avatar_step(world, slot, cmd + CMD_INPUT);
  }
}

// The server's tick: NPCs wander (and the tick advances), avatars follow their commands, then
// the broadphase, projectiles and collisions of the reference step.
export function sim_world_step(world: usize, cmds: usize, count: u32, scratch: usize): void {
  npc_step(world);
  run_commands(world, cmds, count);
  grid_build(world, scratch);
  projectiles_step(world, scratch);
  collisions_resolve(world, scratch);
}

// A client's prediction of one frame of its own avatar: its commands, then its projectiles fly
// (no broadphase: a client knows too little of the world to judge hits, which the server does).
export function sim_predict_step(world: usize, cmds: usize, count: u32): void {
  run_commands(world, cmds, count);
  projectiles_fly(world);
}

// Projectiles move by their velocity, count down their lifetime and leave at its end or at the
// world's edge, as projectiles_step does for a projectile that hits nothing.
function projectiles_fly(world: usize): void {
  const high = load<u32>(world + H_HIGH_WATER);
  const flags = column(world, COL_FLAGS);
  const posX = column(world, COL_POS_X);
  const posY = column(world, COL_POS_Y);
  const velX = column(world, COL_VEL_X);
  const velY = column(world, COL_VEL_Y);
  const timer = column(world, COL_TIMER);
  const minX = <i64>load<i32>(world + H_MIN_X), maxX = <i64>load<i32>(world + H_MAX_X);
  const minY = <i64>load<i32>(world + H_MIN_Y), maxY = <i64>load<i32>(world + H_MAX_Y);
  for (let p: u32 = 0; p < high; p++) {
    const off: usize = <usize>p << 2;
    if ((load<u32>(flags + off) & (FLAG_ALIVE | FLAG_PROJECTILE)) != (FLAG_ALIVE | FLAG_PROJECTILE)) continue;
    const ticksLeft = load<u32>(timer + off);
    if (ticksLeft <= 1) {
      world_free(world, p);
      continue;
    }
    store<u32>(timer + off, ticksLeft - 1);
    const ex = <i64>load<i32>(posX + off) + <i64>load<i32>(velX + off);
    const ey = <i64>load<i32>(posY + off) + <i64>load<i32>(velY + off);
    if (ex < minX || ex > maxX || ey < minY || ey > maxY) {
      world_free(world, p);
      continue;
    }
    store<i32>(posX + off, <i32>ex);
    store<i32>(posY + off, <i32>ey);
  }
}
