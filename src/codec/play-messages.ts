// Wire formats of a rollback room's session, the messages around the rollback channel
// (rollback-messages.ts): a client asks to PLAY or watch, the server answers with its room's
// JOIN (room-messages.ts: the game and the seat), then the full state in STATE_PART messages. All numbers little-endian; every
// message starts with its type byte and the version, and a decoder rejects the whole message
// (DecodeError) on any wrong type, version, length, reserved byte or value out of range.
//
// PLAY (client -> server), 4 bytes:
// | off | type | field                                               |
// |   0 | u8   | type = 0x41                                         |
// |   1 | u8   | version = 1                                         |
// |   2 | u8   | mode: 0 watch, 1 play                               |
// |   3 | u8   | reserved, 0                                         |
//
// STATE_PART (server -> client), 16 + n bytes: one piece of a rollback STATE message, which can
// outgrow one channel message (2,000 NPCs: 170 KB; 20,000: 1.2 MB).
// | off | type | field                                                                   |
// |   0 | u8   | type = 0x43                                                             |
// |   1 | u8   | version = 1                                                             |
// |   2 | u16  | part index (0..count-1), sent in order on a reliable-ordered channel    |
// |   4 | u16  | part count (1..MAX_STATE_PARTS)                                         |
// |   6 | u16  | reserved, 0                                                             |
// |   8 | u32  | transfer id (a new one per STATE sent to this client)                   |
// |  12 | u32  | total bytes of the STATE message                                        |
// |  16 | n    | bytes [index * STATE_PART_BYTES, ...) of it; every part but the last is |
// |     |      | exactly STATE_PART_BYTES                                                |

import { DecodeError, InvalidArgumentError } from '../core/errors.js';
import { MAX_STATE_BYTES, STATE_HEADER_BYTES } from './rollback-messages.js';

export const PLAY_VERSION = 1;
export const MSG_PLAY = 0x41;
export const MSG_STATE_PART = 0x43;
export const PLAY_BYTES = 4;
export const STATE_PART_HEADER_BYTES = 16;
/**
 * 224 KiB a part: under the network layer's 256 KiB message limit with room for headers, so a
 * 2,000-NPC world travels as one message and the largest (64 MiB) as 293 parts.
 */
export const STATE_PART_BYTES = 224 * 1024;
export const MAX_STATE_PARTS = Math.ceil((MAX_STATE_BYTES + STATE_HEADER_BYTES) / STATE_PART_BYTES);
export const SPECTATOR = 0xff;

export const MODE_WATCH = 0;
export const MODE_PLAY = 1;
export type PlayMode = 'watch' | 'play';

export const SPECTATOR_NOT = 0;
export const SPECTATOR_ASKED = 1;
export const SPECTATOR_FULL = 2;
export type SpectatorReason = 'player' | 'asked' | 'full';

export interface StatePart {
  index: number;
  count: number;
  transfer: number;
  totalBytes: number;
  /** A view into the received message. */
  bytes: Uint8Array;
}

