// Decoded save -> a running World. planRestore checks everything against the world and builds
// every value it will write, throwing a typed error (InvalidSaveError, SaveMismatchError) while
// the world is still untouched; applyRestore then only copies. Mapping is by name:
//   fields  a saved field the schema no longer has is ignored; a schema field the save lacks
//           takes its declared default; a field whose type changed is converted through its
//           API value and checked like any write (a unit that changed is refused);
//   kinds   a saved kind this game does not know, or no longer saves, is left out (its slots
//           are freed); a kind the save does not have simply has no entities; each entity's
//           kind bit is today's bit for its kind's name;
//   header  state values are written, identity values must match, rule values stay as the
//           running world has them (differences are reported).

import { GENERATION_MASK } from '../core/entity-id.js';
import { InvalidArgumentError } from '../core/errors.js';
import { decodeField, defaultStored, encodeField, STORAGE, type FieldSpec } from '../core/schema.js';
import { FLAG_ALIVE, H, HEADER_BYTES, KIND_FLAGS_MASK, MAX_PLAYERS, WORLD_SCHEMA } from '../core/world-layout.js';
import type { World } from '../core/world.js';
import { InvalidSaveError, SaveMismatchError } from './errors.js';
import { numberProperty, type SaveContent, type SavedField } from './format.js';
import { columnBits, headerViews, worldFieldSpec, WORLD_HEADER_VALUES, WORLD_KINDS, type EntityKind, type SchemaLike } from './world-model.js';

export interface RestoreOptions {
  /** The schema the world is read with (default WORLD_SCHEMA); names must be the world's columns. */
  schema?: SchemaLike;
  kinds?: readonly EntityKind[];
}

export interface RestoreReport {
  formatVersion: number;
  /** When the save was written (ms since the epoch), if it says. */
  savedAt: number | undefined;
  tick: number;
  entities: number;
  byKind: Record<string, number>;
  /** Kinds in the save left out (unknown here, or not saved by this game), with their counts. */
  skippedKinds: { name: string; count: number }[];
  /** Entities the writer did not save, by kind (player avatars). */
  unsaved: Record<string, number>;
  /** Saved fields this schema does not have. */
  ignoredFields: string[];
  /** Schema fields the save does not have: given their default. */
  defaultedFields: string[];
  /** Fields whose type changed: converted. */
  convertedFields: string[];
  /** Rules that differ from the save's; the running world's values are kept. */
  ruleDifferences: { name: string; saved: number; current: number }[];
}

export interface RestorePlan {
  readonly report: RestoreReport;
  readonly header: readonly { offset: number; value: number }[];
  readonly highWater: number;
  readonly freeStack: Uint32Array;
  readonly generations: Uint32Array;
  readonly slots: Uint32Array;
  readonly columns: ReadonlyMap<string, Uint32Array>;
}

const invalid = (message: string) => new InvalidSaveError('value', message);

/** The stored value `bits` of a field of saved type `from` as `to` stores it, checked. */
function convert(name: string, from: SavedField, to: FieldSpec, bits: number, world: World): number {
  const f32 = new Float32Array(new Uint32Array([bits]).buffer)[0]!;
  const api = from.type === 'f32' ? f32 : from.type === 'i32' ? bits | 0 : decodeField({ type: from.type }, from.type === 'q16' ? bits | 0 : bits);
  const stored = encodeField(name, to, api, world.bounds);
  return to.type === 'f32' ? new Uint32Array(new Float32Array([stored]).buffer)[0]! : stored >>> 0;
}

/** Why the stored value `bits` of `spec` is refused, as encodeField says it. */
function refusal(name: string, spec: FieldSpec, bits: number, world: World): string {
  const api = spec.type === 'f32' ? new Float32Array(new Uint32Array([bits]).buffer)[0]! : spec.type === 'u32' ? bits : decodeField(spec, bits | 0);
  try {
    encodeField(name, spec, api, world.bounds);
  } catch (err) {
    return (err as Error).message;
  }
  return `${name} = ${api}: outside the world`; // the Q16 bounds, a hair inside the metre bounds
}

