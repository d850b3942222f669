// Radius (sphere) and axis-aligned box queries, single and batched. Exact by definition, and
// the definition is arithmetic the tests repeat in TypeScript (f64, in this order):
//   radius: entity i matches when d2 <= (r + ri) * (r + ri), with
//           d2 = (dx * dx + dy * dy) + dz * dz and dx = xi - cx (Q16 units as f64);
//           ri = 0 for an index without radii. Boundaries are inclusive.
//   box:    entity i matches when its sphere touches [min, max] (inclusive): with
//           dx = xi < minX ? minX - xi : xi > maxX ? xi - maxX : 0 (same for y, z),
//           (dx * dx + dy * dy) + dz * dz <= ri * ri.
// The walk per level: the bricks under the query's cell range (one probe each), the cells of
// each brick whose box widened by the level's reach (margin + largest radius + slack) touches
// the query, their octree children likewise, then each leaf's contiguous block of entries.
// Ids come out in cell order; a query counts past `cap` without writing.

import {
  BRICK_BYTES, CELL_BYTES, COUNT_MASK, EMPTY_KEY, ENTRY_BYTES, E_SLOT, E_X, E_Y, E_Z,
  HASH_SLOT_BYTES, H_BATCH_NEED, H_BATCH_WRITTEN, H_MIN_X, H_MIN_Y, H_SRC_X, H_SRC_Y, H_SRC_Z, NONE,
  SPLIT_BIT,
} from './layout';
import { cell_of_f, key_bx, key_by, key_bz, key_level, level_at, make_key } from './grid';
import {
  begin_level, begin_output, begin_query, box_dist2, emit, emit_subtree, entry, is_empty, l_bound, l_nx, l_ny,
  l_nz, l_reach, l_side, node, prefer_scan, probe, q_bits, q_bricks, q_hasR, q_levels, q_minX,
  q_minY, q_minZ, q_n, q_skip, q_table, radius_of,
} from './scan';

// ---- radius ----

let r_cx: f64 = 0;
let r_cy: f64 = 0;
let r_cz: f64 = 0;
let r_r: f64 = 0;
let r_rr: f64 = 0;
// (r + level bound)^2: beyond it no entity of the level can match, so its radius is not read.
let r_rb2: f64 = 0;
// A cell whose widened box lies within this squared distance of the centre is wholly inside:
// every entity of it matches (d <= r <= r + ri), so its ids are copied without tests. Shrunk
// by 1e-9 relative to r so that f64 rounding of d2 cannot disagree at the boundary.
let r_inside2: f64 = 0;

// Squared distance from the centre to the farthest corner of [lo - e, lo + side + e].
// @ts-ignore: decorator
@inline
function far2(lx: f64, ly: f64, lz: f64, side: f64, e: f64): f64 {
  const dx = max<f64>(abs<f64>(lx - e - r_cx), abs<f64>(lx + side + e - r_cx));
  const dy = max<f64>(abs<f64>(ly - e - r_cy), abs<f64>(ly + side + e - r_cy));
  const dz = max<f64>(abs<f64>(lz - e - r_cz), abs<f64>(lz + side + e - r_cz));
  return dx * dx + dy * dy + dz * dz;
}

function radius_leaf(start: u32, count: u32): void {
  const base = entry(start);
  for (let i: u32 = 0; i < count; i++) {
    const e = base + <usize>i * ENTRY_BYTES;
    const dx = <f64>load<i32>(e + E_X) - r_cx;
    const dy = <f64>load<i32>(e + E_Y) - r_cy;
    const dz = <f64>load<i32>(e + E_Z) - r_cz;
    const d2 = dx * dx + dy * dy + dz * dz;
    if (d2 <= r_rr) {
      emit(load<u32>(e + E_SLOT));
    } else if (q_hasR && d2 <= r_rb2) {
      const slot = load<u32>(e + E_SLOT);
      const t = r_r + radius_of(slot);
      if (d2 <= t * t) emit(slot);
    }
  }
}

