// Bodies a page hands the engine's spatial index (its G layer): five columns in the arena (Q16
// position, Q16 radius, an alive flag), slot = the caller's place for the body, filled before each
// re-index. The index follows the alive flags, so a body the page no longer holds leaves it.
// World mode's page fills them from its interest view (view-index.ts), a declared game's page
// from its replica (declared-spatial.ts).

import type { Bounds } from '../core/schema.js';
import type { Arena, Region } from '../wasm/arena.js';
import { SpatialIndex } from '../spatial/index.js';

const Q16 = 65536;
const ALIVE = 1;

/** Writes slot's body (metres; a position past the bounds goes on their edge, a NaN one on their low corner). */
export type PutBody = (slot: number, xM: number, yM: number, zM: number, radiusM: number) => void;

export class IndexedBodies {
  readonly index: SpatialIndex;
  private readonly regions: [Region, Region, Region, Region, Region];

  constructor(private readonly arena: Arena, readonly bounds: Bounds, readonly capacity: number, name: string) {
    this.regions = ['x', 'y', 'z', 'radius', 'flags'].map((c) => arena.allocate(`${name}-${c}`, capacity * 4)) as [Region, Region, Region, Region, Region];
    const [x, y, z, radius, flags] = this.regions;
    this.index = SpatialIndex.forSource(arena, bounds, {
      posX: x.ptr, posY: y.ptr, posZ: z.ptr, radius: radius.ptr, capacity, alive: { flags: flags.ptr, mask: ALIVE },
    }, { name });
  }

  /** Empties every slot and returns the writer of this re-index's bodies (slots past the capacity are left out). */
  begin(): PutBody {
    // Views over the memory as it is now: the arena's memory may have grown since.
    const buffer = this.arena.memoryBuffer;
    const cap = this.capacity;
    const [rx, ry, rz, rr, rf] = this.regions;
    const x = new Int32Array(buffer, rx.ptr, cap), y = new Int32Array(buffer, ry.ptr, cap), z = new Int32Array(buffer, rz.ptr, cap);
    const radius = new Int32Array(buffer, rr.ptr, cap), flags = new Uint32Array(buffer, rf.ptr, cap);
    flags.fill(0);
    const b = this.bounds;
    const q = (v: number, lo: number, hi: number) => Math.round(Math.min(hi, Math.max(lo, Number.isFinite(v) ? v : lo)) * Q16);
    return (slot, xM, yM, zM, radiusM) => {
      if (slot < 0 || slot >= cap) return;
      x[slot] = q(xM, b.minX, b.maxX);
      y[slot] = q(yM, b.minY, b.maxY);
      z[slot] = q(zM, b.minZ, b.maxZ);
      radius[slot] = Math.round(Math.max(0, radiusM) * Q16);
      flags[slot] = ALIVE;
    };
  }
}
