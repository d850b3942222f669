// A game's input record on the wire, derived from the `input` of its declaration, in one of two
// packings:
//   'bits'  - each field's code in its declared bits, LSB first (bit-stream.ts); smallest.
//   'bytes' - fields in declaration order at byte offsets: bools share flag bytes (the first
//             bool opens one, up to 8 per byte, bit i for the i-th), every other field holds its
//             code as the narrowest little-endian integer (i8/u8, i16/u16, i32/u32) of its
//             range. Costs a little more and a kernel can read a field with one load.
// encode() validates what the game hands it (InvalidValueError: NaN, out of range, wrong type);
// decode() and check() validate what a client sent (DecodeError / the faulty field's name: a
// code outside its range, bits set past the last field or flag), so a server counts the drop
// and applies nothing.

import { DecodeError, InvalidArgumentError, InvalidValueError } from '../core/errors.js';
import type { Game, GameDeclaration, InputName, ValueOf } from '../core/game.js';
import { fromCode, toCode, toStored, type ApiValue, type FieldPlan } from '../core/game-fields.js';
import { BitStreamReader, BitStreamWriter } from './bit-stream.js';

/** The input as the game sees it: each declared field's API value (number, boolean or enum name). */
export type GameInput<D extends GameDeclaration> = { [K in InputName<D>]: ValueOf<NonNullable<D['input']>[K]> };
export type InputPacking = 'bits' | 'bytes';
/** What check() found wrong: a field's name, INPUT_PADDING or INPUT_LENGTH. */
export type InputFault = string;
/** Bits set past the last field (or flag). Not a possible field name. */
export const INPUT_PADDING = '<padding>';
/** The record runs past the end of the bytes. */
export const INPUT_LENGTH = '<length>';

/** Where one field lives in a 'bytes' record. */
interface ByteSlot {
  readonly offset: number;
  /** 1, 2 or 4 bytes; 0 for a bool (one bit of a flag byte). */
  readonly width: number;
  readonly signed: boolean;
  /** A bool's bit in its flag byte. */
  readonly bit: number;
}

function byteLayout(fields: readonly FieldPlan[]): { slots: ByteSlot[]; bytes: number; flagBytes: Map<number, number> } {
  const slots: ByteSlot[] = [];
  /** Flag byte offset -> bools in it. */
  const flagBytes = new Map<number, number>();
  let at = 0;
  let flag = -1;
  for (const f of fields) {
    if (f.spec.type === 'bool') {
      if (flag < 0 || flagBytes.get(flag)! === 8) {
        flag = at++;
        flagBytes.set(flag, 0);
      }
      const bit = flagBytes.get(flag)!;
      flagBytes.set(flag, bit + 1);
      slots.push({ offset: flag, width: 0, signed: false, bit });
      continue;
    }
    const signed = f.codeMin < 0;
    const width = signed
      ? f.codeMin >= -0x80 && f.codeMax <= 0x7f ? 1 : f.codeMin >= -0x8000 && f.codeMax <= 0x7fff ? 2 : 4
      : f.codeMax <= 0xff ? 1 : f.codeMax <= 0xffff ? 2 : 4;
    slots.push({ offset: at, width, signed, bit: 0 });
    at += width;
  }
  return { slots, bytes: at, flagBytes };
}

type ByteCheck = (bytes: Uint8Array, offset: number, out: Int32Array) => InputFault | null;

/**
 * The 'bytes' check compiled from the layout: one load, sign extension and range compare per
 * field, each constant inlined (a table-driven loop took ~20x longer per record). The source holds
 * only numbers from the checked declaration; names are passed in, never spliced into it.
 */
