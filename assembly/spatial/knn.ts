// k nearest neighbours by expanding shells of cells, exact. The distance of entity i from the
// point is key_i = max(0, sqrt(d2) - ri) (f64, d2 as in query.ts; ri = 0 without radii): the
// gap between the point and the entity's sphere. Order is (key, slot) ascending, so equal
// distances are broken by the smaller slot.
//
// Per level, ring t holds the cells at Chebyshev distance t from the point's cell; nothing in
// ring t can be nearer than the nearest face of the cube of rings < t, less the level's
// reach, so a level stops once the heap holds k entities and that bound exceeds the k-th key. When a level's rings would cost more probes
// than scanning the hash table, the remaining rings are visited by scanning it instead.
// The caller's output arrays are the heap (a max-heap on (key, slot)), sorted in place at the
// end: no scratch memory.

import {
  BRICK_BYTES, CELL_BYTES, COUNT_MASK, EMPTY_KEY, ENTRY_BYTES, E_SLOT, E_X, E_Y, E_Z, HASH_SLOT_BYTES,
  H_MAX_Z, L_COUNT, L_TOPS, SPLIT_BIT,
} from './layout';
import { cell_of_f, key_bx, key_by, key_bz, key_level, level_at } from './grid';
import {
  begin_level, begin_query, box_dist2, entry, is_empty, l_bound, l_nx, l_ny, l_nz, l_reach, l_side,
  node, q_bits, q_bricks, q_hasR, q_levels, q_minX, q_minY, q_minZ, q_table, radius_of, top_cell,
} from './scan';

let k_ids: usize = 0;
let k_keys: usize = 0;
let k_k: u32 = 0;
let k_n: u32 = 0;
let k_px: f64 = 0;
let k_py: f64 = 0;
let k_pz: f64 = 0;
// Squared thresholds derived from the k-th key once the heap is full (else +inf): an entity
// farther than k_reject2 (squared centre distance) cannot enter, nor a cell box farther than
// k_prune2. The 1e-12 widening keeps both conservative under f64 rounding, so the sqrt of the
// exact definition is taken only for entities that may enter.
let k_reject2: f64 = Infinity;
let k_prune2: f64 = Infinity;

// While an estimated search radius is tried (guess_pass), keys beyond it are not offered.
let k_guess: f64 = Infinity;

function refresh_bounds(): void {
  const w = (k_n < k_k ? k_guess : min<f64>(k_guess, load<f64>(k_keys))) * (1 + 1e-12);
  if (w == Infinity) {
    k_reject2 = Infinity;
    k_prune2 = Infinity;
    return;
  }
  const r = (w + l_bound) * (1 + 1e-12);
  k_reject2 = r * r;
  k_prune2 = w * w;
}

// @ts-ignore: decorator
@inline
function before(ka: f64, ia: u32, kb: f64, ib: u32): bool {
  return ka < kb || (ka == kb && ia < ib);
}

// @ts-ignore: decorator
@inline
function full(): bool {
  return k_n == k_k;
}

// @ts-ignore: decorator
@inline
function worst(): f64 {
  return load<f64>(k_keys);
}

function sift_down(i: u32, n: u32): void {
  const key = load<f64>(k_keys + (<usize>i << 3));
  const id = load<u32>(k_ids + (<usize>i << 2));
  while (true) {
    const l: u32 = 2 * i + 1;
    if (l >= n) break;
    let c = l;
    const lk = load<f64>(k_keys + (<usize>l << 3));
    const li = load<u32>(k_ids + (<usize>l << 2));
    let ck = lk, ci = li;
    const r: u32 = l + 1;
    if (r < n) {
      const rk = load<f64>(k_keys + (<usize>r << 3));
      const ri = load<u32>(k_ids + (<usize>r << 2));
      if (before(lk, li, rk, ri)) {
        c = r;
        ck = rk;
        ci = ri;
      }
    }
    if (!before(key, id, ck, ci)) break;
    store<f64>(k_keys + (<usize>i << 3), ck);
    store<u32>(k_ids + (<usize>i << 2), ci);
    i = c;
  }
  store<f64>(k_keys + (<usize>i << 3), key);
  store<u32>(k_ids + (<usize>i << 2), id);
}

function offer(key: f64, id: u32): void {
  if (k_n < k_k) {
    let i = k_n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = load<f64>(k_keys + (<usize>p << 3));
      const pi = load<u32>(k_ids + (<usize>p << 2));
      if (!before(pk, pi, key, id)) break;
      store<f64>(k_keys + (<usize>i << 3), pk);
      store<u32>(k_ids + (<usize>i << 2), pi);
      i = p;
    }
    store<f64>(k_keys + (<usize>i << 3), key);
    store<u32>(k_ids + (<usize>i << 2), id);
    if (k_n == k_k) refresh_bounds();
    return;
  }
  if (!before(key, id, worst(), load<u32>(k_ids))) return;
  store<f64>(k_keys, key);
  store<u32>(k_ids, id);
  sift_down(0, k_n);
  refresh_bounds();
}

