// Component schemas: a component set is declared once as named fields, and that declaration
// lays out the structure-of-arrays columns (one 32-bit column per field, in declaration order)
// and validates every value written through the TypeScript API.
//
// | type | stored as        | API value                     | rejected                          |
// |------|------------------|-------------------------------|-----------------------------------|
// | q16  | i32, Q16.16      | number (metres, radians, …)   | NaN, ±Infinity, beyond ±32768     |
// | i32  | i32              | integer                       | non-integers, out of i32 range    |
// | u32  | u32              | integer                       | non-integers, out of u32 range    |
// | f32  | f32              | number                        | NaN, ±Infinity                    |
// A field with `axis` is a world coordinate and must also lie inside the world bounds.
// `default` is the API value a field takes where nothing wrote it, notably when a save written
// before the field existed is loaded (src/persist); absent, it is 0. `allocator` marks the slot
// allocator's own columns (generation, free stack): saved once per slot, not per entity.

import { InvalidArgumentError, InvalidValueError, OutOfWorldError } from './errors.js';
import { FX_ONE, fitsQ16 } from './fixed.js';

export type FieldType = 'q16' | 'i32' | 'u32' | 'f32';
export type Axis = 'x' | 'y' | 'z';

export interface FieldSpec {
  readonly type: FieldType;
  /** The field is a world coordinate along this axis. */
  readonly axis?: Axis;
  /** Unit of the API value, for messages and docs ('m', 'rad', 'ticks'). */
  readonly unit?: string;
  /** Smallest and largest API value accepted. */
  readonly min?: number;
  readonly max?: number;
  /** Owned by the engine (flags, generations): not writable through the entity API. */
  readonly internal?: boolean;
  /** API value where nothing wrote the field (a save from before the field existed); 0 if absent. */
  readonly default?: number;
  /** The slot allocator's own state, not a component of the entity in the slot. */
  readonly allocator?: boolean;
}

export type SchemaFields = Readonly<Record<string, FieldSpec>>;

/** World bounds in metres, inclusive. */
export interface Bounds {
  readonly minX: number;
  readonly minY: number;
  readonly minZ: number;
  readonly maxX: number;
  readonly maxY: number;
  readonly maxZ: number;
}

export interface Schema<S extends SchemaFields> {
  readonly fields: S;
  readonly names: readonly (keyof S & string)[];
  readonly index: { readonly [K in keyof S]: number };
}

const F32_MAX = 3.4028234663852886e38;

export const STORAGE: Record<FieldType, 'i32' | 'u32' | 'f32'> = { q16: 'i32', i32: 'i32', u32: 'u32', f32: 'f32' };

export function defineSchema<const S extends SchemaFields>(fields: S): Schema<S> {
  const names = Object.keys(fields) as (keyof S & string)[];
  if (names.length === 0) throw new InvalidArgumentError('a schema needs at least one field');
  const index = {} as Record<keyof S, number>;
  names.forEach((name, i) => {
    const spec = fields[name]!;
    if (!(spec.type in STORAGE)) throw new InvalidArgumentError(`field ${name}: unknown type "${String(spec.type)}"`);
    if (spec.default !== undefined) encodeField(`${name}.default`, spec, spec.default);
    index[name] = i;
  });
  return { fields, names, index };
}

/**
 * Checks an API value for `field` and returns its stored 32-bit form. Throws InvalidValueError
 * or OutOfWorldError; never returns a value that would corrupt state.
 */
export function encodeField(name: string, spec: FieldSpec, value: unknown, bounds?: Bounds): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new InvalidValueError(name, value, 'not a number');
  if (!Number.isFinite(value)) throw new InvalidValueError(name, value, 'not finite');
  if (spec.min !== undefined && value < spec.min) throw new InvalidValueError(name, value, `below the minimum ${spec.min}`);
  if (spec.max !== undefined && value > spec.max) throw new InvalidValueError(name, value, `above the maximum ${spec.max}`);
  if (spec.axis && bounds) {
    const min = spec.axis === 'x' ? bounds.minX : spec.axis === 'y' ? bounds.minY : bounds.minZ;
    const max = spec.axis === 'x' ? bounds.maxX : spec.axis === 'y' ? bounds.maxY : bounds.maxZ;
    if (value < min || value > max) throw new OutOfWorldError(name, value, min, max);
  }
  switch (spec.type) {
    case 'q16':
      if (!fitsQ16(value)) throw new InvalidValueError(name, value, 'outside the Q16.16 range of ±32768');
      return Math.round(value * FX_ONE) | 0;
    case 'i32':
      if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
        throw new InvalidValueError(name, value, 'not a 32-bit signed integer');
      }
      return value;
    case 'u32':
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        throw new InvalidValueError(name, value, 'not a 32-bit unsigned integer');
      }
      return value;
    case 'f32':
      if (Math.abs(value) > F32_MAX) throw new InvalidValueError(name, value, 'beyond the f32 range');
      return value;
  }
}

/** The stored 32-bit form of a field's default (0 when it declares none). */
export function defaultStored(name: string, spec: FieldSpec): number {
  return spec.default === undefined ? 0 : encodeField(`${name}.default`, spec, spec.default);
}

/** The API value of a stored 32-bit element. */
export function decodeField(spec: FieldSpec, stored: number): number {
  return spec.type === 'q16' ? stored / FX_ONE : stored;
}