/** Throws unless every value of `values` (stored form of `spec`) is one the schema accepts. */
function checkValues(name: string, spec: FieldSpec, values: Uint32Array, world: World, where: (j: number) => string): void {
  if (spec.type === 'f32') {
    const floats = new Float32Array(values.buffer, values.byteOffset, values.length);
    for (let j = 0; j < floats.length; j++) {
      try {
        encodeField(name, spec, floats[j]!, world.bounds);
      } catch (err) {
        throw invalid(`${where(j)}: ${(err as Error).message}`);
      }
    }
    return;
  }
  // Integer forms: the accepted range as stored values (Q16 exact: min * 65536 is an integer or
  // rounds inward), compared in one pass.
  const scale = spec.type === 'q16' ? 65536 : 1;
  let lo = spec.type === 'u32' ? 0 : -0x80000000;
  let hi = spec.type === 'u32' ? 0xffffffff : 0x7fffffff;
  if (spec.min !== undefined) lo = Math.max(lo, Math.ceil(spec.min * scale));
  if (spec.max !== undefined) hi = Math.min(hi, Math.floor(spec.max * scale));
  if (spec.axis) {
    const { i32: header } = headerViews(world);
    const [minAt, maxAt] = { x: [H.minX, H.maxX], y: [H.minY, H.maxY], z: [H.minZ, H.maxZ] }[spec.axis];
    const b = world.bounds;
    const [minM, maxM] = { x: [b.minX, b.maxX], y: [b.minY, b.maxY], z: [b.minZ, b.maxZ] }[spec.axis];
    lo = Math.max(lo, spec.type === 'q16' ? header[minAt! / 4]! : Math.ceil(minM!));
    hi = Math.min(hi, spec.type === 'q16' ? header[maxAt! / 4]! : Math.floor(maxM!));
  }
  if (lo <= (spec.type === 'u32' ? 0 : -0x80000000) && hi >= (spec.type === 'u32' ? 0xffffffff : 0x7fffffff)) return;
  const view = spec.type === 'u32' ? values : new Int32Array(values.buffer, values.byteOffset, values.length);
  for (let j = 0; j < view.length; j++) {
    const v = view[j]!;
    if (v < lo || v > hi) throw invalid(`${where(j)}: ${refusal(name, spec, values[j]!, world)}`);
  }
}

