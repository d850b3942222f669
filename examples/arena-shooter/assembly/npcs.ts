// NPCs wander: each walks a straight line at its own speed until its timer runs out, then turns
// by up to a quarter turn either way and draws a new speed (or stands idle a while, one time in
// five). The arena's edges reflect it.

import { body, FX_HALF_PI, FX_PI, fx_cos, fx_mul, fx_sin, fx_wrap_angle, heading, health, highWater, idAt, NO_ENTITY, slotOf, spawn, timer, Type, typeAt, velocity, position } from './generated/game';
import { between, chance, HALF, NPC_HP, NPC_TOP_SPEED, placeAt, angleOf } from './arena';

function decide(slot: u32, frame: u32): void {
  const id = idAt(slot);
  const yaw = fx_wrap_angle(heading.yaw(slot) + between(chance(frame, id, 21), -FX_HALF_PI, FX_HALF_PI));
  heading.setYaw(slot, yaw);
  const idle = chance(frame, id, 22) % 5 == 0;
  const speed = idle ? 0 : between(chance(frame, id, 23), NPC_TOP_SPEED >> 2, NPC_TOP_SPEED);
  velocity.setX(slot, fx_mul(fx_cos(yaw), speed));
  velocity.setY(slot, fx_mul(fx_sin(yaw), speed));
  timer.setTicks(slot, <u32>between(chance(frame, id, 24), 60, 240));
}

/** `count` NPCs at drawn places (fewer when the store fills). */
export function spawnNpcs(count: u32, seed: u32): void {
  for (let n: u32 = 0; n < count; n++) {
    const id = spawn(Type.npc, 0);
    if (id == NO_ENTITY) return;
    const s = slotOf(id);
    body.setKind(s, body.KIND_NPC);
    health.setHp(s, NPC_HP);
    placeAt(s, seed, true);
    heading.setYaw(s, angleOf(chance(seed, id, 25)));
    decide(s, seed);
  }
}

/** Reflects v into [-HALF, HALF]; whether it had to. */
// @ts-ignore: decorator
@inline
function reflected(v: i32): i32 {
  if (v < -HALF) return -2 * HALF - v;
  if (v > HALF) return 2 * HALF - v;
  return v;
}

export function wander(frame: u32): void {
  const high = highWater();
  for (let s: u32 = 0; s < high; s++) {
    if (typeAt(s) != Type.npc) continue;
    const t = timer.ticks(s);
    if (t <= 1) decide(s, frame);
    else timer.setTicks(s, t - 1);
    let vx = velocity.x(s);
    let vy = velocity.y(s);
    const x = position.x(s) + vx; // |v| is far below the arena's margin to i32's edge
    const y = position.y(s) + vy;
    const rx = reflected(x);
    const ry = reflected(y);
    if (rx != x) {
      velocity.setX(s, -vx);
      heading.setYaw(s, fx_wrap_angle(FX_PI - heading.yaw(s)));
    }
    if (ry != y) {
      velocity.setY(s, -vy);
      heading.setYaw(s, fx_wrap_angle(-heading.yaw(s)));
    }
    position.setX(s, rx);
    position.setY(s, ry);
  }
}
