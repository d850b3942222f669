// One field of a game's declaration (src/core/game.ts): its type, range and quantisation, and
// the three forms a value takes on its way from the game to a client:
//   API value  - what game code reads and writes (metres, radians, true, 'run');
//   stored     - the 32-bit element in the entity's SoA column (Q16.16 for q16, 0/1 for bool,
//                the value's index for enum);
//   wire code  - the integer a snapshot carries: the stored value quantised to the declared
//                precision, so two stored values the client cannot tell apart cost no bytes.
//
// | type | stored        | wire code                                   | range needed        |
// |------|---------------|---------------------------------------------|---------------------|
// | q16  | i32, Q16.16   | round((stored - min) / step), step from     | for `bits` or wrap  |
// |      |               | `precision` (API units) or (max-min)/(2^bits-1); full Q16 if neither |
// | i32  | i32           | the value                                   | optional            |
// | u32  | u32           | the value                                   | optional            |
// | bool | u32 0/1       | the value, 1 bit                            | -                   |
// | enum | u32 index     | the index, ceil(log2(values)) bits          | -                   |
// A field with a range travels in a fixed number of bits when an entity enters a view; without
// one, as a tiered signed code. `wrap` makes the range a circle (angles): [min, max) is cut
// into 2^bits steps and deltas take the short way round.

import { InvalidArgumentError, InvalidValueError } from './errors.js';
import { FX_ONE, fitsQ16 } from './fixed.js';

export type GameFieldType = 'q16' | 'i32' | 'u32' | 'bool' | 'enum';
/** Who receives a field: every client that sees the entity, only its owner, or nobody. */
export type Replication = 'all' | 'owner' | 'server';
/** How often a changed field goes out: in every snapshot a client is sent, every 2nd, every 6th (10 Hz at 60 Hz). */
export type RateClass = 'high' | 'normal' | 'low';
export const RATE_PERIOD: Readonly<Record<RateClass, number>> = { high: 1, normal: 2, low: 6 };

export interface GameFieldSpec {
  readonly type: GameFieldType;
  /** Unit of the API value ('m', 'rad', 'hp'), for messages and docs. */
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  /** q16: the range travels in this many bits. i32/u32: the range must fit in them. */
  readonly bits?: number;
  /** q16: the wire step in API units (1/128 for 1/128 m). */
  readonly precision?: number;
  /** enum: the names, in wire order. */
  readonly values?: readonly string[];
  /** q16 with a range: the range is a circle (angles). */
  readonly wrap?: boolean;
  /** API value of a fresh entity; 0 / false / the first enum value if absent. */
  readonly default?: number | boolean | string;
  /** Overrides the component's replication for this field. */
  readonly replicate?: Replication;
  /** Overrides the component's rate class for this field. */
  readonly rate?: RateClass;
}

export type ApiValue = number | boolean | string;

/** Quantiser kinds, in the codec's switch order. */
export const Q_IDENTITY = 0;
export const Q_AFFINE = 1;
export const Q_WRAP = 2;

/** A field's declaration checked and turned into the numbers the store and the codec run on. */
export interface FieldPlan {
  readonly name: string;
  readonly spec: GameFieldSpec;
  readonly signed: boolean;
  readonly replicate: Replication;
  readonly period: number;
  readonly quantiser: number;
  /** Stored value of code 0 (Q_AFFINE, Q_WRAP). */
  readonly base: number;
  /** Stored units per code. */
  readonly scale: number;
  /** Codes in a wrapped range (a power of two), else 0. */
  readonly modulus: number;
  /** Smallest and largest code; raw bits when an entity enters (0: tiered signed instead). */
  readonly codeMin: number;
  readonly codeMax: number;
  readonly rawBits: number;
  /** Stored form of the default. */
  readonly initial: number;
  /**
   * Codes per API unit when a code is the value times that whole number exactly (a q16 field of
   * precision 1/N from 0: -116 / 127, not -116 * fl(1 / 127)), else 0. Worked out once here, not
   * at every read of a client's view.
   */
  readonly codeDivisor: number;
}

