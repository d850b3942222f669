// The reference game step: one deterministic frame of the demo game over the world region.
//
// Step contract (what any game step plugged into Chronos's rollback must honour):
//   sim_step(world, inputs, playerCount, scratch)
//   - world: the region (layout in ../world-layout.ts). Everything the next frame depends on is
//     read from and written to it — PRNG included — so a snapshot is the whole game state.
//   - inputs: playerCount fixed-size records (input.ts), the frame's input of every player.
//   - scratch: working memory rebuilt from the region every call; it carries nothing between
//     frames, so it is not snapshotted (size: sim_scratch_bytes(capacity)).
//   - Integer arithmetic only (Q16.16 through fixed.ts), a fixed iteration order, no clocks,
//     no allocation (the module's runtime is `stub`), no state outside those pointers.
// Same region bytes + same input bytes => same region bytes afterwards, on every engine.
//
// Order within a frame: NPC wander (assembly/npc.ts, which also advances the tick), players
// (join/leave, respawn, steering, weapons), broadphase grid, projectiles (swept against the
// grid), collisions.

import { npc_step } from '../npc';
import { column, H_HIGH_WATER, H_SIM_NPC_HP, COL_FLAGS, COL_HP, FLAG_ALIVE, FLAG_NPC } from '../world-layout';
import { players_step } from './players';
import { grid_build } from './grid';
import { projectiles_step } from './projectile';
import { collisions_resolve } from './collide';

export function sim_step(world: usize, inputs: usize, playerCount: u32, scratch: usize): void {
  npc_step(world);
  players_step(world, inputs, playerCount);
  grid_build(world, scratch);
  projectiles_step(world, scratch);
  collisions_resolve(world, scratch);
}

// Gives every live NPC the configured hit points (NPCs spawned by npc_spawn start at 0).
export function sim_arm_npcs(world: usize): void {
  const high = load<u32>(world + H_HIGH_WATER);
  const flags = column(world, COL_FLAGS);
  const hp = column(world, COL_HP);
  const npcHp = load<i32>(world + H_SIM_NPC_HP);
  const wanted = FLAG_ALIVE | FLAG_NPC;
  for (let i: u32 = 0; i < high; i++) {
    const off: usize = <usize>i << 2;
    if ((load<u32>(flags + off) & wanted) == wanted) store<i32>(hp + off, npcHp);
  }
}
