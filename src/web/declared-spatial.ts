// The spatial layer (key G) of a declared game's pages: the engine's spatial index over what the
// page holds, drawn by SpatialLayer (spatial-layer.ts). A world-mode page holds its view (the
// GameReplica): its entities are copied into small Q16 columns before each re-index, slot =
// place in the view. A room's page holds the whole room: the index reads the room store's own
// position columns, as the server's DeclaredInterest does. Either runs the engine's kernels,
// which a game's module carries (chronos build compiles them into game.wasm); a page without
// one says so instead.

import type { FieldKey, Game, GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import type { Bounds } from '../core/schema.js';
import type { GameReplica } from '../codec/game-replica.js';
import type { Arena } from '../wasm/arena.js';
import { storeIndex } from '../spatial/store-index.js';
import type { SpatialLayerStatus, SpatialSubject } from './spatial-layer.js';
import { IndexedBodies } from './indexed-bodies.js';

/**
 * The world's extent from the position fields' declared ranges (a game without z is flat:
 * [0, 1]), or why there is none (a position field without a range).
 */
export function declaredBounds(game: Game, x: string, y: string, z: string | undefined): Bounds | string {
  const range = (key: string | undefined): [number, number] | string => {
    if (key === undefined) return [0, 1];
    const f = game.fieldIndex.get(key);
    if (f === undefined) return `${game.name} declares no ${key}`;
    const { min, max } = game.fields[f]!.spec;
    return min === undefined || max === undefined ? `${key} declares no range` : [min, max];
  };
  const rx = range(x);
  const ry = range(y);
  const rz = range(z);
  if (typeof rx === 'string') return rx;
  if (typeof ry === 'string') return ry;
  if (typeof rz === 'string') return rz;
  return { minX: rx[0], maxX: rx[1], minY: ry[0], maxY: ry[1], minZ: rz[0], maxZ: rz[1] };
}

/** A world-mode page's view as the layer's subject: the replica's entities copied into columns before each re-index, slot = place in the view. */
export function replicaSubject<D extends GameDeclaration>(
  arena: Arena,
  bounds: Bounds,
  replica: () => GameReplica<D> | null,
  fields: { x: number; y: number; z: number | undefined },
  sizeOf: (type: string) => number,
): SpatialSubject {
  const columns = new IndexedBodies(arena, bounds, Math.max(64, replica()?.viewCapacity ?? 1024), 'page-replica');
  const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);
  return {
    bounds,
    index: columns.index,
    version: () => replica()?.newestSeq ?? -1,
    sync: () => {
      const put = columns.begin();
      const r = replica();
      if (!r) return;
      for (let i = 0; i < r.size; i++) {
        put(i, num(r.valueAt(i, fields.x)), num(r.valueAt(i, fields.y)), fields.z === undefined ? 0 : num(r.valueAt(i, fields.z)), sizeOf(r.typeAt(i)));
      }
    },
  };
}

/** A room page's store (in the arena's memory) as the layer's subject: its own position columns, every live slot. */
export function storeSubject<D extends GameDeclaration>(arena: Arena, store: GameStore<D>, bounds: Bounds, keys: { x: FieldKey<D>; y: FieldKey<D>; z?: FieldKey<D> }, version: () => number): SpatialSubject {
  const column = (key: FieldKey<D>): Int32Array => store.column(key) as Int32Array;
  const { index } = storeIndex(arena, store, bounds, column(keys.x), column(keys.y), keys.z !== undefined ? column(keys.z) : null, 'page-room');
  return { bounds, index, version };
}

/**
 * The panel's line for the layer: what it shows while on, how to turn it on while off (or not yet
 * made), why there is none when `unavailable` says so.
 */
export function spatialLine(status: SpatialLayerStatus | null, unavailable: string): string {
  if (!status && unavailable) return `spatial grid: unavailable (${unavailable})`;
  if (!status || !status.visible) return 'spatial grid (G to show): the engine\'s spatial index over what this page holds';
  return `spatial grid (G to hide): ${status.entities} entities in ${status.cells} cells, levels in use ${status.levelsInUse}, ${status.splitCells} split, depth ${status.maxDepth}, indexed in ${status.updateMs.toFixed(2)} ms`;
}
