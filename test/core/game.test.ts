// Game declarations (src/core/game.ts, game-fields.ts) and the store they derive
// (src/core/game-store.ts): what defineGame refuses, the per-type wire plans, the field codes
// against brute force, and a store that changes nothing when a call is rejected.

import { describe, expect, it } from 'vitest';
import { defineGame, MAX_COMPONENTS, type ComponentSpec, type GameDeclaration } from '../../src/core/game.js';
import { fromCode, planField, Q_AFFINE, Q_WRAP, toCode, toStored, type FieldPlan } from '../../src/core/game-fields.js';
import { GameStore } from '../../src/core/game-store.js';
import { generationOf, slotOf } from '../../src/core/entity-id.js';
import { mulberry32 } from '../../src/core/mulberry32.js';
import { CapacityError, InvalidArgumentError, InvalidValueError, StaleEntityError, UnknownEntityError } from '../../src/core/errors.js';
import { SHOOTER_GAME } from '../../bench/shooter-game.js';

const FIELD = { type: 'q16', min: -1, max: 1, precision: 1 / 128 } as const;
/** A valid declaration with `patch` over it. */
const decl = (patch: Partial<GameDeclaration> = {}): GameDeclaration => ({
  name: 'test-game', components: { c: { fields: { a: FIELD } } }, types: { t: ['c'] }, ...patch,
});
/** A valid declaration whose only field is `spec`. */
const withField = (spec: unknown): GameDeclaration => decl({ components: { c: { fields: { a: spec as typeof FIELD } } } });
const plan = (spec: unknown): FieldPlan => planField('f', spec as typeof FIELD, 'all', 'high');
const idx = (key: string): number => SHOOTER_GAME.fieldIndex.get(key)!;

describe('defineGame rejects bad declarations', () => {
  it('accepts the base declaration the cases below break', () => {
    expect(defineGame(decl()).fields).toHaveLength(1);
    expect(defineGame(withField({ type: 'q16', min: -1, max: 1, bits: 8 })).fields[0]!.rawBits).toBe(8);
  });

  const cases: [string, GameDeclaration, RegExp][] = [
    ['no components', decl({ components: {}, types: { t: [] } }), /at least one component/],
    ['q16 bits without min/max', withField({ type: 'q16', bits: 8 }), /bits needs min and max/],
    ['q16 bits with only min', withField({ type: 'q16', min: 0, bits: 8 }), /bits needs min and max/],
    ['i32 bits without a range', withField({ type: 'i32', bits: 8 }), /does not fit in 8 bits/],
    ['precision and bits together', withField({ type: 'q16', min: -1, max: 1, bits: 8, precision: 0.01 }), /bits or precision, not both/],
    ['wrap without a range', withField({ type: 'q16', bits: 12, wrap: true }), /wrap needs min and max/],
    ['wrap with only max', withField({ type: 'q16', max: 3, bits: 12, wrap: true }), /wrap needs min and max/],
    ['enum without values', withField({ type: 'enum', values: [] }), /enum needs 1 to/],
    ['enum with values missing', withField({ type: 'enum' }), /enum needs 1 to/],
    ['enum with duplicate values', withField({ type: 'enum', values: ['a', 'b', 'a'] }), /distinct/],
    ['a type naming an unknown component', decl({ types: { t: ['c', 'nope'] } }), /no component named "nope"/],
    ['a component listed twice in a type', decl({ types: { t: ['c', 'c'] } }), /listed twice/],
    ['an upper-case game name', decl({ name: 'Arena' }), /game name/],
    ['an empty game name', decl({ name: '' }), /game name/],
    ['a game name with a space', decl({ name: 'a b' }), /game name/],
    ['a game name of 65 characters', decl({ name: 'a'.repeat(65) }), /game name/],
    ['an input i32 without a range', decl({ input: { x: { type: 'i32' } } }), /needs a range/],
    ['an input q16 without a range', decl({ input: { x: { type: 'q16', precision: 0.1 } } }), /needs a range/],
    ['an input u32 whose codes pass 2^31', decl({ input: { x: { type: 'u32', min: 0, max: 0xffffffff } } }), /32-bit signed/],
    ['min equal to max', withField({ type: 'i32', min: 3, max: 3 }), /must be below max/],
    ['min above max', withField({ type: 'q16', min: 2, max: 1, precision: 0.5 }), /must be below max/],
  ];
  it.each(cases)('%s', (_what, d, why) => {
    expect(() => defineGame(d)).toThrow(InvalidArgumentError);
    expect(() => defineGame(d)).toThrow(why);
  });

  it('more than 32 components, while exactly 32 work down to the last bit of the mask', () => {
    const many = (n: number): Record<string, ComponentSpec> =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, { fields: { v: { type: 'i32' } } }]));
    expect(() => defineGame(decl({ components: many(MAX_COMPONENTS + 1), types: { t: ['c0'] } }))).toThrow(InvalidArgumentError);
    const g = defineGame(decl({ components: many(MAX_COMPONENTS), types: { t: ['c0', 'c31'], u: ['c1'] } }));
    expect(g.types[0]!.mask).toBe((1 | 2 ** 31) >>> 0);
    const store = new GameStore(g, { capacity: 2 });
    const id = store.spawn('t', { 'c31.v': -5 });
    expect(store.get(id, 'c31.v')).toBe(-5);
    expect(() => store.get(store.spawn('u'), 'c31.v')).toThrow(InvalidArgumentError);
  });
});

