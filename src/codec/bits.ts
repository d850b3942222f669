// BitWriter and BitReader: TypeScript handles on the bit-packing kernels (assembly/codec/bits.ts)
// for tools, tests and small messages built outside the pipeline. Each owns an arena block: a
// 32-byte state (buffer, length, u64 cursor, overrun flag) and its buffer. LSB-first bit order
// and the tiered codes are documented with the kernels.

import { DecodeError, InvalidArgumentError } from '../core/errors.js';
import type { Arena, Region } from '../wasm/arena.js';
import { codecKernels, type CodecKernels } from './codec-kernels.js';

const STATE_BYTES = 32;
/** The writer stores 64-bit words: the buffer keeps this many bytes past its capacity. */
const SLACK_BYTES = 8;
let nextId = 0;

abstract class BitBlock {
  readonly arena: Arena;
  readonly capacityBytes: number;
  protected readonly k: CodecKernels;
  protected readonly region: Region;

  constructor(arena: Arena, capacityBytes: number, name: string) {
    if (!Number.isInteger(capacityBytes) || capacityBytes < 1 || capacityBytes > 1 << 24) {
      throw new InvalidArgumentError(`bit buffer capacity must be an integer in [1, ${1 << 24}] bytes, got ${capacityBytes}`);
    }
    this.arena = arena;
    this.capacityBytes = capacityBytes;
    this.k = codecKernels(arena.wasm);
    this.region = arena.allocate(name, STATE_BYTES + capacityBytes + SLACK_BYTES);
    const u = this.region.view('u32', 0, 8);
    u[0] = this.region.ptr + STATE_BYTES;
    u[1] = capacityBytes;
  }

  protected get state(): number {
    return this.region.ptr;
  }

  /** Bit cursor. */
  get bitPosition(): number {
    return Number(this.region.view('u64', 8, 1)[0]!);
  }

  dispose(): void {
    if (!this.region.isReleased) this.arena.release(this.region);
  }
}

export class BitWriter extends BitBlock {
  constructor(arena: Arena, capacityBytes: number) {
    super(arena, capacityBytes, `bit-writer-${nextId++}`);
  }

  /** Writes the low `bits` (1..32) bits of value. Throws when the buffer is full. */
  write(value: number, bits: number): this {
    if (!Number.isInteger(bits) || bits < 1 || bits > 32) throw new InvalidArgumentError(`bits must be in [1, 32], got ${bits}`);
    return this.check(this.k.bits_write(this.state, value >>> 0, bits));
  }

  /** Tiered code of an unsigned value (see assembly/codec/bits.ts). */
  writeTiered(value: number): this {
    return this.check(this.k.bits_write_tiered(this.state, value >>> 0));
  }

  /** Tiered code of the zig-zag of a signed 32-bit value. */
  writeSigned(value: number): this {
    return this.check(this.k.bits_write_signed(this.state, value | 0));
  }

  /** The bytes written so far (a copy). */
  toBytes(): Uint8Array {
    return this.region.bytes().slice(STATE_BYTES, STATE_BYTES + Math.ceil(this.bitPosition / 8));
  }

  reset(): void {
    this.region.view('u64', 8, 1)[0] = 0n;
  }

  private check(overflow: number): this {
    if (overflow !== 0) throw new InvalidArgumentError(`bit writer is full (${this.capacityBytes} bytes)`);
    return this;
  }
}

export class BitReader extends BitBlock {
  private length = 0;

  constructor(arena: Arena, capacityBytes: number) {
    super(arena, capacityBytes, `bit-reader-${nextId++}`);
  }

  /** Starts reading `bytes` (copied into the reader's buffer, zero-padded). */
  load(bytes: Uint8Array): this {
    if (bytes.byteLength > this.capacityBytes) throw new InvalidArgumentError(`${bytes.byteLength} bytes exceed the reader's ${this.capacityBytes}`);
    const all = this.region.bytes();
    all.set(bytes, STATE_BYTES);
    all.fill(0, STATE_BYTES + bytes.byteLength, STATE_BYTES + bytes.byteLength + SLACK_BYTES);
    const u = this.region.view('u32', 0, 8);
    u[1] = bytes.byteLength;
    u[4] = 0;
    this.region.view('u64', 8, 1)[0] = 0n;
    this.length = bytes.byteLength;
    return this;
  }

  /** Reads `bits` (1..32) bits; past the end throws DecodeError. */
  read(bits: number): number {
    if (!Number.isInteger(bits) || bits < 1 || bits > 32) throw new InvalidArgumentError(`bits must be in [1, 32], got ${bits}`);
    return this.check(this.k.bits_read(this.state, bits) >>> 0);
  }

  readTiered(): number {
    return this.check(this.k.bits_read_tiered(this.state) >>> 0);
  }

  readSigned(): number {
    return this.check(this.k.bits_read_signed(this.state));
  }

  /** Whether a read ran past the end. */
  get overrun(): boolean {
    return this.region.view('u32', 16, 1)[0] !== 0;
  }

  get remainingBits(): number {
    return this.overrun ? 0 : Math.max(0, this.length * 8 - this.bitPosition);
  }

  private check(v: number): number {
    if (this.overrun) throw new DecodeError(`bit stream truncated: read past ${this.length} bytes`);
    return v;
  }
}

/** LEB128 of a u32 into `out` at `offset`; returns the bytes written (1..5). Pure TypeScript. */
export function writeVarint(out: Uint8Array, offset: number, value: number): number {
  let v = value >>> 0;
  let n = 0;
  while (v >= 0x80) {
    out[offset + n++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[offset + n++] = v;
  return n;
}

/** Reads a LEB128 u32; throws DecodeError when truncated, longer than 5 bytes or above 2^32 - 1. */
export function readVarint(bytes: Uint8Array, offset: number): { value: number; bytes: number } {
  let v = 0;
  for (let i = 0; i < 5; i++) {
    if (offset + i >= bytes.byteLength) throw new DecodeError(`varint truncated at byte ${offset + i}`);
    const b = bytes[offset + i]!;
    v += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (v > 0xffffffff) throw new DecodeError(`varint ${v} exceeds 32 bits`);
      return { value: v, bytes: i + 1 };
    }
  }
  throw new DecodeError('varint longer than 5 bytes');
}

export function zigzag(v: number): number {
  return ((v << 1) ^ (v >> 31)) >>> 0;
}

export function unzigzag(z: number): number {
  return (z >>> 1) ^ -(z & 1);
}
