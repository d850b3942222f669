// The save format: a world as entities and components, self-describing, little-endian.
//
// File = 16-byte header + body.
// | off | type | field                                                                     |
// |-----|------|---------------------------------------------------------------------------|
// |   0 | u32  | magic 'CSAV' (0x56415343)                                                 |
// |   4 | u16  | format version (FORMAT_VERSION)                                           |
// |   6 | u16  | reserved, 0                                                               |
// |   8 | u32  | body bytes: the file is exactly 16 + this long                            |
// |  12 | u32  | CRC-32 (IEEE, as zlib) of the body                                        |
//
// Body = sections, each: id (4 ASCII bytes), payload bytes (u32), payload. A reader skips ids it
// does not know; META, HEAD, FLDS and ALOC appear once, KIND once per entity kind.
// | id   | payload                                                                          |
// |------|----------------------------------------------------------------------------------|
// | META | properties: the world's options and the writer (tickHz, capacity, savedAt, ...)  |
// | HEAD | properties: header values by name (tick, rng0-3, kills, seed, bounds, rules)     |
// | FLDS | u16 count; per field: name, type (u8), axis (u8: 0 none, 1 x, 2 y, 3 z), unit    |
// | ALOC | u32 capacity, u32 high water, u32 free count; column free stack (bottom first),   |
// |      | column generations of slots [0, high water)                                       |
// | KIND | name, u32 kind flag bit (as written), u32 count; column slots (ascending);        |
// |      | then one column per FLDS field, in FLDS order, the entities' stored 32-bit values |
// Properties: u16 count; per property: name, type (u8: 1 u32, 2 i32, 3 f64, 4 string), value
// (4 bytes, 4 bytes, 8 bytes, or a string). A string or name is u8 byte length + UTF-8.
// Column: encoding (u8), payload bytes (u32), payload; its element count comes from context.
// | encoding | payload                                                                 |
// |----------|-------------------------------------------------------------------------|
// | 0 const  | one u32: every element has this value                                   |
// | 1 raw    | count x u32                                                             |
// | 2 delta  | u8 width (1-3); count x width bytes: zigzag of (element - previous) as  |
// |          | an i32, the first against 0                                             |
// | 3 for    | u8 width (1-3), i32 base; count x width bytes: element - base (as i32)  |
// Field values are the stored 32-bit forms (Q16.16 for q16, IEEE bits for f32).

import type { Axis, FieldType } from '../core/schema.js';

export const SAVE_MAGIC = 0x56415343; // 'CSAV' little-endian
export const FORMAT_VERSION = 1;
export const FILE_HEADER_BYTES = 16;
export const MAX_NAME_BYTES = 255;

export const SECTION = { meta: 'META', head: 'HEAD', fields: 'FLDS', allocator: 'ALOC', kind: 'KIND' } as const;

export const FIELD_TYPE_CODE: Record<FieldType, number> = { q16: 1, i32: 2, u32: 3, f32: 4 };
export const FIELD_TYPE_OF_CODE: readonly (FieldType | undefined)[] = [undefined, 'q16', 'i32', 'u32', 'f32'];
export const AXIS_CODE: Record<Axis, number> = { x: 1, y: 2, z: 3 };
export const AXIS_OF_CODE: readonly (Axis | undefined)[] = [undefined, 'x', 'y', 'z'];

export const ENCODING = { const: 0, raw: 1, delta: 2, for: 3 } as const;

export type PropertyType = 'u32' | 'i32' | 'f64' | 'str';
export const PROPERTY_TYPE_CODE: Record<PropertyType, number> = { u32: 1, i32: 2, f64: 3, str: 4 };
export const PROPERTY_TYPE_OF_CODE: readonly (PropertyType | undefined)[] = [undefined, 'u32', 'i32', 'f64', 'str'];

export type SaveProperty =
  | { readonly name: string; readonly type: 'u32' | 'i32' | 'f64'; readonly value: number }
  | { readonly name: string; readonly type: 'str'; readonly value: string };

/** One entity field as the save describes it. */
export interface SavedField {
  readonly name: string;
  readonly type: FieldType;
  readonly axis?: Axis;
  readonly unit?: string;
}

export interface SavedAllocator {
  /** Slots of the world that wrote the save (a restore needs only the high water). */
  readonly capacity: number;
  /** Slots [0, highWater) have been used: each is live (in a kind) or on the free stack. */
  readonly highWater: number;
  /** The free stack, bottom first: the next allocation takes the last entry. */
  readonly freeStack: Uint32Array;
  /** Generation of every slot below the high water. */
  readonly generations: Uint32Array;
}

export interface SavedKind {
  readonly name: string;
  /** The kind's flag bit when written (the loader maps kinds by name, then sets today's bit). */
  readonly flag: number;
  /** Slots, ascending. */
  readonly slots: Uint32Array;
  /** One column per field (in `fields` order): stored 32-bit values, `slots.length` each. */
  readonly columns: readonly Uint32Array[];
}

/** Everything a save holds, decoded (or about to be encoded). */
export interface SaveContent {
  readonly version: number;
  readonly meta: readonly SaveProperty[];
  readonly header: readonly SaveProperty[];
  readonly fields: readonly SavedField[];
  readonly allocator: SavedAllocator;
  readonly kinds: readonly SavedKind[];
}

/** A property's numeric value, or undefined when absent or a string. */
export function numberProperty(list: readonly SaveProperty[], name: string): number | undefined {
  const p = list.find((q) => q.name === name);
  return p && p.type !== 'str' ? p.value : undefined;
}
