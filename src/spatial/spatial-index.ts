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
//
// This class is the API: it creates an index, holds its regions and, once it has checked that
// the index is live, hands most calls to the part that does the work: spatial-membership.ts
// (update and the membership calls), spatial-queries.ts (the queries), spatial-pools.ts (the
// pools, their growth, the bulk build and compact), spatial-report.ts (stats and leaf cells).
// spatial-types.ts holds the shapes it takes and gives, spatial-checks.ts the argument checks
// and spatial-header.ts what is written into the header and read back from it.

import { InvalidArgumentError, StateError } from '../core/errors.js';
import type { Bounds } from '../core/schema.js';
import { makeEntityId, type EntityId } from '../core/entity-id.js';
import { FLAG_ALIVE } from '../core/world-layout.js';
import type { World } from '../core/world.js';
import type { Arena, Region, SoaRegion } from '../wasm/arena.js';
import { spatialKernels, type SpatialKernels } from './kernels.js';
import { CHECK_CODES, FRUSTUM_BYTES, SH, SPATIAL_HEADER_BYTES, STATS_WORDS } from './layout.js';
import { resolveGridOptions, type ResolvedGridOptions, type SpatialGridOptions } from './options.js';
import { BatchResult, SpatialResult, type BatchResultOptions } from './result.js';
import { BatchQuery } from './batch-query.js';
import type { Frustum } from './frustum.js';
import { checkSlot, checkSource, checkSpatialLayout } from './spatial-checks.js';
import { SLOT_FIELDS, headerU32, readCounters, writeHeader } from './spatial-header.js';
import { OWNED_FIELDS, SpatialMembership } from './spatial-membership.js';
import { SpatialPools } from './spatial-pools.js';
import { SpatialQueries } from './spatial-queries.js';
import { LeafCellView, readStats } from './spatial-report.js';
import type {
  BatchOptions, RayHit, RayOptions, SpatialCounters, SpatialIndexOptions, SpatialSource, SpatialStats, UpdateReport,
} from './spatial-types.js';

