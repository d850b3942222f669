// Remote-entity interpolation from received snapshots (the Source engine's model): snapshots of
// (entity id, position) arrive irregularly — STATE frames of the world stream, or any future
// interest-managed update — and entities are drawn between the two snapshots around a render
// time held a few frames behind the newest, so a late or lost snapshot costs nothing visible.
// A snapshot ring of fixed capacity, one preallocated buffer each; entities are matched across
// snapshots by entity id through a slot index, so sampling allocates nothing.

import { InvalidArgumentError } from '../core/errors.js';
import { slotOf, generationOf } from '../core/entity-id.js';
import type { SampledBodies } from './hitbox-history.js';

const Q16 = 65536;

export interface InterpolatorOptions {
  /** Most entities one snapshot may hold. */
  maxEntities: number;
  /** Entity slots ids may name (the world's capacity). */
  maxSlots: number;
  /** Snapshots kept. */
  snapshots?: number;
}

interface Snapshot {
  frame: number;
  count: number;
  ids: Uint32Array;
  x: Int32Array;
  y: Int32Array;
  z: Int32Array;
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
  /** Samples asked for beyond the newest snapshot (the render delay was too short). */
  starved = 0;

  constructor(options: InterpolatorOptions) {
    const snapshots = options.snapshots ?? 8;
    if (!Number.isInteger(options.maxEntities) || options.maxEntities < 1) throw new InvalidArgumentError(`maxEntities must be a positive integer, got ${options.maxEntities}`);
    if (!Number.isInteger(options.maxSlots) || options.maxSlots < 1) throw new InvalidArgumentError(`maxSlots must be a positive integer, got ${options.maxSlots}`);
    if (!Number.isInteger(snapshots) || snapshots < 2) throw new InvalidArgumentError(`snapshots must be an integer >= 2, got ${snapshots}`);
    this.maxEntities = options.maxEntities;
    this.maxSlots = options.maxSlots;
    this.ring = Array.from({ length: snapshots }, () => ({
      frame: -1,
      count: 0,
      ids: new Uint32Array(options.maxEntities),
      x: new Int32Array(options.maxEntities),
      y: new Int32Array(options.maxEntities),
      z: new Int32Array(options.maxEntities),
      indexOfSlot: new Uint32Array(options.maxSlots),
    }));
  }

  /** Newest snapshot frame held, or -1. */
  get newestFrame(): number {
    return this.newest;
  }

  /**
   * Copies a snapshot in. Positions are Q16 metres. Returns false (and counts it) for a frame not
   * newer than the newest held, too many entities, or an id beyond maxSlots.
   */
  push(frame: number, count: number, ids: ArrayLike<number>, xs: ArrayLike<number>, ys: ArrayLike<number>, zs: ArrayLike<number>): boolean {
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
      if (at > a.frame) this.starved++;
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
      out.ids[k] = id;
      out.flags[k] = 0;
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
        out.ids[k] = id;
        out.flags[k] = 0;
        out.x[k] = a.x[j]! / Q16;
        out.y[k] = a.y[j]! / Q16;
        out.z[k] = a.z[j]! / Q16;
      }
    }
    return true;
  }

  private copy(s: Snapshot, out: SampledBodies): void {
    const n = Math.min(s.count, out.ids.length);
    for (let i = 0; i < n; i++) {
      out.ids[i] = s.ids[i]!;
      out.flags[i] = 0;
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