function radius_cell(cell: usize, lx: f64, ly: f64, lz: f64, side: f64): void {
  if (far2(lx, ly, lz, side, l_reach) <= r_inside2) {
    emit_subtree(cell);
    return;
  }
  const w = load<u32>(cell, 4);
  if ((w & SPLIT_BIT) == 0) {
    radius_leaf(load<u32>(cell), w & COUNT_MASK);
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
    if (box_dist2(r_cx, r_cy, r_cz, cx, cy, cz, half, l_reach) > r_rr) continue;
    radius_cell(child, cx, cy, cz, half);
  }
}

// The cells of one brick inside the cell range, pruned by their widened box's distance.
function radius_brick(cells: usize, bx: u32, by: u32, bz: u32, x0: u32, x1: u32, y0: u32, y1: u32, z0: u32, z1: u32): void {
  const e = l_reach;
  const zs = max<u32>(z0, bz << 2), ze = min<u32>(z1, (bz << 2) + 3);
  const ys = max<u32>(y0, by << 2), ye = min<u32>(y1, (by << 2) + 3);
  const xs = max<u32>(x0, bx << 2), xe = min<u32>(x1, (bx << 2) + 3);
  for (let cz = zs; cz <= ze; cz++) {
    const lz = q_minZ + <f64>cz * l_side;
    const dz = max<f64>(max<f64>(lz - e - r_cz, r_cz - (lz + l_side + e)), 0);
    const dz2 = dz * dz;
    if (dz2 > r_rr) continue;
    for (let cy = ys; cy <= ye; cy++) {
      const ly = q_minY + <f64>cy * l_side;
      const dy = max<f64>(max<f64>(ly - e - r_cy, r_cy - (ly + l_side + e)), 0);
      const dyz2 = dy * dy + dz2;
      if (dyz2 > r_rr) continue;
      const row = cells + <usize>(((cz & 3) << 4) | ((cy & 3) << 2)) * CELL_BYTES;
      for (let cx = xs; cx <= xe; cx++) {
        const cell = row + <usize>(cx & 3) * CELL_BYTES;
        const w = load<u32>(cell, 4);
        if ((w & (SPLIT_BIT | COUNT_MASK)) == 0) continue;
        const lx = q_minX + <f64>cx * l_side;
        const dx = max<f64>(max<f64>(lx - e - r_cx, r_cx - (lx + l_side + e)), 0);
        if (dx * dx + dyz2 > r_rr) continue;
        radius_cell(cell, lx, ly, lz, l_side);
      }
    }
  }
}

// Every existing brick of level g under the cell range [x0, x1] x [y0, y1] x [z0, z1], handed
// to the radius or the box query's brick visitor: one probe per brick of the range, or a pass
// over the whole brick table when the range holds more bricks than probing pays for.
function walk_bricks(g: u32, x0: u32, x1: u32, y0: u32, y1: u32, z0: u32, z1: u32, isBox: bool): void {
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
      if (isBox) box_brick(cells, bx, by, bz, x0, x1, y0, y1, z0, z1);
      else radius_brick(cells, bx, by, bz, x0, x1, y0, y1, z0, z1);
    }
    return;
  }
  for (let bz = bz0; bz <= bz1; bz++) {
    for (let by = by0; by <= by1; by++) {
      for (let bx = bx0; bx <= bx1; bx++) {
        const cells = probe(make_key(g, bx, by, bz));
        if (cells == 0) continue;
        if (isBox) box_brick(cells, bx, by, bz, x0, x1, y0, y1, z0, z1);
        else radius_brick(cells, bx, by, bz, x0, x1, y0, y1, z0, z1);
      }
    }
  }
}

// Runs the radius query set up in r_* over every level; results via emit().
function radius_run(idx: usize): void {
  for (let g: u32 = 0; g < q_levels; g++) {
    if (!begin_level(idx, g)) continue;
    const reach = r_r + l_reach;
    const rb = r_r + l_bound;
    r_rb2 = rb * rb;
    const x0 = cell_of_f(r_cx - reach, q_minX, l_side, l_nx), x1 = cell_of_f(r_cx + reach, q_minX, l_side, l_nx);
    const y0 = cell_of_f(r_cy - reach, q_minY, l_side, l_ny), y1 = cell_of_f(r_cy + reach, q_minY, l_side, l_ny);
    const z0 = cell_of_f(r_cz - reach, q_minZ, l_side, l_nz), z1 = cell_of_f(r_cz + reach, q_minZ, l_side, l_nz);
    walk_bricks(g, x0, x1, y0, y1, z0, z1, false);
  }
}