/** Checks `content` against `world` and builds what a restore writes; changes nothing. */
export function planRestore(content: SaveContent, world: World, options: RestoreOptions = {}): RestorePlan {
  const schema: SchemaLike = options.schema ?? WORLD_SCHEMA;
  const kinds = options.kinds ?? WORLD_KINDS;
  const { u32: hu, i32: hi } = headerViews(world);

  // Identity: the same seed, bounds and tick rate, or the save belongs to another world.
  const differences: { option: string; saved: string; current: string }[] = [];
  const tickHz = numberProperty(content.meta, 'tickHz');
  if (tickHz !== undefined && tickHz !== world.options.tickHz) differences.push({ option: 'tickHz', saved: String(tickHz), current: String(world.options.tickHz) });
  for (const h of WORLD_HEADER_VALUES) {
    const saved = numberProperty(content.header, h.name);
    const current = h.type === 'u32' ? hu[h.offset / 4]! : hi[h.offset / 4]!;
    if (h.role === 'identity' && saved !== undefined && saved !== current) {
      const metres = h.name !== 'seed';
      differences.push({ option: h.name === 'seed' ? 'seed' : `bounds.${h.name}`, saved: metres ? `${saved / 65536} m` : String(saved), current: metres ? `${current / 65536} m` : String(current) });
    }
  }
  const a = content.allocator;
  if (a.highWater > world.capacity) differences.push({ option: 'capacity', saved: `${a.highWater} slots in use`, current: `${world.capacity} slots` });
  for (const f of content.fields) {
    const spec = schema.fields[f.name];
    if (spec?.unit && f.unit && spec.unit !== f.unit) differences.push({ option: `unit of ${f.name}`, saved: f.unit, current: spec.unit });
  }
  if (differences.length > 0) throw new SaveMismatchError(differences);

  // The allocator: generations in range, a free stack of distinct slots below the high water.
  const generations = new Uint32Array(a.highWater);
  generations.set(a.generations.subarray(0, a.highWater));
  const state = new Uint8Array(a.highWater); // 0 unused, 1 free, 2 live
  for (let s = 0; s < a.highWater; s++) if (generations[s]! > GENERATION_MASK) throw invalid(`slot ${s}: generation ${generations[s]} exceeds ${GENERATION_MASK}`);
  for (const s of a.freeStack) {
    if (s >= a.highWater || state[s] !== 0) throw invalid(`free stack: slot ${s} is beyond the high water ${a.highWater} or listed twice`);
    state[s] = 1;
  }

  // Kinds by name: the ones this game saves, and the slots of the rest (to be freed).
  const report: RestoreReport = {
    formatVersion: content.version, savedAt: numberProperty(content.meta, 'savedAt'), tick: hu[H.tick / 4]!, entities: 0, byKind: {}, skippedKinds: [],
    unsaved: {}, ignoredFields: [], defaultedFields: [], convertedFields: [], ruleDifferences: [],
  };
  for (const p of content.meta) if (p.name.startsWith('unsaved.') && p.type !== 'str') report.unsaved[p.name.slice(8)] = p.value;
  let savedKindBits = 0;
  for (const k of content.kinds) {
    if (k.flag !== 0 && (k.flag === FLAG_ALIVE || (k.flag & (k.flag - 1)) !== 0 || (k.flag & ~KIND_FLAGS_MASK) !== 0)) throw invalid(`kind ${k.name}: flag 0x${k.flag.toString(16)} is not one kind bit`);
    savedKindBits |= k.flag;
  }
  const freed: number[] = [];
  const taken: { kind: EntityKind; saved: SaveContent['kinds'][number] }[] = [];
  for (const k of content.kinds) {
    for (const s of k.slots) {
      if (s >= a.highWater || state[s] !== 0) throw invalid(`kind ${k.name}: slot ${s} is beyond the high water ${a.highWater}, free, or listed twice`);
      state[s] = 2;
    }
    const kind = kinds.find((c) => c.name === k.name);
    if (kind?.saved) taken.push({ kind, saved: k });
    else {
      report.skippedKinds.push({ name: k.name, count: k.slots.length });
      for (const s of k.slots) freed.push(s);
    }
  }
  for (let s = 0; s < a.highWater; s++) if (state[s] === 0) throw invalid(`slot ${s} is below the high water but neither live nor free`);
  for (const s of freed) generations[s] = (generations[s]! + 1) & GENERATION_MASK;
  const freeStack = new Uint32Array(a.freeStack.length + freed.length);
  freeStack.set(a.freeStack);
  freeStack.set(freed, a.freeStack.length);

  // Fields by name, every value checked; the kind bits are today's.
  const total = taken.reduce((n, t) => n + t.saved.slots.length, 0);
  const slots = new Uint32Array(total);
  const columns = new Map<string, Uint32Array>();
  const targetNames = schema.names.filter((n) => !schema.fields[n]!.allocator);
  for (const name of targetNames) {
    const worldField = worldFieldSpec(name);
    if (!worldField || STORAGE[schema.fields[name]!.type] !== STORAGE[worldField.type]) {
      throw new InvalidArgumentError(`schema field ${name} is not one of the world's columns`);
    }
    columns.set(name, new Uint32Array(total));
  }
  report.ignoredFields = content.fields.map((f) => f.name).filter((n) => !targetNames.includes(n));
  report.defaultedFields = targetNames.filter((n) => !content.fields.some((f) => f.name === n));
  report.convertedFields = content.fields.filter((f) => schema.fields[f.name] && schema.fields[f.name]!.type !== f.type).map((f) => f.name);
  let at = 0;
  for (const { kind, saved } of taken) {
    const n = saved.slots.length;
    slots.set(saved.slots, at);
    const where = (j: number) => `kind ${saved.name}, slot ${saved.slots[j]}`;
    for (const name of targetNames) {
      const spec = schema.fields[name]!;
      const out = columns.get(name)!.subarray(at, at + n);
      const index = content.fields.findIndex((f) => f.name === name);
      if (index < 0) {
        let value: number;
        try {
          value = defaultStored(name, spec);
          if (spec.axis) encodeField(name, spec, spec.default ?? 0, world.bounds);
        } catch (err) {
          throw invalid(`field ${name} is not in the save and its default does not fit this world: ${(err as Error).message}`);
        }
        out.fill(spec.type === 'f32' ? new Uint32Array(new Float32Array([value]).buffer)[0]! : value >>> 0);
      } else {
        const from = content.fields[index]!;
        const src = saved.columns[index]!;
        if (from.type === spec.type) out.set(src.subarray(0, n));
        else {
          for (let j = 0; j < n; j++) {
            try {
              out[j] = convert(name, from, spec, src[j]!, world);
            } catch (err) {
              throw invalid(`${where(j)}: ${name} (${from.type} in the save, ${spec.type} now): ${(err as Error).message}`);
            }
          }
        }
      }
      if (name === 'flags') for (let j = 0; j < n; j++) out[j] = ((out[j]! & ~savedKindBits) | FLAG_ALIVE | kind.flag) >>> 0;
      else checkValues(name, spec, out, world, where);
    }
    report.byKind[kind.name] = n;
    at += n;
  }
  report.entities = total;

  // Header: state written; rules compared.
  const header: { offset: number; value: number }[] = [];
  for (const h of WORLD_HEADER_VALUES) {
    const saved = numberProperty(content.header, h.name);
    if (saved === undefined) continue;
    const current = h.type === 'u32' ? hu[h.offset / 4]! : hi[h.offset / 4]!;
    if (h.role === 'state') header.push({ offset: h.offset, value: saved >>> 0 });
    else if (h.role === 'rule' && saved !== current) report.ruleDifferences.push({ name: h.name, saved, current });
  }
  report.tick = numberProperty(content.header, 'tick') ?? report.tick;
  return { report, header, highWater: a.highWater, freeStack, generations, slots, columns };
}

