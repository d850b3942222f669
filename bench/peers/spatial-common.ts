// What the spatial benchmark asks of every peer, and the pieces they share. The peers are 2D
// indexes (kdbush, flatbush, rbush) plus a brute-force scan; each answers the same 3D
// questions as chronos by querying its 2D index and filtering candidates by their 3D distance
// over Float64Array coordinates, the fastest honest use of each library. Results are counts
// (plus ids written into a reused buffer for k-nearest), so no peer allocates for output where
// its API lets it avoid that.

/** Positions in metres, shared by every peer. */
export interface PointSet {
  xs: Float64Array;
  ys: Float64Array;
  zs: Float64Array;
  count: number;
}

/** A frustum as 6 planes (nx, ny, nz, d; inside when n . p + d >= 0) and its 2D bounding box. */
export interface PeerFrustum {
  planes: Float64Array;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface SpatialPeer {
  readonly name: string;
  build(points: PointSet): void;
  /** Positions changed: bring the index up to date (rebuild, or remove + insert). */
  update(points: PointSet): void;
  /** Entities within 3D distance r (inclusive). */
  radius(x: number, y: number, z: number, r: number): number;
  /** Entities inside the box (inclusive). */
  box(x0: number, y0: number, z0: number, x1: number, y1: number, z1: number): number;
  /** The k nearest in 3D, nearest first, into out; returns how many. */
  knn(x: number, y: number, z: number, k: number, out: Uint32Array): number;
  frustum(f: PeerFrustum): number;
  /** Bytes the index structure holds per entity (coordinates the benchmark owns excluded). */
  bytesPerEntity(): number;
}

export function inFrustum(planes: Float64Array, x: number, y: number, z: number): boolean {
  for (let p = 0; p < 24; p += 4) {
    if (planes[p]! * x + planes[p + 1]! * y + planes[p + 2]! * z + planes[p + 3]! < 0) return false;
  }
  return true;
}

/**
 * Keeps the k smallest (distance^2, id) pairs in a max-heap; drain() writes them nearest first.
 * Reused across queries: no allocation per query.
 */
export class KSmallest {
  private readonly keys: Float64Array;
  private readonly ids: Uint32Array;
  private k = 0;
  private n = 0;

  constructor(capacity: number) {
    this.keys = new Float64Array(capacity);
    this.ids = new Uint32Array(capacity);
  }

  reset(k: number): void {
    this.k = k;
    this.n = 0;
  }

  get size(): number {
    return this.n;
  }

  /** The worst kept key once k are kept, else Infinity. */
  get bound(): number {
    return this.n === this.k ? this.keys[0]! : Infinity;
  }

  offer(key: number, id: number): void {
    const keys = this.keys;
    const ids = this.ids;
    if (this.n < this.k) {
      let i = this.n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (keys[p]! > key || (keys[p] === key && ids[p]! > id)) break;
        keys[i] = keys[p]!;
        ids[i] = ids[p]!;
        i = p;
      }
      keys[i] = key;
      ids[i] = id;
      return;
    }
    if (key > keys[0]! || (key === keys[0] && id > ids[0]!)) return;
    let i = 0;
    const n = this.n;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      const r = l + 1;
      if (r < n && (keys[r]! > keys[l]! || (keys[r] === keys[l] && ids[r]! > ids[l]!))) c = r;
      if (keys[c]! < key || (keys[c] === key && ids[c]! < id)) break;
      keys[i] = keys[c]!;
      ids[i] = ids[c]!;
      i = c;
    }
    keys[i] = key;
    ids[i] = id;
  }

  /** Writes the kept ids nearest first into out; returns how many. */
  drain(out: Uint32Array): number {
    const n = this.n;
    // Heapsort in place, then copy.
    const keys = this.keys;
    const ids = this.ids;
    for (let end = n - 1; end > 0; end--) {
      const k0 = keys[0]!, i0 = ids[0]!;
      keys[0] = keys[end]!;
      ids[0] = ids[end]!;
      keys[end] = k0;
      ids[end] = i0;
      let i = 0;
      const key = keys[0]!, id = ids[0]!;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= end) break;
        let c = l;
        const r = l + 1;
        if (r < end && (keys[r]! > keys[l]! || (keys[r] === keys[l] && ids[r]! > ids[l]!))) c = r;
        if (keys[c]! < key || (keys[c] === key && ids[c]! < id)) break;
        keys[i] = keys[c]!;
        ids[i] = ids[c]!;
        i = c;
      }
      keys[i] = key;
      ids[i] = id;
    }
    for (let i = 0; i < n; i++) out[i] = ids[i]!;
    return n;
  }
}
