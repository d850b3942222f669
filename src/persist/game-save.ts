// Persistence of a game's declared store (src/core/game-store.ts) in the save format of
// format.ts: entity types are the save's kinds (by name), declared fields its fields (by
// `component.field`), so a save outlives changes to the declaration:
//   - a field the save lacks takes its declared default; a saved field the game no longer
//     declares is ignored; a field whose type changed is converted through its API value;
//   - a value outside today's range (the range narrowed) is clamped into it; an enum's values
//     are mapped by name (the save lists them), a name no longer declared takes the default;
//   - a saved type the game no longer declares is left out (its slots freed), a new type simply
//     has no entities yet; types a game does not save (its players) are freed on capture.
// Everything is checked and the new state is built apart; the store is replaced in one copy at
// the end, so a bad save (InvalidSaveError, SaveMismatchError) leaves the running store as it was.

import { GENERATION_MASK } from '../core/entity-id.js';
import type { Game, GameDeclaration } from '../core/game.js';
import { fromStored, Q_WRAP, toStored, type FieldPlan } from '../core/game-fields.js';
import { GameStore } from '../core/game-store.js';
import { FX_ONE } from '../core/fixed.js';
import type { FieldType } from '../core/schema.js';
import { decodeSave } from './decode.js';
import { encodeSave } from './encode.js';
import { InvalidSaveError, SaveMismatchError } from './errors.js';
import { FORMAT_VERSION, numberProperty, type SaveContent, type SavedField, type SavedKind, type SaveProperty } from './format.js';

/** The pseudo-field holding each entity's owner (not part of any component). */
export const OWNER_FIELD = '@owner';
const ENUM_UNIT = 'enum:';

export interface GameSaveOptions {
  /** Entity types not saved (a session's own entities, e.g. players): their slots are saved as freed. */
  readonly skipTypes?: readonly string[];
  /** The game's own values (tick, seed...), returned by restoreGame in the report. */
  readonly properties?: readonly SaveProperty[];
}

export interface GameRestoreReport {
  game: string;
  entities: number;
  byType: Record<string, number>;
  /** Saved types this game does not declare: left out. */
  skippedTypes: { name: string; count: number }[];
  defaultedFields: string[];
  ignoredFields: string[];
  convertedFields: string[];
  /** Fields with values outside today's range (or enum names no longer declared): clamped. */
  clampedFields: string[];
  properties: readonly SaveProperty[];
}

function savedType(p: FieldPlan): FieldType {
  return p.spec.type === 'q16' ? 'q16' : p.spec.type === 'i32' ? 'i32' : 'u32';
}

function savedUnit(p: FieldPlan): string | undefined {
  if (p.spec.type === 'enum') {
    const unit = ENUM_UNIT + p.spec.values!.join(',');
    return unit.length <= 255 ? unit : undefined;
  }
  return p.spec.unit;
}

/** The store as save content (nothing in it is changed). */
export function captureGame<D extends GameDeclaration>(store: GameStore<D>, options: GameSaveOptions = {}): SaveContent {
  const game = store.game;
  const skip = new Set(options.skipTypes ?? []);
  for (const name of skip) if (!game.typeIndex.has(name)) throw new SaveMismatchError([{ option: 'skipTypes', saved: name, current: 'not a type of ' + game.name }]);
  const high = store.highWater;
  const fields: SavedField[] = game.fields.map((p) => ({ name: p.name, type: savedType(p), ...(savedUnit(p) !== undefined ? { unit: savedUnit(p)! } : {}) }));
  fields.push({ name: OWNER_FIELD, type: 'u32' });
  const generations = store.generationColumn.slice(0, high);
  const bySlot: number[][] = game.types.map(() => []);
  const free: number[] = [];
  const typeCol = store.typeColumn;
  for (let s = 0; s < high; s++) {
    const t = typeCol[s]! - 1;
    if (t >= 0 && !skip.has(game.types[t]!.name)) bySlot[t]!.push(s);
  }
  // The free stack as it is, then the unsaved entities' slots, freed (their ids go stale).
  const live = new Uint8Array(high);
  for (const slots of bySlot) for (const s of slots) live[s] = 1;
  const stacked = new Set<number>();
  for (const s of store.freeColumn.subarray(0, store.freeCount)) {
    free.push(s);
    stacked.add(s);
  }
  for (let s = 0; s < high; s++) {
    if (live[s] === 0 && !stacked.has(s)) {
      free.push(s);
      generations[s] = (generations[s]! + 1) & GENERATION_MASK;
    }
  }
  const componentOf = game.componentOf;
  const kinds: SavedKind[] = game.types.flatMap((t, ti) => {
    if (skip.has(t.name)) return [];
    const slots = Uint32Array.from(bySlot[ti]!);
    const n = slots.length;
    // A field the type does not carry is saved as zeros (one const column in the file).
    const columns = game.fields.map((_, f) => {
      const out = new Uint32Array(n);
      if ((t.mask & (1 << componentOf[f]!)) === 0) return out;
      const col = store.columns[f]!;
      for (let i = 0; i < n; i++) out[i] = col[slots[i]!]! >>> 0;
      return out;
    });
    const owners = new Uint32Array(n);
    for (let i = 0; i < n; i++) owners[i] = store.ownerColumn[slots[i]!]!;
    columns.push(owners);
    return [{ name: t.name, flag: ti, slots, columns }];
  });
  const meta: SaveProperty[] = [
    { name: 'game', type: 'str', value: game.name },
    { name: 'fingerprint', type: 'u32', value: game.fingerprint },
    { name: 'capacity', type: 'u32', value: store.capacity },
    { name: 'savedAt', type: 'f64', value: Date.now() },
  ];
  return {
    version: FORMAT_VERSION,
    meta,
    header: [...(options.properties ?? [])],
    fields,
    allocator: { capacity: store.capacity, highWater: high, freeStack: Uint32Array.from(free), generations },
    kinds,
  };
}

