// Little-endian read/write primitives over Uint8Array, shared by every encoder and decoder in
// src/net, plus the small helpers the hot path needs to stay allocation-free. Runs in Node and
// in the browser (no Buffer).

const TWO_32 = 4294967296;

export function writeU16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

export function readU16(b: Uint8Array, off: number): number {
  return b[off]! | (b[off + 1]! << 8);
}

export function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

export function readU32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

/** Writes a non-negative integer below 2^53 as a u64. */
export function writeU64(b: Uint8Array, off: number, v: number): void {
  writeU32(b, off, v >>> 0);
  writeU32(b, off + 4, Math.floor(v / TWO_32));
}

/** Reads a u64 as a number; values at or above 2^53 lose precision (callers bound them). */
export function readU64(b: Uint8Array, off: number): number {
  return readU32(b, off) + readU32(b, off + 4) * TWO_32;
}

export function writeU64Big(b: Uint8Array, off: number, v: bigint): void {
  writeU32(b, off, Number(v & 0xffffffffn));
  writeU32(b, off + 4, Number((v >> 32n) & 0xffffffffn));
}

export function readU64Big(b: Uint8Array, off: number): bigint {
  return BigInt(readU32(b, off)) | (BigInt(readU32(b, off + 4)) << 32n);
}



/**
 * Subarray views of one buffer at a fixed offset, cached by length, so the hot path can hand
 * libsodium an exactly sized view without allocating one per packet. At most `maxLength + 1`
 * views ever exist (a few tens of KB for a 1200-byte packet buffer).
 */
export class ViewCache {
  private readonly views: (Uint8Array | undefined)[] = [];

  constructor(
    readonly buffer: Uint8Array,
    readonly offset: number,
  ) {}

  get(length: number): Uint8Array {
    let view = this.views[length];
    if (view === undefined) {
      view = this.buffer.subarray(this.offset, this.offset + length);
      this.views[length] = view;
    }
    return view;
  }
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return btoa(s);
}

/** Decodes standard base64; returns undefined for anything that is not. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

