// Wire formats of the demo's play session, the messages around the rollback channel
// (rollback-messages.ts): a client asks to PLAY or watch, the server answers with a JOIN that
// holds everything needed to build a byte-identical game (world options, rules, lag
// compensation), then the full state in STATE_PART messages. All numbers little-endian; every
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
// JOIN (server -> client), 256 bytes:
// | off | type   | field                                                                 |
// |   0 | u8     | type = 0x42                                                           |
// |   1 | u8     | version = 1                                                           |
// |   2 | u8     | your player number (0..P-1), or 0xFF: spectator                       |
// |   3 | u8     | players P in the session (1..64)                                      |
// |   4 | u8     | why a spectator: 0 a player, 1 asked to watch, 2 the session is full  |
// |   5 | u8     | NPC idle percent (0..100)                                             |
// |   6 | u16    | reserved, 0                                                           |
// |   8 | u32    | seed                                                                  |
// |  12 | u32    | world capacity (entity slots)                                         |
// |  16 | u32    | NPCs spawned at frame 0                                               |
// |  20 | u32    | a HASH every this many frames                                         |
// |  24 | u32    | server frame when sent                                                |
// |  28 | u32    | state region bytes (the STATE that follows carries this many)         |
// |  32 | u64    | reserved, 0                                                           |
// |  40 | f64    | tick rate, Hz                                                         |
// |  48 | f64[6] | bounds minX minY minZ maxX maxY maxZ, m                               |
// |  96 | f64[3] | NPC top speed m/s, wander min s, wander max s                         |
// | 120 | f64[12]| rules, in JOIN_RULE_KEYS order                                        |
// | 216 | f64[5] | lag compensation, in JOIN_LAG_KEYS order                              |
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
import { MAX_ENTITIES } from '../core/entity-id.js';
import { MAX_PLAYERS_PER_SESSION, MAX_STATE_BYTES, STATE_HEADER_BYTES } from './rollback-messages.js';

export const PLAY_VERSION = 1;
export const MSG_PLAY = 0x41;
export const MSG_JOIN = 0x42;
export const MSG_STATE_PART = 0x43;
export const PLAY_BYTES = 4;
export const JOIN_BYTES = 256;
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
const REASONS: readonly SpectatorReason[] = ['player', 'asked', 'full'];

/** The reference game's rules (rollback SimRules), in the order JOIN carries them. */
export const JOIN_RULE_KEYS = [
  'playerSpeedMps', 'projectileSpeedMps', 'projectileLifetimeS', 'weaponCooldownS', 'respawnS', 'playerHp',
  'npcHp', 'projectileDamage', 'hitscanDamage', 'playerRadiusM', 'cellSizeM', 'spawnExtentM',
] as const;
/** Lag compensation options (rollback LagCompensationOptions without tickHz), in JOIN order. */
export const JOIN_LAG_KEYS = ['maxRewindMs', 'latencyBufferMs', 'timingToleranceMs', 'positionToleranceM', 'rangeM'] as const;
export type JoinRules = Record<(typeof JOIN_RULE_KEYS)[number], number>;
export type JoinLagCompensation = Record<(typeof JOIN_LAG_KEYS)[number], number>;

export interface JoinMessage {
  /** Player number, or -1 for a spectator. */
  player: number;
  players: number;
  spectatorReason: SpectatorReason;
  seed: number;
  capacity: number;
  npcs: number;
  hashEveryFrames: number;
  serverFrame: number;
  stateBytes: number;
  tickHz: number;
  bounds: { minX: number; minY: number; minZ: number; maxX: number; maxY: number; maxZ: number };
  npc: { topSpeedMps: number; wanderMinS: number; wanderMaxS: number; idlePercent: number };
  rules: JoinRules;
  lagCompensation: JoinLagCompensation;
}

export interface StatePart {
  index: number;
  count: number;
  transfer: number;
  totalBytes: number;
  /** A view into the received message. */
  bytes: Uint8Array;
}

const OFF_TICK_HZ = 40;
const OFF_BOUNDS = 48;
const OFF_NPC = 96;
const OFF_RULES = 120;
const OFF_LAG = 216;
const BOUND_KEYS = ['minX', 'minY', 'minZ', 'maxX', 'maxY', 'maxZ'] as const;

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

