// View frusta for culling: six planes (unit normals pointing inside, offsets in metres) rounded
// to f32 once, which is what the SIMD kernels test against, plus the bounding box of the
// volume, which limits the cells an index walk visits. Built from a camera or from raw planes;
// malformed input (NaN, infinities, a zero normal, a degenerate camera) is a typed error.
//
// Record written for the kernels (FRUSTUM_BYTES = 144):
// | off | type   | field                                                        |
// |   0 | f32[24]| planes: nx, ny, nz, d for each of the 6 planes                |
// |  96 | f64[6] | bounding box min x, y, z, max x, y, z in Q16 units (unrounded) |

import { InvalidArgumentError, InvalidValueError } from '../core/errors.js';
import { FX_ONE } from '../core/fixed.js';
import { FRUSTUM_AABB_OFFSET } from './layout.js';

export type Vec3 = readonly [number, number, number];

export interface CameraOptions {
  /** Eye position, metres. */
  position: Vec3;
  /** View direction (any length > 0). */
  forward: Vec3;
  /** Up hint, not parallel to forward; defaults to +z. */
  up?: Vec3;
  /** Vertical field of view, radians, in (0, pi). */
  fovYRad: number;
  /** Width over height, > 0. */
  aspect: number;
  /** Near and far distances, metres, 0 <= near < far. */
  nearM: number;
  farM: number;
}

/** Bounding boxes grow by this (metres) to cover f32 rounding at the volume's surface. */
const AABB_PAD_M = 1;

function finite3(name: string, v: Vec3): void {
  if (!Array.isArray(v) || v.length !== 3) throw new InvalidArgumentError(`${name} must be [x, y, z], got ${String(v)}`);
  for (let i = 0; i < 3; i++) {
    if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) throw new InvalidValueError(`${name}[${i}]`, v[i], 'must be a finite number');
  }
}

function normalize(v: Vec3): [number, number, number] {
  const len = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / len, v[1] / len, v[2] / len];
}

function cross(a: Vec3, b: Vec3): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export class Frustum {
  /** 6 x (nx, ny, nz, d), f32: unit normals pointing inside, d in metres. */
  readonly planes: Float32Array;
  /** Bounding box of the volume in metres: min x, y, z, max x, y, z (may be infinite). */
  readonly aabb: Float64Array;

  private constructor(planes: Float32Array, aabb: Float64Array) {
    this.planes = planes;
    this.aabb = aabb;
  }

  /** A perspective camera's frustum (planes: left, right, bottom, top, near, far). */
  static fromCamera(camera: CameraOptions): Frustum {
    finite3('position', camera.position);
    finite3('forward', camera.forward);
    const upHint = camera.up ?? [0, 0, 1];
    finite3('up', upHint);
    const { fovYRad, aspect, nearM, farM } = camera;
    if (!(Number.isFinite(fovYRad) && fovYRad > 0 && fovYRad < Math.PI)) throw new InvalidValueError('fovYRad', fovYRad, 'must be in (0, pi)');
    if (!(Number.isFinite(aspect) && aspect > 0)) throw new InvalidValueError('aspect', aspect, 'must be a finite number > 0');
    if (!(Number.isFinite(nearM) && nearM >= 0)) throw new InvalidValueError('nearM', nearM, 'must be a finite number >= 0');
    if (!(Number.isFinite(farM) && farM > nearM)) throw new InvalidValueError('farM', farM, `must be finite and greater than nearM (${nearM})`);
    if (Math.hypot(...camera.forward) === 0) throw new InvalidValueError('forward', camera.forward.join(','), 'must not be the zero vector');
    const f = normalize(camera.forward);
    const side = cross(f, upHint);
    if (Math.hypot(...side) < 1e-9) throw new InvalidValueError('up', upHint.join(','), 'must not be parallel to forward');
    const r = normalize(side);
    const u = cross(r, f);
    const tanY = Math.tan(fovYRad / 2);
    const tanX = tanY * aspect;
    const p = camera.position;
    const normals: [number, number, number][] = [
      normalize([r[0] + tanX * f[0], r[1] + tanX * f[1], r[2] + tanX * f[2]]), // left
      normalize([-r[0] + tanX * f[0], -r[1] + tanX * f[1], -r[2] + tanX * f[2]]), // right
      normalize([u[0] + tanY * f[0], u[1] + tanY * f[1], u[2] + tanY * f[2]]), // bottom
      normalize([-u[0] + tanY * f[0], -u[1] + tanY * f[1], -u[2] + tanY * f[2]]), // top
    ];
    const planes = new Float32Array(24);
    normals.forEach((n, i) => planes.set([n[0], n[1], n[2], -dot(n, p)], i * 4));
    planes.set([f[0], f[1], f[2], -(dot(f, p) + nearM)], 16);
    planes.set([-f[0], -f[1], -f[2], dot(f, p) + farM], 20);
    const aabb = new Float64Array([Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity]);
    for (const c of [nearM, farM]) {
      for (const sx of [-1, 1]) {
        for (const sy of [-1, 1]) {
          for (let i = 0; i < 3; i++) {
            const v = p[i]! + f[i]! * c + r[i]! * sx * c * tanX + u[i]! * sy * c * tanY;
            aabb[i] = Math.min(aabb[i]!, v - AABB_PAD_M);
            aabb[i + 3] = Math.max(aabb[i + 3]!, v + AABB_PAD_M);
          }
        }
      }
    }
    return new Frustum(planes, aabb);
  }

  /**
   * A frustum from six planes (n . p + d >= 0 inside; 24 numbers: nx, ny, nz, d each). Normals
   * are normalised. The bounding box is computed from the vertices when the volume is bounded,
   * and is infinite otherwise (an index then walks every cell).
   */
  static fromPlanes(values: ArrayLike<number>): Frustum {
    if (!values || values.length !== 24) throw new InvalidArgumentError(`a frustum needs 6 planes of 4 numbers (24), got ${values?.length}`);
    const planes64: [number, number, number, number][] = [];
    for (let i = 0; i < 6; i++) {
      const [nx, ny, nz, d] = [values[i * 4]!, values[i * 4 + 1]!, values[i * 4 + 2]!, values[i * 4 + 3]!];
      for (const [k, v] of [['nx', nx], ['ny', ny], ['nz', nz], ['d', d]] as const) {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidValueError(`plane ${i} ${k}`, v, 'must be a finite number');
      }
      const len = Math.hypot(nx, ny, nz);
      if (!(len > 1e-12)) throw new InvalidValueError(`plane ${i} normal`, `${nx},${ny},${nz}`, 'must not be the zero vector');
      planes64.push([nx / len, ny / len, nz / len, d / len]);
    }
    const planes = new Float32Array(24);
    planes64.forEach((pl, i) => planes.set(pl, i * 4));
    return new Frustum(planes, boundingBox(planes));
  }

  /** Writes the kernel record (FRUSTUM_BYTES) at byte `offset` of `buffer`. */
  writeRecord(buffer: ArrayBufferLike, offset: number): void {
    new Float32Array(buffer, offset, 24).set(this.planes);
    const box = new Float64Array(buffer, offset + FRUSTUM_AABB_OFFSET, 6);
    for (let i = 0; i < 6; i++) {
      const v = this.aabb[i]!;
      // Infinite bounds become the Q16 extremes: the kernels clamp them to the grid.
      box[i] = Number.isFinite(v) ? v * FX_ONE : v < 0 ? -(2 ** 40) : 2 ** 40;
    }
  }

  /** The scalar definition of visibility (f32, in the kernels' order): tests and tools. */
  sphereVisible(xQ16: number, yQ16: number, zQ16: number, radiusQ16 = 0): boolean {
    const f = Math.fround;
    const inv = 1 / FX_ONE;
    const x = f(f(xQ16) * inv), y = f(f(yQ16) * inv), z = f(f(zQ16) * inv);
    const negR = -f(f(radiusQ16) * inv);
    for (let p = 0; p < 6; p++) {
      const pl = this.planes;
      const t = f(f(pl[p * 4]! * x) + f(pl[p * 4 + 1]! * y));
      const dist = f(f(t + f(pl[p * 4 + 2]! * z)) + pl[p * 4 + 3]!);
      if (!(dist >= negR)) return false;
    }
    return true;
  }
}

