// A rollback room's session wire formats (PLAY, STATE_PART): every encoder against its decoder, every malformed variant
// rejected with a DecodeError (and nothing else), what the decoders accept of random and mutated
// bytes in range and encoding back to the same bytes, and STATE parts reassembled byte for byte.

import { describe, expect, it } from 'vitest';
import {
  decodePlayMessage, decodeStatePart, encodePlayMessage, encodeStatePart, StateAssembler, STATE_PART_BYTES, statePartCount,
} from '../../src/codec/play-messages.js';
import { STATE_HEADER_BYTES } from '../../src/codec/rollback-messages.js';
import { DecodeError } from '../../src/core/errors.js';
import { mulberry32 } from '../helpers/wasm.js';
import { expectSameBytes, newTally, tallyDecode, type DecoderTally } from '../helpers/decoder-fuzz.js';


function mutated(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = value;
  return copy;
}

describe('PLAY', () => {
  it('round-trips both modes in 4 bytes', () => {
    for (const mode of ['play', 'watch'] as const) {
      const bytes = encodePlayMessage(mode);
      expect(bytes.byteLength).toBe(4);
      expect(decodePlayMessage(bytes)).toBe(mode);
    }
  });

  it('rejects an unknown mode, a reserved byte, a wrong length, type or version', () => {
    const ok = encodePlayMessage('play');
    for (const bad of [mutated(ok, 2, 2), mutated(ok, 3, 1), mutated(ok, 0, 0x42), mutated(ok, 1, 9), ok.subarray(0, 3), Uint8Array.of(...ok, 0)]) {
      expect(() => decodePlayMessage(bad)).toThrow(DecodeError);
    }
  });
});