function compileByteCheck(fields: readonly FieldPlan[], slots: readonly ByteSlot[], flagMasks: readonly [number, number][], names: readonly string[]): ByteCheck {
  const lines: string[] = ['let c = 0;'];
  slots.forEach((s, i) => {
    const f = fields[i]!;
    const o = `o + ${s.offset}`;
    let load: string;
    let lo: number;
    let hi: number;
    if (s.width === 0) {
      load = `(b[${o}] >> ${s.bit}) & 1`;
      lo = 0;
      hi = 1;
    } else if (s.width === 1) {
      load = s.signed ? `(b[${o}] << 24) >> 24` : `b[${o}]`;
      [lo, hi] = s.signed ? [-0x80, 0x7f] : [0, 0xff];
    } else if (s.width === 2) {
      const u = `(b[${o}] | (b[${o} + 1] << 8))`;
      load = s.signed ? `(${u} << 16) >> 16` : u;
      [lo, hi] = s.signed ? [-0x8000, 0x7fff] : [0, 0xffff];
    } else {
      const u = `(b[${o}] | (b[${o} + 1] << 8) | (b[${o} + 2] << 16) | (b[${o} + 3] << 24))`;
      load = s.signed ? `${u} | 0` : `${u} >>> 0`;
      [lo, hi] = s.signed ? [-0x80000000, 0x7fffffff] : [0, 0xffffffff];
    }
    lines.push(`c = ${load};`);
    const tests: string[] = [];
    if (f.codeMin > lo) tests.push(`c < ${f.codeMin}`);
    if (f.codeMax < hi) tests.push(`c > ${f.codeMax}`);
    if (tests.length > 0) lines.push(`if (${tests.join(' || ')}) return names[${i}];`);
    lines.push(`out[${i}] = c;`);
  });
  for (const [at, mask] of flagMasks) lines.push(`if ((b[o + ${at}] & ${~mask & 0xff}) !== 0) return padding;`);
  lines.push('return null;');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('names', 'padding', `return function check(b, o, out) { ${lines.join('\n')} };`)(names, INPUT_PADDING) as ByteCheck;
}

export class GameInputCodec<D extends GameDeclaration = GameDeclaration> {
  /** Bytes of one encoded record. */
  readonly bytes: number;
  readonly packing: InputPacking;
  readonly fields: readonly FieldPlan[];
  /** Field names without the `input.` prefix, in declaration (and code) order. */
  readonly names: readonly string[];
  private readonly writer: BitStreamWriter;
  private readonly reader = new BitStreamReader();
  private readonly bits: number;
  private readonly slots: readonly ByteSlot[];
  /** 'bytes': flag byte offset -> the mask of its declared bits. */
  private readonly flagMasks: readonly [number, number][];
  private readonly codes: Int32Array;
  private readonly byteCheck: ByteCheck;

  constructor(readonly game: Game<D>, options: { packing?: InputPacking } = {}) {
    this.fields = game.input;
    if (this.fields.length === 0) throw new InvalidArgumentError(`${game.name} declares no input`);
    this.packing = options.packing ?? 'bits';
    if (this.packing !== 'bits' && this.packing !== 'bytes') throw new InvalidArgumentError(`packing "${String(this.packing)}" is not bits or bytes`);
    this.names = this.fields.map((f) => f.name.slice('input.'.length));
    this.bits = this.fields.reduce((n, f) => n + f.rawBits, 0);
    const layout = byteLayout(this.fields);
    this.slots = layout.slots;
    this.flagMasks = [...layout.flagBytes].map(([offset, n]) => [offset, (1 << n) - 1]);
    this.bytes = this.packing === 'bits' ? Math.ceil(this.bits / 8) : layout.bytes;
    this.writer = new BitStreamWriter(this.bytes);
    this.codes = new Int32Array(this.fields.length);
    this.byteCheck = compileByteCheck(this.fields, this.slots, this.flagMasks, this.names);
  }

  /** Byte offset of field `name` in a 'bytes' record (and its bit, for a bool). */
  slotOf(name: InputName<D>): { offset: number; width: number; signed: boolean; bit: number } {
    const i = this.names.indexOf(name);
    if (i < 0) throw new InvalidArgumentError(`${this.game.name} has no input field "${name}"`);
    return { ...this.slots[i]! };
  }

