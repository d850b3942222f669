// Wire formats of the rollback channel (src/codec/rollback-*): every message round-trips through
// its decoder into an equal value, and decoders reject every malformed variant with DecodeError
// and nothing else; what they accept of random and mutated bytes encodes back to those bytes.

import { describe, expect, it } from 'vitest';
import {
  decodeConfirmedMessage, decodeHashMessage, decodeInputMessage, decodeResyncMessage, decodeStateMessage,
  encodeConfirmedMessage, encodeHashMessage, encodeInputMessage, encodeResyncMessage, encodeStateMessage,
  CONFIRMED_HEADER_BYTES, NO_FRAME, RESYNC_TOO_DEEP,
} from '../../src/codec/rollback-messages.js';
import { BUTTON_FIRE, BUTTON_PRESENT, BUTTON_SHOOT, CLIENT_BUTTONS, CLIENT_INPUT_BYTES, IN_BUTTONS, INPUT_BYTES, NO_TARGET, readInput, writeInput, REFERENCE_INPUT_FORMAT } from '../fixtures/reference-game/input.js';
import { DecodeError, InvalidArgumentError } from '../../src/core/errors.js';
import { mulberry32, randomInputs } from './fixtures.js';
import { expectSameBytes, newTally, tallyDecode, type DecoderTally } from '../helpers/decoder-fuzz.js';

/**
 * 3,000 inputs: random bytes, cuts of `template` (a few bytes longer too), and cuts with one byte
 * replaced. Rejections must be DecodeErrors; each accepted value goes to `check`.
 */
function fuzz<T>(decode: (bytes: Uint8Array) => T, check: (value: T, bytes: Uint8Array) => void, template: Uint8Array, seed: number): DecoderTally {
  const rand = mulberry32(seed);
  const tally = newTally();
  for (let i = 0; i < 3000; i++) {
    let bytes: Uint8Array;
    if (i % 3 === 0) bytes = Uint8Array.from({ length: Math.floor(rand() * 80) }, () => Math.floor(rand() * 256));
    else {
      // A cut near the full length half the time, so some survive to be mutated inside.
      const len = rand() < 0.5 ? template.length - 1 + Math.floor(rand() * 3) : Math.floor(rand() * (template.length + 3));
      bytes = new Uint8Array(len);
      bytes.set(template.subarray(0, Math.min(len, template.length)));
    }
    if (i % 3 === 2 && bytes.length > 0) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
    tallyDecode(tally, decode, check, bytes);
  }
  return tally;
}

/** Full input records (PRESENT and verdict left zero) holding a decoded INPUT's client bytes. */
function recordsOf(inputs: Uint8Array, count: number): Uint8Array {
  const records = new Uint8Array(count * INPUT_BYTES);
  for (let k = 0; k < count; k++) records.set(inputs.subarray(k * CLIENT_INPUT_BYTES, (k + 1) * CLIENT_INPUT_BYTES), k * INPUT_BYTES);
  return records;
}

describe('input records', () => {
  it('quantise values to the record and read back within a quantum', () => {
    const r = new Uint8Array(INPUT_BYTES);
    writeInput(r, 0, { moveX: -1, moveY: 0.5, aimRad: -Math.PI / 2, fire: true, shoot: true });
    const back = readInput(r, 0);
    expect(back.moveX).toBe(-1);
    expect(back.moveY).toBeCloseTo(0.5, 2);
    expect(back.aimRad).toBeCloseTo((3 * Math.PI) / 2, 3);
    expect(back).toMatchObject({ fire: true, shoot: true, present: true, target: NO_TARGET });
    expect(r[2]).toBe(BUTTON_PRESENT | BUTTON_FIRE | BUTTON_SHOOT);
  });
});

