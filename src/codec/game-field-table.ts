// Per-field numbers of a game laid out flat (typed arrays indexed by the field's global index)
// for the loops that cannot be compiled per type: the snapshot decoder's range checks and wrapped
// deltas.

import type { Game } from '../core/game.js';

/**
 * Per-field numbers of a game laid out flat for the encoder's inner loop (one object per game).
 */
export class FieldTable {
  readonly quantiser: Int32Array;
  readonly base: Float64Array;
  readonly scale: Float64Array;
  readonly modulus: Int32Array;
  readonly codeMin: Float64Array;
  readonly codeMax: Float64Array;
  readonly rawBits: Int32Array;
  readonly period: Int32Array;
  readonly signed: Uint8Array;

  constructor(game: Game) {
    const f = game.fields;
    this.quantiser = Int32Array.from(f, (p) => p.quantiser);
    this.base = Float64Array.from(f, (p) => p.base);
    this.scale = Float64Array.from(f, (p) => p.scale);
    this.modulus = Int32Array.from(f, (p) => p.modulus);
    this.codeMin = Float64Array.from(f, (p) => p.codeMin);
    this.codeMax = Float64Array.from(f, (p) => p.codeMax);
    this.rawBits = Int32Array.from(f, (p) => p.rawBits);
    this.period = Int32Array.from(f, (p) => p.period);
    this.signed = Uint8Array.from(f, (p) => (p.signed ? 1 : 0));
  }
}

const tables = new WeakMap<Game, FieldTable>();
export function fieldTable(game: Game): FieldTable {
  let t = tables.get(game);
  if (!t) tables.set(game, (t = new FieldTable(game)));
  return t;
}
