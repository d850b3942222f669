// One player's inputs by frame: a bounded ring (GGPO's InputQueue) in one ArrayBuffer. Frame f
// lives in slot f % capacity with its frame number and status beside it, so a slot left over
// from an older frame is never read as the frame asked for.
//
// Status of a held input:
//   PREDICTED  guessed for a remote player (repeat the newest confirmed input) and used;
//   LOCAL      this machine's own input, known but not yet confirmed by the authority;
//   CONFIRMED  the authority's input for that frame: final.
// When a confirmation replaces a PREDICTED or LOCAL input that was already simulated with
// different bytes, the caller learns it (`confirm` returns true) and rolls back to that frame.

import { InvalidArgumentError } from '../core/errors.js';
import { NULL_FRAME } from './frames.js';

export const INPUT_EMPTY = 0;
export const INPUT_PREDICTED = 1;
export const INPUT_LOCAL = 2;
export const INPUT_CONFIRMED = 3;
export type InputStatus = typeof INPUT_EMPTY | typeof INPUT_PREDICTED | typeof INPUT_LOCAL | typeof INPUT_CONFIRMED;

export class InputQueue {
  readonly capacity: number;
  readonly inputBytes: number;
  /** capacity * inputBytes bytes of records. */
  readonly bytes: Uint8Array;
  private readonly frames: Float64Array;
  private readonly status: Uint8Array;
  /** Newest frame with a CONFIRMED input, NULL_FRAME if none. */
  lastConfirmedFrame = NULL_FRAME;
  /** Newest frame with a LOCAL or CONFIRMED input put by the owner, NULL_FRAME if none. */
  lastPutFrame = NULL_FRAME;

  constructor(capacity: number, inputBytes: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new InvalidArgumentError(`input queue capacity must be an integer >= 2, got ${capacity}`);
    if (!Number.isInteger(inputBytes) || inputBytes < 1) throw new InvalidArgumentError(`input size must be a positive integer, got ${inputBytes}`);
    this.capacity = capacity;
    this.inputBytes = inputBytes;
    this.bytes = new Uint8Array(capacity * inputBytes);
    this.frames = new Float64Array(capacity).fill(NULL_FRAME);
    this.status = new Uint8Array(capacity);
  }

  /** Byte offset of frame's record in `bytes`, or -1 if the ring does not hold that frame. */
  offsetOf(frame: number): number {
    const slot = frame % this.capacity;
    return this.frames[slot] === frame ? slot * this.inputBytes : -1;
  }

  statusOf(frame: number): InputStatus {
    const slot = frame % this.capacity;
    return this.frames[slot] === frame ? (this.status[slot] as InputStatus) : INPUT_EMPTY;
  }

  /** Stores a record for `frame` (overwriting whatever the slot held); returns its offset. */
  put(frame: number, src: Uint8Array, srcOffset: number, status: InputStatus): number {
    const slot = frame % this.capacity;
    const off = slot * this.inputBytes;
    this.bytes.set(src.subarray(srcOffset, srcOffset + this.inputBytes), off);
    this.frames[slot] = frame;
    this.status[slot] = status;
    if (status === INPUT_CONFIRMED && frame > this.lastConfirmedFrame) this.lastConfirmedFrame = frame;
    if (status !== INPUT_PREDICTED && frame > this.lastPutFrame) this.lastPutFrame = frame;
    return off;
  }

  /**
   * Records the authority's input for `frame`. Returns true when a PREDICTED or LOCAL input of
   * different bytes was held for it (a misprediction if that frame was already simulated).
   */
  confirm(frame: number, src: Uint8Array, srcOffset: number): boolean {
    const slot = frame % this.capacity;
    const off = slot * this.inputBytes;
    let differs = false;
    if (this.frames[slot] === frame && this.status[slot] !== INPUT_CONFIRMED) {
      for (let i = 0; i < this.inputBytes; i++) {
        if (this.bytes[off + i] !== src[srcOffset + i]) {
          differs = true;
          break;
        }
      }
    }
    this.put(frame, src, srcOffset, INPUT_CONFIRMED);
    return differs;
  }

  /** Forgets every input (after a full-state resync or on disconnect). */
  clear(): void {
    this.frames.fill(NULL_FRAME);
    this.status.fill(INPUT_EMPTY);
    this.lastConfirmedFrame = NULL_FRAME;
    this.lastPutFrame = NULL_FRAME;
  }
}
