// Entity ids are versioned handles (as in bitECS): a u32 whose low 20 bits are the dense slot
// index into every SoA column and whose high 12 bits are the slot's generation when the id was
// issued. Freeing a slot bumps its generation, so an id kept after destroy is detected as stale
// until the generation wraps (4096 reuses of the same slot).

export type EntityId = number;

export const INDEX_BITS = 20;
export const GENERATION_BITS = 12;
export const INDEX_MASK = (1 << INDEX_BITS) - 1;
export const GENERATION_MASK = (1 << GENERATION_BITS) - 1;
/** Most slots an id can address (1,048,576). */
export const MAX_ENTITIES = 1 << INDEX_BITS;

export function makeEntityId(slot: number, generation: number): EntityId {
  return ((generation & GENERATION_MASK) * MAX_ENTITIES + (slot & INDEX_MASK)) >>> 0;
}

export function slotOf(id: EntityId): number {
  return id & INDEX_MASK;
}

export function generationOf(id: EntityId): number {
  return (id >>> INDEX_BITS) & GENERATION_MASK;
}

/** A well-formed id: an integer in [0, 2^32). Says nothing about whether it is alive. */
export function isEntityIdShape(id: unknown): id is EntityId {
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= 0xffffffff;
}
