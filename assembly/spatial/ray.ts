// Ray / segment casts against entity spheres: the first hit, or every hit sorted by distance.
// The segment is o + t * u for t in [0, len] (u a unit vector, Q16 units as f64); an optional
// thickness turns it into a swept sphere (a capsule). Exact by this arithmetic (f64, in order),
// which the tests repeat:
//   w = p - o; b = (wx * ux + wy * uy) + wz * uz; R = ri + thickness;
//   c = ((wx * wx + wy * wy) + wz * wz) - R * R;
//   c <= 0: hit at t = 0 (the origin is inside the sphere);
//   else b < 0 or b * b - c < 0: miss; else t = b - sqrt(b * b - c), a hit when t <= len.
// Hits are ordered by (t, slot). The walk slices each level along the axis the ray moves most
// on, one cell thick, and visits the cells of each slice the widened segment can reach, in
// ray order, so a first-hit cast stops as soon as no later slice can beat its best hit.

import {
  BRICK_BYTES, CELL_BYTES, COUNT_MASK, EMPTY_KEY, ENTRY_BYTES, E_SLOT, E_X, E_Y, E_Z, HASH_SLOT_BYTES,
  NONE, SPLIT_BIT,
} from './layout';
import { cell_of_f, key_bx, key_by, key_bz, key_level } from './grid';
import {
  begin_level, begin_query, entry, is_empty, l_bound, l_nx, l_ny, l_nz, l_reach, l_side, node,
  prefer_scan, q_bits, q_bricks, q_hasR, q_levels, q_minX, q_minY, q_minZ, q_table, radius_of,
  top_cell,
} from './scan';

let y_ox: f64 = 0;
let y_oy: f64 = 0;
let y_oz: f64 = 0;
let y_ux: f64 = 0;
let y_uy: f64 = 0;
let y_uz: f64 = 0;
let y_len: f64 = 0;
let y_thick: f64 = 0;
let y_reach: f64 = 0;
let y_rmax: f64 = 0;
let y_all: bool = false;
let y_outIds: usize = 0;
let y_outT: usize = 0;
let y_cap: u32 = 0;
let y_n: u32 = 0;
let y_bestT: f64 = 0;
let y_bestId: u32 = NONE;

// @ts-ignore: decorator
@inline
function before(ta: f64, ia: u32, tb: f64, ib: u32): bool {
  return ta < tb || (ta == tb && ia < ib);
}

// Entry distance t of the segment into the sphere (x, y, z, R), or -1 for a miss.
// @ts-ignore: decorator
@inline
function enter_t(ww: f64, b: f64, R: f64): f64 {
  const c = ww - R * R;
  if (c <= 0) return 0;
  if (b < 0) return -1;
  const disc = b * b - c;
  if (disc < 0) return -1;
  const t = b - Math.sqrt(disc);
  return t <= y_len ? t : -1;
}

function hit(slot: u32, t: f64): void {
  if (!y_all) {
    if (y_bestId == NONE || before(t, slot, y_bestT, y_bestId)) {
      y_bestT = t;
      y_bestId = slot;
    }
    return;
  }
  if (y_n < y_cap) {
    store<u32>(y_outIds + (<usize>y_n << 2), slot);
    store<f64>(y_outT + (<usize>y_n << 3), t);
  }
  y_n++;
}

function ray_leaf(start: u32, count: u32): void {
  const base = entry(start);
  for (let i: u32 = 0; i < count; i++) {
    const e = base + <usize>i * ENTRY_BYTES;
    const wx = <f64>load<i32>(e + E_X) - y_ox;
    const wy = <f64>load<i32>(e + E_Y) - y_oy;
    const wz = <f64>load<i32>(e + E_Z) - y_oz;
    const b = wx * y_ux + wy * y_uy + wz * y_uz;
    const ww = wx * wx + wy * wy + wz * wz;
    // The largest sphere the level holds misses: so does this one (c, disc and t are
    // monotone in R), and its radius need not be read.
    const tWidest = enter_t(ww, b, y_rmax);
    if (tWidest < 0) continue;
    const slot = load<u32>(e + E_SLOT);
    if (!q_hasR) {
      hit(slot, tWidest);
      continue;
    }
    const t = enter_t(ww, b, radius_of(slot) + y_thick);
    if (t >= 0) hit(slot, t);
  }
}

// The segment's parameter interval inside the slabs tested so far (seg_meets).
let s_t0: f64 = 0;
let s_t1: f64 = 0;

// Narrows [s_t0, s_t1] to where the segment (origin o, direction u) lies within [lo, hi] on
// one axis; false once the interval is empty (a parallel segment outside the slab).
// @ts-ignore: decorator
@inline
function clip_slab(o: f64, u: f64, lo: f64, hi: f64): bool {
  if (u == 0) return o >= lo && o <= hi;
  let ta = (lo - o) / u, tb = (hi - o) / u;
  if (ta > tb) {
    const s = ta;
    ta = tb;
    tb = s;
  }
  s_t0 = max<f64>(s_t0, ta);
  s_t1 = min<f64>(s_t1, tb);
  return s_t0 <= s_t1;
}