/** Bounding box of the convex volume of `planes` (f32 values), padded; infinite when unbounded. */
function boundingBox(planes: Float32Array): Float64Array {
  const n: [number, number, number][] = [];
  const d: number[] = [];
  for (let i = 0; i < 6; i++) {
    n.push([planes[i * 4]!, planes[i * 4 + 1]!, planes[i * 4 + 2]!]);
    d.push(planes[i * 4 + 3]!);
  }
  const infinite = new Float64Array([-Infinity, -Infinity, -Infinity, Infinity, Infinity, Infinity]);
  // Unbounded iff a direction v != 0 has n_i . v >= 0 for every plane; such a cone's extreme
  // rays lie on two planes, so the candidates are +-(n_i x n_j).
  for (let i = 0; i < 6; i++) {
    for (let j = i + 1; j < 6; j++) {
      const c = cross(n[i]!, n[j]!);
      const len = Math.hypot(...c);
      if (len < 1e-9) continue;
      for (const s of [1, -1]) {
        const v: Vec3 = [(s * c[0]) / len, (s * c[1]) / len, (s * c[2]) / len];
        if (n.every((ni) => dot(ni, v) >= -1e-9)) return infinite;
      }
    }
  }
  const box = new Float64Array([Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity]);
  let vertices = 0;
  for (let a = 0; a < 6; a++) {
    for (let b = a + 1; b < 6; b++) {
      for (let c = b + 1; c < 6; c++) {
        const p = intersect3(n[a]!, d[a]!, n[b]!, d[b]!, n[c]!, d[c]!);
        if (!p) continue;
        const scale = 1 + Math.hypot(...p);
        if (!n.every((ni, i) => dot(ni, p) + d[i]! >= -1e-6 * scale)) continue;
        vertices++;
        for (let k = 0; k < 3; k++) {
          box[k] = Math.min(box[k]!, p[k]! - AABB_PAD_M);
          box[k + 3] = Math.max(box[k + 3]!, p[k]! + AABB_PAD_M);
        }
      }
    }
  }
  // No vertex: the volume is empty up to rounding; keep the exact per-sphere test in charge.
  return vertices > 0 ? box : infinite;
}

/** The point on three planes n . p + d = 0 (Cramer's rule), or null when they do not meet in one. */
function intersect3(n1: Vec3, d1: number, n2: Vec3, d2: number, n3: Vec3, d3: number): Vec3 | null {
  const c23 = cross(n2, n3);
  const det = dot(n1, c23);
  if (Math.abs(det) < 1e-12) return null;
  const c31 = cross(n3, n1);
  const c12 = cross(n1, n2);
  return [
    -(d1 * c23[0] + d2 * c31[0] + d3 * c12[0]) / det,
    -(d1 * c23[1] + d2 * c31[1] + d3 * c12[1]) / det,
    -(d1 * c23[2] + d2 * c31[2] + d3 * c12[2]) / det,
  ];
}
