// A field's wire code in WebAssembly, for the encoder's run kernels (game-wasm-run.ts): the
// instructions that turn its stored value into its code exactly as game-kernel-source.ts
// codeExpr does in JavaScript (the same clamps, the same f64 rounding, the same low 32 bits).

import { Q_AFFINE, Q_IDENTITY, type FieldPlan } from '../core/game-fields.js';
import type { Code } from '../wasm/wasm-assembler.js';
import { floorHalfRounds, isPowerOfTwo } from './game-kernel-source.js';

/**
 * Pushes field p's wire code from its stored value (pushed by `load`): game-kernel-source.ts
 * codeExpr, exactly. Clamps are done in i64 (ranges may reach past i32) or f64, as JavaScript
 * compares numbers, and `| 0` is the low 32 bits of the (integral) result.
 */
export function code(c: Code, p: FieldPlan, load: () => void, t: { x32: number; x64: number; xf: number; rf: number }): void {
  const { codeMin: lo, codeMax: hi } = p;
  /**
   * Clamps the i32 on the stack, whose values lie in the signed or the unsigned 32-bit range,
   * to [lo, hi]: with i32 compares where the bounds are i32s of that range (a bound past the
   * range's own end clamps nothing), else widened to i64.
   */
  const clamp = (signed: boolean) => {
    const [min, max] = signed ? [-0x80000000, 0x7fffffff] : [0, 0xffffffff];
    if (lo <= min && hi >= max) return;
    if (lo >= min && hi <= max && (signed || hi <= 0x7fffffff)) {
      c.set(t.x32);
      if (hi < max) c.i32(hi).get(t.x32).get(t.x32).i32(hi).op(signed ? 'i32.gt_s' : 'i32.gt_u').op('select').set(t.x32);
      if (lo > min) c.i32(lo).get(t.x32).get(t.x32).i32(lo).op(signed ? 'i32.lt_s' : 'i32.lt_u').op('select').set(t.x32);
      c.get(t.x32);
      return;
    }
    c.op(signed ? 'i64.extend_i32_s' : 'i64.extend_i32_u').set(t.x64);
    c.i64(lo).i64(hi).get(t.x64).get(t.x64).i64(hi).op('i64.gt_s').op('select');
    c.get(t.x64).i64(lo).op('i64.lt_s').op('select').op('i32.wrap_i64');
  };
  /** Pushes round(((v - base) * factor)) as Math.round does (roundExpr). */
  const rounded = () => {
    load();
    c.op(p.signed ? 'f64.convert_i32_s' : 'f64.convert_i32_u').f64(p.base).op('f64.sub').f64(1 / p.scale).op('f64.mul');
    if (floorHalfRounds(1 / p.scale)) c.f64(0.5).op('f64.add').op('f64.floor');
    else {
      // round(): floor, plus one where the fraction is a half or more.
      c.tee(t.xf).op('f64.floor').set(t.rf);
      c.get(t.rf).f64(1).op('f64.add').get(t.rf).get(t.xf).get(t.rf).op('f64.sub').f64(0.5).op('f64.ge').op('select');
    }
  };
  if (p.quantiser === Q_IDENTITY) {
    load();
    clamp(p.signed);
    return;
  }
  if (p.quantiser === Q_AFFINE) {
    if (p.base === 0 && isPowerOfTwo(p.scale)) {
      // A power-of-two scale from 0: (v >> s) + ((v >> (s - 1)) & 1), clamped (s 0: v, clamped).
      const shift = Math.log2(p.scale);
      load();
      if (shift > 0) {
        c.i32(shift).op('i32.shr_s');
        load();
        c.i32(shift - 1).op('i32.shr_s').i32(1).op('i32.and').op('i32.add');
      }
      clamp(true);
      return;
    }
    rounded();
    // clamp(x, min, max) in f64, then its low 32 bits.
    c.set(t.rf);
    c.f64(p.codeMin).f64(p.codeMax).get(t.rf).get(t.rf).f64(p.codeMax).op('f64.gt').op('select');
    c.get(t.rf).f64(p.codeMin).op('f64.lt').op('select').truncSatF64ToI64().op('i32.wrap_i64');
    return;
  }
  rounded();
  c.truncSatF64ToI64().op('i32.wrap_i64').i32(p.modulus - 1).op('i32.and');
}
