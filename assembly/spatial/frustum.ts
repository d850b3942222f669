// Frustum culling with WASM SIMD (v128), four spheres per step.
//
// Planes: 6 x (nx, ny, nz, d) f32 (unit normals pointing into the volume, d in metres). A
// sphere (Q16 centre, Q16 radius) is visible when, for every plane, in f32 and in this order:
//   x = f32(xq) * 2^-16 (likewise y, z, r);  dist = ((nx * x + ny * y) + nz * z) + d;
//   dist >= -r.
// Culling needs no determinism across machines, only agreement with this definition: the
// SIMD lanes, the scalar tail and the scalar reference in the tests compute the same f32
// operations (no fused multiply-add in WebAssembly), so they agree bit for bit.
//
// frustum_cull / frustum_cull_multi run over any SoA (x, y, z, optional radius, optional flags
// column with a mask). spatial_frustum / spatial_frustum_batch cull through the index: cells
// wholly outside are skipped and cells wholly inside emitted without per-entity tests, which
// is exact because those decisions keep a margin DELTA beyond the f32 rounding error (at most
// about 0.03 m for coordinates within +-32768 m, plus |d| * 2^-23 from the plane offset).

import {
  BRICK_BYTES, CELL_BYTES, COUNT_MASK, EMPTY_KEY, E_SLOT, E_X, E_Y, E_Z, FRUSTUM_BYTES, F_AABB,
  HASH_SLOT_BYTES, H_BATCH_NEED, H_BATCH_WRITTEN, SPLIT_BIT,
} from './layout';
import { cell_of_f, key_bx, key_by, key_bz, key_level } from './grid';
import {
  begin_level, begin_output, begin_query, emit, emit_subtree, entry, is_empty, l_bound, l_nx, l_ny,
  l_nz, l_reach, l_side, node, prefer_scan, q_bits, q_bricks, q_hasR, q_levels, q_minX,
  q_minY, q_minZ, q_n, q_table, radius_q16, top_cell,
} from './scan';

const INV_Q16: f32 = 1.0 / 65536.0;
const INV_Q16_64: f64 = 1.0 / 65536.0;
const PLANE_BYTES: usize = 16;
const PLANES_BYTES: usize = 96;
// Cell decisions keep this far (metres) from every plane, plus |d| * 2^-22.
const DELTA_M: f64 = 0.0625;

// f64 copies of the current frustum for cell decisions: 6 planes x (nx, ny, nz, d, delta).
// 6 * 5 * 8 = 240 bytes.
const PLANES64: usize = memory.data(240, 16);

// ---- the per-sphere test ----

// @ts-ignore: decorator
@inline
function plane_dist4(planes: usize, p: usize, xs: v128, ys: v128, zs: v128): v128 {
  const at = planes + p * PLANE_BYTES;
  const t = f32x4.add(f32x4.mul(v128.load32_splat(at), xs), f32x4.mul(v128.load32_splat(at, 4), ys));
  return f32x4.add(f32x4.add(t, f32x4.mul(v128.load32_splat(at, 8), zs)), v128.load32_splat(at, 12));
}

// @ts-ignore: decorator
@inline
function plane_dist(planes: usize, p: usize, x: f32, y: f32, z: f32): f32 {
  const at = planes + p * PLANE_BYTES;
  const t: f32 = load<f32>(at) * x + load<f32>(at, 4) * y;
  return (t + load<f32>(at, 8) * z) + load<f32>(at, 12);
}

// Scalar form of the test (the tail, and the undecided lanes of the index walk).
function sphere_visible(planes: usize, xq: i32, yq: i32, zq: i32, rq: i32): bool {
  const x = <f32>xq * INV_Q16, y = <f32>yq * INV_Q16, z = <f32>zq * INV_Q16;
  const negR = -(<f32>rq * INV_Q16);
  for (let p: usize = 0; p < 6; p++) {
    if (!(plane_dist(planes, p, x, y, z) >= negR)) return false;
  }
  return true;
}

// @ts-ignore: decorator
@inline
function to_metres4(ptr: usize): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(v128.load(ptr)), f32x4.splat(INV_Q16));
}

