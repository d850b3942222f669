// The TypeScript bit streams of the game-declared codec (src/codec/bit-stream.ts) against a
// bit-at-a-time reference: random sequences of raw fields and tiered codes (every tier, the long
// form up to 2^32 - 1) at every bit offset read back exactly; the reader's table-driven tiered()
// agrees with the reference on every 12-bit prefix; and a stream cut anywhere reads as an
// overrun, never as values.

import { describe, expect, it } from 'vitest';
import { BitStreamReader, BitStreamWriter, tieredBits } from '../../src/codec/bit-stream.js';
import { mulberry32 } from '../../src/core/mulberry32.js';

/** The tiered code read one bit at a time, as the format's table says; null past the end. */
function referenceTiered(bits: number[], at: { pos: number }): number | null {
  const bit = (): number | null => (at.pos < bits.length ? bits[at.pos++]! : null);
  const read = (n: number): number | null => {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const b = bit();
      if (b === null) return null;
      v += b * 2 ** i;
    }
    return v;
  };
  const prefix: number[] = [];
  for (let i = 0; i < 4; i++) {
    const b = bit();
    if (b === null) return null;
    prefix.push(b);
    if (b === 0) break;
  }
  if (prefix.length === 1) return 0;
  if (prefix.length === 2) return mapNull(read(1), (v) => 1 + v);
  if (prefix.length === 3) return mapNull(read(3), (v) => 3 + v);
  if (prefix[3] === 0) return mapNull(read(8), (v) => 11 + v);
  const n = read(6);
  if (n === null || n > 32) return null;
  return mapNull(read(n), (v) => v + 267);
}
const mapNull = (v: number | null, f: (v: number) => number): number | null => (v === null ? null : f(v));

function bitsOf(bytes: Uint8Array, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((bytes[i >> 3]! >> (i & 7)) & 1);
  return out;
}

function randomTiered(rnd: () => number): number {
  const r = rnd();
  if (r < 0.2) return 0;
  if (r < 0.35) return 1 + Math.floor(rnd() * 2);
  if (r < 0.5) return 3 + Math.floor(rnd() * 8);
  if (r < 0.75) return 11 + Math.floor(rnd() * 256);
  if (r < 0.8) return 0xffffffff;
  return Math.floor(rnd() * 2 ** (1 + Math.floor(rnd() * 32)));
}

describe('bit streams (TypeScript)', () => {
  it('read back random raw fields and tiered codes exactly, and agree with a bit-at-a-time reference', () => {
    const rnd = mulberry32(21);
    for (let round = 0; round < 200; round++) {
      const w = new BitStreamWriter(4096);
      const items: { kind: 'raw' | 'tiered'; v: number; bits: number }[] = [];
      for (let i = 0; i < 300; i++) {
        if (rnd() < 0.4) {
          const bits = 1 + Math.floor(rnd() * 32);
          const v = Math.floor(rnd() * 2 ** bits);
          w.write(v, bits);
          items.push({ kind: 'raw', v, bits });
        } else {
          const v = randomTiered(rnd);
          const before = w.position;
          w.tiered(v);
          expect(w.position - before).toBe(tieredBits(v));
          items.push({ kind: 'tiered', v, bits: 0 });
        }
      }
      const total = w.position;
      const bytes = w.bytes.slice(0, w.finish());
      const r = new BitStreamReader();
      r.begin(bytes);
      const ref = bitsOf(bytes, total);
      const at = { pos: 0 };
      for (const it of items) {
        if (it.kind === 'raw') {
          expect(r.read(it.bits)).toBe(it.v);
          at.pos += it.bits;
        } else {
          expect(referenceTiered(ref, at)).toBe(it.v);
          expect(r.tiered()).toBe(it.v);
        }
        expect(r.position).toBe(at.pos);
      }
      expect(r.overrun).toBe(false);
    }
  });

  it('decodes every 12-bit prefix as the reference does', () => {
    for (let p = 0; p < 4096; p++) {
      const tail = 0x2a5; // bits after the prefix, for the long form's length and value
      const bytes = Uint8Array.of(p & 0xff, (p >> 8) | ((tail & 0xf) << 4), tail >> 4, 0, 0, 0, 0, 0);
      const bits = bitsOf(bytes, 64);
      const at = { pos: 0 };
      const want = referenceTiered(bits, at);
      const r = new BitStreamReader();
      r.begin(bytes);
      const got = r.tiered();
      if (want === null) expect(r.overrun).toBe(true);
      else {
        expect(got, `prefix ${p.toString(2)}`).toBe(want);
        expect(r.position).toBe(at.pos);
      }
    }
  });

  it('a stream cut at any byte reads as an overrun, never as a value', () => {
    const rnd = mulberry32(5);
    const w = new BitStreamWriter(256);
    const values: number[] = [];
    for (let i = 0; i < 40; i++) {
      const v = randomTiered(rnd);
      values.push(v);
      w.tiered(v);
    }
    const bytes = w.bytes.slice(0, w.finish());
    for (let cut = 0; cut < bytes.length; cut++) {
      const r = new BitStreamReader();
      r.begin(bytes.subarray(0, cut));
      const got: number[] = [];
      for (let i = 0; i < values.length && !r.overrun; i++) {
        const v = r.tiered();
        if (!r.overrun) got.push(v);
      }
      // What was read before the cut is right; the rest is an overrun, not a value.
      expect(values.slice(0, got.length)).toEqual(got);
      expect(r.overrun || got.length === values.length).toBe(true);
      expect(r.position).toBeLessThanOrEqual(cut * 8);
    }
  });
});
