// World stream frames: encode -> decode round trips, and typed rejection of truncated, padded,
// unknown and random input (the decoder never throws anything but DecodeError); what it
// accepts of random and mutated input encodes back to the same bytes.

import { describe, expect, it } from 'vitest';
import {
  decodeWorldFrame, encodeHash, encodeHello, encodeStateInto, FRAME_HASH, FRAME_HELLO, FRAME_STATE, HELLO_BYTES,
  STATE_ENTITY_BYTES, STATE_HEADER_BYTES, type HelloFrame, type WorldFrame,
} from '../../src/codec/world-frame.js';
import { DecodeError } from '../../src/core/errors.js';
import { makeEntityId } from '../../src/core/entity-id.js';
import { FLAG_ALIVE } from '../../src/core/world-layout.js';
import { mulberry32 } from '../helpers/wasm.js';
import { expectSameBytes, newTally, tallyDecode } from '../helpers/decoder-fuzz.js';

const HELLO: Omit<HelloFrame, 'type'> = {
  seed: 0xdeadbeef,
  tick: 123456,
  capacity: 3024,
  npcs: 2000,
  hashEveryTicks: 60,
  tickHz: 60,
  bounds: { minX: -5000, minY: -5000, minZ: 0, maxX: 5000, maxY: 5000, maxZ: 100 },
  npc: { topSpeedMps: 2.5, wanderMinS: 1, wanderMaxS: 5.25, idlePercent: 20 },
};

function stateFrame(): { bytes: Uint8Array; slots: number } {
  const slots = 6;
  const flags = Uint32Array.from([FLAG_ALIVE, 0, FLAG_ALIVE | 2, FLAG_ALIVE, 0, FLAG_ALIVE]);
  const generation = Uint32Array.from([0, 1, 2, 3, 4, 4095]);
  const posX = Int32Array.from([1, 2, 3, 4, 5, -0x80000000]);
  const posY = Int32Array.from([-1, -2, -3, -4, -5, 0x7fffffff]);
  const posZ = Int32Array.from([10, 20, 30, 40, 50, 60]);
  const out = new Uint8Array(STATE_HEADER_BYTES + STATE_ENTITY_BYTES * slots);
  const length = encodeStateInto(out, 77, slots, { flags, generation, posX, posY, posZ });
  return { bytes: out.subarray(0, length), slots };
}

describe('world frames', () => {
  it('round-trip HELLO exactly, f64 options included', () => {
    const frame = decodeWorldFrame(encodeHello(HELLO));
    expect(frame).toEqual({ type: FRAME_HELLO, ...HELLO });
  });

  it('round-trip STATE with only the live slots and their versioned ids', () => {
    const frame = decodeWorldFrame(stateFrame().bytes);
    if (frame.type !== FRAME_STATE) throw new Error('wrong type');
    expect(frame.tick).toBe(77);
    expect(frame.count).toBe(4);
    expect([...frame.ids]).toEqual([makeEntityId(0, 0), makeEntityId(2, 2), makeEntityId(3, 3), makeEntityId(5, 4095)]);
    expect([...frame.xs]).toEqual([1, 3, 4, -0x80000000]);
    expect([...frame.ys]).toEqual([-1, -3, -4, 0x7fffffff]);
    expect([...frame.zs]).toEqual([10, 30, 40, 60]);
  });

  it('round-trip HASH as an unsigned 64-bit value', () => {
    const frame = decodeWorldFrame(encodeHash(42, 0xfedcba9876543210n));
    expect(frame).toEqual({ type: FRAME_HASH, tick: 42, hash: 0xfedcba9876543210n });
  });

  it('reject truncated, padded, unknown-type and wrong-version frames with DecodeError', () => {
    const hello = encodeHello(HELLO);
    const state = stateFrame().bytes;
    const hash = encodeHash(1, 1n);
    const wrongVersion = hello.slice();
    wrongVersion[1] = 99;
    const lyingCount = state.slice();
    new DataView(lyingCount.buffer).setUint32(8, 0xffffffff, true);
    const bad = [
      new Uint8Array(0),
      hello.subarray(0, HELLO_BYTES - 1),
      Uint8Array.from([...hello, 0]),
      wrongVersion,
      state.subarray(0, state.length - 1),
      state.subarray(0, 5),
      lyingCount,
      hash.subarray(0, 15),
      Uint8Array.from([200, 0, 0, 0]),
    ];
    for (const bytes of bad) expect(() => decodeWorldFrame(bytes)).toThrow(DecodeError);
  });

  it('never throw anything but DecodeError on random and mutated bytes, and what they accept encodes back', () => {
    const rand = mulberry32(31);
    const seeds = [encodeHello(HELLO), stateFrame().bytes, encodeHash(9, 9n)];
    const byType = new Map<number, number>();
    const tally = newTally();
    const check = (frame: WorldFrame, bytes: Uint8Array) => {
      byType.set(frame.type, (byType.get(frame.type) ?? 0) + 1);
      // The encoders write every field where the decoder read it; reserved bytes are not read.
      let again: Uint8Array;
      const expected = bytes.slice();
      if (frame.type === FRAME_HELLO) {
        again = encodeHello(frame);
        expected[3] = 0;
      } else if (frame.type === FRAME_HASH) {
        again = encodeHash(frame.tick, frame.hash);
        expected.fill(0, 1, 4);
      } else {
        expect(frame.ids.length).toBe(frame.count);
        // One live slot per entity, in order (an id is any u32 on the wire: the encoder makes its
        // own from slot and generation, so the decoded ones go back in after).
        const slots = frame.count;
        const flags = new Uint32Array(slots).fill(FLAG_ALIVE);
        again = new Uint8Array(STATE_HEADER_BYTES + STATE_ENTITY_BYTES * slots);
        encodeStateInto(again, frame.tick, slots, { flags, generation: new Uint32Array(slots), posX: frame.xs, posY: frame.ys, posZ: frame.zs });
        const v = new DataView(again.buffer);
        for (let i = 0; i < slots; i++) v.setUint32(STATE_HEADER_BYTES + i * STATE_ENTITY_BYTES, frame.ids[i]!, true);
        expected.fill(0, 1, 4);
      }
      expectSameBytes(again, expected, `frame type ${frame.type}`);
    };
    for (let i = 0; i < 20_000; i++) {
      let bytes: Uint8Array;
      if (i % 2 === 0) bytes = Uint8Array.from({ length: Math.floor(rand() * 128) }, () => Math.floor(rand() * 256));
      else {
        bytes = seeds[i % 3]!.slice(0, Math.floor(rand() * (seeds[i % 3]!.length + 1)));
        if (bytes.length > 0) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      }
      tallyDecode(tally, decodeWorldFrame, check, bytes);
    }
    expect(tally.accepted + tally.rejected).toBe(20_000);
    expect(tally.rejected).toBeGreaterThan(15_000);
    // Some of each type got through the mutations and were checked.
    for (const type of [FRAME_HELLO, FRAME_STATE, FRAME_HASH]) expect(byType.get(type) ?? 0, `type ${type}`).toBeGreaterThanOrEqual(20);
  });
});
