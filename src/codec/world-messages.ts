// Wire formats of world mode (src/world, src/server/world-host.ts, src/client/world-client.ts):
// a client says HELLO (play or watch), the server answers with a JOIN describing the rules its
// own avatar moves by, then the client streams INPUTs and the server, every tick, the avatar's
// authoritative OWN state with the last input it applied. Everything else a world-mode client
// knows arrives as interest-managed snapshots (snapshot-spec.ts). All numbers little-endian;
// a decoder rejects the whole message (DecodeError) on a wrong type, version, length, reserved
// bits or a value out of range, before anything is applied.
//
// HELLO (client -> server, channel 0), 4 bytes:
// | off | type | field                                                                     |
// |   0 | u8   | type = 0x51                                                               |
// |   1 | u8   | version = 1                                                               |
// |   2 | u8   | mode: 0 watch (no avatar: the page's camera is the viewer), 1 play        |
// |   3 | u8   | spawn hub (src/world/hubs.ts), or 0xFF: the server chooses                |
//
// JOIN (server -> client, channel 0), 216 bytes:
// | off | type   | field                                                                 |
// |   0 | u8     | type = 0x52                                                           |
// |   1 | u8     | version = 1                                                           |
// |   2 | u8     | mode: 0 watching, 1 playing                                           |
// |   3 | u8     | flags: 1 = the same avatar as before (a resumed or resynced session)  |
// |   4 | u32    | avatar entity id (generation << 20 | slot), 0xFFFFFFFF when watching   |
// |   8 | u32    | server tick when sent                                                 |
// |  12 | u32    | last input sequence applied (the client numbers its inputs above it)  |
// |  16 | u32    | world seed (hubs are derived from it)                                 |
// |  20 | u32    | reserved, 0                                                           |
// |  24 | f64    | tick rate, Hz                                                         |
// |  32 | f64[6] | bounds minX minY minZ maxX maxY maxZ, m                               |
// |  80 | f64[12]| rules, in JOIN_RULE_KEYS order (play-messages.ts)                     |
// | 176 | f64[5] | lag compensation, in JOIN_LAG_KEYS order                              |
//
// INPUT (client -> server, channel 1, unreliable-sequenced), 6 + 8 n bytes: the newest inputs
// the server has not yet applied (at most MAX_INPUTS_PER_MESSAGE), oldest first.
// | off | type | field                                                                     |
// |   0 | u8   | type = 0x53                                                               |
// |   1 | u8   | n, 1..MAX_INPUTS_PER_MESSAGE                                              |
// |   2 | u32  | sequence of the first record (each next one is +1)                        |
// |   6 | 8 n  | records:                                                                  |
// |     |      |   +0 i8  move x, -127..127    +1 i8  move y, -127..127                    |
// |     |      |   +2 u8  buttons: FIRE 1, SHOOT 2 (nothing else)                          |
// |     |      |   +3 u8  view tick fraction, 1/256 tick (SHOOT only, else 0)              |
// |     |      |   +4 u16 aim, binary angle                                                |
// |     |      |   +6 u16 view tick, low 16 bits of the server tick the shooter's view of  |
// |     |      |          others showed (SHOOT only, else 0)                               |
//
// OWN (server -> client, channel 1, unreliable-sequenced), 48 bytes, every tick: the avatar's
// authoritative state at the end of a tick, at full precision.
// | off | type | field                                                                     |
// |   0 | u8   | type = 0x54                                                               |
// |   1 | u8   | inputs the server holds for this player, not yet applied (0..255)         |
// |   2 | u16  | timer (weapon cooldown, or respawn countdown while dead), ticks           |
// |   4 | u32  | server tick                                                               |
// |   8 | u32  | last input sequence applied                                               |
// |  12 | i32  | x, Q16 m          |  16 | i32 | y      |  20 | i32 | z                       |
// |  24 | i32  | vx, Q16 m/tick    |  28 | i32 | vy     |  32 | i32 | heading, Q16 rad        |
// |  36 | i32  | hit points                                                                |
// |  40 | u16  | flags (the kind bits, below OWNER_TAG_SHIFT)                              |
// |  42 | u16  | reserved, 0                                                               |
// |  44 | u32  | avatar entity id                                                          |

