// The bodies of SpatialIndex's membership and movement: update() (the per-tick sync with the
// source), insert and move (the index's own columns), track, trackAll, refresh and remove
// (explicit membership). Each checks all of its input before a kernel changes anything, so a
// rejected call changes nothing; when a kernel runs short, SpatialPools grows the pool and the
// call goes on. The index checks that it is live before calling in.

import { InvalidArgumentError, StateError, UnknownEntityError } from '../core/errors.js';
import type { Bounds } from '../core/schema.js';
import type { Arena, SoaRegion } from '../wasm/arena.js';
import type { SpatialKernels } from './kernels.js';
import { SH } from './layout.js';
import { INV_Q16, checkPosition, checkSlot, checkSourceSlot, throwBadSource } from './spatial-checks.js';
import { headerU32, readCounters, type SLOT_FIELDS } from './spatial-header.js';
import type { SpatialPools } from './spatial-pools.js';
import type { SpatialSource, UpdateReport } from './spatial-types.js';

/** The position columns of an index made with create (Q16; r: radius). */
export const OWNED_FIELDS = { x: 'i32', y: 'i32', z: 'i32', r: 'i32' } as const;

export class SpatialMembership {
  private readonly arena: Arena;
  private readonly kernels: SpatialKernels;
  private readonly ptr: number;
  private readonly bounds: Bounds;
  private readonly capacity: number;
  private readonly source: SpatialSource;
  private readonly owned: SoaRegion<typeof OWNED_FIELDS> | undefined;
  private readonly slots: SoaRegion<typeof SLOT_FIELDS>;
  private readonly pools: SpatialPools;
  private readonly followsFlags: boolean;

  /** `ptr`: the index header; `owned`: the index's own position columns (create only). */
  constructor(
    arena: Arena,
    kernels: SpatialKernels,
    ptr: number,
    bounds: Bounds,
    source: SpatialSource,
    owned: SoaRegion<typeof OWNED_FIELDS> | undefined,
    slots: SoaRegion<typeof SLOT_FIELDS>,
    pools: SpatialPools,
  ) {
    this.arena = arena;
    this.kernels = kernels;
    this.ptr = ptr;
    this.bounds = bounds;
    this.capacity = source.capacity;
    this.source = source;
    this.owned = owned;
    this.slots = slots;
    this.pools = pools;
    this.followsFlags = source.alive !== undefined;
  }

  get size(): number {
    return headerU32(this.arena, this.ptr)[SH.indexed / 4]!;
  }

  has(slot: number): boolean {
    return Number.isInteger(slot) && slot >= 0 && slot < this.capacity && this.slots.column('cell')[slot] !== 0xffffffff;
  }

  update(): UpdateReport {
    const count = this.scanCount();
    const bad = this.kernels.spatial_validate(this.ptr, count, 0);
    if (bad >= 0) throwBadSource(this.arena, this.source, this.bounds, bad);
    const before = readCounters(this.arena, this.ptr);
    if (this.size === 0 && this.followsFlags) {
      this.pools.bulkBuild(count, false);
      const after = readCounters(this.arena, this.ptr);
      return { moves: 0, cellChanges: 0, inserts: after.inserts - before.inserts, removes: 0, splits: after.splits - before.splits, merges: 0 };
    }
    let start = 0;
    for (;;) {
      const stopped = this.kernels.spatial_update(this.ptr, count, start);
      if (stopped < 0) break;
      this.pools.grow(headerU32(this.arena, this.ptr)[SH.status / 4]! >>> 8);
      start = stopped;
    }
    const after = readCounters(this.arena, this.ptr);
    // A bulk insert leaves blocks in insertion order: lay them out in brick order once.
    if ((after.inserts - before.inserts) * 4 > this.size) this.pools.compact();
    return {
      moves: after.moves - before.moves,
      cellChanges: after.cellChanges - before.cellChanges,
      inserts: after.inserts - before.inserts,
      removes: after.removes - before.removes,
      splits: after.splits - before.splits,
      merges: after.merges - before.merges,
    };
  }

  insert(slot: number, xM: number, yM: number, zM: number, radiusM: number): void {
    this.requireOwned('insert');
    checkSlot(slot, this.capacity);
    if (this.has(slot)) throw new InvalidArgumentError(`slot ${slot} is already indexed (use move)`);
    const [x, y, z, r] = checkPosition(this.bounds, xM, yM, zM, radiusM);
    this.writeOwned(slot, x, y, z, r);
    this.pools.reserveThen(() => this.kernels.spatial_insert(this.ptr, slot));
  }

  move(slot: number, xM: number, yM: number, zM: number, radiusM: number | undefined): void {
    this.requireOwned('move');
    checkSlot(slot, this.capacity);
    if (!this.has(slot)) throw new UnknownEntityError(slot, 'not in the spatial index');
    const [x, y, z, r] = checkPosition(this.bounds, xM, yM, zM, radiusM ?? this.owned!.column('r')[slot]! * INV_Q16);
    this.writeOwned(slot, x, y, z, r);
    this.pools.reserveThen(() => this.kernels.spatial_refresh(this.ptr, slot));
  }

  track(slot: number): void {
    if (this.followsFlags) throw new StateError('this index follows alive flags: membership changes with update()');
    checkSlot(slot, this.capacity);
    if (this.has(slot)) throw new InvalidArgumentError(`slot ${slot} is already indexed`);
    checkSourceSlot(this.arena, this.source, this.bounds, slot);
    this.pools.reserveThen(() => this.kernels.spatial_insert(this.ptr, slot));
  }

  trackAll(count: number): void {
    if (this.followsFlags) throw new StateError('this index follows alive flags: membership changes with update()');
    if (!Number.isInteger(count) || count < 0 || count > this.capacity) throw new InvalidArgumentError(`count must be an integer in [0, ${this.capacity}], got ${count}`);
    const bad = this.kernels.spatial_validate(this.ptr, count, 1);
    if (bad >= 0) throwBadSource(this.arena, this.source, this.bounds, bad);
    if (this.size === 0) {
      this.pools.bulkBuild(count, true);
      return;
    }
    for (let slot = 0; slot < count; slot++) if (!this.has(slot)) this.pools.reserveThen(() => this.kernels.spatial_insert(this.ptr, slot));
  }

  refresh(slot: number): void {
    checkSlot(slot, this.capacity);
    if (!this.has(slot)) throw new UnknownEntityError(slot, 'not in the spatial index');
    checkSourceSlot(this.arena, this.source, this.bounds, slot);
    this.pools.reserveThen(() => this.kernels.spatial_refresh(this.ptr, slot));
  }

  remove(slot: number): void {
    if (this.followsFlags) throw new StateError('this index follows alive flags: membership changes with update()');
    checkSlot(slot, this.capacity);
    if (!this.has(slot)) throw new UnknownEntityError(slot, 'not in the spatial index');
    this.pools.reserveThen(() => this.kernels.spatial_remove(this.ptr, slot));
  }

  private scanCount(): number {
    const n = this.source.count ? this.source.count() : this.capacity;
    return Math.min(n, this.capacity);
  }

  private requireOwned(what: string): void {
    if (!this.owned) throw new StateError(`${what}() writes positions, which this index reads from its source: write the source, then update() or refresh()`);
  }

  private writeOwned(slot: number, x: number, y: number, z: number, r: number): void {
    const o = this.owned!;
    o.column('x')[slot] = x;
    o.column('y')[slot] = y;
    o.column('z')[slot] = z;
    o.column('r')[slot] = r;
  }
}
