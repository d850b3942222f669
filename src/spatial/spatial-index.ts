// SpatialIndex: the facade over the spatial kernels (assembly/spatial). It indexes any
// structure-of-arrays of Q16.16 positions — a World's columns, or columns it owns — in an
// adaptive hierarchical hash grid whose every byte lives in arena regions, and answers exact
// radius, box, k-nearest, ray and frustum queries into reusable arena results.
//
//   const index = SpatialIndex.forWorld(world);     // members: the world's alive slots
//   world.step(); index.update();                   // one kernel call per tick
//   const near = index.createResult();
//   const n = index.radiusInto(near, x, y, z, 100); // near.ids[0 .. n): slots within 100 m
//
// Batched radius queries (interest management: every client's surroundings each tick):
//
//   const query = index.createBatchQuery(maxClients);        // arena columns, reused
//   const batch = index.createBatchResult({ queries: maxClients, ids: 1 << 20 });
//   for (let j = 0; j < clients; j++) query.setSlot(j, playerSlot[j], aoiRadiusM[j]);
//   index.radiusBatch(query, clients, batch, { useSlots: true, excludeSelf: true });
//   for (let j = 0; j < clients; j++) {
//     const ids = batch.ids, from = batch.offsets[j]!, to = from + batch.counts[j]!;
//     for (let k = from; k < to; k++) visible(j, ids[k]!);   // slots near client j
//   }
//
// One kernel call answers them all; query.x/y/z/radius can also be written directly as Q16
// (setCenter for metres). The ranges of one id buffer are in processing order (the kernel sorts
// queries by Morton order for locality), so read them through offsets/counts. If the buffer
// fills, it grows by doubling (keeping what was written) and the batch resumes where it
// stopped; past maxIds it throws CapacityError. Nothing is allocated per batch.
//
// Slots are the source's dense indices (a World's entity slots; entityId() turns one into a
// versioned id). Queries see positions as of the last update()/insert()/move(). Every call
// validates its input first and throws a typed error (InvalidValueError for NaN, infinities
// and negative sizes, OutOfWorldError for points outside the world, UnknownEntityError for
// slots the index does not hold) before anything changes, so a rejected call leaves the index
// exactly as it was.

import {
  InvalidArgumentError, InvalidValueError, OutOfWorldError, StateError, UnknownEntityError, WasmLinkError, CapacityError,
} from '../core/errors.js';
import { FX_ONE, fitsQ16 } from '../core/fixed.js';
import type { Bounds } from '../core/schema.js';
import { makeEntityId, type EntityId } from '../core/entity-id.js';
import { FLAG_ALIVE } from '../core/world-layout.js';
import type { World } from '../core/world.js';
import { alignUp, type Arena, type Region, type SoaRegion } from '../wasm/arena.js';
import { spatialKernels, type SpatialKernels } from './kernels.js';
import {
  BRICK_BYTES, BRICK_META_BYTES, CELL_RECORD_BYTES, CHECK_CODES, ENTRY_BYTES, FLAG_ALIVE_MEMBERSHIP,
  FLAG_HAS_RADIUS, FRUSTUM_BYTES, HASH_SLOT_BYTES, LEVEL_BYTES, MAX_DEPTH, MAX_LEVELS, NEED_BRICKS,
  NEED_ENTRIES, NEED_HASH, NEED_NODES, NODE_BYTES, SH, SL, SPATIAL_HEADER_BYTES, SPATIAL_VERSION,
  STATS_WORDS, entriesReserve,
} from './layout.js';
import { resolveGridOptions, type ResolvedGridOptions, type SpatialGridOptions } from './options.js';
import { BatchResult, SpatialResult, type BatchResultOptions } from './result.js';
import { BatchQuery } from './batch-query.js';
import { Frustum } from './frustum.js';

/** Where the positions come from: Q16 i32 columns of `capacity` elements in the arena. */
export interface SpatialSource {
  readonly posX: number;
  readonly posY: number;
  readonly posZ: number;
  /** Q16 radius column; absent: every entity is a point. */
  readonly radius?: number;
  readonly capacity: number;
  /**
   * Membership by flags: update() indexes exactly the slots with (flags[slot] & mask) != 0.
   * Absent: membership is explicit (track / remove).
   */
  readonly alive?: { readonly flags: number; readonly mask: number };
  /** Slots update() scans, [0, count()); defaults to the capacity (a World's high water). */
  readonly count?: () => number;
}

export interface SpatialIndexOptions extends SpatialGridOptions {
  /** Entity slots (create only). */
  capacity?: number;
  /** Index spheres with a radius column (create: own one; forWorld: use the world's). */
  radius?: boolean;
}

/** What one update() did. */
export interface UpdateReport {
  /** Entities whose position changed. */
  moves: number;
  /** Entities that changed cell (including level changes). */
  cellChanges: number;
  inserts: number;
  removes: number;
  splits: number;
  merges: number;
}

export interface SpatialCounters {
  moves: number;
  cellChanges: number;
  splits: number;
  merges: number;
  inserts: number;
  removes: number;
  queries: number;
  /** Pool or table growths (each a copy into a larger region). */
  growths: number;
  /** Compactions of the entry array (rewrites in brick order, dropping abandoned blocks). */
  compactions: number;
}

export interface SpatialStats {
  entities: number;
  /** Grid levels configured (base, then doubling cells for larger radii). */
  levels: number;
  /** Levels that hold entities. */
  levelsInUse: number;
  topCells: number;
  splitCells: number;
  /** Non-empty leaf cells. */
  leafCells: number;
  /** Deepest split in use (0: no cell is split). */
  maxDepthInUse: number;
  /** occupancy[b]: leaf cells holding 2^b .. 2^(b+1) - 1 entities (the last bucket open). */
  occupancy: number[];
  entitiesPerLevel: number[];
  topCellsPerLevel: number[];
  cellSideM: number[];
  hashSlots: number;
  /** Bricks (4 x 4 x 4 top cells) in use: the hash table's entries. */
  bricks: number;
  nodesInUse: number;
  /** Entry slots used, abandoned (moved blocks awaiting compaction) and available. */
  entriesUsed: number;
  entriesGarbage: number;
  entriesCapacity: number;
  /** Arena bytes the index holds (positions it owns included). */
  memoryBytes: number;
  /** memoryBytes / entities (0 when empty). */
  bytesPerEntity: number;
  counters: SpatialCounters;
}