/** The store as save bytes. */
export function saveGame<D extends GameDeclaration>(store: GameStore<D>, options: GameSaveOptions = {}): Uint8Array {
  return encodeSave(captureGame(store, options), 256 + store.alive * (store.game.fields.length + 2) * 2);
}

/**
 * Replaces the store's entities with the save's. Every check runs first and the new state is
 * built apart: on any error (InvalidSaveError, SaveMismatchError) the store is exactly as it was.
 */
export function restoreGame<D extends GameDeclaration>(store: GameStore<D>, bytes: Uint8Array): GameRestoreReport {
  const content = decodeSave(bytes);
  const game: Game<D> = store.game;
  const savedGame = content.meta.find((p) => p.name === 'game');
  if (savedGame?.type !== 'str') throw new InvalidSaveError('layout', 'META has no game name: not a game store save');
  if (savedGame.value !== game.name) throw new SaveMismatchError([{ option: 'game', saved: savedGame.value, current: game.name }]);
  const { allocator } = content;
  if (allocator.highWater > store.capacity) {
    throw new SaveMismatchError([{ option: 'capacity', saved: String(numberProperty(content.meta, 'capacity') ?? allocator.capacity), current: String(store.capacity) }], `${allocator.highWater} slots are in use in the save`);
  }
  const report: GameRestoreReport = {
    game: game.name, entities: 0, byType: {}, skippedTypes: [], defaultedFields: [], ignoredFields: [], convertedFields: [], clampedFields: [], properties: content.header,
  };
  const savedIndex = new Map(content.fields.map((f, i) => [f.name, i]));
  for (const f of content.fields) if (f.name !== OWNER_FIELD && !game.fieldIndex.has(f.name)) report.ignoredFields.push(f.name);
  const next = new GameStore(game, { capacity: store.capacity });
  const claimed = new Uint8Array(allocator.highWater);
  const clamped = new Set<string>();
  for (const kind of content.kinds) {
    const t = game.typeIndex.get(kind.name);
    if (t === undefined) {
      report.skippedTypes.push({ name: kind.name, count: kind.slots.length });
      continue;
    }
    for (const s of kind.slots) {
      if (s >= allocator.highWater) throw new InvalidSaveError('value', `type ${kind.name}: slot ${s} is above the high water ${allocator.highWater}`);
      if (claimed[s] === 1) throw new InvalidSaveError('value', `slot ${s} is held twice`);
      claimed[s] = 1;
      next.typeColumn[s] = t + 1;
      next.generationColumn[s] = allocator.generations[s]! & GENERATION_MASK;
    }
    const owner = savedIndex.get(OWNER_FIELD);
    if (owner !== undefined) kind.slots.forEach((s, i) => (next.ownerColumn[s] = kind.columns[owner]![i]!));
    for (const ci of game.types[t]!.components) {
      for (const f of game.components[ci]!.fields) {
        const plan = game.fields[f]!;
        const col = next.columns[f]!;
        const at = savedIndex.get(plan.name);
        if (at === undefined) {
          for (const s of kind.slots) col[s] = plan.initial;
          if (!report.defaultedFields.includes(plan.name)) report.defaultedFields.push(plan.name);
          continue;
        }
        const from = content.fields[at]!;
        const values = kind.columns[at]!;
        const slots = kind.slots;
        // The common case: the same type, every value inside today's range, copied as it is.
        const inRange = sameStoredRange(plan, from);
        if (inRange) {
          let i = 0;
          for (; i < slots.length; i++) {
            const v = values[i]!;
            if (!inRange(v)) break;
            col[slots[i]!] = v;
          }
          if (i === slots.length) continue;
        }
        const convert = valueConverter(plan, from, report);
        for (let i = 0; i < slots.length; i++) {
          const [stored, wasClamped] = convert(values[i]!);
          col[slots[i]!] = stored;
          if (wasClamped) clamped.add(plan.name);
        }
      }
    }
    report.byType[kind.name] = kind.slots.length;
    report.entities += kind.slots.length;
  }
  report.clampedFields = [...clamped];
  // Every slot below the high water not held by a restored entity is free.
  const free: number[] = [];
  const seen = new Uint8Array(allocator.highWater);
  for (const s of allocator.freeStack) {
    if (s >= allocator.highWater || seen[s] === 1 || claimed[s] === 1) throw new InvalidSaveError('value', `free slot ${s} is out of range, repeated or held`);
    seen[s] = 1;
    free.push(s);
  }
  for (let s = 0; s < allocator.highWater; s++) {
    if (claimed[s] === 0 && seen[s] === 0) {
      free.push(s); // a skipped type's entity: freed, its id stale
      next.generationColumn[s] = (allocator.generations[s]! + 1) & GENERATION_MASK;
    } else if (claimed[s] === 0) {
      next.generationColumn[s] = allocator.generations[s]! & GENERATION_MASK;
    }
  }
  next.freeColumn.set(free);
  next.setAllocator(report.entities, allocator.highWater, free.length);
  store.restore(next.region);
  return report;
}

