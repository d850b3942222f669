// Decoders against random and mutated bytes, counted: each input is either rejected with a
// DecodeError (anything else thrown fails the test) or accepted, and an accepted value is
// handed to a check that it lies within its format's ranges — typically by encoding it again:
// the encoders refuse what the format cannot carry, and a decoder that read every field where
// the format puts it gives back the same bytes. The caller asserts that both counts are
// non-trivial, so a fuzz loop cannot pass by rejecting everything or by accepting everything.

import { expect } from 'vitest';
import { DecodeError } from '../../src/core/errors.js';

export interface DecoderTally {
  accepted: number;
  rejected: number;
}

export function newTally(): DecoderTally {
  return { accepted: 0, rejected: 0 };
}

export function tallyDecode<T>(tally: DecoderTally, decode: (bytes: Uint8Array) => T, check: (value: T, bytes: Uint8Array) => void, bytes: Uint8Array): void {
  let value: T;
  try {
    value = decode(bytes);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    tally.rejected++;
    return;
  }
  tally.accepted++;
  check(value, bytes);
}

/** Byte equality with the first differing offset in the message (toEqual on bytes is slow and long). */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))) return;
  const at = actual.findIndex((b, i) => b !== expected[i]);
  expect.fail(`${what}: ${actual.byteLength} bytes vs ${expected.byteLength}, first difference at byte ${at}`);
}