export interface RayOptions {
  /** Thickness of the cast (a swept sphere), metres; 0 by default. */
  thicknessM?: number;
}

export interface RayHit {
  slot: number;
  /** Distance along the ray to where it enters the entity's sphere, metres. */
  distanceM: number;
}

export interface BatchOptions {
  /** Centre query j on the position of slot query.slot[j] instead of query.x/y/z[j]. */
  useSlots?: boolean;
  /** With useSlots: leave each query's own slot out of its results. */
  excludeSelf?: boolean;
  /** One radius for every query (metres) instead of query.radius[j]. */
  radiusM?: number;
}

const OWNED_FIELDS = { x: 'i32', y: 'i32', z: 'i32', r: 'i32' } as const;
const SLOT_FIELDS = { cell: 'u32', loc: 'u32', lx: 'i32', ly: 'i32', lz: 'i32', radius: 'i32', code: 'u8' } as const;
const INV_Q16 = 1 / FX_ONE;
/** Batches at least this long run in Morton order of their centres. */
const BATCH_SORT_MIN = 64;
/**
 * Leaf capacity assumed when sizing the entry array after a bulk build (a larger leaf only
 * makes the first move into it compact the array once).
 */
const BUILD_LEAF_BOUND = 1024;
/** Longest radius, ray or thickness accepted, metres: far beyond any 64 km world. */
const MAX_LENGTH_M = 1e9;
const Q16_MIN = -0x80000000;
const Q16_MAX = 0x7fffffff;

export class SpatialIndex {
  readonly arena: Arena;
  readonly kernels: SpatialKernels;
  readonly bounds: Bounds;
  readonly capacity: number;
  readonly options: ResolvedGridOptions;
  /** Whether entities are spheres (a radius column) rather than points. */
  readonly hasRadius: boolean;
  /** Whether membership follows alive flags (update() adds and drops slots). */
  readonly followsFlags: boolean;
  private readonly source: SpatialSource;
  private readonly world: World | undefined;
  private readonly owned: SoaRegion<typeof OWNED_FIELDS> | undefined;
  private readonly header: Region;
  private readonly slots: SoaRegion<typeof SLOT_FIELDS>;
  private hash: Region;
  private bricks: Region;
  private nodes: Region;
  private entries: Region;
  private readonly scratch: Region;
  private frustums: Region | undefined;
  private cellsRegion: Region | undefined;
  private regionSerial = 0;
  private readonly defaultResult: SpatialResult;
  private queries = 0;
  private growths = 0;
  private compactions = 0;
  private disposed = false;

