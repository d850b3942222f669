// What the rollback layer needs from a game, and nothing more: one contiguous state region in the
// arena, a deterministic step over it that reads fixed-size input records, and a hash. A declared
// game's room (DeclaredRoomGame, declared-room.ts) implements it over the game's store and its
// own module; so does the rollback tests' reference game (test/fixtures/reference-game).

import { InvalidArgumentError } from '../core/errors.js';
import type { Arena } from '../wasm/arena.js';
import type { RollbackInputFormat } from '../codec/rollback-input-format.js';

export interface RollbackGame {
  /** The arena holding the state; the snapshot ring and the input staging come from it too. */
  readonly arena: Arena;
  /** Byte address of the state region (stable: regions never move). */
  readonly statePtr: number;
  /** Its length: a multiple of 16, the size of every snapshot. */
  readonly stateBytes: number;
  /** Size of one player's input record for one frame. */
  readonly inputBytes: number;
  /**
   * How its records travel and what a client may not claim in them (a declared room's:
   * declaredInputFormat). Its recordBytes must be inputBytes. A game served over the network
   * (RollbackServer, RollbackClient) needs one; SyncTestSession does not.
   */
  readonly inputFormat?: RollbackInputFormat;
  /** Players per frame: the step reads this many records. */
  readonly players: number;
  /** The frame the state is at (steps completed). */
  frame(): number;
  /** One deterministic step with `playerCount` records at `inputsPtr`. */
  advance(inputsPtr: number, playerCount: number): void;
  /** 64-bit hash of the state region (unsigned). */
  hash(): bigint;
  /** The state has just become frame `frame` (after a step, a restore or an installed state). */
  onFrame?(frame: number): void;
  /**
   * Fills in the parts of a player's record that the one who simulates decides rather than the
   * player (for the reference game: the verdict of a lag-compensated shot). Called with the
   * state at `frame`, just before the step that uses the record.
   */
  resolveClaim?(frame: number, player: number, records: Uint8Array, offset: number): void;
  /**
   * The input to assume for a player nobody has heard from yet (no earlier input to repeat),
   * e.g. right after a full state arrives. Default: all zero.
   */
  neutralInput?(player: number, out: Uint8Array, offset: number): void;
  /** Why `bytes` cannot be installed as this game's state (wrong layout, size...), or null. */
  checkState?(bytes: Uint8Array): string | null;
}

/** The game's input format, which a session needs to put its records on the wire. */
export function formatOf(game: RollbackGame): RollbackInputFormat {
  const format = game.inputFormat;
  if (!format) throw new InvalidArgumentError('this game has no inputFormat: a rollback session sends its records over the network and needs one (declaredInputFormat)');
  if (format.recordBytes !== game.inputBytes) throw new InvalidArgumentError(`the input format's records are ${format.recordBytes} bytes, the game's ${game.inputBytes}`);
  return format;
}
