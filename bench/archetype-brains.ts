// The seed's world for the serving benchmarks (10 km x 10 km, 100,000 entities, seed 7) and its
// players' brains: each bench player moves by its archetype (archetypes.ts) from its own
// position, as the seed's load test moves them. The `server` suite and the `game` suite's
// serve-arena-shooter cases (game-serve.ts) share them.

import { worldHubs } from './hubs.js';
import { ArchetypeBrain, archetypeHub, assignArchetypes, type BotInput } from './archetypes.js';
import { mulberry32 } from '../src/core/mulberry32.js';

export const WORLD_ENTITIES = 100_000;
export const WORLD_M = 10_000;
export const WORLD_SEED = 7;

/** What a bench player does each tick, given where it is: stick bytes (-127..127), aim (1/65536 turns), fire. */
export interface SwarmBrain {
  hub(player: number): number;
  input(player: number, x: number, y: number, tick: number, out: { moveX: number; moveY: number; aim: number; fire: boolean }): void;
}

/** Brains for `players` bench players, each leashed to its archetype's hub in the seed's world. */
export function archetypeBrains(players: number): SwarmBrain {
  const bounds = { minX: -WORLD_M / 2, minY: -WORLD_M / 2, minZ: 0, maxX: WORLD_M / 2, maxY: WORLD_M / 2, maxZ: 100 };
  const hubs = worldHubs(WORLD_SEED, bounds);
  const kinds = assignArchetypes(players);
  const rand = mulberry32(WORLD_SEED);
  const homes = kinds.map((k) => archetypeHub(k, hubs, rand));
  const brains = kinds.map((k, i) => new ArchetypeBrain({ archetype: k, hubs, homeHub: homes[i]!, bounds, playerSpeedMps: 6, shotRangeM: 100, seed: WORLD_SEED + i }));
  const decided: BotInput = { moveX: 0, moveY: 0, aimRad: 0, fire: false, shoot: false };
  return {
    hub: (i) => homes[i]!,
    input(i, x, y, tick, out) {
      // No view: combatants fire projectiles rather than aimed hitscans (the bench client keeps none).
      const b = brains[i]!.think(x, y, tick * (1000 / 60), null, -1, decided);
      out.moveX = Math.max(-127, Math.min(127, Math.round(b.moveX * 127)));
      out.moveY = Math.max(-127, Math.min(127, Math.round(b.moveY * 127)));
      const turns = b.aimRad / (2 * Math.PI);
      out.aim = Math.round((turns - Math.floor(turns)) * 65536) & 0xffff;
      out.fire = b.fire || b.shoot;
    },
  };
}
