// Spatial index lifecycle kernels: initialise a region laid out by TypeScript, validate the
// source before a sync, the batch update (one call per tick moves every entity from the
// position columns), single-entity insert / remove / refresh, rehashing into a larger table
// and compacting the entry array. Layout: layout.ts. Growth protocol: a kernel that would dip
// into a pool's reserve stops before touching the entity concerned, records
// STATUS_NEED_GROWTH | NEED_* << 8, and returns the slot to resume from; TypeScript grows the
// pool (or compacts the entries) and calls again.

import {
  BOX_BYTES, BRICK_CELLS, CELL_BYTES, COUNT_MASK, EMPTY_KEY, ENTRY_BYTES, E_SLOT, E_X, E_Y, E_Z,
  FLAG_ALIVE_MEMBERSHIP, FLAG_HAS_RADIUS, HASH_SLOT_BYTES, HEADER_BYTES, H_BASE_CELL, H_BOX_TABLE,
  H_BRICK_FREE, H_BRICK_FREE_COUNT, H_BRICK_TOP, H_CAPACITY, H_CELL_CHANGES, H_CELL_OF, H_CODE,
  H_ENT_CAP, H_ENT_GARBAGE, H_ENT_MAXCAP, H_ENT_PTR, H_ENT_TOP, H_FLAGS, H_HASH_BITS, H_HASH_PTR,
  H_HASH_USED, H_INDEXED, H_LEVELS, H_LO, H_LOC, H_LO_STRIDE, H_MAGIC, H_MAX_X, H_MAX_Y, H_MAX_Z,
  H_MIN_X, H_MIN_Y, H_MIN_Z, H_MOVES, H_NODE_FREE, H_NODE_FREE_COUNT, H_NODE_TOP, H_RADIUS,
  H_REMOVES, H_SPLIT_CELLS, H_SRC_FLAGS, H_SRC_MASK, H_SRC_R, H_SRC_X, H_SRC_Y, H_SRC_Z, H_STATUS,
  H_STATUS_SLOT, H_TOP_CELLS, H_VERSION, LEVEL_BYTES, L_BOUND, L_HALF, L_MARGIN, L_NX, L_NY, L_NZ,
  L_COUNT, L_PENDING, L_SIZE, L_TOPS, MAX_DEPTH, MAX_LEVELS, NONE, SPATIAL_MAGIC, SPATIAL_VERSION,
  SPLIT_BIT, STATUS_NEED_GROWTH, STATUS_OK, H_INSERTS, H_SPLIT, H_MAX_DEPTH, NEED_NODES, NEED_ENTRIES,
} from './layout';
import {
  box_x, box_y, box_z, box_side, brick_cells, brick_meta, brick_ref, bricks_free, bump_u64, compact_log,
  ent_at, entries_reserve, hash_find, hash_insert_into, insert_entity, key_level, level_at, level_for_radius, loc_ci,
  loc_key, locate, margin_of, move_entity, new_brick, node_at, nodes_free, remove_entity, reserve_need, split_leaf,
  top_box,
} from './grid';

