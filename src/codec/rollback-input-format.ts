// How a rollback game's input records look on the wire and in the input log. The rollback layer
// stores one full record per player and frame (what the step reads and CONFIRMED carries); a
// client sends a narrower wire form of it. The server widens each wire input it accepts: it
// marks the player present and clears what only the simulator decides (a verdict), so nothing
// a client sends can claim either.
//
// A declared game's format (declaredInputFormat) is its GameInputCodec record on the wire, and
// in the log that record plus a presence byte, padded to 4. (The rollback tests' reference game
// has a hand-written one: test/fixtures/reference-game/input.ts.)

import { GameInputCodec } from './game-input.js';
import type { Game, GameDeclaration } from '../core/game.js';

/** Why a client's input was refused (the whole packet is dropped and counted under it). */
export type InputProblem = 'move_range' | 'buttons' | 'reserved' | 'input_value';

export interface RollbackInputFormat {
  /** Bytes of one full record: what the step reads and CONFIRMED carries. */
  readonly recordBytes: number;
  /** Bytes of one input in a client's INPUT message. */
  readonly wireBytes: number;
  /** Why the wire input at `wire[offset]` is malformed, or null. */
  problem(wire: Uint8Array, offset: number): InputProblem | null;
  /** A checked wire input as a full record at `out[at]`: present, no verdict. */
  widen(wire: Uint8Array, offset: number, out: Uint8Array, at: number): void;
  /** The wire form of the full record at `record[offset]`, written at `out[at]`. */
  narrow(record: Uint8Array, offset: number, out: Uint8Array, at: number): void;
  /** Marks the record at `record[offset]` a present player's and clears its verdict (a repeated input). */
  stamp(record: Uint8Array, offset: number): void;
  /** Whether the record at `record[offset]` is a present player's. */
  present(record: Uint8Array, offset: number): boolean;
}

/**
 * A declared game's records: the input codec's bytes (fields packed by the declaration, checked
 * by it: a value out of its range is 'input_value'), then one presence byte, padded to 4. The
 * verdict fields (`verdicts`, e.g. a rifle's target, which the server's judge writes) are set to
 * their stored zero code whenever a record is widened or stamped, so a client cannot claim one.
 */
export function declaredInputFormat<D extends GameDeclaration>(game: Game<D>, verdicts: readonly string[] = []): RollbackInputFormat & { readonly codec: GameInputCodec<D> } {
  const codec = new GameInputCodec(game);
  const wireBytes = codec.bytes;
  const presentAt = wireBytes;
  const recordBytes = (wireBytes + 1 + 3) & ~3;
  const cleared = verdicts.map((name) => {
    const index = game.input.findIndex((f) => f.name === `input.${name}` || f.name.slice(6) === name);
    if (index < 0) throw new RangeError(`verdict "${name}" is not one of ${game.name}'s input fields`);
    return index;
  });
  // A verdict's "none": the code of stored 0, or the nearest its range has.
  const none = cleared.map((i) => {
    const f = game.input[i]!;
    return f.codeMin > 0 ? f.codeMin : f.codeMax < 0 ? f.codeMax : 0;
  });
  const codes = new Int32Array(Math.max(1, game.input.length));
  const clearVerdicts = (record: Uint8Array, offset: number) => {
    // Only a record that decodes (every one the log holds was checked when it was widened).
    if (cleared.length === 0 || codec.check(record, offset, codes) !== null) return;
    cleared.forEach((i, k) => (codes[i] = none[k]!));
    codec.encodeCodes(codes, record, offset);
  };
  const format = {
    codec,
    recordBytes,
    wireBytes,
    problem: (wire: Uint8Array, offset: number): InputProblem | null => (codec.check(wire, offset) === null ? null : 'input_value'),
    widen(wire: Uint8Array, offset: number, out: Uint8Array, at: number): void {
      out.fill(0, at, at + recordBytes);
      out.set(wire.subarray(offset, offset + wireBytes), at);
      format.stamp(out, at);
    },
    narrow(record: Uint8Array, offset: number, out: Uint8Array, at: number): void {
      out.set(record.subarray(offset, offset + wireBytes), at);
    },
    stamp(record: Uint8Array, offset: number): void {
      record[offset + presentAt] = 1;
      clearVerdicts(record, offset);
    },
    present: (record: Uint8Array, offset: number): boolean => record[offset + presentAt] === 1,
  };
  return format;
}