const bitLength = (n: number): number => (n <= 0 ? 0 : 32 - Math.clz32(n));
const MAX_BITS = 31;

export function planField(name: string, spec: GameFieldSpec, replicate: Replication, rate: RateClass): FieldPlan {
  const bad = (why: string): never => {
    throw new InvalidArgumentError(`field ${name}: ${why}`);
  };
  if (spec === null || typeof spec !== 'object') bad('must be an object');
  const { type, min, max, bits, precision, wrap } = spec;
  for (const [k, v] of [['min', min], ['max', max], ['precision', precision]] as const) {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) bad(`${k} must be a finite number`);
  }
  if (min !== undefined && max !== undefined && !(min < max)) bad(`min ${min} must be below max ${max}`);
  if (bits !== undefined && (!Number.isInteger(bits) || bits < 1 || bits > MAX_BITS)) bad(`bits must be an integer in [1, ${MAX_BITS}]`);
  const ownReplicate = spec.replicate ?? replicate;
  if (!['all', 'owner', 'server'].includes(ownReplicate)) bad(`replicate "${String(ownReplicate)}" is not all, owner or server`);
  const ownRate = spec.rate ?? rate;
  if (!(ownRate in RATE_PERIOD)) bad(`rate "${String(ownRate)}" is not high, normal or low`);
  if (type !== 'q16' && (precision !== undefined || wrap)) bad(`precision and wrap are for q16 fields`);
  if (type !== 'enum' && spec.values !== undefined) bad('values are for enum fields');
  const common = { name, spec, replicate: ownReplicate, period: RATE_PERIOD[ownRate], codeDivisor: 0 };
  let plan: FieldPlan;
  switch (type) {
    case 'q16': {
      if (min !== undefined && !fitsQ16(min)) bad('min is outside the Q16.16 range');
      if (max !== undefined && !fitsQ16(max)) bad('max is outside the Q16.16 range');
      if (precision !== undefined && bits !== undefined) bad('give bits or precision, not both');
      if (precision !== undefined && !(precision > 0)) bad('precision must be positive');
      if (wrap) {
        if (min === undefined || max === undefined) bad('wrap needs min and max');
        if (bits === undefined && precision === undefined) bad('wrap needs bits or precision');
        const steps = bits !== undefined ? 2 ** bits : 2 ** Math.ceil(Math.log2((max! - min!) / precision!));
        if (steps < 2 || steps > 2 ** 24) bad(`a wrapped range of ${steps} steps is not in [2, 2^24]`);
        const base = Math.round(min! * FX_ONE);
        plan = {
          ...common, signed: true, quantiser: Q_WRAP, base, scale: ((max! - min!) * FX_ONE) / steps,
          modulus: steps, codeMin: 0, codeMax: steps - 1, rawBits: bitLength(steps - 1), initial: 0,
        };
      } else if (bits !== undefined) {
        if (min === undefined || max === undefined) bad('bits needs min and max');
        const top = 2 ** bits - 1;
        plan = {
          ...common, signed: true, quantiser: Q_AFFINE, base: Math.round(min! * FX_ONE),
          scale: ((max! - min!) * FX_ONE) / top, modulus: 0, codeMin: 0, codeMax: top, rawBits: bits, initial: 0,
        };
      } else {
        const scale = precision !== undefined ? precision * FX_ONE : 1;
        if (scale < 1) bad(`precision ${precision} is finer than Q16.16 (1/65536)`);
        const base = 0;
        const lo = min !== undefined ? Math.round((min * FX_ONE) / scale) : undefined;
        const hi = max !== undefined ? Math.round((max * FX_ONE) / scale) : undefined;
        const ranged = lo !== undefined && hi !== undefined;
        plan = {
          ...common, signed: true, quantiser: scale === 1 ? Q_IDENTITY : Q_AFFINE, base, scale, modulus: 0,
          codeMin: lo ?? -0x80000000, codeMax: hi ?? 0x7fffffff, rawBits: ranged ? bitLength(hi! - lo!) || 1 : 0, initial: 0,
        };
      }
      break;
    }
    case 'i32':
    case 'u32': {
      const lo = type === 'i32' ? -0x80000000 : 0;
      const hi = type === 'i32' ? 0x7fffffff : 0xffffffff;
      for (const v of [min, max]) if (v !== undefined && (!Number.isInteger(v) || v < lo || v > hi)) bad(`range ${v} is not a ${type}`);
      const codeMin = min ?? lo;
      const codeMax = max ?? hi;
      const ranged = min !== undefined && max !== undefined;
      const rawBits = ranged ? bitLength(codeMax - codeMin) || 1 : 0;
      if (bits !== undefined && (!ranged || rawBits > bits)) bad(`the range [${min}, ${max}] does not fit in ${bits} bits`);
      plan = { ...common, signed: type === 'i32', quantiser: Q_IDENTITY, base: 0, scale: 1, modulus: 0, codeMin, codeMax, rawBits, initial: 0 };
      break;
    }
    case 'bool':
      if (min !== undefined || max !== undefined || bits !== undefined) bad('bool takes no range or bits');
      plan = { ...common, signed: false, quantiser: Q_IDENTITY, base: 0, scale: 1, modulus: 0, codeMin: 0, codeMax: 1, rawBits: 1, initial: 0 };
      break;
    case 'enum': {
      const values = spec.values;
      if (!Array.isArray(values) || values.length < 1 || values.length > 65536) bad('enum needs 1 to 65,536 values');
      if (new Set(values).size !== values!.length || values!.some((v) => typeof v !== 'string' || v === '')) bad('enum values must be distinct non-empty strings');
      if (min !== undefined || max !== undefined || bits !== undefined) bad('enum takes no range or bits');
      plan = {
        ...common, signed: false, quantiser: Q_IDENTITY, base: 0, scale: 1, modulus: 0, codeMin: 0,
        codeMax: values!.length - 1, rawBits: bitLength(values!.length - 1) || 1, initial: 0,
      };
      break;
    }
    default:
      return bad(`unknown type "${String(type)}"`);
  }
  let initial = 0;
  if (spec.default !== undefined) {
    try {
      initial = toStored(plan, spec.default);
    } catch (e) {
      bad(`default: ${(e as Error).message}`);
    }
  } else if ((min !== undefined && min > 0) || (max !== undefined && max < 0)) {
    // No default and 0 is out of range: a fresh entity starts at the end of the range nearest 0.
    initial = toStored(plan, min !== undefined && min > 0 ? min : max!);
  }
  const whole = precision !== undefined ? Math.round(1 / precision) : 0;
  const codeDivisor = type === 'q16' && plan.base === 0 && plan.quantiser !== Q_WRAP && precision !== undefined && Math.abs(1 / precision - whole) < 1e-9 ? whole : 0;
  return { ...plan, initial, codeDivisor };
}

