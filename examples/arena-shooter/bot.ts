// A bot player's brain, from what its own client was sent (its replica): it strolls on a circle
// of its own and, when an NPC is within 30 m, turns to the nearest one and fires at it: even
// bots with the rifle (judged by the server against the tick the bot last received), odd ones
// with projectiles. Used by bots.ts and by the example's tests.

import type { GameReplica } from '../../src/web/sdk.js';
import { GAME, IDLE, NO_TARGET, type Declaration, type Input } from './game.js';

const X = GAME.fieldIndex.get('position.x')!;
const Y = GAME.fieldIndex.get('position.y')!;
/** How near an NPC must be for the bot to shoot at it, metres. */
export const BOT_RANGE_M = 30;

export function botInput(replica: GameReplica<Declaration> | null | undefined, avatar: number, bot: number, frame: number): Input {
  const me = replica?.entity(avatar);
  if (!replica || !me) return IDLE;
  const { x, y } = me.position as { x: number; y: number };
  const input: Input = {
    moveX: Math.round(Math.cos(frame / 120 + bot) * 127) / 127,
    moveY: Math.round(Math.sin(frame / 150 + 2 * bot) * 127) / 127,
    fire: false,
    aim: 0,
    shoot: false,
    viewTick: replica.tick & 0xffff,
    target: NO_TARGET,
  };
  let best = BOT_RANGE_M * BOT_RANGE_M;
  for (let k = 0; k < replica.size; k++) {
    if (replica.typeAt(k) !== 'npc') continue;
    const dx = (replica.valueAt(k, X) as number) - x;
    const dy = (replica.valueAt(k, Y) as number) - y;
    const d2 = dx * dx + dy * dy;
    if (d2 >= best) continue;
    best = d2;
    const angle = Math.atan2(dy, dx);
    input.aim = angle < 0 ? angle + 2 * Math.PI : angle;
    input.shoot = bot % 2 === 0;
    input.fire = !input.shoot;
  }
  return input;
}