describe('derived plans', () => {
  const type = (name: string) => SHOOTER_GAME.types[SHOOTER_GAME.typeIndex.get(name)!]!;

  it('never sends server-only fields and sends owner-only fields to the owner alone', () => {
    const npc = type('npc');
    const player = type('player');
    const brain = SHOOTER_GAME.components.find((c) => c.name === 'brain')!.index;
    const weapon = SHOOTER_GAME.components.find((c) => c.name === 'weapon')!.index;
    expect(npc.components).toContain(brain);
    for (const w of npc.wire) {
      expect(Array.from(w.fields)).not.toContain(idx('brain.timer'));
      expect(Array.from(w.components)).not.toContain(brain);
      expect(Array.from(w.fields)).toContain(idx('position.x'));
    }
    expect(Array.from(player.wire[1].fields)).toContain(idx('weapon.cooldown'));
    expect(Array.from(player.wire[1].components)).toContain(weapon);
    expect(Array.from(player.wire[0].fields)).not.toContain(idx('weapon.cooldown'));
    expect(Array.from(player.wire[0].components)).not.toContain(weapon);
    expect(player.wire[1].fields.length).toBe(player.wire[0].fields.length + 1);
    for (const t of SHOOTER_GAME.types) {
      for (const w of t.wire) {
        expect(w.start.length).toBe(w.components.length + 1);
        expect(w.start[w.components.length]).toBe(w.fields.length);
      }
    }
  });

  it('derives the field codes', () => {
    const field = (key: string): FieldPlan => SHOOTER_GAME.fields[idx(key)]!;
    expect(field('position.x')).toMatchObject({ quantiser: Q_AFFINE, rawBits: 23, codeMin: -(2 ** 21), codeMax: 2 ** 21 });
    expect(field('heading.yaw')).toMatchObject({ quantiser: Q_WRAP, modulus: 4096, rawBits: 12, codeMin: 0, codeMax: 4095 });
    expect([field('body.kind').rawBits, field('health.hp').rawBits, field('brain.timer').rawBits]).toEqual([2, 10, 0]);
  });
});

