// Frustum culling straight over any SoA of Q16 spheres, without an index: the v128 kernels
// frustum_cull (one camera, visible indices) and frustum_cull_multi (up to 32 cameras, one
// visibility bit per camera per entity, each block of four entities loaded once). Use it for
// short lists or per-frame render sets; SpatialIndex.frustumInto culls whole cells first.

import { InvalidArgumentError } from '../core/errors.js';
import type { Arena, Region } from '../wasm/arena.js';
import { Frustum } from './frustum.js';
import { spatialKernels, type SpatialKernels } from './kernels.js';
import type { SpatialResult } from './result.js';

/** Cameras one multi-camera pass handles: one bit each in a u32 mask. */
export const MAX_CAMERAS_PER_PASS = 32;
const PLANES_BYTES = 96;

/** Q16 columns (pointers into the arena) of `count` spheres. */
export interface SphereColumns {
  x: number;
  y: number;
  z: number;
  /** Q16 radius column; absent: points. */
  radius?: number;
  /** Only entities with (flags[i] & mask) != 0 are candidates. */
  flags?: number;
  mask?: number;
  count: number;
}

let nextCullerId = 0;

export class FrustumCuller {
  readonly arena: Arena;
  private readonly kernels: SpatialKernels;
  private readonly planes: Region;
  private masks: Region | undefined;
  private readonly name: string;

  constructor(arena: Arena, name = `frustum-culler-${nextCullerId++}`) {
    this.arena = arena;
    this.kernels = spatialKernels(arena.wasm);
    this.name = name;
    this.planes = arena.allocate(`${name}:planes`, MAX_CAMERAS_PER_PASS * PLANES_BYTES);
  }

  /** Indices of the visible spheres, ascending, into out.ids[0 .. count). */
  cullInto(out: SpatialResult, frustum: Frustum, columns: SphereColumns): number {
    if (!(frustum instanceof Frustum)) throw new InvalidArgumentError('frustum must be a Frustum');
    checkColumns(columns);
    out.ensure(Math.max(1, columns.count));
    new Float32Array(this.arena.memoryBuffer, this.planes.ptr, 24).set(frustum.planes);
    const n = this.kernels.frustum_cull(
      this.planes.ptr, columns.x, columns.y, columns.z, columns.radius ?? 0, columns.flags ?? 0, columns.mask ?? 0, columns.count, out.idsPtr,
    );
    out.count = n;
    return n;
  }

  /**
   * Visibility of every sphere from up to 32 cameras: bit c of the returned mask i is set when
   * sphere i is visible from frusta[c]. The view is reused by the next call.
   */
  cullMulti(frusta: readonly Frustum[], columns: SphereColumns): Uint32Array {
    if (frusta.length < 1 || frusta.length > MAX_CAMERAS_PER_PASS) {
      throw new InvalidArgumentError(`cullMulti takes 1 to ${MAX_CAMERAS_PER_PASS} frusta, got ${frusta.length}`);
    }
    frusta.forEach((f, i) => {
      if (!(f instanceof Frustum)) throw new InvalidArgumentError(`frusta[${i}] must be a Frustum`);
    });
    checkColumns(columns);
    const bytes = Math.max(16, columns.count * 4);
    if (!this.masks || this.masks.byteLength < bytes) {
      if (this.masks) this.arena.release(this.masks);
      this.masks = this.arena.allocate(`${this.name}:masks#${bytes}`, bytes);
    }
    const planes = new Float32Array(this.arena.memoryBuffer, this.planes.ptr, 24 * frusta.length);
    frusta.forEach((f, c) => planes.set(f.planes, c * 24));
    this.kernels.frustum_cull_multi(
      this.planes.ptr, frusta.length, columns.x, columns.y, columns.z, columns.radius ?? 0, columns.flags ?? 0, columns.mask ?? 0,
      columns.count, this.masks.ptr,
    );
    return new Uint32Array(this.arena.memoryBuffer, this.masks.ptr, columns.count);
  }

  dispose(): void {
    if (!this.planes.isReleased) this.arena.release(this.planes);
    if (this.masks && !this.masks.isReleased) this.arena.release(this.masks);
  }
}

function checkColumns(c: SphereColumns): void {
  if (!Number.isInteger(c.count) || c.count < 0) throw new InvalidArgumentError(`count must be a non-negative integer, got ${c.count}`);
  for (const [name, ptr] of [['x', c.x], ['y', c.y], ['z', c.z]] as const) {
    if (!Number.isInteger(ptr) || ptr <= 0 || ptr % 4 !== 0) throw new InvalidArgumentError(`column ${name} must be an aligned pointer, got ${ptr}`);
  }
  if (c.flags !== undefined && (!Number.isInteger(c.mask) || (c.mask ?? 0) <= 0)) {
    throw new InvalidArgumentError(`a flags column needs a non-zero mask, got ${c.mask}`);
  }
}