// Fills the level and box tables, empties the hash table and pools and marks every slot
// unindexed. TypeScript has written the configuration and pointers (header offsets 0..264).
export function spatial_init(idx: usize): void {
  store<u32>(idx + H_MAGIC, SPATIAL_MAGIC);
  store<u32>(idx + H_VERSION, SPATIAL_VERSION);
  const base = <i64>load<i32>(idx + H_BASE_CELL);
  const spanX = <i64>load<i32>(idx + H_MAX_X) - <i64>load<i32>(idx + H_MIN_X);
  const spanY = <i64>load<i32>(idx + H_MAX_Y) - <i64>load<i32>(idx + H_MIN_Y);
  const spanZ = <i64>load<i32>(idx + H_MAX_Z) - <i64>load<i32>(idx + H_MIN_Z);
  const span = max<i64>(spanX, max<i64>(spanY, spanZ));
  // Coarser levels until one cell spans the world: the coarsest takes every larger radius.
  let levels: u32 = 1;
  while (levels < MAX_LEVELS && (base << <i64>(levels - 1)) < span) levels++;
  store<u32>(idx + H_LEVELS, levels);
  memory.fill(idx + H_BOX_TABLE, 0, 256 * BOX_BYTES);
  for (let g: u32 = 0; g < MAX_LEVELS; g++) {
    const lv = level_at(idx, g);
    memory.fill(lv, 0, LEVEL_BYTES);
    if (g >= levels) continue;
    const side = base << <i64>g;
    const margin = margin_of(idx, side);
    store<i64>(lv + L_SIZE, side);
    store<i32>(lv + L_MARGIN, <i32>min<i64>(margin, <i64>i32.MAX_VALUE));
    // ceil(span / side) cells; cell boxes are closed, so a point on the world's maximum face
    // lies in the last cell.
    store<u32>(lv + L_NX, <u32>max<i64>(1, (spanX + side - 1) / side));
    store<u32>(lv + L_NY, <u32>max<i64>(1, (spanY + side - 1) / side));
    store<u32>(lv + L_NZ, <u32>max<i64>(1, (spanZ + side - 1) / side));
    store<i32>(lv + L_HALF, g == levels - 1 ? i32.MAX_VALUE : <i32>min<i64>(side >> 1, <i64>i32.MAX_VALUE));
    for (let d: u32 = 0; d <= MAX_DEPTH; d++) {
      const box = idx + H_BOX_TABLE + <usize>(g | (d << 4)) * BOX_BYTES;
      store<i64>(box, margin);
      store<i64>(box, (side >> <i64>d) + 2 * margin, 8);
    }
  }
  const hashSlots = <usize>1 << <usize>load<u32>(idx + H_HASH_BITS);
  memory.fill(<usize>load<u32>(idx + H_HASH_PTR), 0xFF, hashSlots * HASH_SLOT_BYTES);
  store<u32>(idx + H_HASH_USED, 0);
  store<u32>(idx + H_BRICK_TOP, 0);
  store<u32>(idx + H_BRICK_FREE, NONE);
  store<u32>(idx + H_BRICK_FREE_COUNT, 0);
  store<u32>(idx + H_NODE_TOP, 0);
  store<u32>(idx + H_NODE_FREE, NONE);
  store<u32>(idx + H_NODE_FREE_COUNT, 0);
  store<u32>(idx + H_ENT_TOP, 0);
  store<u32>(idx + H_ENT_GARBAGE, 0);
  store<u32>(idx + H_ENT_MAXCAP, 1);
  memory.fill(<usize>load<u32>(idx + H_CELL_OF), 0xFF, <usize>load<u32>(idx + H_CAPACITY) << 2);
  store<u32>(idx + H_INDEXED, 0);
  store<u32>(idx + H_STATUS, STATUS_OK);
  store<u32>(idx + H_TOP_CELLS, 0);
  store<u32>(idx + H_SPLIT_CELLS, 0);
  for (let f: usize = H_MOVES; f <= H_REMOVES; f += 8) store<u64>(idx + f, 0);
}

export function spatial_layout_header_bytes(): u32 {
  return HEADER_BYTES;
}

export function spatial_layout_version(): u32 {
  return SPATIAL_VERSION;
}

// Records a stop for growth at `slot` when some pool is short; returns whether it stopped.
// @ts-ignore: decorator
@inline
function must_grow(idx: usize, slot: u32): bool {
  const need = reserve_need(idx);
  if (need == 0) return false;
  store<u32>(idx + H_STATUS, STATUS_NEED_GROWTH | (need << 8));
  store<u32>(idx + H_STATUS_SLOT, slot);
  return true;
}

// Whether the pools are short of what splitting one leaf of `count` entities may take, and if
// so records which (NEED_* bits; for entries, how many must be free in H_STATUS_SLOT). A leaf
// the bulk build filled can hold thousands (a crowd in one top cell): its split cascades into
// every over-full child, not along one chain as a single insert's does, so the per-operation
// reserve does not cover it. At each depth the leaves over `limit` hold at most `count` in all,
// so they are at most count / (limit + 1) splits, and their children's blocks (rounded up to
// powers of two) at most 2 * count entries.
function cascade_short(idx: usize, count: u32, limit: u32, maxDepth: u32): bool {
  const nodes = <u64>maxDepth * (<u64>(count / (limit + 1)) + 1);
  const entries = <u64>2 * <u64>count * <u64>maxDepth + <u64>entries_reserve(idx);
  let need: u32 = 0;
  if (<u64>nodes_free(idx) < nodes) need |= NEED_NODES;
  if (<u64>(load<u32>(idx + H_ENT_CAP) - load<u32>(idx + H_ENT_TOP)) < entries) need |= NEED_ENTRIES;
  if (need == 0) return false;
  store<u32>(idx + H_STATUS, STATUS_NEED_GROWTH | (need << 8));
  store<u32>(idx + H_STATUS_SLOT, <u32>min<u64>(entries, <u64>u32.MAX_VALUE));
  return true;
}

