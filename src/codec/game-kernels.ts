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

import type { Game, WirePlan } from '../core/game.js';
import { Q_AFFINE, Q_IDENTITY, type FieldPlan } from '../core/game-fields.js';
import type { StoredColumn } from '../core/game-store.js';
import type { BitStreamWriter } from './bit-stream.js';

export type UpdateKernel = (slot: number, seq: number, codes: Int32Array, at: number, base: Int32Array, b0: number) => number;
export type DeltaKernel = (mask: number, gap: number, codes: Int32Array, at: number, base: Int32Array, b0: number, w: BitStreamWriter) => void;
export type EnterKernel = (slot: number, codes: Int32Array, at: number, w: BitStreamWriter) => void;

export interface TypeKernels {
  readonly update: UpdateKernel;
  readonly delta: DeltaKernel;
  readonly enter: EnterKernel;
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
    return clamp(`Math.round((${v} - ${lit(p.base)}) * ${lit(1 / p.scale)})`);
  }
  return `(Math.round((${v} - ${lit(p.base)}) * ${lit(1 / p.scale)}) & ${lit(p.modulus - 1)})`;
}

/** Statements appending the low `len` bits of `v` (expressions) with the writer in locals. */
function put(v: string, len: number | string): string {
  return `v = ${v}; len = ${len}; acc = (acc | (v << n)) >>> 0; n += len; if (n >= 32) { words[wat++] = acc; n -= 32; acc = n === 0 ? 0 : v >>> (len - n); }`;
}

/** Statements appending the tiered code of the unsigned value in local `name` (bit-stream.ts). */
function tieredStmt(name: string): string {
  return `if (${name} === 0) { ${put('0', 1)} }
    else if (${name} <= 2) { ${put(`1 | ((${name} - 1) << 2)`, 3)} }
    else if (${name} <= 10) { ${put(`3 | ((${name} - 3) << 3)`, 6)} }
    else if (${name} <= 266) { ${put(`7 | ((${name} - 11) << 4)`, 12)} }
    else { w.at = wat; w.acc = acc; w.n = n; w.tiered(${name}); wat = w.at; acc = w.acc; n = w.n; }`;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function compile(game: Game, plan: WirePlan, columns: readonly StoredColumn[]): TypeKernels {
  const fields = Array.from(plan.fields);
  const used = [...new Set(fields)];
  const colName = (f: number): string => `col${used.indexOf(f)}`;
  const periods = [...new Set(fields.map((f) => game.fields[f]!.period).filter((p) => p > 1))];
  const up: string[] = [];
  for (const p of periods) up.push(`const due${p} = (seq + slot) % ${p} === 0;`);
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
  const de: string[] = ['let words = w.words, wat = w.at, acc = w.acc, n = w.n, z = 0, v = 0, len = 0;'];
  de.push(tieredStmt('gap'), put('1', 1), put('mask', comps));
  for (let c = 0; c < comps; c++) {
    const body: string[] = [];
    for (let k = plan.start[c]!; k < plan.start[c + 1]!; k++) {
      const p = game.fields[fields[k]!]!;
      const d = p.modulus === 0
        ? `z = (codes[at + ${k}] - base[b0 + ${k}]) | 0;`
        : `z = (codes[at + ${k}] - base[b0 + ${k}]) & ${lit(p.modulus - 1)}; if (z >= ${lit(p.modulus / 2)}) z -= ${lit(p.modulus)};`;
      body.push(d, 'z = ((z << 1) ^ (z >> 31)) >>> 0;', tieredStmt('z'));
    }
    de.push(`if ((mask & ${lit(2 ** c)}) !== 0) { ${body.join(' ')} }`);
  }
  de.push('w.at = wat; w.acc = acc; w.n = n;');

  const en: string[] = [];
  fields.forEach((f, k) => {
    const p = game.fields[f]!;
    en.push(`const c${k} = ${codeExpr(p, `${colName(f)}[slot]`)};`);
    en.push(`codes[at + ${k}] = c${k};`);
    en.push(p.rawBits > 0 ? `w.write(c${k} - ${lit(p.codeMin)}, ${p.rawBits});` : `w.signed(c${k});`);
  });

  const args = ['clamp', ...used.map((f) => colName(f))];
  const source = `return {
    update(slot, seq, codes, at, base, b0) { ${up.join('\n')} },
    delta(mask, gap, codes, at, base, b0, w) { ${de.join('\n')} },
    enter(slot, codes, at, w) { ${en.join('\n')} },
  };`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function(...args, source) as (...a: unknown[]) => TypeKernels;
  const k = make(clamp, ...used.map((f) => columns[f]!));
  // One object shape for every type's kernels (made here, not in each compiled source), so the
  // encoder's `kernel.update` stays a monomorphic load however many types a game declares.
  return { update: k.update, delta: k.delta, enter: k.enter };
}

const compiled = new WeakMap<readonly StoredColumn[], TypeKernels[]>();

/**
 * Kernels for every type, indexed [type * 2 + (owned ? 1 : 0)]: compiled once per store's
 * columns and shared by every client's replicator (they hold no state of their own).
 */
export function compileKernels(game: Game, columns: readonly StoredColumn[]): TypeKernels[] {
  const cached = compiled.get(columns);
  if (cached) return cached;
  const out: TypeKernels[] = [];
  for (const t of game.types) {
    out.push(compile(game, t.wire[0], columns));
    out.push(compile(game, t.wire[1], columns));
  }
  compiled.set(columns, out);
  return out;
}