// Lanes (as all-ones) of the four spheres at `off` that pass all six planes.
// @ts-ignore: decorator
@inline
function visible4(planes: usize, x: usize, y: usize, z: usize, r: usize, off: usize): v128 {
  const xs = to_metres4(x + off), ys = to_metres4(y + off), zs = to_metres4(z + off);
  const negR = r != 0 ? f32x4.neg(to_metres4(r + off)) : f32x4.splat(0);
  let pass = f32x4.ge(plane_dist4(planes, 0, xs, ys, zs), negR);
  for (let p: usize = 1; p < 6; p++) pass = v128.and(pass, f32x4.ge(plane_dist4(planes, p, xs, ys, zs), negR));
  return pass;
}

// Indices i in [0, count) of visible spheres, ascending, written at `out` (room for count).
// r = 0: points (radius 0); flags = 0: every index is a candidate, else only those with
// (flags[i] & mask) != 0. Returns how many.
export function frustum_cull(planes: usize, x: usize, y: usize, z: usize, r: usize, flags: usize, mask: u32, count: u32, out: usize): u32 {
  let n: u32 = 0;
  let i: u32 = 0;
  const vMask = i32x4.splat(<i32>mask);
  const zero = i32x4.splat(0);
  for (; i + 4 <= count; i += 4) {
    const off = <usize>i << 2;
    let pass = visible4(planes, x, y, z, r, off);
    if (flags != 0) pass = v128.and(pass, i32x4.ne(v128.and(v128.load(flags + off), vMask), zero));
    let bits = i32x4.bitmask(pass);
    while (bits != 0) {
      const lane = ctz<u32>(bits);
      store<u32>(out + (<usize>n << 2), i + lane);
      n++;
      bits &= bits - 1;
    }
  }
  for (; i < count; i++) {
    const off = <usize>i << 2;
    if (flags != 0 && (load<u32>(flags + off) & mask) == 0) continue;
    if (sphere_visible(planes, load<i32>(x + off), load<i32>(y + off), load<i32>(z + off), r != 0 ? load<i32>(r + off) : 0)) {
      store<u32>(out + (<usize>n << 2), i);
      n++;
    }
  }
  return n;
}

// Many cameras in one pass over the SoA: outMasks[i] (u32) gets bit c set when sphere i is
// visible from camera c (planes of camera c at planes + c * 96). 1 <= cameras <= 32. Each
// block of four spheres is loaded once for all cameras. Entities filtered out by flags get 0.
export function frustum_cull_multi(planes: usize, cameras: u32, x: usize, y: usize, z: usize, r: usize, flags: usize, mask: u32, count: u32, outMasks: usize): void {
  let i: u32 = 0;
  const vMask = i32x4.splat(<i32>mask);
  const zero = i32x4.splat(0);
  for (; i + 4 <= count; i += 4) {
    const off = <usize>i << 2;
    const xs = to_metres4(x + off), ys = to_metres4(y + off), zs = to_metres4(z + off);
    const negR = r != 0 ? f32x4.neg(to_metres4(r + off)) : f32x4.splat(0);
    let masks = zero;
    for (let c: u32 = 0; c < cameras; c++) {
      const cp = planes + <usize>c * PLANES_BYTES;
      let pass = f32x4.ge(plane_dist4(cp, 0, xs, ys, zs), negR);
      for (let p: usize = 1; p < 6; p++) pass = v128.and(pass, f32x4.ge(plane_dist4(cp, p, xs, ys, zs), negR));
      masks = v128.or(masks, v128.and(pass, i32x4.splat(<i32>(<u32>1 << c))));
    }
    if (flags != 0) masks = v128.and(masks, i32x4.ne(v128.and(v128.load(flags + off), vMask), zero));
    v128.store(outMasks + off, masks);
  }
  for (; i < count; i++) {
    const off = <usize>i << 2;
    let m: u32 = 0;
    if (flags == 0 || (load<u32>(flags + off) & mask) != 0) {
      const xq = load<i32>(x + off), yq = load<i32>(y + off), zq = load<i32>(z + off);
      const rq = r != 0 ? load<i32>(r + off) : 0;
      for (let c: u32 = 0; c < cameras; c++) {
        if (sphere_visible(planes + <usize>c * PLANES_BYTES, xq, yq, zq, rq)) m |= <u32>1 << c;
      }
    }
    store<u32>(outMasks + off, m);
  }
}

// ---- through the index ----

let f_planes: usize = 0;
let f_negBound: f32 = 0;