// The first member slot in [0, count) whose position lies outside the world or whose radius
// is negative, or -1. Members: slots with an alive flag (alive membership), indexed slots, or
// with `all` every slot (a bulk track). v128 over four slots at a time, scalar for the tail
// and to name the slot.
export function spatial_validate(idx: usize, count: u32, all: u32): i32 {
  const flags = load<u32>(idx + H_FLAGS);
  const alive = (flags & FLAG_ALIVE_MEMBERSHIP) != 0;
  const every = all != 0;
  const hasR = (flags & FLAG_HAS_RADIUS) != 0;
  const sx = <usize>load<u32>(idx + H_SRC_X);
  const sy = <usize>load<u32>(idx + H_SRC_Y);
  const sz = <usize>load<u32>(idx + H_SRC_Z);
  const sr = <usize>load<u32>(idx + H_SRC_R);
  const sf = <usize>load<u32>(idx + H_SRC_FLAGS);
  const mask = load<u32>(idx + H_SRC_MASK);
  const cellOf = <usize>load<u32>(idx + H_CELL_OF);
  const minX = load<i32>(idx + H_MIN_X), minY = load<i32>(idx + H_MIN_Y), minZ = load<i32>(idx + H_MIN_Z);
  const maxX = load<i32>(idx + H_MAX_X), maxY = load<i32>(idx + H_MAX_Y), maxZ = load<i32>(idx + H_MAX_Z);
  const vMinX = i32x4.splat(minX), vMinY = i32x4.splat(minY), vMinZ = i32x4.splat(minZ);
  const vMaxX = i32x4.splat(maxX), vMaxY = i32x4.splat(maxY), vMaxZ = i32x4.splat(maxZ);
  const vMask = i32x4.splat(<i32>mask);
  const vNone = i32x4.splat(<i32>NONE);
  const zero = i32x4.splat(0);
  let i: u32 = 0;
  for (; i + 4 <= count; i += 4) {
    const off = <usize>i << 2;
    const member = every
      ? i32x4.splat(-1)
      : alive
        ? i32x4.ne(v128.and(v128.load(sf + off), vMask), zero)
        : i32x4.ne(v128.load(cellOf + off), vNone);
    const x = v128.load(sx + off), y = v128.load(sy + off), z = v128.load(sz + off);
    let bad = v128.or(i32x4.lt_s(x, vMinX), i32x4.gt_s(x, vMaxX));
    bad = v128.or(bad, v128.or(i32x4.lt_s(y, vMinY), i32x4.gt_s(y, vMaxY)));
    bad = v128.or(bad, v128.or(i32x4.lt_s(z, vMinZ), i32x4.gt_s(z, vMaxZ)));
    if (hasR) bad = v128.or(bad, i32x4.lt_s(v128.load(sr + off), zero));
    if (v128.any_true(v128.and(member, bad))) break;
  }
  for (; i < count; i++) {
    const off = <usize>i << 2;
    const member = every || (alive ? (load<u32>(sf + off) & mask) != 0 : load<u32>(cellOf + off) != NONE);
    if (!member) continue;
    const x = load<i32>(sx + off), y = load<i32>(sy + off), z = load<i32>(sz + off);
    if (x < minX || x > maxX || y < minY || y > maxY || z < minZ || z > maxZ) return <i32>i;
    if (hasR && load<i32>(sr + off) < 0) return <i32>i;
  }
  return -1;
}

// Whether the level of an entity of radius r is still g (the coarsest level's half is MAX).
// @ts-ignore: decorator
@inline
function level_holds(idx: usize, g: u32, r: i32): bool {
  const lv = level_at(idx, g);
  return r <= load<i32>(lv + L_HALF) && (g == 0 || r > load<i32>(lv - LEVEL_BYTES + L_HALF));
}

// @ts-ignore: decorator
@inline
function raise_pending(idx: usize, g: u32, r: i32): void {
  const at = level_at(idx, g) + L_PENDING;
  if (r > load<i32>(at)) store<i32>(at, r);
}

