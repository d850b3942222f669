// Hubs: the places a world's players gather, derived from its seed and bounds so the server, the
// page and every bot agree on them without a message. Hub 0 is the world's centre (where a page
// spawns by default); then towns, then battlegrounds, spread over the middle 80 % of the world.
// They follow the seed's load-testing archetypes (chronos-design.md): socializers and traders
// live around towns, combatants around battlegrounds, explorers anywhere.

import { mulberry32 } from '../src/core/mulberry32.js';
import type { Bounds } from '../src/core/schema.js';

export const TOWN_HUBS = 16;
export const BATTLE_HUBS = 8;
export const HUB_COUNT = 1 + TOWN_HUBS + BATTLE_HUBS;
/** Players spawn within this many metres of their hub. */
export const HUB_SPAWN_RADIUS_M = 40;

export type HubKind = 'centre' | 'town' | 'battle';

export interface Hub {
  index: number;
  kind: HubKind;
  x: number;
  y: number;
}

/** The world's hubs, in index order: centre, TOWN_HUBS towns, BATTLE_HUBS battlegrounds. */
export function worldHubs(seed: number, bounds: Bounds): Hub[] {
  const rand = mulberry32((seed ^ 0x48554253) >>> 0); // 'HUBS': apart from other uses of the seed
  const cx = (bounds.minX + bounds.maxX) / 2;
  const cy = (bounds.minY + bounds.maxY) / 2;
  const w = (bounds.maxX - bounds.minX) * 0.8;
  const h = (bounds.maxY - bounds.minY) * 0.8;
  const hubs: Hub[] = [{ index: 0, kind: 'centre', x: cx, y: cy }];
  for (let i = 0; i < TOWN_HUBS + BATTLE_HUBS; i++) {
    const kind: HubKind = i < TOWN_HUBS ? 'town' : 'battle';
    hubs.push({ index: hubs.length, kind, x: cx + (rand() - 0.5) * w, y: cy + (rand() - 0.5) * h });
  }
  return hubs;
}

/** Hub indices of one kind. */
export function hubsOf(hubs: readonly Hub[], kind: HubKind): Hub[] {
  return hubs.filter((h) => h.kind === kind);
}
