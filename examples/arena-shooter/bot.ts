// A bot player's brain, from what its own client holds: it strolls on a circle of its own and,
// when an NPC is within 30 m, turns to the nearest one and fires at it: even bots with the rifle
// (judged by the server), odd ones with projectiles. In world mode it reads what its client was
// sent (its replica); in arena mode its own copy of the room (the whole store). Used by bots.ts
// and by the example's tests.

import type { DeclaredRoomGame, GameReplica } from '../../src/web/sdk.js';
import { GAME, IDLE, NO_TARGET, type Declaration, type Input } from './game.js';

const X = GAME.fieldIndex.get('position.x')!;
const Y = GAME.fieldIndex.get('position.y')!;
const NPC = GAME.typeIndex.get('npc')! + 1;
/** How near an NPC must be for the bot to shoot at it, metres. */
export const BOT_RANGE_M = 30;

/** World mode: from the bot's replica (what the server sent it); `viewTick` is the replica's tick. */
export function botInput(replica: GameReplica<Declaration> | null | undefined, avatar: number, bot: number, frame: number): Input {
  const me = replica?.entity(avatar);
  if (!replica || !me) return IDLE;
  const { x, y } = me.position as { x: number; y: number };
  return brain(x, y, bot, frame, replica.tick & 0xffff, (visit) => {
    for (let k = 0; k < replica.size; k++) if (replica.typeAt(k) === 'npc') visit(replica.valueAt(k, X) as number, replica.valueAt(k, Y) as number);
  });
}

/** Arena mode: from the bot's own copy of the room (it holds every NPC). */
export function roomBotInput(room: DeclaredRoomGame<Declaration> | undefined, avatar: number | undefined, bot: number, frame: number): Input {
  if (!room || avatar === undefined || !room.store.isAlive(avatar)) return IDLE;
  const store = room.store;
  return brain(store.get(avatar, 'position.x') as number, store.get(avatar, 'position.y') as number, bot, frame, room.frame() & 0xffff, (visit) => {
    for (let s = 0; s < store.highWater; s++) if (store.typeColumn[s] === NPC) visit(store.get(store.idAt(s), 'position.x') as number, store.get(store.idAt(s), 'position.y') as number);
  });
}

function brain(x: number, y: number, bot: number, frame: number, viewTick: number, npcs: (visit: (nx: number, ny: number) => void) => void): Input {
  const input: Input = {
    moveX: Math.round(Math.cos(frame / 120 + bot) * 127) / 127,
    moveY: Math.round(Math.sin(frame / 150 + 2 * bot) * 127) / 127,
    fire: false,
    aim: 0,
    shoot: false,
    viewTick,
    target: NO_TARGET,
  };
  let best = BOT_RANGE_M * BOT_RANGE_M;
  npcs((nx, ny) => {
    const dx = nx - x;
    const dy = ny - y;
    const d2 = dx * dx + dy * dy;
    if (d2 >= best) return;
    best = d2;
    const angle = Math.atan2(dy, dx);
    input.aim = angle < 0 ? angle + 2 * Math.PI : angle;
    input.shoot = bot % 2 === 0;
    input.fire = !input.shoot;
  });
  return input;
}
