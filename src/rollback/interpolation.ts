// Remote-entity interpolation from received snapshots (the Source engine's model): snapshots of
// (entity id, position) arrive irregularly — STATE frames of the world stream, or any future
// interest-managed update — and entities are drawn between the two snapshots around a render
// time held a few frames behind the newest, so a late or lost snapshot costs nothing visible.
// A snapshot ring of fixed capacity, one preallocated buffer each; entities are matched across
// snapshots by entity id through a slot index, so sampling allocates nothing. Each entity may
// carry flags and a tag (world mode keys entities by their view handle and tags them with their
// world entity id). Past the newest snapshot, bodies seen in the two newest ones are extrapolated
// along their last motion for at most maxExtrapolateFrames, then held.

import { InvalidArgumentError } from '../core/errors.js';

/** Positions sampled for drawing: entity ids and metres, `count` valid entries. */
export interface SampledBodies {
  count: number;
  ids: Uint32Array;
  flags: Uint32Array;
  x: Float32Array;
  y: Float32Array;
  z: Float32Array;
}

export function createSampledBodies(capacity: number): SampledBodies {
  return {
    count: 0,
    ids: new Uint32Array(capacity),
    flags: new Uint32Array(capacity),
    x: new Float32Array(capacity),
    y: new Float32Array(capacity),
    z: new Float32Array(capacity),
  };
}
import { slotOf, generationOf } from '../core/entity-id.js';

const Q16 = 65536;

export interface InterpolatorOptions {
  /** Most entities one snapshot may hold. */
  maxEntities: number;
  /** Entity slots ids may name (the world's capacity). */
  maxSlots: number;
  /** Snapshots kept. */
  snapshots?: number;
  /** Furthest past the newest snapshot a body is extrapolated, frames (default 0: held). */
  maxExtrapolateFrames?: number;
}

interface Snapshot {
  frame: number;
  count: number;
  ids: Uint32Array;
  x: Int32Array;
  y: Int32Array;
  z: Int32Array;
  flags: Uint32Array;
  tags: Uint32Array;
  /** index + 1 of each slot's entry, 0 when absent. */
  indexOfSlot: Uint32Array;
}

export class SnapshotInterpolator {
  readonly maxEntities: number;
  readonly maxSlots: number;
  private readonly ring: Snapshot[];
  private newest = -1;
  pushed = 0;
  /** Snapshots older than one already held, or with an id naming a slot beyond maxSlots. */
  rejected = 0;
  /** Samples asked for beyond the newest snapshot (the render delay was too short)... */
  starved = 0;
  /** ...of which within maxExtrapolateFrames, so extrapolated rather than held. */
  extrapolated = 0;
  readonly maxExtrapolateFrames: number;

  constructor(options: InterpolatorOptions) {
    const snapshots = options.snapshots ?? 8;
    if (!Number.isInteger(options.maxEntities) || options.maxEntities < 1) throw new InvalidArgumentError(`maxEntities must be a positive integer, got ${options.maxEntities}`);
    if (!Number.isInteger(options.maxSlots) || options.maxSlots < 1) throw new InvalidArgumentError(`maxSlots must be a positive integer, got ${options.maxSlots}`);
    if (!Number.isInteger(snapshots) || snapshots < 2) throw new InvalidArgumentError(`snapshots must be an integer >= 2, got ${snapshots}`);
    const extrapolate = options.maxExtrapolateFrames ?? 0;
    if (!(extrapolate >= 0 && extrapolate <= 60)) throw new InvalidArgumentError(`maxExtrapolateFrames must be in [0, 60], got ${extrapolate}`);
    this.maxExtrapolateFrames = extrapolate;
    this.maxEntities = options.maxEntities;
    this.maxSlots = options.maxSlots;
    this.ring = Array.from({ length: snapshots }, () => ({
      frame: -1,
      count: 0,
      ids: new Uint32Array(options.maxEntities),
      x: new Int32Array(options.maxEntities),
      y: new Int32Array(options.maxEntities),
      z: new Int32Array(options.maxEntities),
      flags: new Uint32Array(options.maxEntities),
      tags: new Uint32Array(options.maxEntities),
      indexOfSlot: new Uint32Array(options.maxSlots),
    }));
  }

  /** Newest snapshot frame held, or -1. */
  get newestFrame(): number {
    return this.newest;
  }

  /**
   * Copies a snapshot in. Positions are Q16 metres; `flags` and `tags` (optional) ride along and
   * are sampled as they were in the snapshot drawn (the tag replaces the id in a sample). Returns
   * false (and counts it) for a frame not newer than the newest held, too many entities, or an id
   * beyond maxSlots.
   */
  push(
    frame: number, count: number, ids: ArrayLike<number>, xs: ArrayLike<number>, ys: ArrayLike<number>, zs: ArrayLike<number>,
    flags?: ArrayLike<number>, tags?: ArrayLike<number>,
  ): boolean {
    if (!Number.isInteger(frame) || frame <= this.newest || count > this.maxEntities || count < 0) {
      this.rejected++;
      return false;
    }
    for (let i = 0; i < count; i++) {
      if (slotOf(ids[i]!) >= this.maxSlots) {
        this.rejected++;
        return false;
      }
    }
    const snap = this.ring[frame % this.ring.length]!;
    for (let i = 0; i < snap.count; i++) snap.indexOfSlot[slotOf(snap.ids[i]!)] = 0;
    snap.frame = frame;
    snap.count = count;
    for (let i = 0; i < count; i++) {
      const id = ids[i]! >>> 0;
      snap.ids[i] = id;
      snap.x[i] = xs[i]!;
      snap.y[i] = ys[i]!;
      snap.z[i] = zs[i]!;
      snap.flags[i] = flags ? flags[i]! >>> 0 : 0;
      snap.tags[i] = tags ? tags[i]! >>> 0 : id;
      snap.indexOfSlot[slotOf(id)] = i + 1;
    }
    this.newest = frame;
    this.pushed++;
    return true;
  }

