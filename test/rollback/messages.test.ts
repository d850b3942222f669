// Wire formats of the rollback channel (src/codec/rollback-*): every message round-trips through
// its decoder into an equal value, and decoders reject every malformed variant with DecodeError
// and nothing else.

import { describe, expect, it } from 'vitest';
import {
  decodeConfirmedMessage, decodeHashMessage, decodeInputMessage, decodeResyncMessage, decodeStateMessage,
  encodeConfirmedMessage, encodeHashMessage, encodeInputMessage, encodeResyncMessage, encodeStateMessage,
  CONFIRMED_HEADER_BYTES, NO_FRAME, RESYNC_TOO_DEEP,
} from '../../src/codec/rollback-messages.js';
import { BUTTON_FIRE, BUTTON_PRESENT, BUTTON_SHOOT, CLIENT_INPUT_BYTES, INPUT_BYTES, NO_TARGET, readInput, writeInput } from '../../src/codec/rollback-input.js';
import { DecodeError, InvalidArgumentError } from '../../src/core/errors.js';
import { mulberry32, randomInputs } from './fixtures.js';

function expectOnlyDecodeErrors(decode: (bytes: Uint8Array) => unknown, template: Uint8Array, seed: number): void {
  const rand = mulberry32(seed);
  for (let i = 0; i < 3000; i++) {
    const bytes = i % 3 === 0 ? Uint8Array.from({ length: Math.floor(rand() * 80) }, () => Math.floor(rand() * 256)) : template.slice(0, Math.floor(rand() * (template.length + 3)));
    if (i % 3 === 2 && bytes.length > 0) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
    try {
      decode(bytes);
    } catch (err) {
      expect(err).toBeInstanceOf(DecodeError);
    }
  }
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
    const msg = decodeInputMessage(encodeInputMessage(3, 1000, 990, records, 0, 5));
    expect(msg).toMatchObject({ player: 3, firstFrame: 1000, count: 5, ackFrame: 990 });
    for (let k = 0; k < 5; k++) {
      const sent = records.subarray(k * INPUT_BYTES, k * INPUT_BYTES + CLIENT_INPUT_BYTES).slice();
      sent[2] = sent[2]! & (BUTTON_FIRE | BUTTON_SHOOT);
      expect(msg.inputs.subarray(k * CLIENT_INPUT_BYTES, (k + 1) * CLIENT_INPUT_BYTES)).toEqual(sent);
    }
    expect(decodeInputMessage(encodeInputMessage(0, 0, NO_FRAME, records, 0, 1)).ackFrame).toBe(NO_FRAME);
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
    const bytes = encodeConfirmedMessage({ players, firstFrame: 77, count, inputs, offset: 0, presence, presenceOffset: 0 }, 90, 85, -1.5);
    expect(bytes.byteLength).toBe(CONFIRMED_HEADER_BYTES + count * 8 + (6 + 2 + 0 + 1) * INPUT_BYTES);
    const msg = decodeConfirmedMessage(bytes);
    expect(msg).toMatchObject({ players, firstFrame: 77, count, serverFrame: 90, inputAckFrame: 85, inputLeadFrames: -1.5 });
    expect(Array.from(msg.presence)).toEqual(presence);
    expect(msg.inputs).toEqual(inputs);
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
    expect(() => encodeInputMessage(64, 0, 0, records, 0, 1)).toThrow(InvalidArgumentError);
    expect(() => encodeInputMessage(0, 0, 0, records, 0, 33)).toThrow(InvalidArgumentError);
    expect(() => encodeInputMessage(0, -1, 0, records, 0, 1)).toThrow(InvalidArgumentError);
    expect(() => encodeConfirmedMessage({ players: 2, firstFrame: 0, count: 1, inputs: records, offset: 0, presence: [0b100n], presenceOffset: 0 }, 0, 0, 0)).toThrow(InvalidArgumentError);
  });

  it('rejects truncated, padded, mutated and random bytes with DecodeError only', () => {
    const records = randomInputs(mulberry32(3), 4);
    expectOnlyDecodeErrors(decodeInputMessage, encodeInputMessage(1, 10, 9, records, 0, 4), 10);
    expectOnlyDecodeErrors(decodeConfirmedMessage, encodeConfirmedMessage({ players: 4, firstFrame: 3, count: 1, inputs: records, offset: 0, presence: [15n], presenceOffset: 0 }, 4, 3, 1), 11);
    expectOnlyDecodeErrors(decodeHashMessage, encodeHashMessage(60, 1n), 12);
    expectOnlyDecodeErrors(decodeStateMessage, encodeStateMessage(1, 1n, new Uint8Array(32)), 13);
    expectOnlyDecodeErrors(decodeResyncMessage, encodeResyncMessage(1, 1, 1, 1n), 14);
    const padded = new Uint8Array(encodeHashMessage(60, 1n).length + 1);
    expect(() => decodeHashMessage(padded)).toThrow(DecodeError);
  });
});
