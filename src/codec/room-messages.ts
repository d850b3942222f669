// The JOIN of a declared game's rollback room (arena mode: DeclaredRoomGame, DeclaredRoomHost).
// A client asks to PLAY or watch (play-messages.ts's PLAY), the server answers with this ROOM
// JOIN, which holds what the client needs to build a byte-identical room from the game's own
// module — the declaration's fingerprint (a client of another game refuses it), the store's
// capacity, the seats, the tick rate — and then sends the full state in STATE_PART messages,
// the confirmed inputs and the hashes (rollback-messages.ts), as every room does.
//
// ROOM JOIN (server -> client), 40 bytes, little-endian:
// | off | type | field                                                                  |
// |   0 | u8   | type = 0x44                                                            |
// |   1 | u8   | version = 1                                                            |
// |   2 | u8   | your seat (0..P-1), or 0xFF: spectator                                 |
// |   3 | u8   | seats P (1..64)                                                        |
// |   4 | u8   | why a spectator: 0 a player, 1 asked to watch, 2 the room is full      |
// |   5 | u8   | reserved, 0                                                            |
// |   6 | u16  | reserved, 0                                                            |
// |   8 | u32  | the declaration's fingerprint                                          |
// |  12 | u32  | store capacity (entity slots)                                          |
// |  16 | u32  | a HASH every this many frames                                          |
// |  20 | u32  | server frame when sent                                                 |
// |  24 | u32  | state bytes (the STATE that follows carries this many)                 |
// |  28 | u32  | reserved, 0                                                            |
// |  32 | f64  | tick rate, Hz                                                          |

import { DecodeError, InvalidArgumentError } from '../core/errors.js';
import { MAX_PLAYERS_PER_SESSION, MAX_STATE_BYTES } from './rollback-messages.js';
import { SPECTATOR, type SpectatorReason } from './play-messages.js';

export const MSG_ROOM_JOIN = 0x44;
export const ROOM_VERSION = 1;
export const ROOM_JOIN_BYTES = 40;
const REASONS: readonly SpectatorReason[] = ['player', 'asked', 'full'];

export interface RoomJoin {
  /** Seat number, or -1 for a spectator. */
  readonly player: number;
  readonly players: number;
  readonly spectatorReason: SpectatorReason;
  readonly fingerprint: number;
  readonly capacity: number;
  readonly hashEveryFrames: number;
  readonly serverFrame: number;
  readonly stateBytes: number;
  readonly tickHz: number;
}

function checkU32(name: string, value: number, min = 0): void {
  if (!Number.isInteger(value) || value < min || value > 0xffffffff) throw new InvalidArgumentError(`${name} must be an integer in [${min}, 2^32 - 1], got ${value}`);
}

export function encodeRoomJoin(j: RoomJoin): Uint8Array {
  if (!Number.isInteger(j.players) || j.players < 1 || j.players > MAX_PLAYERS_PER_SESSION) throw new InvalidArgumentError(`players must be in [1, ${MAX_PLAYERS_PER_SESSION}], got ${j.players}`);
  if (!Number.isInteger(j.player) || j.player < -1 || j.player >= j.players) throw new InvalidArgumentError(`player must be -1 or in [0, ${j.players - 1}], got ${j.player}`);
  const reason = REASONS.indexOf(j.spectatorReason);
  if (reason < 0) throw new InvalidArgumentError(`spectatorReason "${String(j.spectatorReason)}" is not one of ${REASONS.join(', ')}`);
  checkU32('fingerprint', j.fingerprint);
  checkU32('capacity', j.capacity, 1);
  checkU32('hashEveryFrames', j.hashEveryFrames, 1);
  checkU32('serverFrame', j.serverFrame);
  checkU32('stateBytes', j.stateBytes, 16);
  if (j.stateBytes > MAX_STATE_BYTES) throw new InvalidArgumentError(`stateBytes ${j.stateBytes} is past ${MAX_STATE_BYTES}`);
  if (!Number.isFinite(j.tickHz) || j.tickHz <= 0 || j.tickHz > 1000) throw new InvalidArgumentError(`tickHz must be in (0, 1000], got ${j.tickHz}`);
  const out = new Uint8Array(ROOM_JOIN_BYTES);
  const v = new DataView(out.buffer);
  out[0] = MSG_ROOM_JOIN;
  out[1] = ROOM_VERSION;
  out[2] = j.player < 0 ? SPECTATOR : j.player;
  out[3] = j.players;
  out[4] = reason;
  v.setUint32(8, j.fingerprint, true);
  v.setUint32(12, j.capacity, true);
  v.setUint32(16, j.hashEveryFrames, true);
  v.setUint32(20, j.serverFrame, true);
  v.setUint32(24, j.stateBytes, true);
  v.setFloat64(32, j.tickHz, true);
  return out;
}

/** Decodes a ROOM JOIN; DecodeError on a wrong type, version, length, reserved byte or value. */
export function decodeRoomJoin(bytes: Uint8Array): RoomJoin {
  if (bytes.byteLength !== ROOM_JOIN_BYTES) throw new DecodeError(`ROOM JOIN: ${bytes.byteLength} bytes, expected ${ROOM_JOIN_BYTES}`);
  if (bytes[0] !== MSG_ROOM_JOIN) throw new DecodeError(`ROOM JOIN: type byte ${bytes[0]}, expected ${MSG_ROOM_JOIN}`);
  if (bytes[1] !== ROOM_VERSION) throw new DecodeError(`ROOM JOIN: version ${bytes[1]}, expected ${ROOM_VERSION}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[5] !== 0 || v.getUint16(6, true) !== 0 || v.getUint32(28, true) !== 0) throw new DecodeError('ROOM JOIN: reserved bytes are not zero');
  const players = bytes[3]!;
  if (players < 1 || players > MAX_PLAYERS_PER_SESSION) throw new DecodeError(`ROOM JOIN: ${players} seats, expected 1..${MAX_PLAYERS_PER_SESSION}`);
  const seat = bytes[2]!;
  if (seat !== SPECTATOR && seat >= players) throw new DecodeError(`ROOM JOIN: seat ${seat} of ${players}`);
  const spectatorReason = REASONS[bytes[4]!];
  if (spectatorReason === undefined) throw new DecodeError(`ROOM JOIN: spectator reason ${bytes[4]}`);
  if ((seat === SPECTATOR) !== (spectatorReason !== 'player')) throw new DecodeError('ROOM JOIN: seat and spectator reason disagree');
  const capacity = v.getUint32(12, true);
  const hashEveryFrames = v.getUint32(16, true);
  const stateBytes = v.getUint32(24, true);
  const tickHz = v.getFloat64(32, true);
  if (capacity < 1) throw new DecodeError('ROOM JOIN: capacity 0');
  if (hashEveryFrames < 1) throw new DecodeError('ROOM JOIN: a hash every 0 frames');
  if (stateBytes < 16 || stateBytes > MAX_STATE_BYTES) throw new DecodeError(`ROOM JOIN: state of ${stateBytes} bytes`);
  if (!Number.isFinite(tickHz) || tickHz <= 0 || tickHz > 1000) throw new DecodeError(`ROOM JOIN: tick rate ${tickHz}`);
  return {
    player: seat === SPECTATOR ? -1 : seat,
    players,
    spectatorReason,
    fingerprint: v.getUint32(8, true),
    capacity,
    hashEveryFrames,
    serverFrame: v.getUint32(20, true),
    stateBytes,
    tickHz,
  };
}
