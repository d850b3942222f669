// Peer: a brute-force scan over Float64Array coordinates, the baseline every index must beat.
// It has no structure to build or update, so it takes part in the query cases only.

import { inFrustum, KSmallest, type PeerFrustum, type PointSet, type SpatialPeer } from './spatial-common.js';

export class BrutePeer implements SpatialPeer {
  readonly name = 'brute-force';
  private p: PointSet = { xs: new Float64Array(0), ys: new Float64Array(0), zs: new Float64Array(0), count: 0 };
  private readonly heap = new KSmallest(4096);

  build(p: PointSet): void {
    this.p = p;
  }

  update(p: PointSet): void {
    this.p = p;
  }

  radius(x: number, y: number, z: number, r: number): number {
    const { xs, ys, zs, count } = this.p;
    const rr = r * r;
    let n = 0;
    for (let i = 0; i < count; i++) {
      const dx = xs[i]! - x, dy = ys[i]! - y, dz = zs[i]! - z;
      if (dx * dx + dy * dy + dz * dz <= rr) n++;
    }
    return n;
  }

  box(x0: number, y0: number, z0: number, x1: number, y1: number, z1: number): number {
    const { xs, ys, zs, count } = this.p;
    let n = 0;
    for (let i = 0; i < count; i++) {
      const x = xs[i]!, y = ys[i]!, z = zs[i]!;
      if (x >= x0 && x <= x1 && y >= y0 && y <= y1 && z >= z0 && z <= z1) n++;
    }
    return n;
  }

  knn(x: number, y: number, z: number, k: number, out: Uint32Array): number {
    const { xs, ys, zs, count } = this.p;
    const heap = this.heap;
    heap.reset(k);
    for (let i = 0; i < count; i++) {
      const dx = xs[i]! - x, dy = ys[i]! - y, dz = zs[i]! - z;
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 <= heap.bound) heap.offer(d2, i);
    }
    return heap.drain(out);
  }

  frustum(f: PeerFrustum): number {
    const { xs, ys, zs, count } = this.p;
    let n = 0;
    for (let i = 0; i < count; i++) if (inFrustum(f.planes, xs[i]!, ys[i]!, zs[i]!)) n++;
    return n;
  }

  /** The coordinates themselves: three f64 per entity. */
  bytesPerEntity(): number {
    return 24;
  }
}
