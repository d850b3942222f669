// The world client's input clock: how many input frames are due, at the rate the server
// actually ticks (measured from OWN's ticks: an overloaded server may run below its nominal
// rate), nudged by how many of its inputs the server holds unapplied (OWN's queue depth): a
// clock that runs fast would overfill the server's queue, one that runs slow would leave it
// starved.

/** Frames one update may run: a stalled page does not replay seconds of input at once. */
const MAX_FRAMES_PER_UPDATE = 8;
/** The input clock aims at this many inputs waiting on the server (jitter cover, ~1 tick). */
const TARGET_SERVER_QUEUE = 1;
const MIN_SPEED = 0.5;
const MAX_SPEED = 1.05;
/** The server's tick rate is measured over windows of this long. */
const RATE_WINDOW_MS = 1000;

export class InputClock {
  private clockMs = -1;
  private accumulatorMs = 0;
  private speedFactor = 1;
  private queueMean = TARGET_SERVER_QUEUE;
  /** The server's measured tick rate over its nominal one (1: on time), and its window. */
  private serverRate = 1;
  private rateStartMs = -1;
  private rateStartTick = 0;

  /** Input clock speed (1 = the server's tick rate). */
  get speed(): number {
    return this.speedFactor;
  }

  /** A new JOIN: the clock and its steering start afresh. */
  reset(): void {
    this.clockMs = -1;
    this.accumulatorMs = 0;
    this.speedFactor = 1;
    this.queueMean = TARGET_SERVER_QUEUE;
    this.serverRate = 1;
    this.rateStartMs = -1;
  }

  /** Not playing now: the clock starts afresh when it is again. */
  pause(): void {
    this.clockMs = -1;
  }

  /** The input frames due by `nowMs`, one per `tickMs` of clock time, at most MAX_FRAMES_PER_UPDATE. */
  framesDue(nowMs: number, tickMs: number): number {
    if (this.clockMs < 0) this.clockMs = nowMs;
    this.accumulatorMs += (nowMs - this.clockMs) * this.speedFactor;
    this.clockMs = nowMs;
    let frames = 0;
    while (this.accumulatorMs >= tickMs && frames < MAX_FRAMES_PER_UPDATE) {
      this.accumulatorMs -= tickMs;
      frames++;
    }
    // A stall longer than the cap drops the time it lost instead of replaying it later.
    if (this.accumulatorMs >= tickMs) this.accumulatorMs = 0;
    return frames;
  }

  /** Clock steering by an OWN: the server's own rate, then its queue depth (smoothed) against the target. */
  steer(serverTick: number, queued: number, nowMs: number, tickHz: number): void {
    if (this.rateStartMs < 0 || serverTick < this.rateStartTick) {
      this.rateStartMs = nowMs;
      this.rateStartTick = serverTick;
    } else if (nowMs - this.rateStartMs >= RATE_WINDOW_MS) {
      const measured = ((serverTick - this.rateStartTick) * 1000) / (nowMs - this.rateStartMs) / tickHz;
      this.serverRate = this.serverRate * 0.5 + Math.min(1.05, Math.max(0.2, measured)) * 0.5;
      this.rateStartMs = nowMs;
      this.rateStartTick = serverTick;
    }
    this.queueMean = this.queueMean * 0.9 + queued * 0.1;
    this.speedFactor = Math.min(MAX_SPEED, Math.max(MIN_SPEED, this.serverRate * (1 + 0.02 * (TARGET_SERVER_QUEUE - this.queueMean))));
  }
}
