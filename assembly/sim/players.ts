// Players of the reference step, driven by one input record each (layout in input.ts). In player
// number order: join or leave by the PRESENT bit, count down a death, steer (move vector scaled
// to the player speed, the aim as heading), then use the weapon when its cooldown allows: SHOOT
// applies the hitscan verdict the lag compensator wrote into the record, FIRE launches a
// projectile. Players walk into the world's edges and stop there.

import { fx_cos, fx_sin, fx_mul, fx_wrap_angle, isqrt_round_u64 } from '../fixed';
import { world_alloc, world_free } from '../world';
import {
  column, MAX_PLAYERS, H_MIN_X, H_MIN_Y, H_MIN_Z, H_MAX_X, H_MAX_Y, H_SIM_PLAYERS, H_SIM_PLAYER_TABLE,
  H_SIM_PLAYER_SPEED, H_SIM_PROJECTILE_SPEED, H_SIM_PROJECTILE_TICKS, H_SIM_COOLDOWN_TICKS,
  H_SIM_PLAYER_HP, H_SIM_HITSCAN_DAMAGE, H_SIM_PLAYER_RADIUS,
  COL_FLAGS, COL_POS_X, COL_POS_Y, COL_POS_Z, COL_VEL_X, COL_VEL_Y, COL_HEADING, COL_TIMER, COL_RADIUS,
  COL_HP, COL_OWNER, FLAG_DEAD, FLAG_PLAYER, FLAG_PROJECTILE, OWNER_TAG_MASK, OWNER_TAG_SHIFT,
} from '../world-layout';
import {
  INPUT_BYTES, IN_MOVE_X, IN_MOVE_Y, IN_BUTTONS, IN_AIM, IN_TARGET,
  BUTTON_FIRE, BUTTON_SHOOT, BUTTON_PRESENT, MOVE_MAX,
} from './input';
import { apply_damage, place_at_spawn, target_slot } from './combat';

// 2 pi in Q16 (fixed.ts FX_TWO_PI): a binary angle times this, >> 16, is Q16 radians.
const TWO_PI_Q16: i64 = 411775;

// Q16 radians of a binary angle, in [-pi, pi].
// @ts-ignore: decorator
@inline
export function aim_radians(aim: u32): i32 {
  return fx_wrap_angle(<i32>((<i64>aim * TWO_PI_Q16 + 0x8000) >> 16));
}

// Spawns the avatar of player `player`; returns its slot or -1 when the world is full.
function spawn_player(world: usize, player: u32): i32 {
  const slot = world_alloc(world, FLAG_PLAYER);
  if (slot < 0) return -1;
  const off: usize = <usize>slot << 2;
  place_at_spawn(world, <u32>slot, false);
  store<i32>(column(world, COL_POS_Z) + off, load<i32>(world + H_MIN_Z));
  store<i32>(column(world, COL_RADIUS) + off, load<i32>(world + H_SIM_PLAYER_RADIUS));
  store<i32>(column(world, COL_HP) + off, load<i32>(world + H_SIM_PLAYER_HP));
  store<u32>(column(world, COL_OWNER) + off, player);
  return slot;
}

// Launches a projectile from the shooter along `heading` (Q16 radians).
function launch(world: usize, shooter: u32, heading: i32): void {
  // The shooter's slot rides in the flags' high bits (OWNER_TAG_SHIFT), so a client that sees
  // the projectile through interest management knows it is its own (replicated as state bits).
  const slot = world_alloc(world, FLAG_PROJECTILE | ((shooter & OWNER_TAG_MASK) << OWNER_TAG_SHIFT));
  if (slot < 0) return; // a full world drops the shot, the same way everywhere
  const src: usize = <usize>shooter << 2;
  const off: usize = <usize>slot << 2;
  const speed = load<i32>(world + H_SIM_PROJECTILE_SPEED);
  store<i32>(column(world, COL_POS_X) + off, load<i32>(column(world, COL_POS_X) + src));
  store<i32>(column(world, COL_POS_Y) + off, load<i32>(column(world, COL_POS_Y) + src));
  store<i32>(column(world, COL_POS_Z) + off, load<i32>(column(world, COL_POS_Z) + src));
  store<i32>(column(world, COL_VEL_X) + off, fx_mul(fx_cos(heading), speed));
  store<i32>(column(world, COL_VEL_Y) + off, fx_mul(fx_sin(heading), speed));
  store<i32>(column(world, COL_HEADING) + off, heading);
  store<u32>(column(world, COL_TIMER) + off, max<u32>(load<u32>(world + H_SIM_PROJECTILE_TICKS), 1));
  store<u32>(column(world, COL_OWNER) + off, shooter);
}

