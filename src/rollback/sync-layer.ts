// The client's rollback core (GGRS's SyncLayer + P2PSession, for a server-authoritative game):
// an explicit state machine over per-player input queues that turns "advance one frame" and
// "the server confirmed these inputs" into requests — save, load, advance — for a driver to run
// against the game. It never touches the game itself, so every decision is testable by the
// requests it produces.
//
// Frames: the state is at `currentFrame`. Inputs of every frame <= `confirmedFrame` are the
// server's (final), so the state of confirmedFrame + 1 is confirmed. Later frames are predicted:
// the local player's own inputs (stamped `inputDelay` frames ahead), remote players' repeated
// from their newest confirmed input. When a confirmation differs from what was simulated, the
// earliest such frame becomes `firstIncorrectFrame` and the next advance first rolls back to it:
// load it, re-simulate to the present with the corrected inputs (saving each frame on the way).
//
// States:
//   awaiting-state  no state installed yet; nothing advances
//   running         predicting and reconciling
//   needs-state     a rollback would reach past the snapshot ring, or confirmations stopped
//                   fitting the input window: the session must install a full state
// A stall (running, but prediction already maxPredictionFrames ahead of the confirmed frame) is
// not a state: advance returns false and counts it, and the next call tries again.

import { InvalidArgumentError, StateError } from '../core/errors.js';
import type { Arena, Region } from '../wasm/arena.js';
import { NULL_FRAME } from './frames.js';
import { INPUT_CONFIRMED, INPUT_EMPTY, INPUT_LOCAL, INPUT_PREDICTED, InputQueue } from './input-queue.js';
import { REQ_ADVANCE, REQ_LOAD, REQ_SAVE, RequestList } from './requests.js';

export type SyncState = 'awaiting-state' | 'running' | 'needs-state';

export interface SyncLayerOptions {
  players: number;
  inputBytes: number;
  /** This machine's player number, or -1 for a spectator that sends no inputs. */
  localPlayer: number;
  /** Frames between sampling a local input and the frame it applies to. */
  inputDelayFrames?: number;
  /** Snapshots the driver's ring holds; rollbacks reach at most this many frames back. */
  snapshotFrames: number;
  /** Most frames to run ahead of the confirmed frame before stalling. */
  maxPredictionFrames?: number;
  /** Writes the input to assume for a player with no known input yet (default: all zero). */
  neutralInput?: (player: number, out: Uint8Array, offset: number) => void;
  /** Arena region name of the input staging area. */
  name?: string;
}

export const DEFAULT_INPUT_DELAY_FRAMES = 2;
/** Input delay beyond this is a misconfiguration (a quarter second at 60 Hz). */
export const MAX_INPUT_DELAY_FRAMES = 15;

export interface ConfirmResult {
  accepted: number;
  /** Frames at or before the confirmed frame: already known. */
  duplicate: number;
  /** The message started after confirmedFrame + 1: frames in between were lost. */
  gap: number;
  /** Frames beyond what the input queues can hold. */
  tooFar: number;
}

export interface SyncStats {
  rollbacks: number;
  rolledBackFrames: number;
  lastRollbackDepth: number;
  maxRollbackDepth: number;
  /** Frames simulated with at least one predicted input. */
  predictedFrames: number;
  /** Confirmed inputs that differed from the input used for that frame. */
  mispredictions: number;
  stalls: number;
}

export class SyncLayer {
  readonly players: number;
  readonly inputBytes: number;
  readonly localPlayer: number;
  readonly inputDelayFrames: number;
  readonly snapshotFrames: number;
  readonly maxPredictionFrames: number;
  readonly queues: InputQueue[];
  readonly requests = new RequestList();
  readonly stats: SyncStats = { rollbacks: 0, rolledBackFrames: 0, lastRollbackDepth: 0, maxRollbackDepth: 0, predictedFrames: 0, mispredictions: 0, stalls: 0 };
  state: SyncState = 'awaiting-state';
  currentFrame = 0;
  confirmedFrame = NULL_FRAME;
  firstIncorrectFrame = NULL_FRAME;
  /** Oldest frame saved since the last installed state (NULL_FRAME before the first save). */
  private oldestSaved = NULL_FRAME;
  private readonly staging: Region;
  private readonly stagingFrames: number;
  private readonly frameBytes: number;
  private readonly localInput: Uint8Array;
  private readonly neutral: (player: number, out: Uint8Array, offset: number) => void;
  private hasLocalInput = false;

