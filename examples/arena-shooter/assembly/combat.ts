// Hit points, deaths and respawns. A player brought to 0 hit points is dead (not solid, not
// hittable, its input ignored) for RESPAWN_TICKS, then appears again near the centre with full
// hit points; an NPC brought to 0 appears again at once somewhere else. The one whose shot
// killed it scores a kill (its owner-only weapon.kills).
//
// The kill feed: a KILL where a player scored and a DOWN where a player fell, each naming that
// player's avatar (4 bytes), for the players within KILL_FEED_RANGE. The score itself stays the
// owner's: an event says that someone scored, not how many.

import { body, emitEvent, health, idAt, slotOf, isAlive, position, typeAt, Type, velocity, weapon } from './generated/game';
import { EVENT_DOWN, EVENT_KILL, KILL_FEED_RANGE, NPC_HP, placeAt, RESPAWN_TICKS } from './arena';

/** A kill-feed event at the player in `slot`, naming its avatar. */
function feed(kind: u32, slot: u32): void {
  emitEvent(kind, position.x(slot), position.y(slot), 0, KILL_FEED_RANGE, idAt(slot), 0, 0, 0, 4);
}

/** Whether `slot` holds a body a projectile can hit: an NPC or a living player. */
export function isTarget(slot: u32): bool {
  const type = typeAt(slot);
  return type == Type.npc || (type == Type.player && !body.dead(slot));
}

/** Takes `amount` from the target in `slot`; `shooter` (an entity id) scores if it kills. */
export function damage(slot: u32, amount: i32, shooter: u32, frame: u32): void {
  const hp = health.hp(slot) - amount;
  if (hp > 0) {
    health.setHp(slot, hp);
    return;
  }
  if (isAlive(shooter)) {
    const s = slotOf(shooter);
    if (typeAt(s) == Type.player) {
      weapon.setKills(s, weapon.kills(s) + 1);
      feed(EVENT_KILL, s);
    }
  }
  if (typeAt(slot) == Type.player) {
    feed(EVENT_DOWN, slot);
    body.setDead(slot, true);
    health.setHp(slot, 0);
    velocity.setX(slot, 0);
    velocity.setY(slot, 0);
    weapon.setCooldown(slot, RESPAWN_TICKS);
  } else {
    health.setHp(slot, NPC_HP);
    placeAt(slot, frame, true);
  }
}
