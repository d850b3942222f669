// Peer: flatbush, a static packed Hilbert R-tree in one typed array. Rebuilt to follow
// movement; queries through search() with a filter that tests 3D distance and counts (the
// filter rejects, so no result array grows); k-nearest via its own neighbors() for a distance
// bound, then one search within it.
//
// Node size: swept once on the spatial suite's data (`npx tsx bench/spatial-sweep.ts`: every case
// of the suite at each nodeSize, 3 interleaved rounds, fastest median kept; time / the fastest
// size per case, and the geometric mean over the cases; 2 cores shared with other work):
//   size    build  update  radius     box   knn10   knn50 fr-100k  fr-10k batch1k hotspot  geomean
//      4     1.56    1.58    1.12    1.14    1.07    1.11    1.13    1.11    1.15    1.02    1.185
//      8     1.43    1.45    1.00    1.00    1.00    1.00    1.04    1.04    1.05    1.04    1.092
//     16     1.30    1.31    1.03    1.03    1.12    1.03    1.05    1.00    1.00    1.00    1.081
//     32     1.14    1.17    1.06    1.06    1.33    1.18    1.00    1.03    1.17    1.02    1.112
//     64     1.08    1.10    1.28    1.32    1.73    1.41    1.10    1.12    1.33    1.05    1.237
//    128     1.00    1.00    1.58    1.65    2.58    1.78    1.05    1.32    1.63    1.05    1.396
// Chosen: 16 (geometric mean 1.081; 8: 1.092), the library's default. Two earlier one-round
// sweeps picked 8 and 16. Larger nodes build faster (128: 0.77x the time of 16) but answer
// queries up to 2.3x slower; the suite runs one size for every case, as a server runs one
// index that it both rebuilds and queries every tick.

import Flatbush from 'flatbush';
import { inFrustum, KSmallest, type PeerFrustum, type PointSet, type SpatialPeer } from './spatial-common.js';

/** The size the spatial suite runs this peer with: the sweep's best (above). */
export const FLATBUSH_NODE_SIZE = 16;

export class FlatbushPeer implements SpatialPeer {
  readonly name = 'flatbush';
  private index: Flatbush | undefined;
  private p: PointSet = { xs: new Float64Array(0), ys: new Float64Array(0), zs: new Float64Array(0), count: 0 };
  private readonly heap = new KSmallest(4096);
  private qx = 0;
  private qy = 0;
  private qz = 0;
  private qrr = 0;
  private qz0 = 0;
  private qz1 = 0;
  private counted = 0;
  private planes: Float64Array = new Float64Array(24);

  constructor(private readonly nodeSize = 16) {}

  build(p: PointSet): void {
    this.p = p;
    const index = new Flatbush(p.count, this.nodeSize);
    for (let i = 0; i < p.count; i++) index.add(p.xs[i]!, p.ys[i]!, p.xs[i]!, p.ys[i]!);
    index.finish();
    this.index = index;
  }

  update(p: PointSet): void {
    this.build(p);
  }

  private readonly countWithin = (i: number): boolean => {
    const dx = this.p.xs[i]! - this.qx, dy = this.p.ys[i]! - this.qy, dz = this.p.zs[i]! - this.qz;
    if (dx * dx + dy * dy + dz * dz <= this.qrr) this.counted++;
    return false;
  };

  private readonly offerWithin = (i: number): boolean => {
    const dx = this.p.xs[i]! - this.qx, dy = this.p.ys[i]! - this.qy, dz = this.p.zs[i]! - this.qz;
    const d2 = dx * dx + dy * dy + dz * dz;
    if (d2 <= this.qrr) this.heap.offer(d2, i);
    return false;
  };

  private readonly countInZ = (i: number): boolean => {
    const z = this.p.zs[i]!;
    if (z >= this.qz0 && z <= this.qz1) this.counted++;
    return false;
  };

  private readonly countInFrustum = (i: number): boolean => {
    if (inFrustum(this.planes, this.p.xs[i]!, this.p.ys[i]!, this.p.zs[i]!)) this.counted++;
    return false;
  };

  radius(x: number, y: number, z: number, r: number): number {
    this.qx = x;
    this.qy = y;
    this.qz = z;
    this.qrr = r * r;
    this.counted = 0;
    this.index!.search(x - r, y - r, x + r, y + r, this.countWithin);
    return this.counted;
  }

  box(x0: number, y0: number, z0: number, x1: number, y1: number, z1: number): number {
    this.qz0 = z0;
    this.qz1 = z1;
    this.counted = 0;
    this.index!.search(x0, y0, x1, y1, this.countInZ);
    return this.counted;
  }

  knn(x: number, y: number, z: number, k: number, out: Uint32Array): number {
    const { xs, ys, zs } = this.p;
    // The k nearest in 2D bound the k-th 3D distance: every one of them is within it.
    const near = this.index!.neighbors(x, y, k);
    let bound = 0;
    for (const i of near) {
      const dx = xs[i]! - x, dy = ys[i]! - y, dz = zs[i]! - z;
      bound = Math.max(bound, dx * dx + dy * dy + dz * dz);
    }
    const r = Math.sqrt(bound);
    this.qx = x;
    this.qy = y;
    this.qz = z;
    this.qrr = bound;
    this.heap.reset(k);
    this.index!.search(x - r, y - r, x + r, y + r, this.offerWithin);
    return this.heap.drain(out);
  }

  frustum(f: PeerFrustum): number {
    this.planes = f.planes;
    this.counted = 0;
    this.index!.search(f.minX, f.minY, f.maxX, f.maxY, this.countInFrustum);
    return this.counted;
  }

  bytesPerEntity(): number {
    return this.index ? this.index.data.byteLength / this.p.count : 0;
  }
}
