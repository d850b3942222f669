// The small interest messages beside the snapshots: setup (AoI geometry), viewer (a spectator's
// camera) and acks (what a client's view applied): round trips, and typed errors for anything
// truncated, padded, mistyped or non-finite.

import { describe, expect, it } from 'vitest';
import {
  decodeInterestAck, decodeInterestSetup, decodeInterestViewer, encodeInterestAck, encodeInterestSetup, encodeInterestViewer,
  MAX_ACKS_PER_MESSAGE,
} from '../../src/codec/interest-setup.js';
import { DecodeError, InvalidValueError } from '../../src/core/errors.js';
import { mulberry32 } from '../helpers/wasm.js';

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
    const rand = mulberry32(8);
    for (let i = 0; i < 2000; i++) {
      const junk = Uint8Array.from({ length: Math.floor(rand() * 20) }, () => Math.floor(rand() * 256));
      for (const decode of [decodeInterestSetup, decodeInterestViewer, (b: Uint8Array) => decodeInterestAck(b, () => undefined)]) {
        try {
          decode(junk);
        } catch (err) {
          expect(err).toBeInstanceOf(DecodeError);
        }
      }
    }
  });
});
