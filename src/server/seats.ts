// Player numbers of the play session: who holds which of the session's numbers, and who waits
// for one. A number freed at frame F is handed out again only after frame F has been simulated,
// so the step sees the old avatar leave before a new player takes the number (otherwise the
// newcomer would inherit its position and hit points). Waiting is first come, first served.
// Everything is bounded by the session size and the connection limit, and freed on release.

import { InvalidArgumentError, StateError } from '../core/errors.js';

const FREE = -1;

export class Seats<T> {
  readonly size: number;
  /** Holder of each number, undefined when free. */
  private readonly holders: (T | undefined)[];
  /** Frame at which each number was last freed (FREE: never held). */
  private readonly freedAt: Float64Array;
  private readonly queue: T[] = [];
  private taken = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new InvalidArgumentError(`seats must be a positive integer, got ${size}`);
    this.size = size;
    this.holders = new Array<T | undefined>(size).fill(undefined);
    this.freedAt = new Float64Array(size).fill(FREE);
  }

  get count(): number {
    return this.taken;
  }

  get waiting(): number {
    return this.queue.length;
  }

  holder(player: number): T | undefined {
    return this.holders[player];
  }

  /** The lowest number free for a player joining before `frame` is simulated, or -1. */
  available(frame: number): number {
    for (let p = 0; p < this.size; p++) {
      if (this.holders[p] === undefined && this.freedAt[p]! < frame) return p;
    }
    return -1;
  }

  /** Gives `holder` the lowest available number; -1 when none is (then it may wait). */
  take(holder: T, frame: number): number {
    const p = this.available(frame);
    if (p < 0) return -1;
    this.holders[p] = holder;
    this.taken++;
    this.leaveQueue(holder);
    return p;
  }

  /** Frees `player`'s number at `frame` (the server's frame when its avatar was removed). */
  release(player: number, frame: number): void {
    if (this.holders[player] === undefined) throw new StateError(`seat ${player} is not taken`);
    this.holders[player] = undefined;
    this.freedAt[player] = frame;
    this.taken--;
  }

  /** Puts `holder` at the back of the queue for a number (no-op if already waiting). */
  wait(holder: T): void {
    if (!this.queue.includes(holder)) this.queue.push(holder);
  }

  leaveQueue(holder: T): void {
    const i = this.queue.indexOf(holder);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** The longest-waiting holder, if a number is available for it now. */
  nextToSeat(frame: number): T | undefined {
    return this.queue.length > 0 && this.available(frame) >= 0 ? this.queue[0] : undefined;
  }
}
