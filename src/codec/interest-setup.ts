// The two small messages around a client's interest-managed snapshots (besides the codec
// params and events of snapshot-spec.ts): the server tells a client the geometry of its area
// of interest, so a page can draw its rings; a spectator tells the server where it is looking.
//
// INTEREST_SETUP, server -> client, reliable, little-endian, 21 bytes:
// | off | type | field                                                  |
// |   0 | u8   | type = MSG_INTEREST_SETUP                              |
// |   1 | f32  | AoI radius, m (a body enters inside r (1 - h))         |
// |   5 | f32  | hysteresis h (it leaves outside r (1 + h))             |
// |   9 | f32  | immediate zone radius, m (60 Hz inside)                |
// |  13 | f32  | near zone radius, m (20 Hz)                            |
// |  17 | f32  | awareness zone radius, m (5 Hz; beyond it 1 Hz)        |
//
// INTEREST_ACK, client -> server, unreliable, 2 + 4 n bytes (1 <= n <= MAX_ACKS_PER_MESSAGE):
// | off | type  | field                                                 |
// |   0 | u8    | type = MSG_INTEREST_ACK                               |
// |   1 | u8    | n                                                     |
// |   2 | u32[] | seqs of the snapshots the client applied since the   |
// |     |       | last INTEREST_ACK                                     |
// The server deltas only against what a client's view holds: a snapshot the network delivered
// but the view did not apply (older than its newest, or before the codec params) is not acked,
// so its records count as lost and go again. A lost ACK costs the same, nothing worse.
//
// INTEREST_VIEWER, client -> server, reliable, 9 bytes:
// | off | type | field                                                  |
// |   0 | u8   | type = MSG_INTEREST_VIEWER                             |
// |   1 | f32  | x, m (a spectator's camera centre)                     |
// |   5 | f32  | y, m                                                   |

import { DecodeError, InvalidValueError } from '../core/errors.js';

export const MSG_INTEREST_SETUP = 0xc8;
export const MSG_INTEREST_VIEWER = 0xc9;
export const INTEREST_SETUP_BYTES = 21;
export const INTEREST_VIEWER_BYTES = 9;
export const MSG_INTEREST_ACK = 0xca;
/** A client applies at most one snapshot a tick: 16 covers a quarter second of its updates. */
export const MAX_ACKS_PER_MESSAGE = 16;

export interface InterestSetup {
  radiusM: number;
  hysteresis: number;
  immediateM: number;
  nearM: number;
  awarenessM: number;
}

const SETUP_FIELDS = ['radiusM', 'hysteresis', 'immediateM', 'nearM', 'awarenessM'] as const;

export function encodeInterestSetup(s: InterestSetup): Uint8Array {
  const out = new Uint8Array(INTEREST_SETUP_BYTES);
  const v = new DataView(out.buffer);
  v.setUint8(0, MSG_INTEREST_SETUP);
  SETUP_FIELDS.forEach((field, i) => {
    const value = s[field];
    if (!Number.isFinite(value) || value < 0) throw new InvalidValueError(`interest setup ${field}`, value, 'must be finite and >= 0');
    v.setFloat32(1 + i * 4, value, true);
  });
  return out;
}

export function decodeInterestSetup(bytes: Uint8Array): InterestSetup {
  if (bytes.byteLength !== INTEREST_SETUP_BYTES) throw new DecodeError(`interest setup: ${bytes.byteLength} bytes, expected ${INTEREST_SETUP_BYTES}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint8(0) !== MSG_INTEREST_SETUP) throw new DecodeError(`interest setup: type ${v.getUint8(0)}, expected ${MSG_INTEREST_SETUP}`);
  const values = SETUP_FIELDS.map((field, i) => {
    const value = v.getFloat32(1 + i * 4, true);
    if (!Number.isFinite(value) || value < 0) throw new DecodeError(`interest setup: ${field} is ${value}`);
    return value;
  });
  const [radiusM, hysteresis, immediateM, nearM, awarenessM] = values as [number, number, number, number, number];
  if (!(immediateM <= nearM && nearM <= awarenessM) || hysteresis >= 1) throw new DecodeError('interest setup: zones out of order or hysteresis >= 1');
  return { radiusM, hysteresis, immediateM, nearM, awarenessM };
}

export function encodeInterestViewer(x: number, y: number): Uint8Array {
  if (!Number.isFinite(x) || !Number.isFinite(y)) throw new InvalidValueError('viewer position', `(${x}, ${y})`, 'must be finite');
  const out = new Uint8Array(INTEREST_VIEWER_BYTES);
  const v = new DataView(out.buffer);
  v.setUint8(0, MSG_INTEREST_VIEWER);
  v.setFloat32(1, x, true);
  v.setFloat32(5, y, true);
  return out;
}

/** The viewer position in metres; the caller checks it against its world's bounds. */
export function decodeInterestViewer(bytes: Uint8Array): [number, number] {
  if (bytes.byteLength !== INTEREST_VIEWER_BYTES) throw new DecodeError(`interest viewer: ${bytes.byteLength} bytes, expected ${INTEREST_VIEWER_BYTES}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint8(0) !== MSG_INTEREST_VIEWER) throw new DecodeError(`interest viewer: type ${v.getUint8(0)}, expected ${MSG_INTEREST_VIEWER}`);
  const x = v.getFloat32(1, true), y = v.getFloat32(5, true);
  if (!Number.isFinite(x) || !Number.isFinite(y)) throw new DecodeError(`interest viewer: position (${x}, ${y}) is not finite`);
  return [x, y];
}

export function encodeInterestAck(seqs: readonly number[]): Uint8Array {
  if (seqs.length < 1 || seqs.length > MAX_ACKS_PER_MESSAGE) throw new InvalidValueError('interest ack count', seqs.length, `must be in [1, ${MAX_ACKS_PER_MESSAGE}]`);
  const out = new Uint8Array(2 + 4 * seqs.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, MSG_INTEREST_ACK);
  v.setUint8(1, seqs.length);
  seqs.forEach((seq, i) => v.setUint32(2 + 4 * i, seq >>> 0, true));
  return out;
}

/** Calls `ack` for each seq of an INTEREST_ACK; throws DecodeError (before any call) on a malformed one. */
export function decodeInterestAck(bytes: Uint8Array, ack: (seq: number) => void): void {
  const n = bytes.byteLength >= 2 ? bytes[1]! : 0;
  if (bytes[0] !== MSG_INTEREST_ACK) throw new DecodeError(`interest ack: type ${bytes[0]}, expected ${MSG_INTEREST_ACK}`);
  if (n < 1 || n > MAX_ACKS_PER_MESSAGE || bytes.byteLength !== 2 + 4 * n) throw new DecodeError(`interest ack: ${bytes.byteLength} bytes for ${n} seqs`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) ack(v.getUint32(2 + 4 * i, true));
}
