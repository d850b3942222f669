// Messages of a declared game's session (src/server/declared-server.ts, src/client/declared-client.ts),
// besides the GAME SNAPSHOTs of game-frames.ts. Little-endian.
//
// GAME JOIN (server -> client, reliable): who the client plays and how to read the stream.
// | off | type | field                                                                     |
// |   0 | u8   | type = MSG_GAME_JOIN                                                      |
// |   1 | u8   | DECLARED_VERSION                                                          |
// |   2 | u32  | the game's fingerprint (a client of another declaration refuses the join) |
// |   6 | u16  | tick rate, Hz                                                             |
// |   8 | u16  | view capacity: most entities a snapshot view holds                        |
// |  10 | u32  | the player's number (its owner id: owner-only fields of entities it owns)  |
// |  14 | u32  | the player's avatar entity id                                             |
// |  18 | u8   | n, then n bytes of the game's name (UTF-8)                                 |
//
// GAME INPUT (client -> server, unreliable-sequenced): the newest inputs, oldest first, each
// repeated in a few messages; the server queues those it has not seen and hands the game one a
// tick, so an input that lasted one frame (a jump) is not lost between two sends.
// | off | type | field                                                                     |
// |   0 | u8   | type = MSG_GAME_INPUT                                                     |
// |   1 | u8   | n, 1..MAX_GAME_INPUTS, in the low 7 bits; bit 7 (INPUT_STREAM): the      |
// |     |      |   client sends one input a tick and predicts each (DeclaredPredictor): a |
// |     |      |   tick the server has none for applies none, instead of repeating the    |
// |     |      |   last, so each input acts exactly once, as it did in the prediction      |
// |   2 | u32  | sequence of the first record (each next one +1)                           |
// |   6 | n r  | records of the declaration's input (GameInputCodec, r bytes each)         |
//
// GAME ACK (client -> server, unreliable-sequenced): the newest snapshot decoded.
// | off | type | field                                                                     |
// |   0 | u8   | type = MSG_GAME_ACK                                                       |
// |   1 | u32  | snapshot seq                                                              |
//
// GAME WATCH (client -> server, unreliable-sequenced, on the input channel): the client
// watches from here on, from a camera at (x, y) metres; sent again as the camera moves (the
// newest counts). Its avatar leaves the game at the first one.
// | off | type | field                                                                     |
// |   0 | u8   | type = MSG_GAME_WATCH                                                     |
// |   1 | f64  | x, metres (finite, within +-WATCH_LIMIT_M)                                |
// |   9 | f64  | y, metres                                                                 |

import { DecodeError, InvalidArgumentError } from '../core/errors.js';

export const MSG_GAME_JOIN = 0x61;
export const MSG_GAME_INPUT = 0x62;
export const MSG_GAME_ACK = 0x63;
export const MSG_GAME_WATCH = 0x64;
export const GAME_WATCH_BYTES = 17;
/** The farthest a camera may be from the origin on either axis, metres. */
export const WATCH_LIMIT_M = 1_000_000;
export const DECLARED_VERSION = 1;
export const GAME_JOIN_FIXED_BYTES = 19;
export const GAME_INPUT_HEADER_BYTES = 6;
export const MAX_GAME_INPUTS = 8;
/** GAME INPUT byte 1, bit 7: a stream of one input a tick (see the table above). */
export const INPUT_STREAM = 0x80;
export const GAME_ACK_BYTES = 5;
const MAX_NAME_BYTES = 64;