function finite(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidArgumentError(`${name} must be a finite number, got ${String(value)}`);
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

export function encodeJoinMessage(j: JoinMessage): Uint8Array {
  if (!Number.isInteger(j.players) || j.players < 1 || j.players > MAX_PLAYERS_PER_SESSION) throw new InvalidArgumentError(`players must be in [1, ${MAX_PLAYERS_PER_SESSION}], got ${j.players}`);
  if (!(j.player === -1 || (Number.isInteger(j.player) && j.player >= 0 && j.player < j.players))) throw new InvalidArgumentError(`player must be -1 or in [0, ${j.players - 1}], got ${j.player}`);
  if ((j.player === -1) !== (j.spectatorReason !== 'player')) throw new InvalidArgumentError(`player ${j.player} with spectator reason "${j.spectatorReason}"`);
  if (!Number.isInteger(j.npc.idlePercent) || j.npc.idlePercent < 0 || j.npc.idlePercent > 100) throw new InvalidArgumentError(`idlePercent must be in [0, 100], got ${j.npc.idlePercent}`);
  const out = new Uint8Array(JOIN_BYTES);
  const v = new DataView(out.buffer);
  out[0] = MSG_JOIN;
  out[1] = PLAY_VERSION;
  out[2] = j.player < 0 ? SPECTATOR : j.player;
  out[3] = j.players;
  out[4] = REASONS.indexOf(j.spectatorReason);
  out[5] = j.npc.idlePercent;
  v.setUint32(8, u32('seed', j.seed), true);
  v.setUint32(12, u32('capacity', j.capacity), true);
  v.setUint32(16, u32('npcs', j.npcs), true);
  v.setUint32(20, u32('hashEveryFrames', j.hashEveryFrames), true);
  v.setUint32(24, u32('serverFrame', j.serverFrame), true);
  v.setUint32(28, u32('stateBytes', j.stateBytes), true);
  v.setFloat64(OFF_TICK_HZ, finite('tickHz', j.tickHz), true);
  BOUND_KEYS.forEach((k, i) => v.setFloat64(OFF_BOUNDS + 8 * i, finite(`bounds.${k}`, j.bounds[k]), true));
  v.setFloat64(OFF_NPC, finite('npc.topSpeedMps', j.npc.topSpeedMps), true);
  v.setFloat64(OFF_NPC + 8, finite('npc.wanderMinS', j.npc.wanderMinS), true);
  v.setFloat64(OFF_NPC + 16, finite('npc.wanderMaxS', j.npc.wanderMaxS), true);
  JOIN_RULE_KEYS.forEach((k, i) => v.setFloat64(OFF_RULES + 8 * i, finite(`rules.${k}`, j.rules[k]), true));
  JOIN_LAG_KEYS.forEach((k, i) => v.setFloat64(OFF_LAG + 8 * i, finite(`lagCompensation.${k}`, j.lagCompensation[k]), true));
  return out;
}

/**
 * Decodes a JOIN. Checks framing and ranges; whether the numbers make a valid game is for the
 * game's constructor to say (it throws ConfigError), so a client counts that as a bad JOIN too.
 */
export function decodeJoinMessage(bytes: Uint8Array): JoinMessage {
  const v = head(bytes, MSG_JOIN, 'JOIN', JOIN_BYTES);
  if (v.getUint16(6, true) !== 0 || v.getBigUint64(32, true) !== 0n) throw new DecodeError('JOIN: reserved bytes are not zero');
  const players = bytes[3]!;
  if (players < 1 || players > MAX_PLAYERS_PER_SESSION) throw new DecodeError(`JOIN: ${players} players, expected 1..${MAX_PLAYERS_PER_SESSION}`);
  const rawPlayer = bytes[2]!;
  if (rawPlayer !== SPECTATOR && rawPlayer >= players) throw new DecodeError(`JOIN: player ${rawPlayer} in a session of ${players}`);
  const reason = REASONS[bytes[4]!];
  if (reason === undefined) throw new DecodeError(`JOIN: unknown spectator reason ${bytes[4]}`);
  if ((rawPlayer === SPECTATOR) !== (reason !== 'player')) throw new DecodeError(`JOIN: player byte ${rawPlayer} contradicts reason "${reason}"`);
  if (bytes[5]! > 100) throw new DecodeError(`JOIN: idle percent ${bytes[5]}`);
  const capacity = v.getUint32(12, true);
  if (capacity < 1 || capacity > MAX_ENTITIES) throw new DecodeError(`JOIN: capacity ${capacity}, expected 1..${MAX_ENTITIES}`);
  const stateBytes = v.getUint32(28, true);
  if (stateBytes < 16 || stateBytes > MAX_STATE_BYTES || stateBytes % 16 !== 0) throw new DecodeError(`JOIN: state of ${stateBytes} bytes`);
  if (v.getUint32(20, true) < 1) throw new DecodeError('JOIN: hash period of 0 frames');
  const f64 = (off: number, name: string) => {
    const x = v.getFloat64(off, true);
    if (!Number.isFinite(x)) throw new DecodeError(`JOIN: ${name} is not finite`);
    return x;
  };
  const bounds = Object.fromEntries(BOUND_KEYS.map((k, i) => [k, f64(OFF_BOUNDS + 8 * i, `bounds.${k}`)])) as JoinMessage['bounds'];
  const rules = Object.fromEntries(JOIN_RULE_KEYS.map((k, i) => [k, f64(OFF_RULES + 8 * i, `rules.${k}`)])) as JoinRules;
  const lagCompensation = Object.fromEntries(JOIN_LAG_KEYS.map((k, i) => [k, f64(OFF_LAG + 8 * i, `lagCompensation.${k}`)])) as JoinLagCompensation;
  return {
    player: rawPlayer === SPECTATOR ? -1 : rawPlayer,
    players,
    spectatorReason: reason,
    seed: v.getUint32(8, true),
    capacity,
    npcs: v.getUint32(16, true),
    hashEveryFrames: v.getUint32(20, true),
    serverFrame: v.getUint32(24, true),
    stateBytes,
    tickHz: f64(OFF_TICK_HZ, 'tickHz'),
    bounds,
    npc: { topSpeedMps: f64(OFF_NPC, 'npc.topSpeedMps'), wanderMinS: f64(OFF_NPC + 8, 'npc.wanderMinS'), wanderMaxS: f64(OFF_NPC + 16, 'npc.wanderMaxS'), idlePercent: bytes[5]! },
    rules,
    lagCompensation,
  };
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
