// RemoteBodies: what a world-mode client draws of everyone else. Every applied interest snapshot
// is copied into a SnapshotInterpolator (each body as of the snapshot's tick: a body whose newest
// record is older, from a slow zone, is moved on along its recorded velocity), and bodies are
// drawn between the two snapshots around a render tick held behind the server's present by an
// adaptive delay: enough to cover how far apart snapshots arrive and how much their arrival
// jitters, so a late or missing snapshot costs nothing visible. Past the newest snapshot, bodies
// are extrapolated for at most MAX_EXTRAPOLATE_TICKS, then held.
//
// The server's present is estimated from arrivals: each message stamped with a server tick
// (snapshots, and the OWN state every tick) gives arrival - tick x tickMs; the smallest of the
// recent ones is the least-delayed path, so now - that is the server's tick as of now.
//
// Entities are keyed by their view handle (the interpolator's slot) with a 12-bit check of
// their entity id (a handle reused for another entity is never blended with the old one), and
// tagged with the entity id for the caller.

import { makeEntityId } from '../core/entity-id.js';
import { InvalidArgumentError } from '../core/errors.js';
import { SnapshotInterpolator } from '../rollback/interpolation.js';
import type { SampledBodies } from '../rollback/hitbox-history.js';
import { createViewBodies, type SnapshotView, type ViewBodies } from '../codec/snapshot-view.js';

/** Snapshots kept for interpolation: a quarter second at 60 Hz, more at lower rates. */
const SNAPSHOTS = 16;
/** Furthest a body is extrapolated past the newest snapshot: 100 ms at 60 Hz. */
export const MAX_EXTRAPOLATE_TICKS = 6;
/** Arrivals remembered for the clock and the jitter estimate. */
const ARRIVALS = 64;
/** The render delay stays within these bounds (ticks). */
const MIN_DELAY_TICKS = 2;
// At most 133 ms: a view further behind would put hitscans past the lag-compensation cap (200 ms
// with the round trip) and feel sluggish; bodies of slow zones are moved on by their velocity.
const MAX_DELAY_TICKS = 8;
const Q16 = 65536;

export interface RemoteBodiesStats {
  /** Render delay behind the estimated server present, ms, and the jitter it covers. */
  delayMs: number;
  jitterMs: number;
  /** Snapshots taken in; samples past the newest (extrapolated within the bound, or held). */
  snapshots: number;
  starved: number;
  extrapolated: number;
}

function idCheck(id: number): number {
  return (id ^ (id >>> 12) ^ (id >>> 24)) & 0xfff;
}

export class RemoteBodies {
  readonly tickHz: number;
  readonly interpolator: SnapshotInterpolator;
  private readonly tickMs: number;
  private readonly bodies: ViewBodies;
  private readonly keys: Uint32Array;
  private readonly qx: Int32Array;
  private readonly qy: Int32Array;
  private readonly qz: Int32Array;
  /** Arrival offsets (arrival ms - tick x tickMs) and snapshot gaps in ticks, as rings. */
  private readonly offsets = new Float64Array(ARRIVALS);
  private readonly gaps = new Float64Array(ARRIVALS);
  private arrivals = 0;
  private snapshots = 0;
  private lastSnapshotTick = -1;
  private baseOffsetMs = Infinity;
  private delayTicks = MIN_DELAY_TICKS;
  private jitterMs = 0;
  private view: SnapshotView | undefined;

  constructor(viewHandles: number, tickHz: number) {
    if (!Number.isInteger(viewHandles) || viewHandles < 1) throw new InvalidArgumentError(`viewHandles must be a positive integer, got ${viewHandles}`);
    if (!(tickHz > 0)) throw new InvalidArgumentError(`tickHz must be positive, got ${tickHz}`);
    this.tickHz = tickHz;
    this.tickMs = 1000 / tickHz;
    this.interpolator = new SnapshotInterpolator({ maxEntities: viewHandles, maxSlots: viewHandles, snapshots: SNAPSHOTS, maxExtrapolateFrames: MAX_EXTRAPOLATE_TICKS });
    this.bodies = createViewBodies(viewHandles);
    this.keys = new Uint32Array(viewHandles);
    this.qx = new Int32Array(viewHandles);
    this.qy = new Int32Array(viewHandles);
    this.qz = new Int32Array(viewHandles);
  }

