// The small interest messages beside the snapshots: setup (AoI geometry), viewer (a spectator's
// camera) and acks (what a client's view applied): round trips, and typed errors for anything
// truncated, padded, mistyped or non-finite; what the decoders accept of mutated and random
// bytes lies in the formats' ranges and encodes back to the same bytes.

import { describe, expect, it } from 'vitest';
import {
  decodeInterestAck, decodeInterestSetup, decodeInterestViewer, encodeInterestAck, encodeInterestSetup, encodeInterestViewer,
  MAX_ACKS_PER_MESSAGE,
} from '../../src/codec/interest-setup.js';
import { DecodeError, InvalidValueError } from '../../src/core/errors.js';
import { mulberry32 } from '../helpers/wasm.js';
import { expectSameBytes, newTally, tallyDecode, type DecoderTally } from '../helpers/decoder-fuzz.js';

function expectEveryCutRejected(bytes: Uint8Array, decode: (b: Uint8Array) => unknown): void {
  for (let len = 0; len < bytes.byteLength; len++) expect(() => decode(bytes.subarray(0, len))).toThrow(DecodeError);
  const padded = new Uint8Array(bytes.byteLength + 1);
  padded.set(bytes);
  expect(() => decode(padded)).toThrow(DecodeError);
}

describe('interest setup, viewer and ack messages', () => {
  it('round-trip the AoI geometry and reject malformed setups', () => {
    const setup = { radiusM: 200, hysteresis: 0.05, immediateM: 15, nearM: 60, awarenessM: 130 };
    const bytes = encodeInterestSetup(setup);
    const back = decodeInterestSetup(bytes);
    for (const [k, v] of Object.entries(setup)) expect(back[k as keyof typeof setup]).toBeCloseTo(v, 5);
    expectEveryCutRejected(bytes, decodeInterestSetup);
    const disordered = encodeInterestSetup({ ...setup, nearM: 10 });
    expect(() => decodeInterestSetup(disordered)).toThrow(DecodeError);
    const nan = bytes.slice();
    new DataView(nan.buffer).setFloat32(1, Number.NaN, true);
    expect(() => decodeInterestSetup(nan)).toThrow(DecodeError);
    expect(() => encodeInterestSetup({ ...setup, radiusM: Number.POSITIVE_INFINITY })).toThrow(InvalidValueError);
  });

  it('round-trip a viewer position and reject non-finite or malformed ones', () => {
    expect(decodeInterestViewer(encodeInterestViewer(-123.5, 400.25))).toEqual([-123.5, 400.25]);
    expectEveryCutRejected(encodeInterestViewer(1, 2), decodeInterestViewer);
    expect(() => encodeInterestViewer(Number.NaN, 0)).toThrow(InvalidValueError);
    const inf = encodeInterestViewer(1, 2);
    new DataView(inf.buffer).setFloat32(5, Number.POSITIVE_INFINITY, true);
    expect(() => decodeInterestViewer(inf)).toThrow(DecodeError);
  });

  it('round-trip acks, and reject malformed ones before acknowledging anything', () => {
    const seqs = [0, 1, 0xffffffff, 77];
    const got: number[] = [];
    decodeInterestAck(encodeInterestAck(seqs), (s) => got.push(s));
    expect(got).toEqual(seqs);
    const bytes = encodeInterestAck(seqs);
    expectEveryCutRejected(bytes, (b) => decodeInterestAck(b, () => expect.fail('acknowledged from a malformed message')));
    expect(() => encodeInterestAck([])).toThrow(InvalidValueError);
    expect(() => encodeInterestAck(new Array(MAX_ACKS_PER_MESSAGE + 1).fill(1))).toThrow(InvalidValueError);
  });

  it('reject random and mutated bytes with DecodeError only, and accept only values in range that encode back', () => {
    const rand = mulberry32(8);
    const setup = encodeInterestSetup({ radiusM: 200, hysteresis: 0.05, immediateM: 15, nearM: 60, awarenessM: 130 });
    const viewer = encodeInterestViewer(-123.5, 400.25);
    const ack = encodeInterestAck([0, 1, 0xffffffff, 77]);
    const tallies: Record<'setup' | 'viewer' | 'ack', DecoderTally> = { setup: newTally(), viewer: newTally(), ack: newTally() };
    const checkSetup = (s: ReturnType<typeof decodeInterestSetup>, bytes: Uint8Array) => {
      for (const v of Object.values(s)) {
        expect(Number.isFinite(v) && v >= 0).toBe(true);
      }
      expect(s.immediateM).toBeLessThanOrEqual(s.nearM);
      expect(s.nearM).toBeLessThanOrEqual(s.awarenessM);
      expect(s.hysteresis).toBeLessThan(1);
      expectSameBytes(encodeInterestSetup(s), bytes, 'setup');
    };
    const checkViewer = ([x, y]: [number, number], bytes: Uint8Array) => expectSameBytes(encodeInterestViewer(x, y), bytes, 'viewer');
    const checkAck = (seqs: number[], bytes: Uint8Array) => {
      expect(seqs.length).toBeGreaterThanOrEqual(1);
      expect(seqs.length).toBeLessThanOrEqual(MAX_ACKS_PER_MESSAGE);
      expectSameBytes(encodeInterestAck(seqs), bytes, 'ack');
    };
    const decodeAcks = (b: Uint8Array) => {
      const seqs: number[] = [];
      decodeInterestAck(b, (seq) => seqs.push(seq));
      return seqs;
    };
    for (let i = 0; i < 6000; i++) {
      // Junk of any length, or a real message with one or two bytes replaced.
      let bytes: Uint8Array;
      if (i % 2 === 0) bytes = Uint8Array.from({ length: Math.floor(rand() * 20) }, () => Math.floor(rand() * 256));
      else {
        bytes = [setup, viewer, ack][(i >> 1) % 3]!.slice();
        const edits = 1 + Math.floor(rand() * 2);
        for (let k = 0; k < edits; k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      }
      tallyDecode(tallies.setup, decodeInterestSetup, checkSetup, bytes);
      tallyDecode(tallies.viewer, decodeInterestViewer, checkViewer, bytes);
      tallyDecode(tallies.ack, decodeAcks, checkAck, bytes);
    }
    for (const [name, t] of Object.entries(tallies)) {
      expect(t.accepted + t.rejected, name).toBe(6000);
      expect(t.accepted, name).toBeGreaterThanOrEqual(200);
      expect(t.rejected, name).toBeGreaterThanOrEqual(4000);
    }
  });
});
