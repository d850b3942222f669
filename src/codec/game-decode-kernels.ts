// Decoder kernels compiled from a game's declaration, the mirror of game-kernels.ts: for each
// entity type and recipient class, the record's field loop unrolled with each field's range,
// wrap and raw bits as constants (a table-driven loop spent most of a decode on lookups).
// The source holds only numbers the declaration checked.
//
// update(r, codes, at, base, b0) copies the baseline's codes, reads the change mask and the
// changed components' deltas: 0 when they fit, -1 for an empty mask, k + 1 when field k's code
// falls outside its range. enter(r, codes, at) reads every field's full code: 0 or k + 1 alike.
// The caller checks r.overrun afterwards (a truncated record reads zeros).

import { wirePlanKey, type Game, type WirePlan } from '../core/game.js';
import type { FieldPlan } from '../core/game-fields.js';
import type { BitStreamReader } from './bit-stream.js';

export type DecodeUpdateKernel = (r: BitStreamReader, codes: Int32Array, at: number, base: Int32Array, b0: number) => number;
export type DecodeEnterKernel = (r: BitStreamReader, codes: Int32Array, at: number) => number;

export interface TypeDecodeKernels {
  readonly update: DecodeUpdateKernel;
  readonly enter: DecodeEnterKernel;
}

const lit = (x: number): string => {
  if (!Number.isFinite(x)) throw new Error(`kernel constant ${x} is not finite`);
  return Object.is(x, -0) ? '0' : String(x);
};

/** `return k + 1` when the code in local `c` is outside p's range (nothing when any 32-bit code fits). */
function rangeCheck(p: FieldPlan, k: number): string {
  if (p.modulus !== 0) return '';
  const v = p.signed ? 'c' : '(c >>> 0)';
  const tests: string[] = [];
  if (p.signed ? p.codeMin > -0x80000000 : p.codeMin > 0) tests.push(`${v} < ${lit(p.codeMin)}`);
  if (p.signed ? p.codeMax < 0x7fffffff : p.codeMax < 0xffffffff) tests.push(`${v} > ${lit(p.codeMax)}`);
  return tests.length ? `if (${tests.join(' || ')}) return ${k + 1};` : '';
}

function compile(game: Game, plan: WirePlan): TypeDecodeKernels {
  const fields = Array.from(plan.fields);
  const comps = plan.components.length;
  const up: string[] = ['let c = 0, z = 0;'];
  fields.forEach((_, k) => up.push(`codes[at + ${k}] = base[b0 + ${k}];`));
  up.push(`const mask = r.read(${comps});`, 'if (mask === 0) return -1;');
  for (let ci = 0; ci < comps; ci++) {
    const body: string[] = [];
    for (let k = plan.start[ci]!; k < plan.start[ci + 1]!; k++) {
      const p = game.fields[fields[k]!]!;
      body.push('z = r.tiered(); z = (z >>> 1) ^ -(z & 1);');
      body.push(p.modulus !== 0 ? `c = (codes[at + ${k}] + z) & ${lit(p.modulus - 1)};` : `c = (codes[at + ${k}] + z) | 0;`);
      body.push(rangeCheck(p, k), `codes[at + ${k}] = c;`);
    }
    up.push(`if ((mask & ${lit(2 ** ci)}) !== 0) { ${body.join(' ')} }`);
  }
  up.push('return 0;');
  const en: string[] = ['let c = 0, z = 0;'];
  fields.forEach((f, k) => {
    const p = game.fields[f]!;
    if (p.rawBits > 0) {
      en.push(`c = ${lit(p.codeMin)} + r.read(${p.rawBits});`);
      // A raw field's code starts at its minimum: only the top can overflow.
      const top = p.signed ? 'c' : '(c >>> 0)';
      if (p.codeMax < p.codeMin + 2 ** p.rawBits - 1) en.push(`if (${top} > ${lit(p.codeMax)}) return ${k + 1};`);
      en.push(`codes[at + ${k}] = c | 0;`);
    } else {
      en.push('z = r.tiered(); c = (z >>> 1) ^ -(z & 1);', `codes[at + ${k}] = c;`);
    }
  });
  en.push('return 0;');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const k = new Function(`return {
    update(r, codes, at, base, b0) { ${up.join('\n')} },
    enter(r, codes, at) { ${en.join('\n')} },
  };`)() as TypeDecodeKernels;
  return { update: k.update, enter: k.enter };
}

const compiled = new WeakMap<Game, TypeDecodeKernels[]>();

/** Decode kernels for every type, indexed [type * 2 + (owned ? 1 : 0)], compiled once per game. */
export function compileDecodeKernels(game: Game): TypeDecodeKernels[] {
  const cached = compiled.get(game);
  if (cached) return cached;
  // Types whose records are alike (the same fields in the same components) share their kernels:
  // fewer, hotter functions.
  const shared = new Map<string, TypeDecodeKernels>();
  const kernelsOf = (plan: WirePlan): TypeDecodeKernels => {
    const key = wirePlanKey(plan);
    let k = shared.get(key);
    if (!k) shared.set(key, (k = compile(game, plan)));
    return k;
  };
  const out = game.types.flatMap((t) => [kernelsOf(t.wire[0]), kernelsOf(t.wire[1])]);
  compiled.set(game, out);
  return out;
}
