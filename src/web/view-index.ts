// The spatial layer's subject in world mode: a SpatialIndex over the bodies of the page's
// interest view, the only world a world-mode client holds. The view's bodies are copied, slot =
// view handle, into five small columns in the arena (Q16 position, radius, alive flag) before
// each re-index; the index follows the alive flags, so bodies entering and leaving the view
// enter and leave it.

import type { Bounds } from '../core/schema.js';
import type { Arena, Region } from '../wasm/arena.js';
import { SpatialIndex } from '../spatial/index.js';
import { createViewBodies, type SnapshotView, type ViewBodies } from '../codec/snapshot-view.js';
import type { SpatialSubject } from './spatial-layer.js';

const Q16 = 65536;
const ALIVE = 1;
/** Bodies are indexed as spheres of this radius (the demo game's bodies are 0.5 m). */
const BODY_RADIUS_M = 0.5;

export class ViewIndexSubject {
  private subject: (SpatialSubject & { capacity: number }) | undefined;
  private regions: Region[] = [];
  private bodies: ViewBodies = createViewBodies(1);
  private bounds: Bounds | undefined;

  constructor(
    private readonly arena: Arena,
    private readonly viewOf: () => SnapshotView | undefined,
  ) {}

  /** The subject for a world of `bounds`, sized to the view's handles (made once). */
  attach(bounds: Bounds): SpatialSubject {
    if (this.subject) return this.subject;
    const capacity = Math.max(64, this.viewOf()?.handles ?? 1024);
    this.bounds = bounds;
    this.regions = ['x', 'y', 'z', 'radius', 'flags'].map((c) => this.arena.allocate(`page-view-index-${c}`, capacity * 4));
    const [x, y, z, radius, flags] = this.regions as [Region, Region, Region, Region, Region];
    const index = SpatialIndex.forSource(this.arena, bounds, {
      posX: x.ptr, posY: y.ptr, posZ: z.ptr, radius: radius.ptr, capacity, alive: { flags: flags.ptr, mask: ALIVE },
    });
    this.subject = {
      bounds, index, capacity,
      version: () => {
        const v = this.viewOf();
        return v ? v.seq : -1;
      },
      sync: () => this.sync(),
    };
    return this.subject;
  }

  /** Copies the view's bodies into the columns (handles beyond the capacity are left out). */
  private sync(): void {
    const subject = this.subject!;
    const b = this.bounds!;
    const cap = subject.capacity;
    const buffer = this.arena.memoryBuffer;
    const [rx, ry, rz, rr, rf] = this.regions as [Region, Region, Region, Region, Region];
    const x = new Int32Array(buffer, rx.ptr, cap), y = new Int32Array(buffer, ry.ptr, cap), z = new Int32Array(buffer, rz.ptr, cap);
    const radius = new Int32Array(buffer, rr.ptr, cap), flags = new Uint32Array(buffer, rf.ptr, cap);
    flags.fill(0);
    const view = this.viewOf();
    if (!view) return;
    if (this.bodies.ids.length < view.handles) this.bodies = createViewBodies(view.handles);
    const n = view.collectInto(this.bodies);
    const clamp = (v: number, lo: number, hi: number) => Math.round(Math.min(hi, Math.max(lo, v)) * Q16);
    for (let k = 0; k < n; k++) {
      const h = this.bodies.handles[k]!;
      if (h >= cap) continue;
      x[h] = clamp(this.bodies.x[k]!, b.minX, b.maxX);
      y[h] = clamp(this.bodies.y[k]!, b.minY, b.maxY);
      z[h] = clamp(this.bodies.z[k]!, b.minZ, b.maxZ);
      radius[h] = Math.round(BODY_RADIUS_M * Q16);
      flags[h] = ALIVE;
    }
  }
}