describe('STATE parts', () => {
  function state(bytes: number, seed: number): Uint8Array {
    const rand = mulberry32(seed);
    const words = new Uint32Array(Math.ceil(bytes / 4));
    for (let i = 0; i < words.length; i++) words[i] = Math.floor(rand() * 2 ** 32);
    return new Uint8Array(words.buffer, 0, bytes);
  }

  const same = (a: Uint8Array | null, b: Uint8Array) => a !== null && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

  function parts(whole: Uint8Array, transfer: number): Uint8Array[] {
    return Array.from({ length: statePartCount(whole.byteLength) }, (_, i) => encodeStatePart(whole, i, transfer));
  }

  it('splits a state into parts of STATE_PART_BYTES and reassembles it byte for byte', () => {
    for (const size of [STATE_HEADER_BYTES + 16, STATE_PART_BYTES, STATE_PART_BYTES + 1, 3 * STATE_PART_BYTES + 777]) {
      const whole = state(size, size);
      const assembler = new StateAssembler(size);
      const encoded = parts(whole, 7);
      expect(encoded.length).toBe(Math.ceil(size / STATE_PART_BYTES));
      let result: Uint8Array | null = null;
      encoded.forEach((p, i) => {
        result = assembler.add(decodeStatePart(p));
        if (i < encoded.length - 1) expect(result).toBeNull();
      });
      expect(same(result, whole)).toBe(true);
    }
  });

  it('drops parts out of order or from another transfer, and starts over at a new part 0', () => {
    const whole = state(2 * STATE_PART_BYTES + 100, 1);
    const [a0, a1, a2] = parts(whole, 1);
    const [b0] = parts(whole, 2);
    const assembler = new StateAssembler(whole.byteLength);
    expect(assembler.add(decodeStatePart(a0!))).toBeNull();
    expect(assembler.add(decodeStatePart(a2!))).toBeNull(); // skipped part 1
    expect(assembler.rejected).toBe(1);
    expect(assembler.add(decodeStatePart(b0!))).toBeNull(); // a new transfer abandons the first
    expect(assembler.abandoned).toBe(1);
    expect(assembler.add(decodeStatePart(a1!))).toBeNull(); // part 1, but of transfer 1
    expect(assembler.rejected).toBe(2);
    const [, b1, b2] = parts(whole, 2);
    expect(assembler.add(decodeStatePart(b1!))).toBeNull();
    expect(same(assembler.add(decodeStatePart(b2!)), whole)).toBe(true);
  });

  it('refuses a state larger than the JOIN announced, without allocating for it', () => {
    const whole = state(STATE_PART_BYTES + 32, 2);
    const assembler = new StateAssembler(1000);
    for (const p of parts(whole, 3)) expect(assembler.add(decodeStatePart(p))).toBeNull();
    expect(assembler.rejected).toBe(2);
  });

  it('rejects malformed parts: counts, indices, lengths, reserved bytes, totals', () => {
    const whole = state(STATE_PART_BYTES + 500, 3);
    const [p0, p1] = parts(whole, 4);
    const set16 = (bytes: Uint8Array, at: number, v: number) => {
      const copy = bytes.slice();
      new DataView(copy.buffer).setUint16(at, v, true);
      return copy;
    };
    const set32 = (bytes: Uint8Array, at: number, v: number) => {
      const copy = bytes.slice();
      new DataView(copy.buffer).setUint32(at, v, true);
      return copy;
    };
    for (const bad of [
      set16(p0!, 2, 2), // index beyond the count
      set16(p0!, 4, 3), // count not matching the total
      set16(p0!, 6, 1), // reserved
      set32(p0!, 12, 10), // total below a STATE header
      set32(p1!, 12, whole.byteLength + 1), // last part's length disagrees with the total
      p0!.subarray(0, 100),
      mutated(p0!, 1, 2),
    ]) {
      expect(() => decodeStatePart(bad)).toThrow(DecodeError);
    }
  });

  it('never throws anything but DecodeError on random or mutated bytes, and accepts only what encodes back', () => {
    const rand = mulberry32(99);
    const seeds = [encodePlayMessage('play'), encodeStatePart(state(300, 4), 0, 1)];
    const tallies: Record<'play' | 'part', DecoderTally> = { play: newTally(), part: newTally() };
    const checkPlay = (mode: 'play' | 'watch', bytes: Uint8Array) => expectSameBytes(encodePlayMessage(mode), bytes, 'PLAY');
    const checkPart = (p: ReturnType<typeof decodeStatePart>, bytes: Uint8Array) => {
      expect(p.count).toBe(statePartCount(p.totalBytes));
      expect(p.index).toBeLessThan(p.count);
      expect(p.bytes.byteLength).toBe(Math.min(STATE_PART_BYTES, p.totalBytes - p.index * STATE_PART_BYTES));
      // The part of a whole STATE of totalBytes holding these bytes where the part lies.
      const whole = new Uint8Array(p.totalBytes);
      whole.set(p.bytes, p.index * STATE_PART_BYTES);
      expectSameBytes(encodeStatePart(whole, p.index, p.transfer), bytes, 'STATE_PART');
    };
    for (let i = 0; i < 3000; i++) {
      const base = seeds[i % seeds.length]!;
      const bytes = rand() < 0.3 ? state(Math.floor(rand() * 300), i) : base.slice();
      // One to three bytes replaced, half the time by a small value (a valid mode, count, index...).
      const edits = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < edits; k++) if (bytes.length > 0) bytes[Math.floor(rand() * bytes.length)] = rand() < 0.5 ? Math.floor(rand() * 4) : Math.floor(rand() * 256);
      tallyDecode(tallies.play, decodePlayMessage, checkPlay, bytes);
      tallyDecode(tallies.part, decodeStatePart, checkPart, bytes);
    }
    for (const [name, t] of Object.entries(tallies)) {
      expect(t.accepted + t.rejected, name).toBe(3000);
      expect(t.accepted, name).toBeGreaterThanOrEqual(20);
      expect(t.rejected, name).toBeGreaterThanOrEqual(2000);
    }
  });
});
