// Builds the demo world in this process exactly as the server does, for hash comparisons.

import { loadChronos } from '../../src/wasm/loader.js';
import { Arena } from '../../src/wasm/arena.js';
import { World } from '../../src/core/world.js';
import { resolveConfig, worldBounds, type PartialConfig } from '../../src/core/config.js';

export async function referenceWorld(partial: PartialConfig = {}): Promise<World> {
  const config = resolveConfig(partial);
  const arena = new Arena(await loadChronos());
  const world = World.create(arena, {
    capacity: config.npcs + config.spareEntities,
    seed: config.seed,
    tickHz: config.tickHz,
    bounds: worldBounds(config),
    npc: config.npc,
  });
  world.spawnNpcs(config.npcs);
  return world;
}

export function hex64(hash: bigint): string {
  return hash.toString(16).padStart(16, '0');
}
