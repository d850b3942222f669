// One player's input for one frame, as the rollback layer stores it, the reference step reads it
// (assembly/sim/input.ts has the same table) and the wire carries it.
//
// Input record, INPUT_BYTES = 12 (little-endian):
// | off | type | field                                                                        |
// |-----|------|------------------------------------------------------------------------------|
// |   0 | i8   | move x, -127..127 (127 = full speed towards +x)                              |
// |   1 | i8   | move y, -127..127 (towards +y); the step clamps the vector to length 127     |
// |   2 | u8   | buttons: FIRE 1, SHOOT 2, PRESENT 128                                        |
// |   3 | u8   | reserved, 0                                                                  |
// |   4 | u16  | aim, binary angle (65536 = one turn, 0 = +x, counter-clockwise)              |
// |   6 | u16  | view delay of a SHOOT claim: frames the shooter's view of others lagged this |
// |     |      | input's frame, in 1/256 frame                                                |
// |   8 | u32  | SHOOT verdict: entity id the lag compensator found hit, or NO_TARGET         |
//
// A client sends only the first 8 bytes (CLIENT_INPUT_BYTES): PRESENT is set by the session and
// the verdict by whoever resolves the shot (the server for confirmed frames, the client's own
// lag compensator for its prediction), never taken from the wire.

import { InvalidValueError } from '../core/errors.js';

export const INPUT_BYTES = 12;
export const CLIENT_INPUT_BYTES = 8;
export const IN_MOVE_X = 0;
export const IN_MOVE_Y = 1;
export const IN_BUTTONS = 2;
export const IN_RESERVED = 3;
export const IN_AIM = 4;
export const IN_VIEW_DELAY = 6;
export const IN_TARGET = 8;

export const BUTTON_FIRE = 1;
export const BUTTON_SHOOT = 2;
export const BUTTON_PRESENT = 128;
/** Buttons a client may press; anything else in a client's byte is malformed. */
export const CLIENT_BUTTONS = BUTTON_FIRE | BUTTON_SHOOT;
export const NO_TARGET = 0xffffffff;
export const MOVE_MAX = 127;
/** Binary angle units per turn. */
export const AIM_TURN = 65536;
/** View delay fixed point: 256 units per frame. */
export const VIEW_DELAY_ONE = 256;
export const VIEW_DELAY_MAX = 0xffff;

/** An input as a program states it: the move vector in [-1, 1] per axis, the aim in radians. */
export interface PlayerInput {
  readonly moveX: number;
  readonly moveY: number;
  readonly aimRad: number;
  /** Fire a projectile (the reference game's FIRE button). */
  readonly fire?: boolean;
  /** Hitscan shot, resolved against what this player saw (lag compensation). */
  readonly shoot?: boolean;
}

export const NEUTRAL_INPUT: PlayerInput = Object.freeze({ moveX: 0, moveY: 0, aimRad: 0 });

function checkUnit(field: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new InvalidValueError(field, value, 'not a number');
  if (!Number.isFinite(value)) throw new InvalidValueError(field, value, 'not finite');
  if (value < -1 || value > 1) throw new InvalidValueError(field, value, 'outside [-1, 1]');
  return value;
}

/**
 * Validates `input` and writes its record (PRESENT set, verdict NO_TARGET, view delay 0) at
 * `offset`. Throws InvalidValueError before writing anything if a value is NaN, infinite or out
 * of range.
 */
export function writeInput(out: Uint8Array, offset: number, input: PlayerInput): void {
  if (typeof input !== 'object' || input === null) throw new InvalidValueError('input', input, 'not an object');
  const mx = Math.round(checkUnit('moveX', input.moveX) * MOVE_MAX);
  const my = Math.round(checkUnit('moveY', input.moveY) * MOVE_MAX);
  const aim = input.aimRad;
  if (typeof aim !== 'number' || !Number.isFinite(aim)) throw new InvalidValueError('aimRad', aim, 'not a finite number');
  if (Math.abs(aim) > 1e6) throw new InvalidValueError('aimRad', aim, 'beyond ±1e6 rad');
  const turns = aim / (2 * Math.PI);
  const binary = Math.round((turns - Math.floor(turns)) * AIM_TURN) % AIM_TURN;
  let buttons = BUTTON_PRESENT;
  if (input.fire === true) buttons |= BUTTON_FIRE;
  if (input.shoot === true) buttons |= BUTTON_SHOOT;
  const v = new DataView(out.buffer, out.byteOffset + offset, INPUT_BYTES);
  v.setInt8(IN_MOVE_X, mx);
  v.setInt8(IN_MOVE_Y, my);
  v.setUint8(IN_BUTTONS, buttons);
  v.setUint8(IN_RESERVED, 0);
  v.setUint16(IN_AIM, binary, true);
  v.setUint16(IN_VIEW_DELAY, 0, true);
  v.setUint32(IN_TARGET, NO_TARGET, true);
}

/** Reads a record back into values (the quantised form of what was written). */
export function readInput(bytes: Uint8Array, offset: number): PlayerInput & { present: boolean; viewDelayFrames: number; target: number } {
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, INPUT_BYTES);
  const buttons = v.getUint8(IN_BUTTONS);
  return {
    moveX: Math.max(-MOVE_MAX, v.getInt8(IN_MOVE_X)) / MOVE_MAX,
    moveY: Math.max(-MOVE_MAX, v.getInt8(IN_MOVE_Y)) / MOVE_MAX,
    aimRad: (v.getUint16(IN_AIM, true) / AIM_TURN) * 2 * Math.PI,
    fire: (buttons & BUTTON_FIRE) !== 0,
    shoot: (buttons & BUTTON_SHOOT) !== 0,
    present: (buttons & BUTTON_PRESENT) !== 0,
    viewDelayFrames: v.getUint16(IN_VIEW_DELAY, true) / VIEW_DELAY_ONE,
    target: v.getUint32(IN_TARGET, true),
  };
}

/**
 * Why a client's 8-byte input is malformed, or null if it is well formed. Checked in this order:
 * move x, move y (-128 is outside the symmetric range), buttons (only FIRE and SHOOT), reserved.
 */
export function clientInputProblem(bytes: Uint8Array, offset: number): 'move_range' | 'buttons' | 'reserved' | null {
  if (bytes[offset + IN_MOVE_X] === 0x80 || bytes[offset + IN_MOVE_Y] === 0x80) return 'move_range';
  if ((bytes[offset + IN_BUTTONS]! & ~CLIENT_BUTTONS) !== 0) return 'buttons';
  if (bytes[offset + IN_RESERVED] !== 0) return 'reserved';
  return null;
}