/** Writes a checked plan into the world: every entity slot, the allocator and the state header. */
export function applyRestore(plan: RestorePlan, world: World): void {
  const { u32: hu } = headerViews(world);
  // Every column starts from zero, as a fresh world's; then the plan's values go in.
  world.region.bytes().fill(0, HEADER_BYTES);
  for (const h of plan.header) hu[h.offset / 4] = h.value;
  hu.fill(0, H.simPlayerTable / 4, H.simPlayerTable / 4 + MAX_PLAYERS); // no avatars, so no players
  hu[H.highWater / 4] = plan.highWater;
  hu[H.alive / 4] = plan.slots.length;
  hu[H.free / 4] = plan.freeStack.length;
  columnBits(world, 'generation').set(plan.generations);
  columnBits(world, 'freeStack').set(plan.freeStack);
  // Runs of consecutive slots (a world's NPCs) are copied whole; the rest one by one.
  const slots = plan.slots;
  const runs: number[] = [];
  for (let j = 0; j < slots.length; ) {
    let end = j + 1;
    while (end < slots.length && slots[end] === slots[end - 1]! + 1) end++;
    runs.push(j, end);
    j = end;
  }
  for (const [name, values] of plan.columns) {
    const col = columnBits(world, name);
    for (let r = 0; r < runs.length; r += 2) {
      const from = runs[r]!;
      const to = runs[r + 1]!;
      if (to - from > 8) col.set(values.subarray(from, to), slots[from]!);
      else for (let j = from; j < to; j++) col[slots[j]!] = values[j]!;
    }
  }
}
