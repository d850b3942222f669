// What of a World a save holds, and how it is read out (captureWorld). Entities are saved by
// kind, each kind named and found by its flag bit; fields by name from the schema; header values
// by name with a role that says what a restore does with them.
//
// | kind       | flag            | saved | why                                                       |
// |------------|-----------------|-------|-----------------------------------------------------------|
// | player     | FLAG_PLAYER     | no    | an avatar belongs to a session, and no session survives a |
// |            |                 |       | restart: its slot is saved as freed (generation bumped)   |
// | projectile | FLAG_PROJECTILE | yes   | in flight; its shooter (an avatar) is gone, so it is      |
// |            |                 |       | saved without one (owner NO_OWNER, owner tag all ones)    |
// | npc        | FLAG_NPC        | yes   |                                                           |
// | body       | none of those   | yes   | anything alive a game made without a kind bit             |
//
// | header role | values                                       | on restore                          |
// |-------------|----------------------------------------------|-------------------------------------|
// | state       | tick, rng0-3 (the PRNG), simKills            | written into the world              |
// | identity    | seed, minX..maxZ (and META tickHz)           | must equal the world's, or refused  |
// | rule        | NPC wander and the sim rules (H.npc*, H.sim*) | the running world's stay; differences are reported |

import { FLAG_ALIVE, FLAG_NPC, FLAG_PLAYER, FLAG_PROJECTILE, H, HEADER_BYTES, OWNER_TAG_MASK, OWNER_TAG_SHIFT, WORLD_SCHEMA } from '../core/world-layout.js';
import { GENERATION_MASK } from '../core/entity-id.js';
import { STORAGE, type FieldSpec, type SchemaFields } from '../core/schema.js';
import type { World } from '../core/world.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { SaveContent, SavedField, SavedKind, SaveProperty } from './format.js';
import { FORMAT_VERSION } from './format.js';

/** A schema as persistence reads it (any defineSchema result). */
export interface SchemaLike {
  readonly fields: SchemaFields;
  readonly names: readonly string[];
}

export interface EntityKind {
  readonly name: string;
  /** The kind's flag bit (0: alive with none of the other kinds' bits). */
  readonly flag: number;
  /** Whether saves hold entities of this kind. */
  readonly saved: boolean;
}

/** The reference world's kinds, in the order a slot's flags are matched (the first bit wins). */
export const WORLD_KINDS: readonly EntityKind[] = [
  { name: 'player', flag: FLAG_PLAYER, saved: false },
  { name: 'projectile', flag: FLAG_PROJECTILE, saved: true },
  { name: 'npc', flag: FLAG_NPC, saved: true },
  { name: 'body', flag: 0, saved: true },
];

/** A saved projectile's owner when its shooter was not saved: no slot, so it can hit anyone. */
export const NO_OWNER = 0xffffffff;

export type HeaderRole = 'state' | 'identity' | 'rule';

export interface HeaderValue {
  readonly name: string;
  readonly offset: number;
  readonly type: 'u32' | 'i32';
  readonly role: HeaderRole;
}

const u = (name: keyof typeof H, role: HeaderRole): HeaderValue => ({ name, offset: H[name], type: 'u32', role });
const i = (name: keyof typeof H, role: HeaderRole): HeaderValue => ({ name, offset: H[name], type: 'i32', role });

export const WORLD_HEADER_VALUES: readonly HeaderValue[] = [
  u('tick', 'state'),
  ...[0, 1, 2, 3].map((k): HeaderValue => ({ name: `rng${k}`, offset: H.rng + 4 * k, type: 'u32', role: 'state' })),
  u('simKills', 'state'),
  u('seed', 'identity'),
  i('minX', 'identity'), i('minY', 'identity'), i('minZ', 'identity'),
  i('maxX', 'identity'), i('maxY', 'identity'), i('maxZ', 'identity'),
  i('npcSpeed', 'rule'), u('wanderMin', 'rule'), u('wanderMax', 'rule'), u('idlePercent', 'rule'),
  u('simPlayers', 'rule'), i('simPlayerSpeed', 'rule'), i('simProjectileSpeed', 'rule'), u('simProjectileTicks', 'rule'),
  u('simCooldownTicks', 'rule'), u('simRespawnTicks', 'rule'), i('simPlayerHp', 'rule'), i('simNpcHp', 'rule'),
  i('simProjectileDamage', 'rule'), i('simHitscanDamage', 'rule'), i('simPlayerRadius', 'rule'), u('simCellShift', 'rule'),
  i('simSpawnExtent', 'rule'),
];

