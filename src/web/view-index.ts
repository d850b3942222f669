// The spatial layer's subject in world mode: a SpatialIndex over the bodies of the page's
// interest view, the only world a world-mode client holds. The view's bodies are copied, slot =
// view handle, into five small columns in the arena (Q16 position, radius, alive flag) before
// each re-index; the index follows the alive flags, so bodies entering and leaving the view
// enter and leave it.

import type { Bounds } from '../core/schema.js';
import type { Arena } from '../wasm/arena.js';
import { createViewBodies, type SnapshotView, type ViewBodies } from '../codec/snapshot-view.js';
import type { SpatialSubject } from './spatial-layer.js';
import { IndexedBodies } from './indexed-bodies.js';

/** Bodies are indexed as spheres of this radius (the demo game's bodies are 0.5 m). */
const BODY_RADIUS_M = 0.5;

export class ViewIndexSubject {
  private subject: SpatialSubject | undefined;
  private columns: IndexedBodies | undefined;
  private bodies: ViewBodies = createViewBodies(1);

  constructor(
    private readonly arena: Arena,
    private readonly viewOf: () => SnapshotView | undefined,
  ) {}

  /** The subject for a world of `bounds`, sized to the view's handles (made once). */
  attach(bounds: Bounds): SpatialSubject {
    if (this.subject) return this.subject;
    const columns = new IndexedBodies(this.arena, bounds, Math.max(64, this.viewOf()?.handles ?? 1024), 'page-view-index');
    this.columns = columns;
    this.subject = {
      bounds, index: columns.index,
      version: () => {
        const v = this.viewOf();
        return v ? v.seq : -1;
      },
      sync: () => this.sync(),
    };
    return this.subject;
  }

  /** Copies the view's bodies into the columns, slot = view handle. */
  private sync(): void {
    const put = this.columns!.begin();
    const view = this.viewOf();
    if (!view) return;
    if (this.bodies.ids.length < view.handles) this.bodies = createViewBodies(view.handles);
    const n = view.collectInto(this.bodies);
    const b = this.bodies;
    for (let k = 0; k < n; k++) put(b.handles[k]!, b.x[k]!, b.y[k]!, b.z[k]!, BODY_RADIUS_M);
  }
}
