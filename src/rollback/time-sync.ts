// Time synchronisation of a predicting client. The client estimates the server's frame from the
// server frame numbers it receives and the round trip, and runs just far enough ahead of it that
// its inputs reach the server before the server simulates their frame:
//
//   lead = one-way latency + jitter margin - input delay          (frames)
//   target frame(now) = estimated server frame(now) + lead
//
// It never jumps to that target: it changes its own speed (time dilation, as Overwatch does
// and GGPO's frame-advantage waits approximate), by at most ±maxDilation and by at most
// maxDilationChangePerS per second, so a frame is always a frame's worth of simulation and
// motion stays smooth. The margin adapts to the server's report of how early the client's
// inputs arrive; its jitter part is capped (maxJitterMarginFrames), so one burst of late
// packets cannot send the client seconds ahead. Only falling more than jumpFrames behind the
// server's present (a stalled tab, a new connection) is fixed by fast-forwarding, and that is
// counted; a client too far ahead (its target dropped after a latency spike) slows down by
// dilation rather than pausing, since a pause freezes the picture.
//
// RTT follows RFC 6298 (SRTT with gain 1/8, RTTVAR with gain 1/4).

import { InvalidArgumentError } from '../core/errors.js';

export interface TimeSyncOptions {
  tickHz: number;
  inputDelayFrames: number;
  /** Smallest jitter margin, frames. */
  minMarginFrames: number;
  /** RTT deviations (RTTVAR) of margin against jitter. */
  jitterDeviations: number;
  /** Largest jitter margin, frames: RTTVAR after a latency spike says little about the next second. */
  maxJitterMarginFrames: number;
  /** Largest speed change either way (0.1 = run between 90 % and 110 % speed). */
  maxDilation: number;
  /** How fast the speed itself may change, per second. */
  maxDilationChangePerS: number;
  /** Frames of error that call for the full dilation. */
  fullCorrectionFrames: number;
  /** Further than this many frames behind the server's present, the client fast-forwards instead. */
  jumpFrames: number;
  /** Inputs should arrive at least this many frames before they are needed, in the recent worst case the server reports. */
  arrivalTargetFrames: number;
}

export const DEFAULT_TIME_SYNC: Omit<TimeSyncOptions, 'tickHz' | 'inputDelayFrames'> = Object.freeze({
  minMarginFrames: 1,
  jitterDeviations: 2,
  maxJitterMarginFrames: 8,
  maxDilation: 0.1,
  maxDilationChangePerS: 0.5,
  fullCorrectionFrames: 4,
  jumpFrames: 60,
  arrivalTargetFrames: 1,
});

const RTT_GAIN = 1 / 8;
const RTTVAR_GAIN = 1 / 4;
/** Weight of a new server-clock sample: about 20 samples of memory, so jitter averages out. */
const OFFSET_GAIN = 1 / 20;
/** Margin correction from arrival feedback, frames per second at most. */
const MARGIN_ADJUST_PER_S = 1;
const MARGIN_ADJUST_MIN = -4;
const MARGIN_ADJUST_MAX = 8;

export class TimeSync {
  readonly options: TimeSyncOptions;
  readonly frameMs: number;
  /** Smoothed round trip, ms (NaN before the first sample). */
  srttMs = Number.NaN;
  rttVarMs = 0;
  rttSamples = 0;
  /** Current speed factor (1 = real time). */
  speed = 1;
  /** Times the error exceeded jumpFrames. */
  jumps = 0;
  /** Newest arrival lead the server reported, frames. */
  reportedArrivalFrames = Number.NaN;
  private offsetFrames = Number.NaN;
  private marginAdjustFrames = 0;
  private lastUpdateMs = Number.NaN;

  constructor(options: Partial<TimeSyncOptions> & { tickHz: number; inputDelayFrames: number }) {
    const o = { ...DEFAULT_TIME_SYNC, ...options };
    for (const [name, value] of Object.entries(o)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidArgumentError(`time sync ${name} must be a finite number >= 0, got ${String(value)}`);
    }
    if (o.tickHz <= 0 || o.maxDilation >= 1 || o.fullCorrectionFrames <= 0) throw new InvalidArgumentError('time sync needs tickHz > 0, maxDilation < 1, fullCorrectionFrames > 0');
    this.options = o;
    this.frameMs = 1000 / o.tickHz;
  }

  /** Whether the server's clock has been observed yet. */
  get ready(): boolean {
    return Number.isFinite(this.offsetFrames) && this.rttSamples > 0;
  }