// Whether the segment meets the box [lo - e, lo + side + e] (slab test).
function seg_meets(lx: f64, ly: f64, lz: f64, side: f64, e: f64): bool {
  s_t0 = 0;
  s_t1 = y_len;
  return clip_slab(y_ox, y_ux, lx - e, lx + side + e) &&
    clip_slab(y_oy, y_uy, ly - e, ly + side + e) &&
    clip_slab(y_oz, y_uz, lz - e, lz + side + e);
}

function ray_cell(cell: usize, lx: f64, ly: f64, lz: f64, side: f64): void {
  const w = load<u32>(cell, 4);
  if ((w & SPLIT_BIT) == 0) {
    ray_leaf(load<u32>(cell), w & COUNT_MASK);
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
    if (seg_meets(cx, cy, cz, half, y_reach)) ray_cell(child, cx, cy, cz, half);
  }
}

// @ts-ignore: decorator
@inline
function pick(axis: u32, x: f64, y: f64, z: f64): f64 {
  return axis == 0 ? x : axis == 1 ? y : z;
}

// @ts-ignore: decorator
@inline
function pick_u(axis: u32, x: u32, y: u32, z: u32): u32 {
  return axis == 0 ? x : axis == 1 ? y : z;
}

function ray_level(g: u32): void {
  const minX = q_minX, minY = q_minY, minZ = q_minZ;
  const e = y_reach;
  const ex = y_ox + y_ux * y_len, ey = y_oy + y_uy * y_len, ez = y_oz + y_uz * y_len;
  const ax = Math.abs(y_ux), ay = Math.abs(y_uy), az = Math.abs(y_uz);
  // a: the axis the ray moves most on (|u_a| >= 1/sqrt(3)); b, c: the other two in order.
  const a: u32 = ax >= ay && ax >= az ? 0 : ay >= az ? 1 : 2;
  const bAxis: u32 = a == 0 ? 1 : 0;
  const cAxis: u32 = a == 2 ? 1 : 2;
  const oa = pick(a, y_ox, y_oy, y_oz), ua = pick(a, y_ux, y_uy, y_uz), ea = pick(a, ex, ey, ez);
  const ob = pick(bAxis, y_ox, y_oy, y_oz), ub = pick(bAxis, y_ux, y_uy, y_uz);
  const oc = pick(cAxis, y_ox, y_oy, y_oz), uc = pick(cAxis, y_ux, y_uy, y_uz);
  const minA = pick(a, minX, minY, minZ), minB = pick(bAxis, minX, minY, minZ), minC = pick(cAxis, minX, minY, minZ);
  const nA = pick_u(a, l_nx, l_ny, l_nz), nB = pick_u(bAxis, l_nx, l_ny, l_nz), nC = pick_u(cAxis, l_nx, l_ny, l_nz);
  const k0 = cell_of_f(min<f64>(oa, ea) - e, minA, l_side, nA);
  const k1 = cell_of_f(max<f64>(oa, ea) + e, minA, l_side, nA);
  // Cells the slices may probe, at most: per slice the widened segment spans this many.
  const spanB = (Math.abs(ub / ua) * (l_side + 2 * e) + 2 * e) / l_side + 2;
  const spanC = (Math.abs(uc / ua) * (l_side + 2 * e) + 2 * e) / l_side + 2;
  if (prefer_scan(<f64>(k1 - k0 + 1) * min<f64>(spanB, <f64>nB) * min<f64>(spanC, <f64>nC) / 16)) {
    ray_scan_table(g);
    return;
  }
  const forward = ua > 0;
  const steps = k1 - k0 + 1;
  for (let s: u32 = 0; s < steps; s++) {
    const k = forward ? k0 + s : k1 - s;
    const slabLo = minA + <f64>k * l_side - e;
    const slabHi = slabLo + l_side + 2 * e;
    let ta = (slabLo - oa) / ua, tb = (slabHi - oa) / ua;
    if (ta > tb) {
      const sw = ta;
      ta = tb;
      tb = sw;
    }
    const t0 = max<f64>(ta, 0), t1 = min<f64>(tb, y_len);
    if (t0 > t1) continue;
    // Every hit in this slice or a later one has t >= t0.
    if (!y_all && y_bestId != NONE && y_bestT < t0) return;
    const b0 = ob + ub * t0, b1 = ob + ub * t1;
    const c0 = oc + uc * t0, c1 = oc + uc * t1;
    const kb0 = cell_of_f(min<f64>(b0, b1) - e, minB, l_side, nB), kb1 = cell_of_f(max<f64>(b0, b1) + e, minB, l_side, nB);
    const kc0 = cell_of_f(min<f64>(c0, c1) - e, minC, l_side, nC), kc1 = cell_of_f(max<f64>(c0, c1) + e, minC, l_side, nC);
    for (let kc = kc0; kc <= kc1; kc++) {
      for (let kb = kb0; kb <= kb1; kb++) {
        const cx = a == 0 ? k : kb;
        const cy = a == 1 ? k : a == 0 ? kb : kc;
        const cz = a == 2 ? k : kc;
        const lx = minX + <f64>cx * l_side, ly = minY + <f64>cy * l_side, lz = minZ + <f64>cz * l_side;
        if (!seg_meets(lx, ly, lz, l_side, e)) continue;
        const cell = top_cell(cx, cy, cz);
        if (cell != 0 && !is_empty(cell)) ray_cell(cell, lx, ly, lz, l_side);
      }
    }
  }
}