// Syncs the index with the source for slots [start, count): members that are not indexed are
// inserted, indexed slots that stopped being members are removed, and every member's position
// copy is refreshed; an entity changes cell only when it left its hysteresis box (or its
// radius moved it to another level). Returns -1 when done, or the slot to resume from after
// the pools grow (STATUS_NEED_GROWTH). Each level's radius bound is rebuilt from the members
// when a pass completes.
export function spatial_update(idx: usize, count: u32, start: u32): i32 {
  const flags = load<u32>(idx + H_FLAGS);
  const alive = (flags & FLAG_ALIVE_MEMBERSHIP) != 0;
  const hasR = (flags & FLAG_HAS_RADIUS) != 0;
  const sx = <usize>load<u32>(idx + H_SRC_X);
  const sy = <usize>load<u32>(idx + H_SRC_Y);
  const sz = <usize>load<u32>(idx + H_SRC_Z);
  const sr = <usize>load<u32>(idx + H_SRC_R);
  const sf = <usize>load<u32>(idx + H_SRC_FLAGS);
  const mask = load<u32>(idx + H_SRC_MASK);
  const cellOf = <usize>load<u32>(idx + H_CELL_OF);
  const locs = <usize>load<u32>(idx + H_LOC);
  const stride = <usize>load<u32>(idx + H_LO_STRIDE);
  const lox = <usize>load<u32>(idx + H_LO);
  const loy = lox + stride, loz = lox + 2 * stride;
  const codes = <usize>load<u32>(idx + H_CODE);
  const radius = <usize>load<u32>(idx + H_RADIUS);
  const boxes = idx + H_BOX_TABLE;
  const levels = load<u32>(idx + H_LEVELS);
  store<u32>(idx + H_STATUS, STATUS_OK);
  if (start == 0) {
    for (let g: u32 = 0; g < levels; g++) store<i32>(level_at(idx, g) + L_PENDING, 0);
  }
  let moves: u64 = 0;
  let changes: u64 = 0;
  let stopped: i32 = -1;
  // Entries never move during the fast path, so their base is read once; it is re-read after
  // any structural change (a compaction happens only between calls, but relocation does not
  // move the array itself).
  const entries = <usize>load<u32>(idx + H_ENT_PTR);
  // The v128 fast path checks four slots at once with 32-bit lane arithmetic, exact while
  // p - lo + margin cannot leave the i32 range: worlds narrower than 2^31 Q16 units minus two
  // margins (about 32 km); wider worlds take the scalar path throughout.
  const spanX = <i64>load<i32>(idx + H_MAX_X) - <i64>load<i32>(idx + H_MIN_X);
  const spanY = <i64>load<i32>(idx + H_MAX_Y) - <i64>load<i32>(idx + H_MIN_Y);
  const spanZ = <i64>load<i32>(idx + H_MAX_Z) - <i64>load<i32>(idx + H_MIN_Z);
  const worldSpan = max<i64>(spanX, max<i64>(spanY, spanZ));
  const vNone = i32x4.splat(<i32>NONE);
  const vMask = i32x4.splat(<i32>mask);
  const zero = i32x4.splat(0);
  for (let i = start; i < count; i++) {
    const off = <usize>i << 2;
    if ((i & 3) == 0 && i + 4 <= count) {
      const code4 = load<u32>(codes + <usize>i);
      const code = code4 & 0xFF;
      const box = boxes + <usize>code * BOX_BYTES;
      const m = load<i64>(box);
      const span = load<i64>(box, 8);
      let ok = i32x4.ne(v128.load(cellOf + off), vNone);
      if (alive) ok = v128.and(ok, i32x4.ne(v128.and(v128.load(sf + off), vMask), zero));
      if (code4 == code * 0x01010101 && worldSpan + 2 * m < 0x7FFFFFFF && span < 0x7FFFFFFF && v128.all_true<i32>(ok)) {
        const vm = i32x4.splat(<i32>m), vs = i32x4.splat(<i32>span);
        const vx = v128.load(sx + off), vy = v128.load(sy + off), vz = v128.load(sz + off);
        let inside = i32x4.le_u(i32x4.add(i32x4.sub(vx, v128.load(lox + off)), vm), vs);
        inside = v128.and(inside, i32x4.le_u(i32x4.add(i32x4.sub(vy, v128.load(loy + off)), vm), vs));
        inside = v128.and(inside, i32x4.le_u(i32x4.add(i32x4.sub(vz, v128.load(loz + off)), vm), vs));
        const g = code & 15;
        let vr = zero;
        if (hasR) {
          vr = v128.load(sr + off);
          const lv = level_at(idx, g);
          inside = v128.and(inside, i32x4.le_s(vr, i32x4.splat(load<i32>(lv + L_HALF))));
          if (g > 0) inside = v128.and(inside, i32x4.gt_s(vr, i32x4.splat(load<i32>(lv - LEVEL_BYTES + L_HALF))));
        }
        if (v128.all_true<i32>(inside)) {
          for (let lane: usize = 0; lane < 4; lane++) {
            const lo = off + (lane << 2);
            const x = load<i32>(sx + lo), y = load<i32>(sy + lo), z = load<i32>(sz + lo);
            const e = entries + <usize>load<u32>(locs + lo) * ENTRY_BYTES;
            if (load<i32>(e + E_X) != x || load<i32>(e + E_Y) != y || load<i32>(e + E_Z) != z) {
              store<i32>(e + E_X, x);
              store<i32>(e + E_Y, y);
              store<i32>(e + E_Z, z);
              moves++;
            }
          }
          if (hasR) {
            v128.store(radius + off, vr);
            const widest = max<i32>(max<i32>(i32x4.extract_lane(vr, 0), i32x4.extract_lane(vr, 1)), max<i32>(i32x4.extract_lane(vr, 2), i32x4.extract_lane(vr, 3)));
            raise_pending(idx, g, widest);
          }
          i += 3;
          continue;
        }
      }
    }
    const cell = load<u32>(cellOf + off);
    const member = alive ? (load<u32>(sf + off) & mask) != 0 : cell != NONE;
    if (!member) {
      if (cell != NONE) {
        if (must_grow(idx, i)) {
          stopped = <i32>i;
          break;
        }
        remove_entity(idx, i);
      }
      continue;
    }
    const x = load<i32>(sx + off), y = load<i32>(sy + off), z = load<i32>(sz + off);
    const r = hasR ? load<i32>(sr + off) : 0;
    if (cell == NONE) {
      if (must_grow(idx, i)) {
        stopped = <i32>i;
        break;
      }
      const g = hasR ? level_for_radius(idx, levels, r) : 0;
      insert_entity(idx, i, x, y, z, g);
      if (hasR) {
        store<i32>(radius + off, r);
        raise_pending(idx, g, r);
      }
      continue;
    }
    const code = <u32>load<u8>(codes + <usize>i);
    let g = code & 15;
    const box = boxes + <usize>code * BOX_BYTES;
    const m = load<i64>(box);
    const span = <u64>load<i64>(box, 8);
    // Inside the widened cell iff 0 <= p - lo + m <= span on every axis (one unsigned compare).
    const inBox =
      <u64>(<i64>x - <i64>load<i32>(lox + off) + m) <= span &&
      <u64>(<i64>y - <i64>load<i32>(loy + off) + m) <= span &&
      <u64>(<i64>z - <i64>load<i32>(loz + off) + m) <= span;
    if (inBox && (!hasR || level_holds(idx, g, r))) {
      const e = entries + <usize>load<u32>(locs + off) * ENTRY_BYTES;
      if (load<i32>(e + E_X) != x || load<i32>(e + E_Y) != y || load<i32>(e + E_Z) != z) {
        store<i32>(e + E_X, x);
        store<i32>(e + E_Y, y);
        store<i32>(e + E_Z, z);
        moves++;
      }
    } else {
      if (must_grow(idx, i)) {
        stopped = <i32>i;
        break;
      }
      if (hasR) g = level_for_radius(idx, levels, r);
      move_entity(idx, i, x, y, z, g);
      moves++;
      changes++;
    }
    if (hasR) {
      store<i32>(radius + off, r);
      raise_pending(idx, g, r);
    }
  }
  bump_u64(idx, H_MOVES, moves);
  bump_u64(idx, H_CELL_CHANGES, changes);
  if (stopped >= 0) return stopped;
  if (hasR) {
    for (let g: u32 = 0; g < levels; g++) {
      const lv = level_at(idx, g);
      store<i32>(lv + L_BOUND, load<i32>(lv + L_PENDING));
    }
  }
  return -1;
}

