// A game's entities in the layout its declaration derives: one region holding a header, the slot
// allocator's columns and one 32-bit SoA column per declared field, each 16-byte aligned. The
// whole state is that region, so a snapshot is one copy and a restore one copy back.
//
// | region part   | element | meaning                                                     |
// |---------------|---------|-------------------------------------------------------------|
// | header        | u32 x 4 | alive, high water (slots ever used), free stack top, frame  |
// | type          | u32     | type index + 1; 0: the slot is empty                        |
// | generation    | u32     | bumped when the slot is freed (entity-id.ts)                |
// | owner         | u32     | the player that owns the entity (owner-only fields), 0 none |
// | free          | u32     | freed slots, a stack                                        |
// | field columns | i32/u32 | stored form of each field (game-fields.ts), every slot;     |
// |               |         | a slot's type decides which of them mean anything           |
// Writes through this API are validated (a bad value throws and changes nothing); systems that
// run every tick read and write column(key) directly.

import { CapacityError, InvalidArgumentError, InvalidValueError, StaleEntityError, UnknownEntityError } from './errors.js';
import { GENERATION_MASK, MAX_ENTITIES, generationOf, isEntityIdShape, makeEntityId, slotOf, type EntityId } from './entity-id.js';
import { fieldOf, typeOf, type ColumnOf, type FieldKey, type FieldSpecOf, type Game, type GameDeclaration, type TypeName } from './game.js';
import { fromStored, toStored, type ApiValue } from './game-fields.js';

const HEADER_WORDS = 4;
const ALIGN = 16;
const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

export type StoredColumn = Int32Array | Uint32Array;
/** Initial values by `component.field`, or nested as { component: { field } }. */
export type SpawnValues = Readonly<Record<string, ApiValue | Readonly<Record<string, ApiValue>>>>;

export interface GameStoreOptions {
  readonly capacity: number;
  /** Back the region with a SharedArrayBuffer (workers read it in place). */
  readonly shared?: boolean;
  /**
   * Lay the region out in this memory instead, from `byteOffset` (16-byte aligned, at least
   * GameStore.bytesFor(game, capacity) long): the WebAssembly arena's shared memory, so kernels
   * and the rollback layer (snapshots, hashes) work on it in place. Zeroed first.
   */
  readonly memory?: { readonly buffer: ArrayBufferLike; readonly byteOffset: number };
  /**
   * With `memory`: the region there already holds this store (another thread's view of a
   * shared store, e.g. an encode worker reading it): keep it instead of zeroing it.
   */
  readonly attach?: boolean;
}

export class GameStore<D extends GameDeclaration = GameDeclaration> {
  readonly game: Game<D>;
  readonly capacity: number;
  /** The whole state: header, allocator columns and field columns. */
  readonly region: Uint8Array;
  /** Type index + 1 per slot; 0 where empty. */
  readonly typeColumn: Uint32Array;
  readonly generationColumn: Uint32Array;
  readonly ownerColumn: Uint32Array;
  /** Stored values of field i: columns[i]. */
  readonly columns: readonly StoredColumn[];
  /** The slot allocator's free stack: entries [0, freeCount) (persistence reads and writes it). */
  readonly freeColumn: Uint32Array;
  private readonly header: Uint32Array;

