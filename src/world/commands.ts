// Avatar commands: what world mode's step reads (assembly/sim/world-step.ts has the same table),
// and the conversion of an input as the wire carries it (world-messages.ts INPUT record) into
// one. Both the server (InputAuthority) and a client's predictor (OwnPredictor) write them, so
// an input means the same thing in both places.
//
// Command, CMD_BYTES = 16 (little-endian):
// | off | type | field                                                                   |
// |   0 | u32  | avatar slot                                                             |
// |   4 | i8   | move x, -127..127           |   5 | i8  | move y, -127..127               |
// |   6 | u8   | buttons: FIRE 1, SHOOT 2    |   7 | u8  | reserved, 0                     |
// |   8 | u16  | aim, binary angle                                                       |
// |  10 | u16  | view delay of a SHOOT, 1/256 tick (what the compensator rewound)        |
// |  12 | u32  | SHOOT verdict: entity id hit, or NO_TARGET (written by the compensator) |

import { BUTTON_SHOOT, NO_TARGET } from '../codec/rollback-input.js';

export const CMD_BYTES = 16;
export const CMD_SLOT = 0;
export const CMD_MOVE_X = 4;
export const CMD_MOVE_Y = 5;
export const CMD_BUTTONS = 6;
export const CMD_AIM = 8;
export const CMD_VIEW_DELAY = 10;
export const CMD_TARGET = 12;

/**
 * View delay, in 1/256 tick, of a view of server tick (low 16 bits `viewTick` + `fraction`/256)
 * seen from tick `tick`: the most recent tick with those low bits at or before `tick`. A view
 * claimed ahead of `tick` counts as no delay; anything beyond 255 ticks saturates (and is then
 * beyond any compensation cap).
 */
export function viewDelayQ8(tick: number, viewTick: number, fraction: number): number {
  const ticksBack = (tick - viewTick) & 0xffff;
  return Math.max(0, Math.min(0xffff, ticksBack * 256 - fraction));
}

/**
 * Writes command `index` of `out` for `slot` from the wire record at `wire[wireOffset..+8)`
 * (already checked by checkWireInput): the move, buttons and aim, a SHOOT's view delay as seen
 * from server tick `tick`; no verdict yet.
 */
export function writeCommand(out: DataView, index: number, slot: number, wire: Uint8Array, wireOffset: number, tick: number): void {
  const o = index * CMD_BYTES;
  out.setUint32(o + CMD_SLOT, slot, true);
  out.setUint8(o + CMD_MOVE_X, wire[wireOffset]!);
  out.setUint8(o + CMD_MOVE_Y, wire[wireOffset + 1]!);
  out.setUint8(o + CMD_BUTTONS, wire[wireOffset + 2]!);
  out.setUint8(o + 7, 0);
  out.setUint16(o + CMD_AIM, wire[wireOffset + 4]! | (wire[wireOffset + 5]! << 8), true);
  const shoot = (wire[wireOffset + 2]! & BUTTON_SHOOT) !== 0;
  const delay = shoot ? viewDelayQ8(tick, wire[wireOffset + 6]! | (wire[wireOffset + 7]! << 8), wire[wireOffset + 3]!) : 0;
  out.setUint16(o + CMD_VIEW_DELAY, delay, true);
  out.setUint32(o + CMD_TARGET, NO_TARGET, true);
}