function load_planes64(planes: usize): void {
  for (let p: usize = 0; p < 6; p++) {
    const src = planes + p * PLANE_BYTES;
    const dst = PLANES64 + p * 40;
    const d = <f64>load<f32>(src, 12);
    store<f64>(dst, <f64>load<f32>(src));
    store<f64>(dst, <f64>load<f32>(src, 4), 8);
    store<f64>(dst, <f64>load<f32>(src, 8), 16);
    store<f64>(dst, d, 24);
    store<f64>(dst, DELTA_M + Math.abs(d) * (1.0 / 4194304.0), 32);
  }
}

const OUTSIDE: i32 = 0;
const PARTIAL: i32 = 1;
const INSIDE: i32 = 2;

// Where the box [lo - e, lo + side + e] (Q16) lies against the frustum: OUTSIDE when beyond one
// plane by more than its delta, INSIDE when within every plane by more than its delta.
function classify(lx: f64, ly: f64, lz: f64, side: f64, e: f64): i32 {
  const x0 = (lx - e) * INV_Q16_64, x1 = (lx + side + e) * INV_Q16_64;
  const y0 = (ly - e) * INV_Q16_64, y1 = (ly + side + e) * INV_Q16_64;
  const z0 = (lz - e) * INV_Q16_64, z1 = (lz + side + e) * INV_Q16_64;
  let inside = true;
  for (let p: usize = 0; p < 6; p++) {
    const at = PLANES64 + p * 40;
    const nx = load<f64>(at), ny = load<f64>(at, 8), nz = load<f64>(at, 16), d = load<f64>(at, 24), delta = load<f64>(at, 32);
    const far = nx * (nx >= 0 ? x1 : x0) + ny * (ny >= 0 ? y1 : y0) + nz * (nz >= 0 ? z1 : z0) + d;
    if (far < -delta) return OUTSIDE;
    const near = nx * (nx >= 0 ? x0 : x1) + ny * (ny >= 0 ? y0 : y1) + nz * (nz >= 0 ? z0 : z1) + d;
    if (near < delta) inside = false;
  }
  return inside ? INSIDE : PARTIAL;
}

// Tests one leaf's entries: four at a time in v128 lanes (the block is transposed from AoS),
// the rest one by one. Lanes inside every plane are visible, lanes beyond the level's largest
// radius of some plane are not, and the few in between take the exact scalar test.
function frustum_leaf(start: u32, count: u32): void {
  const zero = f32x4.splat(0);
  const negBound = f32x4.splat(f_negBound);
  const inv = f32x4.splat(INV_Q16);
  let i: u32 = 0;
  for (; i + 4 <= count; i += 4) {
    const e = entry(start + i);
    const r0 = v128.load(e), r1 = v128.load(e, 16), r2 = v128.load(e, 32), r3 = v128.load(e, 48);
    // 4 x 4 transpose of (slot, x, y, z) rows into x, y, z columns.
    const lo01 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
    const hi01 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
    const lo23 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
    const hi23 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
    const xs = f32x4.mul(f32x4.convert_i32x4_s(v128.shuffle<i32>(lo01, lo23, 2, 3, 6, 7)), inv);
    const ys = f32x4.mul(f32x4.convert_i32x4_s(v128.shuffle<i32>(hi01, hi23, 0, 1, 4, 5)), inv);
    const zs = f32x4.mul(f32x4.convert_i32x4_s(v128.shuffle<i32>(hi01, hi23, 2, 3, 6, 7)), inv);
    const d0 = plane_dist4(f_planes, 0, xs, ys, zs);
    let inAll = f32x4.ge(d0, zero);
    let outAny = f32x4.lt(d0, negBound);
    for (let p: usize = 1; p < 6; p++) {
      const dist = plane_dist4(f_planes, p, xs, ys, zs);
      inAll = v128.and(inAll, f32x4.ge(dist, zero));
      outAny = v128.or(outAny, f32x4.lt(dist, negBound));
    }
    let accept = i32x4.bitmask(inAll);
    while (accept != 0) {
      const lane = ctz<i32>(accept);
      emit(load<u32>(e + (<usize>lane << 4)));
      accept &= accept - 1;
    }
    if (q_hasR) {
      let undecided = i32x4.bitmask(v128.not(v128.or(inAll, outAny)));
      while (undecided != 0) {
        const lane = ctz<i32>(undecided);
        const le = e + (<usize>lane << 4);
        const slot = load<u32>(le + E_SLOT);
        if (sphere_visible(f_planes, load<i32>(le + E_X), load<i32>(le + E_Y), load<i32>(le + E_Z), radius_q16(slot))) emit(slot);
        undecided &= undecided - 1;
      }
    }
  }
  for (; i < count; i++) {
    const e = entry(start + i);
    const slot = load<u32>(e + E_SLOT);
    if (sphere_visible(f_planes, load<i32>(e + E_X), load<i32>(e + E_Y), load<i32>(e + E_Z), q_hasR ? radius_q16(slot) : 0)) emit(slot);
  }
}