/** The world's own spec of a field, or undefined when it has no such column. */
export function worldFieldSpec(name: string): FieldSpec | undefined {
  return (WORLD_SCHEMA.fields as SchemaFields)[name];
}

/** The kind of a live slot's flags, or undefined when no kind matches. */
export function kindOf(flags: number, kinds: readonly EntityKind[]): EntityKind | undefined {
  for (const k of kinds) if (k.flag !== 0 && (flags & k.flag) !== 0) return k;
  return kinds.find((k) => k.flag === 0);
}

/** The world's header as u32 and i32 views (rebuilt per call: memory may have grown). */
export function headerViews(world: World): { u32: Uint32Array; i32: Int32Array } {
  const u32 = world.region.view('u32', 0, HEADER_BYTES / 4);
  return { u32, i32: new Int32Array(u32.buffer, u32.byteOffset, u32.length) };
}

/** A column of the world as raw 32-bit patterns. */
export function columnBits(world: World, name: string): Uint32Array {
  if (!(name in WORLD_SCHEMA.index)) throw new InvalidArgumentError(`the world has no column "${name}"`);
  return new Uint32Array(world.arena.memoryBuffer, world.columnPtr(name as keyof typeof WORLD_SCHEMA.index), world.capacity);
}

export interface CaptureOptions {
  /** Wall-clock time recorded in the save (ms since the epoch); default now. */
  savedAt?: number;
  /** The fields to save (default WORLD_SCHEMA); allocator fields are never saved per entity. */
  schema?: SchemaLike;
  /** Values of schema fields the World has no column for (tests that write an older or newer schema). */
  extraColumns?: Readonly<Record<string, Uint32Array>>;
  kinds?: readonly EntityKind[];
  /**
   * Columns may be views of the world's memory rather than copies (saveWorld, which encodes at
   * once): the content is then only good until the world next changes.
   */
  borrow?: boolean;
}