function ray_scan_table(g: u32): void {
  const slots = <usize>1 << <usize>q_bits;
  for (let i: usize = 0; i < slots; i++) {
    const at = q_table + i * HASH_SLOT_BYTES;
    const key = load<i64>(at);
    if (key == EMPTY_KEY || key_level(key) != g) continue;
    const cells = q_bricks + <usize>load<u32>(at, 8) * BRICK_BYTES;
    const bx = key_bx(key) << 2, by = key_by(key) << 2, bz = key_bz(key) << 2;
    for (let ci: u32 = 0; ci < 64; ci++) {
      const cell = cells + <usize>ci * CELL_BYTES;
      if (is_empty(cell)) continue;
      const lx = q_minX + <f64>(bx | (ci & 3)) * l_side;
      const ly = q_minY + <f64>(by | ((ci >> 2) & 3)) * l_side;
      const lz = q_minZ + <f64>(bz | (ci >> 4)) * l_side;
      if (seg_meets(lx, ly, lz, l_side, y_reach)) ray_cell(cell, lx, ly, lz, l_side);
    }
  }
}

// Sorts the `n` hits at y_outIds / y_outT by (t, slot) (heapsort, in place).
function sort_hits(n: u32): void {
  for (let start = n >> 1; start > 0; start--) sift(start - 1, n);
  for (let end = n; end > 1; end--) {
    swap(0, end - 1);
    sift(0, end - 1);
  }
}

function swap(i: u32, j: u32): void {
  const ti = load<f64>(y_outT + (<usize>i << 3)), ii = load<u32>(y_outIds + (<usize>i << 2));
  store<f64>(y_outT + (<usize>i << 3), load<f64>(y_outT + (<usize>j << 3)));
  store<u32>(y_outIds + (<usize>i << 2), load<u32>(y_outIds + (<usize>j << 2)));
  store<f64>(y_outT + (<usize>j << 3), ti);
  store<u32>(y_outIds + (<usize>j << 2), ii);
}

function sift(i: u32, n: u32): void {
  while (true) {
    const l: u32 = 2 * i + 1;
    if (l >= n) return;
    let c = l;
    const r: u32 = l + 1;
    if (r < n && before(load<f64>(y_outT + (<usize>l << 3)), load<u32>(y_outIds + (<usize>l << 2)), load<f64>(y_outT + (<usize>r << 3)), load<u32>(y_outIds + (<usize>r << 2)))) c = r;
    if (!before(load<f64>(y_outT + (<usize>i << 3)), load<u32>(y_outIds + (<usize>i << 2)), load<f64>(y_outT + (<usize>c << 3)), load<u32>(y_outIds + (<usize>c << 2)))) return;
    swap(i, c);
    i = c;
  }
}

// Casts the segment (origin o, unit direction u, length len, thickness; Q16 units as f64).
// mode 0: the first hit only (count 0 or 1); mode 1: every hit, sorted by (t, slot) when they
// fit in `cap`. Slots at outIds (u32), entry distances at outT (f64, Q16 units). Returns the
// number of hits (beyond cap in mode 1: the caller grows and casts again).
export function spatial_ray(
  idx: usize, ox: f64, oy: f64, oz: f64, ux: f64, uy: f64, uz: f64, len: f64, thick: f64,
  mode: u32, outIds: usize, outT: usize, cap: u32,
): u32 {
  begin_query(idx);
  y_ox = ox;
  y_oy = oy;
  y_oz = oz;
  y_ux = ux;
  y_uy = uy;
  y_uz = uz;
  y_len = len;
  y_thick = thick;
  y_all = mode == 1;
  y_outIds = outIds;
  y_outT = outT;
  y_cap = cap;
  y_n = 0;
  y_bestId = NONE;
  y_bestT = 0;
  for (let g: u32 = 0; g < q_levels; g++) {
    if (!begin_level(idx, g)) continue;
    y_reach = l_reach + thick;
    y_rmax = l_bound + thick;
    ray_level(g);
  }
  if (!y_all) {
    if (y_bestId == NONE || cap == 0) return y_bestId == NONE ? 0 : 1;
    store<u32>(outIds, y_bestId);
    store<f64>(outT, y_bestT);
    return 1;
  }
  if (y_n <= cap) sort_hits(y_n);
  return y_n;
}
