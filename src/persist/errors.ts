// What a save can go wrong with, as typed errors (ChronosError codes). Every one is thrown before
// the running world is touched: decoding and every check come first, the copy into the world last.
//
// | class             | code            | when                                                        |
// |-------------------|-----------------|-------------------------------------------------------------|
// | InvalidSaveError  | E_SAVE_INVALID  | the bytes are not a good save: `reason` says which check    |
// | SaveMismatchError | E_SAVE_MISMATCH | a good save that does not fit this world (seed, bounds, ...) |
// | SaveStoreError    | E_SAVE_STORE    | the store could not read or write (file system, network)    |

import { ChronosError, type ChronosErrorCode } from '../core/errors.js';

/** Which check refused the bytes, in the order the decoder runs them. */
export type InvalidSaveReason =
  | 'truncated' // fewer bytes than the header or a section says
  | 'magic' // not a Chronos save
  | 'version' // a format version this build does not read
  | 'length' // more bytes than the header says
  | 'checksum' // the body's CRC-32 differs from the header's
  | 'layout' // a section, field, kind or column that does not parse
  | 'value'; // parses, but a value is out of range (NaN, outside the world, a slot beyond the capacity...)

/** Every error about saves. */
export abstract class SaveError extends ChronosError {
  protected constructor(code: ChronosErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export class InvalidSaveError extends SaveError {
  readonly reason: InvalidSaveReason;

  constructor(reason: InvalidSaveReason, message: string) {
    super('E_SAVE_INVALID', `invalid save (${reason}): ${message}`);
    this.reason = reason;
  }
}

/** What in the world differs from the save: an option name ('seed', 'bounds', 'tickHz', 'capacity', 'unit'). */
export class SaveMismatchError extends SaveError {
  readonly differences: readonly { option: string; saved: string; current: string }[];

  constructor(differences: readonly { option: string; saved: string; current: string }[], hint = '') {
    super(
      'E_SAVE_MISMATCH',
      `the save does not fit this world: ${differences.map((d) => `${d.option} is ${d.saved} in the save, ${d.current} here`).join('; ')}${hint ? ` (${hint})` : ''}`,
    );
    this.differences = differences;
  }
}

export class SaveStoreError extends SaveError {
  readonly operation: 'read' | 'write';
  readonly target: string;

  constructor(operation: 'read' | 'write', target: string, cause: unknown) {
    super('E_SAVE_STORE', `cannot ${operation} ${target}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.operation = operation;
    this.target = target;
  }
}