function radius_setup(cx: f64, cy: f64, cz: f64, r: f64): void {
  r_cx = cx;
  r_cy = cy;
  r_cz = cz;
  r_r = r;
  r_rr = r * r;
  const inner = r * (1 - 1e-9);
  r_inside2 = inner * inner;
}

// Entities whose sphere touches the sphere (cx, cy, cz, r) (Q16 units as f64). Writes up to
// `cap` slots at `out` and returns how many match (more than cap: the caller grows and asks
// again).
export function spatial_radius(idx: usize, cx: f64, cy: f64, cz: f64, r: f64, out: usize, cap: u32): u32 {
  begin_query(idx);
  begin_output(out, cap);
  radius_setup(cx, cy, cz, r);
  radius_run(idx);
  return q_n;
}

// Radix sort digit counts: 256 buckets of u32 (one byte of the key per pass).
const RADIX_COUNTS: usize = memory.data(1024, 16);

// @ts-ignore: decorator
@inline
function spread16(v: u32): u32 {
  let x = v & 0xFFFF;
  x = (x | (x << 8)) & 0x00FF00FF;
  x = (x | (x << 4)) & 0x0F0F0F0F;
  x = (x | (x << 2)) & 0x33333333;
  x = (x | (x << 1)) & 0x55555555;
  return x;
}

// The order to run `count` batch queries in: by the Morton (Z-order) code of their base-level
// cell, so consecutive queries touch the same bricks and entries while they are in cache.
// Writes query indices to `order` (u32 x count); `keys`, `tmpOrder` and `tmpKeys` are scratch
// of the same size. LSD radix sort, four byte-wide passes.
export function spatial_batch_order(
  idx: usize, qx: usize, qy: usize, qidx: usize, count: u32, order: usize, keys: usize, tmpOrder: usize, tmpKeys: usize,
): void {
  const lv = level_at(idx, 0);
  const side = <f64>load<i64>(lv);
  const minX = <f64>load<i32>(idx + H_MIN_X), minY = <f64>load<i32>(idx + H_MIN_Y);
  const sx = <usize>load<u32>(idx + H_SRC_X), sy = <usize>load<u32>(idx + H_SRC_Y);
  for (let j: u32 = 0; j < count; j++) {
    const off = <usize>j << 2;
    let x: f64, y: f64;
    if (qidx != 0) {
      const soff = <usize>load<u32>(qidx + off) << 2;
      x = <f64>load<i32>(sx + soff);
      y = <f64>load<i32>(sy + soff);
    } else {
      x = <f64>load<i32>(qx + off);
      y = <f64>load<i32>(qy + off);
    }
    const cx = <u32>min<f64>(max<f64>((x - minX) / side, 0), 65535);
    const cy = <u32>min<f64>(max<f64>((y - minY) / side, 0), 65535);
    store<u32>(keys + off, spread16(cx) | (spread16(cy) << 1));
    store<u32>(order + off, j);
  }
  let srcK = keys, srcO = order, dstK = tmpKeys, dstO = tmpOrder;
  for (let shift: u32 = 0; shift < 32; shift += 8) {
    memory.fill(RADIX_COUNTS, 0, 1024);
    for (let j: u32 = 0; j < count; j++) {
      const b = RADIX_COUNTS + (<usize>((load<u32>(srcK + (<usize>j << 2)) >> shift) & 0xFF) << 2);
      store<u32>(b, load<u32>(b) + 1);
    }
    let sum: u32 = 0;
    for (let d: usize = 0; d < 256; d++) {
      const c = load<u32>(RADIX_COUNTS + (d << 2));
      store<u32>(RADIX_COUNTS + (d << 2), sum);
      sum += c;
    }
    for (let j: u32 = 0; j < count; j++) {
      const k = load<u32>(srcK + (<usize>j << 2));
      const b = RADIX_COUNTS + (<usize>((k >> shift) & 0xFF) << 2);
      const at = <usize>load<u32>(b) << 2;
      store<u32>(b, load<u32>(b) + 1);
      store<u32>(dstK + at, k);
      store<u32>(dstO + at, load<u32>(srcO + (<usize>j << 2)));
    }
    const tk = srcK, to = srcO;
    srcK = dstK;
    srcO = dstO;
    dstK = tk;
    dstO = to;
  }
  // Four passes end back in `keys` / `order`.
}