  constructor(arena: Arena, options: SyncLayerOptions) {
    const { players, inputBytes, localPlayer, snapshotFrames } = options;
    const delay = options.inputDelayFrames ?? DEFAULT_INPUT_DELAY_FRAMES;
    const maxPrediction = options.maxPredictionFrames ?? snapshotFrames - 8;
    if (!Number.isInteger(players) || players < 1 || players > 64) throw new InvalidArgumentError(`players must be an integer in [1, 64], got ${players}`);
    if (!Number.isInteger(localPlayer) || localPlayer < -1 || localPlayer >= players) throw new InvalidArgumentError(`localPlayer must be -1 or in [0, ${players - 1}], got ${localPlayer}`);
    if (!Number.isInteger(delay) || delay < 0 || delay > MAX_INPUT_DELAY_FRAMES) throw new InvalidArgumentError(`inputDelayFrames must be an integer in [0, ${MAX_INPUT_DELAY_FRAMES}], got ${delay}`);
    if (!Number.isInteger(maxPrediction) || maxPrediction < 1 || maxPrediction > snapshotFrames - 2) {
      throw new InvalidArgumentError(`maxPredictionFrames must be an integer in [1, ${snapshotFrames - 2}] (snapshot frames - 2), got ${maxPrediction}`);
    }
    this.players = players;
    this.inputBytes = inputBytes;
    this.localPlayer = localPlayer;
    this.inputDelayFrames = delay;
    this.snapshotFrames = snapshotFrames;
    this.maxPredictionFrames = maxPrediction;
    // The window of frames a queue must hold: every unconfirmed frame, the delay, and as many
    // confirmed frames ahead of the state again (a client catching up after installing a state).
    const queueFrames = 2 * (maxPrediction + delay + 2);
    this.queues = Array.from({ length: players }, () => new InputQueue(queueFrames, inputBytes));
    this.stagingFrames = maxPrediction + 2;
    this.frameBytes = players * inputBytes;
    this.staging = arena.allocate(options.name ?? 'rollback-staging', this.stagingFrames * this.frameBytes);
    this.localInput = new Uint8Array(inputBytes);
    this.neutral = options.neutralInput ?? ((_player, out, offset) => out.fill(0, offset, offset + inputBytes));
  }

  /** Frames of inputs a queue holds. */
  get queueFrames(): number {
    return this.queues[0]!.capacity;
  }

  /** Frames the state is ahead of the confirmed state. */
  get predictionDepth(): number {
    return this.currentFrame - (this.confirmedFrame + 1);
  }

  /** Begins (or restarts) from an installed state of `frame`: that state counts as confirmed. */
  start(frame: number): void {
    if (!Number.isInteger(frame) || frame < 0) throw new InvalidArgumentError(`frame must be a non-negative integer, got ${frame}`);
    this.currentFrame = frame;
    if (this.confirmedFrame < frame - 1) this.confirmedFrame = frame - 1;
    // Confirmed inputs for frames before `frame` are history; later ones still apply.
    for (const q of this.queues) {
      if (q.lastConfirmedFrame < frame) q.clear();
    }
    this.firstIncorrectFrame = NULL_FRAME;
    this.oldestSaved = NULL_FRAME;
    this.state = 'running';
  }

  /** The input the next advances stamp for the local player (a full record of inputBytes). */
  setLocalInput(record: Uint8Array, offset = 0): void {
    if (this.localPlayer < 0) throw new StateError('a spectator has no local input');
    this.localInput.set(record.subarray(offset, offset + this.inputBytes));
    this.hasLocalInput = true;
  }

  /**
   * Applies the server's inputs for `count` consecutive frames from `firstFrame`: `records` holds
   * count * players records. Frames already known are skipped; a gap stops the message.
   */
  confirm(firstFrame: number, count: number, records: Uint8Array): ConfirmResult {
    const result: ConfirmResult = { accepted: 0, duplicate: 0, gap: 0, tooFar: 0 };
    if (records.byteLength < count * this.frameBytes) throw new InvalidArgumentError(`${count} frames need ${count * this.frameBytes} bytes of records, got ${records.byteLength}`);
    const oldestNeeded = Math.min(this.confirmedFrame + 1, this.currentFrame);
    for (let k = 0; k < count; k++) {
      const frame = firstFrame + k;
      if (frame <= this.confirmedFrame) {
        result.duplicate++;
        continue;
      }
      if (frame > this.confirmedFrame + 1) {
        result.gap = count - k;
        break;
      }
      if (frame - oldestNeeded >= this.queueFrames - this.inputDelayFrames - 1) {
        result.tooFar = count - k;
        break;
      }
      for (let p = 0; p < this.players; p++) {
        const q = this.queues[p]!;
        const wasSimulated = frame < this.currentFrame;
        const before = q.statusOf(frame);
        const differs = q.confirm(frame, records, (k * this.players + p) * this.inputBytes);
        if (wasSimulated && (differs || before === INPUT_EMPTY)) {
          this.stats.mispredictions++;
          if (this.firstIncorrectFrame === NULL_FRAME || frame < this.firstIncorrectFrame) this.firstIncorrectFrame = frame;
        }
      }
      this.confirmedFrame = frame;
      result.accepted++;
    }
    return result;
  }

