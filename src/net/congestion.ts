// Latency-first congestion control for one connection (the seed's game-optimised controller):
// consistent latency matters more than throughput, so the controller backs off as soon as the
// round trip rises above its baseline, before queues overflow into loss.
//
// | state        | entered when                            | budget multiplier | base rate     |
// | normal       | loss <= 2 % and RTT <= baseline + 20 ms | 1                 | x1.1 per step |
// | conservative | loss > 2 %, or RTT > baseline + 20 ms   | 0.75              | x0.9 on loss  |
// | emergency    | loss > 5 %                              | 0.5               | x0.8 per step |
//
// A step is every max(100 ms, 2 x smoothed RTT), so one cut has time to show in the
// measurements before the next. The budget is a token bucket refilled at the effective rate and
// holding at most BURST_MS of it: `budgetBytes()` is what the connection may still send now,
// which is what interest management sizes each tick's snapshot to. Critical messages are sent
// the first time whatever the budget and still consume tokens (they use the same link); their
// resends wait for the budget like everything else, so a peer that stops acking pulls no more
// than the congestion rate (which its silence drives down). Priority classes: in conservative
// state low is suspended, in emergency medium and low.

import type { NetClock } from './clock.js';
import type { RttEstimator } from './rtt.js';

export interface CongestionOptions {
  /** Rate a new connection starts at, bytes/s. */
  initialBytesPerSec: number;
  minBytesPerSec: number;
  maxBytesPerSec: number;
  /** The bucket holds this much time's worth of the rate. */
  burstMs: number;
}

export const DEFAULT_CONGESTION: Readonly<CongestionOptions> = Object.freeze({
  // 1 MiB/s carries a room's full world state (2,000 NPCs x 16 B at 20 Hz) from the start.
  initialBytesPerSec: 1 << 20,
  minBytesPerSec: 32 << 10,
  maxBytesPerSec: 8 << 20,
  burstMs: 100,
});

export const CONSERVATIVE_LOSS = 0.02;
export const EMERGENCY_LOSS = 0.05;
export const RTT_RISE_MS = 20;
export const MIN_STEP_MS = 100;
const GROWTH = 1.1;
const CONSERVATIVE_CUT = 0.9;
const EMERGENCY_CUT = 0.8;
/** The bucket never holds less than this, so one full-size message fits at the minimum rate. */
const MIN_BUCKET_BYTES = 16 << 10;

export enum CongestionState {
  Normal = 0,
  Conservative = 1,
  Emergency = 2,
}
const STATE_MULTIPLIER = [1, 0.75, 0.5] as const;

export class CongestionController {
  readonly options: CongestionOptions;
  state = CongestionState.Normal;
  /** Rate before the state multiplier, bytes/s. */
  baseBytesPerSec: number;
  private tokens: number;
  private lastRefillMs = -1;
  private lastStepMs = -1;
  cuts = 0;
  private readonly clock: NetClock;

  constructor(clock: NetClock, options: Partial<CongestionOptions> = {}) {
    this.clock = clock;
    this.options = { ...DEFAULT_CONGESTION, ...options };
    const o = this.options;
    if (!(o.minBytesPerSec > 0 && o.minBytesPerSec <= o.initialBytesPerSec && o.initialBytesPerSec <= o.maxBytesPerSec)) {
      throw new RangeError(`congestion rates must satisfy 0 < min (${o.minBytesPerSec}) <= initial (${o.initialBytesPerSec}) <= max (${o.maxBytesPerSec})`);
    }
    this.baseBytesPerSec = o.initialBytesPerSec;
    this.tokens = this.bucketBytes;
  }

  /** Rate the connection may send at now, bytes/s. */
  get bytesPerSec(): number {
    return Math.max(this.options.minBytesPerSec, this.baseBytesPerSec * STATE_MULTIPLIER[this.state]);
  }

  private get bucketBytes(): number {
    return Math.max(MIN_BUCKET_BYTES, (this.bytesPerSec * this.options.burstMs) / 1000);
  }

  /** Refills the bucket and, once per step, re-reads loss and RTT. */
  update(rtt: RttEstimator): void {
    const nowMs = this.clock.nowMs;
    if (this.lastRefillMs < 0) this.lastRefillMs = nowMs;
    const dt = Math.max(0, nowMs - this.lastRefillMs);
    this.lastRefillMs = nowMs;
    this.tokens = Math.min(this.bucketBytes, this.tokens + (this.bytesPerSec * dt) / 1000);
    if (this.lastStepMs < 0) this.lastStepMs = nowMs;
    if (nowMs - this.lastStepMs < Math.max(MIN_STEP_MS, 2 * rtt.srttMs)) return;
    this.lastStepMs = nowMs;
    const o = this.options;
    if (rtt.loss > EMERGENCY_LOSS) {
      this.state = CongestionState.Emergency;
      this.baseBytesPerSec = Math.max(o.minBytesPerSec, this.baseBytesPerSec * EMERGENCY_CUT);
      this.cuts++;
    } else if (rtt.loss > CONSERVATIVE_LOSS) {
      this.state = CongestionState.Conservative;
      this.baseBytesPerSec = Math.max(o.minBytesPerSec, this.baseBytesPerSec * CONSERVATIVE_CUT);
      this.cuts++;
    } else if (rtt.samples > 0 && rtt.srttMs > rtt.baselineMs + RTT_RISE_MS) {
      this.state = CongestionState.Conservative;
    } else {
      this.state = CongestionState.Normal;
      this.baseBytesPerSec = Math.min(o.maxBytesPerSec, this.baseBytesPerSec * GROWTH);
    }
    this.tokens = Math.min(this.tokens, this.bucketBytes);
  }

  /** Bytes the connection may still send now (non-critical traffic). */
  budgetBytes(): number {
    return this.tokens > 0 ? Math.floor(this.tokens) : 0;
  }

  consume(bytes: number): void {
    // Critical traffic may overdraw the bucket by up to one bucket; the debt delays the rest.
    this.tokens = Math.max(-this.bucketBytes, this.tokens - bytes);
  }

  /** Whether a priority class may send at all in the current state (0 critical .. 3 low). */
  allows(priority: number): boolean {
    if (this.state === CongestionState.Emergency) return priority <= 1;
    if (this.state === CongestionState.Conservative) return priority <= 2;
    return true;
  }

  reset(): void {
    this.state = CongestionState.Normal;
    this.baseBytesPerSec = this.options.initialBytesPerSec;
    this.tokens = this.bucketBytes;
    this.lastRefillMs = -1;
    this.lastStepMs = -1;
  }
}