function head(bytes: Uint8Array, type: number, name: string, exact?: number, min = 2): DataView {
  if (bytes.byteLength < (exact ?? min)) throw new DecodeError(`${name}: ${bytes.byteLength} bytes, shorter than ${exact ?? min}`);
  if (exact !== undefined && bytes.byteLength !== exact) throw new DecodeError(`${name}: ${bytes.byteLength} bytes, expected ${exact}`);
  if (bytes[0] !== type) throw new DecodeError(`${name}: type byte ${bytes[0]}, expected ${type}`);
  if (bytes[1] !== PLAY_VERSION) throw new DecodeError(`${name}: version ${bytes[1]}, expected ${PLAY_VERSION}`);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u32(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new InvalidArgumentError(`${name} must be a u32, got ${value}`);
  return value;
}

export function encodePlayMessage(mode: PlayMode): Uint8Array {
  return Uint8Array.of(MSG_PLAY, PLAY_VERSION, mode === 'play' ? MODE_PLAY : MODE_WATCH, 0);
}

export function decodePlayMessage(bytes: Uint8Array): PlayMode {
  head(bytes, MSG_PLAY, 'PLAY', PLAY_BYTES);
  if (bytes[3] !== 0) throw new DecodeError('PLAY: reserved byte is not zero');
  if (bytes[2] === MODE_PLAY) return 'play';
  if (bytes[2] === MODE_WATCH) return 'watch';
  throw new DecodeError(`PLAY: unknown mode ${bytes[2]}`);
}

/** Parts a STATE message of `totalBytes` travels in. */
export function statePartCount(totalBytes: number): number {
  return Math.max(1, Math.ceil(totalBytes / STATE_PART_BYTES));
}

/** Encodes part `index` of `state` (a rollback STATE message) for transfer `transfer`. */
export function encodeStatePart(state: Uint8Array, index: number, transfer: number): Uint8Array {
  const count = statePartCount(state.byteLength);
  if (count > MAX_STATE_PARTS) throw new InvalidArgumentError(`a STATE of ${state.byteLength} bytes needs ${count} parts, more than ${MAX_STATE_PARTS}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new InvalidArgumentError(`part index must be in [0, ${count - 1}], got ${index}`);
  const start = index * STATE_PART_BYTES;
  const end = Math.min(state.byteLength, start + STATE_PART_BYTES);
  const out = new Uint8Array(STATE_PART_HEADER_BYTES + end - start);
  const v = new DataView(out.buffer);
  out[0] = MSG_STATE_PART;
  out[1] = PLAY_VERSION;
  v.setUint16(2, index, true);
  v.setUint16(4, count, true);
  v.setUint32(8, u32('transfer', transfer), true);
  v.setUint32(12, state.byteLength, true);
  out.set(state.subarray(start, end), STATE_PART_HEADER_BYTES);
  return out;
}

export function decodeStatePart(bytes: Uint8Array): StatePart {
  const v = head(bytes, MSG_STATE_PART, 'STATE_PART', undefined, STATE_PART_HEADER_BYTES + 1);
  if (v.getUint16(6, true) !== 0) throw new DecodeError('STATE_PART: reserved bytes are not zero');
  const index = v.getUint16(2, true);
  const count = v.getUint16(4, true);
  const totalBytes = v.getUint32(12, true);
  if (totalBytes < STATE_HEADER_BYTES + 1 || totalBytes > MAX_STATE_BYTES + STATE_HEADER_BYTES) throw new DecodeError(`STATE_PART: total of ${totalBytes} bytes`);
  if (count !== statePartCount(totalBytes)) throw new DecodeError(`STATE_PART: ${count} parts for ${totalBytes} bytes, expected ${statePartCount(totalBytes)}`);
  if (index >= count) throw new DecodeError(`STATE_PART: part ${index} of ${count}`);
  const expected = Math.min(STATE_PART_BYTES, totalBytes - index * STATE_PART_BYTES);
  if (bytes.byteLength !== STATE_PART_HEADER_BYTES + expected) throw new DecodeError(`STATE_PART: ${bytes.byteLength} bytes, expected ${STATE_PART_HEADER_BYTES + expected} for part ${index} of ${count}`);
  return { index, count, transfer: v.getUint32(8, true), totalBytes, bytes: bytes.subarray(STATE_PART_HEADER_BYTES) };
}

/**
 * Reassembles STATE_PART messages into one STATE message. Parts must arrive in order (the
 * channel is reliable-ordered); a part 0 starts a new transfer and abandons an unfinished one.
 * Memory: one buffer of the largest state seen, at most `maxBytes`.
 */
export class StateAssembler {
  readonly maxBytes: number;
  private buffer = new Uint8Array(0);
  private transfer = -1;
  private next = 0;
  private total = 0;
  /** Parts refused: out of order, another transfer, larger than maxBytes, malformed. */
  rejected = 0;
  abandoned = 0;

  constructor(maxBytes: number) {
    if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_STATE_BYTES + STATE_HEADER_BYTES) throw new InvalidArgumentError(`maxBytes must be in [1, ${MAX_STATE_BYTES + STATE_HEADER_BYTES}], got ${maxBytes}`);
    this.maxBytes = maxBytes;
  }

  /** Adds a decoded part; returns the whole STATE message when it was the last one, else null. */
  add(part: StatePart): Uint8Array | null {
    if (part.index === 0) {
      if (this.next > 0) this.abandoned++;
      if (part.totalBytes > this.maxBytes) {
        this.rejected++;
        this.next = 0;
        return null;
      }
      if (this.buffer.byteLength < part.totalBytes) this.buffer = new Uint8Array(part.totalBytes);
      this.transfer = part.transfer;
      this.total = part.totalBytes;
      this.next = 0;
    } else if (part.transfer !== this.transfer || part.index !== this.next || part.totalBytes !== this.total) {
      this.rejected++;
      return null;
    }
    this.buffer.set(part.bytes, part.index * STATE_PART_BYTES);
    this.next = part.index + 1;
    if (this.next < part.count) return null;
    this.next = 0;
    return this.buffer.subarray(0, this.total);
  }
}
