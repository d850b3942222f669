// A game's declaration: its components (typed fields with ranges, quantisation, replication and
// rate), its entity types (sets of components) and its input record. Everything the engine does
// with a game's data is derived from this one object:
//   - the world layout: one SoA column per field in one region (src/core/game-store.ts);
//   - the wire format: per-field codes, per-component change masks, deltas against the
//     snapshot the client acknowledged (src/codec/game-snapshot.ts, game-replica.ts);
//   - the client's typed view of what it was sent (game-replica.ts);
//   - input encoding and validation (src/codec/game-input.ts).
// Entity types cost a type column and one component mask each, so a game may declare hundreds.
//
//   const game = defineGame({
//     name: 'arena-shooter',
//     components: {
//       position: { fields: { x: { type: 'q16', unit: 'm', min: -2048, max: 2048, precision: 1 / 128 }, ... } },
//       health: { fields: { hp: { type: 'i32', min: 0, max: 200 } }, rate: 'normal' },
//       inventory: { fields: { ammo: { type: 'u32', max: 999, min: 0 } }, replicate: 'owner' },
//     },
//     types: { player: ['position', 'health', 'inventory'], crate: ['position'] },
//     input: { moveX: { type: 'q16', min: -1, max: 1, bits: 8 }, fire: { type: 'bool' } },
//   });

import { InvalidArgumentError } from './errors.js';
import { planField, type FieldPlan, type GameFieldSpec, type RateClass, type Replication } from './game-fields.js';

export interface ComponentSpec {
  readonly fields: Readonly<Record<string, GameFieldSpec>>;
  /** Default replication of the component's fields ('all' if absent). */
  readonly replicate?: Replication;
  /** Default rate class of the component's fields ('high' if absent). */
  readonly rate?: RateClass;
}

export interface GameDeclaration {
  readonly name: string;
  readonly components: Readonly<Record<string, ComponentSpec>>;
  /** Entity type name -> the components its entities carry. */
  readonly types: Readonly<Record<string, readonly string[]>>;
  /** The record a client sends each frame. */
  readonly input?: Readonly<Record<string, GameFieldSpec>>;
}

/** `component.field` for every field a declaration names. */
export type FieldKey<D extends GameDeclaration> = {
  [C in keyof D['components'] & string]: `${C}.${keyof D['components'][C]['fields'] & string}`;
}[keyof D['components'] & string];
export type TypeName<D extends GameDeclaration> = keyof D['types'] & string;
/** The declared spec of field `component.field`. */
export type FieldSpecOf<D extends GameDeclaration, K extends string> = K extends `${infer C}.${infer F}`
  ? C extends keyof D['components'] ? F extends keyof D['components'][C]['fields'] ? D['components'][C]['fields'][F] : never : never
  : never;
/** The stored column of a field spec: Uint32Array for u32, bool and enum, Int32Array for q16 and i32 (either when not known). */
export type ColumnOf<S> = [S] extends [{ readonly type: 'u32' | 'bool' | 'enum' }] ? Uint32Array
  : [S] extends [{ readonly type: 'q16' | 'i32' }] ? Int32Array
  : Int32Array | Uint32Array;
/** The API value of a field spec: boolean for bool, the value names for enum, number otherwise (any of them when not known). */
export type ValueOf<S> = [S] extends [{ readonly type: 'bool' }] ? boolean
  : [S] extends [{ readonly type: 'enum'; readonly values: readonly (infer V)[] }] ? V
  : [S] extends [{ readonly type: 'q16' | 'i32' | 'u32' }] ? number
  : number | boolean | string;
export type InputName<D extends GameDeclaration> = keyof NonNullable<D['input']> & string;

export interface ComponentPlan {
  readonly name: string;
  readonly index: number;
  /** Global indices of its fields, in declaration order. */
  readonly fields: readonly number[];
}

/** What one recipient class (a client that sees the entity, or its owner) is sent of a type. */
export interface WirePlan {
  /** Components with at least one field for this recipient, in declaration order. */
  readonly components: Int32Array;
  /** Fields of components[i] are fields[start[i] .. start[i + 1]). */
  readonly start: Int32Array;
  /** Global field indices: the order of a record's codes. */
  readonly fields: Int32Array;
}

/**
 * A record's shape: its fields and how they group into components. Types whose plans share a
 * key write and read alike, so the codec's compiled kernels are shared between them.
 */
export const wirePlanKey = (plan: WirePlan): string => `${plan.fields.join(',')}|${plan.start.join(',')}`;

export interface TypePlan {
  readonly name: string;
  readonly index: number;
  /** Bit c set: the type carries component c. */
  readonly mask: number;
  readonly components: readonly number[];
  /** [seen by others, seen by its owner]. */
  readonly wire: readonly [WirePlan, WirePlan];
}

export interface Game<D extends GameDeclaration = GameDeclaration> {
  readonly declaration: D;
  readonly name: string;
  readonly components: readonly ComponentPlan[];
  /** Every field, component by component; `name` is `component.field`. */
  readonly fields: readonly FieldPlan[];
  /** The component of field f: componentOf[f]. */
  readonly componentOf: Int32Array;
  readonly fieldIndex: ReadonlyMap<string, number>;
  readonly types: readonly TypePlan[];
  readonly typeIndex: ReadonlyMap<string, number>;
  /** Bits a type index takes on the wire. */
  readonly typeBits: number;
  /** The input record's fields, in declaration order. */
  readonly input: readonly FieldPlan[];
  /** The most codes a record of any type carries (to its owner). */
  readonly maxRecordFields: number;
  /** FNV-1a of the declaration: a client and a server agree on the game when these match. */
  readonly fingerprint: number;
}