function frustum_cell(cell: usize, lx: f64, ly: f64, lz: f64, side: f64): void {
  const w = load<u32>(cell, 4);
  if ((w & SPLIT_BIT) == 0) {
    frustum_leaf(load<u32>(cell), w & COUNT_MASK);
    return;
  }
  const np = node(load<u32>(cell));
  const half = side * 0.5;
  for (let o: u32 = 0; o < 8; o++) {
    const child = np + <usize>o * CELL_BYTES;
    if (is_empty(child)) continue;
    const cx = lx + select<f64>(half, 0, (o & 1) != 0);
    const cy = ly + select<f64>(half, 0, (o & 2) != 0);
    const cz = lz + select<f64>(half, 0, (o & 4) != 0);
    const where = classify(cx, cy, cz, half, l_reach);
    if (where == INSIDE) emit_subtree(child);
    else if (where == PARTIAL) frustum_cell(child, cx, cy, cz, half);
  }
}

// Leaves this small are tested entity by entity: classifying the cell would cost as much.
const CLASSIFY_MIN: u32 = 8;

function visit_top(cell: usize, lx: f64, ly: f64, lz: f64): void {
  const w = load<u32>(cell, 4);
  if ((w & SPLIT_BIT) == 0 && (w & COUNT_MASK) <= CLASSIFY_MIN) {
    frustum_leaf(load<u32>(cell), w & COUNT_MASK);
    return;
  }
  const where = classify(lx, ly, lz, l_side, l_reach);
  if (where == INSIDE) emit_subtree(cell);
  else if (where == PARTIAL) frustum_cell(cell, lx, ly, lz, l_side);
}

// The cells [x0, x1] of row (cy, cz) whose widened boxes may reach inside every plane (by
// more than its delta): each plane bounds x given the most favourable y and z of the row.
// Sets row_x0 > row_x1 when none can.
let row_x0: u32 = 0;
let row_x1: u32 = 0;

function row_range(ly: f64, lz: f64, e: f64, x0: u32, x1: u32): void {
  const ylo = (ly - e) * INV_Q16_64, yhi = (ly + l_side + e) * INV_Q16_64;
  const zlo = (lz - e) * INV_Q16_64, zhi = (lz + l_side + e) * INV_Q16_64;
  let lo = (q_minX + <f64>x0 * l_side) * INV_Q16_64;
  let hi = (q_minX + <f64>(x1 + 1) * l_side) * INV_Q16_64;
  const eM = e * INV_Q16_64;
  for (let p: usize = 0; p < 6; p++) {
    const at = PLANES64 + p * 40;
    const nx = load<f64>(at), ny = load<f64>(at, 8), nz = load<f64>(at, 16), d = load<f64>(at, 24), delta = load<f64>(at, 32);
    // Need nx * x >= t for some x of the cell widened by e.
    const t = -delta - d - (ny * (ny >= 0 ? yhi : ylo) + nz * (nz >= 0 ? zhi : zlo));
    if (nx > 1e-12) lo = max<f64>(lo, t / nx - eM);
    else if (nx < -1e-12) hi = min<f64>(hi, t / nx + eM);
    else if (t > 0) {
      row_x0 = 1;
      row_x1 = 0;
      return;
    }
  }
  if (lo > hi) {
    row_x0 = 1;
    row_x1 = 0;
    return;
  }
  // One cell of slack on each side for rounding.
  row_x0 = max<u32>(x0, cell_of_f(lo * 65536 - l_side, q_minX, l_side, l_nx));
  row_x1 = min<u32>(x1, cell_of_f(hi * 65536 + l_side, q_minX, l_side, l_nx));
}

