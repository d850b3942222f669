// A program's input (PlayerInput: unit move axes, aim in radians, buttons) in world mode's wire
// form (WireInput: quantised axes and aim, button bits, the view tick a shot is judged at).

import { InvalidValueError } from '../core/errors.js';
import { AIM_TURN, MOVE_MAX, type PlayerInput } from '../codec/rollback-input.js';
import { WIRE_BUTTON_FIRE, WIRE_BUTTON_SHOOT, type WireInput } from '../codec/world-messages.js';

/** The wire form of a program's input (validated: InvalidValueError for NaN or out of range). */
export function toWireInput(input: PlayerInput, viewTick: number, out: WireInput): WireInput {
  const unit = (field: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidValueError(field, v, 'not a finite number');
    if (v < -1 || v > 1) throw new InvalidValueError(field, v, 'outside [-1, 1]');
    return v;
  };
  const mx = Math.round(unit('moveX', input.moveX) * MOVE_MAX);
  const my = Math.round(unit('moveY', input.moveY) * MOVE_MAX);
  const aim = input.aimRad;
  if (typeof aim !== 'number' || !Number.isFinite(aim) || Math.abs(aim) > 1e6) throw new InvalidValueError('aimRad', aim, 'not a finite number within ±1e6 rad');
  const turns = aim / (2 * Math.PI);
  out.moveX = mx;
  out.moveY = my;
  out.aim = Math.round((turns - Math.floor(turns)) * AIM_TURN) % AIM_TURN;
  out.buttons = (input.fire === true ? WIRE_BUTTON_FIRE : 0) | (input.shoot === true ? WIRE_BUTTON_SHOOT : 0);
  if (input.shoot === true && viewTick >= 0) {
    const whole = Math.floor(viewTick);
    out.viewTick = whole & 0xffff;
    out.viewFraction = Math.min(255, Math.floor((viewTick - whole) * 256));
  } else {
    out.viewTick = 0;
    out.viewFraction = 0;
  }
  return out;
}