function knn_leaf(start: u32, count: u32): void {
  const base = entry(start);
  for (let i: u32 = 0; i < count; i++) {
    const e = base + <usize>i * ENTRY_BYTES;
    const dx = <f64>load<i32>(e + E_X) - k_px;
    const dy = <f64>load<i32>(e + E_Y) - k_py;
    const dz = <f64>load<i32>(e + E_Z) - k_pz;
    const d2 = dx * dx + dy * dy + dz * dz;
    if (d2 > k_reject2) continue;
    const slot = load<u32>(e + E_SLOT);
    let key = Math.sqrt(d2);
    if (q_hasR) {
      key = key - radius_of(slot);
      if (key < 0) key = 0;
    }
    if (!full() || before(key, slot, worst(), load<u32>(k_ids))) offer(key, slot);
  }
}

// Whether a box widened by the level's reach may hold an entity that enters the heap.
// @ts-ignore: decorator
@inline
function may_improve(lx: f64, ly: f64, lz: f64, side: f64): bool {
  return box_dist2(k_px, k_py, k_pz, lx, ly, lz, side, l_reach) <= k_prune2;
}

function knn_cell(cell: usize, lx: f64, ly: f64, lz: f64, side: f64): void {
  const w = load<u32>(cell, 4);
  if ((w & SPLIT_BIT) == 0) {
    knn_leaf(load<u32>(cell), w & COUNT_MASK);
    return;
  }
  const np = node(load<u32>(cell));
  const half = side * 0.5;
  // Nearer octants first so the heap tightens sooner: the point's own octant, then the rest.
  const own: u32 = (k_px >= lx + half ? 1 : 0) | (k_py >= ly + half ? 2 : 0) | (k_pz >= lz + half ? 4 : 0);
  for (let i: u32 = 0; i < 8; i++) {
    const o = i ^ own;
    const child = np + <usize>o * CELL_BYTES;
    if (is_empty(child)) continue;
    const cx = lx + select<f64>(half, 0, (o & 1) != 0);
    const cy = ly + select<f64>(half, 0, (o & 2) != 0);
    const cz = lz + select<f64>(half, 0, (o & 4) != 0);
    if (may_improve(cx, cy, cz, half)) knn_cell(child, cx, cy, cz, half);
  }
}

// @ts-ignore: decorator
@inline
function abs_diff(a: u32, b: u32): u32 {
  return a > b ? a - b : b - a;
}

function visit_cell(cx: u32, cy: u32, cz: u32): void {
  const lx = q_minX + <f64>cx * l_side;
  const ly = q_minY + <f64>cy * l_side;
  const lz = q_minZ + <f64>cz * l_side;
  if (!may_improve(lx, ly, lz, l_side)) return;
  const cell = top_cell(cx, cy, cz);
  if (cell != 0 && !is_empty(cell)) knn_cell(cell, lx, ly, lz, l_side);
}

// Visits every top cell of level g at Chebyshev distance >= t from (c0x, c0y, c0z) by scanning
// the brick table.
function scan_from_ring(g: u32, t: u32, c0x: u32, c0y: u32, c0z: u32): void {
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
      const cx = bx | (ci & 3), cy = by | ((ci >> 2) & 3), cz = bz | (ci >> 4);
      if (max<u32>(abs_diff(cx, c0x), max<u32>(abs_diff(cy, c0y), abs_diff(cz, c0z))) < t) continue;
      const lx = q_minX + <f64>cx * l_side;
      const ly = q_minY + <f64>cy * l_side;
      const lz = q_minZ + <f64>cz * l_side;
      if (may_improve(lx, ly, lz, l_side)) knn_cell(cell, lx, ly, lz, l_side);
    }
  }
}

// Distance from coordinate p to the nearest cell at index offset t (either side) along an
// axis of n cells starting at min, or +inf when both sides lie outside the grid.
// @ts-ignore: decorator
@inline
function ring_gap(p: f64, c0: u32, t: u32, n: u32, lo: f64): f64 {
  let gap = Infinity;
  if (c0 >= t) gap = p - (lo + <f64>(c0 - t + 1) * l_side);
  if (c0 + t < n) gap = min<f64>(gap, lo + <f64>(c0 + t) * l_side - p);
  return gap;
}

