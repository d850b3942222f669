// Peer: rbush (+ rbush-knn), a dynamic 2D R*-tree of JS objects. Follows movement by moving
// every item and bulk-reloading the tree (clear + load, far faster than 100,000 remove +
// insert pairs); queries through search() with a 3D filter; k-nearest via rbush-knn for a
// distance bound, then one search within it.
//
// Node size: swept once on the spatial suite's data (`npx tsx bench/spatial-sweep.ts`: every case
// of the suite at each maxEntries, 3 interleaved rounds, fastest median kept; time / the fastest
// size per case, and the geometric mean over the cases; 2 cores shared with other work):
//   size    build  update  radius     box   knn10   knn50 fr-100k  fr-10k batch1k hotspot  geomean
//      4     1.60    1.87    1.13    1.16    1.04    1.15    1.23    1.34    1.11    1.99    1.329
//      6     1.58    1.58    1.15    1.23    1.22    1.16    1.21    1.23    1.22    1.58    1.306
//      9     1.37    1.48    1.00    1.00    1.00    1.00    1.04    1.04    1.00    1.16    1.098
//     12     1.25    1.35    1.08    1.09    1.08    1.04    1.01    1.02    1.08    1.12    1.107
//     16     1.24    1.47    1.08    1.07    1.18    1.06    1.00    1.09    1.16    1.10    1.139
//     24     1.21    1.26    1.16    1.22    1.33    1.13    1.06    1.05    1.11    1.07    1.156
//     32     1.19    1.18    1.18    1.23    1.40    1.16    1.04    1.00    1.19    1.00    1.152
//     64     1.00    1.00    1.42    1.50    1.85    1.40    1.03    1.11    1.37    1.04    1.246
// Chosen: 9 (geometric mean 1.098; 12: 1.107), the library's default. Two earlier one-round
// sweeps picked 32 and 16 (the sizes 9-32 are within noise of each other). Larger nodes load
// faster (64: 0.73x the time of 9) but answer queries up to 1.9x slower; the suite runs one
// size for every case, as a server runs one index that it both reloads and queries every tick.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import RBush from 'rbush';
import knn from 'rbush-knn';
import { inFrustum, KSmallest, type PeerFrustum, type PointSet, type SpatialPeer } from './spatial-common.js';

/** The size the spatial suite runs this peer with: the sweep's best (above). */
export const RBUSH_MAX_ENTRIES = 9;

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
    // The heap the tree takes is measured once, on the first build (never a timed one: the
    // suite builds every peer before it times anything), with full collections around it.
    const measure = this.heapBytes === 0;
    const before = measure ? heapUsed() : 0;
    this.items = Array.from({ length: p.count }, (_, i) => ({ minX: p.xs[i]!, minY: p.ys[i]!, maxX: p.xs[i]!, maxY: p.ys[i]!, id: i }));
    this.tree = new RBush<Item>(this.maxEntries);
    this.tree.load(this.items);
    if (measure) this.heapBytes = Math.max(1, heapUsed() - before);
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
    const near = knn(this.tree, x, y, k);
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

  /** The JS heap growth of the first build (items and tree), after full collections. */
  bytesPerEntity(): number {
    return this.p.count > 0 ? this.heapBytes / this.p.count : 0;
  }
}

let gc: (() => void) | undefined;

/** Heap in use after a full collection (gc exposed through V8's flags, as the net suite does). */
function heapUsed(): number {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  return process.memoryUsage().heapUsed;
}
