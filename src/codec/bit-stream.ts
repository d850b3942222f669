// Bit streams in plain TypeScript for codecs that run outside the WebAssembly pipeline (the
// game-declared snapshot codec): the same LSB-first order and the same tiered codes as the
// kernels in assembly/codec/bits.ts, so one table documents both. Bits gather in a 32-bit
// accumulator and leave as whole words (typed arrays are little-endian on every platform Node and
// the browsers run on, so the bytes are the stream's bytes).
//
// A reader never throws: a read past the end returns 0 and sets `overrun`, which a decoder
// checks before it trusts anything it read.

/** Bits the tiered code spends on z (z an unsigned 32-bit value). */
export function tieredBits(z: number): number {
  if (z === 0) return 1;
  if (z <= 2) return 3;
  if (z <= 10) return 6;
  if (z <= 266) return 12;
  return 10 + (32 - Math.clz32(z - 267));
}

export const zigzag = (v: number): number => ((v << 1) ^ (v >> 31)) >>> 0;
export const unzigzag = (z: number): number => (z >>> 1) ^ -(z & 1);

export class BitStreamWriter {
  /** The stream's bytes (whole words; finish() says how many bytes count). */
  readonly bytes: Uint8Array<ArrayBufferLike>;
  // Public for compiled kernels (game-kernels.ts), which keep them in locals while they write a
  // record: words stored so far (at), bits not stored yet (the low n of acc).
  readonly words: Uint32Array<ArrayBufferLike>;
  at = 0;
  acc = 0;
  n = 0;

  /**
   * A writer for at most `capacityBytes` (rounded up to whole words). `memory`: write into that
   * block instead (at least wordsFor(capacityBytes) * 4 bytes, 4-byte aligned): a WebAssembly
   * memory's, where compiled kernels write too (game-wasm-kernels.ts).
   */
  constructor(capacityBytes: number, memory?: { readonly buffer: ArrayBufferLike; readonly byteOffset: number }) {
    const words = BitStreamWriter.wordsFor(capacityBytes);
    this.words = memory ? new Uint32Array(memory.buffer, memory.byteOffset, words) : new Uint32Array(words);
    this.bytes = new Uint8Array(this.words.buffer, this.words.byteOffset, this.words.byteLength);
  }

  /** Words a writer of `capacityBytes` holds (one spare: the last partial word is flushed into it). */
  static wordsFor(capacityBytes: number): number {
    return Math.ceil(capacityBytes / 4) + 1;
  }

  /** Bits the stream can hold. */
  get capacityBits(): number {
    return (this.words.length - 1) * 32;
  }

  /** Bits written so far. */
  get position(): number {
    return this.at * 32 + this.n;
  }

  reset(): void {
    this.at = 0;
    this.acc = 0;
    this.n = 0;
  }

  /** Appends the low `bits` (1..32) bits of v. The caller keeps position within capacityBits. */
  write(v: number, bits: number): void {
    const n = this.n;
    const value = bits === 32 ? v >>> 0 : (v & ((1 << bits) - 1)) >>> 0;
    this.acc = (this.acc | (value << n)) >>> 0;
    if (n + bits >= 32) {
      this.words[this.at++] = this.acc;
      this.acc = n === 0 ? 0 : value >>> (32 - n);
      this.n = n + bits - 32;
    } else {
      this.n = n + bits;
    }
  }

  /** Tiered code of an unsigned value. */
  tiered(z: number): void {
    if (z === 0) this.write(0, 1);
    else if (z <= 2) this.write(0b01 | ((z - 1) << 2), 3);
    else if (z <= 10) this.write(0b011 | ((z - 3) << 3), 6);
    else if (z <= 266) this.write(0b0111 | ((z - 11) << 4), 12);
    else {
      const rest = (z - 267) >>> 0;
      const n = 32 - Math.clz32(rest);
      this.write(0b1111 | (n << 4), 10);
      if (n > 0) this.write(rest, n);
    }
  }

  /** Tiered code of the zig-zag of a signed 32-bit value. */
  signed(v: number): void {
    this.tiered(zigzag(v | 0));
  }