export interface GameJoin {
  readonly fingerprint: number;
  readonly tickHz: number;
  readonly viewCapacity: number;
  readonly player: number;
  readonly avatarId: number;
  readonly name: string;
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export function encodeGameJoin(j: GameJoin): Uint8Array {
  const name = utf8.encode(j.name);
  if (name.byteLength > MAX_NAME_BYTES) throw new InvalidArgumentError(`game name of ${name.byteLength} bytes: at most ${MAX_NAME_BYTES}`);
  for (const [k, v, max] of [['tickHz', j.tickHz, 1000], ['viewCapacity', j.viewCapacity, 0xffff], ['player', j.player, 0xffffffff], ['avatarId', j.avatarId, 0xffffffff], ['fingerprint', j.fingerprint, 0xffffffff]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new InvalidArgumentError(`${k} ${v} is not an integer in [0, ${max}]`);
  }
  const out = new Uint8Array(GAME_JOIN_FIXED_BYTES + name.byteLength);
  const v = new DataView(out.buffer);
  out[0] = MSG_GAME_JOIN;
  out[1] = DECLARED_VERSION;
  v.setUint32(2, j.fingerprint, true);
  v.setUint16(6, j.tickHz, true);
  v.setUint16(8, j.viewCapacity, true);
  v.setUint32(10, j.player, true);
  v.setUint32(14, j.avatarId, true);
  out[18] = name.byteLength;
  out.set(name, GAME_JOIN_FIXED_BYTES);
  return out;
}

export function decodeGameJoin(bytes: Uint8Array): GameJoin {
  if (bytes.byteLength < GAME_JOIN_FIXED_BYTES) throw new DecodeError(`GAME JOIN: ${bytes.byteLength} bytes, too short`);
  if (bytes[0] !== MSG_GAME_JOIN) throw new DecodeError(`GAME JOIN: type byte ${bytes[0]}`);
  if (bytes[1] !== DECLARED_VERSION) throw new DecodeError(`GAME JOIN: version ${bytes[1]}, this client speaks ${DECLARED_VERSION}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes[18]!;
  if (n > MAX_NAME_BYTES || bytes.byteLength !== GAME_JOIN_FIXED_BYTES + n) throw new DecodeError(`GAME JOIN: ${bytes.byteLength} bytes for a ${n}-byte name`);
  let name: string;
  try {
    name = utf8Strict.decode(bytes.subarray(GAME_JOIN_FIXED_BYTES));
  } catch {
    throw new DecodeError('GAME JOIN: the name is not UTF-8');
  }
  const tickHz = v.getUint16(6, true);
  const viewCapacity = v.getUint16(8, true);
  if (tickHz < 1 || tickHz > 1000) throw new DecodeError(`GAME JOIN: tick rate ${tickHz} Hz`);
  if (viewCapacity < 1) throw new DecodeError('GAME JOIN: view capacity 0');
  return { fingerprint: v.getUint32(2, true), tickHz, viewCapacity, player: v.getUint32(10, true), avatarId: v.getUint32(14, true), name };
}

/** Writes a GAME INPUT of `count` records (record i written by `write(i, out, offset)`) into out. */
export function encodeGameInput(firstSeq: number, count: number, recordBytes: number, write: (i: number, out: Uint8Array, offset: number) => void, out: Uint8Array, stream = false): Uint8Array {
  if (!Number.isInteger(count) || count < 1 || count > MAX_GAME_INPUTS) throw new InvalidArgumentError(`${count} inputs: 1 to ${MAX_GAME_INPUTS}`);
  if (!Number.isInteger(firstSeq) || firstSeq < 0 || firstSeq + count - 1 > 0xffffffff) throw new InvalidArgumentError(`input sequence ${firstSeq} out of range`);
  const length = GAME_INPUT_HEADER_BYTES + count * recordBytes;
  if (out.byteLength < length) throw new InvalidArgumentError(`a ${length}-byte GAME INPUT does not fit ${out.byteLength} bytes`);
  out[0] = MSG_GAME_INPUT;
  out[1] = count | (stream ? INPUT_STREAM : 0);
  new DataView(out.buffer, out.byteOffset).setUint32(2, firstSeq, true);
  for (let i = 0; i < count; i++) write(i, out, GAME_INPUT_HEADER_BYTES + i * recordBytes);
  return out.subarray(0, length);
}

/**
 * Calls `record(seq, offset)` for each record of a GAME INPUT, oldest first, and returns whether
 * the message is a stream's (INPUT_STREAM). Throws DecodeError (before calling anything) when
 * the framing is wrong.
 */
export function forEachGameInput(bytes: Uint8Array, recordBytes: number, record: (seq: number, offset: number) => void): boolean {
  if (bytes.byteLength < GAME_INPUT_HEADER_BYTES + recordBytes) throw new DecodeError(`GAME INPUT: ${bytes.byteLength} bytes, too short`);
  if (bytes[0] !== MSG_GAME_INPUT) throw new DecodeError(`GAME INPUT: type byte ${bytes[0]}`);
  const count = bytes[1]! & ~INPUT_STREAM;
  if (count < 1 || count > MAX_GAME_INPUTS) throw new DecodeError(`GAME INPUT: ${count} records`);
  if (bytes.byteLength !== GAME_INPUT_HEADER_BYTES + count * recordBytes) throw new DecodeError(`GAME INPUT: ${bytes.byteLength} bytes for ${count} records`);
  const first = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(2, true);
  if (first + count - 1 > 0xffffffff) throw new DecodeError('GAME INPUT: sequence past 2^32');
  for (let i = 0; i < count; i++) record(first + i, GAME_INPUT_HEADER_BYTES + i * recordBytes);
  return (bytes[1]! & INPUT_STREAM) !== 0;
}

export function encodeGameAck(seq: number, out: Uint8Array = new Uint8Array(GAME_ACK_BYTES)): Uint8Array {
  out[0] = MSG_GAME_ACK;
  new DataView(out.buffer, out.byteOffset).setUint32(1, seq >>> 0, true);
  return out.subarray(0, GAME_ACK_BYTES);
}

export function decodeGameAck(bytes: Uint8Array): number {
  if (bytes.byteLength !== GAME_ACK_BYTES || bytes[0] !== MSG_GAME_ACK) throw new DecodeError(`GAME ACK: ${bytes.byteLength} bytes, type ${bytes[0]}`);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1, true);
}

export function encodeGameWatch(xM: number, yM: number): Uint8Array {
  for (const [name, v] of [['x', xM], ['y', yM]] as const) {
    if (!Number.isFinite(v) || Math.abs(v) > WATCH_LIMIT_M) throw new InvalidArgumentError(`the camera's ${name} must be finite and within ±${WATCH_LIMIT_M} m, got ${v}`);
  }
  const out = new Uint8Array(GAME_WATCH_BYTES);
  const v = new DataView(out.buffer);
  out[0] = MSG_GAME_WATCH;
  v.setFloat64(1, xM, true);
  v.setFloat64(9, yM, true);
  return out;
}

/** The camera a GAME WATCH names; DecodeError for a wrong length or type, or a point not finite or too far. */
export function decodeGameWatch(bytes: Uint8Array): { xM: number; yM: number } {
  if (bytes.byteLength !== GAME_WATCH_BYTES || bytes[0] !== MSG_GAME_WATCH) throw new DecodeError(`GAME WATCH: ${bytes.byteLength} bytes of type ${bytes[0]}, expected ${GAME_WATCH_BYTES} of type ${MSG_GAME_WATCH}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const xM = v.getFloat64(1, true);
  const yM = v.getFloat64(9, true);
  if (!Number.isFinite(xM) || !Number.isFinite(yM) || Math.abs(xM) > WATCH_LIMIT_M || Math.abs(yM) > WATCH_LIMIT_M) throw new DecodeError(`GAME WATCH: camera (${xM}, ${yM}) is not a finite point within ±${WATCH_LIMIT_M} m`);
  return { xM, yM };
}
