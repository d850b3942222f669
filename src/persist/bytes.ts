// Little-endian byte writing and bounds-checked reading for the save format, packed columns and
// CRC-32. A read past the end throws InvalidSaveError('truncated'), never a RangeError.

import * as zlib from 'node:zlib';
import { InvalidSaveError } from './errors.js';
import { MAX_NAME_BYTES } from './format.js';

const utf8 = new TextEncoder();
/** Typed arrays use the platform's byte order; the format is little-endian (as every platform Node runs on). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Reused by ByteWriter.packed (grows to the largest column written). */
let scratch = new Int32Array(0);
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v;
  }

  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }

  /** Overwrites a u32 written earlier (a length filled in once known). */
  u32At(offset: number, v: number): void {
    this.view.setUint32(offset, v >>> 0, true);
  }

  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }

  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  /** u8 byte length + UTF-8. */
  str(s: string): void {
    const bytes = utf8.encode(s);
    if (bytes.byteLength > MAX_NAME_BYTES) throw new RangeError(`"${s.slice(0, 32)}...": names are at most ${MAX_NAME_BYTES} bytes`);
    this.u8(bytes.byteLength);
    this.bytes(bytes);
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.byteLength);
    this.buf.set(b, this.length);
    this.length += b.byteLength;
  }

  /** `count` elements of `src` as raw little-endian u32s. */
  u32s(src: Uint32Array, count: number): void {
    this.reserve(count * 4);
    if (LITTLE_ENDIAN) {
      this.buf.set(new Uint8Array(src.buffer, src.byteOffset, count * 4), this.length);
      this.length += count * 4;
      return;
    }
    const view = this.view;
    let o = this.length;
    for (let i = 0; i < count; i++, o += 4) view.setUint32(o, src[i]!, true);
    this.length = o;
  }

  /**
   * `count` elements in `width` bytes each (1 to 3, little-endian): with `delta` the zigzag of
   * each element's i32 difference from the previous (the first from 0), else the element less
   * `base`. The caller has checked that every one fits.
   */
  packed(ints: Int32Array, count: number, width: number, base: number, delta: boolean): void {
    this.reserve(count * width);
    // Two simple loops (transform, then bytes) rather than one with the mode and width inside.
    if (scratch.length < count) scratch = new Int32Array(Math.max(count, scratch.length * 2));
    const x = scratch;
    if (delta) {
      let prev = 0;
      for (let i = 0; i < count; i++) {
        const v = ints[i]!;
        const d = (v - prev) | 0;
        x[i] = (d << 1) ^ (d >> 31);
        prev = v;
      }
    } else for (let i = 0; i < count; i++) x[i] = (ints[i]! - base) | 0;
    const buf = this.buf;
    let o = this.length;
    if (width === 1) for (let i = 0; i < count; i++) buf[o++] = x[i]!;
    else if (width === 2) {
      for (let i = 0; i < count; i++, o += 2) {
        const v = x[i]!;
        buf[o] = v;
        buf[o + 1] = v >>> 8;
      }
    } else {
      for (let i = 0; i < count; i++, o += 3) {
        const v = x[i]!;
        buf[o] = v;
        buf[o + 1] = v >>> 8;
        buf[o + 2] = v >>> 16;
      }
    }
    this.length = o;
  }

  /** The bytes written (a view; copy it to keep it past the next write). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export class ByteReader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  pos: number;
  readonly end: number;
  /** What is being read, for messages ('section HEAD'). */
  private readonly what: string;

  constructor(bytes: Uint8Array, start = 0, end = bytes.byteLength, what = 'the save') {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
    this.what = what;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (n > this.end - this.pos) throw new InvalidSaveError('truncated', `${this.what} ends ${n - (this.end - this.pos)} bytes short at byte ${this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  str(): string {
    const n = this.u8();
    this.need(n);
    try {
      return utf8Strict.decode(this.bytes.subarray(this.pos, (this.pos += n)));
    } catch {
      throw new InvalidSaveError('layout', `${this.what}: a name at byte ${this.pos - n} is not UTF-8`);
    }
  }

  /** `count` raw little-endian u32s into `out`. */
  u32s(out: Uint32Array, count: number): void {
    this.need(count * 4);
    if (LITTLE_ENDIAN) {
      new Uint8Array(out.buffer, out.byteOffset, count * 4).set(this.bytes.subarray(this.pos, this.pos + count * 4));
      this.pos += count * 4;
      return;
    }
    const view = this.view;
    let o = this.pos;
    for (let i = 0; i < count; i++, o += 4) out[i] = view.getUint32(o, true);
    this.pos = o;
  }

  /** The inverse of ByteWriter.packed, into `out`. */
  packed(out: Int32Array, count: number, width: number, base: number, delta: boolean): void {
    this.need(count * width);
    const buf = this.bytes;
    let o = this.pos;
    let prev = 0;
    for (let i = 0; i < count; i++) {
      let x = buf[o]!;
      if (width > 1) x |= buf[o + 1]! << 8;
      if (width > 2) x |= buf[o + 2]! << 16;
      o += width;
      if (delta) out[i] = prev = (prev + ((x >>> 1) ^ -(x & 1))) | 0;
      else out[i] = (x + base) | 0;
    }
    this.pos = o;
  }
}

let table: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, the polynomial zlib and PNG use) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  // Node 20.15+ has it natively (hardware-assisted); older Node 20 releases use the table.
  const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  if (native) return native(bytes) >>> 0;
  return crc32Table(bytes);
}

/** The table-driven CRC-32 (the fallback; tests compare it with zlib's). */
export function crc32Table(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.byteLength; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
