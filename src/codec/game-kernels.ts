// Encoder kernels compiled from a game's declaration: for each entity type and recipient class
// (sees it / owns it), a function with every field's column, quantiser, range and rate unrolled
// as constants. A generic loop over a field table costs a table load, a switch and a division per
// field per entity per client; these cost a column load, a shift (or a multiply) and a compare.
// The source is built only from numbers the declaration checked (no names, no strings from
// outside), so compiling it with `new Function` runs nothing a game did not declare.
//
// update(slot, seq, codes, at, base, b0) writes the entity's current codes at codes[at ...]
// (a field whose rate class is not due in message `seq` keeps its baseline code; due-ness counts
// the client's messages, not ticks, so a server that sends every other tick still refreshes
// every slot's slower fields) and returns the mask
// of components whose codes differ from base[b0 ...]; delta(mask, gap, ...) writes the update
// record (gap, op, mask, the changed components' deltas) to w with the writer's state in locals.
// enter(slot, codes, at, w) writes the current codes and their full form. The caller makes sure
// the record fits (worst-case bits) before it calls them.

import { wirePlanKey, type Game, type WirePlan } from '../core/game.js';
import { Q_AFFINE, Q_IDENTITY, type FieldPlan } from '../core/game-fields.js';
import type { StoredColumn } from '../core/game-store.js';
import type { BitStreamWriter } from './bit-stream.js';
import { GENERATION_MASK } from '../core/entity-id.js';
import { GENERATION_WIRE_BITS, type GameFrame } from './game-frames.js';

export type UpdateKernel = (slot: number, seq: number, codes: Int32Array, at: number, base: Int32Array, b0: number) => number;
export type DeltaKernel = (mask: number, gap: number, codes: Int32Array, at: number, base: Int32Array, b0: number, w: BitStreamWriter) => void;
export type EnterKernel = (slot: number, codes: Int32Array, at: number, w: BitStreamWriter) => void;

/** Runs of kept entities (run() below) in the encoder's common pass. */
export type RunKernel = (s: WalkState, w: BitStreamWriter) => void;

export interface TypeKernels {
  readonly update: UpdateKernel;
  readonly delta: DeltaKernel;
  readonly enter: EnterKernel;
  readonly run: RunKernel;
}

/**
 * The encoder's walk (game-snapshot.ts) as plain fields, handed to a run kernel and read back:
 * where the walk stands (i in the view, j in the baseline, cnt entries and used codes in the
 * frame being built, prev the last record's slot) and what the run counts.
 */
export class WalkState {
  i = 0;
  j = 0;
  cnt = 0;
  used = 0;
  prev = -1;
  candidate = 0;
  records = 0;
  updates = 0;
  count = 0;
  baseCount = 0;
  seq = 0;
  tick = 0;
  limit = 0;
  owner = 0;
  order: ArrayLike<number> = new Uint32Array(0);
  fSlot = new Uint32Array(0);
  fGen = new Uint32Array(0);
  fTO = new Uint32Array(0);
  fAt = new Uint32Array(0);
  fSent = new Uint32Array(0);
  codes = new Int32Array(0);
  bSlot = new Uint32Array(0);
  bGen = new Uint32Array(0);
  bTO = new Uint32Array(0);
  bAt = new Uint32Array(0);
  bSent = new Uint32Array(0);
  bCodes = new Int32Array(0);

  /** The walk's constants: the view, the frame being built and the baseline (none: the frame itself, never read). */
  bind(order: ArrayLike<number>, count: number, frame: GameFrame, base: GameFrame | null, seq: number, tick: number, limit: number, owner: number): void {
    this.order = order;
    this.count = count;
    this.seq = seq;
    this.tick = tick;
    this.limit = limit;
    this.owner = owner;
    this.fSlot = frame.slot;
    this.fGen = frame.generation;
    this.fTO = frame.typeOwned;
    this.fAt = frame.at;
    this.fSent = frame.sent;
    this.codes = frame.codes;
    const b = base ?? frame;
    this.baseCount = base ? base.count : 0;
    this.bSlot = b.slot;
    this.bGen = b.generation;
    this.bTO = b.typeOwned;
    this.bAt = b.at;
    this.bSent = b.sent;
    this.bCodes = b.codes;
  }
}

/** The table-free part of the store a run kernel reads besides the field columns. */
export interface KernelStore {
  readonly typeColumn: Uint32Array;
  readonly generationColumn: Uint32Array;
  readonly ownerColumn: Uint32Array;
  readonly columns: readonly StoredColumn[];
}

