// A game's input record on the wire, derived from the `input` of its declaration: each field's
// code in its declared bits, packed LSB first (bit-stream.ts) into a fixed number of bytes.
// encode() validates what the game hands it (InvalidValueError: NaN, out of range, wrong type);
// decode() validates what a client sent (DecodeError: wrong length, a code outside its field's
// range, bits set past the last field), so a server counts the drop and applies nothing.

import { DecodeError, InvalidArgumentError, InvalidValueError } from '../core/errors.js';
import type { Game, GameDeclaration, InputName } from '../core/game.js';
import { fromCode, toCode, toStored, type ApiValue, type FieldPlan } from '../core/game-fields.js';
import { BitStreamReader, BitStreamWriter } from './bit-stream.js';

export type GameInput<D extends GameDeclaration> = { [K in InputName<D>]: ApiValue };

export class GameInputCodec<D extends GameDeclaration = GameDeclaration> {
  /** Bytes of one encoded record. */
  readonly bytes: number;
  readonly fields: readonly FieldPlan[];
  private readonly names: readonly string[];
  private readonly writer: BitStreamWriter;
  private readonly reader = new BitStreamReader();
  private readonly bits: number;

  constructor(readonly game: Game<D>) {
    this.fields = game.input;
    if (this.fields.length === 0) throw new InvalidArgumentError(`${game.name} declares no input`);
    this.names = this.fields.map((f) => f.name.slice('input.'.length));
    this.bits = this.fields.reduce((n, f) => n + f.rawBits, 0);
    this.bytes = Math.ceil(this.bits / 8);
    this.writer = new BitStreamWriter(this.bytes);
  }

  /** Writes `input` (every declared field) at out[offset ...]; returns out. */
  encode(input: Readonly<GameInput<D>>, out: Uint8Array = new Uint8Array(this.bytes), offset = 0): Uint8Array {
    if (input === null || typeof input !== 'object') throw new InvalidValueError('input', input, 'not an object');
    if (out.byteLength - offset < this.bytes) throw new InvalidArgumentError(`an input record takes ${this.bytes} bytes`);
    const codes = this.fields.map((f, i) => {
      const v = (input as Record<string, unknown>)[this.names[i]!];
      if (v === undefined) throw new InvalidValueError(f.name, v, 'missing');
      return toCode(f, toStored(f, v));
    });
    const w = this.writer;
    w.reset();
    this.fields.forEach((f, i) => w.write(codes[i]! - f.codeMin, f.rawBits));
    w.finish();
    out.set(w.bytes.subarray(0, this.bytes), offset);
    return out;
  }

  /** Reads the record at bytes[offset ...] (exactly this.bytes of it). Throws DecodeError. */
  decode(bytes: Uint8Array, offset = 0): GameInput<D> {
    if (offset < 0 || bytes.byteLength - offset < this.bytes) throw new DecodeError(`input: ${bytes.byteLength - offset} bytes, a record takes ${this.bytes}`);
    const r = this.reader;
    r.begin(bytes.subarray(offset, offset + this.bytes));
    const out: Record<string, ApiValue> = {};
    this.fields.forEach((f, i) => {
      const code = f.codeMin + r.read(f.rawBits);
      if (code > f.codeMax) throw new DecodeError(`input: ${f.name} code ${code} is above ${f.codeMax}`);
      out[this.names[i]!] = fromCode(f, code);
    });
    const spare = this.bytes * 8 - this.bits;
    if (spare > 0 && r.read(spare) !== 0) throw new DecodeError('input: bits set past the last field');
    return out as GameInput<D>;
  }
}