  /** An index that owns its position columns (standalone sets, benchmarks, tools). */
  static create(arena: Arena, bounds: Bounds, options: SpatialIndexOptions & { capacity: number }): SpatialIndex {
    const capacity = options.capacity;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 24) {
      throw new InvalidArgumentError(`capacity must be an integer in [1, ${1 << 24}], got ${capacity}`);
    }
    const resolved = resolveGridOptions(options, bounds);
    checkSpatialLayout(spatialKernels(arena.wasm));
    const owned = arena.soa(`${resolved.name}:positions`, capacity, OWNED_FIELDS);
    const source: SpatialSource = {
      posX: owned.ptrOf('x'),
      posY: owned.ptrOf('y'),
      posZ: owned.ptrOf('z'),
      radius: options.radius ? owned.ptrOf('r') : undefined,
      capacity,
    };
    return new SpatialIndex(arena, bounds, resolved, source, owned, undefined);
  }

  /** An index over a World's entities: members are its alive slots (or those with `mask`). */
  static forWorld(world: World, options: SpatialIndexOptions & { mask?: number } = {}): SpatialIndex {
    const resolved = resolveGridOptions(options, world.bounds);
    checkSpatialLayout(spatialKernels(world.arena.wasm));
    const mask = options.mask ?? FLAG_ALIVE;
    if (!Number.isInteger(mask) || mask <= 0 || mask > 0xffffffff) throw new InvalidArgumentError(`mask must be a non-zero u32, got ${mask}`);
    const source: SpatialSource = {
      posX: world.columnPtr('posX'),
      posY: world.columnPtr('posY'),
      posZ: world.columnPtr('posZ'),
      radius: options.radius === false ? undefined : world.columnPtr('radius'),
      capacity: world.capacity,
      alive: { flags: world.columnPtr('flags'), mask },
      count: () => world.highWater,
    };
    return new SpatialIndex(world.arena, world.bounds, resolved, source, undefined, world);
  }

  /** An index over any Q16 SoA in the arena. */
  static forSource(arena: Arena, bounds: Bounds, source: SpatialSource, options: SpatialGridOptions = {}): SpatialIndex {
    const resolved = resolveGridOptions(options, bounds);
    checkSpatialLayout(spatialKernels(arena.wasm));
    if (!Number.isInteger(source.capacity) || source.capacity < 1 || source.capacity > 1 << 24) {
      throw new InvalidArgumentError(`source capacity must be an integer in [1, ${1 << 24}], got ${source.capacity}`);
    }
    for (const [name, ptr] of [['posX', source.posX], ['posY', source.posY], ['posZ', source.posZ], ['radius', source.radius ?? 4], ['flags', source.alive?.flags ?? 4]] as const) {
      if (!Number.isInteger(ptr) || ptr <= 0 || ptr % 4 !== 0 || ptr + source.capacity * 4 > arena.memoryBuffer.byteLength) {
        throw new InvalidArgumentError(`source ${name} pointer ${ptr} does not hold ${source.capacity} aligned 32-bit values in memory`);
      }
    }
    return new SpatialIndex(arena, bounds, resolved, source, undefined, undefined);
  }

  private constructor(
    arena: Arena,
    bounds: Bounds,
    options: ResolvedGridOptions,
    source: SpatialSource,
    owned: SoaRegion<typeof OWNED_FIELDS> | undefined,
    world: World | undefined,
  ) {
    this.arena = arena;
    this.kernels = spatialKernels(arena.wasm);
    this.bounds = bounds;
    this.capacity = source.capacity;
    this.options = options;
    this.source = source;
    this.owned = owned;
    this.world = world;
    this.hasRadius = source.radius !== undefined;
    this.followsFlags = source.alive !== undefined;
    const name = options.name;
    const capacity = this.capacity;
    this.header = arena.allocate(`${name}:header`, SPATIAL_HEADER_BYTES);
    this.slots = arena.soa(`${name}:slots`, capacity, SLOT_FIELDS);
    // Pools start small and grow on demand by copying into larger regions: bricks for the
    // smaller of (every base-level brick of the world) and (one per 8 entities); nodes for a
    // few split cells; entries for a quarter of the slots (a bulk build sizes them exactly).
    const cellsPerAxis = (span: number) => Math.max(1, Math.ceil((span * FX_ONE) / options.baseCellQ16));
    const worldBricks =
      Math.ceil(cellsPerAxis(bounds.maxX - bounds.minX) / 4) * Math.ceil(cellsPerAxis(bounds.maxY - bounds.minY) / 4) * Math.ceil(cellsPerAxis(bounds.maxZ - bounds.minZ) / 4);
    const brickStart = Math.max(16, Math.min(Math.ceil(capacity / 8), worldBricks + 16));
    const hashBits = Math.max(6, Math.ceil(Math.log2(brickStart * 2)));
    this.hash = arena.allocate(this.regionName('hash'), (1 << hashBits) * HASH_SLOT_BYTES);
    this.bricks = arena.allocate(this.regionName('bricks'), brickStart * (BRICK_BYTES + BRICK_META_BYTES));
    const nodeStart = Math.max(64, Math.ceil(capacity / 64));
    this.nodes = arena.allocate(this.regionName('nodes'), nodeStart * NODE_BYTES);
    const entryStart = Math.ceil(capacity / 4) + entriesReserve(64, MAX_DEPTH, options.splitThreshold);
    this.entries = arena.allocate(this.regionName('entries'), entryStart * ENTRY_BYTES);
    this.scratch = arena.allocate(`${name}:scratch`, FRUSTUM_BYTES + STATS_WORDS * 4);
    const h = this.u32();
    const i32 = this.i32();
    h[SH.capacity / 4] = capacity;
    h[SH.flags / 4] = (this.hasRadius ? FLAG_HAS_RADIUS : 0) | (this.followsFlags ? FLAG_ALIVE_MEMBERSHIP : 0);
    h[SH.srcX / 4] = source.posX;
    h[SH.srcY / 4] = source.posY;
    h[SH.srcZ / 4] = source.posZ;
    h[SH.srcR / 4] = source.radius ?? 0;
    h[SH.srcFlags / 4] = source.alive?.flags ?? 0;
    h[SH.srcMask / 4] = source.alive?.mask ?? 0;
    i32[SH.minX / 4] = toQ16(bounds.minX);
    i32[SH.minY / 4] = toQ16(bounds.minY);
    i32[SH.minZ / 4] = toQ16(bounds.minZ);
    i32[SH.maxX / 4] = toQ16(bounds.maxX);
    i32[SH.maxY / 4] = toQ16(bounds.maxY);
    i32[SH.maxZ / 4] = toQ16(bounds.maxZ);
    i32[SH.baseCell / 4] = options.baseCellQ16;
    h[SH.maxDepth / 4] = options.maxSplitDepth;
    h[SH.split / 4] = options.splitThreshold;
    h[SH.merge / 4] = options.mergeThreshold;
    h[SH.hysteresis / 4] = options.hysteresisQ16;
    h[SH.hashPtr / 4] = this.hash.ptr;
    h[SH.hashBits / 4] = hashBits;
    h[SH.brickPtr / 4] = this.bricks.ptr;
    h[SH.brickMeta / 4] = this.bricks.ptr + brickStart * BRICK_BYTES;
    h[SH.brickCap / 4] = brickStart;
    h[SH.nodePtr / 4] = this.nodes.ptr;
    h[SH.nodeCap / 4] = nodeStart;
    h[SH.entPtr / 4] = this.entries.ptr;
    h[SH.entCap / 4] = entryStart;
    h[SH.cellOf / 4] = this.slots.ptrOf('cell');
    h[SH.loc / 4] = this.slots.ptrOf('loc');
    h[SH.lo / 4] = this.slots.ptrOf('lx');
    h[SH.loStride / 4] = this.slots.ptrOf('ly') - this.slots.ptrOf('lx');
    h[SH.code / 4] = this.slots.ptrOf('code');
    h[SH.radius / 4] = this.slots.ptrOf('radius');
    this.kernels.spatial_init(this.header.ptr);
    this.defaultResult = new SpatialResult(arena, 256, `${name}:result`);
  }

  // ---- state ----

  /** Byte address of the index header (for kernels that take the index). */
  get ptr(): number {
    return this.header.ptr;
  }

  /** Entities indexed. */
  get size(): number {
    return this.u32()[SH.indexed / 4]!;
  }

  /** Grid levels: level g has cells of side baseCellM * 2^g. */
  get levels(): number {
    return this.u32()[SH.levels / 4]!;
  }

  /** The index's own position columns (create only), Q16: write them, then update(). */
  get positions(): { x: Int32Array; y: Int32Array; z: Int32Array; radius: Int32Array } {
    if (!this.owned) throw new StateError('this index reads positions from its source; it owns no position columns');
    return { x: this.owned.column('x'), y: this.owned.column('y'), z: this.owned.column('z'), radius: this.owned.column('r') };
  }

  /** Whether `slot` is indexed. */
  has(slot: number): boolean {
    return Number.isInteger(slot) && slot >= 0 && slot < this.capacity && this.slots.column('cell')[slot] !== 0xffffffff;
  }

  /** Every arena region the index holds (for memory accounting and state hashing in tests). */
  regions(): Region[] {
    const list: Region[] = [this.header, this.slots, this.hash, this.bricks, this.nodes, this.entries];
    if (this.owned) list.push(this.owned);
    return list;
  }

  /** Arena bytes held by the index (its own position columns included). */
  get memoryBytes(): number {
    return this.regions().reduce((sum, r) => sum + r.byteLength, 0) + this.scratch.byteLength;
  }

  // ---- membership and movement ----

  /**
   * Syncs the index with its source in one kernel call: every member's position is refreshed,
   * entities that left their cell's hysteresis box change cell, and with flag membership new
   * alive slots are inserted and dead ones removed. Throws (changing nothing) when a member
   * lies outside the world or has a negative radius.
   */
  update(): UpdateReport {
    this.live();
    const count = this.scanCount();
    const bad = this.kernels.spatial_validate(this.ptr, count, 0);
    if (bad >= 0) this.throwBadSource(bad);
    const before = this.counterValues();
    if (this.size === 0 && this.followsFlags) {
      this.bulkBuild(count, false);
      const after = this.counterValues();
      return { moves: 0, cellChanges: 0, inserts: after.inserts - before.inserts, removes: 0, splits: after.splits - before.splits, merges: 0 };
    }
    let start = 0;
    for (;;) {
      const stopped = this.kernels.spatial_update(this.ptr, count, start);
      if (stopped < 0) break;
      this.grow(this.u32()[SH.status / 4]! >>> 8);
      start = stopped;
    }
    const after = this.counterValues();
    // A bulk insert leaves blocks in insertion order: lay them out in brick order once.
    if ((after.inserts - before.inserts) * 4 > this.size) this.compact();
    return {
      moves: after.moves - before.moves,
      cellChanges: after.cellChanges - before.cellChanges,
      inserts: after.inserts - before.inserts,
      removes: after.removes - before.removes,
      splits: after.splits - before.splits,
      merges: after.merges - before.merges,
    };
  }

  /** Indexes `slot` at (x, y, z) metres with a radius (own columns only). */
  insert(slot: number, xM: number, yM: number, zM: number, radiusM = 0): void {
    this.live();
    this.requireOwned('insert');
    this.checkSlot(slot);
    if (this.has(slot)) throw new InvalidArgumentError(`slot ${slot} is already indexed (use move)`);
    const [x, y, z, r] = this.checkPosition(xM, yM, zM, radiusM);
    this.writeOwned(slot, x, y, z, r);
    this.reserveThen(() => this.kernels.spatial_insert(this.ptr, slot));
  }

  /** Moves indexed `slot` to (x, y, z) metres, and to a new radius if given (own columns only). */
  move(slot: number, xM: number, yM: number, zM: number, radiusM?: number): void {
    this.live();
    this.requireOwned('move');
    this.checkSlot(slot);
    if (!this.has(slot)) throw new UnknownEntityError(slot, 'not in the spatial index');
    const [x, y, z, r] = this.checkPosition(xM, yM, zM, radiusM ?? this.owned!.column('r')[slot]! * INV_Q16);
    this.writeOwned(slot, x, y, z, r);
    this.reserveThen(() => this.kernels.spatial_refresh(this.ptr, slot));
  }

  /** Indexes `slot` at its current source position (explicit membership). */
  track(slot: number): void {
    this.live();
    if (this.followsFlags) throw new StateError('this index follows alive flags: membership changes with update()');
    this.checkSlot(slot);
    if (this.has(slot)) throw new InvalidArgumentError(`slot ${slot} is already indexed`);
    this.checkSourceSlot(slot);
    this.reserveThen(() => this.kernels.spatial_insert(this.ptr, slot));
  }

  /**
   * Indexes slots [0, count) at their source positions (explicit membership). Into an empty
   * index this is one bulk build (every cell gets one block, in brick order); otherwise one
   * track() per slot not yet indexed. Validates every slot first: nothing changes on error.
   */
  trackAll(count: number): void {
    this.live();
    if (this.followsFlags) throw new StateError('this index follows alive flags: membership changes with update()');
    if (!Number.isInteger(count) || count < 0 || count > this.capacity) throw new InvalidArgumentError(`count must be an integer in [0, ${this.capacity}], got ${count}`);
    const bad = this.kernels.spatial_validate(this.ptr, count, 1);
    if (bad >= 0) this.throwBadSource(bad);
    if (this.size === 0) {
      this.bulkBuild(count, true);
      return;
    }
    for (let slot = 0; slot < count; slot++) if (!this.has(slot)) this.reserveThen(() => this.kernels.spatial_insert(this.ptr, slot));
  }

  /** Re-reads one indexed slot's source position (after the caller changed it). */
  refresh(slot: number): void {
    this.live();
    this.checkSlot(slot);
    if (!this.has(slot)) throw new UnknownEntityError(slot, 'not in the spatial index');
    this.checkSourceSlot(slot);
    this.reserveThen(() => this.kernels.spatial_refresh(this.ptr, slot));
  }

  /** Stops indexing `slot` (explicit membership). */
  remove(slot: number): void {
    this.live();
    if (this.followsFlags) throw new StateError('this index follows alive flags: membership changes with update()');
    this.checkSlot(slot);
    if (!this.has(slot)) throw new UnknownEntityError(slot, 'not in the spatial index');
    this.reserveThen(() => this.kernels.spatial_remove(this.ptr, slot));
  }

  // ---- queries ----

  /** A reusable result in the arena (grows on demand). */
  createResult(capacity = 256): SpatialResult {
    return new SpatialResult(this.arena, capacity);
  }

  createBatchQuery(capacity: number): BatchQuery {
    return new BatchQuery(this.arena, capacity);
  }

  createBatchResult(options: BatchResultOptions = {}): BatchResult {
    return new BatchResult(this.arena, options);
  }

  /**
   * Slots whose sphere touches the sphere (x, y, z, r) metres: distance between centres <= r +
   * the entity's radius (inclusive), computed in f64 from the Q16 positions. Unordered (cell
   * order). Returns the count; the slots are out.ids[0 .. count).
   */
  radiusInto(out: SpatialResult, xM: number, yM: number, zM: number, radiusM: number): number {
    this.live();
    this.checkPoint('centre', xM, yM, zM);
    checkLength('radiusM', radiusM);
    const cx = xM * FX_ONE, cy = yM * FX_ONE, cz = zM * FX_ONE, r = radiusM * FX_ONE;
    let n = this.kernels.spatial_radius(this.ptr, cx, cy, cz, r, out.idsPtr, out.capacity);
    if (n > out.capacity) {
      out.ensure(n);
      n = this.kernels.spatial_radius(this.ptr, cx, cy, cz, r, out.idsPtr, out.capacity);
    }
    this.queries++;
    out.count = n;
    return n;
  }

  /** radiusInto, returning a new array (allocates). */
  radius(xM: number, yM: number, zM: number, radiusM: number): Uint32Array {
    this.radiusInto(this.defaultResult, xM, yM, zM, radiusM);
    return this.defaultResult.toArray();
  }

  /** Slots whose sphere touches the box [min, max] metres (inclusive). Unordered. */
  boxInto(out: SpatialResult, minX: number, minY: number, minZ: number, maxX: number, maxY: number, maxZ: number): number {
    this.live();
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
    this.queries++;
    out.count = n;
    return n;
  }

  box(minX: number, minY: number, minZ: number, maxX: number, maxY: number, maxZ: number): Uint32Array {
    this.boxInto(this.defaultResult, minX, minY, minZ, maxX, maxY, maxZ);
    return this.defaultResult.toArray();
  }

  /**
   * The k slots nearest to (x, y, z) metres, nearest first, by the gap to their sphere
   * max(0, distance - radius); ties go to the smaller slot. out.distances holds the gaps in
   * metres. Returns min(k, entities).
   */
  knnInto(out: SpatialResult, xM: number, yM: number, zM: number, k: number): number {
    this.live();
    this.checkPoint('point', xM, yM, zM);
    if (!Number.isInteger(k) || k < 1 || k > this.capacity) throw new InvalidValueError('k', k, `must be an integer in [1, ${this.capacity}]`);
    out.ensure(k);
    const n = this.kernels.spatial_knn(this.ptr, xM * FX_ONE, yM * FX_ONE, zM * FX_ONE, k, out.idsPtr, out.distancesPtr);
    const d = out.distances;
    for (let i = 0; i < n; i++) d[i] = d[i]! * INV_Q16;
    this.queries++;
    out.count = n;
    return n;
  }

  knn(xM: number, yM: number, zM: number, k: number): Uint32Array {
    this.knnInto(this.defaultResult, xM, yM, zM, k);
    return this.defaultResult.toArray();
  }

  /** The first entity the segment from `origin` along `direction` (up to maxM) enters, or null. */
  rayFirst(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, maxM: number, options: RayOptions = {}): RayHit | null {
    const out = this.defaultResult;
    const n = this.castRay(out, 0, ox, oy, oz, dx, dy, dz, maxM, options.thicknessM ?? 0);
    return n === 0 ? null : { slot: out.ids[0]!, distanceM: out.distances[0]! };
  }

  /** Every entity the segment enters, nearest first (ties by slot); distances in out.distances. */
  rayAllInto(out: SpatialResult, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, maxM: number, options: RayOptions = {}): number {
    return this.castRay(out, 1, ox, oy, oz, dx, dy, dz, maxM, options.thicknessM ?? 0);
  }

  /** Slots visible in the frustum (sphere test in f32, see assembly/spatial/frustum.ts). */
  frustumInto(out: SpatialResult, frustum: Frustum): number {
    this.live();
    if (!(frustum instanceof Frustum)) throw new InvalidArgumentError('frustum must be a Frustum (Frustum.fromCamera or Frustum.fromPlanes)');
    const record = this.scratch.ptr;
    frustum.writeRecord(this.arena.memoryBuffer, record);
    let n = this.kernels.spatial_frustum(this.ptr, record, out.idsPtr, out.capacity);
    if (n > out.capacity) {
      out.ensure(n);
      n = this.kernels.spatial_frustum(this.ptr, record, out.idsPtr, out.capacity);
    }
    this.queries++;
    out.count = n;
    return n;
  }

  frustum(frustum: Frustum): Uint32Array {
    this.frustumInto(this.defaultResult, frustum);
    return this.defaultResult.toArray();
  }

  /**
   * `count` radius queries in one kernel call (interest management's per-tick query for every
   * client). Query j's slots are out.ids[out.offsets[j] .. + out.counts[j]). The id buffer
   * grows (keeping what is written) up to out.maxIds; past that a CapacityError is thrown.
   */
  radiusBatch(query: BatchQuery, count: number, out: BatchResult, options: BatchOptions = {}): void {
    this.live();
    if (!Number.isInteger(count) || count < 0 || count > query.capacity) throw new InvalidArgumentError(`count must be an integer in [0, ${query.capacity}], got ${count}`);
    const useSlots = options.useSlots ?? false;
    const constant = options.radiusM;
    if (constant !== undefined) checkLength('radiusM', constant);
    this.checkBatch(query, count, useSlots, constant === undefined);
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
    let first = 0;
    let written = 0;
    while (first < count) {
      const done = k.spatial_radius_batch(
        this.ptr, query.ptrOf('x'), query.ptrOf('y'), query.ptrOf('z'), useSlots ? query.ptrOf('slot') : 0,
        constant === undefined ? query.ptrOf('radius') : 0, rConst, order, first, count,
        out.idsPtr, out.idCapacity, written, out.offsetsPtr, out.countsPtr, flags,
      );
      written = this.u32()[SH.batchWritten / 4]!;
      if (done < count) this.growBatch(out, written, this.u32()[SH.batchNeed / 4]!, done);
      first = done;
    }
    this.queries += count;
    out.queries = count;
    out.total = written;
  }

  /** Frustum culling for many cameras in one kernel call; results as in radiusBatch. */
  frustumBatch(frusta: readonly Frustum[], out: BatchResult): void {
    this.live();
    frusta.forEach((f, i) => {
      if (!(f instanceof Frustum)) throw new InvalidArgumentError(`frusta[${i}] must be a Frustum`);
    });
    const count = frusta.length;
    out.ensureQueries(Math.max(1, count));
    const needed = Math.max(1, count) * FRUSTUM_BYTES;
    if (!this.frustums || this.frustums.byteLength < needed) {
      if (this.frustums) this.arena.release(this.frustums);
      this.frustums = this.arena.allocate(this.regionName('frusta'), alignUp(needed * 2));
    }
    const base = this.frustums.ptr;
    frusta.forEach((f, i) => f.writeRecord(this.arena.memoryBuffer, base + i * FRUSTUM_BYTES));
    let first = 0;
    let written = 0;
    while (first < count) {
      const done = this.kernels.spatial_frustum_batch(this.ptr, base, first, count, out.idsPtr, out.idCapacity, written, out.offsetsPtr, out.countsPtr);
      written = this.u32()[SH.batchWritten / 4]!;
      if (done < count) this.growBatch(out, written, this.u32()[SH.batchNeed / 4]!, done);
      first = done;
    }
    this.queries += count;
    out.queries = count;
    out.total = written;
  }

  // ---- ids, statistics, cells ----

  /** The versioned entity id of `slot` (World indexes: uses the slot's current generation). */
  entityId(slot: number): EntityId {
    if (!this.world) throw new StateError('entity ids need an index built with forWorld');
    this.checkSlot(slot);
    return makeEntityId(slot, this.world.column('generation')[slot]!);
  }

  /** Cumulative counters (cheap: header reads, no walk). */
  counters(): SpatialCounters {
    return { ...this.counterValues(), queries: this.queries, growths: this.growths, compactions: this.compactions };
  }

  /**
   * Rewrites every leaf's entries in brick order into a fresh array sized for what is in use
   * (plus room to move), dropping blocks abandoned by entities that changed cell. Runs by
   * itself when the array fills and after a bulk insert; O(entities).
   */
  compact(minFree = 0): void {
    this.live();
    const h = this.u32();
    const size = this.kernels.spatial_compact_size(this.ptr);
    const reserve = entriesReserve(h[SH.entMaxCap / 4]!, this.options.maxSplitDepth, this.options.splitThreshold);
    // Half as much again as in use: room for blocks that move before the next compaction; at
    // least `minFree` past what is in use (a bulk build's split cascade asks for it).
    const capacity = Math.max(Math.ceil(size * 1.5) + reserve, size + minFree) + 64;
    const region = this.arena.allocate(this.regionName('entries'), capacity * ENTRY_BYTES);
    this.kernels.spatial_compact(this.ptr, region.ptr, capacity);
    this.arena.release(this.entries);
    this.entries = region;
    this.compactions++;
  }

  /** Statistics with the occupancy histogram (walks every cell: for tools and metrics). */
  stats(): SpatialStats {
    this.live();
    const out = this.scratch.ptr + FRUSTUM_BYTES;
    this.kernels.spatial_stats(this.ptr, out);
    const w = new Uint32Array(this.arena.memoryBuffer, out, STATS_WORDS);
    const levels = this.levels;
    const entities = w[0]!;
    const memoryBytes = this.memoryBytes;
    const sides: number[] = [];
    const lv = this.i32();
    for (let g = 0; g < levels; g++) {
      const at = (SH.levelTable + g * LEVEL_BYTES + SL.size) / 4;
      sides.push((lv[at]! >>> 0) * INV_Q16 + lv[at + 1]! * 2 ** 32 * INV_Q16);
    }
    return {
      entities,
      levels,
      levelsInUse: w[5]!,
      topCells: w[1]!,
      splitCells: w[2]!,
      leafCells: w[3]!,
      maxDepthInUse: w[4]!,
      occupancy: Array.from(w.subarray(10, 26)),
      entitiesPerLevel: Array.from(w.subarray(26, 26 + levels)),
      topCellsPerLevel: Array.from(w.subarray(42, 42 + levels)),
      cellSideM: sides,
      hashSlots: w[6]!,
      bricks: w[7]!,
      nodesInUse: w[8]!,
      entriesUsed: w[9]!,
      entriesGarbage: w[58]!,
      entriesCapacity: w[59]!,
      memoryBytes,
      bytesPerEntity: entities > 0 ? memoryBytes / entities : 0,
      counters: this.counters(),
    };
  }

  /**
   * Every non-empty leaf cell, 6 f64 each: lower corner x, y, z and side (metres), entities,
   * level + 256 * depth. The view stays valid until the next call (for drawing the grid).
   */
  leafCells(): { count: number; data: Float64Array } {
    this.live();
    let capacity = this.cellsRegion ? this.cellsRegion.byteLength / CELL_RECORD_BYTES : 0;
    let n = capacity > 0 ? this.kernels.spatial_cells(this.ptr, this.cellsRegion!.ptr, capacity) : this.kernels.spatial_cells(this.ptr, 0, 0);
    if (n > capacity) {
      if (this.cellsRegion) this.arena.release(this.cellsRegion);
      capacity = Math.max(256, n * 2);
      this.cellsRegion = this.arena.allocate(this.regionName('cells'), capacity * CELL_RECORD_BYTES);
      n = this.kernels.spatial_cells(this.ptr, this.cellsRegion.ptr, capacity);
    }
    const data = new Float64Array(this.arena.memoryBuffer, this.cellsRegion?.ptr ?? this.scratch.ptr, n * 6);
    for (let i = 0; i < n; i++) {
      const o = i * 6;
      data[o] = data[o]! * INV_Q16;
      data[o + 1] = data[o + 1]! * INV_Q16;
      data[o + 2] = data[o + 2]! * INV_Q16;
      data[o + 3] = data[o + 3]! * INV_Q16;
    }
    return { count: n, data };
  }

  /**
   * Verifies every internal invariant (each entity in exactly one leaf, inside its widened
   * cell, counts consistent; with `copies`, position copies equal the source). Throws
   * StateError naming the first broken one. For tests and debugging: it walks everything.
   */
  check(copies = false): void {
    this.live();
    const code = this.kernels.spatial_check(this.ptr, copies ? 1 : 0);
    if (code !== 0) {
      throw new StateError(`spatial index inconsistent: ${CHECK_CODES[code] ?? `code ${code}`} (slot or record ${this.u32()[SH.statusSlot / 4]})`);
    }
  }

  /** Returns every region to the arena; the index must not be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const r of this.regions()) if (!r.isReleased) this.arena.release(r);
    this.arena.release(this.scratch);
    if (this.frustums) this.arena.release(this.frustums);
    if (this.cellsRegion) this.arena.release(this.cellsRegion);
    this.defaultResult.dispose();
  }

  // ---- internals ----

  private u32(): Uint32Array {
    return new Uint32Array(this.arena.memoryBuffer, this.header.ptr, SPATIAL_HEADER_BYTES / 4);
  }

  private i32(): Int32Array {
    return new Int32Array(this.arena.memoryBuffer, this.header.ptr, SPATIAL_HEADER_BYTES / 4);
  }

  private live(): void {
    if (this.disposed) throw new StateError('the spatial index was disposed');
  }

  private regionName(what: string): string {
    return `${this.options.name}:${what}#${this.regionSerial++}`;
  }

  private scanCount(): number {
    const n = this.source.count ? this.source.count() : this.capacity;
    return Math.min(n, this.capacity);
  }

  private counterValues(): Omit<SpatialCounters, 'queries' | 'growths' | 'compactions'> {
    const v = new BigUint64Array(this.arena.memoryBuffer, this.header.ptr + SH.moves, 6);
    return {
      moves: Number(v[0]),
      cellChanges: Number(v[1]),
      splits: Number(v[2]),
      merges: Number(v[3]),
      inserts: Number(v[4]),
      removes: Number(v[5]),
    };
  }

  private requireOwned(what: string): void {
    if (!this.owned) throw new StateError(`${what}() writes positions, which this index reads from its source: write the source, then update() or refresh()`);
  }

  private checkSlot(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.capacity) {
      throw new UnknownEntityError(slot, `no slot ${slot} in a spatial index of capacity ${this.capacity}`);
    }
  }

  /** Validates metres and returns Q16 values [x, y, z, radius]. */
  private checkPosition(xM: number, yM: number, zM: number, radiusM: number): [number, number, number, number] {
    this.checkPoint('position', xM, yM, zM);
    checkLength('radiusM', radiusM);
    if (!fitsQ16(radiusM)) throw new InvalidValueError('radiusM', radiusM, 'must fit Q16.16 (below 32768 m)');
    return [toQ16(xM), toQ16(yM), toQ16(zM), toQ16(radiusM)];
  }

  /** Points (centres, origins) must lie in the world; hot path: comparisons only. */
  private checkPoint(what: string, xM: number, yM: number, zM: number): void {
    const b = this.bounds;
    if (xM >= b.minX && xM <= b.maxX && yM >= b.minY && yM <= b.maxY && zM >= b.minZ && zM <= b.maxZ) return;
    this.throwPoint(what, xM, yM, zM);
  }

  private throwPoint(what: string, xM: number, yM: number, zM: number): never {
    const b = this.bounds;
    const axes = [['x', xM, b.minX, b.maxX], ['y', yM, b.minY, b.maxY], ['z', zM, b.minZ, b.maxZ]] as const;
    for (const [axis, v, min, max] of axes) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidValueError(`${what}.${axis}`, v, 'must be a finite number of metres');
      if (v < min || v > max) throw new OutOfWorldError(`${what}.${axis}`, v, min, max);
    }
    throw new InvalidValueError(what, `${xM},${yM},${zM}`, 'is not a point in the world');
  }

  private checkSourceSlot(slot: number): void {
    const off = slot * 4;
    const buf = this.arena.memoryBuffer;
    const read = (ptr: number) => new Int32Array(buf, ptr + off, 1)[0]!;
    const q = [read(this.source.posX), read(this.source.posY), read(this.source.posZ)];
    const lo = [toQ16(this.bounds.minX), toQ16(this.bounds.minY), toQ16(this.bounds.minZ)];
    const hi = [toQ16(this.bounds.maxX), toQ16(this.bounds.maxY), toQ16(this.bounds.maxZ)];
    const names = ['x', 'y', 'z'];
    for (let i = 0; i < 3; i++) {
      if (q[i]! < lo[i]! || q[i]! > hi[i]!) {
        throw new OutOfWorldError(`slot ${slot} ${names[i]}`, q[i]! * INV_Q16, lo[i]! * INV_Q16, hi[i]! * INV_Q16);
      }
    }
    if (this.source.radius !== undefined && read(this.source.radius) < 0) {
      throw new InvalidValueError(`slot ${slot} radius`, read(this.source.radius) * INV_Q16, 'must not be negative');
    }
  }

  private throwBadSource(slot: number): never {
    this.checkSourceSlot(slot);
    throw new InvalidValueError(`slot ${slot}`, 'position', 'was rejected by validation');
  }

  private writeOwned(slot: number, x: number, y: number, z: number, r: number): void {
    const o = this.owned!;
    o.column('x')[slot] = x;
    o.column('y')[slot] = y;
    o.column('z')[slot] = z;
    o.column('r')[slot] = r;
  }

  /** Bulk build of an empty index over [0, count): count per cell, one block each, place, split. */
  private bulkBuild(count: number, all: boolean): void {
    const k = this.kernels;
    let start = 0;
    for (;;) {
      const stopped = k.spatial_build_count(this.ptr, count, start, all ? 1 : 0);
      if (stopped < 0) break;
      this.grow(this.u32()[SH.status / 4]! >>> 8);
      start = stopped;
    }
    // The entry array is empty: swap in one of the right size rather than copying.
    const size = k.spatial_compact_size(this.ptr);
    // Room to move (half again) plus the reserve for the largest leaf a build can make.
    const needed = Math.ceil(size * 1.5) + entriesReserve(BUILD_LEAF_BOUND, this.options.maxSplitDepth, this.options.splitThreshold);
    if (this.u32()[SH.entCap / 4]! < needed) {
      const region = this.arena.allocate(this.regionName('entries'), needed * ENTRY_BYTES);
      this.arena.release(this.entries);
      this.entries = region;
      const h = this.u32();
      h[SH.entPtr / 4] = region.ptr;
      h[SH.entCap / 4] = needed;
    }
    k.spatial_build_place(this.ptr, count);
    const splitsBefore = this.counterValues().splits;
    // A crowded top cell splits into a cascade: the kernel says how many entries must be free for it.
    while (k.spatial_split_overfull(this.ptr) === 1) this.grow(this.u32()[SH.status / 4]! >>> 8, this.u32()[SH.statusSlot / 4]!);
    if (this.counterValues().splits > splitsBefore) this.compact();
  }

  /** Runs a single-entity kernel, growing the pools first if it reports a shortage. */
  private reserveThen(call: () => number): void {
    let status = call();
    if (status === 1) {
      this.grow(this.u32()[SH.status / 4]! >>> 8);
      status = call();
    }
    if (status !== 0) throw new StateError(`spatial kernel refused the operation (status ${status})`);
  }

  /** Grows the pools named by `need` (NEED_* bits) by copying into larger regions (entries: at least `minFreeEntries` free). */
  private grow(need: number, minFreeEntries = 0): void {
    if (need & NEED_NODES) {
      const cap = this.u32()[SH.nodeCap / 4]!;
      const next = Math.max(cap * 2, cap + 4 * (MAX_DEPTH + 1));
      const region = this.arena.allocate(this.regionName('nodes'), next * NODE_BYTES);
      region.bytes().set(this.nodes.bytes().subarray(0, cap * NODE_BYTES));
      this.arena.release(this.nodes);
      this.nodes = region;
      const h = this.u32();
      h[SH.nodePtr / 4] = region.ptr;
      h[SH.nodeCap / 4] = next;
      this.growths++;
    }
    if (need & NEED_BRICKS) {
      const cap = this.u32()[SH.brickCap / 4]!;
      const next = cap * 2;
      const region = this.arena.allocate(this.regionName('bricks'), next * (BRICK_BYTES + BRICK_META_BYTES));
      const old = this.bricks.bytes();
      const fresh = region.bytes();
      fresh.set(old.subarray(0, cap * BRICK_BYTES));
      fresh.set(old.subarray(cap * BRICK_BYTES, cap * (BRICK_BYTES + BRICK_META_BYTES)), next * BRICK_BYTES);
      this.arena.release(this.bricks);
      this.bricks = region;
      const h = this.u32();
      h[SH.brickPtr / 4] = region.ptr;
      h[SH.brickMeta / 4] = region.ptr + next * BRICK_BYTES;
      h[SH.brickCap / 4] = next;
      this.growths++;
    }
    if (need & NEED_HASH) {
      const bits = this.u32()[SH.hashBits / 4]! + 1;
      if (bits > 28) throw new CapacityError('spatial brick table', 2 ** 27);
      const region = this.arena.allocate(this.regionName('hash'), 2 ** bits * HASH_SLOT_BYTES);
      this.kernels.spatial_rehash(this.ptr, region.ptr, bits);
      this.arena.release(this.hash);
      this.hash = region;
      this.growths++;
    }
    if (need & NEED_ENTRIES) this.compact(minFreeEntries);
  }

  private growBatch(out: BatchResult, written: number, need: number, query: number): void {
    if (!out.growIds(written + need, written)) {
      throw new CapacityError(`batch result ids (query ${query} needs ${need} more after ${written})`, out.maxIds);
    }
  }

  private checkBatch(query: BatchQuery, count: number, useSlots: boolean, perQueryRadius: boolean): void {
    const r = query.radius;
    if (useSlots) {
      const slots = query.slot;
      for (let j = 0; j < count; j++) {
        const slot = slots[j]!;
        if (slot >= this.capacity) throw new UnknownEntityError(slot, `query ${j} centres on a slot outside capacity ${this.capacity}`);
        this.checkSourceSlot(slot);
      }
    } else {
      const [x, y, z] = [query.x, query.y, query.z];
      const lo = [toQ16(this.bounds.minX), toQ16(this.bounds.minY), toQ16(this.bounds.minZ)];
      const hi = [toQ16(this.bounds.maxX), toQ16(this.bounds.maxY), toQ16(this.bounds.maxZ)];
      for (let j = 0; j < count; j++) {
        const p = [x[j]!, y[j]!, z[j]!];
        for (let a = 0; a < 3; a++) {
          if (p[a]! < lo[a]! || p[a]! > hi[a]!) {
            throw new OutOfWorldError(`query ${j} ${'xyz'[a]}`, p[a]! * INV_Q16, lo[a]! * INV_Q16, hi[a]! * INV_Q16);
          }
        }
      }
    }
    if (perQueryRadius) {
      for (let j = 0; j < count; j++) {
        if (r[j]! < 0) throw new InvalidValueError(`query ${j} radius`, r[j]! * INV_Q16, 'must not be negative');
      }
    }
  }

  private castRay(out: SpatialResult, mode: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, maxM: number, thicknessM: number): number {
    this.live();
    this.checkPoint('origin', ox, oy, oz);
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
    this.queries++;
    out.count = n;
    return n;
  }
}