// Raises level g's radius bound to cover r at once (single-entity calls between updates).
function cover_radius(idx: usize, g: u32, r: i32): void {
  const at = level_at(idx, g) + L_BOUND;
  if (r > load<i32>(at)) store<i32>(at, r);
}

// Indexes `slot` at its source position. 0: done; 1: a pool must grow first (nothing
// changed); 2: the slot is already indexed (nothing changed).
export function spatial_insert(idx: usize, slot: u32): u32 {
  const off = <usize>slot << 2;
  if (load<u32>(<usize>load<u32>(idx + H_CELL_OF) + off) != NONE) return 2;
  if (must_grow(idx, slot)) return 1;
  const hasR = (load<u32>(idx + H_FLAGS) & FLAG_HAS_RADIUS) != 0;
  const r = hasR ? load<i32>(<usize>load<u32>(idx + H_SRC_R) + off) : 0;
  const g = hasR ? level_for_radius(idx, load<u32>(idx + H_LEVELS), r) : 0;
  insert_entity(
    idx, slot,
    load<i32>(<usize>load<u32>(idx + H_SRC_X) + off),
    load<i32>(<usize>load<u32>(idx + H_SRC_Y) + off),
    load<i32>(<usize>load<u32>(idx + H_SRC_Z) + off),
    g,
  );
  if (hasR) {
    store<i32>(<usize>load<u32>(idx + H_RADIUS) + off, r);
    cover_radius(idx, g, r);
  }
  return 0;
}

// Stops indexing `slot`. 0: done; 1: a pool must grow first; 2: the slot is not indexed.
export function spatial_remove(idx: usize, slot: u32): u32 {
  if (load<u32>(<usize>load<u32>(idx + H_CELL_OF) + (<usize>slot << 2)) == NONE) return 2;
  if (must_grow(idx, slot)) return 1;
  remove_entity(idx, slot);
  return 0;
}

