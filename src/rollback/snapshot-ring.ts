// The snapshot ring: the last N states of a game region, one slot per frame, in ONE arena region
// (N * stateBytes). Frame f lives in slot f % N; `frames[slot]` says which frame a slot holds,
// NULL_FRAME (-1) when none (GGRS's convention), so a stale slot is never mistaken for the frame
// asked for. A save is one memory.copy of the region into the slot, a restore one copy back.

import { InvalidArgumentError, StateError } from '../core/errors.js';
import type { Arena, Region } from '../wasm/arena.js';
import type { RegionKernels } from './region-kernels.js';
import { NULL_FRAME } from './frames.js';

/** 128 frames: about 2 s at 60 Hz, room for 60+ frame rollbacks with margin. */
export const DEFAULT_SNAPSHOT_FRAMES = 128;

export interface SnapshotRingOptions {
  /** Slots, i.e. how many past frames can be restored. */
  frames?: number;
  /** Arena region name. */
  name?: string;
}

export class SnapshotRing {
  readonly slots: number;
  readonly stateBytes: number;
  readonly region: Region;
  /** Frame held by each slot, NULL_FRAME when empty. */
  readonly frames: Float64Array;
  private readonly kernels: RegionKernels;
  private readonly hashKernel: (ptr: number, len: number, seed: bigint) => bigint;
  saves = 0;
  loads = 0;

  constructor(arena: Arena, kernels: RegionKernels, stateBytes: number, options: SnapshotRingOptions = {}) {
    const slots = options.frames ?? DEFAULT_SNAPSHOT_FRAMES;
    if (!Number.isInteger(slots) || slots < 2 || slots > 4096) throw new InvalidArgumentError(`snapshot frames must be an integer in [2, 4096], got ${slots}`);
    if (!Number.isInteger(stateBytes) || stateBytes < 1 || stateBytes % 16 !== 0) {
      throw new InvalidArgumentError(`state size must be a positive multiple of 16 bytes, got ${stateBytes}`);
    }
    this.slots = slots;
    this.stateBytes = stateBytes;
    this.kernels = kernels;
    this.hashKernel = arena.wasm.exports.xxh64;
    this.region = arena.allocate(options.name ?? 'snapshot-ring', slots * stateBytes);
    this.frames = new Float64Array(slots).fill(NULL_FRAME);
  }

  slotOf(frame: number): number {
    return frame % this.slots;
  }

  /** Byte address of the slot that holds (or would hold) `frame`. */
  ptrOf(frame: number): number {
    return this.region.ptr + this.slotOf(frame) * this.stateBytes;
  }

  has(frame: number): boolean {
    return frame >= 0 && this.frames[this.slotOf(frame)] === frame;
  }

  /** Copies the state region at `statePtr` into frame's slot. */
  save(frame: number, statePtr: number): void {
    if (!Number.isInteger(frame) || frame < 0) throw new InvalidArgumentError(`frame must be a non-negative integer, got ${frame}`);
    const slot = this.slotOf(frame);
    this.kernels.region_copy(this.region.ptr + slot * this.stateBytes, statePtr, this.stateBytes);
    this.frames[slot] = frame;
    this.saves++;
  }

  /** Copies frame's slot back over the state region; throws StateError if it is not held. */
  load(frame: number, statePtr: number): void {
    if (!this.has(frame)) throw new StateError(`snapshot of frame ${frame} is not in the ring (slot holds ${this.frames[this.slotOf(Math.max(0, frame))]})`);
    this.kernels.region_copy(statePtr, this.ptrOf(frame), this.stateBytes);
    this.loads++;
  }

  /** xxHash64 of the held snapshot of `frame` (unsigned), or undefined if not held. */
  hashOf(frame: number): bigint | undefined {
    if (!this.has(frame)) return undefined;
    return BigInt.asUintN(64, this.hashKernel(this.ptrOf(frame), this.stateBytes, 0n));
  }

  /** Forgets every frame (after a full-state resync). */
  clear(): void {
    this.frames.fill(NULL_FRAME);
  }

  /** Forgets frames after `frame` (they belong to a timeline that was replaced). */
  dropAfter(frame: number): void {
    for (let i = 0; i < this.slots; i++) if (this.frames[i]! > frame) this.frames[i] = NULL_FRAME;
  }
}
