// The fixed-step loop both servers run (DeclaredServer, DeclaredRoomServer): wakes when the next tick is
// due, runs every tick the clock says is due (up to its catch-up limit), contains a tick that
// throws (counted in chronos_tick_errors_total, logged at most once a second: one tick's bug must
// not stop the world, nor flood the log), and reports the clock's overruns and dropped ticks.

import { performance } from 'node:perf_hooks';
import { Counter } from 'prom-client';
import type { FixedStepClock } from '../core/clock.js';
import type { ServerMetrics } from './metrics.js';

export class TickLoop {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private readonly errors: Counter;
  private lastErrorLogMs = -Infinity;
  private reportedOverruns = 0;
  private reportedDroppedTicks = 0;

  constructor(
    private readonly clock: FixedStepClock,
    private readonly metrics: ServerMetrics,
    private readonly runTick: () => void,
    private readonly log: (line: string) => void,
  ) {
    this.errors = new Counter({ name: 'chronos_tick_errors_total', help: 'Ticks that threw (contained: the loop carries on)', registers: [metrics.registry] });
  }

  /** Ticks from now on (the clock starts counting here). */
  start(manual: boolean): void {
    this.running = true;
    this.clock.advance(performance.now());
    if (!manual) this.schedule();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => this.loop(), Math.max(1, Math.floor(this.clock.msUntilNextTick())));
  }

  private loop(): void {
    const due = this.clock.advance(performance.now());
    for (let i = 0; i < due; i++) {
      try {
        this.runTick();
      } catch (err) {
        this.errors.inc();
        const nowMs = performance.now();
        if (nowMs - this.lastErrorLogMs >= 1000) {
          this.lastErrorLogMs = nowMs;
          this.log(`chronos: a tick threw (counted in chronos_tick_errors_total): ${(err as Error)?.stack ?? String(err)}`);
        }
      }
    }
    if (this.clock.overruns !== this.reportedOverruns) {
      this.metrics.tickOverruns.inc(this.clock.overruns - this.reportedOverruns);
      this.metrics.droppedTicks.inc(this.clock.droppedTicks - this.reportedDroppedTicks);
      this.reportedOverruns = this.clock.overruns;
      this.reportedDroppedTicks = this.clock.droppedTicks;
    }
    this.schedule();
  }
}