/**
 * A test that a saved 32-bit value of `from` is already a valid stored value of `plan` (same
 * type, inside today's range), or null when every value needs the converter (an enum, a type
 * that changed).
 */
function sameStoredRange(plan: FieldPlan, from: SavedField): ((raw: number) => boolean) | null {
  const spec = plan.spec;
  if (spec.type === 'enum' || from.type !== savedType(plan)) return null;
  if (spec.type === 'bool') return (raw) => raw === 0 || raw === 1;
  if (plan.quantiser === Q_WRAP) {
    const lo = Math.round(spec.min! * FX_ONE);
    const hi = Math.round(spec.max! * FX_ONE);
    return (raw) => (raw | 0) >= lo && (raw | 0) < hi;
  }
  const scale = spec.type === 'q16' ? FX_ONE : 1;
  const lo = spec.min !== undefined ? Math.round(spec.min * scale) : -Infinity;
  const hi = spec.max !== undefined ? Math.round(spec.max * scale) : Infinity;
  return spec.type === 'u32' ? (raw) => raw >= lo && raw <= hi : (raw) => (raw | 0) >= lo && (raw | 0) <= hi;
}

function noteOnce(list: string[], name: string): void {
  if (!list.includes(name)) list.push(name);
}

/** How a saved column's values become today's stored values: [stored, clamped]. */
function valueConverter(plan: FieldPlan, from: SavedField, report: GameRestoreReport): (raw: number) => [number, boolean] {
  const spec = plan.spec;
  if (spec.type === 'enum') {
    const savedValues = from.unit?.startsWith(ENUM_UNIT) ? from.unit.slice(ENUM_UNIT.length).split(',') : spec.values!;
    const map = savedValues.map((v) => spec.values!.indexOf(v));
    if (map.some((m, i) => m !== i) || savedValues.length !== spec.values!.length) noteOnce(report.convertedFields, plan.name);
    return (raw) => {
      const m = map[raw] ?? -1;
      return m >= 0 ? [m, false] : [plan.initial, true];
    };
  }
  const sameType = from.type === savedType(plan);
  if (!sameType) noteOnce(report.convertedFields, plan.name);
  const api = (raw: number): number => (from.type === 'q16' ? (raw | 0) / FX_ONE : from.type === 'i32' ? raw | 0 : raw >>> 0);
  return (raw) => {
    let value: number | boolean = sameType ? Number(fromStored(plan, raw)) : api(raw);
    if (spec.type === 'bool') value = value !== 0;
    try {
      return [toStored(plan, value), false];
    } catch {
      // Out of today's range (or not an integer any more): the nearest value it allows.
      if (typeof value === 'boolean') return [value ? 1 : 0, true];
      const lo = spec.min ?? -Infinity;
      const hi = spec.max ?? Infinity;
      const v = Math.min(hi, Math.max(lo, spec.type === 'q16' ? value : Math.round(value)));
      try {
        return [toStored(plan, v), true];
      } catch {
        return [plan.initial, true];
      }
    }
  };
}
