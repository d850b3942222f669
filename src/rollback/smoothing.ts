// Visual smoothing of rollback corrections. The simulation snaps to the corrected state at once
// (it must, to stay deterministic); what is drawn keeps a per-entity offset from the simulated
// position that fades out, chosen by how far the correction moved the entity (the seed's
// classes, chronos-design.md "Correction Magnitude Classification"):
//
// | class     | distance      | drawn as                                              |
// |-----------|---------------|-------------------------------------------------------|
// | snap      | < 0.1 m       | the new position at once: too small to see            |
// | smooth    | 0.1 .. 2 m    | offset eased out over smoothFrames (seed: 3-6)        |
// | blend     | 2 .. 10 m     | offset eased in-out over blendFrames (seed: 8-12)     |
// | teleport  | >= 10 m       | the new position at once: a blend would cross the map |
//
// A correction arriving while an offset is still fading adds to what is left of it, and the sum
// is classified again. Offsets live in Float32Arrays indexed by slot; nothing is allocated per
// correction.

import { InvalidArgumentError } from '../core/errors.js';

export interface SmoothingOptions {
  snapBelowM: number;
  smoothBelowM: number;
  blendBelowM: number;
  smoothFrames: number;
  blendFrames: number;
}

export const DEFAULT_SMOOTHING: Readonly<SmoothingOptions> = Object.freeze({
  snapBelowM: 0.1,
  smoothBelowM: 2,
  blendBelowM: 10,
  smoothFrames: 5,
  blendFrames: 10,
});

export type CorrectionClass = 'snap' | 'smooth' | 'blend' | 'teleport';

export interface CorrectionCounts {
  snap: number;
  smooth: number;
  blend: number;
  teleport: number;
}

const CLASS_NONE = 0;
const CLASS_SMOOTH = 2;
const CLASS_BLEND = 3;

export class VisualSmoother {
  readonly options: SmoothingOptions;
  readonly capacity: number;
  readonly counts: CorrectionCounts = { snap: 0, smooth: 0, blend: 0, teleport: 0 };
  /** Offset when the current fade began, metres. */
  private readonly startX: Float32Array;
  private readonly startY: Float32Array;
  private readonly elapsed: Uint16Array;
  private readonly kind: Uint8Array;
  private active = 0;

  constructor(capacity: number, options: Partial<SmoothingOptions> = {}) {
    const o = { ...DEFAULT_SMOOTHING, ...options };
    if (!(o.snapBelowM >= 0 && o.snapBelowM <= o.smoothBelowM && o.smoothBelowM <= o.blendBelowM)) {
      throw new InvalidArgumentError(`smoothing thresholds must satisfy 0 <= snap (${o.snapBelowM}) <= smooth (${o.smoothBelowM}) <= blend (${o.blendBelowM})`);
    }
    if (!Number.isInteger(o.smoothFrames) || o.smoothFrames < 1 || !Number.isInteger(o.blendFrames) || o.blendFrames < 1) {
      throw new InvalidArgumentError(`smoothing durations must be positive integers, got ${o.smoothFrames} and ${o.blendFrames}`);
    }
    this.options = o;
    this.capacity = capacity;
    this.startX = new Float32Array(capacity);
    this.startY = new Float32Array(capacity);
    this.elapsed = new Uint16Array(capacity);
    this.kind = new Uint8Array(capacity);
  }

  /** Classifies a correction distance. */
  classify(distanceM: number): CorrectionClass {
    const o = this.options;
    if (distanceM < o.snapBelowM) return 'snap';
    if (distanceM < o.smoothBelowM) return 'smooth';
    if (distanceM < o.blendBelowM) return 'blend';
    return 'teleport';
  }

  /** Entities with a fading offset. */
  get activeCount(): number {
    return this.active;
  }

  /**
   * A rollback moved `slot` from where it was drawn to dx, dy metres away (new minus old):
   * start drawing it at the old place and fade towards the new one.
   */
  correct(slot: number, dx: number, dy: number): CorrectionClass {
    // What is drawn now is sim + offset; keep drawing that, so the offset grows by -d.
    const ox = this.offsetX(slot) - dx;
    const oy = this.offsetY(slot) - dy;
    const cls = this.classify(Math.hypot(ox, oy));
    this.counts[cls]++;
    const wasActive = this.kind[slot] !== CLASS_NONE;
    if (cls === 'snap' || cls === 'teleport') {
      this.kind[slot] = CLASS_NONE;
      if (wasActive) this.active--;
      return cls;
    }
    this.startX[slot] = ox;
    this.startY[slot] = oy;
    this.elapsed[slot] = 0;
    this.kind[slot] = cls === 'smooth' ? CLASS_SMOOTH : CLASS_BLEND;
    if (!wasActive) this.active++;
    return cls;
  }

  /** Forgets a slot's offset (its entity died or the slot was reused). */
  reset(slot: number): void {
    if (this.kind[slot] !== CLASS_NONE) this.active--;
    this.kind[slot] = CLASS_NONE;
  }

  resetAll(): void {
    this.kind.fill(CLASS_NONE);
    this.active = 0;
  }

  /** Advances every fade by one simulation frame. */
  tick(): void {
    if (this.active === 0) return;
    const o = this.options;
    for (let slot = 0; slot < this.capacity; slot++) {
      const k = this.kind[slot]!;
      if (k === CLASS_NONE) continue;
      const e = this.elapsed[slot]! + 1;
      if (e >= (k === CLASS_SMOOTH ? o.smoothFrames : o.blendFrames)) {
        this.kind[slot] = CLASS_NONE;
        this.active--;
      } else this.elapsed[slot] = e;
    }
  }

  /** Remaining share of the starting offset (1 at the start, 0 when done). */
  private remaining(slot: number): number {
    const k = this.kind[slot]!;
    if (k === CLASS_NONE) return 0;
    if (k === CLASS_SMOOTH) {
      const t = this.elapsed[slot]! / this.options.smoothFrames;
      return (1 - t) * (1 - t); // ease-out: most of the offset goes in the first frames
    }
    const t = this.elapsed[slot]! / this.options.blendFrames;
    return 1 - t * t * (3 - 2 * t); // smoothstep: eased in and out
  }

  offsetX(slot: number): number {
    return this.kind[slot] === CLASS_NONE ? 0 : this.startX[slot]! * this.remaining(slot);
  }

  offsetY(slot: number): number {
    return this.kind[slot] === CLASS_NONE ? 0 : this.startY[slot]! * this.remaining(slot);
  }
}