// Bounding box (Q16 units) of the volume with every plane pushed out by `pushM` metres: where
// the centre of a sphere of radius up to pushM that passes all six plane tests can lie. The
// plane test also passes spheres off the volume's corners, so this box, not the volume's box
// widened by the radius, bounds the cells to visit. Its vertices are among the intersections
// of plane triples (Cramer's rule); returns false when none is found (the caller walks all).
let v_x0: f64 = 0;
let v_y0: f64 = 0;
let v_z0: f64 = 0;
let v_x1: f64 = 0;
let v_y1: f64 = 0;
let v_z1: f64 = 0;

function pushed_box(pushM: f64): bool {
  v_x0 = Infinity;
  v_y0 = Infinity;
  v_z0 = Infinity;
  v_x1 = -Infinity;
  v_y1 = -Infinity;
  v_z1 = -Infinity;
  let found = false;
  for (let a: usize = 0; a < 6; a++) {
    for (let b = a + 1; b < 6; b++) {
      for (let c = b + 1; c < 6; c++) {
        const pa = PLANES64 + a * 40, pb = PLANES64 + b * 40, pc = PLANES64 + c * 40;
        const ax = load<f64>(pa), ay = load<f64>(pa, 8), az = load<f64>(pa, 16), ad = load<f64>(pa, 24) + pushM;
        const bx = load<f64>(pb), by = load<f64>(pb, 8), bz = load<f64>(pb, 16), bd = load<f64>(pb, 24) + pushM;
        const cx = load<f64>(pc), cy = load<f64>(pc, 8), cz = load<f64>(pc, 16), cd = load<f64>(pc, 24) + pushM;
        // b x c, c x a, a x b
        const bcx = by * cz - bz * cy, bcy = bz * cx - bx * cz, bcz = bx * cy - by * cx;
        const det = ax * bcx + ay * bcy + az * bcz;
        if (Math.abs(det) < 1e-12) continue;
        const cax = cy * az - cz * ay, cay = cz * ax - cx * az, caz = cx * ay - cy * ax;
        const abx = ay * bz - az * by, aby = az * bx - ax * bz, abz = ax * by - ay * bx;
        const px = -(ad * bcx + bd * cax + cd * abx) / det;
        const py = -(ad * bcy + bd * cay + cd * aby) / det;
        const pz = -(ad * bcz + bd * caz + cd * abz) / det;
        const tol = 1e-6 * (1 + Math.abs(px) + Math.abs(py) + Math.abs(pz));
        let inside = true;
        for (let q: usize = 0; q < 6; q++) {
          const pq = PLANES64 + q * 40;
          if (load<f64>(pq) * px + load<f64>(pq, 8) * py + load<f64>(pq, 16) * pz + load<f64>(pq, 24) + pushM < -tol) {
            inside = false;
            break;
          }
        }
        if (!inside) continue;
        found = true;
        v_x0 = min<f64>(v_x0, px);
        v_y0 = min<f64>(v_y0, py);
        v_z0 = min<f64>(v_z0, pz);
        v_x1 = max<f64>(v_x1, px);
        v_y1 = max<f64>(v_y1, py);
        v_z1 = max<f64>(v_z1, pz);
      }
    }
  }
  // Pad by a metre (far beyond f32 rounding) and convert to Q16 units.
  v_x0 = (v_x0 - 1) * 65536;
  v_y0 = (v_y0 - 1) * 65536;
  v_z0 = (v_z0 - 1) * 65536;
  v_x1 = (v_x1 + 1) * 65536;
  v_y1 = (v_y1 + 1) * 65536;
  v_z1 = (v_z1 + 1) * 65536;
  return found;
}

