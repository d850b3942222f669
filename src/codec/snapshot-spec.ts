// Snapshot wire vocabulary on the TypeScript side: the message types, the session's codec
// parameters and why a message was rejected. The bit-level format is defined with its table in
// assembly/codec/snapshot-spec.ts (encoder: assembly/interest/encode.ts, decoder:
// assembly/codec/snapshot-decode.ts); these numbers must equal it.
//
// CODEC PARAMS message (9 bytes): everything a client needs to decode this server's snapshots.
// | off | type | field                                                    |
// |   0 | u8   | type = MSG_CODEC_PARAMS                                  |
// |   1 | u8   | version = SNAPSHOT_VERSION                               |
// |   2 | u8   | handle bits (1..16)                                      |
// |   3 | u8   | position shift (wire unit = 2^shift Q16 units)          |
// |   4 | u8   | velocity shift                                           |
// |   5 | u8   | yaw bits (2..16)                                         |
// |   6 | u8   | quaternion bits per component (2..10)                    |
// |   7 | u8   | reference cell shift (cell = 2^shift wire units)         |
// |   8 | u8   | rotation mode (bits 0-1: 0 none, 1 yaw, 2 quaternion),   |
// |     |      | bit 2: velocity replicated                               |

import { DecodeError } from '../core/errors.js';

export const MSG_SNAPSHOT = 0xc5;
export const MSG_CODEC_PARAMS = 0xc6;
export const MSG_EVENT = 0xc7;
export const SNAPSHOT_VERSION = 1;
export const CODEC_PARAMS_BYTES = 9;
/** Baselines a client keeps per handle (the newest records it received). */
export const BASELINE_WINDOW = 32;
export const EVENTS_MAX = 255;
export const PAYLOAD_MAX = 255;

export type RotationMode = 'none' | 'yaw' | 'quaternion';
export const ROTATION_MODES: readonly RotationMode[] = ['none', 'yaw', 'quaternion'];

export interface CodecParams {
  readonly handleBits: number;
  readonly posShift: number;
  readonly velShift: number;
  readonly yawBits: number;
  readonly quatBits: number;
  readonly cellShift: number;
  readonly rotation: RotationMode;
  readonly velocity: boolean;
}

/** Rejection reasons of snapshot_decode, by negative result code. */
export const DECODE_REASONS: Readonly<Record<number, string>> = Object.freeze({
  [-1]: 'truncated',
  [-2]: 'not_a_snapshot',
  [-3]: 'bad_version',
  [-4]: 'handle_bits_mismatch',
  [-5]: 'no_sequence_reference',
  [-6]: 'stale',
  [-7]: 'handle_out_of_range',
  [-8]: 'duplicate_handle',
  [-9]: 'unknown_baseline',
  [-10]: 'unknown_entity',
  [-11]: 'count_too_large',
  [-12]: 'no_reference_cell',
  [-13]: 'trailing_bytes',
  [-14]: 'baseline_from_future',
  [-15]: 'no_previous_baseline',
});
export const DECODE_STALE = -6;

export function checkCodecParams(p: CodecParams): void {
  const bad = (what: string, v: unknown): never => {
    throw new DecodeError(`codec params: ${what} = ${String(v)} is out of range`);
  };
  if (!Number.isInteger(p.handleBits) || p.handleBits < 2 || p.handleBits > 16) bad('handleBits', p.handleBits);
  if (!Number.isInteger(p.posShift) || p.posShift < 0 || p.posShift > 16) bad('posShift', p.posShift);
  if (!Number.isInteger(p.velShift) || p.velShift < 0 || p.velShift > p.posShift) bad('velShift', p.velShift);
  if (!Number.isInteger(p.yawBits) || p.yawBits < 2 || p.yawBits > 16) bad('yawBits', p.yawBits);
  if (!Number.isInteger(p.quatBits) || p.quatBits < 2 || p.quatBits > 10) bad('quatBits', p.quatBits);
  if (!Number.isInteger(p.cellShift) || p.cellShift < 0 || p.cellShift > 24) bad('cellShift', p.cellShift);
  if (!ROTATION_MODES.includes(p.rotation)) bad('rotation', p.rotation);
}

export function encodeCodecParams(p: CodecParams): Uint8Array {
  checkCodecParams(p);
  const mode = ROTATION_MODES.indexOf(p.rotation);
  return Uint8Array.of(
    MSG_CODEC_PARAMS, SNAPSHOT_VERSION, p.handleBits, p.posShift, p.velShift, p.yawBits, p.quatBits, p.cellShift,
    mode | (p.velocity ? 4 : 0),
  );
}

export function decodeCodecParams(bytes: Uint8Array): CodecParams {
  if (bytes.byteLength !== CODEC_PARAMS_BYTES) throw new DecodeError(`codec params: ${bytes.byteLength} bytes, expected ${CODEC_PARAMS_BYTES}`);
  if (bytes[0] !== MSG_CODEC_PARAMS) throw new DecodeError(`codec params: type ${bytes[0]}, expected ${MSG_CODEC_PARAMS}`);
  if (bytes[1] !== SNAPSHOT_VERSION) throw new DecodeError(`codec params: version ${bytes[1]}, this decoder speaks ${SNAPSHOT_VERSION}`);
  const flags = bytes[8]!;
  if ((flags & ~7) !== 0 || (flags & 3) === 3) throw new DecodeError(`codec params: flags ${flags} are not defined`);
  const params: CodecParams = {
    handleBits: bytes[2]!,
    posShift: bytes[3]!,
    velShift: bytes[4]!,
    yawBits: bytes[5]!,
    quatBits: bytes[6]!,
    cellShift: bytes[7]!,
    rotation: ROTATION_MODES[flags & 3]!,
    velocity: (flags & 4) !== 0,
  };
  checkCodecParams(params);
  return params;
}