/**
 * Checks an API value for `plan` and returns its stored 32-bit form. Throws InvalidValueError:
 * nothing out of range, NaN or of the wrong type ever reaches a column.
 */
export function toStored(plan: FieldPlan, value: unknown): number {
  const { name, spec } = plan;
  switch (spec.type) {
    case 'bool':
      if (typeof value !== 'boolean') throw new InvalidValueError(name, value, 'not a boolean');
      return value ? 1 : 0;
    case 'enum': {
      const i = typeof value === 'string' ? spec.values!.indexOf(value) : -1;
      if (i < 0) throw new InvalidValueError(name, value, `not one of ${spec.values!.join(', ')}`);
      return i;
    }
    default:
      break;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidValueError(name, value, 'not a finite number');
  if (plan.quantiser === Q_WRAP) {
    // An angle may arrive in any turn; it is stored folded into [min, max).
    const lo = spec.min!;
    const period = spec.max! - lo;
    if (Math.abs(value) > 1e6) throw new InvalidValueError(name, value, 'beyond ±1e6');
    const folded = value - Math.floor((value - lo) / period) * period;
    return Math.round(folded * FX_ONE) | 0;
  }
  if (spec.min !== undefined && value < spec.min) throw new InvalidValueError(name, value, `below the minimum ${spec.min}`);
  if (spec.max !== undefined && value > spec.max) throw new InvalidValueError(name, value, `above the maximum ${spec.max}`);
  if (spec.type === 'q16') {
    if (!fitsQ16(value)) throw new InvalidValueError(name, value, 'outside the Q16.16 range of ±32768');
    return Math.round(value * FX_ONE) | 0;
  }
  if (!Number.isInteger(value)) throw new InvalidValueError(name, value, 'not an integer');
  if (spec.type === 'i32' && (value < -0x80000000 || value > 0x7fffffff)) throw new InvalidValueError(name, value, 'not a 32-bit signed integer');
  if (spec.type === 'u32' && (value < 0 || value > 0xffffffff)) throw new InvalidValueError(name, value, 'not a 32-bit unsigned integer');
  return value;
}

/** The API value of a stored element. */
export function fromStored(plan: FieldPlan, stored: number): ApiValue {
  switch (plan.spec.type) {
    case 'q16':
      return (stored | 0) / FX_ONE;
    case 'bool':
      return stored !== 0;
    case 'enum':
      return plan.spec.values![stored] ?? plan.spec.values![0]!;
    case 'u32':
      return stored >>> 0;
    default:
      return stored | 0;
  }
}

/**
 * round((stored - base) / scale), rounding half up. A power-of-two scale is a shift (as the
 * compiled encoders do it); any other multiplies by 1 / scale, as they do, so both agree.
 */
function quantised(plan: FieldPlan, stored: number): number {
  const v = (stored | 0) - plan.base;
  const shift = Math.log2(plan.scale);
  if (plan.base === 0 && Number.isInteger(shift) && shift >= 1 && shift <= 30) return (v >> shift) + ((v >> (shift - 1)) & 1);
  return Math.round(v * (1 / plan.scale));
}

/** The wire code of a stored element, clamped into the declared code range. */
export function toCode(plan: FieldPlan, stored: number): number {
  let c: number;
  if (plan.quantiser === Q_IDENTITY) c = plan.signed ? stored | 0 : stored >>> 0;
  else if (plan.quantiser === Q_AFFINE) c = quantised(plan, stored);
  else {
    const m = plan.modulus;
    c = quantised(plan, stored) % m;
    if (c < 0) c += m;
    return c;
  }
  return c < plan.codeMin ? plan.codeMin : c > plan.codeMax ? plan.codeMax : c;
}

/** The API value a client reads for a wire code. */
export function fromCode(plan: FieldPlan, code: number): ApiValue {
  switch (plan.spec.type) {
    case 'q16': {
      const { min, max } = plan.spec;
      let v: number;
      if (plan.codeDivisor > 0) {
        v = code / plan.codeDivisor; // -116 / 127 exactly, not -116 * fl(1 / 127)
      } else if (plan.base !== 0 || plan.quantiser === Q_WRAP) {
        // From the declared minimum in API units: code 2048 of a 12-bit circle over [-pi, pi) is 0.
        v = min! + (code * plan.scale) / FX_ONE;
      } else {
        v = (code * plan.scale) / FX_ONE;
      }
      // A range that is not a whole number of steps rounds its end codes outwards: clamp back.
      if (plan.quantiser !== Q_WRAP && min !== undefined && v < min) return min;
      if (plan.quantiser !== Q_WRAP && max !== undefined && v > max) return max;
      return v;
    }
    default:
      return fromStored(plan, code);
  }
}
