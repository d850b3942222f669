// Query results that live in the arena, so kernels write them directly and nothing is copied
// or allocated per query. A SpatialResult holds slots (u32) and, for k-nearest and ray
// queries, a distance per slot (f64 metres); it grows (amortised doubling) when a query finds
// more than it holds, and keeps its size afterwards. A BatchResult holds the answers of many
// queries in one id buffer, as (offset, count) ranges per query.

import { InvalidArgumentError } from '../core/errors.js';
import type { Arena, SoaRegion } from '../wasm/arena.js';

let nextResultId = 0;

const RESULT_FIELDS = { ids: 'u32', distances: 'f64' } as const;

export class SpatialResult {
  readonly arena: Arena;
  private region: SoaRegion<typeof RESULT_FIELDS>;
  private readonly name: string;
  /** Matches of the last query written into this result. */
  count = 0;

  constructor(arena: Arena, capacity = 256, name = `spatial-result-${nextResultId++}`) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new InvalidArgumentError(`result capacity must be a positive integer, got ${capacity}`);
    this.arena = arena;
    this.name = name;
    this.region = arena.soa(`${name}#${capacity}`, capacity, RESULT_FIELDS);
  }

  get capacity(): number {
    return this.region.capacity;
  }

  /** Slots of the last query in [0, count): a view over the whole capacity, rebuilt on growth. */
  get ids(): Uint32Array {
    return this.region.column('ids');
  }

  /** Distances in metres for knn and ray queries, parallel to `ids`. */
  get distances(): Float64Array {
    return this.region.column('distances');
  }

  get idsPtr(): number {
    return this.region.ptrOf('ids');
  }

  get distancesPtr(): number {
    return this.region.ptrOf('distances');
  }

  /** Bytes this result holds in the arena. */
  get byteLength(): number {
    return this.region.byteLength;
  }

  /** The slots of the last query as a new array (allocates; for convenience paths). */
  toArray(): Uint32Array {
    return this.ids.slice(0, this.count);
  }

  /** Grows (by doubling) so that at least `needed` entries fit; contents are not kept. */
  ensure(needed: number): void {
    if (needed <= this.region.capacity) return;
    let capacity = this.region.capacity;
    while (capacity < needed) capacity *= 2;
    this.arena.release(this.region);
    this.region = this.arena.soa(`${this.name}#${capacity}`, capacity, RESULT_FIELDS);
  }

  /** Returns the arena memory; the result must not be used afterwards. */
  dispose(): void {
    if (!this.region.isReleased) this.arena.release(this.region);
  }
}

const BATCH_ID_FIELDS = { ids: 'u32' } as const;
const BATCH_QUERY_FIELDS = { offsets: 'u32', counts: 'u32' } as const;

export interface BatchResultOptions {
  /** Queries the result holds ranges for (grows when a batch has more). */
  queries?: number;
  /** Ids the shared buffer holds to start with (grows by doubling while within maxIds). */
  ids?: number;
  /** Most ids the buffer may grow to; a batch needing more throws CapacityError. */
  maxIds?: number;
}

/**
 * The answers of a batch of queries: query j's slots are ids[offsets[j] .. offsets[j] +
 * counts[j]). One id buffer for the whole batch, reused batch after batch.
 */
export class BatchResult {
  readonly arena: Arena;
  readonly maxIds: number;
  private idRegion: SoaRegion<typeof BATCH_ID_FIELDS>;
  private queryRegion: SoaRegion<typeof BATCH_QUERY_FIELDS>;
  private readonly name: string;
  /** Queries answered by the last batch. */
  queries = 0;
  /** Ids written by the last batch. */
  total = 0;

  constructor(arena: Arena, options: BatchResultOptions = {}, name = `spatial-batch-${nextResultId++}`) {
    const queries = options.queries ?? 1024;
    const ids = options.ids ?? 64 * 1024;
    const maxIds = options.maxIds ?? 1 << 26;
    for (const [what, value] of [['queries', queries], ['ids', ids], ['maxIds', maxIds]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`batch result ${what} must be a positive integer, got ${value}`);
    }
    if (ids > maxIds) throw new InvalidArgumentError(`batch result ids (${ids}) exceeds maxIds (${maxIds})`);
    this.arena = arena;
    this.name = name;
    this.maxIds = maxIds;
    this.idRegion = arena.soa(`${name}:ids#${ids}`, ids, BATCH_ID_FIELDS);
    this.queryRegion = arena.soa(`${name}:ranges#${queries}`, queries, BATCH_QUERY_FIELDS);
  }

  get idCapacity(): number {
    return this.idRegion.capacity;
  }

  get queryCapacity(): number {
    return this.queryRegion.capacity;
  }

  /** The shared id buffer (a view over its whole capacity). */
  get ids(): Uint32Array {
    return this.idRegion.column('ids');
  }

  get offsets(): Uint32Array {
    return this.queryRegion.column('offsets');
  }

  get counts(): Uint32Array {
    return this.queryRegion.column('counts');
  }

  get idsPtr(): number {
    return this.idRegion.ptrOf('ids');
  }

  get offsetsPtr(): number {
    return this.queryRegion.ptrOf('offsets');
  }

  get countsPtr(): number {
    return this.queryRegion.ptrOf('counts');
  }

  get byteLength(): number {
    return this.idRegion.byteLength + this.queryRegion.byteLength;
  }

  /** Slots found by query j of the last batch, as a subarray view (allocates a view). */
  of(j: number): Uint32Array {
    if (!Number.isInteger(j) || j < 0 || j >= this.queries) throw new InvalidArgumentError(`query ${j} is not in the last batch of ${this.queries}`);
    const offset = this.offsets[j]!;
    return this.ids.subarray(offset, offset + this.counts[j]!);
  }

  /** Room for `queries` ranges (contents not kept). */
  ensureQueries(queries: number): void {
    if (queries <= this.queryRegion.capacity) return;
    let capacity = this.queryRegion.capacity;
    while (capacity < queries) capacity *= 2;
    this.arena.release(this.queryRegion);
    this.queryRegion = this.arena.soa(`${this.name}:ranges#${capacity}`, capacity, BATCH_QUERY_FIELDS);
  }

  /**
   * Room for at least `needed` ids, keeping the first `keep` (a batch resumed after growth).
   * Returns false when that would pass maxIds.
   */
  growIds(needed: number, keep: number): boolean {
    if (needed <= this.idRegion.capacity) return true;
    if (needed > this.maxIds) return false;
    let capacity = this.idRegion.capacity;
    while (capacity < needed) capacity *= 2;
    capacity = Math.min(capacity, this.maxIds);
    const next = this.arena.soa(`${this.name}:ids#${capacity}`, capacity, BATCH_ID_FIELDS);
    next.column('ids').set(this.idRegion.column('ids').subarray(0, keep));
    this.arena.release(this.idRegion);
    this.idRegion = next;
    return true;
  }

  dispose(): void {
    if (!this.idRegion.isReleased) this.arena.release(this.idRegion);
    if (!this.queryRegion.isReleased) this.arena.release(this.queryRegion);
  }
}
