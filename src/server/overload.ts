// OverloadGovernor: what the server does when its ticks no longer fit their time. Dropping ticks
// silently would slow the whole world for everyone; instead the server sheds the work that
// scales with its clients, on purpose and visibly (the seed's engagement zones: what is far
// away can be updated less often), and gives it back when the load falls.
//
// | level      | enters when                          | interest                                   |
// |------------|--------------------------------------|--------------------------------------------|
// | 0 normal   | -                                    | as configured                              |
// | 1 degraded | tick p90 > 85 % of its budget (1 s)  | budgets x 0.75; clients treated as 'fair'  |
// |            |                                      | (zones 30 / 12 / 2 / 0.2 Hz)               |
// | 2 degraded | tick p90 > 100 % of its budget (1 s) | budgets x 0.5; clients treated as 'poor'   |
// |            |                                      | (the lowest network class's rates)         |
// A level is left after 2 s with the p90 under 60 % of the budget (hysteresis: no flapping).
// /healthz says `degraded` with the reason; /metrics has the level, the transitions and the
// time spent degraded.

import { InvalidArgumentError } from '../core/errors.js';

export const OVERLOAD_LEVELS = ['normal', 'degraded', 'degraded-more'] as const;
export type OverloadLevel = 0 | 1 | 2;


const WINDOW_TICKS = 60;
const ENTER = [Infinity, 0.85, 1.0];
const LEAVE_BELOW = 0.6;
const LEAVE_AFTER_TICKS = 120;

export class OverloadGovernor {
  readonly budgetMs: number;
  level: OverloadLevel = 0;
  /** Why the level is what it is (for /healthz). */
  reason = '';
  /** Transitions into each level, and ticks spent above level 0. */
  readonly entered = [0, 0, 0];
  degradedTicks = 0;
  private readonly recent = new Float64Array(WINDOW_TICKS);
  private readonly sorted = new Float64Array(WINDOW_TICKS);
  private count = 0;
  private calmTicks = 0;
  /** The p90 of the recent ticks, ms. */
  p90Ms = 0;

  /** `shedding(level)` says what the server sheds at a level, for the reason (default: nothing named). */
  constructor(tickHz: number, private readonly shedding: (level: OverloadLevel) => string = (level) => `shedding at level ${level}`) {
    if (!(tickHz > 0)) throw new InvalidArgumentError(`tickHz must be positive, got ${tickHz}`);
    this.budgetMs = 1000 / tickHz;
  }

  /** Takes one tick's duration; returns the level for the next tick. */
  observe(tickMs: number): OverloadLevel {
    this.recent[this.count % WINDOW_TICKS] = tickMs;
    this.count++;
    if (this.level > 0) this.degradedTicks++;
    // The first two seconds are left out: a server's first ticks run before the JIT has
    // compiled anything and say nothing about its load.
    if (this.count % 15 !== 0 || this.count < 2 * WINDOW_TICKS) return this.level;
    this.sorted.set(this.recent);
    this.sorted.sort();
    this.p90Ms = this.sorted[Math.floor(0.9 * (WINDOW_TICKS - 1))]!;
    const load = this.p90Ms / this.budgetMs;
    if (this.level < 2 && load > ENTER[this.level + 1]!) {
      this.set((this.level + 1) as OverloadLevel, load);
      this.calmTicks = 0;
    } else if (this.level > 0 && load < LEAVE_BELOW) {
      this.calmTicks += 15;
      if (this.calmTicks >= LEAVE_AFTER_TICKS) {
        this.set((this.level - 1) as OverloadLevel, load);
        this.calmTicks = 0;
      }
    } else this.calmTicks = 0;
    return this.level;
  }

  private set(level: OverloadLevel, load: number): void {
    this.level = level;
    this.entered[level]!++;
    this.reason = level === 0 ? '' : `tick p90 ${this.p90Ms.toFixed(1)} ms is ${Math.round(load * 100)} % of the ${this.budgetMs.toFixed(1)} ms budget: ${this.shedding(level)}`;
  }

  get degraded(): boolean {
    return this.level > 0;
  }
}
