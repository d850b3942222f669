// Peer: rbush (+ rbush-knn), a dynamic 2D R*-tree of JS objects. Follows movement by moving
// every item and bulk-reloading the tree (clear + load, far faster than 100,000 remove +
// insert pairs); queries through search() with a 3D filter; k-nearest via rbush-knn for a
// distance bound, then one search within it.

import RBush from 'rbush';
import knn from 'rbush-knn';
import { inFrustum, KSmallest, type PeerFrustum, type PointSet, type SpatialPeer } from './spatial-common.js';

interface Item {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  id: number;
}

export class RbushPeer implements SpatialPeer {
  readonly name = 'rbush';
  private tree = new RBush<Item>(9);
  private items: Item[] = [];
  private p: PointSet = { xs: new Float64Array(0), ys: new Float64Array(0), zs: new Float64Array(0), count: 0 };
  private readonly heap = new KSmallest(4096);
  private readonly bbox = { minX: 0, minY: 0, maxX: 0, maxY: 0 };
  private heapBytes = 0;

  constructor(private readonly maxEntries = 9) {}

  build(p: PointSet): void {
    this.p = p;
    const before = heapUsed();
    this.items = Array.from({ length: p.count }, (_, i) => ({ minX: p.xs[i]!, minY: p.ys[i]!, maxX: p.xs[i]!, maxY: p.ys[i]!, id: i }));
    this.tree = new RBush<Item>(this.maxEntries);
    this.tree.load(this.items);
    this.heapBytes = Math.max(0, heapUsed() - before);
  }

  update(p: PointSet): void {
    this.p = p;
    const items = this.items;
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      it.minX = it.maxX = p.xs[i]!;
      it.minY = it.maxY = p.ys[i]!;
    }
    this.tree.clear();
    this.tree.load(items);
  }

  private search(minX: number, minY: number, maxX: number, maxY: number): Item[] {
    const b = this.bbox;
    b.minX = minX;
    b.minY = minY;
    b.maxX = maxX;
    b.maxY = maxY;
    return this.tree.search(b);
  }

  radius(x: number, y: number, z: number, r: number): number {
    const found = this.search(x - r, y - r, x + r, y + r);
    const { xs, ys, zs } = this.p;
    const rr = r * r;
    let count = 0;
    for (const it of found) {
      const i = it.id;
      const dx = xs[i]! - x, dy = ys[i]! - y, dz = zs[i]! - z;
      if (dx * dx + dy * dy + dz * dz <= rr) count++;
    }
    return count;
  }

  box(x0: number, y0: number, z0: number, x1: number, y1: number, z1: number): number {
    const found = this.search(x0, y0, x1, y1);
    const zs = this.p.zs;
    let count = 0;
    for (const it of found) if (zs[it.id]! >= z0 && zs[it.id]! <= z1) count++;
    return count;
  }

  knn(x: number, y: number, z: number, k: number, out: Uint32Array): number {
    const { xs, ys, zs } = this.p;
    const near = knn(this.tree, x, y, k) as Item[];
    let bound = 0;
    for (const it of near) {
      const i = it.id;
      const dx = xs[i]! - x, dy = ys[i]! - y, dz = zs[i]! - z;
      bound = Math.max(bound, dx * dx + dy * dy + dz * dz);
    }
    const r = Math.sqrt(bound);
    this.heap.reset(k);
    for (const it of this.search(x - r, y - r, x + r, y + r)) {
      const i = it.id;
      const dx = xs[i]! - x, dy = ys[i]! - y, dz = zs[i]! - z;
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 <= bound) this.heap.offer(d2, i);
    }
    return this.heap.drain(out);
  }

  frustum(f: PeerFrustum): number {
    const { xs, ys, zs } = this.p;
    let count = 0;
    for (const it of this.search(f.minX, f.minY, f.maxX, f.maxY)) if (inFrustum(f.planes, xs[it.id]!, ys[it.id]!, zs[it.id]!)) count++;
    return count;
  }

  /** Measured as the JS heap growth while building (approximate: GC timing is not ours). */
  bytesPerEntity(): number {
    return this.p.count > 0 ? this.heapBytes / this.p.count : 0;
  }
}

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
  return process.memoryUsage().heapUsed;
}