function frustum_run(idx: usize, frustum: usize): void {
  f_planes = frustum;
  load_planes64(frustum);
  // An unbounded volume has an infinite record box (TypeScript writes +-2^40): walk every cell.
  const bounded = load<f64>(frustum, F_AABB) > -1e12 && load<f64>(frustum, F_AABB + 40) < 1e12 &&
    load<f64>(frustum, F_AABB + 8) > -1e12 && load<f64>(frustum, F_AABB + 32) < 1e12 &&
    load<f64>(frustum, F_AABB + 16) > -1e12 && load<f64>(frustum, F_AABB + 24) < 1e12;
  for (let g: u32 = 0; g < q_levels; g++) {
    if (!begin_level(idx, g)) continue;
    f_negBound = -(<f32>l_bound * INV_Q16);
    let ax0 = -Infinity, ay0 = -Infinity, az0 = -Infinity, ax1 = Infinity, ay1 = Infinity, az1 = Infinity;
    if (bounded && pushed_box(l_reach * INV_Q16_64)) {
      ax0 = v_x0;
      ay0 = v_y0;
      az0 = v_z0;
      ax1 = v_x1;
      ay1 = v_y1;
      az1 = v_z1;
    }
    const x0 = cell_of_f(ax0, q_minX, l_side, l_nx), x1 = cell_of_f(ax1, q_minX, l_side, l_nx);
    const y0 = cell_of_f(ay0, q_minY, l_side, l_ny), y1 = cell_of_f(ay1, q_minY, l_side, l_ny);
    const z0 = cell_of_f(az0, q_minZ, l_side, l_nz), z1 = cell_of_f(az1, q_minZ, l_side, l_nz);
    const bx0 = x0 >> 2, bx1 = x1 >> 2, by0 = y0 >> 2, by1 = y1 >> 2, bz0 = z0 >> 2, bz1 = z1 >> 2;
    if (prefer_scan(<f64>(bx1 - bx0 + 1) * <f64>(by1 - by0 + 1) * <f64>(bz1 - bz0 + 1))) {
      const slots = <usize>1 << <usize>q_bits;
      for (let i: usize = 0; i < slots; i++) {
        const at = q_table + i * HASH_SLOT_BYTES;
        const key = load<i64>(at);
        if (key == EMPTY_KEY || key_level(key) != g) continue;
        const bx = key_bx(key), by = key_by(key), bz = key_bz(key);
        if (bx < bx0 || bx > bx1 || by < by0 || by > by1 || bz < bz0 || bz > bz1) continue;
        const cells = q_bricks + <usize>load<u32>(at, 8) * BRICK_BYTES;
        for (let ci: u32 = 0; ci < 64; ci++) {
          const cell = cells + <usize>ci * CELL_BYTES;
          if (is_empty(cell)) continue;
          const cx = (bx << 2) | (ci & 3), cy = (by << 2) | ((ci >> 2) & 3), cz = (bz << 2) | (ci >> 4);
          if (cx < x0 || cx > x1 || cy < y0 || cy > y1 || cz < z0 || cz > z1) continue;
          visit_top(cell, q_minX + <f64>cx * l_side, q_minY + <f64>cy * l_side, q_minZ + <f64>cz * l_side);
        }
      }
      continue;
    }
    // Row by row, only the cells the planes leave possible.
    for (let cz = z0; cz <= z1; cz++) {
      const lz = q_minZ + <f64>cz * l_side;
      for (let cy = y0; cy <= y1; cy++) {
        const ly = q_minY + <f64>cy * l_side;
        row_range(ly, lz, l_reach, x0, x1);
        for (let cx = row_x0; cx <= row_x1; cx++) {
          const cell = top_cell(cx, cy, cz);
          if (cell == 0 || is_empty(cell)) continue;
          visit_top(cell, q_minX + <f64>cx * l_side, ly, lz);
        }
      }
    }
  }
}

// Visible entities through the index: slots at `out` (up to cap), in cell order. Returns
// how many are visible.
export function spatial_frustum(idx: usize, frustum: usize, out: usize, cap: u32): u32 {
  begin_query(idx);
  begin_output(out, cap);
  frustum_run(idx, frustum);
  return q_n;
}

// Many cameras through the index, like spatial_radius_batch: frustum records j in
// [first, count) at frustums + j * FRUSTUM_BYTES; results of camera j at
// outIds[offsets[j] .. offsets[j] + counts[j]). Returns the cameras completed.
export function spatial_frustum_batch(
  idx: usize, frustums: usize, first: u32, count: u32, outIds: usize, outCap: u32, written: u32, offsets: usize, counts: usize,
): u32 {
  begin_query(idx);
  let at = written;
  let j = first;
  for (; j < count; j++) {
    begin_output(outIds + (<usize>at << 2), outCap - at);
    frustum_run(idx, frustums + <usize>j * FRUSTUM_BYTES);
    if (q_n > outCap - at) {
      store<u32>(idx + H_BATCH_NEED, q_n);
      break;
    }
    store<u32>(offsets + (<usize>j << 2), at);
    store<u32>(counts + (<usize>j << 2), q_n);
    at += q_n;
  }
  store<u32>(idx + H_BATCH_WRITTEN, at);
  return j;
}
