// Column encodings of the save format (table in format.ts): a column whose elements are all equal
// is one u32 (const); otherwise the narrowest of: its values less their minimum (frame of
// reference) or the zigzag of each element's difference from the one before (delta), in 1 to 3
// bytes each, or raw u32s. Slots pack to a byte, timers and slow velocities to two, headings and
// heights to three; x and y across a 10 km world stay raw. Every loop is branch-free per element.

import type { ByteReader, ByteWriter } from './bytes.js';
import { InvalidSaveError } from './errors.js';
import { ENCODING } from './format.js';

/** Bytes (1 to 4) that hold every value whose bits are within `or`. */
function widthOf(or: number): number {
  return (((32 - Math.clz32(or)) + 7) >> 3) || 1;
}

interface ColumnStats {
  lo: number;
  hi: number;
  deltaBits: number;
}

/** Range and delta bits of ints[from, to) (the previous element `prev`), into `stats`: one branch-free pass. */
function scan(ints: Int32Array, from: number, to: number, prev: number, stats: ColumnStats): void {
  let lo = stats.lo;
  let hi = stats.hi;
  let bits = stats.deltaBits;
  for (let i = from; i < to; i++) {
    const v = ints[i]!;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    const d = (v - prev) | 0;
    bits |= (d << 1) ^ (d >> 31);
    prev = v;
  }
  stats.lo = lo;
  stats.hi = hi;
  stats.deltaBits = bits;
}

/** Writes the first `count` elements of `values` in their smallest encoding. */
export function writeColumn(w: ByteWriter, values: Uint32Array, count: number): void {
  // One pass, branch-free: the range (frame of reference) and the bits every delta needs. In
  // i32 arithmetic over the same bits (V8 keeps i32 in registers; a u32 above 2^31 may box).
  const ints = new Int32Array(values.buffer, values.byteOffset, count);
  const stats = { lo: count > 0 ? ints[0]! : 0, hi: count > 0 ? ints[0]! : 0, deltaBits: 0 };
  // Random 32-bit data (x and y across a large world) shows in its first elements: raw, unscanned.
  const sample = Math.min(count, 256);
  scan(ints, 0, sample, 0, stats);
  if (sample < count && (widthOf((stats.hi - stats.lo) >>> 0) < 4 || widthOf(stats.deltaBits >>> 0) < 4)) scan(ints, sample, count, ints[sample - 1]!, stats);
  const { lo, hi, deltaBits } = stats;
  if (lo === hi) {
    w.u8(ENCODING.const);
    w.u32(4);
    w.u32(lo >>> 0);
    return;
  }
  const forWidth = widthOf((hi - lo) >>> 0);
  const deltaWidth = widthOf(deltaBits >>> 0);
  const width = Math.min(forWidth, deltaWidth);
  if (width === 4) {
    w.u8(ENCODING.raw);
    w.u32(count * 4);
    w.u32s(values, count);
    return;
  }
  if (deltaWidth < forWidth) {
    w.u8(ENCODING.delta);
    w.u32(1 + count * width);
    w.u8(width);
    w.packed(ints, count, width, 0, true);
  } else {
    w.u8(ENCODING.for);
    w.u32(5 + count * width);
    w.u8(width);
    w.i32(lo);
    w.packed(ints, count, width, lo, false);
  }
}

/** Reads a column of `count` elements; `what` names it in errors. */
export function readColumn(r: ByteReader, count: number, what: string): Uint32Array {
  const encoding = r.u8();
  const bytes = r.u32();
  r.need(bytes);
  const end = r.pos + bytes;
  const out = new Uint32Array(count);
  const wrong = (want: number) => new InvalidSaveError('layout', `${what}: ${bytes} bytes of column (encoding ${encoding}) for ${count} elements, expected ${want}`);
  switch (encoding) {
    case ENCODING.const: {
      if (bytes !== 4) throw wrong(4);
      out.fill(r.u32());
      break;
    }
    case ENCODING.raw: {
      if (bytes !== count * 4) throw wrong(count * 4);
      r.u32s(out, count);
      break;
    }
    case ENCODING.delta:
    case ENCODING.for: {
      const width = r.u8();
      if (width < 1 || width > 3) throw new InvalidSaveError('layout', `${what}: packed width ${width}, not 1 to 3 bytes`);
      const base = encoding === ENCODING.for ? r.i32() : 0;
      const header = encoding === ENCODING.for ? 5 : 1;
      if (bytes !== header + count * width) throw wrong(header + count * width);
      r.packed(new Int32Array(out.buffer), count, width, base, encoding === ENCODING.delta);
      break;
    }
    default:
      throw new InvalidSaveError('layout', `${what}: unknown column encoding ${encoding}`);
  }
  if (r.pos !== end) throw wrong(r.pos - end + bytes);
  return out;
}
