// Broadcast events on the reliable channel: an explosion, a chat line, a world announcement,
// encoded once and sent as the same bytes to every recipient interest management found in its
// range. (Unreliable events ride inside each recipient's snapshot instead; see
// assembly/codec/snapshot-spec.ts.)
//
// EVENT message, little-endian, 24 + length bytes:
// | off | type | field                                     |
// |   0 | u8   | type = MSG_EVENT                          |
// |   1 | u8   | kind (game-defined)                       |
// |   2 | u16  | payload length (at most PAYLOAD_MAX)      |
// |   4 | u32  | server tick it happened on                |
// |   8 | i32  | x (Q16 m)                                 |
// |  12 | i32  | y                                         |
// |  16 | i32  | z                                         |
// |  20 | f32  | range, m (+inf: the whole world)          |
// |  24 | u8[] | payload                                   |

import { DecodeError, InvalidArgumentError } from '../core/errors.js';
import { FX_ONE, fitsQ16 } from '../core/fixed.js';
import { MSG_EVENT, PAYLOAD_MAX } from './snapshot-spec.js';

export const EVENT_HEADER_BYTES = 24;

export interface BroadcastEvent {
  kind: number;
  tick: number;
  /** Metres (Q16 on the wire). */
  x: number;
  y: number;
  z: number;
  rangeM: number;
  payload: Uint8Array;
}

export function encodeEvent(e: BroadcastEvent): Uint8Array {
  if (!Number.isInteger(e.kind) || e.kind < 0 || e.kind > 255) throw new InvalidArgumentError(`event kind must be a u8, got ${e.kind}`);
  if (e.payload.byteLength > PAYLOAD_MAX) throw new InvalidArgumentError(`event payload is ${e.payload.byteLength} bytes, at most ${PAYLOAD_MAX}`);
  for (const [name, v] of [['x', e.x], ['y', e.y], ['z', e.z]] as const) {
    if (!fitsQ16(v)) throw new InvalidArgumentError(`event ${name} = ${v} is not a Q16 coordinate`);
  }
  const out = new Uint8Array(EVENT_HEADER_BYTES + e.payload.byteLength);
  const v = new DataView(out.buffer);
  v.setUint8(0, MSG_EVENT);
  v.setUint8(1, e.kind);
  v.setUint16(2, e.payload.byteLength, true);
  v.setUint32(4, e.tick >>> 0, true);
  v.setInt32(8, Math.round(e.x * FX_ONE), true);
  v.setInt32(12, Math.round(e.y * FX_ONE), true);
  v.setInt32(16, Math.round(e.z * FX_ONE), true);
  v.setFloat32(20, e.rangeM, true);
  out.set(e.payload, EVENT_HEADER_BYTES);
  return out;
}

/** Decodes an EVENT message; the payload is a view into `bytes`. Throws DecodeError. */
export function decodeEvent(bytes: Uint8Array): BroadcastEvent {
  if (bytes.byteLength < EVENT_HEADER_BYTES) throw new DecodeError(`event: ${bytes.byteLength} bytes, need at least ${EVENT_HEADER_BYTES}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint8(0) !== MSG_EVENT) throw new DecodeError(`event: type ${v.getUint8(0)}, expected ${MSG_EVENT}`);
  const length = v.getUint16(2, true);
  if (length > PAYLOAD_MAX || EVENT_HEADER_BYTES + length !== bytes.byteLength) {
    throw new DecodeError(`event: payload length ${length} does not match ${bytes.byteLength} bytes`);
  }
  const rangeM = v.getFloat32(20, true);
  if (Number.isNaN(rangeM) || rangeM < 0) throw new DecodeError(`event: range ${rangeM} is not a distance`);
  return {
    kind: v.getUint8(1),
    tick: v.getUint32(4, true),
    x: v.getInt32(8, true) / FX_ONE,
    y: v.getInt32(12, true) / FX_ONE,
    z: v.getInt32(16, true) / FX_ONE,
    rangeM,
    payload: bytes.subarray(EVENT_HEADER_BYTES),
  };
}