// One pass over the cells within an estimated radius R of the point: R is chosen from the
// level's density so that about 1.5 k entities lie within it (a guess too small costs a retry,
// one too large extra tests). Every entity with a key <= R is offered (cells within R + reach
// are visited, centres within R + bound are tested), so when the heap is full and its k-th key
// is <= R the answer is exact; otherwise the caller clears the heap and walks the rings. Taken
// only into an empty heap, so a retry duplicates nothing.
function guess_pass(idx: usize, g: u32): bool {
  const lv = level_at(idx, g);
  const count = load<u32>(lv + L_COUNT);
  const tops = load<u32>(lv + L_TOPS);
  if (tops == 0 || k_k >= count) return false;
  const zSpan = <f64>load<i32>(idx + H_MAX_Z) - q_minZ;
  const cellVolume = l_side * l_side * min<f64>(l_side, max<f64>(zSpan, 1));
  const density = (<f64>count / <f64>tops) / cellVolume;
  const target = 1.5 * <f64>k_k;
  let r = Math.cbrt((3 * target) / (4 * Math.PI * density));
  if (2 * r > zSpan) r = Math.sqrt(target / (Math.PI * density * max<f64>(zSpan, 1)));
  k_guess = r;
  refresh_bounds();
  const reach = r + l_reach;
  const x0 = cell_of_f(k_px - reach, q_minX, l_side, l_nx), x1 = cell_of_f(k_px + reach, q_minX, l_side, l_nx);
  const y0 = cell_of_f(k_py - reach, q_minY, l_side, l_ny), y1 = cell_of_f(k_py + reach, q_minY, l_side, l_ny);
  const z0 = cell_of_f(k_pz - reach, q_minZ, l_side, l_nz), z1 = cell_of_f(k_pz + reach, q_minZ, l_side, l_nz);
  // Cells beyond R (widened by the reach) are pruned by k_prune2 without a probe.
  for (let cz = z0; cz <= z1; cz++) {
    for (let cy = y0; cy <= y1; cy++) {
      for (let cx = x0; cx <= x1; cx++) visit_cell(cx, cy, cz);
    }
  }
  k_guess = Infinity;
  const exact = full() && worst() <= r;
  refresh_bounds();
  return exact;
}

function knn_level(g: u32): void {
  const c0x = cell_of_f(k_px, q_minX, l_side, l_nx);
  const c0y = cell_of_f(k_py, q_minY, l_side, l_ny);
  const c0z = cell_of_f(k_pz, q_minZ, l_side, l_nz);
  const tMax = max<u32>(max<u32>(max<u32>(c0x, l_nx - 1 - c0x), max<u32>(c0y, l_ny - 1 - c0y)), max<u32>(c0z, l_nz - 1 - c0z));
  // Ring cells probed before the table scan is cheaper (one brick per probe, 64 cells).
  const budget = <f64>(<u32>1 << q_bits) * 16;
  for (let t: u32 = 0; t <= tMax; t++) {
    if (t > 0 && full()) {
      // Nothing in ring t lies nearer than the nearest face of the cube of rings < t.
      const gap = min<f64>(ring_gap(k_px, c0x, t, l_nx, q_minX), min<f64>(ring_gap(k_py, c0y, t, l_ny, q_minY), ring_gap(k_pz, c0z, t, l_nz, q_minZ)));
      if (gap - l_reach > worst()) return;
    }
    const zl = c0z >= t ? c0z - t : 0, zh = min<u32>(c0z + t, l_nz - 1);
    const yl = c0y >= t ? c0y - t : 0, yh = min<u32>(c0y + t, l_ny - 1);
    const xl = c0x >= t ? c0x - t : 0, xh = min<u32>(c0x + t, l_nx - 1);
    // Cells probed once this ring is done: the whole cube around the point's cell.
    if (<f64>(zh - zl + 1) * <f64>(yh - yl + 1) * <f64>(xh - xl + 1) > budget) {
      scan_from_ring(g, t, c0x, c0y, c0z);
      return;
    }
    for (let cz = zl; cz <= zh; cz++) {
      const edgeZ = abs_diff(cz, c0z) == t;
      for (let cy = yl; cy <= yh; cy++) {
        if (edgeZ || abs_diff(cy, c0y) == t) {
          for (let cx = xl; cx <= xh; cx++) visit_cell(cx, cy, cz);
        } else {
          if (c0x >= t) visit_cell(c0x - t, cy, cz);
          if (t > 0 && c0x + t < l_nx) visit_cell(c0x + t, cy, cz);
        }
      }
    }
  }
}

// The k entities nearest to (px, py, pz) (Q16 units as f64), nearest first: slots at outIds
// (u32) and distances at outKeys (f64, Q16 units). Returns how many were found (k, or fewer
// when the index holds fewer).
export function spatial_knn(idx: usize, px: f64, py: f64, pz: f64, k: u32, outIds: usize, outKeys: usize): u32 {
  begin_query(idx);
  k_ids = outIds;
  k_keys = outKeys;
  k_k = k;
  k_n = 0;
  k_px = px;
  k_py = py;
  k_pz = pz;
  if (k == 0) return 0;
  k_reject2 = Infinity;
  k_prune2 = Infinity;
  k_guess = Infinity;
  for (let g: u32 = 0; g < q_levels; g++) {
    if (!begin_level(idx, g)) continue;
    if (k_n == 0) {
      if (guess_pass(idx, g)) continue;
      // The guess was too small: start this level over with the rings.
      k_n = 0;
    }
    refresh_bounds();
    knn_level(g);
  }
  // Heapsort: repeatedly move the worst to the end.
  const n = k_n;
  for (let end = n; end > 1; end--) {
    const last = end - 1;
    const wk = load<f64>(k_keys), wi = load<u32>(k_ids);
    store<f64>(k_keys, load<f64>(k_keys + (<usize>last << 3)));
    store<u32>(k_ids, load<u32>(k_ids + (<usize>last << 2)));
    store<f64>(k_keys + (<usize>last << 3), wk);
    store<u32>(k_ids + (<usize>last << 2), wi);
    sift_down(0, last);
  }
  return n;
}
