// Hitbox history: where every body was, frame by frame, for the last N frames. Lag compensation
// tests a shot against the bodies as the shooter saw them, and the client draws remote bodies
// from the same frames behind a render delay — what a player sees is what the server judges.
// One arena region of N frames; each frame is six columns copied out of the world by
// hitbox_record (layout in assembly/sim/hitbox.ts). Frame f lives in slot f % N with its frame
// number beside it (NULL_FRAME when empty).

import { InvalidArgumentError } from '../core/errors.js';
import { FLAG_ALIVE, FLAG_DEAD, FLAG_NPC, FLAG_PLAYER, FLAG_PROJECTILE } from '../core/world-layout.js';
import { makeEntityId } from '../core/entity-id.js';
import { alignUp, type Arena, type Region } from '../wasm/arena.js';
import type { SimKernels } from './sim-kernels.js';
import { NULL_FRAME } from './frames.js';

export const HITBOX_COLUMNS = 6;
const COLUMN_FLAGS = 0;
const COLUMN_GENERATION = 1;
const COLUMN_X = 2;
const COLUMN_Y = 3;
const COLUMN_Z = 4;
const COLUMN_RADIUS = 5;
const Q16 = 65536;

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

export class HitboxHistory {
  readonly frames: number;
  readonly capacity: number;
  /** Bytes per column: capacity * 4 rounded up to 16. */
  readonly stride: number;
  readonly frameBytes: number;
  readonly region: Region;
  private readonly frameOf: Float64Array;
  private readonly counts: Uint32Array;
  private readonly kernels: SimKernels;

  constructor(arena: Arena, kernels: SimKernels, capacity: number, frames: number, name = 'hitbox-history') {
    if (!Number.isInteger(frames) || frames < 2 || frames > 1024) throw new InvalidArgumentError(`hitbox history frames must be an integer in [2, 1024], got ${frames}`);
    this.frames = frames;
    this.capacity = capacity;
    this.stride = alignUp(capacity * 4);
    this.frameBytes = this.stride * HITBOX_COLUMNS;
    this.kernels = kernels;
    this.region = arena.allocate(name, frames * this.frameBytes);
    this.frameOf = new Float64Array(frames).fill(NULL_FRAME);
    this.counts = new Uint32Array(frames);
  }

  ptrOf(frame: number): number {
    return this.region.ptr + (frame % this.frames) * this.frameBytes;
  }

  has(frame: number): boolean {
    return frame >= 0 && this.frameOf[frame % this.frames] === frame;
  }

  /** Slots recorded for `frame` (the world's high water then); 0 if not held. */
  countOf(frame: number): number {
    return this.has(frame) ? this.counts[frame % this.frames]! : 0;
  }

  /** Copies the world's bodies as they are now, as frame `frame`. */
  record(worldPtr: number, frame: number): void {
    const slot = frame % this.frames;
    this.counts[slot] = this.kernels.hitbox_record(worldPtr, this.region.ptr + slot * this.frameBytes, this.stride);
    this.frameOf[slot] = frame;
  }

  clear(): void {
    this.frameOf.fill(NULL_FRAME);
  }

  /** Forgets frames after `frame`. */
  dropAfter(frame: number): void {
    for (let i = 0; i < this.frames; i++) if (this.frameOf[i]! > frame) this.frameOf[i] = NULL_FRAME;
  }

  private column(frame: number, index: number, length: number): Int32Array {
    return new Int32Array(this.region.arena.memoryBuffer, this.ptrOf(frame) + index * this.stride, length);
  }

  /**
   * Bodies at fractional frame `at`, interpolated between the two recorded frames around it
   * (a body in only one of them is shown while that frame is the nearer). Writes every live
   * entity whose flags intersect `kinds` into `out`; returns false (and leaves `out` empty) when
   * the frames are not held. Allocates only two column views per call.
   */
  sampleInto(at: number, out: SampledBodies, kinds = FLAG_NPC | FLAG_PLAYER | FLAG_PROJECTILE, skipSlot = -1): boolean {
    out.count = 0;
    const a = Math.floor(at);
    const t = at - a;
    const b = t > 0 ? a + 1 : a;
    if (!this.has(a) || !this.has(b)) return false;
    const countA = this.countOf(a);
    const countB = this.countOf(b);
    const n = Math.max(countA, countB);
    const fa = new Uint32Array(this.region.arena.memoryBuffer, this.ptrOf(a), this.frameBytes / 4);
    const fb = new Uint32Array(this.region.arena.memoryBuffer, this.ptrOf(b), this.frameBytes / 4);
    const s = this.stride / 4;
    for (let slot = 0; slot < n && out.count < out.ids.length; slot++) {
      if (slot === skipSlot) continue;
      const flagsA = slot < countA ? fa[COLUMN_FLAGS * s + slot]! : 0;
      const flagsB = slot < countB ? fb[COLUMN_FLAGS * s + slot]! : 0;
      const liveA = (flagsA & FLAG_ALIVE) !== 0 && (flagsA & kinds) !== 0;
      const liveB = (flagsB & FLAG_ALIVE) !== 0 && (flagsB & kinds) !== 0;
      const sameBody = liveA && liveB && fa[COLUMN_GENERATION * s + slot] === fb[COLUMN_GENERATION * s + slot];
      let src: Uint32Array;
      let lerp = 0;
      if (sameBody) {
        src = fa;
        lerp = t;
      } else if (liveA && t < 0.5) src = fa;
      else if (liveB && t >= 0.5) src = fb;
      else continue;
      const k = out.count++;
      const flags = src === fa ? flagsA : flagsB;
      out.ids[k] = makeEntityId(slot, src[COLUMN_GENERATION * s + slot]!);
      out.flags[k] = flags;
      const xa = (src[COLUMN_X * s + slot]! | 0) / Q16;
      const ya = (src[COLUMN_Y * s + slot]! | 0) / Q16;
      const za = (src[COLUMN_Z * s + slot]! | 0) / Q16;
      if (lerp > 0) {
        out.x[k] = xa + ((fb[COLUMN_X * s + slot]! | 0) / Q16 - xa) * lerp;
        out.y[k] = ya + ((fb[COLUMN_Y * s + slot]! | 0) / Q16 - ya) * lerp;
        out.z[k] = za + ((fb[COLUMN_Z * s + slot]! | 0) / Q16 - za) * lerp;
      } else {
        out.x[k] = xa;
        out.y[k] = ya;
        out.z[k] = za;
      }
    }
    return true;
  }

  /** Position (Q16) and liveness of one slot at a recorded frame: for tests and tools. */
  bodyAt(frame: number, slot: number): { alive: boolean; solid: boolean; x: number; y: number; radius: number; generation: number } | undefined {
    if (!this.has(frame) || slot >= this.countOf(frame)) return undefined;
    const n = this.countOf(frame);
    const flags = this.column(frame, COLUMN_FLAGS, n)[slot]! >>> 0;
    return {
      alive: (flags & FLAG_ALIVE) !== 0,
      solid: (flags & (FLAG_ALIVE | FLAG_DEAD)) === FLAG_ALIVE && (flags & (FLAG_NPC | FLAG_PLAYER)) !== 0,
      x: this.column(frame, COLUMN_X, n)[slot]!,
      y: this.column(frame, COLUMN_Y, n)[slot]!,
      radius: this.column(frame, COLUMN_RADIUS, n)[slot]!,
      generation: this.column(frame, COLUMN_GENERATION, n)[slot]! >>> 0,
    };
  }
}