// Many radius queries in one call: the work interest management does for every client each
// tick. Query j is centred at (qx[j], qy[j], qz[j]) (Q16 i32) or, when qidx != 0, at the
// source position of slot qidx[j]; its radius is qr[j] (Q16 i32) when qr != 0, else rConst.
// With `excludeSelf` (flags bit 0) and qidx, slot qidx[j] is left out of its own results.
// Results of query j are ids[offsets[j] .. offsets[j] + counts[j]) in `outIds`. Queries run
// in the order given by `order` (query indices, from spatial_batch_order; 0: 0, 1, 2, ...),
// positions [first, count) of it; `written` ids are already in outIds (a resumed call).
// Returns the positions completed: less than `count` when the query at that position did not
// fit in outCap, in which case nothing of it is kept, H_BATCH_WRITTEN holds the ids written and
// H_BATCH_NEED the ids it needs, so the caller can grow and resume there.
export function spatial_radius_batch(
  idx: usize, qx: usize, qy: usize, qz: usize, qidx: usize, qr: usize, rConst: f64, order: usize,
  first: u32, count: u32, outIds: usize, outCap: u32, written: u32, offsets: usize, counts: usize, flags: u32,
): u32 {
  begin_query(idx);
  const sx = <usize>load<u32>(idx + H_SRC_X), sy = <usize>load<u32>(idx + H_SRC_Y), sz = <usize>load<u32>(idx + H_SRC_Z);
  const excludeSelf = (flags & 1) != 0 && qidx != 0;
  let at = written;
  let p = first;
  for (; p < count; p++) {
    const j = order != 0 ? load<u32>(order + (<usize>p << 2)) : p;
    const off = <usize>j << 2;
    let cx: f64, cy: f64, cz: f64;
    if (qidx != 0) {
      const slot = load<u32>(qidx + off);
      const soff = <usize>slot << 2;
      cx = <f64>load<i32>(sx + soff);
      cy = <f64>load<i32>(sy + soff);
      cz = <f64>load<i32>(sz + soff);
      q_skip = excludeSelf ? slot : NONE;
    } else {
      cx = <f64>load<i32>(qx + off);
      cy = <f64>load<i32>(qy + off);
      cz = <f64>load<i32>(qz + off);
    }
    const r = qr != 0 ? <f64>load<i32>(qr + off) : rConst;
    begin_output(outIds + (<usize>at << 2), outCap - at);
    radius_setup(cx, cy, cz, r);
    radius_run(idx);
    if (q_n > outCap - at) {
      store<u32>(idx + H_BATCH_NEED, q_n);
      break;
    }
    store<u32>(offsets + off, at);
    store<u32>(counts + off, q_n);
    at += q_n;
  }
  store<u32>(idx + H_BATCH_WRITTEN, at);
  return p;
}

// ---- box ----

let b_x0: f64 = 0;
let b_y0: f64 = 0;
let b_z0: f64 = 0;
let b_x1: f64 = 0;
let b_y1: f64 = 0;
let b_z1: f64 = 0;
let b_bound2: f64 = 0;