// Re-reads an indexed slot's source position and radius (after the caller moved it).
// 0: done; 1: a pool must grow first; 2: the slot is not indexed.
export function spatial_refresh(idx: usize, slot: u32): u32 {
  const off = <usize>slot << 2;
  if (load<u32>(<usize>load<u32>(idx + H_CELL_OF) + off) == NONE) return 2;
  if (must_grow(idx, slot)) return 1;
  const hasR = (load<u32>(idx + H_FLAGS) & FLAG_HAS_RADIUS) != 0;
  const x = load<i32>(<usize>load<u32>(idx + H_SRC_X) + off);
  const y = load<i32>(<usize>load<u32>(idx + H_SRC_Y) + off);
  const z = load<i32>(<usize>load<u32>(idx + H_SRC_Z) + off);
  const r = hasR ? load<i32>(<usize>load<u32>(idx + H_SRC_R) + off) : 0;
  const g = hasR ? level_for_radius(idx, load<u32>(idx + H_LEVELS), r) : 0;
  const code = <u32>load<u8>(<usize>load<u32>(idx + H_CODE) + <usize>slot);
  const box = idx + H_BOX_TABLE + <usize>code * BOX_BYTES;
  const m = load<i64>(box);
  const span = <u64>load<i64>(box, 8);
  const lo = <usize>load<u32>(idx + H_LO) + off;
  const stride = <usize>load<u32>(idx + H_LO_STRIDE);
  const inBox =
    <u64>(<i64>x - <i64>load<i32>(lo) + m) <= span &&
    <u64>(<i64>y - <i64>load<i32>(lo + stride) + m) <= span &&
    <u64>(<i64>z - <i64>load<i32>(lo + 2 * stride) + m) <= span;
  if (inBox && (code & 15) == g) {
    const e = ent_at(idx, load<u32>(<usize>load<u32>(idx + H_LOC) + off));
    store<i32>(e + E_X, x);
    store<i32>(e + E_Y, y);
    store<i32>(e + E_Z, z);
    bump_u64(idx, H_MOVES, 1);
  } else {
    move_entity(idx, slot, x, y, z, g);
    bump_u64(idx, H_MOVES, 1);
    bump_u64(idx, H_CELL_CHANGES, 1);
  }
  if (hasR) {
    store<i32>(<usize>load<u32>(idx + H_RADIUS) + off, r);
    cover_radius(idx, g, r);
  }
  return 0;
}

// Moves every key into a new, empty table of 2^bits slots at `table` and adopts it. Bricks
// are referenced by index, so nothing else changes.
export function spatial_rehash(idx: usize, table: usize, bits: u32): void {
  memory.fill(table, 0xFF, (<usize>1 << <usize>bits) * HASH_SLOT_BYTES);
  const old = <usize>load<u32>(idx + H_HASH_PTR);
  const oldSlots = <usize>1 << <usize>load<u32>(idx + H_HASH_BITS);
  for (let i: usize = 0; i < oldSlots; i++) {
    const at = old + i * HASH_SLOT_BYTES;
    const key = load<i64>(at);
    if (key != EMPTY_KEY) hash_insert_into(table, bits, key, load<u32>(at, 8));
  }
  store<u32>(idx + H_HASH_PTR, <u32>table);
  store<u32>(idx + H_HASH_BITS, bits);
}

// ---- compaction ----

let c_top: u32 = 0;
let c_maxcap: u32 = 0;
let c_to: usize = 0;
let c_from: usize = 0;
let c_locs: usize = 0;
let c_idx: usize = 0;

function compact_cell(cell: usize): u32 {
  const w = load<u32>(cell, 4);
  if ((w & SPLIT_BIT) != 0) {
    const np = node_at(c_idx, load<u32>(cell));
    let need: u32 = 0;
    for (let o: usize = 0; o < 8; o++) need += compact_cell(np + o * CELL_BYTES);
    return need;
  }
  const count = w & COUNT_MASK;
  if (count == 0) {
    if (c_to != 0) {
      store<u32>(cell, NONE);
      store<u32>(cell, 0, 4);
    }
    return 0;
  }
  const log = compact_log(count);
  const cap = <u32>1 << log;
  if (c_to != 0) {
    const start = c_top;
    memory.copy(c_to + <usize>start * ENTRY_BYTES, c_from + <usize>load<u32>(cell) * ENTRY_BYTES, <usize>count * ENTRY_BYTES);
    for (let i: u32 = 0; i < count; i++) {
      store<u32>(c_locs + (<usize>load<u32>(c_to + <usize>(start + i) * ENTRY_BYTES + E_SLOT) << 2), start + i);
    }
    store<u32>(cell, start);
    store<u32>(cell, count | (log << 24), 4);
  }
  c_top += cap;
  if (cap > c_maxcap) c_maxcap = cap;
  return cap;
}

// Walks every brick in table order and every cell in brick order; with `to` = 0 only sums the
// entries the compacted array needs.
function compact_walk(idx: usize, to: usize): u32 {
  c_idx = idx;
  c_top = 0;
  c_maxcap = 1;
  c_to = to;
  c_from = <usize>load<u32>(idx + H_ENT_PTR);
  c_locs = <usize>load<u32>(idx + H_LOC);
  const table = <usize>load<u32>(idx + H_HASH_PTR);
  const slots = <usize>1 << <usize>load<u32>(idx + H_HASH_BITS);
  for (let i: usize = 0; i < slots; i++) {
    const at = table + i * HASH_SLOT_BYTES;
    if (load<i64>(at) == EMPTY_KEY) continue;
    const cells = brick_cells(idx, load<u32>(at, 8));
    for (let c: usize = 0; c < BRICK_CELLS; c++) compact_cell(cells + c * CELL_BYTES);
  }
  return c_top;
}