import { DecodeError, InvalidArgumentError } from '../core/errors.js';
import { JOIN_LAG_KEYS, JOIN_RULE_KEYS, type JoinLagCompensation, type JoinRules } from './play-messages.js';
import { INPUT_PADDING } from './game-input.js';
import { SHOOTER_INPUT } from './shooter-game.js';

export const WORLD_VERSION = 1;
export const MSG_WORLD_HELLO = 0x51;
export const MSG_WORLD_JOIN = 0x52;
export const MSG_WORLD_INPUT = 0x53;
export const MSG_WORLD_OWN = 0x54;
export const HELLO_BYTES = 4;
export const WORLD_JOIN_BYTES = 216;
export const INPUT_HEADER_BYTES = 6;
/** One input record: the shooter's declared input (SHOOTER_INPUT, 'bytes' packing). */
export const WIRE_INPUT_BYTES = SHOOTER_INPUT.bytes;
export const OWN_BYTES = 48;
/** 16 inputs a message: a quarter second of redundancy at 60 Hz for 134 bytes. */
export const MAX_INPUTS_PER_MESSAGE = 16;
export const ANY_HUB = 0xff;
export const NO_AVATAR = 0xffffffff;
/** The flag byte's bits: the declared bools fire and shoot, in declaration order. */
export const WIRE_BUTTON_FIRE = 1 << SHOOTER_INPUT.slotOf('fire').bit;
export const WIRE_BUTTON_SHOOT = 1 << SHOOTER_INPUT.slotOf('shoot').bit;
const WIRE_BUTTONS = WIRE_BUTTON_FIRE | WIRE_BUTTON_SHOOT;
const JOIN_FLAG_SAME_AVATAR = 1;

export type WorldMode = 'watch' | 'play';

export interface WorldHello {
  mode: WorldMode;
  /** A hub index, or -1 for the server's choice. */
  hub: number;
}

export interface WorldJoin {
  mode: WorldMode;
  /** The same avatar as before this (re)join. */
  sameAvatar: boolean;
  /** Entity id of the avatar, or NO_AVATAR. */
  avatarId: number;
  serverTick: number;
  lastAppliedSeq: number;
  seed: number;
  tickHz: number;
  bounds: { minX: number; minY: number; minZ: number; maxX: number; maxY: number; maxZ: number };
  rules: JoinRules;
  lagCompensation: JoinLagCompensation;
}

/** One input as it travels: what a client may say, nothing the server decides. */
export interface WireInput {
  moveX: number;
  moveY: number;
  buttons: number;
  aim: number;
  /** Low 16 bits of the server tick the view showed, and its fraction in 1/256 tick. */
  viewTick: number;
  viewFraction: number;
}

/** An avatar's authoritative state at the end of a server tick. */
export interface OwnState {
  serverTick: number;
  lastAppliedSeq: number;
  queued: number;
  avatarId: number;
  x: number;
  y: number;
  z: number;
  vx: number;
  vy: number;
  heading: number;
  timer: number;
  hp: number;
  flags: number;
}

const BOUND_KEYS = ['minX', 'minY', 'minZ', 'maxX', 'maxY', 'maxZ'] as const;
const OFF_TICK_HZ = 24;
const OFF_BOUNDS = 32;
const OFF_RULES = 80;
const OFF_LAG = 176;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function versioned(bytes: Uint8Array, type: number, name: string, length: number): DataView {
  if (bytes.byteLength !== length) throw new DecodeError(`${name}: ${bytes.byteLength} bytes, expected ${length}`);
  if (bytes[0] !== type) throw new DecodeError(`${name}: type byte ${bytes[0]}, expected ${type}`);
  if (bytes[1] !== WORLD_VERSION) throw new DecodeError(`${name}: version ${bytes[1]}, expected ${WORLD_VERSION}`);
  return view(bytes);
}

function u32(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new InvalidArgumentError(`${name} must be a u32, got ${value}`);
  return value;
}

function intIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  return value;
}

function finite(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidArgumentError(`${name} must be a finite number, got ${String(value)}`);
  return value;
}

export function encodeWorldHello(hello: WorldHello): Uint8Array {
  const hub = hello.hub < 0 ? ANY_HUB : intIn('hub', hello.hub, 0, ANY_HUB - 1);
  return Uint8Array.of(MSG_WORLD_HELLO, WORLD_VERSION, hello.mode === 'play' ? 1 : 0, hub);
}

