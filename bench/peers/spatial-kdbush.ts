// Peer: kdbush, a static 2D KD-tree packed in one typed array. Rebuilt to follow movement (it
// has no update); radius via withinInto (allocation-free) and a 3D filter; k-nearest by
// expanding withinInto until k entities lie within the radius in 3D.

import KDBush from 'kdbush';
import { inFrustum, KSmallest, type PeerFrustum, type PointSet, type SpatialPeer } from './spatial-common.js';

export class KdbushPeer implements SpatialPeer {
  readonly name = 'kdbush';
  private index: KDBush | undefined;
  private p: PointSet = { xs: new Float64Array(0), ys: new Float64Array(0), zs: new Float64Array(0), count: 0 };
  private buf = new Uint32Array(0);
  private readonly heap = new KSmallest(4096);
  /** Radius that holds about one entity on average, for the k-nearest first guess. */
  private unitRadius = 1;

  constructor(private readonly nodeSize = 64, private readonly areaM2 = 1e8) {}

  build(p: PointSet): void {
    this.p = p;
    const index = new KDBush(p.count, this.nodeSize);
    for (let i = 0; i < p.count; i++) index.add(p.xs[i]!, p.ys[i]!);
    index.finish();
    this.index = index;
    if (this.buf.length < p.count) this.buf = new Uint32Array(p.count);
    this.unitRadius = Math.sqrt(this.areaM2 / (Math.PI * p.count));
  }

  update(p: PointSet): void {
    this.build(p);
  }

  radius(x: number, y: number, z: number, r: number): number {
    const n = this.index!.withinInto(x, y, r, this.buf);
    const { xs, ys, zs } = this.p;
    const rr = r * r;
    let count = 0;
    for (let j = 0; j < n; j++) {
      const i = this.buf[j]!;
      const dx = xs[i]! - x, dy = ys[i]! - y, dz = zs[i]! - z;
      if (dx * dx + dy * dy + dz * dz <= rr) count++;
    }
    return count;
  }

  box(x0: number, y0: number, z0: number, x1: number, y1: number, z1: number): number {
    const ids = this.index!.range(x0, y0, x1, y1);
    const zs = this.p.zs;
    let count = 0;
    for (const i of ids) if (zs[i]! >= z0 && zs[i]! <= z1) count++;
    return count;
  }

  knn(x: number, y: number, z: number, k: number, out: Uint32Array): number {
    const { xs, ys, zs, count } = this.p;
    let r = this.unitRadius * Math.sqrt(k) * 1.3;
    for (;;) {
      const n = this.index!.withinInto(x, y, r, this.buf);
      const rr = r * r;
      this.heap.reset(k);
      for (let j = 0; j < n; j++) {
        const i = this.buf[j]!;
        const dx = xs[i]! - x, dy = ys[i]! - y, dz = zs[i]! - z;
        const d2 = dx * dx + dy * dy + dz * dz;
        if (d2 <= rr) this.heap.offer(d2, i);
      }
      // k entities within r in 3D: nothing outside can be nearer.
      if (this.heap.size === Math.min(k, count)) return this.heap.drain(out);
      r *= 2;
    }
  }

  frustum(f: PeerFrustum): number {
    const ids = this.index!.range(f.minX, f.minY, f.maxX, f.maxY);
    const { xs, ys, zs } = this.p;
    let count = 0;
    for (const i of ids) if (inFrustum(f.planes, xs[i]!, ys[i]!, zs[i]!)) count++;
    return count;
  }

  bytesPerEntity(): number {
    return this.index ? this.index.data.byteLength / this.p.count : 0;
  }
}