  /** Back to an earlier position (what came after it is dropped). */
  rewind(position: number): void {
    const at = position >>> 5;
    const n = position & 31;
    // The word the position falls in is still in the accumulator unless it was stored since.
    const word = at === this.at ? this.acc : this.words[at]!;
    this.at = at;
    this.n = n;
    this.acc = n === 0 ? 0 : (word & ((1 << n) - 1)) >>> 0;
  }

  /** Stores the pending bits; returns the stream's length in bytes. */
  finish(): number {
    if (this.n > 0) this.words[this.at] = this.acc;
    return Math.ceil(this.position / 8);
  }
}

/**
 * The short tiered codes by their first 12 bits (LSB first): the code's length (0: the long
 * form, prefix 1111) and its value.
 */
const PEEK_BITS = new Uint8Array(4096);
const PEEK_VALUE = new Uint16Array(4096);
for (let p = 0; p < 4096; p++) {
  if ((p & 1) === 0) [PEEK_BITS[p], PEEK_VALUE[p]] = [1, 0];
  else if ((p & 2) === 0) [PEEK_BITS[p], PEEK_VALUE[p]] = [3, 1 + ((p >> 2) & 1)];
  else if ((p & 4) === 0) [PEEK_BITS[p], PEEK_VALUE[p]] = [6, 3 + ((p >> 3) & 7)];
  else if ((p & 8) === 0) [PEEK_BITS[p], PEEK_VALUE[p]] = [12, 11 + ((p >> 4) & 255)];
}

export class BitStreamReader {
  private words = new Uint32Array(64);
  private pos = 0;
  private end = 0;
  /** A read ran past the end: nothing read since can be trusted. */
  overrun = false;

  /** Reads `bytes` from the start (copied into an aligned scratch buffer). */
  begin(bytes: Uint8Array, fromByte = 0): void {
    const length = bytes.byteLength - fromByte;
    const need = Math.ceil(length / 4) + 2;
    if (this.words.length < need) this.words = new Uint32Array(Math.max(need, this.words.length * 2));
    else this.words.fill(0, 0, need);
    new Uint8Array(this.words.buffer, 0, length).set(bytes.subarray(fromByte));
    this.pos = 0;
    this.end = length * 8;
    this.overrun = false;
  }

  /** Bits read so far. */
  get position(): number {
    return this.pos;
  }

  /** Bits left. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Reads `bits` (1..32) bits as an unsigned value. */
  read(bits: number): number {
    const pos = this.pos;
    if (pos + bits > this.end) {
      this.overrun = true;
      this.pos = this.end;
      return 0;
    }
    const at = pos >>> 5;
    const off = pos & 31;
    let v = this.words[at]! >>> off;
    if (off + bits > 32) v |= this.words[at + 1]! << (32 - off);
    this.pos = pos + bits;
    return bits === 32 ? v >>> 0 : (v & ((1 << bits) - 1)) >>> 0;
  }

  tiered(): number {
    // The four short forms (1, 3, 6, 12 bits) decode from the next 12 bits through one table;
    // bits past the end read as zeros (begin() pads), and an overrun is caught after the advance.
    const pos = this.pos;
    const at = pos >>> 5;
    const off = pos & 31;
    const words = this.words;
    const peek = ((words[at]! >>> off) | (off === 0 ? 0 : words[at + 1]! << (32 - off))) & 0xfff;
    const len = PEEK_BITS[peek]!;
    if (len !== 0) {
      const next = pos + len;
      if (next > this.end) {
        this.overrun = true;
        this.pos = this.end;
        return 0;
      }
      this.pos = next;
      return PEEK_VALUE[peek]!;
    }
    this.pos = pos + 4;
    if (this.pos > this.end) {
      this.overrun = true;
      this.pos = this.end;
      return 0;
    }
    const n = this.read(6);
    if (n > 32) {
      this.overrun = true;
      return 0;
    }
    const z = (n === 0 ? 0 : this.read(n)) + 267;
    if (z > 0xffffffff) {
      this.overrun = true;
      return 0;
    }
    return z;
  }

  signed(): number {
    return unzigzag(this.tiered());
  }
}