export function decodeWorldHello(bytes: Uint8Array): WorldHello {
  versioned(bytes, MSG_WORLD_HELLO, 'HELLO', HELLO_BYTES);
  if (bytes[2]! > 1) throw new DecodeError(`HELLO: unknown mode ${bytes[2]}`);
  return { mode: bytes[2] === 1 ? 'play' : 'watch', hub: bytes[3] === ANY_HUB ? -1 : bytes[3]! };
}

export function encodeWorldJoin(j: WorldJoin): Uint8Array {
  if ((j.mode === 'play') === (j.avatarId === NO_AVATAR)) throw new InvalidArgumentError(`mode ${j.mode} with avatar id ${j.avatarId}`);
  const out = new Uint8Array(WORLD_JOIN_BYTES);
  const v = view(out);
  out[0] = MSG_WORLD_JOIN;
  out[1] = WORLD_VERSION;
  out[2] = j.mode === 'play' ? 1 : 0;
  out[3] = j.sameAvatar ? JOIN_FLAG_SAME_AVATAR : 0;
  v.setUint32(4, u32('avatarId', j.avatarId), true);
  v.setUint32(8, u32('serverTick', j.serverTick), true);
  v.setUint32(12, u32('lastAppliedSeq', j.lastAppliedSeq), true);
  v.setUint32(16, u32('seed', j.seed), true);
  v.setFloat64(OFF_TICK_HZ, finite('tickHz', j.tickHz), true);
  BOUND_KEYS.forEach((k, i) => v.setFloat64(OFF_BOUNDS + 8 * i, finite(`bounds.${k}`, j.bounds[k]), true));
  JOIN_RULE_KEYS.forEach((k, i) => v.setFloat64(OFF_RULES + 8 * i, finite(`rules.${k}`, j.rules[k]), true));
  JOIN_LAG_KEYS.forEach((k, i) => v.setFloat64(OFF_LAG + 8 * i, finite(`lagCompensation.${k}`, j.lagCompensation[k]), true));
  return out;
}

export function decodeWorldJoin(bytes: Uint8Array): WorldJoin {
  const v = versioned(bytes, MSG_WORLD_JOIN, 'JOIN', WORLD_JOIN_BYTES);
  if (bytes[2]! > 1) throw new DecodeError(`JOIN: unknown mode ${bytes[2]}`);
  if ((bytes[3]! & ~JOIN_FLAG_SAME_AVATAR) !== 0 || v.getUint32(20, true) !== 0) throw new DecodeError('JOIN: reserved bits are not zero');
  const mode: WorldMode = bytes[2] === 1 ? 'play' : 'watch';
  const avatarId = v.getUint32(4, true);
  if ((mode === 'play') === (avatarId === NO_AVATAR)) throw new DecodeError(`JOIN: mode ${mode} with avatar id ${avatarId}`);
  const f64 = (off: number, name: string) => {
    const x = v.getFloat64(off, true);
    if (!Number.isFinite(x)) throw new DecodeError(`JOIN: ${name} is not finite`);
    return x;
  };
  const tickHz = f64(OFF_TICK_HZ, 'tickHz');
  if (tickHz < 1 || tickHz > 1000) throw new DecodeError(`JOIN: tick rate ${tickHz} Hz`);
  const bounds = Object.fromEntries(BOUND_KEYS.map((k, i) => [k, f64(OFF_BOUNDS + 8 * i, `bounds.${k}`)])) as WorldJoin['bounds'];
  if (!(bounds.minX < bounds.maxX && bounds.minY < bounds.maxY && bounds.minZ < bounds.maxZ)) throw new DecodeError('JOIN: empty bounds');
  return {
    mode,
    sameAvatar: (bytes[3]! & JOIN_FLAG_SAME_AVATAR) !== 0,
    avatarId,
    serverTick: v.getUint32(8, true),
    lastAppliedSeq: v.getUint32(12, true),
    seed: v.getUint32(16, true),
    tickHz,
    bounds,
    rules: Object.fromEntries(JOIN_RULE_KEYS.map((k, i) => [k, f64(OFF_RULES + 8 * i, `rules.${k}`)])) as JoinRules,
    lagCompensation: Object.fromEntries(JOIN_LAG_KEYS.map((k, i) => [k, f64(OFF_LAG + 8 * i, `lagCompensation.${k}`)])) as JoinLagCompensation,
  };
}

