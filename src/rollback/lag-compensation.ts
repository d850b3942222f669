// Lag compensation: a hitscan shot is judged against the bodies as the shooter saw them. The
// shooter's input carries how far its view of others lagged behind the input's frame (its render
// delay plus how far ahead it predicts); the compensator rewinds the hitbox history by that much
// — interpolating between the two recorded frames around the view time, exactly as the client
// drew them — and casts the ray from the shooter's current position.
//
// The seed's limits (chronos-design.md, "Latency Compensation for Combat"):
// | rule                | value           | effect                                                  |
// |---------------------|-----------------|---------------------------------------------------------|
// | rewind cap          | 200 ms          | claims further back, beyond the margins below, rejected |
// | latency buffer      | +20 ms          | jitter and RTT error allowed on top of the cap          |
// | timing tolerance    | ±16 ms (1 frame)| a miss is retried one frame either side                 |
// | position tolerance  | ±0.5 m          | every hitbox radius grows by this much                  |
// A rejected claim (beyond the cap, or a view the history no longer holds) is a miss and is
// counted by reason; it never throws, since the claim comes off the network.

import { InvalidArgumentError } from '../core/errors.js';
import { fxCos, fxSin, fxWrapAngle, toQ16 } from '../core/fixed.js';
import type { HitboxHistory } from './hitbox-history.js';
import type { SimKernels } from './sim-kernels.js';
import { NO_TARGET, VIEW_DELAY_ONE } from '../codec/rollback-input.js';

export interface LagCompensationOptions {
  tickHz: number;
  /** Furthest back a shot may be judged (seed: limit compensation to 150-200 ms). */
  maxRewindMs: number;
  /** Allowance for jitter and RTT measurement error beyond the cap (seed: +20 ms). */
  latencyBufferMs: number;
  /** A miss is retried this far either side of the claimed view time (seed: ±16 ms). */
  timingToleranceMs: number;
  /** Added to every hitbox radius (seed: ±0.5 units). */
  positionToleranceM: number;
  /** Hitscan range. */
  rangeM: number;
}

export const DEFAULT_LAG_COMPENSATION: Omit<LagCompensationOptions, 'tickHz'> = Object.freeze({
  maxRewindMs: 200,
  latencyBufferMs: 20,
  timingToleranceMs: 16,
  positionToleranceM: 0.5,
  rangeM: 100,
});

export type ShotOutcome = 'hit' | 'hit-within-tolerance' | 'miss' | 'beyond-cap' | 'no-history';

export interface ShotVerdict {
  /** Entity id hit, or NO_TARGET. */
  target: number;
  outcome: ShotOutcome;
  /** How far back the shot was judged, ms. */
  rewindMs: number;
}

/** Frames of hitbox history a compensator with these limits needs, plus `extraFrames`. */
export function historyFramesFor(options: Pick<LagCompensationOptions, 'tickHz' | 'maxRewindMs' | 'latencyBufferMs' | 'timingToleranceMs'>, extraFrames = 4): number {
  const windowMs = options.maxRewindMs + options.latencyBufferMs + options.timingToleranceMs;
  return Math.ceil((windowMs * options.tickHz) / 1000) + 2 + extraFrames;
}

/** Q16 radians of a binary angle, as the step computes them (assembly/sim/players.ts). */
export function aimRadiansQ16(aim: number): number {
  return fxWrapAngle(Math.floor((aim * 411775 + 0x8000) / 65536));
}

/**
 * The bodies worth testing for a shot from (originX, originY) (Q16): slots at `ptr` (u32 each)
 * in the arena, `count` of them. World mode lists what a spatial query finds within the
 * hitscan range (plus how far anything can have moved since the view time), so a shot costs
 * what is near it instead of the size of the world.
 */
export type ShotCandidates = (originX: number, originY: number) => { ptr: number; count: number };

export class LagCompensator {
  readonly options: LagCompensationOptions;
  readonly history: HitboxHistory;
  private readonly kernels: SimKernels;
  private readonly frameMs: number;
  private readonly capMs: number;
  private readonly toleranceFrames: number;
  private readonly rangeQ16: number;
  private readonly toleranceQ16: number;
  shots = 0;
  hits = 0;
  hitsWithinTolerance = 0;
  misses = 0;
  rejectedBeyondCap = 0;
  rejectedNoHistory = 0;

  private readonly candidates: ShotCandidates | undefined;
  /** The candidates of the shot being judged (undefined: every slot). */
  private near: { ptr: number; count: number } | undefined;