/** Reads a world out as SaveContent (encodeSave turns it into bytes). Touches nothing. */
export function captureWorld(world: World, options: CaptureOptions = {}): SaveContent {
  const schema: SchemaLike = options.schema ?? WORLD_SCHEMA;
  const kinds = options.kinds ?? WORLD_KINDS;
  const { u32: hu, i32: hi } = headerViews(world);
  const highWater = hu[H.highWater / 4]!;
  const freeCount = hu[H.free / 4]!;
  const flags = columnBits(world, 'flags');
  const generation = columnBits(world, 'generation');
  const freeStackCol = columnBits(world, 'freeStack');

  // Which kind every live slot is, counted first so each kind's arrays are allocated once.
  const kindIndex = new Int8Array(highWater).fill(-1);
  const counts = new Array<number>(kinds.length).fill(0);
  // Flags differ only in a few kind bits: classify each combination once.
  const kindBits = kinds.reduce((bits, k) => bits | k.flag, 0);
  const byBits = new Map<number, number>();
  let lastBits = -1;
  let lastKind = -1;
  for (let s = 0; s < highWater; s++) {
    const f = flags[s]!;
    if ((f & FLAG_ALIVE) === 0) continue;
    const bits = f & kindBits;
    if (bits !== lastBits) {
      let ki = byBits.get(bits);
      if (ki === undefined) {
        const k = kindOf(f, kinds);
        if (!k) throw new InvalidArgumentError(`slot ${s} (flags 0x${f.toString(16)}) matches no kind`);
        byBits.set(bits, (ki = kinds.indexOf(k)));
      }
      lastBits = bits;
      lastKind = ki;
    }
    kindIndex[s] = lastKind;
    counts[lastKind]!++;
  }
  const dropped: number[] = [];
  const slotsOf = kinds.map((k, ki) => (k.saved ? new Uint32Array(counts[ki]!) : new Uint32Array(0)));
  const filled = new Array<number>(kinds.length).fill(0);
  for (let s = 0; s < highWater; s++) {
    const ki = kindIndex[s]!;
    if (ki < 0) continue;
    if (kinds[ki]!.saved) slotsOf[ki]![filled[ki]!++] = s;
    else dropped.push(s);
  }

  const fieldNames = schema.names.filter((n) => !schema.fields[n]!.allocator);
  const fields: SavedField[] = fieldNames.map((name) => {
    const f = schema.fields[name]!;
    return { name, type: f.type, ...(f.axis ? { axis: f.axis } : {}), ...(f.unit ? { unit: f.unit } : {}) };
  });
  const source = fieldNames.map((name) => {
    const extra = options.extraColumns?.[name];
    if (extra) return extra;
    const worldField = worldFieldSpec(name);
    if (worldField && STORAGE[worldField.type] !== STORAGE[schema.fields[name]!.type]) {
      throw new InvalidArgumentError(`field ${name}: stored as ${STORAGE[schema.fields[name]!.type]}, the world's column as ${STORAGE[worldField.type]}`);
    }
    return columnBits(world, name);
  });
  for (const [n, name] of fieldNames.entries()) {
    if (source[n]!.length < highWater) throw new InvalidArgumentError(`field ${name}: ${source[n]!.length} values for a high water of ${highWater}`);
  }
  const droppedSet = new Set(dropped);
  const savedKinds: SavedKind[] = [];
  kinds.forEach((kind, ki) => {
    if (!kind.saved || counts[ki] === 0) return;
    const slots = slotsOf[ki]!;
    // A kind in one run of slots (a world's NPCs, spawned first) is copied, not gathered.
    const run = slots.length > 0 && slots[slots.length - 1]! - slots[0]! === slots.length - 1;
    const columns = source.map((col) => {
      if (run) return options.borrow && kind.flag !== FLAG_PROJECTILE ? col.subarray(slots[0]!, slots[0]! + slots.length) : col.slice(slots[0]!, slots[0]! + slots.length);
      // Gathered as i32 (the same bits): V8 keeps i32 in registers where u32 above 2^31 may box.
      const from = new Int32Array(col.buffer, col.byteOffset, col.length);
      const out = new Int32Array(slots.length);
      for (let j = 0; j < slots.length; j++) out[j] = from[slots[j]!]!;
      return new Uint32Array(out.buffer);
    });
    if (kind.flag === FLAG_PROJECTILE) orphanProjectiles(slots, columns, fieldNames, flags, droppedSet);
    savedKinds.push({ name: kind.name, flag: kind.flag, slots, columns });
  });

  // The allocator as if every unsaved slot had been freed (world_free: generation + 1, pushed).
  const freeStack = new Uint32Array(freeCount + dropped.length);
  freeStack.set(freeStackCol.subarray(0, freeCount));
  freeStack.set(dropped, freeCount);
  const generations = generation.slice(0, highWater);
  for (const s of dropped) generations[s] = (generations[s]! + 1) & GENERATION_MASK;

  const meta: SaveProperty[] = [
    { name: 'writer', type: 'str', value: 'chronos' },
    { name: 'savedAt', type: 'f64', value: options.savedAt ?? Date.now() },
    { name: 'tickHz', type: 'f64', value: world.options.tickHz },
    { name: 'capacity', type: 'u32', value: world.capacity },
    ...kinds.filter((k) => !k.saved).map((k): SaveProperty => ({ name: `unsaved.${k.name}`, type: 'u32', value: counts[kinds.indexOf(k)]! })),
  ];
  const header: SaveProperty[] = WORLD_HEADER_VALUES.map((h) => ({ name: h.name, type: h.type, value: h.type === 'u32' ? hu[h.offset / 4]! : hi[h.offset / 4]! }));
  return { version: FORMAT_VERSION, meta, header, fields, allocator: { capacity: world.capacity, highWater, freeStack, generations }, kinds: savedKinds };
}

/** Projectiles whose shooter is not saved lose it: owner NO_OWNER and an owner tag of all ones. */
function orphanProjectiles(slots: Uint32Array, columns: Uint32Array[], names: readonly string[], flags: Uint32Array, dropped: Set<number>): void {
  const owner = columns[names.indexOf('owner')];
  const flagsOut = columns[names.indexOf('flags')];
  if (!owner || !flagsOut) return;
  for (let j = 0; j < slots.length; j++) {
    const shooter = owner[j]!;
    if (shooter < flags.length && !dropped.has(shooter) && (flags[shooter]! & FLAG_ALIVE) !== 0) continue;
    owner[j] = NO_OWNER;
    flagsOut[j] = ((flagsOut[j]! & ((1 << OWNER_TAG_SHIFT) - 1)) | (OWNER_TAG_MASK << OWNER_TAG_SHIFT)) >>> 0;
  }
}
