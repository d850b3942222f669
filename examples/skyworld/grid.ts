// Skyworld's broadphase: the live slots sorted into 32 m cells of the map (a counting sort over
// the store, rebuilt when anything moved, spawned or left since). The views (visibleSlots), the
// zapper's candidates and the pickups a player touches are all found through it.

import { clamp } from './physics.js';
import { HALF_MAP } from './terrain.js';

const CELL_SHIFT = 16 + 5; // 32 m cells (Q16)
export const GRID = (2 * HALF_MAP) >> CELL_SHIFT;
export const cellOf = (v: number): number => clamp((v + HALF_MAP) >> CELL_SHIFT, 0, GRID - 1);

export class CellGrid {
  /** Cell k's slots are items[start[k] .. start[k + 1]). */
  readonly start = new Int32Array(GRID * GRID + 1);
  readonly items: Uint32Array;
  /** Something moved, spawned or left since the last build. */
  stale = true;

  constructor(capacity: number) {
    this.items = new Uint32Array(capacity);
  }

  /** Counting sort of the live slots (type column not 0) below highWater by their cell. */
  build(types: Uint32Array, highWater: number, x: Int32Array, y: Int32Array): void {
    const start = this.start;
    start.fill(0);
    for (let o = 0; o < highWater; o++) if (types[o] !== 0) start[cellOf(y[o]!) * GRID + cellOf(x[o]!) + 1]!++;
    for (let k = 0; k < GRID * GRID; k++) start[k + 1]! += start[k]!;
    const fill = start.slice(0, GRID * GRID);
    for (let o = 0; o < highWater; o++) if (types[o] !== 0) this.items[fill[cellOf(y[o]!) * GRID + cellOf(x[o]!)]!++] = o;
    this.stale = false;
  }

  /** Live slots within r (Q16, in 3D) of (x, y, z), written to out (at most out.length); returns how many. */
  within(x: number, y: number, z: number, r: number, xs: Int32Array, ys: Int32Array, zs: Int32Array, out: Uint32Array): number {
    const r2 = r * r;
    let n = 0;
    for (let cy = cellOf(y - r); cy <= cellOf(y + r); cy++) {
      for (let cx = cellOf(x - r); cx <= cellOf(x + r); cx++) {
        const k = cy * GRID + cx;
        for (let i = this.start[k]!; i < this.start[k + 1]! && n < out.length; i++) {
          const o = this.items[i]!;
          const dx = xs[o]! - x, dy = ys[o]! - y, dz = zs[o]! - z;
          if (dx * dx + dy * dy + dz * dz <= r2) out[n++] = o;
        }
      }
    }
    return n;
  }
}