// Entries a compaction needs (every leaf gets the next power of two of its count).
export function spatial_compact_size(idx: usize): u32 {
  return compact_walk(idx, 0);
}

// Rewrites every leaf's block into the new entry array at `to` (room for `capacity`
// entries, at least spatial_compact_size) in brick order, so neighbouring cells are
// neighbours in memory, and adopts it. Garbage from moved blocks is gone afterwards.
export function spatial_compact(idx: usize, to: usize, capacity: u32): void {
  compact_walk(idx, to);
  store<u32>(idx + H_ENT_PTR, <u32>to);
  store<u32>(idx + H_ENT_CAP, capacity);
  store<u32>(idx + H_ENT_TOP, c_top);
  store<u32>(idx + H_ENT_GARBAGE, 0);
  store<u32>(idx + H_ENT_MAXCAP, c_maxcap);
}

// ---- bulk build ----
//
// Building an empty index entity by entity moves every growing leaf block several times and
// leaves blocks in arrival order. The bulk build instead counts entities per top cell
// (spatial_build_count), gives each cell one block of the right size in brick order
// (spatial_build_place, after TypeScript sized the entry array from spatial_compact_size),
// places every entry once, and finally splits leaves over the threshold
// (spatial_split_overfull).

// Pass 1 over slots [start, count): members (alive flags, or every slot when `all`) are
// counted into their top cell, creating bricks; cellOf holds the top cell until placement.
// Returns -1, or the slot to resume from after the bricks or the table grow.
export function spatial_build_count(idx: usize, count: u32, start: u32, all: u32): i32 {
  const flags = load<u32>(idx + H_FLAGS);
  const hasR = (flags & FLAG_HAS_RADIUS) != 0;
  const alive = (flags & FLAG_ALIVE_MEMBERSHIP) != 0 && all == 0;
  const sx = <usize>load<u32>(idx + H_SRC_X);
  const sy = <usize>load<u32>(idx + H_SRC_Y);
  const sz = <usize>load<u32>(idx + H_SRC_Z);
  const sr = <usize>load<u32>(idx + H_SRC_R);
  const sf = <usize>load<u32>(idx + H_SRC_FLAGS);
  const mask = load<u32>(idx + H_SRC_MASK);
  const cellOf = <usize>load<u32>(idx + H_CELL_OF);
  const codes = <usize>load<u32>(idx + H_CODE);
  const radius = <usize>load<u32>(idx + H_RADIUS);
  const levels = load<u32>(idx + H_LEVELS);
  store<u32>(idx + H_STATUS, STATUS_OK);
  if (start == 0) {
    for (let g: u32 = 0; g < levels; g++) store<i32>(level_at(idx, g) + L_PENDING, 0);
  }
  let lastKey: i64 = EMPTY_KEY;
  let lastBrick: u32 = NONE;
  for (let i = start; i < count; i++) {
    const off = <usize>i << 2;
    if (alive && (load<u32>(sf + off) & mask) == 0) continue;
    const r = hasR ? load<i32>(sr + off) : 0;
    const g = hasR ? level_for_radius(idx, levels, r) : 0;
    locate(idx, g, load<i32>(sx + off), load<i32>(sy + off), load<i32>(sz + off));
    if (loc_key != lastKey) {
      let b = hash_find(idx, loc_key);
      if (b == NONE) {
        if (bricks_free(idx) < 1 || (load<u32>(idx + H_HASH_USED) + 1) * 2 > (<u32>1 << load<u32>(idx + H_HASH_BITS))) {
          store<u32>(idx + H_STATUS, STATUS_NEED_GROWTH | ((bricks_free(idx) < 1 ? 8 : 4) << 8));
          store<u32>(idx + H_STATUS_SLOT, i);
          return <i32>i;
        }
        b = new_brick(idx, loc_key);
      }
      lastKey = loc_key;
      lastBrick = b;
    }
    const cell = brick_cells(idx, lastBrick) + <usize>loc_ci * CELL_BYTES;
    store<u32>(cell, load<u32>(cell, 4) + 1, 4);
    const meta = brick_meta(idx, lastBrick);
    store<u32>(meta, load<u32>(meta, 8) + 1, 8);
    store<u32>(cellOf + off, brick_ref(lastBrick, loc_ci));
    store<u8>(codes + <usize>i, <u8>g);
    if (hasR) {
      store<i32>(radius + off, r);
      const at = level_at(idx, g) + L_PENDING;
      if (r > load<i32>(at)) store<i32>(at, r);
    }
  }
  if (hasR) {
    for (let g: u32 = 0; g < levels; g++) {
      const lv = level_at(idx, g);
      store<i32>(lv + L_BOUND, load<i32>(lv + L_PENDING));
    }
  }
  return -1;
}

