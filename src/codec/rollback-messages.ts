// Wire formats of the rollback channel (client <-> server). All numbers little-endian; every
// message starts with its type byte and the protocol version, and a decoder rejects the whole
// message (DecodeError) on any wrong type, version, count or length — it never guesses.
// The network layer carries these bytes (and fragments STATE); this file only lays them out.
//
// INPUT (client -> server), 12 + 8 n bytes: the newest n local inputs, so a lost packet loses
// nothing that the next one does not repeat.
// | off | type  | field                                                                    |
// |   0 | u8    | type = 0x31                                                              |
// |   1 | u8    | version = 1                                                              |
// |   2 | u8    | player number (0..63)                                                    |
// |   3 | u8    | n, inputs in this packet (1..MAX_INPUTS_PER_PACKET)                      |
// |   4 | u32   | frame of the first input; input k is for frame + k                      |
// |   8 | u32   | newest frame whose confirmed inputs the client holds (NO_FRAME = none)   |
// |  12 | 8 n   | client inputs: the first 8 bytes of the input record (rollback-input.ts) |
//
// CONFIRMED (server -> client), 20 + sum over frames of (8 + 12 * present) bytes: the inputs the
// server simulated, every player's, for n consecutive frames.
// | off | type  | field                                                                    |
// |   0 | u8    | type = 0x32                                                              |
// |   1 | u8    | version = 1                                                              |
// |   2 | u8    | players P in the session (1..64); presence bits at or above P are invalid |
// |   3 | u8    | n, frames in this message (0..MAX_FRAMES_PER_MESSAGE)                    |
// |   4 | u32   | first frame                                                              |
// |   8 | u32   | server frame when sent (frames the server has simulated)                 |
// |  12 | u32   | newest input frame received from this client, on time or late (NO_FRAME) |
// |  16 | i16   | how early this client's inputs arrive (recent worst case), frames * 16   |
// |  18 | u16   | reserved, 0                                                              |
// |  20 | ...   | per frame: u64 presence bits (bit p = player p present), then one 12-byte |
// |     |       | input record per present player, in player order                         |
//
// HASH (server -> client), 16 bytes: u8 type 0x33, u8 version, u16 reserved, u32 frame, u64
// xxHash64 of the world region at that frame (after `frame` steps).
//
// STATE (server -> client), 24 + L bytes: u8 type 0x34, u8 version, u16 reserved, u32 frame,
// u32 L, u32 reserved, u64 xxHash64 of the region bytes, then the L region bytes.
//
// RESYNC (client -> server), 16 bytes: u8 type 0x35, u8 version, u8 player, u8 reason
// (1 = hash mismatch, 2 = confirmed inputs missing, 3 = rollback deeper than the ring), u32
// frame concerned, u64 the client's hash of that frame (0 when not known).

import { DecodeError, InvalidArgumentError } from '../core/errors.js';
import type { RollbackInputFormat } from './rollback-input-format.js';

export const RB_VERSION = 1;
export const MSG_INPUT = 0x31;
export const MSG_CONFIRMED = 0x32;
export const MSG_HASH = 0x33;
export const MSG_STATE = 0x34;
export const MSG_RESYNC = 0x35;
export const NO_FRAME = 0xffffffff;
/** 32 inputs (0.5 s at 60 Hz) is more redundancy than any sane loss pattern needs. */
export const MAX_INPUTS_PER_PACKET = 32;
/** 32 frames of 64 players stays under 25 KiB, one fragmented message at worst. */
export const MAX_FRAMES_PER_MESSAGE = 32;
export const MAX_PLAYERS_PER_SESSION = 64;
/** A world region up to 64 MiB (1M slots of 14 columns is 56 MiB). */
export const MAX_STATE_BYTES = 64 << 20;
export const INPUT_HEADER_BYTES = 12;
export const CONFIRMED_HEADER_BYTES = 20;
export const HASH_MESSAGE_BYTES = 16;
export const STATE_HEADER_BYTES = 24;
export const RESYNC_MESSAGE_BYTES = 16;
/** Input arrival lead is sent in sixteenths of a frame. */
export const LEAD_SCALE = 16;