  constructor(game: Game<D>, options: GameStoreOptions) {
    const { capacity } = options;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_ENTITIES) {
      throw new InvalidArgumentError(`capacity must be an integer in [1, ${MAX_ENTITIES}], got ${capacity}`);
    }
    this.game = game;
    this.capacity = capacity;
    const column = align(capacity * 4);
    const bytes = GameStore.bytesFor(game, capacity);
    const memory = options.memory;
    if (memory) {
      const { buffer: b, byteOffset } = memory;
      if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset % ALIGN !== 0 || byteOffset + bytes > b.byteLength) {
        throw new InvalidArgumentError(`a ${bytes}-byte store does not fit at ${byteOffset} (16-byte aligned) in ${b.byteLength} bytes`);
      }
    }
    const buffer = memory ? memory.buffer : options.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    const base = memory ? memory.byteOffset : 0;
    this.region = new Uint8Array(buffer, base, bytes);
    if (memory && !options.attach) this.region.fill(0);
    let at = base + align(HEADER_WORDS * 4);
    const u32 = (): Uint32Array => {
      const a = new Uint32Array(buffer, at, capacity);
      at += column;
      return a;
    };
    this.header = new Uint32Array(buffer, base, HEADER_WORDS);
    this.typeColumn = u32();
    this.generationColumn = u32();
    this.ownerColumn = u32();
    this.freeColumn = u32();
    this.columns = game.fields.map((f) => {
      const a = f.signed ? new Int32Array(buffer, at, capacity) : new Uint32Array(buffer, at, capacity);
      at += column;
      return a;
    });
  }

  /** Bytes of the region of a store of `capacity` for `game` (a multiple of 16). */
  static bytesFor(game: Game, capacity: number): number {
    return align(HEADER_WORDS * 4) + align(capacity * 4) * (4 + game.fields.length);
  }

  /** Steps a game's rules completed on this state (kept in the region: a restore brings it back). */
  get frame(): number {
    return this.header[3]!;
  }

  set frame(frame: number) {
    this.header[3] = frame >>> 0;
  }

  get alive(): number {
    return this.header[0]!;
  }

  /** Slots ever used: every live entity's slot is below it. */
  get highWater(): number {
    return this.header[1]!;
  }

  /** Freed slots waiting on the stack. */
  get freeCount(): number {
    return this.header[2]!;
  }

  /**
   * Sets the allocator's counts after its columns were written directly (persistence builds a
   * store this way). The caller keeps them consistent with the type and free columns.
   */
  setAllocator(alive: number, highWater: number, freeCount: number): void {
    for (const [what, v] of [['alive', alive], ['highWater', highWater], ['freeCount', freeCount]] as const) {
      if (!Number.isInteger(v) || v < 0 || v > this.capacity) throw new InvalidArgumentError(`${what} ${v} is not in [0, ${this.capacity}]`);
    }
    if (alive + freeCount !== highWater) throw new InvalidArgumentError(`alive ${alive} + free ${freeCount} must equal the high water ${highWater}`);
    this.header[0] = alive;
    this.header[1] = highWater;
    this.header[2] = freeCount;
  }

  /** Creates an entity of `type` with its fields at their defaults and `values` over them. */
  spawn(type: TypeName<D>, values: SpawnValues = {}, owner = 0): EntityId {
    const t = typeOf(this.game, type);
    const plan = this.game.types[t]!;
    if (!Number.isInteger(owner) || owner < 0 || owner > 0xffffffff) throw new InvalidValueError('owner', owner, 'not a u32');
    // Validate everything before touching a column.
    const writes: [number, number][] = [];
    for (const [key, value] of Object.entries(values)) {
      if (value !== null && typeof value === 'object') {
        for (const [field, v] of Object.entries(value)) writes.push(this.checked(plan.mask, `${key}.${field}`, v));
      } else {
        writes.push(this.checked(plan.mask, key, value));
      }
    }
    const h = this.header;
    let slot: number;
    if (h[2]! > 0) slot = this.freeColumn[--h[2]!]!;
    else if (h[1]! < this.capacity) slot = h[1]!++;
    else throw new CapacityError(`${this.game.name} entity store`, this.capacity);
    h[0]!++;
    this.typeColumn[slot] = t + 1;
    this.ownerColumn[slot] = owner;
    for (const ci of plan.components) {
      for (const f of this.game.components[ci]!.fields) this.columns[f]![slot] = this.game.fields[f]!.initial;
    }
    for (const [f, stored] of writes) this.columns[f]![slot] = stored;
    return makeEntityId(slot, this.generationColumn[slot]!);
  }

  despawn(id: EntityId): void {
    const slot = this.slotOf(id);
    this.typeColumn[slot] = 0;
    this.ownerColumn[slot] = 0;
    this.generationColumn[slot] = (this.generationColumn[slot]! + 1) & GENERATION_MASK;
    this.freeColumn[this.header[2]!++] = slot;
    this.header[0]!--;
  }

  isAlive(id: EntityId): boolean {
    if (!isEntityIdShape(id)) return false;
    const slot = slotOf(id);
    return slot < this.capacity && this.typeColumn[slot] !== 0 && this.generationColumn[slot] === generationOf(id);
  }

  /** The id of the entity in `slot` (which must be live). */
  idAt(slot: number): EntityId {
    return makeEntityId(slot, this.generationColumn[slot]!);
  }

  typeName(id: EntityId): TypeName<D> {
    return this.game.types[this.typeColumn[this.slotOf(id)]! - 1]!.name as TypeName<D>;
  }

  get(id: EntityId, key: FieldKey<D>): ApiValue {
    const slot = this.slotOf(id);
    const f = this.fieldFor(slot, key);
    return fromStored(this.game.fields[f]!, this.columns[f]![slot]!);
  }

  set(id: EntityId, key: FieldKey<D>, value: ApiValue): void {
    const slot = this.slotOf(id);
    const [f, stored] = this.checked(this.game.types[this.typeColumn[slot]! - 1]!.mask, key, value);
    this.columns[f]![slot] = stored;
  }

  owner(id: EntityId): number {
    return this.ownerColumn[this.slotOf(id)]!;
  }

  setOwner(id: EntityId, owner: number): void {
    if (!Number.isInteger(owner) || owner < 0 || owner > 0xffffffff) throw new InvalidValueError('owner', owner, 'not a u32');
    this.ownerColumn[this.slotOf(id)] = owner;
  }

  /** The stored column of `component.field`, for systems that run every tick. */
  column<K extends FieldKey<D>>(key: K): ColumnOf<FieldSpecOf<D, K>> {
    return this.columns[fieldOf(this.game, key)]! as ColumnOf<FieldSpecOf<D, K>>;
  }

  /** A copy of the whole state. */
  save(): Uint8Array {
    return this.region.slice();
  }

  /** Puts back a state save() returned from a store of the same game and capacity. */
  restore(bytes: Uint8Array): void {
    if (bytes.byteLength !== this.region.byteLength) {
      throw new InvalidArgumentError(`a ${this.game.name} state of ${this.region.byteLength} bytes was expected, got ${bytes.byteLength}`);
    }
    this.region.set(bytes);
  }

  private slotOf(id: EntityId): number {
    if (!isEntityIdShape(id)) throw new UnknownEntityError(Number(id), 'not an entity id');
    const slot = slotOf(id);
    if (slot >= this.capacity || this.typeColumn[slot] === 0) throw new UnknownEntityError(id);
    if (this.generationColumn[slot] !== generationOf(id)) throw new StaleEntityError(id, generationOf(id), this.generationColumn[slot]!);
    return slot;
  }

  private fieldFor(slot: number, key: string): number {
    return this.fieldIn(this.game.types[this.typeColumn[slot]! - 1]!.mask, key);
  }

  private fieldIn(mask: number, key: string): number {
    const f = fieldOf(this.game, key);
    const c = this.game.componentOf[f]!;
    if ((mask & (1 << c)) === 0) throw new InvalidArgumentError(`${key}: this entity's type has no ${this.game.components[c]!.name} component`);
    return f;
  }

  private checked(mask: number, key: string, value: unknown): [number, number] {
    const f = this.fieldIn(mask, key);
    return [f, toStored(this.game.fields[f]!, value)];
  }
}
