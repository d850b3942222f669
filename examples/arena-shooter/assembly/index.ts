// The arena shooter's rules, in AssemblyScript: `chronos build` compiles them with the engine's
// kernels into one module (build/page/game.wasm) that the server and the page both run. NPCs
// wander a 10 km world (appearing within the settings' spread of its centre); players walk at
// 6 m/s, aim, and fire projectiles (four a second) that hit the first body in their way (25 a
// hit), or a rifle the server judges by lag compensation (34 a hit); NPCs have 50 hit points
// and players 100; a dead player appears again near the centre three seconds later.
//
// Every bit of state is in the store (the dice are a hash of frame, id and salt; the grid is
// rebuilt from the store each step), so rolling a frame back and playing it again gives the same
// bytes: test/examples/arena-shooter.test.ts runs the engine's SyncTestSession over this module.

import {
  body, despawn, fx_wrap_angle, health, heading, Input, isqrt_round_u64, NO_ENTITY, position, slotOf, spawn, Type,
  velocity, weapon, FX_ONE, frame,
} from './generated/game';
import { clampArena, COOLDOWN_TICKS, NO_TARGET, npcCount, placeAt, PLAYER_HP, PLAYER_SPEED, RIFLE_DAMAGE } from './arena';
import { damage, isTarget } from './combat';
import { buildGrid } from './grid';
import { spawnNpcs, wander } from './npcs';
import { flyProjectiles, launch } from './projectiles';

export function setup(seed: u32): void {
  spawnNpcs(npcCount(), seed);
}

/** A player joins: its avatar near the centre (NO_ENTITY when the arena is full: the server refuses the player). */
export function join(player: u32): u32 {
  const id = spawn(Type.player, player);
  if (id == NO_ENTITY) return id;
  const s = slotOf(id);
  body.setKind(s, body.KIND_PLAYER);
  health.setHp(s, PLAYER_HP);
  placeAt(s, frame(), false);
  return id;
}

export function leave(player: u32, avatar: u32): void {
  despawn(avatar);
}

/**
 * One input of a player: respawn when the wait is over, walk, aim, and use the weapon when it is
 * ready: the rifle (shoot) applies the server's verdict, the body the input names as hit (the
 * server judged it by lag compensation and wrote it there; a client predicting its own moves
 * has none, so it never predicts a hit); else fire launches a projectile.
 */
export function control(avatar: u32): void {
  const s = slotOf(avatar);
  const wait = weapon.cooldown(s);
  if (body.dead(s)) {
    if (wait > 1) {
      weapon.setCooldown(s, wait - 1);
      return;
    }
    body.setDead(s, false);
    health.setHp(s, PLAYER_HP);
    weapon.setCooldown(s, 0);
    placeAt(s, frame(), false);
  }
  // The move vector, scaled so that its full length is the player's speed (diagonals no faster).
  const mx = <i64>Input.moveX();
  const my = <i64>Input.moveY();
  const length = max<i64>(<i64>isqrt_round_u64(<u64>(mx * mx + my * my)), <i64>FX_ONE);
  const vx = <i32>((mx * PLAYER_SPEED) / length);
  const vy = <i32>((my * PLAYER_SPEED) / length);
  velocity.setX(s, vx);
  velocity.setY(s, vy);
  position.setX(s, clampArena(<i64>position.x(s) + vx));
  position.setY(s, clampArena(<i64>position.y(s) + vy));
  const yaw = fx_wrap_angle(Input.aim());
  heading.setYaw(s, yaw);
  if (weapon.cooldown(s) > 0) {
    weapon.setCooldown(s, weapon.cooldown(s) - 1);
  } else if (Input.shoot()) {
    const target = Input.target();
    if (target != NO_TARGET && target - 1 != s && isTarget(target - 1)) damage(target - 1, RIFLE_DAMAGE, avatar, frame());
    weapon.setCooldown(s, COOLDOWN_TICKS);
  } else if (Input.fire()) {
    launch(s, yaw);
    weapon.setCooldown(s, COOLDOWN_TICKS);
  }
}

export function step(frame: u32): void {
  wander(frame);
  buildGrid();
  flyProjectiles(frame);
}