  /** Writes `input` (every declared field, API values) at out[offset ...]; returns out. */
  encode(input: Readonly<GameInput<D>>, out: Uint8Array = new Uint8Array(this.bytes), offset = 0): Uint8Array {
    if (input === null || typeof input !== 'object') throw new InvalidValueError('input', input, 'not an object');
    const codes = this.codes;
    this.fields.forEach((f, i) => {
      const v = (input as Record<string, unknown>)[this.names[i]!];
      if (v === undefined) throw new InvalidValueError(f.name, v, 'missing');
      codes[i] = toCode(f, toStored(f, v));
    });
    return this.encodeCodes(codes, out, offset);
  }

  /** Writes a record from wire codes (codes[i] for field i, each inside its range). */
  encodeCodes(codes: ArrayLike<number>, out: Uint8Array, offset = 0): Uint8Array {
    if (!Number.isInteger(offset) || offset < 0 || out.byteLength - offset < this.bytes) {
      throw new InvalidArgumentError(`an input record takes ${this.bytes} bytes at offset ${offset} of ${out.byteLength}`);
    }
    this.fields.forEach((f, i) => {
      const c = codes[i]!;
      if (!Number.isInteger(c) || c < f.codeMin || c > f.codeMax) throw new InvalidValueError(`${f.name} code`, c, `outside [${f.codeMin}, ${f.codeMax}]`);
    });
    if (this.packing === 'bits') {
      const w = this.writer;
      w.reset();
      this.fields.forEach((f, i) => w.write(codes[i]! - f.codeMin, f.rawBits));
      w.finish();
      out.set(w.bytes.subarray(0, this.bytes), offset);
      return out;
    }
    out.fill(0, offset, offset + this.bytes);
    this.slots.forEach((s, i) => {
      const c = codes[i]!;
      if (s.width === 0) out[offset + s.offset]! |= c << s.bit;
      else for (let b = 0; b < s.width; b++) out[offset + s.offset + b] = (c >> (8 * b)) & 0xff;
    });
    return out;
  }

  /**
   * Reads the wire codes of the record at bytes[offset ...] into `out`: null when it is
   * well-formed, else what is wrong with it (out is then partly written). Allocates nothing.
   */
  check(bytes: Uint8Array, offset: number, out: Int32Array = this.codes): InputFault | null {
    if (offset < 0 || bytes.byteLength - offset < this.bytes) return INPUT_LENGTH;
    if (this.packing === 'bits') {
      const r = this.reader;
      r.begin(bytes.subarray(offset, offset + this.bytes));
      for (let i = 0; i < this.fields.length; i++) {
        const f = this.fields[i]!;
        const c = f.codeMin + r.read(f.rawBits);
        if (c > f.codeMax) return this.names[i]!;
        out[i] = c;
      }
      const spare = this.bytes * 8 - this.bits;
      return spare > 0 && r.read(spare) !== 0 ? INPUT_PADDING : null;
    }
    return this.byteCheck(bytes, offset, out);
  }

  /** Reads the record at bytes[offset ...] as API values. Throws DecodeError. */
  decode(bytes: Uint8Array, offset = 0): GameInput<D> {
    const codes = this.codes;
    const fault = this.check(bytes, offset, codes);
    if (fault === INPUT_LENGTH) throw new DecodeError(`input: ${bytes.byteLength - offset} bytes at offset ${offset}, a record takes ${this.bytes}`);
    if (fault === INPUT_PADDING) throw new DecodeError('input: bits set past the last field');
    if (fault !== null) throw new DecodeError(`input: ${fault} is outside its range`);
    const out: Record<string, ApiValue> = {};
    this.fields.forEach((f, i) => (out[this.names[i]!] = fromCode(f, codes[i]!)));
    return out as GameInput<D>;
  }
}