  /**
   * Produces the requests for one frame of progress in `this.requests`: first any pending
   * rollback (load, then save + advance per re-simulated frame), then save the current frame and
   * advance it. Returns false, with no requests, when stalled or not running.
   */
  advance(): boolean {
    const requests = this.requests;
    requests.clear();
    if (this.state !== 'running') return false;
    if (this.firstIncorrectFrame !== NULL_FRAME && !this.rollback()) return false;
    if (this.predictionDepth >= this.maxPredictionFrames) {
      this.stats.stalls++;
      return requests.count > 0;
    }
    const frame = this.currentFrame;
    if (this.localPlayer >= 0 && this.hasLocalInput) {
      const q = this.queues[this.localPlayer]!;
      const stampFrame = frame + this.inputDelayFrames;
      if (q.statusOf(stampFrame) !== INPUT_CONFIRMED) q.put(stampFrame, this.localInput, 0, INPUT_LOCAL);
    }
    requests.push(REQ_SAVE, frame);
    this.pushAdvance(frame);
    if (this.oldestSaved === NULL_FRAME) this.oldestSaved = frame;
    this.currentFrame = frame + 1;
    return true;
  }

  /** Requests a re-simulation from firstIncorrectFrame; false (needs-state) if it is out of reach. */
  private rollback(): boolean {
    const from = this.firstIncorrectFrame;
    const to = this.currentFrame;
    this.firstIncorrectFrame = NULL_FRAME;
    if (from >= to) return true;
    const reachable = this.oldestSaved !== NULL_FRAME && from >= this.oldestSaved && from > to - this.snapshotFrames;
    if (!reachable) {
      this.state = 'needs-state';
      return false;
    }
    const requests = this.requests;
    requests.push(REQ_LOAD, from);
    for (let f = from; f < to; f++) {
      if (f > from) requests.push(REQ_SAVE, f);
      this.pushAdvance(f);
    }
    const depth = to - from;
    this.stats.rollbacks++;
    this.stats.rolledBackFrames += depth;
    this.stats.lastRollbackDepth = depth;
    if (depth > this.stats.maxRollbackDepth) this.stats.maxRollbackDepth = depth;
    return true;
  }

  /** Assembles frame's inputs into staging and requests the advance. */
  private pushAdvance(frame: number): void {
    const slot = frame % this.stagingFrames;
    const base = slot * this.frameBytes;
    const out = this.staging.bytes();
    let predicted = false;
    let resolvePlayer = -1;
    for (let p = 0; p < this.players; p++) {
      const q = this.queues[p]!;
      const dst = base + p * this.inputBytes;
      const status = q.statusOf(frame);
      if (status === INPUT_CONFIRMED || status === INPUT_LOCAL) {
        const off = q.offsetOf(frame);
        out.set(q.bytes.subarray(off, off + this.inputBytes), dst);
        if (status === INPUT_LOCAL && p === this.localPlayer && frame >= this.currentFrame) resolvePlayer = p;
        continue;
      }
      // Predict: repeat the newest known input before this frame (GGPO), else the neutral one.
      predicted = true;
      const basis = q.lastPutFrame;
      const basisOff = basis !== NULL_FRAME && basis < frame ? q.offsetOf(basis) : -1;
      if (basisOff >= 0) out.set(q.bytes.subarray(basisOff, basisOff + this.inputBytes), dst);
      else this.neutral(p, out, dst);
      q.put(frame, out, dst, INPUT_PREDICTED);
    }
    if (predicted) this.stats.predictedFrames++;
    this.requests.push(REQ_ADVANCE, frame, this.staging.ptr + base, base, resolvePlayer);
  }

  /** The staging bytes an ADVANCE request's records live in (rebuilt after memory growth). */
  stagingBytes(): Uint8Array {
    return this.staging.bytes();
  }

  /**
   * After the driver resolved the local player's claim for `frame` in staging, keeps the
   * resolved record in the queue: it is what gets compared with the server's confirmation.
   */
  commitResolved(frame: number, player: number, stagingOffset: number): void {
    const q = this.queues[player]!;
    if (q.statusOf(frame) !== INPUT_LOCAL) return;
    q.put(frame, this.staging.bytes(), stagingOffset + player * this.inputBytes, INPUT_LOCAL);
  }

  /** The local player's queue (its inputs are what the session sends). */
  get localQueue(): InputQueue | undefined {
    return this.localPlayer >= 0 ? this.queues[this.localPlayer] : undefined;
  }

  /** Releases the staging region. */
  dispose(): void {
    this.staging.arena.release(this.staging);
  }
}