const isPowerOfTwo = (x: number): boolean => Number.isInteger(x) && x >= 1 && (x & (x - 1)) === 0 && x <= 2 ** 30;
/** A number as JavaScript source (declarations give only finite numbers). */
const lit = (x: number): string => {
  if (!Number.isFinite(x)) throw new Error(`kernel constant ${x} is not finite`);
  return Object.is(x, -0) ? '0' : String(x);
};

/** Expression for the clamped wire code of field plan p read from `v` (a stored value). */
function codeExpr(p: FieldPlan, v: string): string {
  const clamp = (e: string): string =>
    p.codeMin <= -0x80000000 && p.codeMax >= 0xffffffff ? `(${e} | 0)` : `(clamp(${e}, ${lit(p.codeMin)}, ${lit(p.codeMax)}) | 0)`;
  if (p.quantiser === Q_IDENTITY) return p.signed ? clamp(`(${v} | 0)`) : clamp(`(${v} >>> 0)`);
  if (p.quantiser === Q_AFFINE) {
    if (p.base === 0 && isPowerOfTwo(p.scale)) {
      const shift = Math.log2(p.scale);
      // Round half up without leaving 32 bits: floor(v / 2^s) plus the bit below the cut.
      return shift === 0 ? clamp(`(${v} | 0)`) : clamp(`((${v} >> ${shift}) + ((${v} >> ${shift - 1}) & 1))`);
    }
    return clamp(roundExpr(`(${v} - ${lit(p.base)})`, 1 / p.scale));
  }
  return `(${roundExpr(`(${v} - ${lit(p.base)})`, 1 / p.scale)} & ${lit(p.modulus - 1)})`;
}

/** Whether a field of rate period p is due in message seq for the entity in slot. */
function dueExpr(p: number): string {
  // A mask where p is a power of two: seq + slot may pass 2^31, and ToInt32 keeps its low bits.
  return isPowerOfTwo(p) ? `((seq + slot) & ${p - 1}) === 0` : `(seq + slot) % ${p} === 0`;
}

/** Statements appending the low `len` bits of `v` (expressions) with the writer in locals. */
function put(v: string, len: number | string): string {
  return `v = ${v}; len = ${len}; ${append()}`;
}

/** Statements appending the low `len` bits of local `v` (both locals). */
function append(): string {
  return 'acc = (acc | (v << n)) >>> 0; n += len; if (n >= 32) { words[wat++] = acc; n -= 32; acc = n === 0 ? 0 : v >>> (len - n); }';
}

/** The tiered codes of 0 .. TABLE_MAX (bit-stream.ts), as bits and lengths: one load, no branches. */
const TABLE_MAX = 266;
const TIER_CODE = new Uint16Array(TABLE_MAX + 1);
const TIER_BITS = new Uint8Array(TABLE_MAX + 1);
for (let z = 0; z <= TABLE_MAX; z++) {
  const [v, len] = z === 0 ? [0, 1] : z <= 2 ? [1 | ((z - 1) << 2), 3] : z <= 10 ? [3 | ((z - 3) << 3), 6] : [7 | ((z - 11) << 4), 12];
  TIER_CODE[z] = v;
  TIER_BITS[z] = len;
}

/** Statements appending the tiered code of local `name` through the writer (any value). */
function slowTiered(name: string): string {
  return `w.at = wat; w.acc = acc; w.n = n; w.tiered(${name}); wat = w.at; acc = w.acc; n = w.n;`;
}

/**
 * Statements appending the tiered codes of locals `a` and `b` (b may be null): both from the
 * tables in one append when both are short (at most 24 bits together), which they almost
 * always are; the writer's own code otherwise.
 */
function tieredPair(a: string, b: string | null): string {
  if (b === null) return `if (${a} <= ${TABLE_MAX}) { v = TC[${a}]; len = TB[${a}]; ${append()} } else { ${slowTiered(a)} }`;
  return `if (${a} <= ${TABLE_MAX} && ${b} <= ${TABLE_MAX}) { len = TB[${a}]; v = TC[${a}] | (TC[${b}] << len); len += TB[${b}]; ${append()} }
    else { ${tieredStmt(a)} ${tieredStmt(b)} }`;
}

