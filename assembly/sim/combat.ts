// Hit points, deaths and respawns of the reference game. A player brought to 0 hit points turns
// DEAD (not solid, not hittable, ignores its inputs) for the respawn delay, then reappears at a
// seeded spawn point with full hit points; an NPC brought to 0 reappears at once at a seeded
// point anywhere in the world. Every draw comes from the world's PRNG, so deaths replay
// identically in a rollback.

import { rng_range } from '../rng';
import {
  column, H_RNG, H_MIN_X, H_MIN_Y, H_MAX_X, H_MAX_Y, H_SIM_RESPAWN_TICKS, H_SIM_NPC_HP,
  H_SIM_SPAWN_EXTENT, H_SIM_KILLS, H_HIGH_WATER,
  COL_FLAGS, COL_GENERATION, COL_POS_X, COL_POS_Y, COL_VEL_X, COL_VEL_Y, COL_TIMER, COL_HP,
  FLAG_ALIVE, FLAG_DEAD, FLAG_NPC, FLAG_PLAYER, GENERATION_MASK,
} from '../world-layout';

const SLOT_BITS: u32 = 20; // entity ids: slot in the low 20 bits, generation above
const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;

// Whether `slot` holds a live, solid, hittable body (an NPC or a living player).
// @ts-ignore: decorator
@inline
export function is_target(world: usize, slot: u32): bool {
  if (slot >= load<u32>(world + H_HIGH_WATER)) return false;
  const f = load<u32>(column(world, COL_FLAGS) + (<usize>slot << 2));
  return (f & (FLAG_ALIVE | FLAG_DEAD)) == FLAG_ALIVE && (f & (FLAG_NPC | FLAG_PLAYER)) != 0;
}

// The slot an entity id names if it is still a live target of that generation, else -1.
export function target_slot(world: usize, id: u32): i32 {
  const slot = id & SLOT_MASK;
  if (!is_target(world, slot)) return -1;
  const generation = load<u32>(column(world, COL_GENERATION) + (<usize>slot << 2)) & GENERATION_MASK;
  return select<i32>(<i32>slot, -1, generation == (id >>> SLOT_BITS));
}

// Writes a seeded spawn point into the slot's position: within the spawn half-extent around the
// world centre for players (clamped to the world), anywhere for NPCs.
export function place_at_spawn(world: usize, slot: u32, anywhere: bool): void {
  const rng = world + H_RNG;
  const minX = load<i32>(world + H_MIN_X), maxX = load<i32>(world + H_MAX_X);
  const minY = load<i32>(world + H_MIN_Y), maxY = load<i32>(world + H_MAX_Y);
  let loX = minX, hiX = maxX, loY = minY, hiY = maxY;
  if (!anywhere) {
    const extent = <i64>max<i32>(load<i32>(world + H_SIM_SPAWN_EXTENT), 0);
    const midX = (<i64>minX + <i64>maxX) >> 1;
    const midY = (<i64>minY + <i64>maxY) >> 1;
    loX = <i32>max<i64>(midX - extent, <i64>minX);
    hiX = <i32>min<i64>(midX + extent, <i64>maxX);
    loY = <i32>max<i64>(midY - extent, <i64>minY);
    hiY = <i32>min<i64>(midY + extent, <i64>maxY);
  }
  const off: usize = <usize>slot << 2;
  store<i32>(column(world, COL_POS_X) + off, rng_range(rng, loX, hiX));
  store<i32>(column(world, COL_POS_Y) + off, rng_range(rng, loY, hiY));
}

// Takes `amount` hit points from a live target; at 0 or below it dies as described above.
export function apply_damage(world: usize, slot: u32, amount: i32): void {
  const off: usize = <usize>slot << 2;
  const hpAt = column(world, COL_HP) + off;
  const hp = <i64>load<i32>(hpAt) - <i64>max<i32>(amount, 0);
  if (hp > 0) {
    store<i32>(hpAt, <i32>hp);
    return;
  }
  store<u32>(world + H_SIM_KILLS, load<u32>(world + H_SIM_KILLS) + 1);
  const flagsAt = column(world, COL_FLAGS) + off;
  const f = load<u32>(flagsAt);
  if ((f & FLAG_PLAYER) != 0) {
    store<u32>(flagsAt, f | FLAG_DEAD);
    store<i32>(hpAt, 0);
    store<i32>(column(world, COL_VEL_X) + off, 0);
    store<i32>(column(world, COL_VEL_Y) + off, 0);
    store<u32>(column(world, COL_TIMER) + off, max<u32>(load<u32>(world + H_SIM_RESPAWN_TICKS), 1));
  } else {
    store<i32>(hpAt, load<i32>(world + H_SIM_NPC_HP));
    place_at_spawn(world, slot, true);
  }
}
