// Sync-test mode (GGRS's SyncTestSession): every frame is simulated, hashed, and then rolled back
// 1..checkDistance frames and simulated again from the snapshot with the same inputs; every
// re-simulated frame must hash exactly as it did the first time. Any state outside the region,
// any uninitialised scratch, any order that depends on history breaks it at once — which is why
// the tests run it over long seeded input streams.

import { InvalidArgumentError } from '../core/errors.js';
import type { Region } from '../wasm/arena.js';
import type { RollbackGame } from './game.js';
import { SnapshotRing } from './snapshot-ring.js';
import { regionKernels } from './region-kernels.js';
import { NULL_FRAME } from './frames.js';

export interface SyncTestOptions {
  /** Deepest rollback; each frame rolls back 1 + (frame mod checkDistance) frames. GGRS: 1..8. */
  checkDistance?: number;
  name?: string;
}

export interface SyncMismatch {
  frame: number;
  expected: bigint;
  actual: bigint;
  rollbackDepth: number;
}

export const DEFAULT_CHECK_DISTANCE = 8;

export class SyncTestSession {
  readonly game: RollbackGame;
  readonly checkDistance: number;
  readonly ring: SnapshotRing;
  framesAdvanced = 0;
  framesResimulated = 0;
  mismatches = 0;
  firstMismatch: SyncMismatch | undefined;
  private readonly staging: Region;
  private readonly frameBytes: number;
  private readonly inputs: Uint8Array;
  private readonly inputFrame: Float64Array;
  private readonly hashes: BigUint64Array;
  private readonly startFrame: number;

  constructor(game: RollbackGame, options: SyncTestOptions = {}) {
    const distance = options.checkDistance ?? DEFAULT_CHECK_DISTANCE;
    if (!Number.isInteger(distance) || distance < 1 || distance > 120) throw new InvalidArgumentError(`checkDistance must be an integer in [1, 120], got ${distance}`);
    this.game = game;
    this.checkDistance = distance;
    const window = distance + 2;
    const name = options.name ?? 'sync-test';
    this.ring = new SnapshotRing(game.arena, regionKernels(game.arena.wasm), game.stateBytes, { frames: window, name: `${name}-snapshots` });
    this.frameBytes = game.players * game.inputBytes;
    this.staging = game.arena.allocate(`${name}-inputs`, this.frameBytes);
    this.inputs = new Uint8Array(window * this.frameBytes);
    this.inputFrame = new Float64Array(window).fill(NULL_FRAME);
    this.hashes = new BigUint64Array(window);
    this.startFrame = game.frame();
  }

  /**
   * Simulates the next frame with `inputs` (players * inputBytes), then checks it by rollback.
   * Returns false if this frame found a mismatch.
   */
  advanceFrame(inputs: Uint8Array): boolean {
    if (inputs.byteLength !== this.frameBytes) throw new InvalidArgumentError(`a frame's inputs are ${this.frameBytes} bytes, got ${inputs.byteLength}`);
    const game = this.game;
    const window = this.inputFrame.length;
    const frame = game.frame();
    this.ring.save(frame, game.statePtr);
    this.inputs.set(inputs, (frame % window) * this.frameBytes);
    this.inputFrame[frame % window] = frame;
    this.step(frame);
    this.hashes[(frame + 1) % window] = game.hash();
    this.framesAdvanced++;

    const depth = Math.min(1 + (frame % this.checkDistance), frame + 1 - this.startFrame);
    const from = frame + 1 - depth;
    this.ring.load(from, game.statePtr);
    game.onFrame?.(from);
    let ok = true;
    for (let f = from; f <= frame; f++) {
      this.step(f);
      this.framesResimulated++;
      const actual = game.hash();
      const expected = this.hashes[(f + 1) % window]!;
      if (actual !== expected) {
        ok = false;
        this.mismatches++;
        this.firstMismatch ??= { frame: f + 1, expected, actual, rollbackDepth: depth };
      }
    }
    return ok;
  }

  private step(frame: number): void {
    const window = this.inputFrame.length;
    const at = (frame % window) * this.frameBytes;
    this.staging.bytes().set(this.inputs.subarray(at, at + this.frameBytes));
    this.game.advance(this.staging.ptr, this.game.players);
    this.game.onFrame?.(frame + 1);
  }
}