  addRttSample(rttMs: number): void {
    if (!Number.isFinite(rttMs) || rttMs < 0 || rttMs > 60_000) return;
    if (this.rttSamples === 0) {
      this.srttMs = rttMs;
      this.rttVarMs = rttMs / 2;
    } else {
      this.rttVarMs += RTTVAR_GAIN * (Math.abs(this.srttMs - rttMs) - this.rttVarMs);
      this.srttMs += RTT_GAIN * (rttMs - this.srttMs);
    }
    this.rttSamples++;
  }

  /** The server had simulated `serverFrame` frames when it sent a message received at nowMs. */
  onServerFrame(serverFrame: number, nowMs: number): void {
    if (!Number.isFinite(serverFrame) || !Number.isFinite(nowMs)) return;
    const oneWayFrames = (Number.isFinite(this.srttMs) ? this.srttMs / 2 : 0) / this.frameMs;
    const sample = serverFrame + oneWayFrames - nowMs / this.frameMs;
    if (!Number.isFinite(this.offsetFrames)) this.offsetFrames = sample;
    else this.offsetFrames += OFFSET_GAIN * (sample - this.offsetFrames);
  }

  /** The server's report of how many frames early this client's inputs arrive (negative: late). */
  onArrivalLead(leadFrames: number): void {
    if (Number.isFinite(leadFrames)) this.reportedArrivalFrames = leadFrames;
  }

  /** Estimated frame the server is simulating at nowMs (fractional). */
  serverFrameAt(nowMs: number): number {
    return nowMs / this.frameMs + this.offsetFrames;
  }

  /** Jitter margin, frames. */
  get marginFrames(): number {
    const jitter = Math.min(this.options.maxJitterMarginFrames, (this.options.jitterDeviations * this.rttVarMs) / this.frameMs);
    return Math.max(this.options.minMarginFrames, jitter) + this.marginAdjustFrames;
  }

  /** Frames to run ahead of the server's present. */
  get leadFrames(): number {
    const oneWay = (Number.isFinite(this.srttMs) ? this.srttMs / 2 : 0) / this.frameMs;
    return oneWay + this.marginFrames - this.options.inputDelayFrames;
  }

  targetFrameAt(nowMs: number): number {
    return this.serverFrameAt(nowMs) + this.leadFrames;
  }

  /**
   * The speed to run at now, given the local frame (fractional: frames done plus the
   * accumulator's share of the next). Also returns the signed error in `lastErrorFrames`.
   */
  update(nowMs: number, localFrame: number): number {
    const dtS = Number.isFinite(this.lastUpdateMs) ? Math.max(0, Math.min(1, (nowMs - this.lastUpdateMs) / 1000)) : 0;
    this.lastUpdateMs = nowMs;
    if (!this.ready) return this.speed;
    if (Number.isFinite(this.reportedArrivalFrames)) {
      // Inputs arriving later than the target: lead more; much earlier: lead less. Slowly.
      const error = this.options.arrivalTargetFrames - this.reportedArrivalFrames;
      const step = Math.max(-MARGIN_ADJUST_PER_S * dtS, Math.min(MARGIN_ADJUST_PER_S * dtS, error * dtS));
      this.marginAdjustFrames = Math.max(MARGIN_ADJUST_MIN, Math.min(MARGIN_ADJUST_MAX, this.marginAdjustFrames + step));
    }
    const error = this.targetFrameAt(nowMs) - localFrame;
    this.lastErrorFrames = error;
    this.lastBehindServerFrames = this.serverFrameAt(nowMs) - localFrame;
    const o = this.options;
    const wanted = 1 + Math.max(-o.maxDilation, Math.min(o.maxDilation, (error / o.fullCorrectionFrames) * o.maxDilation));
    const maxStep = o.maxDilationChangePerS * dtS;
    this.speed += Math.max(-maxStep, Math.min(maxStep, wanted - this.speed));
    return this.speed;
  }

  /** Signed frames between the target and the local frame at the last update. */
  lastErrorFrames = 0;
  /** Frames the local frame was behind the server's estimated present at the last update. */
  lastBehindServerFrames = 0;

  /** Whether the client is too far behind the server for dilation to fix (fast-forward). */
  get needsJump(): boolean {
    return this.lastBehindServerFrames > this.options.jumpFrames && this.lastErrorFrames > 0;
  }
}