// @ts-ignore: decorator
@inline
function clamp_move(v: i32): i64 {
  return <i64>max<i32>(v, -MOVE_MAX);
}

export function players_step(world: usize, inputs: usize, playerCount: u32): void {
  const count = min<u32>(min<u32>(playerCount, load<u32>(world + H_SIM_PLAYERS)), MAX_PLAYERS);
  for (let p: u32 = 0; p < count; p++) {
    const rec = inputs + <usize>p * INPUT_BYTES;
    const buttons = <u32>load<u8>(rec, IN_BUTTONS);
    const tableAt = world + H_SIM_PLAYER_TABLE + (<usize>p << 2);
    let entry = load<u32>(tableAt);
    if ((buttons & BUTTON_PRESENT) == 0) {
      if (entry != 0) {
        world_free(world, entry - 1);
        store<u32>(tableAt, 0);
      }
      continue;
    }
    if (entry == 0) {
      const spawned = spawn_player(world, p);
      if (spawned < 0) continue; // full: tried again next frame
      entry = <u32>spawned + 1;
      store<u32>(tableAt, entry);
    }
    avatar_step(world, entry - 1, rec);
  }
}

// One avatar's frame under one input record: count down a death (respawning at its end), steer
// (the move vector scaled to the player speed, the aim as heading, clamped to the world), then
// use the weapon when its cooldown allows: SHOOT applies the hitscan verdict the lag compensator
// wrote into the record, FIRE launches a projectile.
function avatar_step(world: usize, slot: u32, rec: usize): void {
  const flagsCol = column(world, COL_FLAGS);
  const posX = column(world, COL_POS_X);
  const posY = column(world, COL_POS_Y);
  const velX = column(world, COL_VEL_X);
  const velY = column(world, COL_VEL_Y);
  const headingCol = column(world, COL_HEADING);
  const timer = column(world, COL_TIMER);
  const hpCol = column(world, COL_HP);
  const speed = <i64>load<i32>(world + H_SIM_PLAYER_SPEED);
  const minX = <i64>load<i32>(world + H_MIN_X), maxX = <i64>load<i32>(world + H_MAX_X);
  const minY = <i64>load<i32>(world + H_MIN_Y), maxY = <i64>load<i32>(world + H_MAX_Y);
  const buttons = <u32>load<u8>(rec, IN_BUTTONS);
  const off: usize = <usize>slot << 2;
  const flags = load<u32>(flagsCol + off);
  const t = load<u32>(timer + off);
  if ((flags & FLAG_DEAD) != 0) {
    if (t > 1) {
      store<u32>(timer + off, t - 1);
      return;
    }
    store<u32>(flagsCol + off, flags & ~FLAG_DEAD);
    store<i32>(hpCol + off, load<i32>(world + H_SIM_PLAYER_HP));
    store<u32>(timer + off, 0);
    place_at_spawn(world, slot, false);
  }

  // Steering: the move vector scaled so its full length (127) is the player speed.
  const mx = clamp_move(<i32>load<i8>(rec, IN_MOVE_X));
  const my = clamp_move(<i32>load<i8>(rec, IN_MOVE_Y));
  const length = max<i64>(<i64>isqrt_round_u64(<u64>(mx * mx + my * my)), <i64>MOVE_MAX);
  const vx = <i32>((mx * speed) / length);
  const vy = <i32>((my * speed) / length);
  store<i32>(velX + off, vx);
  store<i32>(velY + off, vy);
  const heading = aim_radians(<u32>load<u16>(rec, IN_AIM));
  store<i32>(headingCol + off, heading);
  store<i32>(posX + off, <i32>min<i64>(max<i64>(<i64>load<i32>(posX + off) + <i64>vx, minX), maxX));
  store<i32>(posY + off, <i32>min<i64>(max<i64>(<i64>load<i32>(posY + off) + <i64>vy, minY), maxY));

  // Weapon: one shot per cooldown; SHOOT (hitscan) before FIRE (projectile).
  const cooldown = load<u32>(timer + off);
  if (cooldown > 0) {
    store<u32>(timer + off, cooldown - 1);
    return;
  }
  if ((buttons & BUTTON_SHOOT) != 0) {
    const target = target_slot(world, load<u32>(rec, IN_TARGET));
    if (target >= 0 && <u32>target != slot) apply_damage(world, <u32>target, load<i32>(world + H_SIM_HITSCAN_DAMAGE));
    store<u32>(timer + off, load<u32>(world + H_SIM_COOLDOWN_TICKS));
  } else if ((buttons & BUTTON_FIRE) != 0) {
    launch(world, slot, heading);
    store<u32>(timer + off, load<u32>(world + H_SIM_COOLDOWN_TICKS));
  }
}