describe('field codes against brute force', () => {
  it('q16 at 1/128 comes back within half a step', () => {
    const rand = mulberry32(11);
    for (const p of [SHOOTER_GAME.fields[idx('position.x')]!, SHOOTER_GAME.fields[idx('position.z')]!, plan({ type: 'q16', min: -10, max: 10, precision: 1 / 128 })]) {
      const { min, max } = p.spec as { min: number; max: number };
      let worst = 0;
      for (let i = 0; i < 10_000; i++) {
        const v = min + rand() * (max - min);
        const code = toCode(p, toStored(p, v));
        expect(Number.isInteger(code) && code >= p.codeMin && code <= p.codeMax).toBe(true);
        worst = Math.max(worst, Math.abs((fromCode(p, code) as number) - v));
      }
      expect(worst).toBeLessThanOrEqual(1 / 256 + 1 / 65536);
      expect(worst).toBeGreaterThan(1 / 512); // the quantisation really happens
      expect(fromCode(p, toCode(p, toStored(p, min)))).toBe(min);
      expect(fromCode(p, toCode(p, toStored(p, max)))).toBe(max);
    }
  });

  it('a wrapped yaw gives the same code a turn later, and decodes within half a step round the circle', () => {
    const yaw = SHOOTER_GAME.fields[idx('heading.yaw')]!;
    const rand = mulberry32(12);
    const step = (2 * Math.PI) / 4096;
    for (let i = 0; i < 10_000; i++) {
      const v = (rand() * 2 - 1) * 20;
      const code = toCode(yaw, toStored(yaw, v));
      expect(toCode(yaw, toStored(yaw, v + 2 * Math.PI))).toBe(code);
      expect(toCode(yaw, toStored(yaw, v - 2 * Math.PI))).toBe(code);
      expect(code >= 0 && code < 4096).toBe(true);
      const d = (fromCode(yaw, code) as number) - v;
      const circular = Math.abs(d - 2 * Math.PI * Math.round(d / (2 * Math.PI)));
      expect(circular).toBeLessThanOrEqual(step / 2 + 1 / 65536);
    }
    expect(toCode(yaw, toStored(yaw, -Math.PI))).toBe(0);
    expect(toCode(yaw, toStored(yaw, 0))).toBe(2048);
    expect(fromCode(yaw, 2048)).toBe(0);
  });

  it('bits-quantised q16 codes stay in [0, 2^bits - 1], out-of-range stored values clamped', () => {
    const p = plan({ type: 'q16', min: -3, max: 5, bits: 10 });
    const rand = mulberry32(13);
    const step = 8 / 1023;
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const v = -3 + rand() * 8;
      const code = toCode(p, toStored(p, v));
      expect(Number.isInteger(code) && code >= 0 && code <= 1023).toBe(true);
      expect(Math.abs((fromCode(p, code) as number) - v)).toBeLessThanOrEqual(step / 2 + 1 / 65536);
      seen.add(code);
    }
    expect(seen.size).toBeGreaterThan(1000);
    expect(toCode(p, toStored(p, -3))).toBe(0);
    expect(toCode(p, toStored(p, 5))).toBe(1023);
    expect(toCode(p, 0x7fffffff)).toBe(1023);
    expect(toCode(p, -0x80000000)).toBe(0);
  });
});

describe('declaration costs and identity', () => {
  const components = { a: { fields: { x: FIELD, y: FIELD } }, b: { fields: { n: { type: 'i32' } } }, c: { fields: { on: { type: 'bool' } } } } as const;
  const combos = [['a'], ['b'], ['c'], ['a', 'b'], ['a', 'c'], ['b', 'c'], ['a', 'b', 'c']];

  it('60 entity types cost no more state than 3', () => {
    const few = defineGame(decl({ components, types: { t0: ['a'], t1: ['b'], t2: ['c'] } }));
    const many = defineGame(decl({ components, types: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`t${i}`, combos[i % combos.length]!])) }));
    expect(many.types).toHaveLength(60);
    expect(many.typeBits).toBe(6);
    const a = new GameStore(few, { capacity: 1000 });
    const b = new GameStore(many, { capacity: 1000 });
    expect(b.region.byteLength).toBe(a.region.byteLength);
    const id = b.spawn('t59', { 'a.x': 0.5 });
    expect(b.typeName(id)).toBe('t59');
    expect(b.get(id, 'a.x')).toBe(0.5);
  });

  it('the fingerprint follows the declaration', () => {
    const make = (precision: number): GameDeclaration => withField({ type: 'q16', min: -1, max: 1, precision });
    const one = defineGame(make(1 / 128)).fingerprint;
    expect(defineGame(make(1 / 128)).fingerprint).toBe(one);
    expect(defineGame(make(1 / 256)).fingerprint).not.toBe(one);
    expect(Number.isInteger(one) && one >= 0 && one <= 0xffffffff).toBe(true);
  });
});