export type {
  BatchOptions, RayHit, RayOptions, SpatialCounters, SpatialIndexOptions, SpatialSource, SpatialStats, UpdateReport,
} from './spatial-types.js';
export { checkSpatialLayout } from './spatial-checks.js';

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
  private readonly world: World | undefined;
  private readonly owned: SoaRegion<typeof OWNED_FIELDS> | undefined;
  private readonly header: Region;
  private readonly slots: SoaRegion<typeof SLOT_FIELDS>;
  private readonly pools: SpatialPools;
  private readonly membership: SpatialMembership;
  private readonly scratch: Region;
  private readonly queries: SpatialQueries;
  private readonly cells: LeafCellView;
  private readonly defaultResult: SpatialResult;
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
    checkSource(source, arena.memoryBuffer.byteLength);
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
    this.owned = owned;
    this.world = world;
    this.hasRadius = source.radius !== undefined;
    this.followsFlags = source.alive !== undefined;
    const name = options.name;
    const capacity = this.capacity;
    this.header = arena.allocate(`${name}:header`, SPATIAL_HEADER_BYTES);
    this.slots = arena.soa(`${name}:slots`, capacity, SLOT_FIELDS);
    this.pools = new SpatialPools(arena, this.kernels, this.header, options, bounds, capacity);
    this.scratch = arena.allocate(`${name}:scratch`, FRUSTUM_BYTES + STATS_WORDS * 4);
    writeHeader(arena, this.header.ptr, capacity, source, bounds, options, this.slots);
    this.kernels.spatial_init(this.header.ptr);
    this.defaultResult = new SpatialResult(arena, 256, `${name}:result`);
    this.membership = new SpatialMembership(arena, this.kernels, this.header.ptr, bounds, source, owned, this.slots, this.pools);
    this.queries = new SpatialQueries(arena, this.kernels, this.header.ptr, bounds, capacity, source, this.scratch, this.pools);
    this.cells = new LeafCellView(arena, this.kernels, this.header.ptr, this.scratch, this.pools);
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
    return this.membership.has(slot);
  }

  /** Every arena region the index holds (for memory accounting and state hashing in tests). */
  regions(): Region[] {
    const list: Region[] = [this.header, this.slots, ...this.pools.regions()];
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
    return this.membership.update();
  }

  /** Indexes `slot` at (x, y, z) metres with a radius (own columns only). */
  insert(slot: number, xM: number, yM: number, zM: number, radiusM = 0): void {
    this.live();
    this.membership.insert(slot, xM, yM, zM, radiusM);
  }

  /** Moves indexed `slot` to (x, y, z) metres, and to a new radius if given (own columns only). */
  move(slot: number, xM: number, yM: number, zM: number, radiusM?: number): void {
    this.live();
    this.membership.move(slot, xM, yM, zM, radiusM);
  }

  /** Indexes `slot` at its current source position (explicit membership). */
  track(slot: number): void {
    this.live();
    this.membership.track(slot);
  }

  /**
   * Indexes slots [0, count) at their source positions (explicit membership). Into an empty
   * index this is one bulk build (every cell gets one block, in brick order); otherwise one
   * track() per slot not yet indexed. Validates every slot first: nothing changes on error.
   */
  trackAll(count: number): void {
    this.live();
    this.membership.trackAll(count);
  }

  /** Re-reads one indexed slot's source position (after the caller changed it). */
  refresh(slot: number): void {
    this.live();
    this.membership.refresh(slot);
  }

  /** Stops indexing `slot` (explicit membership). */
  remove(slot: number): void {
    this.live();
    this.membership.remove(slot);
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
    return this.queries.radiusInto(out, xM, yM, zM, radiusM);
  }

  /** radiusInto, returning a new array (allocates). */
  radius(xM: number, yM: number, zM: number, radiusM: number): Uint32Array {
    this.radiusInto(this.defaultResult, xM, yM, zM, radiusM);
    return this.defaultResult.toArray();
  }

  /** Slots whose sphere touches the box [min, max] metres (inclusive). Unordered. */
  boxInto(out: SpatialResult, minX: number, minY: number, minZ: number, maxX: number, maxY: number, maxZ: number): number {
    this.live();
    return this.queries.boxInto(out, minX, minY, minZ, maxX, maxY, maxZ);
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
    return this.queries.knnInto(out, xM, yM, zM, k);
  }

  knn(xM: number, yM: number, zM: number, k: number): Uint32Array {
    this.knnInto(this.defaultResult, xM, yM, zM, k);
    return this.defaultResult.toArray();
  }

  /** The first entity the segment from `origin` along `direction` (up to maxM) enters, or null. */
  rayFirst(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, maxM: number, options: RayOptions = {}): RayHit | null {
    this.live();
    const out = this.defaultResult;
    const n = this.queries.castRay(out, 0, ox, oy, oz, dx, dy, dz, maxM, options.thicknessM ?? 0);
    return n === 0 ? null : { slot: out.ids[0]!, distanceM: out.distances[0]! };
  }

  /** Every entity the segment enters, nearest first (ties by slot); distances in out.distances. */
  rayAllInto(out: SpatialResult, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, maxM: number, options: RayOptions = {}): number {
    this.live();
    return this.queries.castRay(out, 1, ox, oy, oz, dx, dy, dz, maxM, options.thicknessM ?? 0);
  }

  /** Slots visible in the frustum (sphere test in f32, see assembly/spatial/frustum.ts). */
  frustumInto(out: SpatialResult, frustum: Frustum): number {
    this.live();
    return this.queries.frustumInto(out, frustum);
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
    this.queries.radiusBatch(query, count, out, options);
  }

  /** Frustum culling for many cameras in one kernel call; results as in radiusBatch. */
  frustumBatch(frusta: readonly Frustum[], out: BatchResult): void {
    this.live();
    this.queries.frustumBatch(frusta, out);
  }

  // ---- ids, statistics, cells ----

  /** The versioned entity id of `slot` (World indexes: uses the slot's current generation). */
  entityId(slot: number): EntityId {
    if (!this.world) throw new StateError('entity ids need an index built with forWorld');
    checkSlot(slot, this.capacity);
    return makeEntityId(slot, this.world.column('generation')[slot]!);
  }

  /** Cumulative counters (cheap: header reads, no walk). */
  counters(): SpatialCounters {
    return { ...readCounters(this.arena, this.header.ptr), queries: this.queries.count, growths: this.pools.growths, compactions: this.pools.compactions };
  }

  /**
   * Rewrites every leaf's entries in brick order into a fresh array sized for what is in use
   * (plus room to move), dropping blocks abandoned by entities that changed cell. Runs by
   * itself when the array fills and after a bulk insert; O(entities).
   */
  compact(minFree = 0): void {
    this.live();
    this.pools.compact(minFree);
  }

  /** Statistics with the occupancy histogram (walks every cell: for tools and metrics). */
  stats(): SpatialStats {
    this.live();
    const out = this.scratch.ptr + FRUSTUM_BYTES;
    this.kernels.spatial_stats(this.ptr, out);
    return readStats(this.arena, this.ptr, out, this.levels, this.memoryBytes, this.counters());
  }

  /**
   * Every non-empty leaf cell, 6 f64 each: lower corner x, y, z and side (metres), entities,
   * level + 256 * depth. The view stays valid until the next call (for drawing the grid).
   */
  leafCells(): { count: number; data: Float64Array } {
    this.live();
    return this.cells.read();
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
    this.queries.dispose();
    this.cells.dispose();
    this.defaultResult.dispose();
  }

  // ---- internals ----

  private u32(): Uint32Array {
    return headerU32(this.arena, this.header.ptr);
  }

  private live(): void {
    if (this.disposed) throw new StateError('the spatial index was disposed');
  }

}
