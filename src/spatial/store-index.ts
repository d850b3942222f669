// A spatial index over a game store's own position columns, in place: the store must live in the
// arena's memory (a game module's store, or one placed there). Every slot its type column says
// holds an entity is indexed, up to its high water. A flat game (no z column) gets a column of
// zeros made here. The server's DeclaredInterest and a room page's spatial grid index a store so.

import type { Bounds } from '../core/schema.js';
import type { Arena } from '../wasm/arena.js';
import { SpatialIndex } from './spatial-index.js';

/** What storeIndex indexes: the store's type column, its slots ever used, its capacity. */
export interface IndexedStore {
  readonly typeColumn: Uint32Array;
  readonly capacity: number;
  readonly highWater: number;
}

/** The index, and the z column it reads (the store's, or the zeros made for a flat game). */
export function storeIndex(arena: Arena, store: IndexedStore, bounds: Bounds, x: Int32Array, y: Int32Array, z: Int32Array | null, name: string): { index: SpatialIndex; z: Int32Array } {
  let zs = z;
  if (zs === null) {
    const zeros = arena.allocate(`${name}-z0`, Math.max(16, store.capacity * 4));
    // The memory as it is now: allocating may have grown it (a new, longer SharedArrayBuffer).
    zs = new Int32Array(arena.memoryBuffer, zeros.ptr, store.capacity);
  }
  const index = SpatialIndex.forSource(arena, bounds, {
    posX: x.byteOffset,
    posY: y.byteOffset,
    posZ: zs.byteOffset,
    capacity: store.capacity,
    // A slot is in the index while its type column says it holds an entity.
    alive: { flags: store.typeColumn.byteOffset, mask: 0xffffffff },
    count: () => store.highWater,
  }, { name });
  return { index, z: zs };
}
