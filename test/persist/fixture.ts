// World-mode games for the persistence tests: NPCs, avatars that fire, projectiles in flight.

import { resolveConfig, type PartialConfig } from '../../src/core/config.js';
import { FLAG_ALIVE, FLAG_NPC, FLAG_PLAYER, FLAG_PROJECTILE } from '../../src/core/world-layout.js';
import type { World } from '../../src/core/world.js';
import { BUTTON_FIRE } from '../../src/codec/rollback-input.js';
import { CMD_AIM, CMD_BUTTONS, CMD_BYTES, CMD_MOVE_X, CMD_SLOT, CMD_TARGET } from '../../src/world/commands.js';
import { WorldGame, worldGameParams } from '../../src/world/world-game.js';
import type { Arena } from '../../src/wasm/arena.js';

let names = 0;

/** A world-mode game with `npcs` NPCs and room for `maxPlayers` avatars. */
export function makeGame(arena: Arena, config: PartialConfig = {}, maxPlayers = 8): WorldGame {
  const params = worldGameParams(resolveConfig({ npcs: 500, worldSizeM: 400, ...config }), maxPlayers);
  return WorldGame.create(arena, params, undefined, `persist-test-${names++}`);
}

/** Steps `ticks` ticks in which every avatar in `slots` walks and fires (a projectile every cooldown). */
export function playTicks(game: WorldGame, slots: readonly number[], ticks: number): void {
  for (let t = 0; t < ticks; t++) {
    const view = new DataView(game.arena.memoryBuffer, game.commands.ptr, game.commands.byteLength);
    slots.forEach((slot, i) => {
      const o = i * CMD_BYTES;
      view.setUint32(o + CMD_SLOT, slot, true);
      view.setInt8(o + CMD_MOVE_X, 60);
      view.setInt8(o + CMD_MOVE_X + 1, -30);
      view.setUint8(o + CMD_BUTTONS, BUTTON_FIRE);
      view.setUint16(o + CMD_AIM, (i * 9000 + t * 300) & 0xffff, true);
      view.setUint32(o + CMD_TARGET, 0xffffffff, true);
    });
    game.step(slots.length);
  }
}

/** Live slots by kind. */
export function census(world: World): { npc: number; player: number; projectile: number; alive: number } {
  const flags = world.column('flags');
  const out = { npc: 0, player: 0, projectile: 0, alive: 0 };
  for (let s = 0; s < world.highWater; s++) {
    const f = flags[s]!;
    if ((f & FLAG_ALIVE) === 0) continue;
    out.alive++;
    if (f & FLAG_PLAYER) out.player++;
    else if (f & FLAG_PROJECTILE) out.projectile++;
    else if (f & FLAG_NPC) out.npc++;
  }
  return out;
}

/** The save with its CRC-32 recomputed (to reach the checks after the checksum). */
export { crc32 } from '../../src/persist/bytes.js';