const STORE_GAME = defineGame({
  name: 'store-test',
  components: {
    pos: { fields: { x: { type: 'q16', min: -100, max: 100, precision: 1 / 128 }, y: { type: 'q16', min: -100, max: 100, precision: 1 / 128 } } },
    health: { fields: { hp: { type: 'i32', min: 0, max: 200, default: 100 }, armour: { type: 'u32', min: 0, max: 50 } } },
    mode: { fields: { state: { type: 'enum', values: ['idle', 'run', 'dead'], default: 'run' }, visible: { type: 'bool', default: true } } },
    turn: { fields: { yaw: { type: 'q16', min: -Math.PI, max: Math.PI, bits: 12, wrap: true, default: 1 } } },
  },
  types: { hero: ['pos', 'health', 'mode', 'turn'], rock: ['pos'] },
});

describe('GameStore', () => {
  it('spawns with defaults, and takes nested and component.field values', () => {
    const s = new GameStore(STORE_GAME, { capacity: 4 });
    const a = s.spawn('hero');
    expect([s.get(a, 'health.hp'), s.get(a, 'health.armour'), s.get(a, 'mode.state'), s.get(a, 'mode.visible'), s.get(a, 'turn.yaw'), s.get(a, 'pos.x')])
      .toEqual([100, 0, 'run', true, 1, 0]);
    const b = s.spawn('hero', { pos: { x: 1.5 }, 'pos.y': -2.25, 'health.hp': 7, mode: { state: 'dead', visible: false } });
    expect([s.get(b, 'pos.x'), s.get(b, 'pos.y'), s.get(b, 'health.hp'), s.get(b, 'mode.state'), s.get(b, 'mode.visible')]).toEqual([1.5, -2.25, 7, 'dead', false]);
    expect(s.get(b, 'health.armour')).toBe(0);
    expect(s.typeName(b)).toBe('hero');
    expect(s.alive).toBe(2);
  });

  it('a rejected spawn changes nothing: alive, high water and every byte of the region', () => {
    const s = new GameStore(STORE_GAME, { capacity: 4 });
    s.spawn('hero', { 'pos.x': 3 });
    s.despawn(s.spawn('rock')); // a free slot on the stack, so a bad spawn could pop it
    const before = s.region.slice();
    const bad: [string, Record<string, unknown>, number, new (...a: never[]) => Error][] = [
      ['hero', { 'pos.x': NaN }, 0, InvalidValueError],
      ['hero', { pos: { y: 100.5 } }, 0, InvalidValueError],
      ['hero', { 'pos.x': 1, 'health.hp': 201 }, 0, InvalidValueError],
      ['rock', { 'pos.x': 1, health: { hp: 5 } }, 0, InvalidArgumentError],
      ['hero', { mode: { state: 'fly' } }, 0, InvalidValueError],
      ['hero', { 'mode.visible': 1 }, 0, InvalidValueError],
      ['hero', { 'nope.x': 1 }, 0, InvalidArgumentError],
      ['hero', { 'pos.x': 1 }, -1, InvalidValueError],
      ['tree', {}, 0, InvalidArgumentError],
    ];
    for (const [type, values, owner, error] of bad) {
      expect(() => s.spawn(type as 'hero', values as never, owner)).toThrow(error);
      expect([s.alive, s.highWater]).toEqual([1, 2]);
      expect(s.region).toEqual(before);
    }
  });

  it('despawn frees the slot; the old id is unknown, then stale once the slot is reused', () => {
    const s = new GameStore(STORE_GAME, { capacity: 4 });
    const old = s.spawn('hero', { 'health.hp': 9 }, 3);
    s.despawn(old);
    expect(s.isAlive(old)).toBe(false);
    expect(s.alive).toBe(0);
    expect(() => s.get(old, 'health.hp')).toThrow(UnknownEntityError);
    expect(() => s.despawn(old)).toThrow(UnknownEntityError);
    const next = s.spawn('rock');
    expect(slotOf(next)).toBe(slotOf(old));
    expect(generationOf(next)).toBe(generationOf(old) + 1);
    expect(s.highWater).toBe(1);
    expect(s.owner(next)).toBe(0);
    expect(() => s.get(old, 'pos.x')).toThrow(StaleEntityError);
    expect(() => s.set(old, 'pos.x', 1)).toThrow(StaleEntityError);
    expect(() => s.despawn(old)).toThrow(StaleEntityError);
    expect(s.isAlive(next)).toBe(true);
  });

  it('get and set round-trip, and a rejected set changes nothing', () => {
    const s = new GameStore(STORE_GAME, { capacity: 4 });
    const id = s.spawn('hero');
    const values = { 'pos.x': -99.5, 'pos.y': 100, 'health.hp': 200, 'health.armour': 50, 'mode.state': 'idle', 'mode.visible': false, 'turn.yaw': -Math.PI } as const;
    for (const [k, v] of Object.entries(values)) s.set(id, k as keyof typeof values, v);
    for (const [k, v] of Object.entries(values)) {
      if (k === 'turn.yaw') expect(s.get(id, k)).toBeCloseTo(v as number, 4);
      else expect(s.get(id, k as keyof typeof values)).toBe(v);
    }
    s.set(id, 'pos.x', 1 / 3);
    expect(Math.abs((s.get(id, 'pos.x') as number) - 1 / 3)).toBeLessThanOrEqual(1 / 131072);
    s.set(id, 'turn.yaw', 2 * Math.PI + 1); // stored folded into [-pi, pi)
    expect(s.get(id, 'turn.yaw')).toBeCloseTo(1, 4);
    const rock = s.spawn('rock');
    const before = s.region.slice();
    expect(() => s.set(id, 'health.hp', -1)).toThrow(InvalidValueError);
    expect(() => s.set(id, 'pos.x', Infinity)).toThrow(InvalidValueError);
    expect(() => s.set(id, 'mode.state', 'fly')).toThrow(InvalidValueError);
    expect(() => s.set(rock, 'health.hp', 1)).toThrow(InvalidArgumentError);
    expect(() => s.get(rock, 'health.hp')).toThrow(InvalidArgumentError);
    expect(s.region).toEqual(before);
    expect(s.get(id, 'health.hp')).toBe(200);
  });

  it('throws CapacityError when full, and frees room on despawn', () => {
    const s = new GameStore(STORE_GAME, { capacity: 3 });
    const ids = [s.spawn('rock'), s.spawn('rock'), s.spawn('hero')];
    const before = s.region.slice();
    expect(() => s.spawn('rock')).toThrow(CapacityError);
    expect(s.region).toEqual(before);
    expect(s.alive).toBe(3);
    s.despawn(ids[1]!);
    expect(slotOf(s.spawn('hero'))).toBe(slotOf(ids[1]!));
    expect(() => new GameStore(STORE_GAME, { capacity: 0 })).toThrow(InvalidArgumentError);
  });

  it('save and restore round-trip the whole state', () => {
    const s = new GameStore(STORE_GAME, { capacity: 8 });
    const a = s.spawn('hero', { 'pos.x': 5, 'health.hp': 42 }, 7);
    const b = s.spawn('rock', { 'pos.y': -8 });
    const saved = s.save();
    s.set(a, 'pos.x', -5);
    s.set(a, 'health.hp', 1);
    s.setOwner(a, 9);
    s.despawn(b);
    const c = s.spawn('hero');
    s.restore(saved);
    expect([s.get(a, 'pos.x'), s.get(a, 'health.hp'), s.owner(a), s.get(b, 'pos.y')]).toEqual([5, 42, 7, -8]);
    expect(s.isAlive(b)).toBe(true);
    expect(s.isAlive(c)).toBe(false);
    expect([s.alive, s.highWater]).toEqual([2, 2]);
    expect(s.region).toEqual(saved);
    expect(() => s.restore(saved.subarray(1))).toThrow(InvalidArgumentError);
    expect(() => s.restore(new Uint8Array(saved.byteLength + 16))).toThrow(InvalidArgumentError);
    expect(s.region).toEqual(saved);
  });

  it('setOwner and owner round-trip', () => {
    const s = new GameStore(STORE_GAME, { capacity: 2 });
    const id = s.spawn('hero', {}, 7);
    expect(s.owner(id)).toBe(7);
    s.setOwner(id, 0xffffffff);
    expect(s.owner(id)).toBe(0xffffffff);
    for (const bad of [-1, 1.5, 2 ** 32, NaN]) expect(() => s.setOwner(id, bad)).toThrow(InvalidValueError);
    expect(s.owner(id)).toBe(0xffffffff);
  });
});