  constructor(history: HitboxHistory, kernels: SimKernels, options: Partial<LagCompensationOptions> & { tickHz: number }, candidates?: ShotCandidates) {
    const o = { ...DEFAULT_LAG_COMPENSATION, ...options };
    for (const [name, value] of Object.entries(o)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidArgumentError(`lag compensation ${name} must be a finite number >= 0, got ${String(value)}`);
    }
    if (o.tickHz <= 0) throw new InvalidArgumentError(`tickHz must be positive, got ${o.tickHz}`);
    if (o.rangeM <= 0 || o.rangeM > 4000) throw new InvalidArgumentError(`rangeM must be in (0, 4000], got ${o.rangeM}`);
    this.options = o;
    this.history = history;
    this.kernels = kernels;
    this.frameMs = 1000 / o.tickHz;
    this.capMs = o.maxRewindMs + o.latencyBufferMs + o.timingToleranceMs;
    this.toleranceFrames = o.timingToleranceMs / this.frameMs;
    this.rangeQ16 = toQ16(o.rangeM);
    this.toleranceQ16 = toQ16(o.positionToleranceM);
    this.candidates = candidates;
  }

  /** Most frames a claim may reach back. */
  get capFrames(): number {
    return this.capMs / this.frameMs;
  }

  /**
   * Judges a shot fired in `frame`'s input from (originX, originY) (Q16, the shooter's position
   * in the state at `frame`) along binary angle `aim`, by a shooter whose view lagged
   * `viewDelayQ8` / 256 frames, of which `inboundMs` was its input on its way to the server (not
   * counted against the cap). `shooterSlot` is never hit.
   */
  judge(frame: number, shooterSlot: number, originX: number, originY: number, aim: number, viewDelayQ8: number, inboundMs = 0): ShotVerdict {
    this.shots++;
    const rewindFrames = viewDelayQ8 / VIEW_DELAY_ONE;
    const rewindMs = rewindFrames * this.frameMs;
    // The cap bounds how old the shooter's view was when it fired (render delay + the one-way
    // latency its snapshots took); `inboundMs`, the time its input then took to arrive (world
    // mode judges a shot when the server applies it), is not held against it.
    if (rewindMs - Math.max(0, inboundMs) > this.capMs) {
      this.rejectedBeyondCap++;
      return { target: NO_TARGET, outcome: 'beyond-cap', rewindMs };
    }
    const angle = aimRadiansQ16(aim & 0xffff);
    const ux = fxCos(angle);
    const uy = fxSin(angle);
    const viewFrame = frame - rewindFrames;
    this.near = this.candidates?.(originX, originY);
    const exact = this.cast(viewFrame, shooterSlot, originX, originY, ux, uy);
    if (exact === undefined) {
      this.rejectedNoHistory++;
      return { target: NO_TARGET, outcome: 'no-history', rewindMs };
    }
    if (exact !== NO_TARGET) {
      this.hits++;
      return { target: exact, outcome: 'hit', rewindMs };
    }
    // Frame-boundary tolerance: the view one tolerance earlier, then later (never past `frame`).
    for (const at of [viewFrame - this.toleranceFrames, Math.min(frame, viewFrame + this.toleranceFrames)]) {
      const near = this.cast(at, shooterSlot, originX, originY, ux, uy);
      if (near !== undefined && near !== NO_TARGET) {
        this.hitsWithinTolerance++;
        return { target: near, outcome: 'hit-within-tolerance', rewindMs };
      }
    }
    this.misses++;
    return { target: NO_TARGET, outcome: 'miss', rewindMs };
  }

  /** The nearest body hit at fractional frame `at`: entity id, NO_TARGET, or undefined without history. */
  private cast(at: number, shooterSlot: number, ox: number, oy: number, ux: number, uy: number): number | undefined {
    if (at < 0) return undefined;
    const a = Math.floor(at);
    const fraction = at - a;
    const b = fraction > 0 ? a + 1 : a;
    const h = this.history;
    if (!h.has(a) || !h.has(b)) return undefined;
    const alpha = Math.round(fraction * 65536);
    const near = this.near;
    const id = near ? this.kernels.hitbox_raycast_slots(
      h.ptrOf(a), h.countOf(a), h.ptrOf(b), h.countOf(b), h.stride, alpha,
      ox, oy, ux, uy, this.rangeQ16, this.toleranceQ16, shooterSlot, near.ptr, near.count,
    ) : this.kernels.hitbox_raycast(
      h.ptrOf(a), h.countOf(a), h.ptrOf(b), h.countOf(b), h.stride, alpha,
      ox, oy, ux, uy, this.rangeQ16, this.toleranceQ16, shooterSlot,
    );
    return id < 0n ? NO_TARGET : Number(id);
  }
}