// Pass 2 and 3: one block per counted cell in brick order (the entry array is empty and
// holds spatial_compact_size entries), then every counted slot in [0, count) into its block.
export function spatial_build_place(idx: usize, count: u32): void {
  const table = <usize>load<u32>(idx + H_HASH_PTR);
  const slots = <usize>1 << <usize>load<u32>(idx + H_HASH_BITS);
  let top: u32 = 0;
  let maxcap: u32 = 1;
  for (let i: usize = 0; i < slots; i++) {
    const at = table + i * HASH_SLOT_BYTES;
    const key = load<i64>(at);
    if (key == EMPTY_KEY) continue;
    const cells = brick_cells(idx, load<u32>(at, 8));
    const lv = level_at(idx, key_level(key));
    for (let c: usize = 0; c < BRICK_CELLS; c++) {
      const cell = cells + c * CELL_BYTES;
      const n = load<u32>(cell, 4) & COUNT_MASK;
      if (n == 0) continue;
      const log = compact_log(n);
      store<u32>(cell, top);
      store<u32>(cell, log << 24, 4);
      top += <u32>1 << log;
      if ((<u32>1 << log) > maxcap) maxcap = <u32>1 << log;
      store<u32>(idx + H_TOP_CELLS, load<u32>(idx + H_TOP_CELLS) + 1);
      store<u32>(lv + L_TOPS, load<u32>(lv + L_TOPS) + 1);
    }
  }
  // The array is rewritten from its start: blocks abandoned before the build are gone.
  store<u32>(idx + H_ENT_TOP, top);
  store<u32>(idx + H_ENT_GARBAGE, 0);
  store<u32>(idx + H_ENT_MAXCAP, maxcap);
  const sx = <usize>load<u32>(idx + H_SRC_X);
  const sy = <usize>load<u32>(idx + H_SRC_Y);
  const sz = <usize>load<u32>(idx + H_SRC_Z);
  const cellOf = <usize>load<u32>(idx + H_CELL_OF);
  const locs = <usize>load<u32>(idx + H_LOC);
  const codes = <usize>load<u32>(idx + H_CODE);
  const lox = <usize>load<u32>(idx + H_LO);
  const stride = <usize>load<u32>(idx + H_LO_STRIDE);
  const entries = <usize>load<u32>(idx + H_ENT_PTR);
  let placed: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const off = <usize>i << 2;
    const ref = load<u32>(cellOf + off);
    if (ref == NONE) continue;
    const cell = brick_cells(idx, ref >> 6) + <usize>(ref & 63) * CELL_BYTES;
    const w = load<u32>(cell, 4);
    const e = load<u32>(cell) + (w & COUNT_MASK);
    store<u32>(cell, w + 1, 4);
    const x = load<i32>(sx + off), y = load<i32>(sy + off), z = load<i32>(sz + off);
    const ep = entries + <usize>e * ENTRY_BYTES;
    store<u32>(ep + E_SLOT, i);
    store<i32>(ep + E_X, x);
    store<i32>(ep + E_Y, y);
    store<i32>(ep + E_Z, z);
    store<u32>(locs + off, e);
    top_box(idx, load<i64>(brick_meta(idx, ref >> 6)), ref & 63);
    store<i32>(lox + off, <i32>box_x);
    store<i32>(lox + stride + off, <i32>box_y);
    store<i32>(lox + 2 * stride + off, <i32>box_z);
    const lv = level_at(idx, <u32>load<u8>(codes + <usize>i));
    store<u32>(lv + L_COUNT, load<u32>(lv + L_COUNT) + 1);
    placed++;
  }
  store<u32>(idx + H_INDEXED, load<u32>(idx + H_INDEXED) + placed);
  bump_u64(idx, H_INSERTS, placed);
}

// Splits every top-cell leaf over the threshold (after a bulk build). 0: done; 1: a pool must
// grow first (call again: cells already split are skipped).
export function spatial_split_overfull(idx: usize): u32 {
  const maxDepth = load<u32>(idx + H_MAX_DEPTH);
  if (maxDepth == 0) return 0;
  const limit = load<u32>(idx + H_SPLIT);
  const table = <usize>load<u32>(idx + H_HASH_PTR);
  const slots = <usize>1 << <usize>load<u32>(idx + H_HASH_BITS);
  for (let i: usize = 0; i < slots; i++) {
    const at = table + i * HASH_SLOT_BYTES;
    const key = load<i64>(at);
    if (key == EMPTY_KEY) continue;
    const b = load<u32>(at, 8);
    const cells = brick_cells(idx, b);
    for (let c: u32 = 0; c < BRICK_CELLS; c++) {
      const w = load<u32>(cells + <usize>c * CELL_BYTES, 4);
      if ((w & SPLIT_BIT) != 0 || (w & COUNT_MASK) <= limit) continue;
      if (must_grow(idx, 0) || cascade_short(idx, w & COUNT_MASK, limit, maxDepth)) return 1;
      top_box(idx, key, c);
      split_leaf(idx, brick_ref(b, c), box_x, box_y, box_z, box_side, 0, key_level(key));
    }
  }
  return 0;
}
