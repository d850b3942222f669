// Builds the demo world in this process exactly as the server does, for hash comparisons.

import { loadChronos } from '../../src/wasm/loader.js';
import { Arena } from '../../src/wasm/arena.js';
import { World } from '../../src/core/world.js';
import { resolveConfig, worldBounds, type PartialConfig } from '../../src/core/config.js';
import { demoGameParams, hashAfterFrames, type DemoGameParams } from '../../src/client/demo-game.js';

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

/** The demo game a server started with `partial` (and `maxPlayers`) runs, as the JOIN describes it. */
export function referenceGameParams(partial: PartialConfig = {}, maxPlayers?: number): DemoGameParams {
  return demoGameParams(resolveConfig(partial), maxPlayers);
}

/** Hash of that game after `frames` frames with nobody playing (the page's hashAfter). */
export async function referenceGameHash(partial: PartialConfig, frames: number, maxPlayers?: number): Promise<string> {
  const arena = new Arena(await loadChronos());
  return hex64(hashAfterFrames(arena, referenceGameParams(partial, maxPlayers), frames));
}
