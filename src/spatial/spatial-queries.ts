// The bodies of SpatialIndex's queries (radius, box, k-nearest, ray, frustum, and the batched
// radius and frustum queries), kept apart from the class that documents them. Each validates
// its input, calls its kernel into the caller's result and, when the kernel reports more hits
// than fit, calls it once more into a grown result; the batched ones grow the id buffer and
// resume where the kernel stopped. The index checks that it is live before calling in.

import { CapacityError, InvalidArgumentError, InvalidValueError } from '../core/errors.js';
import { FX_ONE } from '../core/fixed.js';
import type { Bounds } from '../core/schema.js';
import { alignUp, type Arena, type Region } from '../wasm/arena.js';
import type { BatchQuery } from './batch-query.js';
import { Frustum } from './frustum.js';
import type { SpatialKernels } from './kernels.js';
import { FRUSTUM_BYTES, SH } from './layout.js';
import type { BatchResult, SpatialResult } from './result.js';
import { INV_Q16, checkBatch, checkLength, checkPoint, throwBox } from './spatial-checks.js';
import { headerU32 } from './spatial-header.js';
import type { SpatialPools } from './spatial-pools.js';
import type { BatchOptions, SpatialSource } from './spatial-types.js';

/** Batches at least this long run in Morton order of their centres. */
const BATCH_SORT_MIN = 64;

export class SpatialQueries {
  /** Queries answered, for SpatialIndex.counters(). */
  count = 0;
  private readonly arena: Arena;
  private readonly kernels: SpatialKernels;
  private readonly ptr: number;
  private readonly bounds: Bounds;
  private readonly capacity: number;
  private readonly source: SpatialSource;
  private readonly scratch: Region;
  private readonly pools: SpatialPools;
  private frustums: Region | undefined;

  /** `ptr`: the index header; `scratch`: room for one frustum record. */
  constructor(arena: Arena, kernels: SpatialKernels, ptr: number, bounds: Bounds, capacity: number, source: SpatialSource, scratch: Region, pools: SpatialPools) {
    this.arena = arena;
    this.kernels = kernels;
    this.ptr = ptr;
    this.bounds = bounds;
    this.capacity = capacity;
    this.source = source;
    this.scratch = scratch;
    this.pools = pools;
  }

  radiusInto(out: SpatialResult, xM: number, yM: number, zM: number, radiusM: number): number {
    checkPoint(this.bounds, 'centre', xM, yM, zM);
    checkLength('radiusM', radiusM);
    const cx = xM * FX_ONE, cy = yM * FX_ONE, cz = zM * FX_ONE, r = radiusM * FX_ONE;
    let n = this.kernels.spatial_radius(this.ptr, cx, cy, cz, r, out.idsPtr, out.capacity);
    if (n > out.capacity) {
      out.ensure(n);
      n = this.kernels.spatial_radius(this.ptr, cx, cy, cz, r, out.idsPtr, out.capacity);
    }
    this.count++;
    out.count = n;
    return n;
  }

  boxInto(out: SpatialResult, minX: number, minY: number, minZ: number, maxX: number, maxY: number, maxZ: number): number {
    if (!(minX <= maxX && minY <= maxY && minZ <= maxZ) || !(Math.abs(minX) + Math.abs(minY) + Math.abs(minZ) + Math.abs(maxX) + Math.abs(maxY) + Math.abs(maxZ) < Infinity)) {
      throwBox(minX, minY, minZ, maxX, maxY, maxZ);
    }
    const k = this.kernels;
    const x0 = minX * FX_ONE, y0 = minY * FX_ONE, z0 = minZ * FX_ONE, x1 = maxX * FX_ONE, y1 = maxY * FX_ONE, z1 = maxZ * FX_ONE;
    let n = k.spatial_box(this.ptr, x0, y0, z0, x1, y1, z1, out.idsPtr, out.capacity);
    if (n > out.capacity) {
      out.ensure(n);
      n = k.spatial_box(this.ptr, x0, y0, z0, x1, y1, z1, out.idsPtr, out.capacity);
    }
    this.count++;
    out.count = n;
    return n;
  }

  knnInto(out: SpatialResult, xM: number, yM: number, zM: number, k: number): number {
    checkPoint(this.bounds, 'point', xM, yM, zM);
    if (!Number.isInteger(k) || k < 1 || k > this.capacity) throw new InvalidValueError('k', k, `must be an integer in [1, ${this.capacity}]`);
    out.ensure(k);
    const n = this.kernels.spatial_knn(this.ptr, xM * FX_ONE, yM * FX_ONE, zM * FX_ONE, k, out.idsPtr, out.distancesPtr);
    const d = out.distances;
    for (let i = 0; i < n; i++) d[i] = d[i]! * INV_Q16;
    this.count++;
    out.count = n;
    return n;
  }

