// Fixed-step clock (Glenn Fiedler, "Fix Your Timestep!"): real time accumulates and is spent in
// whole ticks of 1/tickHz, so the simulation always advances by the same step. If the process
// falls behind (a GC pause, a slow tick), it catches up by at most `maxCatchUpTicks` per
// advance and drops the rest of the backlog, counting an overrun, instead of spiralling.

import { ConfigError } from './errors.js';

export interface ClockOptions {
  tickHz?: number;
  /** Most ticks one `advance` may ask for; the backlog beyond is dropped and counted. */
  maxCatchUpTicks?: number;
}

export const DEFAULT_TICK_HZ = 60;
/** Five ticks (83 ms at 60 Hz): enough to absorb a GC pause without a visible time jump. */
export const DEFAULT_MAX_CATCH_UP_TICKS = 5;
const TIME_EPSILON_MS = 1e-6;

export class FixedStepClock {
  readonly tickHz: number;
  readonly stepMs: number;
  readonly maxCatchUpTicks: number;
  private accumulatorMs = 0;
  private lastMs: number | undefined;
  private ticks = 0;
  private overrunCount = 0;
  private droppedTickCount = 0;

  constructor(options: ClockOptions = {}) {
    const tickHz = options.tickHz ?? DEFAULT_TICK_HZ;
    const maxCatchUp = options.maxCatchUpTicks ?? DEFAULT_MAX_CATCH_UP_TICKS;
    if (!Number.isFinite(tickHz) || tickHz <= 0 || tickHz > 1000) throw new ConfigError('tickHz', `must be in (0, 1000], got ${tickHz}`);
    if (!Number.isInteger(maxCatchUp) || maxCatchUp < 1) throw new ConfigError('maxCatchUpTicks', `must be a positive integer, got ${maxCatchUp}`);
    this.tickHz = tickHz;
    this.stepMs = 1000 / tickHz;
    this.maxCatchUpTicks = maxCatchUp;
  }

  /**
   * Feeds the current time (ms, monotonic) and returns how many ticks to run now. The first
   * call only starts the clock. Time going backwards is ignored.
   */
  advance(nowMs: number): number {
    if (this.lastMs === undefined || !Number.isFinite(nowMs)) {
      if (Number.isFinite(nowMs)) this.lastMs = nowMs;
      return 0;
    }
    const elapsed = Math.max(0, nowMs - this.lastMs);
    this.lastMs = nowMs;
    this.accumulatorMs += elapsed;
    // The epsilon keeps 1000 ms at 60 Hz from counting 59.999999… ticks.
    let due = Math.floor((this.accumulatorMs + TIME_EPSILON_MS) / this.stepMs);
    if (due > this.maxCatchUpTicks) {
      this.overrunCount++;
      this.droppedTickCount += due - this.maxCatchUpTicks;
      due = this.maxCatchUpTicks;
      this.accumulatorMs = 0;
    } else {
      this.accumulatorMs = Math.max(0, this.accumulatorMs - due * this.stepMs);
    }
    this.ticks += due;
    return due;
  }

  /** Milliseconds until the next tick falls due (0 if one is due now). */
  msUntilNextTick(): number {
    return Math.max(0, this.stepMs - this.accumulatorMs);
  }

  /** Fraction of a step accumulated (0..1): the interpolation factor between ticks. */
  get alpha(): number {
    return Math.min(1, this.accumulatorMs / this.stepMs);
  }

  /** Ticks handed out by advance so far. */
  get tick(): number {
    return this.ticks;
  }

  /** Times the backlog exceeded maxCatchUpTicks. */
  get overruns(): number {
    return this.overrunCount;
  }

  /** Ticks skipped by overruns. */
  get droppedTicks(): number {
    return this.droppedTickCount;
  }
}
