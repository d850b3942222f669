// Entity slot allocation inside the simulation region (layout in world-layout.ts). Kept in WASM so
// that the TypeScript entity store and simulation kernels (which spawn projectiles) share one
// allocator whose state is part of every snapshot.

import {
  column, H_FREE, H_HIGH_WATER, H_CAPACITY, H_COLUMNS, H_ALIVE, H_SIZE, HEADER_BYTES, WORLD_VERSION,
  COL_GENERATION, COL_FREE_STACK, COL_FLAGS, COL_OWNER, FLAG_ALIVE, GENERATION_MASK,
} from './world-layout';

// Takes a slot from the free stack (most recently freed first) or above the high water mark.
// Returns the slot, or -1 when the world is full. The slot's columns are zeroed except its
// generation, and it is flagged alive with `flags`.
export function world_alloc(world: usize, flags: u32): i32 {
  let slot: u32;
  const free = load<u32>(world + H_FREE);
  if (free > 0) {
    slot = load<u32>(column(world, COL_FREE_STACK) + (<usize>(free - 1) << 2));
    store<u32>(world + H_FREE, free - 1);
  } else {
    const high = load<u32>(world + H_HIGH_WATER);
    if (high >= load<u32>(world + H_CAPACITY)) return -1;
    slot = high;
    store<u32>(world + H_HIGH_WATER, high + 1);
  }
  const columns = load<u32>(world + H_COLUMNS);
  const off: usize = <usize>slot << 2;
  for (let c: u32 = 0; c < columns; c++) {
    if (c == COL_GENERATION || c == COL_FREE_STACK) continue;
    store<u32>(column(world, c) + off, 0);
  }
  store<u32>(column(world, COL_FLAGS) + off, flags | FLAG_ALIVE);
  store<u32>(world + H_ALIVE, load<u32>(world + H_ALIVE) + 1);
  return <i32>slot;
}

// Releases a live slot: clears its flags, bumps its generation (so old ids go stale) and pushes
// it on the free stack. Returns 1, or 0 if the slot was not alive (nothing changes).
export function world_free(world: usize, slot: u32): u32 {
  if (slot >= load<u32>(world + H_HIGH_WATER)) return 0;
  const off: usize = <usize>slot << 2;
  const flagsAt = column(world, COL_FLAGS) + off;
  if ((load<u32>(flagsAt) & FLAG_ALIVE) == 0) return 0;
  store<u32>(flagsAt, 0);
  const genAt = column(world, COL_GENERATION) + off;
  store<u32>(genAt, (load<u32>(genAt) + 1) & GENERATION_MASK);
  const free = load<u32>(world + H_FREE);
  store<u32>(column(world, COL_FREE_STACK) + (<usize>free << 2), slot);
  store<u32>(world + H_FREE, free + 1);
  store<u32>(world + H_ALIVE, load<u32>(world + H_ALIVE) - 1);
  return 1;
}

export function world_size(world: usize): u32 {
  return load<u32>(world + H_SIZE);
}

// Layout self-description, so TypeScript can check it agrees with this file.
export function world_layout_header_bytes(): u32 {
  return HEADER_BYTES;
}
export function world_layout_version(): u32 {
  return WORLD_VERSION;
}
export function world_layout_column_count(): u32 {
  return COL_OWNER + 1;
}