export const RESYNC_HASH_MISMATCH = 1;
export const RESYNC_INPUTS_MISSING = 2;
export const RESYNC_TOO_DEEP = 3;

export interface InputMessage {
  player: number;
  firstFrame: number;
  count: number;
  /** NO_FRAME when the client holds no confirmed frame yet. */
  ackFrame: number;
  /** count wire inputs (the format's wireBytes each): a view into the received message. */
  inputs: Uint8Array;
}

export interface ConfirmedMessage {
  players: number;
  firstFrame: number;
  count: number;
  serverFrame: number;
  inputAckFrame: number;
  /** Frames (fractional) by which this client's inputs arrive before they are needed. */
  inputLeadFrames: number;
  /** count * players full records (the format's recordBytes each), absent players all zero (expanded from the wire). */
  inputs: Uint8Array;
  /** count presence masks (bit p = player p). */
  presence: BigUint64Array;
}

export interface HashMessage {
  frame: number;
  hash: bigint;
}

export interface StateMessage {
  frame: number;
  hash: bigint;
  /** A view into the received message. */
  bytes: Uint8Array;
}

export interface ResyncMessage {
  player: number;
  reason: number;
  frame: number;
  hash: bigint;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkHead(bytes: Uint8Array, type: number, minBytes: number, name: string): DataView {
  if (bytes.byteLength < minBytes) throw new DecodeError(`${name}: ${bytes.byteLength} bytes, shorter than its ${minBytes}-byte header`);
  if (bytes[0] !== type) throw new DecodeError(`${name}: type byte ${bytes[0]}, expected ${type}`);
  if (bytes[1] !== RB_VERSION) throw new DecodeError(`${name}: version ${bytes[1]}, expected ${RB_VERSION}`);
  return view(bytes);
}

function checkFrame(name: string, frame: number): void {
  if (!Number.isInteger(frame) || frame < 0 || frame > 0xfffffffe) throw new InvalidArgumentError(`${name} must be a frame in [0, 2^32 - 2], got ${frame}`);
}

/**
 * Encodes an INPUT message from `count` full input records (format.recordBytes each) starting
 * at `records[offset]`; only their wire form goes (the reference game's: the client's 8 bytes, PRESENT
 * stripped).
 */
export function encodeInputMessage(player: number, firstFrame: number, ackFrame: number, records: Uint8Array, offset: number, count: number, format: RollbackInputFormat): Uint8Array {
  if (!Number.isInteger(player) || player < 0 || player >= MAX_PLAYERS_PER_SESSION) throw new InvalidArgumentError(`player must be in [0, 63], got ${player}`);
  if (!Number.isInteger(count) || count < 1 || count > MAX_INPUTS_PER_PACKET) throw new InvalidArgumentError(`an input packet holds 1..${MAX_INPUTS_PER_PACKET} inputs, got ${count}`);
  checkFrame('firstFrame', firstFrame);
  if (ackFrame !== NO_FRAME) checkFrame('ackFrame', ackFrame);
  const out = new Uint8Array(INPUT_HEADER_BYTES + count * format.wireBytes);
  const v = view(out);
  out[0] = MSG_INPUT;
  out[1] = RB_VERSION;
  out[2] = player;
  out[3] = count;
  v.setUint32(4, firstFrame, true);
  v.setUint32(8, ackFrame, true);
  for (let k = 0; k < count; k++) format.narrow(records, offset + k * format.recordBytes, out, INPUT_HEADER_BYTES + k * format.wireBytes);
  return out;
}

/** Decodes an INPUT message's framing; the inputs' values are checked by the server per input. */
export function decodeInputMessage(bytes: Uint8Array, wireBytes: number): InputMessage {
  const v = checkHead(bytes, MSG_INPUT, INPUT_HEADER_BYTES, 'INPUT');
  const player = bytes[2]!;
  const count = bytes[3]!;
  if (player >= MAX_PLAYERS_PER_SESSION) throw new DecodeError(`INPUT: player ${player} beyond ${MAX_PLAYERS_PER_SESSION - 1}`);
  if (count < 1 || count > MAX_INPUTS_PER_PACKET) throw new DecodeError(`INPUT: ${count} inputs, expected 1..${MAX_INPUTS_PER_PACKET}`);
  const expected = INPUT_HEADER_BYTES + count * wireBytes;
  if (bytes.byteLength !== expected) throw new DecodeError(`INPUT: ${bytes.byteLength} bytes, expected ${expected} for ${count} inputs`);
  const firstFrame = v.getUint32(4, true);
  if (firstFrame + count - 1 > 0xfffffffe) throw new DecodeError(`INPUT: frames ${firstFrame}+${count} overflow`);
  return { player, firstFrame, count, ackFrame: v.getUint32(8, true), inputs: bytes.subarray(INPUT_HEADER_BYTES) };
}

function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/**
 * Presence masks are handled as two 32-bit halves (lo: players 0..31, hi: 32..63): a BigInt
 * shift per player and frame made a CONFIRMED of 32 frames of 64 players cost about 200 us to
 * encode, every client every tick. Whether the halves name only players below `players`.
 */
function maskFits(lo: number, hi: number, players: number): boolean {
  if (players >= 64) return true;
  if (players > 32) return hi >>> (players - 32) === 0;
  return hi === 0 && (players === 32 || lo >>> players === 0);
}

/** Copies `n` bytes (a record: a plain loop beats subarray + set at this size). */
function copyBytes(from: Uint8Array, at: number, to: Uint8Array, dst: number, n: number): void {
  for (let b = 0; b < n; b++) to[dst + b] = from[at + b]!;
}

export interface ConfirmedFrames {
  players: number;
  firstFrame: number;
  count: number;
  /** count * players full records, starting at `offset`. */
  inputs: Uint8Array;
  offset: number;
  presence: BigUint64Array | readonly bigint[];
  /** Index of the first frame's presence mask in `presence`. */
  presenceOffset: number;
}

/** Encodes a CONFIRMED message; only present players' records go on the wire. */
export function encodeConfirmedMessage(frames: ConfirmedFrames, serverFrame: number, inputAckFrame: number, inputLeadFrames: number, recordBytes: number): Uint8Array {
  const { players, count } = frames;
  if (!Number.isInteger(players) || players < 1 || players > MAX_PLAYERS_PER_SESSION) throw new InvalidArgumentError(`players must be in [1, 64], got ${players}`);
  if (!Number.isInteger(count) || count < 0 || count > MAX_FRAMES_PER_MESSAGE) throw new InvalidArgumentError(`a CONFIRMED message holds 0..${MAX_FRAMES_PER_MESSAGE} frames, got ${count}`);
  checkFrame('firstFrame', frames.firstFrame);
  checkFrame('serverFrame', serverFrame);
  if (inputAckFrame !== NO_FRAME) checkFrame('inputAckFrame', inputAckFrame);
  // Each frame's mask as two 32-bit halves, checked and counted once.
  const lo = new Uint32Array(count);
  const hi = new Uint32Array(count);
  let bytes = CONFIRMED_HEADER_BYTES;
  for (let f = 0; f < count; f++) {
    const mask = BigInt.asUintN(64, frames.presence[frames.presenceOffset + f]!);
    const l = Number(mask & 0xffffffffn);
    const h = Number(mask >> 32n);
    if (!maskFits(l, h, players)) throw new InvalidArgumentError(`presence of frame ${frames.firstFrame + f} names players beyond ${players - 1}`);
    lo[f] = l;
    hi[f] = h;
    bytes += 8 + recordBytes * (popcount32(l) + popcount32(h));
  }
  const out = new Uint8Array(bytes);
  const v = view(out);
  out[0] = MSG_CONFIRMED;
  out[1] = RB_VERSION;
  out[2] = players;
  out[3] = count;
  v.setUint32(4, frames.firstFrame, true);
  v.setUint32(8, serverFrame, true);
  v.setUint32(12, inputAckFrame, true);
  v.setInt16(16, Math.max(-32768, Math.min(32767, Math.round(inputLeadFrames * LEAD_SCALE))), true);
  const inputs = frames.inputs;
  let off = CONFIRMED_HEADER_BYTES;
  for (let f = 0; f < count; f++) {
    const l = lo[f]!;
    const h = hi[f]!;
    v.setUint32(off, l, true);
    v.setUint32(off + 4, h, true);
    off += 8;
    for (let p = 0; p < players; p++) {
      if (((p < 32 ? l >>> p : h >>> (p - 32)) & 1) === 0) continue;
      copyBytes(inputs, frames.offset + (f * players + p) * recordBytes, out, off, recordBytes);
      off += recordBytes;
    }
  }
  return out;
}

export function decodeConfirmedMessage(bytes: Uint8Array, recordBytes: number): ConfirmedMessage {
  const v = checkHead(bytes, MSG_CONFIRMED, CONFIRMED_HEADER_BYTES, 'CONFIRMED');
  const players = bytes[2]!;
  const count = bytes[3]!;
  if (players < 1 || players > MAX_PLAYERS_PER_SESSION) throw new DecodeError(`CONFIRMED: ${players} players, expected 1..64`);
  if (count > MAX_FRAMES_PER_MESSAGE) throw new DecodeError(`CONFIRMED: ${count} frames, at most ${MAX_FRAMES_PER_MESSAGE}`);
  if (v.getUint16(18, true) !== 0) throw new DecodeError('CONFIRMED: reserved bytes are not zero');
  const firstFrame = v.getUint32(4, true);
  const serverFrame = v.getUint32(8, true);
  if (count > 0 && firstFrame + count - 1 > 0xfffffffe) throw new DecodeError(`CONFIRMED: frames ${firstFrame}+${count} overflow`);
  const inputs = new Uint8Array(count * players * recordBytes);
  const presence = new BigUint64Array(count);
  let off = CONFIRMED_HEADER_BYTES;
  for (let f = 0; f < count; f++) {
    if (off + 8 > bytes.byteLength) throw new DecodeError(`CONFIRMED: truncated at frame ${f} of ${count}`);
    const l = v.getUint32(off, true);
    const h = v.getUint32(off + 4, true);
    off += 8;
    if (!maskFits(l, h, players)) throw new DecodeError(`CONFIRMED: frame ${firstFrame + f} marks players beyond ${players - 1} present`);
    presence[f] = (BigInt(h) << 32n) | BigInt(l);
    for (let p = 0; p < players; p++) {
      if (((p < 32 ? l >>> p : h >>> (p - 32)) & 1) === 0) continue;
      if (off + recordBytes > bytes.byteLength) throw new DecodeError(`CONFIRMED: truncated in frame ${f}, player ${p}`);
      copyBytes(bytes, off, inputs, (f * players + p) * recordBytes, recordBytes);
      off += recordBytes;
    }
  }
  if (off !== bytes.byteLength) throw new DecodeError(`CONFIRMED: ${bytes.byteLength - off} trailing bytes`);
  return {
    players,
    firstFrame,
    count,
    serverFrame,
    inputAckFrame: v.getUint32(12, true),
    inputLeadFrames: v.getInt16(16, true) / LEAD_SCALE,
    inputs,
    presence,
  };
}

export function encodeHashMessage(frame: number, hash: bigint): Uint8Array {
  checkFrame('frame', frame);
  const out = new Uint8Array(HASH_MESSAGE_BYTES);
  const v = view(out);
  out[0] = MSG_HASH;
  out[1] = RB_VERSION;
  v.setUint32(4, frame, true);
  v.setBigUint64(8, BigInt.asUintN(64, hash), true);
  return out;
}

export function decodeHashMessage(bytes: Uint8Array): HashMessage {
  const v = checkHead(bytes, MSG_HASH, HASH_MESSAGE_BYTES, 'HASH');
  if (bytes.byteLength !== HASH_MESSAGE_BYTES) throw new DecodeError(`HASH: ${bytes.byteLength} bytes, expected ${HASH_MESSAGE_BYTES}`);
  if (v.getUint16(2, true) !== 0) throw new DecodeError('HASH: reserved bytes are not zero');
  return { frame: v.getUint32(4, true), hash: v.getBigUint64(8, true) };
}

export function encodeStateMessage(frame: number, hash: bigint, region: Uint8Array): Uint8Array {
  checkFrame('frame', frame);
  if (region.byteLength < 1 || region.byteLength > MAX_STATE_BYTES) throw new InvalidArgumentError(`a state is 1..${MAX_STATE_BYTES} bytes, got ${region.byteLength}`);
  const out = new Uint8Array(STATE_HEADER_BYTES + region.byteLength);
  const v = view(out);
  out[0] = MSG_STATE;
  out[1] = RB_VERSION;
  v.setUint32(4, frame, true);
  v.setUint32(8, region.byteLength, true);
  v.setBigUint64(16, BigInt.asUintN(64, hash), true);
  out.set(region, STATE_HEADER_BYTES);
  return out;
}

export function decodeStateMessage(bytes: Uint8Array): StateMessage {
  const v = checkHead(bytes, MSG_STATE, STATE_HEADER_BYTES, 'STATE');
  if (v.getUint16(2, true) !== 0 || v.getUint32(12, true) !== 0) throw new DecodeError('STATE: reserved bytes are not zero');
  const length = v.getUint32(8, true);
  if (length < 1 || length > MAX_STATE_BYTES) throw new DecodeError(`STATE: region of ${length} bytes, expected 1..${MAX_STATE_BYTES}`);
  if (bytes.byteLength !== STATE_HEADER_BYTES + length) throw new DecodeError(`STATE: ${bytes.byteLength} bytes, expected ${STATE_HEADER_BYTES + length}`);
  return { frame: v.getUint32(4, true), hash: v.getBigUint64(16, true), bytes: bytes.subarray(STATE_HEADER_BYTES) };
}

export function encodeResyncMessage(player: number, reason: number, frame: number, hash: bigint): Uint8Array {
  if (!Number.isInteger(player) || player < 0 || player >= MAX_PLAYERS_PER_SESSION) throw new InvalidArgumentError(`player must be in [0, 63], got ${player}`);
  if (reason !== RESYNC_HASH_MISMATCH && reason !== RESYNC_INPUTS_MISSING && reason !== RESYNC_TOO_DEEP) throw new InvalidArgumentError(`unknown resync reason ${reason}`);
  checkFrame('frame', frame);
  const out = new Uint8Array(RESYNC_MESSAGE_BYTES);
  const v = view(out);
  out[0] = MSG_RESYNC;
  out[1] = RB_VERSION;
  out[2] = player;
  out[3] = reason;
  v.setUint32(4, frame, true);
  v.setBigUint64(8, BigInt.asUintN(64, hash), true);
  return out;
}

export function decodeResyncMessage(bytes: Uint8Array): ResyncMessage {
  const v = checkHead(bytes, MSG_RESYNC, RESYNC_MESSAGE_BYTES, 'RESYNC');
  if (bytes.byteLength !== RESYNC_MESSAGE_BYTES) throw new DecodeError(`RESYNC: ${bytes.byteLength} bytes, expected ${RESYNC_MESSAGE_BYTES}`);
  const player = bytes[2]!;
  const reason = bytes[3]!;
  if (player >= MAX_PLAYERS_PER_SESSION) throw new DecodeError(`RESYNC: player ${player} beyond 63`);
  if (reason < RESYNC_HASH_MISMATCH || reason > RESYNC_TOO_DEEP) throw new DecodeError(`RESYNC: unknown reason ${reason}`);
  return { player, reason, frame: v.getUint32(4, true), hash: v.getBigUint64(8, true) };
}