function box_leaf(start: u32, count: u32): void {
  const base = entry(start);
  for (let i: u32 = 0; i < count; i++) {
    const e = base + <usize>i * ENTRY_BYTES;
    const x = <f64>load<i32>(e + E_X);
    const y = <f64>load<i32>(e + E_Y);
    const z = <f64>load<i32>(e + E_Z);
    const dx = x < b_x0 ? b_x0 - x : x > b_x1 ? x - b_x1 : 0;
    const dy = y < b_y0 ? b_y0 - y : y > b_y1 ? y - b_y1 : 0;
    const dz = z < b_z0 ? b_z0 - z : z > b_z1 ? z - b_z1 : 0;
    if (dx == 0 && dy == 0 && dz == 0) {
      emit(load<u32>(e + E_SLOT));
    } else if (q_hasR) {
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 <= b_bound2) {
        const slot = load<u32>(e + E_SLOT);
        const ri = radius_of(slot);
        if (d2 <= ri * ri) emit(slot);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function box_touches(lx: f64, ly: f64, lz: f64, side: f64, e: f64): bool {
  return lx - e <= b_x1 && lx + side + e >= b_x0 &&
    ly - e <= b_y1 && ly + side + e >= b_y0 &&
    lz - e <= b_z1 && lz + side + e >= b_z0;
}

function box_cell(cell: usize, lx: f64, ly: f64, lz: f64, side: f64): void {
  const e = l_reach;
  // Widened box inside the query box: every entity's centre is inside, so it matches.
  if (lx - e >= b_x0 && lx + side + e <= b_x1 && ly - e >= b_y0 && ly + side + e <= b_y1 && lz - e >= b_z0 && lz + side + e <= b_z1) {
    emit_subtree(cell);
    return;
  }
  const w = load<u32>(cell, 4);
  if ((w & SPLIT_BIT) == 0) {
    box_leaf(load<u32>(cell), w & COUNT_MASK);
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
    if (box_touches(cx, cy, cz, half, l_reach)) box_cell(child, cx, cy, cz, half);
  }
}

function box_brick(cells: usize, bx: u32, by: u32, bz: u32, x0: u32, x1: u32, y0: u32, y1: u32, z0: u32, z1: u32): void {
  const zs = max<u32>(z0, bz << 2), ze = min<u32>(z1, (bz << 2) + 3);
  const ys = max<u32>(y0, by << 2), ye = min<u32>(y1, (by << 2) + 3);
  const xs = max<u32>(x0, bx << 2), xe = min<u32>(x1, (bx << 2) + 3);
  for (let cz = zs; cz <= ze; cz++) {
    const lz = q_minZ + <f64>cz * l_side;
    for (let cy = ys; cy <= ye; cy++) {
      const ly = q_minY + <f64>cy * l_side;
      const row = cells + <usize>(((cz & 3) << 4) | ((cy & 3) << 2)) * CELL_BYTES;
      for (let cx = xs; cx <= xe; cx++) {
        const cell = row + <usize>(cx & 3) * CELL_BYTES;
        const w = load<u32>(cell, 4);
        if ((w & (SPLIT_BIT | COUNT_MASK)) == 0) continue;
        box_cell(cell, q_minX + <f64>cx * l_side, ly, lz, l_side);
      }
    }
  }
}

// Entities whose sphere touches the box [x0, x1] x [y0, y1] x [z0, z1] (Q16 units as f64,
// inclusive). Writes up to `cap` slots at `out`; returns how many match.
export function spatial_box(idx: usize, x0: f64, y0: f64, z0: f64, x1: f64, y1: f64, z1: f64, out: usize, cap: u32): u32 {
  begin_query(idx);
  begin_output(out, cap);
  b_x0 = x0;
  b_y0 = y0;
  b_z0 = z0;
  b_x1 = x1;
  b_y1 = y1;
  b_z1 = z1;
  for (let g: u32 = 0; g < q_levels; g++) {
    if (!begin_level(idx, g)) continue;
    const e = l_reach;
    b_bound2 = l_bound * l_bound;
    // Cells whose widened box touches the query box (the cell range is exact for boxes).
    const cx0 = cell_of_f(x0 - e, q_minX, l_side, l_nx), cx1 = cell_of_f(x1 + e, q_minX, l_side, l_nx);
    const cy0 = cell_of_f(y0 - e, q_minY, l_side, l_ny), cy1 = cell_of_f(y1 + e, q_minY, l_side, l_ny);
    const cz0 = cell_of_f(z0 - e, q_minZ, l_side, l_nz), cz1 = cell_of_f(z1 + e, q_minZ, l_side, l_nz);
    walk_bricks(g, cx0, cx1, cy0, cy1, cz0, cz1, true);
  }
  return q_n;
}