describe('rollback messages', () => {
  it('INPUT round-trips its first 8 bytes per input, without PRESENT', () => {
    const rand = mulberry32(1);
    const records = randomInputs(rand, 5);
    const msg = decodeInputMessage(encodeInputMessage(3, 1000, 990, records, 0, 5, REFERENCE_INPUT_FORMAT), CLIENT_INPUT_BYTES);
    expect(msg).toMatchObject({ player: 3, firstFrame: 1000, count: 5, ackFrame: 990 });
    for (let k = 0; k < 5; k++) {
      const sent = records.subarray(k * INPUT_BYTES, k * INPUT_BYTES + CLIENT_INPUT_BYTES).slice();
      sent[2] = sent[2]! & (BUTTON_FIRE | BUTTON_SHOOT);
      expect(msg.inputs.subarray(k * CLIENT_INPUT_BYTES, (k + 1) * CLIENT_INPUT_BYTES)).toEqual(sent);
    }
    expect(decodeInputMessage(encodeInputMessage(0, 0, NO_FRAME, records, 0, 1, REFERENCE_INPUT_FORMAT), CLIENT_INPUT_BYTES).ackFrame).toBe(NO_FRAME);
  });

  it('CONFIRMED round-trips every present record and expands absent players to zero', () => {
    const rand = mulberry32(2);
    const players = 6;
    const count = 4;
    const inputs = new Uint8Array(count * players * INPUT_BYTES);
    const presence = [0b111111n, 0b000101n, 0n, 0b100000n];
    for (let f = 0; f < count; f++) {
      const frame = randomInputs(rand, players);
      for (let p = 0; p < players; p++) if ((presence[f]! >> BigInt(p)) & 1n) inputs.set(frame.subarray(p * INPUT_BYTES, (p + 1) * INPUT_BYTES), (f * players + p) * INPUT_BYTES);
    }
    const bytes = encodeConfirmedMessage({ players, firstFrame: 77, count, inputs, offset: 0, presence, presenceOffset: 0 }, 90, 85, -1.5, INPUT_BYTES);
    expect(bytes.byteLength).toBe(CONFIRMED_HEADER_BYTES + count * 8 + (6 + 2 + 0 + 1) * INPUT_BYTES);
    const msg = decodeConfirmedMessage(bytes, INPUT_BYTES);
    expect(msg).toMatchObject({ players, firstFrame: 77, count, serverFrame: 90, inputAckFrame: 85, inputLeadFrames: -1.5 });
    expect(Array.from(msg.presence)).toEqual(presence);
    expect(msg.inputs).toEqual(inputs);
  });

  it('CONFIRMED round-trips random presence over 1 to 64 players (both halves of the mask), any record size, and refuses players past the count', () => {
    const rand = mulberry32(64);
    for (let trial = 0; trial < 200; trial++) {
      const players = 1 + Math.floor(rand() * 64);
      const recordBytes = 1 + Math.floor(rand() * 20);
      const count = Math.floor(rand() * 33);
      const inputs = new Uint8Array(count * players * recordBytes).map(() => Math.floor(rand() * 256));
      const presence = Array.from({ length: count }, () => {
        let m = 0n;
        for (let p = 0; p < players; p++) if (rand() < 0.6) m |= 1n << BigInt(p);
        return m;
      });
      const msg = decodeConfirmedMessage(encodeConfirmedMessage({ players, firstFrame: 7, count, inputs, offset: 0, presence, presenceOffset: 0 }, 40, 30, 1.5, recordBytes), recordBytes);
      expect([...msg.presence]).toEqual(presence);
      // Present records as sent, absent ones zero (a reference with BigInt masks).
      const expected = new Uint8Array(inputs.length);
      for (let f = 0; f < count; f++) {
        for (let p = 0; p < players; p++) {
          if (((presence[f]! >> BigInt(p)) & 1n) === 0n) continue;
          const at = (f * players + p) * recordBytes;
          expected.set(inputs.subarray(at, at + recordBytes), at);
        }
      }
      expect(msg.inputs).toEqual(expected);
    }
    for (const players of [1, 31, 32, 33, 40, 63]) {
      const records = new Uint8Array(64 * INPUT_BYTES);
      expect(() => encodeConfirmedMessage({ players, firstFrame: 0, count: 1, inputs: records, offset: 0, presence: [1n << BigInt(players)], presenceOffset: 0 }, 0, 0, 0, INPUT_BYTES)).toThrow(InvalidArgumentError);
      const ok = encodeConfirmedMessage({ players: 64, firstFrame: 0, count: 1, inputs: records, offset: 0, presence: [1n << BigInt(players)], presenceOffset: 0 }, 0, 0, 0, INPUT_BYTES);
      ok[2] = players; // the same bytes claiming fewer players
      expect(() => decodeConfirmedMessage(ok, INPUT_BYTES)).toThrow(DecodeError);
    }
  });

  it('HASH, STATE and RESYNC round-trip', () => {
    expect(decodeHashMessage(encodeHashMessage(120, 0xfedcba9876543210n))).toEqual({ frame: 120, hash: 0xfedcba9876543210n });
    const region = Uint8Array.from({ length: 96 }, (_, i) => i);
    const state = decodeStateMessage(encodeStateMessage(5, 42n, region));
    expect(state.frame).toBe(5);
    expect(state.hash).toBe(42n);
    expect(state.bytes).toEqual(region);
    expect(decodeResyncMessage(encodeResyncMessage(2, RESYNC_TOO_DEEP, 64, 7n))).toEqual({ player: 2, reason: RESYNC_TOO_DEEP, frame: 64, hash: 7n });
  });

  it('refuses to encode what it could not decode', () => {
    const records = new Uint8Array(40 * INPUT_BYTES);
    expect(() => encodeInputMessage(64, 0, 0, records, 0, 1, REFERENCE_INPUT_FORMAT)).toThrow(InvalidArgumentError);
    expect(() => encodeInputMessage(0, 0, 0, records, 0, 33, REFERENCE_INPUT_FORMAT)).toThrow(InvalidArgumentError);
    expect(() => encodeInputMessage(0, -1, 0, records, 0, 1, REFERENCE_INPUT_FORMAT)).toThrow(InvalidArgumentError);
    expect(() => encodeConfirmedMessage({ players: 2, firstFrame: 0, count: 1, inputs: records, offset: 0, presence: [0b100n], presenceOffset: 0 }, 0, 0, 0, INPUT_BYTES)).toThrow(InvalidArgumentError);
  });

  it('rejects truncated, padded, mutated and random bytes with DecodeError only, and what it accepts encodes back', () => {
    const records = randomInputs(mulberry32(3), 4);
    const tallies: Record<string, DecoderTally> = {
      INPUT: fuzz((b) => decodeInputMessage(b, CLIENT_INPUT_BYTES), (m, bytes) => {
        // Framing in range; the values of each input are the server's to check (clientInputProblem),
        // and the encoder strips buttons a client may not press: the rest is byte for byte.
        expect(m.player).toBeLessThan(64);
        expect(m.count).toBeGreaterThanOrEqual(1);
        expect(m.count).toBeLessThanOrEqual(32);
        expect(m.inputs.byteLength).toBe(m.count * CLIENT_INPUT_BYTES);
        const expected = bytes.slice();
        for (let k = 0; k < m.count; k++) expected[12 + k * CLIENT_INPUT_BYTES + IN_BUTTONS]! &= CLIENT_BUTTONS;
        expectSameBytes(encodeInputMessage(m.player, m.firstFrame, m.ackFrame, recordsOf(m.inputs, m.count), 0, m.count, REFERENCE_INPUT_FORMAT), expected, 'INPUT');
      }, encodeInputMessage(1, 10, 9, records, 0, 4, REFERENCE_INPUT_FORMAT), 10),
      CONFIRMED: fuzz((b) => decodeConfirmedMessage(b, INPUT_BYTES), (m, bytes) => {
        expect(m.inputs.byteLength).toBe(m.count * m.players * INPUT_BYTES);
        const frames = { players: m.players, firstFrame: m.firstFrame, count: m.count, inputs: m.inputs, offset: 0, presence: m.presence, presenceOffset: 0 };
        expectSameBytes(encodeConfirmedMessage(frames, m.serverFrame, m.inputAckFrame, m.inputLeadFrames, INPUT_BYTES), bytes, 'CONFIRMED');
      }, encodeConfirmedMessage({ players: 4, firstFrame: 3, count: 1, inputs: records, offset: 0, presence: [15n], presenceOffset: 0 }, 4, 3, 1, INPUT_BYTES), 11),
      HASH: fuzz(decodeHashMessage, (m, bytes) => expectSameBytes(encodeHashMessage(m.frame, m.hash), bytes, 'HASH'), encodeHashMessage(60, 1n), 12),
      STATE: fuzz(decodeStateMessage, (m, bytes) => expectSameBytes(encodeStateMessage(m.frame, m.hash, m.bytes), bytes, 'STATE'), encodeStateMessage(1, 1n, new Uint8Array(32)), 13),
      RESYNC: fuzz(decodeResyncMessage, (m, bytes) => expectSameBytes(encodeResyncMessage(m.player, m.reason, m.frame, m.hash), bytes, 'RESYNC'), encodeResyncMessage(1, 1, 1, 1n), 14),
    };
    for (const [name, t] of Object.entries(tallies)) {
      // Both outcomes are exercised: most inputs are refused, and dozens are accepted and checked.
      expect(t.accepted + t.rejected, name).toBe(3000);
      expect(t.accepted, name).toBeGreaterThanOrEqual(200);
      expect(t.rejected, name).toBeGreaterThanOrEqual(1500);
    }
    const padded = new Uint8Array(encodeHashMessage(60, 1n).length + 1);
    expect(() => decodeHashMessage(padded)).toThrow(DecodeError);
  });
});
