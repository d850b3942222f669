// The source text the encoder's kernels (game-kernels.ts) are compiled from: for one field, the
// expression of its wire code; for one record shape, the statements computing its codes and
// change mask and the statements appending its update record with the bit writer in locals
// (words, wat, acc, n, v, len), tiered codes from tables. Built only from numbers the declaration
// checked, never from names or strings from outside.

import type { Game, WirePlan } from '../core/game.js';
import { Q_AFFINE, Q_IDENTITY, type FieldPlan } from '../core/game-fields.js';
import { GENERATION_WIRE_BITS } from './game-frames.js';

export const isPowerOfTwo = (x: number): boolean => Number.isInteger(x) && x >= 1 && (x & (x - 1)) === 0 && x <= 2 ** 30;
/** A number as JavaScript source (declarations give only finite numbers). */
export const lit = (x: number): string => {
  if (!Number.isFinite(x)) throw new Error(`kernel constant ${x} is not finite`);
  return Object.is(x, -0) ? '0' : String(x);
};

/** Expression for the clamped wire code of field plan p read from `v` (a stored value). */
export function codeExpr(p: FieldPlan, v: string): string {
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
export function dueExpr(p: number): string {
  // A mask where p is a power of two: seq + slot may pass 2^31, and ToInt32 keeps its low bits.
  return isPowerOfTwo(p) ? `((seq + slot) & ${p - 1}) === 0` : `(seq + slot) % ${p} === 0`;
}

/**
 * With update zones (update-zones.ts): `held`, whether the entity's band is not due in message
 * seq (its period `zp` worked out by `periodSource`, UpdateZones.periodSource()), so that every
 * field keeps its baseline code and the entity reads as unchanged.
 */
export function heldExpr(periodSource: string): string {
  return `${periodSource} const held = zp > 1 && (seq + slot) % zp !== 0;`;
}

/** Field k's code (field f): its current code, or the baseline's where its rate class or the entity's band is not due. */
export function codeOrBase(game: Game, f: number, k: number, colName: (f: number) => string, zoned: boolean): string {
  const p = game.fields[f]!;
  const current = codeExpr(p, `${colName(f)}[slot]`);
  const due = [...(zoned ? ['!held'] : []), ...(p.period > 1 ? [`due${p.period}`] : [])];
  return due.length === 0 ? current : `${due.join(' && ')} ? ${current} : base[b0 + ${k}]`;
}

/** Statements appending the low `len` bits of `v` (expressions) with the writer in locals. */
export function put(v: string, len: number | string): string {
  return `v = ${v}; len = ${len}; ${append()}`;
}

/** Statements appending the low `len` bits of local `v` (both locals). */
export function append(): string {
  return 'acc = (acc | (v << n)) >>> 0; n += len; if (n >= 32) { words[wat++] = acc; n -= 32; acc = n === 0 ? 0 : v >>> (len - n); }';
}

/** The tiered codes of 0 .. TABLE_MAX (bit-stream.ts), as bits and lengths: one load, no branches. */
export const TABLE_MAX = 266;
export const TIER_CODE = new Uint16Array(TABLE_MAX + 1);
export const TIER_BITS = new Uint8Array(TABLE_MAX + 1);
for (let z = 0; z <= TABLE_MAX; z++) {
  const [v, len] = z === 0 ? [0, 1] : z <= 2 ? [1 | ((z - 1) << 2), 3] : z <= 10 ? [3 | ((z - 3) << 3), 6] : [7 | ((z - 11) << 4), 12];
  TIER_CODE[z] = v;
  TIER_BITS[z] = len;
}

/** Statements appending the tiered code of local `name` through the writer (any value). */
export function slowTiered(name: string): string {
  return `w.at = wat; w.acc = acc; w.n = n; w.tiered(${name}); wat = w.at; acc = w.acc; n = w.n;`;
}

/**
 * Statements appending the tiered codes of locals `a` and `b` (b may be null): both from the
 * tables in one append when both are short (at most 24 bits together), which they almost
 * always are; the writer's own code otherwise.
 */
export function tieredPair(a: string, b: string | null): string {
  if (b === null) return `if (${a} <= ${TABLE_MAX}) { v = TC[${a}]; len = TB[${a}]; ${append()} } else { ${slowTiered(a)} }`;
  return `if (${a} <= ${TABLE_MAX} && ${b} <= ${TABLE_MAX}) { len = TB[${a}]; v = TC[${a}] | (TC[${b}] << len); len += TB[${b}]; ${append()} }
    else { ${tieredPair(a, null)} ${tieredPair(b, null)} }`;
}

export function clamp(x: number, lo: number, hi: number): number {
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
export function roundExpr(v: string, factor: number): string {
  return floorHalfRounds(factor) ? `Math.floor(${v} * ${lit(factor)} + 0.5)` : `round(${v} * ${lit(factor)})`;
}

/** Whether floor(v * factor + 0.5) equals Math.round(v * factor) for every integer v (roundExpr). */
export function floorHalfRounds(factor: number): boolean {
  const near = Math.floor(0.5 / factor);
  for (let k = near - 2; k <= near + 2; k++) {
    const x = k * factor;
    if (Math.floor(x + 0.5) !== Math.round(x)) return false;
  }
  return true;
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
 * Statements computing an entity's codes (c0 ...) and its change mask against base[b0 ...], with
 * slot, seq, base and b0 in scope: a field whose rate class is not due keeps its baseline code.
 */
export function codesAndMask(game: Game, plan: WirePlan, colName: (f: number) => string, periodSource: string | null = null): string[] {
  const fields = Array.from(plan.fields);
  const o: string[] = [];
  const periods = [...new Set(fields.map((f) => game.fields[f]!.period).filter((p) => p > 1))];
  for (const p of periods) o.push(`const due${p} = ${dueExpr(p)};`);
  if (periodSource !== null) o.push(heldExpr(periodSource));
  fields.forEach((f, k) => o.push(`const c${k} = ${codeOrBase(game, f, k, colName, periodSource !== null)};`));
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
export function recordWrite(game: Game, plan: WirePlan): string[] {
  const fields = Array.from(plan.fields);
  const comps = plan.components.length;
  const o: string[] = [];
  // The record's head (gap, op 1, change mask) in one append when it fits 32 bits.
  if (comps <= 19) {
    o.push(`if (gap <= ${TABLE_MAX}) { len = TB[gap]; v = TC[gap] | (1 << len) | (mask << (len + 1)); len += ${1 + comps}; ${append()} }`);
    o.push(`else { ${slowTiered('gap')} ${put('1', 1)} ${put('mask', comps)} }`);
  } else {
    o.push(`${tieredPair('gap', null)} ${put('1', 1)} ${put('mask', comps)}`);
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