  /** A message stamped with server tick `tick` arrived at `nowMs`: feeds the clock. */
  observeTick(tick: number, nowMs: number): void {
    const offset = nowMs - tick * this.tickMs;
    this.offsets[this.arrivals % ARRIVALS] = offset;
    this.arrivals++;
    // The least-delayed arrival among the recent ones; recomputed when the ring wraps so that
    // a clock that drifts (or a server that restarted) is followed.
    if (offset < this.baseOffsetMs || this.arrivals % ARRIVALS === 0) {
      let min = Infinity;
      for (let i = 0; i < Math.min(this.arrivals, ARRIVALS); i++) min = Math.min(min, this.offsets[i]!);
      this.baseOffsetMs = min;
    }
  }

  /** Takes in the view's state after a snapshot was applied. */
  onSnapshot(view: SnapshotView, nowMs: number): void {
    if (view !== this.view) {
      // A new view (a rejoin): what the old one held means nothing now.
      this.view = view;
      this.reset();
    }
    const tick = view.tick;
    this.observeTick(tick, nowMs);
    if (tick <= this.interpolator.newestFrame) return;
    const b = this.bodies;
    const n = view.collectInto(b, tick);
    for (let i = 0; i < n; i++) {
      this.keys[i] = makeEntityId(b.handles[i]!, idCheck(b.ids[i]!));
      this.qx[i] = Math.round(b.x[i]! * Q16);
      this.qy[i] = Math.round(b.y[i]! * Q16);
      this.qz[i] = Math.round(b.z[i]! * Q16);
    }
    this.interpolator.push(tick, n, this.keys, this.qx, this.qy, this.qz, b.state, b.ids);
    if (this.lastSnapshotTick >= 0) this.gaps[this.snapshots % ARRIVALS] = tick - this.lastSnapshotTick;
    this.lastSnapshotTick = tick;
    this.snapshots++;
    this.adapt();
  }

  /** Render delay: the usual gap between snapshots plus the arrival jitter, in ticks. */
  private adapt(): void {
    const n = Math.min(this.arrivals, ARRIVALS);
    const jitter = Array.from(this.offsets.subarray(0, n), (o) => o - this.baseOffsetMs).sort((a, b) => a - b);
    this.jitterMs = jitter[Math.floor(0.95 * (n - 1))] ?? 0;
    const g = Math.min(Math.max(0, this.snapshots - 1), ARRIVALS);
    const gaps = Array.from(this.gaps.subarray(0, g)).sort((a, b) => a - b);
    const gap = gaps[Math.floor(0.9 * (g - 1))] ?? 1;
    const wanted = gap + this.jitterMs / this.tickMs + 1;
    this.delayTicks = Math.min(MAX_DELAY_TICKS, Math.max(MIN_DELAY_TICKS, wanted));
  }

  /** The server's tick as of `nowMs` (fractional), or -1 before anything arrived. */
  serverTickAt(nowMs: number): number {
    return this.arrivals === 0 ? -1 : (nowMs - this.baseOffsetMs) / this.tickMs;
  }

  /** The tick drawn at `nowMs`: the server's present minus the render delay. */
  renderTickAt(nowMs: number): number {
    const t = this.serverTickAt(nowMs);
    return t < 0 ? -1 : t - this.delayTicks;
  }

  /** Bodies as drawn at `nowMs` (ids are entity ids, flags the replicated state bits). */
  sampleInto(nowMs: number, out: SampledBodies): number {
    const at = this.renderTickAt(nowMs);
    if (at < 0 || !this.interpolator.sampleInto(at, out)) out.count = 0;
    return out.count;
  }

  stats(): RemoteBodiesStats {
    return {
      delayMs: this.delayTicks * this.tickMs,
      jitterMs: this.jitterMs,
      snapshots: this.snapshots,
      starved: this.interpolator.starved,
      extrapolated: this.interpolator.extrapolated,
    };
  }

  private reset(): void {
    const fresh = new SnapshotInterpolator({ maxEntities: this.keys.length, maxSlots: this.keys.length, snapshots: SNAPSHOTS, maxExtrapolateFrames: MAX_EXTRAPOLATE_TICKS });
    (this as { interpolator: SnapshotInterpolator }).interpolator = fresh;
    this.lastSnapshotTick = -1;
  }
}