/**
 * Encodes `count` inputs starting at sequence `firstSeq`, read by `inputAt(i)` (i = 0 is the
 * oldest). Throws InvalidArgumentError on a value the format cannot carry.
 */
export function encodeWorldInput(firstSeq: number, count: number, inputAt: (i: number) => WireInput, out?: Uint8Array): Uint8Array {
  intIn('count', count, 1, MAX_INPUTS_PER_MESSAGE);
  u32('firstSeq', firstSeq);
  if (firstSeq + count - 1 > 0xffffffff) throw new InvalidArgumentError('input sequence numbers past 2^32');
  const length = INPUT_HEADER_BYTES + count * WIRE_INPUT_BYTES;
  const bytes = out && out.byteLength >= length ? out.subarray(0, length) : new Uint8Array(length);
  const v = view(bytes);
  bytes[0] = MSG_WORLD_INPUT;
  bytes[1] = count;
  v.setUint32(2, firstSeq, true);
  for (let i = 0; i < count; i++) {
    writeWireInput(inputAt(i), bytes, INPUT_HEADER_BYTES + i * WIRE_INPUT_BYTES);
  }
  return bytes;
}

/** What decodeWorldInput found wrong with a record (the message is still framed correctly). */
export type InputRecordFault = 'move_out_of_range' | 'unknown_buttons' | 'view_without_shoot';

/**
 * Decodes an INPUT's framing and calls `record(seq, offset)` for each record, oldest first,
 * with `offset` the record's byte offset in `bytes` (read it with readWireInput). Throws
 * DecodeError when the framing is wrong (length, count, sequence wrap).
 */
export function decodeWorldInput(bytes: Uint8Array, record: (seq: number, offset: number) => void): number {
  if (bytes.byteLength < INPUT_HEADER_BYTES + WIRE_INPUT_BYTES) throw new DecodeError(`INPUT: ${bytes.byteLength} bytes, too short`);
  if (bytes[0] !== MSG_WORLD_INPUT) throw new DecodeError(`INPUT: type byte ${bytes[0]}`);
  const count = bytes[1]!;
  if (count < 1 || count > MAX_INPUTS_PER_MESSAGE) throw new DecodeError(`INPUT: ${count} records, expected 1..${MAX_INPUTS_PER_MESSAGE}`);
  if (bytes.byteLength !== INPUT_HEADER_BYTES + count * WIRE_INPUT_BYTES) throw new DecodeError(`INPUT: ${bytes.byteLength} bytes for ${count} records`);
  const first = view(bytes).getUint32(2, true);
  if (first + count - 1 > 0xffffffff) throw new DecodeError('INPUT: sequence numbers past 2^32');
  for (let i = 0; i < count; i++) record(first + i, INPUT_HEADER_BYTES + i * WIRE_INPUT_BYTES);
  return count;
}

const recordCodes = new Int32Array(SHOOTER_INPUT.fields.length);
// Code order of the declared input: moveX, moveY, fire, shoot, viewFraction, aim, viewTick.
const C_MOVE_X = 0, C_MOVE_Y = 1, C_FIRE = 2, C_SHOOT = 3, C_VIEW_FRACTION = 4, C_AIM = 5, C_VIEW_TICK = 6;

/**
 * Writes one input record at out[offset ...] through the declared input (SHOOTER_INPUT). Throws
 * InvalidArgumentError on a value the record cannot carry.
 */
export function writeWireInput(input: WireInput, out: Uint8Array, offset: number): void {
  if ((input.buttons & ~WIRE_BUTTONS) !== 0) throw new InvalidArgumentError(`buttons ${input.buttons}: only FIRE and SHOOT travel`);
  const shoot = (input.buttons & WIRE_BUTTON_SHOOT) !== 0;
  const c = recordCodes;
  c[C_MOVE_X] = intIn('moveX', input.moveX, -127, 127);
  c[C_MOVE_Y] = intIn('moveY', input.moveY, -127, 127);
  c[C_FIRE] = (input.buttons & WIRE_BUTTON_FIRE) !== 0 ? 1 : 0;
  c[C_SHOOT] = shoot ? 1 : 0;
  c[C_VIEW_FRACTION] = shoot ? intIn('viewFraction', input.viewFraction, 0, 255) : 0;
  c[C_AIM] = intIn('aim', input.aim, 0, 0xffff);
  c[C_VIEW_TICK] = shoot ? intIn('viewTick', input.viewTick, 0, 0xffff) : 0;
  SHOOTER_INPUT.encodeCodes(c, out, offset);
}