function toQ16(m: number): number {
  return Math.min(Q16_MAX, Math.max(Q16_MIN, Math.round(m * FX_ONE)));
}

function throwBox(minX: number, minY: number, minZ: number, maxX: number, maxY: number, maxZ: number): never {
  const v = [minX, minY, minZ, maxX, maxY, maxZ];
  v.forEach((value, i) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidValueError(`box ${['minX', 'minY', 'minZ', 'maxX', 'maxY', 'maxZ'][i]}`, value, 'must be a finite number of metres');
    }
  });
  throw new InvalidValueError('box', `[${minX}, ${minY}, ${minZ}] .. [${maxX}, ${maxY}, ${maxZ}]`, 'needs min <= max on every axis');
}

/** A length (radius, ray length, thickness): finite, >= 0, and below MAX_LENGTH_M. */
function checkLength(name: string, value: number): void {
  if (value >= 0 && value <= MAX_LENGTH_M) return;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidValueError(name, value, 'must be a finite number of metres');
  if (value < 0) throw new InvalidValueError(name, value, 'must not be negative');
  throw new InvalidValueError(name, value, `is beyond any world (${MAX_LENGTH_M} m)`);
}

/** Throws WasmLinkError if the module's spatial layout differs from layout.ts. */
export function checkSpatialLayout(kernels: SpatialKernels): void {
  const problems: string[] = [];
  if (kernels.spatial_layout_header_bytes() !== SPATIAL_HEADER_BYTES) problems.push('spatial header size');
  if (kernels.spatial_layout_version() !== SPATIAL_VERSION) problems.push('spatial layout version');
  if (kernels.spatial_max_levels() !== MAX_LEVELS) problems.push('spatial level count');
  if (kernels.spatial_stats_words() !== STATS_WORDS) problems.push('spatial stats words');
  if (problems.length > 0) throw new WasmLinkError(problems);
}
