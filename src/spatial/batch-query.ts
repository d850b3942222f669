// The inputs of a batched radius query, as arena columns the kernel reads in place: a centre
// (Q16 x, y, z) and radius (Q16) per query, or the slot of an indexed entity to centre on (the
// per-client case of interest management: every player's surroundings in one call).

import { InvalidArgumentError, InvalidValueError } from '../core/errors.js';
import { FX_ONE, fitsQ16 } from '../core/fixed.js';
import type { Arena, SoaRegion } from '../wasm/arena.js';

// order/key/tmpOrder/tmpKey: scratch for running the queries in Morton order of their cells.
const QUERY_FIELDS = { x: 'i32', y: 'i32', z: 'i32', radius: 'i32', slot: 'u32', order: 'u32', key: 'u32', tmpOrder: 'u32', tmpKey: 'u32' } as const;

let nextQueryId = 0;

export class BatchQuery {
  readonly arena: Arena;
  private readonly region: SoaRegion<typeof QUERY_FIELDS>;

  constructor(arena: Arena, capacity: number, name = `spatial-batch-query-${nextQueryId++}`) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new InvalidArgumentError(`batch query capacity must be a positive integer, got ${capacity}`);
    this.arena = arena;
    this.region = arena.soa(name, capacity, QUERY_FIELDS);
  }

  get capacity(): number {
    return this.region.capacity;
  }

  /** Q16 columns for bulk writers (views over the whole capacity, rebuilt on memory growth). */
  get x(): Int32Array {
    return this.region.column('x');
  }
  get y(): Int32Array {
    return this.region.column('y');
  }
  get z(): Int32Array {
    return this.region.column('z');
  }
  get radius(): Int32Array {
    return this.region.column('radius');
  }
  get slot(): Uint32Array {
    return this.region.column('slot');
  }

  ptrOf(field: keyof typeof QUERY_FIELDS): number {
    return this.region.ptrOf(field);
  }

  /** Query j: centred at (x, y, z) metres with radius metres (bounds are checked by the query). */
  setCenter(j: number, xM: number, yM: number, zM: number, radiusM: number): void {
    this.checkIndex(j);
    for (const [field, value] of [['x', xM], ['y', yM], ['z', zM], ['radius', radiusM]] as const) {
      if (!fitsQ16(value)) throw new InvalidValueError(`query ${j} ${field}`, value, 'must be a finite number of metres within ±32768');
    }
    if (radiusM < 0) throw new InvalidValueError(`query ${j} radius`, radiusM, 'must not be negative');
    this.region.column('x')[j] = Math.round(xM * FX_ONE);
    this.region.column('y')[j] = Math.round(yM * FX_ONE);
    this.region.column('z')[j] = Math.round(zM * FX_ONE);
    this.region.column('radius')[j] = Math.round(radiusM * FX_ONE);
  }

  /** Query j: centred on the position of `slot` (for queries run with `useSlots`). */
  setSlot(j: number, slot: number, radiusM = 0): void {
    this.checkIndex(j);
    if (!Number.isInteger(slot) || slot < 0 || slot > 0xffffffff) throw new InvalidArgumentError(`query ${j}: slot must be a u32, got ${slot}`);
    if (!fitsQ16(radiusM) || radiusM < 0) throw new InvalidValueError(`query ${j} radius`, radiusM, 'must be a finite, non-negative number of metres');
    this.region.column('slot')[j] = slot;
    this.region.column('radius')[j] = Math.round(radiusM * FX_ONE);
  }

  dispose(): void {
    if (!this.region.isReleased) this.arena.release(this.region);
  }

  private checkIndex(j: number): void {
    if (!Number.isInteger(j) || j < 0 || j >= this.region.capacity) {
      throw new InvalidArgumentError(`query index ${j} is outside [0, ${this.region.capacity})`);
    }
  }
}