/**
 * Checks one record of an INPUT at `offset`: null when it is well-formed, else what is wrong.
 * The declared input judges each field's range and the flag byte's unused bits; the shooter's
 * own rule is that only a SHOOT carries a view tick.
 */
export function checkWireInput(bytes: Uint8Array, offset: number): InputRecordFault | null {
  const fault = SHOOTER_INPUT.check(bytes, offset, recordCodes);
  if (fault === 'moveX' || fault === 'moveY') return 'move_out_of_range';
  if (fault === INPUT_PADDING) return 'unknown_buttons';
  if (fault !== null) return 'move_out_of_range'; // no other field has codes outside its bytes
  const c = recordCodes;
  if (c[C_SHOOT] === 0 && (c[C_VIEW_FRACTION] !== 0 || c[C_VIEW_TICK] !== 0)) return 'view_without_shoot';
  return null;
}

/** Reads the record at `offset` (checked with checkWireInput first: a bad one reads as zeros). */
export function readWireInput(bytes: Uint8Array, offset: number): WireInput {
  const c = recordCodes;
  if (SHOOTER_INPUT.check(bytes, offset, c) !== null) c.fill(0);
  return {
    moveX: c[C_MOVE_X]!,
    moveY: c[C_MOVE_Y]!,
    buttons: (c[C_FIRE] ? WIRE_BUTTON_FIRE : 0) | (c[C_SHOOT] ? WIRE_BUTTON_SHOOT : 0),
    viewFraction: c[C_VIEW_FRACTION]!,
    aim: c[C_AIM]!,
    viewTick: c[C_VIEW_TICK]!,
  };
}

/** Writes OWN into `out` (OWN_BYTES long). */
export function encodeOwnState(s: OwnState, out: Uint8Array = new Uint8Array(OWN_BYTES)): Uint8Array {
  const v = view(out);
  out[0] = MSG_WORLD_OWN;
  out[1] = Math.min(255, Math.max(0, s.queued | 0));
  v.setUint16(2, Math.min(0xffff, s.timer >>> 0), true);
  v.setUint32(4, s.serverTick >>> 0, true);
  v.setUint32(8, s.lastAppliedSeq >>> 0, true);
  v.setInt32(12, s.x | 0, true);
  v.setInt32(16, s.y | 0, true);
  v.setInt32(20, s.z | 0, true);
  v.setInt32(24, s.vx | 0, true);
  v.setInt32(28, s.vy | 0, true);
  v.setInt32(32, s.heading | 0, true);
  v.setInt32(36, s.hp | 0, true);
  v.setUint16(40, s.flags & 0xffff, true);
  v.setUint16(42, 0, true);
  v.setUint32(44, s.avatarId >>> 0, true);
  return out;
}

/** Decodes OWN into `out` (reused: nothing is allocated). */
export function decodeOwnState(bytes: Uint8Array, out: OwnState): OwnState {
  if (bytes.byteLength !== OWN_BYTES) throw new DecodeError(`OWN: ${bytes.byteLength} bytes, expected ${OWN_BYTES}`);
  if (bytes[0] !== MSG_WORLD_OWN) throw new DecodeError(`OWN: type byte ${bytes[0]}`);
  const v = view(bytes);
  if (v.getUint16(42, true) !== 0) throw new DecodeError('OWN: reserved bytes are not zero');
  out.queued = bytes[1]!;
  out.timer = v.getUint16(2, true);
  out.serverTick = v.getUint32(4, true);
  out.lastAppliedSeq = v.getUint32(8, true);
  out.x = v.getInt32(12, true);
  out.y = v.getInt32(16, true);
  out.z = v.getInt32(20, true);
  out.vx = v.getInt32(24, true);
  out.vy = v.getInt32(28, true);
  out.heading = v.getInt32(32, true);
  out.hp = v.getInt32(36, true);
  out.flags = v.getUint16(40, true);
  out.avatarId = v.getUint32(44, true);
  return out;
}

export function emptyOwnState(): OwnState {
  return { serverTick: 0, lastAppliedSeq: 0, queued: 0, avatarId: NO_AVATAR, x: 0, y: 0, z: 0, vx: 0, vy: 0, heading: 0, timer: 0, hp: 0, flags: 0 };
}