  /** rayFirst (mode 0: the nearest hit) and rayAllInto (mode 1: every hit, nearest first). */
  castRay(out: SpatialResult, mode: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, maxM: number, thicknessM: number): number {
    checkPoint(this.bounds, 'origin', ox, oy, oz);
    for (const [axis, v] of [['x', dx], ['y', dy], ['z', dz]] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidValueError(`direction.${axis}`, v, 'must be a finite number');
    }
    const len = Math.hypot(dx, dy, dz);
    if (!(len > 0) || !Number.isFinite(len)) throw new InvalidValueError('direction', `${dx},${dy},${dz}`, 'must have a finite, non-zero length');
    checkLength('maxM', maxM);
    checkLength('thicknessM', thicknessM);
    const u = [dx / len, dy / len, dz / len] as const;
    const args = [ox * FX_ONE, oy * FX_ONE, oz * FX_ONE, u[0], u[1], u[2], maxM * FX_ONE, thicknessM * FX_ONE] as const;
    const cap = mode === 0 ? Math.max(1, out.capacity) : out.capacity;
    let n = this.kernels.spatial_ray(this.ptr, ...args, mode, out.idsPtr, out.distancesPtr, cap);
    if (mode === 1 && n > out.capacity) {
      out.ensure(n);
      n = this.kernels.spatial_ray(this.ptr, ...args, mode, out.idsPtr, out.distancesPtr, out.capacity);
    }
    const d = out.distances;
    for (let i = 0; i < n; i++) d[i] = d[i]! * INV_Q16;
    this.count++;
    out.count = n;
    return n;
  }

  frustumInto(out: SpatialResult, frustum: Frustum): number {
    if (!(frustum instanceof Frustum)) throw new InvalidArgumentError('frustum must be a Frustum (Frustum.fromCamera or Frustum.fromPlanes)');
    const record = this.scratch.ptr;
    frustum.writeRecord(this.arena.memoryBuffer, record);
    let n = this.kernels.spatial_frustum(this.ptr, record, out.idsPtr, out.capacity);
    if (n > out.capacity) {
      out.ensure(n);
      n = this.kernels.spatial_frustum(this.ptr, record, out.idsPtr, out.capacity);
    }
    this.count++;
    out.count = n;
    return n;
  }

  radiusBatch(query: BatchQuery, count: number, out: BatchResult, options: BatchOptions): void {
    if (!Number.isInteger(count) || count < 0 || count > query.capacity) throw new InvalidArgumentError(`count must be an integer in [0, ${query.capacity}], got ${count}`);
    const useSlots = options.useSlots ?? false;
    const constant = options.radiusM;
    if (constant !== undefined) checkLength('radiusM', constant);
    checkBatch(this.arena, this.source, this.bounds, this.capacity, query, count, useSlots, constant === undefined);
    out.ensureQueries(count);
    const k = this.kernels;
    const flags = options.excludeSelf && useSlots ? 1 : 0;
    const rConst = constant === undefined ? 0 : constant * FX_ONE;
    // Neighbouring queries run one after another (Morton order of their cells), so the bricks
    // and entries they share are still in cache; below a few dozen it is not worth sorting.
    let order = 0;
    if (count >= BATCH_SORT_MIN) {
      k.spatial_batch_order(
        this.ptr, query.ptrOf('x'), query.ptrOf('y'), useSlots ? query.ptrOf('slot') : 0, count,
        query.ptrOf('order'), query.ptrOf('key'), query.ptrOf('tmpOrder'), query.ptrOf('tmpKey'),
      );
      order = query.ptrOf('order');
    }
    this.runBatch(count, out, (first, written) => k.spatial_radius_batch(
      this.ptr, query.ptrOf('x'), query.ptrOf('y'), query.ptrOf('z'), useSlots ? query.ptrOf('slot') : 0,
      constant === undefined ? query.ptrOf('radius') : 0, rConst, order, first, count,
      out.idsPtr, out.idCapacity, written, out.offsetsPtr, out.countsPtr, flags,
    ));
  }

  frustumBatch(frusta: readonly Frustum[], out: BatchResult): void {
    frusta.forEach((f, i) => {
      if (!(f instanceof Frustum)) throw new InvalidArgumentError(`frusta[${i}] must be a Frustum`);
    });
    const count = frusta.length;
    out.ensureQueries(Math.max(1, count));
    const needed = Math.max(1, count) * FRUSTUM_BYTES;
    if (!this.frustums || this.frustums.byteLength < needed) {
      if (this.frustums) this.arena.release(this.frustums);
      this.frustums = this.arena.allocate(this.pools.regionName('frusta'), alignUp(needed * 2));
    }
    const base = this.frustums.ptr;
    frusta.forEach((f, i) => f.writeRecord(this.arena.memoryBuffer, base + i * FRUSTUM_BYTES));
    this.runBatch(count, out, (first, written) => this.kernels.spatial_frustum_batch(this.ptr, base, first, count, out.idsPtr, out.idCapacity, written, out.offsetsPtr, out.countsPtr));
  }

  /** Returns the frustum batch's records to the arena (SpatialIndex.dispose). */
  dispose(): void {
    if (this.frustums) this.arena.release(this.frustums);
  }

  /**
   * Runs a batch kernel (`step(first, written)`: the queries it got through) until every query is
   * answered, growing the result's ids between calls when it stops short.
   */
  private runBatch(count: number, out: BatchResult, step: (first: number, written: number) => number): void {
    let first = 0;
    let written = 0;
    while (first < count) {
      const done = step(first, written);
      written = this.u32()[SH.batchWritten / 4]!;
      if (done < count) this.growBatch(out, written, this.u32()[SH.batchNeed / 4]!, done);
      first = done;
    }
    this.count += count;
    out.queries = count;
    out.total = written;
  }

  private growBatch(out: BatchResult, written: number, need: number, query: number): void {
    if (!out.growIds(written + need, written)) {
      throw new CapacityError(`batch result ids (query ${query} needs ${need} more after ${written})`, out.maxIds);
    }
  }

  private u32(): Uint32Array {
    return headerU32(this.arena, this.ptr);
  }
}
