// A declared game's store (src/core/game-store.ts) seen from the game's own AssemblyScript. Not
// part of chronos.wasm: `chronos build` compiles it into a game's module, beside the engine's
// kernels and the accessors it generates from the declaration (src/server/game-assembly.ts).
//
// TypeScript lays the region out and binds it here once (base and capacity); everything below
// reads and writes that region only, so the whole state stays in the store: a rollback snapshot
// or a save brings all of it back. The allocator is the TypeScript one, step for step (a slot
// comes off the free stack, else the high water rises; freeing bumps the slot's generation), so
// entities spawned here and there get the same ids: a test compares both byte for byte.
//
// | region part | bytes                   | see game-store.ts                     |
// |-------------|-------------------------|---------------------------------------|
// | header      | 16: alive, high water, free top, frame                          |
// | type        | column                  | type index + 1, 0 empty               |
// | generation  | column                  | bumped when the slot is freed         |
// | owner       | column                  | owning player, 0 none                 |
// | free        | column                  | freed slots, a stack                  |
// | fields      | one column each         | stored values (Q16.16, ints, 0/1, enum index) |
// A column is capacity x 4 bytes rounded up to 16. Every accessor here checks its slot against
// the capacity: a slot past the store reads 0 (or NO_ENTITY) and writes nothing.

/** No entity: what spawn returns when the store is full. */
export const NO_ENTITY: u32 = 0xffffffff;
const INDEX_BITS: u32 = 20;
const INDEX_MASK: u32 = (1 << INDEX_BITS) - 1;
const GENERATION_MASK: u32 = (1 << 12) - 1;

let storeBase: usize = 0;
let storeCapacity: u32 = 0;
let columnBytes: usize = 0;
let inputBase: usize = 0;

/** Binds the store region TypeScript laid out (GameStore with `memory` in the arena). */
export function bindStore(base: usize, capacity: u32): void {
  storeBase = base;
  storeCapacity = capacity;
  columnBytes = ((<usize>capacity << 2) + 15) & ~(<usize>15);
}

/** Where the current player's input lies while `control` runs (one i32 per input field). */
export function bindInput(ptr: usize): void {
  inputBase = ptr;
}

@inline export function inputWord(field: u32): i32 {
  return load<i32>(inputBase + (<usize>field << 2));
}

/** First byte of field column `f` (declaration order). */
@inline export function fieldColumn(f: u32): usize {
  return storeBase + 16 + (4 + <usize>f) * columnBytes;
}

@inline function allocatorColumn(c: u32): usize {
  return storeBase + 16 + <usize>c * columnBytes;
}

/** A slot inside the store: the generated setters write nothing outside it. */
@inline export function inStore(slot: u32): bool {
  return slot < storeCapacity;
}

export function capacity(): u32 {
  return storeCapacity;
}

/** Live entities. */
export function alive(): u32 {
  return load<u32>(storeBase);
}

/** Slots ever used: every live entity's slot is below it. */
export function highWater(): u32 {
  return load<u32>(storeBase, 4);
}

/** Frames the rules have completed on this state. */
export function frame(): u32 {
  return load<u32>(storeBase, 12);
}

/** Type index + 1 of the entity in `slot` (the generated `Type` constants); 0 when empty. */
@inline export function typeAt(slot: u32): u32 {
  return slot < storeCapacity ? load<u32>(allocatorColumn(0) + (<usize>slot << 2)) : 0;
}

/** The player that owns the entity in `slot` (its owner-only fields go to that player alone). */
@inline export function ownerAt(slot: u32): u32 {
  return slot < storeCapacity ? load<u32>(allocatorColumn(2) + (<usize>slot << 2)) : 0;
}

export function setOwnerAt(slot: u32, owner: u32): void {
  if (slot < storeCapacity) store<u32>(allocatorColumn(2) + (<usize>slot << 2), owner);
}

@inline export function slotOf(id: u32): u32 {
  return id & INDEX_MASK;
}

/** The id of the entity in `slot` (its generation in the high 12 bits). */
export function idAt(slot: u32): u32 {
  if (slot >= storeCapacity) return NO_ENTITY;
  return (load<u32>(allocatorColumn(1) + (<usize>slot << 2)) << INDEX_BITS) | slot;
}

export function isAlive(id: u32): bool {
  const slot = id & INDEX_MASK;
  return slot < storeCapacity && typeAt(slot) != 0 && load<u32>(allocatorColumn(1) + (<usize>slot << 2)) == id >>> INDEX_BITS;
}

/** Takes a slot for an entity of `type` (index + 1): its fields are the caller's to set. -1 when full. */
export function allocate(type: u32, owner: u32): i32 {
  let slot: u32;
  const freeTop = load<u32>(storeBase, 8);
  if (freeTop > 0) {
    slot = load<u32>(allocatorColumn(3) + (<usize>(freeTop - 1) << 2));
    store<u32>(storeBase, freeTop - 1, 8);
  } else {
    const high = load<u32>(storeBase, 4);
    if (high >= storeCapacity) return -1;
    slot = high;
    store<u32>(storeBase, high + 1, 4);
  }
  store<u32>(storeBase, load<u32>(storeBase) + 1);
  store<u32>(allocatorColumn(0) + (<usize>slot << 2), type);
  store<u32>(allocatorColumn(2) + (<usize>slot << 2), owner);
  return <i32>slot;
}

/** Frees the entity `id`: false (and nothing changes) when it is not alive. */
export function despawn(id: u32): bool {
  if (!isAlive(id)) return false;
  const slot = id & INDEX_MASK;
  store<u32>(allocatorColumn(0) + (<usize>slot << 2), 0);
  store<u32>(allocatorColumn(2) + (<usize>slot << 2), 0);
  const gen = allocatorColumn(1) + (<usize>slot << 2);
  store<u32>(gen, (load<u32>(gen) + 1) & GENERATION_MASK);
  const freeTop = load<u32>(storeBase, 8);
  store<u32>(allocatorColumn(3) + (<usize>freeTop << 2), slot);
  store<u32>(storeBase, freeTop + 1, 8);
  store<u32>(storeBase, load<u32>(storeBase) - 1);
  return true;
}