export const MAX_COMPONENTS = 32;
export const MAX_TYPES = 65_535;
export const MAX_FIELDS = 1024;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function checkName(what: string, name: string): void {
  if (!NAME.test(name)) throw new InvalidArgumentError(`${what} "${name}": names are 1-64 letters, digits or _, not starting with a digit`);
}

export function defineGame<const D extends GameDeclaration>(declaration: D): Game<D> {
  if (declaration === null || typeof declaration !== 'object') throw new InvalidArgumentError('a game declaration must be an object');
  const { name } = declaration;
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(name)) throw new InvalidArgumentError(`game name "${String(name)}": lower-case letters, digits and -, at most 64`);
  const componentNames = Object.keys(declaration.components ?? {});
  if (componentNames.length === 0) throw new InvalidArgumentError('a game needs at least one component');
  if (componentNames.length > MAX_COMPONENTS) throw new InvalidArgumentError(`${componentNames.length} components: at most ${MAX_COMPONENTS}`);
  const fields: FieldPlan[] = [];
  const fieldIndex = new Map<string, number>();
  const components: ComponentPlan[] = componentNames.map((cname, index) => {
    checkName('component', cname);
    const spec = declaration.components[cname]!;
    const names = Object.keys(spec?.fields ?? {});
    if (names.length === 0) throw new InvalidArgumentError(`component ${cname} has no fields`);
    const own: number[] = [];
    for (const fname of names) {
      checkName(`field of ${cname}`, fname);
      const key = `${cname}.${fname}`;
      const plan = planField(key, spec.fields[fname]!, spec.replicate ?? 'all', spec.rate ?? 'high');
      own.push(fields.length);
      fieldIndex.set(key, fields.length);
      fields.push(plan);
    }
    return { name: cname, index, fields: own };
  });
  if (fields.length > MAX_FIELDS) throw new InvalidArgumentError(`${fields.length} fields: at most ${MAX_FIELDS}`);

  const typeNames = Object.keys(declaration.types ?? {});
  if (typeNames.length === 0) throw new InvalidArgumentError('a game needs at least one entity type');
  if (typeNames.length > MAX_TYPES) throw new InvalidArgumentError(`${typeNames.length} entity types: at most ${MAX_TYPES}`);
  const componentIndex = new Map(components.map((c) => [c.name, c.index]));
  const types: TypePlan[] = typeNames.map((tname, index) => {
    checkName('entity type', tname);
    const list = declaration.types[tname];
    if (!Array.isArray(list)) throw new InvalidArgumentError(`entity type ${tname}: a list of component names`);
    let mask = 0;
    for (const c of list) {
      const ci = componentIndex.get(c);
      if (ci === undefined) throw new InvalidArgumentError(`entity type ${tname}: no component named "${String(c)}"`);
      if ((mask & (1 << ci)) !== 0) throw new InvalidArgumentError(`entity type ${tname}: component ${c} listed twice`);
      mask |= 1 << ci;
    }
    const owned = components.filter((c) => (mask & (1 << c.index)) !== 0).map((c) => c.index);
    const wire = (owner: boolean): WirePlan => {
      const comps: number[] = [];
      const start: number[] = [0];
      const flat: number[] = [];
      for (const ci of owned) {
        const sent = components[ci]!.fields.filter((f) => fields[f]!.replicate === 'all' || (owner && fields[f]!.replicate === 'owner'));
        if (sent.length === 0) continue;
        comps.push(ci);
        flat.push(...sent);
        start.push(flat.length);
      }
      return { components: Int32Array.from(comps), start: Int32Array.from(start), fields: Int32Array.from(flat) };
    };
    return { name: tname, index, mask: mask >>> 0, components: owned, wire: [wire(false), wire(true)] };
  });

  const inputNames = Object.keys(declaration.input ?? {});
  const input = inputNames.map((iname) => {
    checkName('input field', iname);
    const plan = planField(`input.${iname}`, declaration.input![iname]!, 'all', 'high');
    if (plan.rawBits === 0) throw new InvalidArgumentError(`input.${iname}: an input field needs a range (min and max), or is bool or enum`);
    // An input's codes travel as 32-bit signed integers (GameInputCodec.check, the rules' input words).
    if (plan.codeMin < -0x80000000 || plan.codeMax > 0x7fffffff) throw new InvalidArgumentError(`input.${iname}: its codes run ${plan.codeMin} to ${plan.codeMax}; an input field's must fit 32-bit signed integers (narrow its range)`);
    return plan;
  });

  return {
    declaration,
    name,
    components,
    fields,
    componentOf: Int32Array.from(fields, (_, f) => components.findIndex((c) => c.fields.includes(f))),
    fieldIndex,
    types,
    typeIndex: new Map(types.map((t) => [t.name, t.index])),
    typeBits: Math.max(1, 32 - Math.clz32(types.length - 1)),
    input,
    maxRecordFields: Math.max(...types.map((t) => t.wire[1].fields.length)),
    fingerprint: fingerprintOf(declaration),
  };
}

/** FNV-1a (32-bit) of the declaration's canonical JSON (keys in declaration order). */
function fingerprintOf(d: GameDeclaration): number {
  const text = JSON.stringify(d);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The field plan of `component.field`, or InvalidArgumentError naming what exists. */
export function fieldOf(game: Game, key: string): number {
  const i = game.fieldIndex.get(key);
  if (i === undefined) throw new InvalidArgumentError(`${game.name} has no field "${key}" (component.field)`);
  return i;
}

/** The index of entity type `name`, or InvalidArgumentError. */
export function typeOf(game: Game, name: string): number {
  const i = game.typeIndex.get(name);
  if (i === undefined) throw new InvalidArgumentError(`${game.name} has no entity type "${name}"`);
  return i;
}