/** Statements appending the tiered code of the unsigned value in local `name` (bit-stream.ts). */
function tieredStmt(name: string): string {
  // The common codes pick (v, len) and share one append; the long form goes through the writer.
  return `if (${name} <= 266) {
      if (${name} === 0) { v = 0; len = 1; }
      else if (${name} <= 2) { v = 1 | ((${name} - 1) << 2); len = 3; }
      else if (${name} <= 10) { v = 3 | ((${name} - 3) << 3); len = 6; }
      else { v = 7 | ((${name} - 11) << 4); len = 12; }
      ${append()}
    } else { w.at = wat; w.acc = acc; w.n = n; w.tiered(${name}); wat = w.at; acc = w.acc; n = w.n; }`;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * Math.round, exactly (x - floor(x) is exact for every double): the fallback of roundExpr.
 */
export function round(x: number): number {
  const r = Math.floor(x);
  return x - r >= 0.5 ? r + 1 : r;
}

/**
 * Source rounding `v * factor` half up as Math.round does, v an integer-valued expression.
 * V8's Math.round took a fifth of the encoder's time on a wrapped field; Math.floor(x + 0.5)
 * compiles to a few instructions and equals Math.round(x) except where x + 0.5 is inexact and
 * rounds up to 1, which needs 0.5 - 2^-54 <= x < 0.5: only an integer v next to 0.5 / factor can
 * land there, and those few are tried here (else round() above, branch and all).
 */
function roundExpr(v: string, factor: number): string {
  const near = Math.floor(0.5 / factor);
  for (let k = near - 2; k <= near + 2; k++) {
    const x = k * factor;
    if (Math.floor(x + 0.5) !== Math.round(x)) return `round(${v} * ${lit(factor)})`;
  }
  return `Math.floor(${v} * ${lit(factor)} + 0.5)`;
}

/** Bit 31 of a frame entry's typeOwned: the recipient owns the entity. */
export const OWNED = 0x80000000;
/** Worst-case bits of a record's framing (gap, op, generation, type, owned). */
export const RECORD_FRAMING_BITS = 42 + 2 + GENERATION_WIRE_BITS + 16 + 1;
/** Worst-case bits of one code (the longest tiered code). */
export const CODE_BITS = 42;

/** Worst-case bits of a record of this plan. */
export const worstRecordBits = (plan: WirePlan): number => RECORD_FRAMING_BITS + plan.components.length + plan.fields.length * CODE_BITS;

/**
 * Source of run(s, w): from view entry s.i on, every entity of this type and recipient class
 * that is in the baseline (entry s.j) with the same generation gets its codes and, when a
 * component changed, its update record, with the walk and the writer in locals; it stops
 * (leaving s where it stands) at the first entity that is anything else or whose record might
 * not fit s.limit, which the walk then takes. The same codes and bits as update() + delta().
 */
/**
 * Statements computing an entity's codes (c0 ...) and its change mask against base[b0 ...], with
 * slot, seq, base and b0 in scope: a field whose rate class is not due keeps its baseline code.
 */
function codesAndMask(game: Game, plan: WirePlan, colName: (f: number) => string): string[] {
  const fields = Array.from(plan.fields);
  const o: string[] = [];
  const periods = [...new Set(fields.map((f) => game.fields[f]!.period).filter((p) => p > 1))];
  for (const p of periods) o.push(`const due${p} = ${dueExpr(p)};`);
  fields.forEach((f, k) => {
    const p = game.fields[f]!;
    const current = codeExpr(p, `${colName(f)}[slot]`);
    o.push(p.period > 1 ? `const c${k} = due${p.period} ? ${current} : base[b0 + ${k}];` : `const c${k} = ${current};`);
  });
  const maskTerms: string[] = [];
  for (let c = 0; c < plan.components.length; c++) {
    const ks: string[] = [];
    for (let k = plan.start[c]!; k < plan.start[c + 1]!; k++) ks.push(`c${k} !== base[b0 + ${k}]`);
    maskTerms.push(`((${ks.join(' || ')}) ? ${lit(2 ** c)} : 0)`);
  }
  o.push(`const mask = ${maskTerms.join(' | ') || '0'};`);
  return o;
}

/**
 * Statements appending an update record (gap, op 1, the mask, each changed component's deltas
 * from c0 ... against base[b0 ...]) with the writer in locals (words, wat, acc, n, z, v, len).
 */
function recordWrite(game: Game, plan: WirePlan): string[] {
  const fields = Array.from(plan.fields);
  const comps = plan.components.length;
  const o: string[] = [];
  // The record's head (gap, op 1, change mask) in one append when it fits 32 bits.
  if (comps <= 19) {
    o.push(`if (gap <= ${TABLE_MAX}) { len = TB[gap]; v = TC[gap] | (1 << len) | (mask << (len + 1)); len += ${1 + comps}; ${append()} }`);
    o.push(`else { ${slowTiered('gap')} ${put('1', 1)} ${put('mask', comps)} }`);
  } else {
    o.push(`${tieredStmt('gap')} ${put('1', 1)} ${put('mask', comps)}`);
  }
  for (let c = 0; c < comps; c++) {
    const body: string[] = [];
    const zs: string[] = [];
    for (let k = plan.start[c]!; k < plan.start[c + 1]!; k++) {
      const p = game.fields[fields[k]!]!;
      const d = p.modulus === 0
        ? `let z${k} = (c${k} - base[b0 + ${k}]) | 0;`
        : `let z${k} = (c${k} - base[b0 + ${k}]) & ${lit(p.modulus - 1)}; if (z${k} >= ${lit(p.modulus / 2)}) z${k} -= ${lit(p.modulus)};`;
      body.push(d, `z${k} = ((z${k} << 1) ^ (z${k} >> 31)) >>> 0;`);
      zs.push(`z${k}`);
    }
    for (let q = 0; q < zs.length; q += 2) body.push(tieredPair(zs[q]!, zs[q + 1] ?? null));
    o.push(`if ((mask & ${lit(2 ** c)}) !== 0) { ${body.join(' ')} }`);
  }
  return o;
}

/**
 * Source of run(s, w): from view entry s.i on, every entity of this type and recipient class
 * that is in the baseline (entry s.j) with the same generation gets its codes and, when a
 * component changed, its update record, with the walk and the writer in locals; it stops
 * (leaving s where it stands) at the first entity that is anything else or whose record might
 * not fit s.limit, which the walk then takes. The same codes and bits as update() + delta().
 */
function runSource(game: Game, plan: WirePlan, type: number, owned: boolean, colName: (f: number) => string): string {
  const fields = Array.from(plan.fields);
  const typeOwned = owned ? (type | OWNED) >>> 0 : type;
  const o: string[] = [
    'let i = s.i, j = s.j, cnt = s.cnt, used = s.used, prev = s.prev, candidate = s.candidate, records = s.records, updates = s.updates;',
    'const count = s.count, baseCount = s.baseCount, seq = s.seq, tick = s.tick, limit = s.limit, owner = s.owner, order = s.order;',
    'const fSlot = s.fSlot, fGen = s.fGen, fTO = s.fTO, fAt = s.fAt, fSent = s.fSent, codes = s.codes;',
    'const bSlot = s.bSlot, bGen = s.bGen, bTO = s.bTO, bAt = s.bAt, bSent = s.bSent, base = s.bCodes;',
    'let words = w.words, wat = w.at, acc = w.acc, n = w.n, z = 0, v = 0, len = 0;',
    'for (; i < count; i++, j++) {',
    '  const slot = order[i];',
    `  if (j >= baseCount || bSlot[j] !== slot || typeCol[slot] !== ${type + 1}) break;`,
    `  if ((owner !== 0 && ownerCol[slot] === owner) !== ${owned}) break;`,
    `  const gen = genCol[slot] & ${GENERATION_MASK};`,
    `  if (bGen[j] !== gen || bTO[j] !== ${typeOwned}) break;`,
    '  const b0 = bAt[j];',
    ...codesAndMask(game, plan, colName).map((l) => `  ${l}`),
    '  if (mask !== 0) {',
    `    if (wat * 32 + n + ${worstRecordBits(plan)} > limit) break;`,
    '    const gap = slot - prev - 1;',
    ...recordWrite(game, plan).map((l) => `    ${l}`),
    '    fSent[cnt] = tick; prev = slot; records++; updates++; candidate++;',
    '  } else fSent[cnt] = bSent[j];',
    ...fields.map((_, k) => `  codes[used + ${k}] = c${k};`),
    `  fSlot[cnt] = slot; fGen[cnt] = gen; fTO[cnt] = ${typeOwned}; fAt[cnt] = used; cnt++; used += ${fields.length};`,
    '}',
    's.i = i; s.j = j; s.cnt = cnt; s.used = used; s.prev = prev; s.candidate = candidate; s.records = records; s.updates = updates;',
    'w.at = wat; w.acc = acc; w.n = n;',
  ];
  return o.join('\n');
}

/** Kernels shared by every type and recipient class whose records are alike, by plan (planKey). */
type SharedKernels = Map<string, Omit<TypeKernels, 'run'>>;

function compile(game: Game, plan: WirePlan, store: KernelStore, type: number, owned: boolean, shared: SharedKernels): TypeKernels {
  const columns = store.columns;
  const fields = Array.from(plan.fields);
  const used = [...new Set(fields)];
  const colName = (f: number): string => `col${used.indexOf(f)}`;
  const periods = [...new Set(fields.map((f) => game.fields[f]!.period).filter((p) => p > 1))];
  const up: string[] = [];
  for (const p of periods) up.push(`const due${p} = ${dueExpr(p)};`);
  fields.forEach((f, k) => {
    const p = game.fields[f]!;
    const current = codeExpr(p, `${colName(f)}[slot]`);
    up.push(p.period > 1 ? `const c${k} = due${p.period} ? ${current} : base[b0 + ${k}];` : `const c${k} = ${current};`);
    up.push(`codes[at + ${k}] = c${k};`);
  });
  const comps = plan.components.length;
  const changed = (c: number): string => {
    const ks: string[] = [];
    for (let k = plan.start[c]!; k < plan.start[c + 1]!; k++) ks.push(`c${k} !== base[b0 + ${k}]`);
    return ks.join(' || ');
  };
  const maskTerms = Array.from({ length: comps }, (_, c) => `((${changed(c)}) ? ${lit(2 ** c)} : 0)`);
  up.push(`const mask = ${maskTerms.join(' | ') || '0'};`);
  up.push('return mask;');
  // The record as the run kernel writes it (tables, codes two at a time, the head in one
  // append), from the codes update() just stored.
  const de: string[] = ['let words = w.words, wat = w.at, acc = w.acc, n = w.n, z = 0, v = 0, len = 0;'];
  fields.forEach((_, k) => de.push(`const c${k} = codes[at + ${k}];`));
  de.push(...recordWrite(game, plan), 'w.at = wat; w.acc = acc; w.n = n;');

  const en: string[] = [];
  fields.forEach((f, k) => {
    const p = game.fields[f]!;
    en.push(`const c${k} = ${codeExpr(p, `${colName(f)}[slot]`)};`);
    en.push(`codes[at + ${k}] = c${k};`);
    en.push(p.rawBits > 0 ? `w.write(c${k} - ${lit(p.codeMin)}, ${p.rawBits});` : `w.signed(c${k});`);
  });

  const args = ['clamp', 'round', 'TC', 'TB', 'typeCol', 'genCol', 'ownerCol', ...used.map((f) => colName(f))];
  const values = [clamp, round, TIER_CODE, TIER_BITS, store.typeColumn, store.generationColumn, store.ownerColumn, ...used.map((f) => columns[f]!)];
  const source = `return {
    update(slot, seq, codes, at, base, b0) { ${up.join('\n')} },
    delta(mask, gap, codes, at, base, b0, w) { ${de.join('\n')} },
    enter(slot, codes, at, w) { ${en.join('\n')} },
  };`;
  // Types whose records are alike (a family of creatures, say) share update, delta and enter:
  // fewer, hotter functions, optimised sooner, and fewer targets at the walk's call sites.
  const key = wirePlanKey(plan);
  let k = shared.get(key);
  if (!k) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    k = (new Function(...args, source) as (...a: unknown[]) => Omit<TypeKernels, 'run'>)(...values);
    shared.set(key, k);
  }
  // The run kernel from a source of its own: compiled in the same one, it made update() and
  // delta() a third slower on a world of many types (Skyworld: 40 against 30 us a client).
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const run = (new Function(...args, `return function run(s, w) { ${runSource(game, plan, type, owned, colName)} };`) as (...a: unknown[]) => RunKernel)(...values);
  // One object shape for every type's kernels (made here, not in each compiled source), so the
  // encoder's `kernel.update` stays a monomorphic load however many types a game declares.
  return { update: k.update, delta: k.delta, enter: k.enter, run };
}

const compiled = new WeakMap<KernelStore, TypeKernels[]>();

/**
 * Kernels for every type, indexed [type * 2 + (owned ? 1 : 0)]: compiled once per store and
 * shared by every client's replicator (they hold no state of their own).
 */
export function compileKernels(game: Game, store: KernelStore): TypeKernels[] {
  const cached = compiled.get(store);
  if (cached) return cached;
  const out: TypeKernels[] = [];
  const shared: SharedKernels = new Map();
  game.types.forEach((t, i) => {
    out.push(compile(game, t.wire[0], store, i, false, shared));
    out.push(compile(game, t.wire[1], store, i, true, shared));
  });
  compiled.set(store, out);
  return out;
}
