// The entity store: create, destroy, get and set entities of a World through versioned ids.
// Slot allocation is the WASM allocator (world_alloc / world_free) so that kernels and this
// API share one free list inside the snapshotted region. Every write is validated first and
// applied only when all of it is valid: a rejected call leaves the world exactly as it was.

import { CapacityError, InvalidArgumentError, StaleEntityError, UnknownEntityError } from './errors.js';
import { generationOf, isEntityIdShape, makeEntityId, slotOf, type EntityId } from './entity-id.js';
import { decodeField, encodeField } from './schema.js';
import { FLAG_ALIVE, FLAG_NPC, FLAG_PLAYER, FLAG_PROJECTILE, WORLD_SCHEMA, type WorldField } from './world-layout.js';
import type { World } from './world.js';

export type EntityKind = 'object' | 'npc' | 'player' | 'projectile';

const KIND_FLAGS: Record<EntityKind, number> = { object: 0, npc: FLAG_NPC, player: FLAG_PLAYER, projectile: FLAG_PROJECTILE };

/** Fields a caller may read and write (the engine owns flags, generations and the free stack). */
export type EntityField = {
  [K in WorldField]: (typeof WORLD_SCHEMA.fields)[K] extends { internal: true } ? never : K;
}[WorldField];

export type EntityValues = Partial<Record<EntityField, number>>;

const PUBLIC_FIELDS = WORLD_SCHEMA.names.filter((name) => !('internal' in WORLD_SCHEMA.fields[name])) as EntityField[];

export class EntityStore {
  readonly world: World;

  constructor(world: World) {
    this.world = world;
  }

  get count(): number {
    return this.world.aliveCount;
  }

  get fields(): readonly EntityField[] {
    return PUBLIC_FIELDS;
  }

  /** Creates an entity; positions not given default to the world point nearest the origin. */
  create(kind: EntityKind = 'object', values: EntityValues = {}): EntityId {
    if (!(kind in KIND_FLAGS)) throw new InvalidArgumentError(`unknown entity kind "${String(kind)}"`);
    const b = this.world.bounds;
    const clampToWorld = (min: number, max: number) => Math.min(Math.max(0, min), max);
    const full: EntityValues = {
      posX: clampToWorld(b.minX, b.maxX),
      posY: clampToWorld(b.minY, b.maxY),
      posZ: clampToWorld(b.minZ, b.maxZ),
      ...values,
    };
    const encoded = this.encodeAll(full);
    const slot = this.world.kernels.world_alloc(this.world.ptr, KIND_FLAGS[kind]);
    if (slot < 0) throw new CapacityError('entity store', this.world.capacity);
    for (const [field, stored] of encoded) this.world.column(field)[slot] = stored;
    return makeEntityId(slot, this.world.column('generation')[slot]!);
  }

  destroy(id: EntityId): void {
    const slot = this.resolve(id);
    this.world.kernels.world_free(this.world.ptr, slot);
  }

  isAlive(id: EntityId): boolean {
    if (!isEntityIdShape(id)) return false;
    const slot = slotOf(id);
    if (slot >= this.world.highWater) return false;
    return (this.world.column('flags')[slot]! & FLAG_ALIVE) !== 0 && this.world.column('generation')[slot] === generationOf(id);
  }

  get(id: EntityId, field: EntityField): number {
    const slot = this.resolve(id);
    const spec = this.specOf(field);
    return decodeField(spec, this.world.column(field)[slot]!);
  }

  set(id: EntityId, field: EntityField, value: number): void {
    this.update(id, { [field]: value } as EntityValues);
  }

  /** Writes several fields at once; nothing is written unless every value is valid. */
  update(id: EntityId, values: EntityValues): void {
    const slot = this.resolve(id);
    const encoded = this.encodeAll(values);
    for (const [field, stored] of encoded) this.world.column(field)[slot] = stored;
  }

  kindOf(id: EntityId): EntityKind {
    const flags = this.world.column('flags')[this.resolve(id)]!;
    if (flags & FLAG_PLAYER) return 'player';
    if (flags & FLAG_NPC) return 'npc';
    if (flags & FLAG_PROJECTILE) return 'projectile';
    return 'object';
  }

  /** The slot of a live id; throws UnknownEntityError or StaleEntityError otherwise. */
  resolve(id: EntityId): number {
    if (!isEntityIdShape(id)) throw new UnknownEntityError(Number(id), 'not a valid entity id');
    const slot = slotOf(id);
    if (slot >= this.world.highWater) throw new UnknownEntityError(id);
    const generation = this.world.column('generation')[slot]!;
    if (generation !== generationOf(id)) throw new StaleEntityError(id, generationOf(id), generation);
    if ((this.world.column('flags')[slot]! & FLAG_ALIVE) === 0) throw new UnknownEntityError(id, 'destroyed');
    return slot;
  }

  private specOf(field: string) {
    const spec = (WORLD_SCHEMA.fields as Record<string, (typeof WORLD_SCHEMA.fields)[WorldField]>)[field];
    if (!spec || 'internal' in spec) throw new InvalidArgumentError(`"${field}" is not an entity field (fields: ${PUBLIC_FIELDS.join(', ')})`);
    return spec;
  }

  private encodeAll(values: EntityValues): [EntityField, number][] {
    if (typeof values !== 'object' || values === null) throw new InvalidArgumentError('entity values must be an object');
    const out: [EntityField, number][] = [];
    for (const [field, value] of Object.entries(values)) {
      out.push([field as EntityField, encodeField(field, this.specOf(field), value, this.world.bounds)]);
    }
    return out;
  }
}
