// The broadphase projectiles search: every solid body (NPCs, living players) hashed by its 4 m
// cell into a fixed table of chains, rebuilt each step before the projectiles fly. A chain
// holds the bodies of every cell that hashes to it, in slot order, so a search is the same
// everywhere; the ray test sorts out the rest. Scratch space, not state: rebuilt from the store.

import { highWater, position } from './generated/game';
import { isTarget } from './combat';
import { HALF } from './arena';

/** A cell is 4 m: 2^18 in Q16. */
export const CELL_SHIFT: u32 = 18;
const BUCKETS: u32 = 1 << 16; // a power of two: chains of about one body at 100,000
/** Slots past this are not in the grid: game.ts MAX_CAPACITY, which module.ts holds stores to. */
const GRID_SLOTS: u32 = 1 << 18;
const heads = memory.data(BUCKETS * 4); // slot + 1 of a chain's first body, 0 for none
const next = memory.data(GRID_SLOTS * 4); // slot + 1 of the next body in the chain

/** The cell of a coordinate (the arena's edge is cell 0). */
// @ts-ignore: decorator
@inline
export function cellOf(v: i32): i32 {
  return <i32>((<i64>v + <i64>HALF) >> CELL_SHIFT);
}

// @ts-ignore: decorator
@inline
function bucketOf(cx: i32, cy: i32): usize {
  return <usize>((<u32>cx * 73856093 ^ <u32>cy * 19349663) & (BUCKETS - 1)) << 2;
}

export function buildGrid(): void {
  memory.fill(heads, 0, BUCKETS * 4);
  const high = min<u32>(highWater(), GRID_SLOTS);
  // Last slot first, so each chain runs in slot order.
  for (let s: i32 = <i32>high - 1; s >= 0; s--) {
    const slot = <u32>s;
    if (!isTarget(slot)) continue;
    const at = heads + bucketOf(cellOf(position.x(slot)), cellOf(position.y(slot)));
    store<u32>(next + (<usize>slot << 2), load<u32>(at));
    store<u32>(at, slot + 1);
  }
}

/** The first body in the chain of cell (cx, cy): slot + 1, 0 for none. */
// @ts-ignore: decorator
@inline
export function chainOf(cx: i32, cy: i32): u32 {
  return load<u32>(heads + bucketOf(cx, cy));
}

/** The body after `slot` in its chain: slot + 1, 0 for none. */
// @ts-ignore: decorator
@inline
export function nextInChain(slot: u32): u32 {
  return load<u32>(next + (<usize>slot << 2));
}