  /** The held snapshot at or before `frame` with the largest frame, or undefined. */
  private atOrBefore(frame: number): Snapshot | undefined {
    let best: Snapshot | undefined;
    for (const s of this.ring) if (s.frame >= 0 && s.frame <= frame && (!best || s.frame > best.frame)) best = s;
    return best;
  }

  private after(frame: number): Snapshot | undefined {
    let best: Snapshot | undefined;
    for (const s of this.ring) if (s.frame > frame && (!best || s.frame < best.frame)) best = s;
    return best;
  }

  /**
   * Entities at fractional frame `at`: interpolated between the snapshots around it by id; an
   * entity in only one of them is shown while that snapshot is the nearer. Past the newest
   * snapshot the newest is held (counted as starved); before the oldest, nothing is drawn.
   */
  sampleInto(at: number, out: SampledBodies): boolean {
    out.count = 0;
    const a = this.atOrBefore(at);
    if (!a) return false;
    const b = this.after(at);
    if (!b) {
      if (at > a.frame) {
        this.starved++;
        const before = this.maxExtrapolateFrames > 0 ? this.atOrBefore(a.frame - 1) : undefined;
        if (before) {
          this.extrapolated++;
          this.extrapolate(before, a, Math.min(at, a.frame + this.maxExtrapolateFrames), out);
          return true;
        }
      }
      this.copy(a, out);
      return true;
    }
    const t = (at - a.frame) / (b.frame - a.frame);
    for (let i = 0; i < b.count && out.count < out.ids.length; i++) {
      const id = b.ids[i]!;
      const j = a.indexOfSlot[slotOf(id)]! - 1;
      const inA = j >= 0 && a.ids[j] === id;
      if (!inA && t < 0.5) continue;
      const k = out.count++;
      out.ids[k] = b.tags[i]!;
      out.flags[k] = b.flags[i]!;
      if (inA) {
        out.x[k] = (a.x[j]! + (b.x[i]! - a.x[j]!) * t) / Q16;
        out.y[k] = (a.y[j]! + (b.y[i]! - a.y[j]!) * t) / Q16;
        out.z[k] = (a.z[j]! + (b.z[i]! - a.z[j]!) * t) / Q16;
      } else {
        out.x[k] = b.x[i]! / Q16;
        out.y[k] = b.y[i]! / Q16;
        out.z[k] = b.z[i]! / Q16;
      }
    }
    if (t < 0.5) {
      // Entities that left between a and b are still drawn during the first half.
      for (let j = 0; j < a.count && out.count < out.ids.length; j++) {
        const id = a.ids[j]!;
        const i = b.indexOfSlot[slotOf(id)]! - 1;
        if (i >= 0 && b.ids[i] === id) continue;
        const k = out.count++;
        out.ids[k] = a.tags[j]!;
        out.flags[k] = a.flags[j]!;
        out.x[k] = a.x[j]! / Q16;
        out.y[k] = a.y[j]! / Q16;
        out.z[k] = a.z[j]! / Q16;
      }
    }
    return true;
  }

  /** Bodies of `b` at frame `at` past it, moved on along their motion from `a` to `b`. */
  private extrapolate(a: Snapshot, b: Snapshot, at: number, out: SampledBodies): void {
    const t = (at - b.frame) / (b.frame - a.frame);
    const n = Math.min(b.count, out.ids.length);
    for (let i = 0; i < n; i++) {
      const id = b.ids[i]!;
      const j = a.indexOfSlot[slotOf(id)]! - 1;
      const inA = j >= 0 && a.ids[j] === id;
      out.ids[i] = b.tags[i]!;
      out.flags[i] = b.flags[i]!;
      out.x[i] = (b.x[i]! + (inA ? (b.x[i]! - a.x[j]!) * t : 0)) / Q16;
      out.y[i] = (b.y[i]! + (inA ? (b.y[i]! - a.y[j]!) * t : 0)) / Q16;
      out.z[i] = (b.z[i]! + (inA ? (b.z[i]! - a.z[j]!) * t : 0)) / Q16;
    }
    out.count = n;
  }

  private copy(s: Snapshot, out: SampledBodies): void {
    const n = Math.min(s.count, out.ids.length);
    for (let i = 0; i < n; i++) {
      out.ids[i] = s.tags[i]!;
      out.flags[i] = s.flags[i]!;
      out.x[i] = s.x[i]! / Q16;
      out.y[i] = s.y[i]! / Q16;
      out.z[i] = s.z[i]! / Q16;
    }
    out.count = n;
  }

  /** Generation-checked position of one entity at `at`, or undefined: for tests and tools. */
  positionOf(id: number, at: number, scratch: SampledBodies): [number, number, number] | undefined {
    this.sampleInto(at, scratch);
    for (let i = 0; i < scratch.count; i++) {
      if (scratch.ids[i] === id >>> 0 && generationOf(scratch.ids[i]!) === generationOf(id)) return [scratch.x[i]!, scratch.y[i]!, scratch.z[i]!];
    }
    return undefined;
  }
}
