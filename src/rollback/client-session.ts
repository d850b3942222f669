// RollbackClient: a predicting client of a server-authoritative game (the `PredictedWorld` of
// the design note in index.ts). It runs the same deterministic step as the server on the same
// chronos.wasm, predicts with its own inputs at once, and reconciles with the server's confirmed
// inputs by rollback; a periodic state hash proves it matches the server and a full state
// repairs it when it does not.
//
// Inbound bytes (receive): CONFIRMED inputs, HASH, STATE. Outbound (take*): INPUT packets that
// repeat the newest `inputRedundancy` local inputs, RESYNC requests. Time: update(nowMs) runs as
// many frames as the time sync asks for. Hostile or malformed inbound bytes are counted by
// reason in `drops` and change nothing.

import { DecodeError, InvalidArgumentError, StateError } from '../core/errors.js';
import {
  decodeConfirmedMessage, decodeHashMessage, decodeStateMessage, encodeInputMessage, encodeResyncMessage,
  MAX_INPUTS_PER_PACKET, MSG_CONFIRMED, MSG_HASH, MSG_STATE, NO_FRAME, RESYNC_HASH_MISMATCH, RESYNC_INPUTS_MISSING,
  RESYNC_TOO_DEEP, type ConfirmedMessage, type HashMessage, type StateMessage,
} from '../codec/rollback-messages.js';
import type { RollbackInputFormat } from '../codec/rollback-input-format.js';
import { formatOf, type RollbackGame } from './game.js';
import { NULL_FRAME } from './frames.js';
import { REQ_ADVANCE, REQ_LOAD, REQ_SAVE } from './requests.js';
import { SnapshotRing, DEFAULT_SNAPSHOT_FRAMES } from './snapshot-ring.js';
import { SyncLayer } from './sync-layer.js';
import { TimeSync, type TimeSyncOptions } from './time-sync.js';
import { regionKernels } from './region-kernels.js';

export interface RollbackClientOptions {
  localPlayer: number;
  tickHz: number;
  inputDelayFrames?: number;
  snapshotFrames?: number;
  maxPredictionFrames?: number;
  /** Local inputs repeated in every INPUT packet. */
  inputRedundancy?: number;
  /** Remote bodies are drawn this many frames behind the confirmed frame. */
  renderDelayFrames?: number;
  /** Most frames one update may run. */
  maxCatchUpFrames?: number;
  /** Derive RTT samples from the server's input acks (turn off when the transport measures RTT). */
  rttFromAcks?: boolean;
  timeSync?: Partial<Omit<TimeSyncOptions, 'tickHz' | 'inputDelayFrames'>>;
  name?: string;
}

export const DEFAULT_INPUT_REDUNDANCY = 8;
export const DEFAULT_RENDER_DELAY_FRAMES = 2;
export const DEFAULT_MAX_CATCH_UP_FRAMES = 8;
/** Server hashes waiting for their frame to be confirmed locally. */
const MAX_PENDING_HASHES = 32;

export type ClientDropReason = 'decode' | 'unknown_type' | 'player_count' | 'state_layout' | 'state_hash' | 'not_running';

export interface DesyncReport {
  frame: number;
  localHash: bigint;
  serverHash: bigint;
}

export class RollbackClient<G extends RollbackGame = RollbackGame> {
  readonly game: G;
  readonly sync: SyncLayer;
  readonly ring: SnapshotRing;
  readonly timeSync: TimeSync;
  readonly options: Required<Omit<RollbackClientOptions, 'timeSync' | 'name'>>;
  readonly drops: Record<ClientDropReason, number> = { decode: 0, unknown_type: 0, player_count: 0, state_layout: 0, state_hash: 0, not_running: 0 };
  readonly hashChecks = { matched: 0, mismatched: 0, unchecked: 0 };
  readonly confirmCounts = { accepted: 0, duplicate: 0, gap: 0, tooFar: 0 };
  /** Full states installed (the first one and every resync). */
  statesInstalled = 0;
  /** The first desync seen since the last installed state, if any. */
  desync: DesyncReport | undefined;
  /** Newest frame of our inputs the server holds (NO_FRAME: none yet). */
  serverInputAck = NO_FRAME;
  private readonly frameMs: number;
  private readonly pendingHashes = new Map<number, bigint>();
  private readonly format: RollbackInputFormat;
  private readonly record: Uint8Array;
  private readonly packet: Uint8Array;
  private readonly sentAt: Float64Array;
  private readonly sentFrame: Float64Array;
  private pendingResync: Uint8Array | undefined;
  private accumulatorMs = 0;
  private lastUpdateMs = Number.NaN;
  private newestStamped = NULL_FRAME;
  private lastSampledAck = NO_FRAME;
  /** Whether the client has been placed at its target frame since the server's clock was known. */
  private placed = false;
  /** Whether the current updates are fast-forwarding or pausing (one jump, however many updates). */
  private jumping = false;

  constructor(game: G, options: RollbackClientOptions) {
    this.game = game;
    const snapshotFrames = options.snapshotFrames ?? DEFAULT_SNAPSHOT_FRAMES;
    this.options = {
      localPlayer: options.localPlayer,
      tickHz: options.tickHz,
      inputDelayFrames: options.inputDelayFrames ?? 2,
      snapshotFrames,
      maxPredictionFrames: options.maxPredictionFrames ?? snapshotFrames - 8,
      inputRedundancy: options.inputRedundancy ?? DEFAULT_INPUT_REDUNDANCY,
      renderDelayFrames: options.renderDelayFrames ?? DEFAULT_RENDER_DELAY_FRAMES,
      maxCatchUpFrames: options.maxCatchUpFrames ?? DEFAULT_MAX_CATCH_UP_FRAMES,
      rttFromAcks: options.rttFromAcks ?? true,
    };
    const o = this.options;
    if (!Number.isInteger(o.inputRedundancy) || o.inputRedundancy < 1 || o.inputRedundancy > MAX_INPUTS_PER_PACKET) {
      throw new InvalidArgumentError(`inputRedundancy must be an integer in [1, ${MAX_INPUTS_PER_PACKET}], got ${o.inputRedundancy}`);
    }
    if (!(o.renderDelayFrames >= 0) || !Number.isInteger(o.maxCatchUpFrames) || o.maxCatchUpFrames < 1) {
      throw new InvalidArgumentError('renderDelayFrames must be >= 0 and maxCatchUpFrames a positive integer');
    }
    const name = options.name ?? 'rollback-client';
    this.frameMs = 1000 / o.tickHz;
    this.ring = new SnapshotRing(game.arena, regionKernels(game.arena.wasm), game.stateBytes, { frames: snapshotFrames, name: `${name}-snapshots` });
    this.sync = new SyncLayer(game.arena, {
      players: game.players,
      inputBytes: game.inputBytes,
      localPlayer: o.localPlayer,
      inputDelayFrames: o.inputDelayFrames,
      snapshotFrames,
      maxPredictionFrames: o.maxPredictionFrames,
      name: `${name}-staging`,
      neutralInput: game.neutralInput?.bind(game),
    });
    this.timeSync = new TimeSync({ ...options.timeSync, tickHz: o.tickHz, inputDelayFrames: o.inputDelayFrames });
    this.format = formatOf(game);
    this.record = new Uint8Array(game.inputBytes);
    this.packet = new Uint8Array(MAX_INPUTS_PER_PACKET * game.inputBytes);
    this.sentAt = new Float64Array(this.sync.queueFrames).fill(Number.NaN);
    this.sentFrame = new Float64Array(this.sync.queueFrames).fill(NULL_FRAME);
  }

  get state(): SyncLayer['state'] {
    return this.sync.state;
  }

  get currentFrame(): number {
    return this.sync.currentFrame;
  }

  get confirmedFrame(): number {
    return this.sync.confirmedFrame;
  }

  // ---- inbound ----

  /** Handles one message from the server. Never throws on bad bytes: they are counted. */
  receive(bytes: Uint8Array, nowMs: number): void {
    const type = bytes.byteLength > 0 ? bytes[0] : -1;
    try {
      if (type === MSG_CONFIRMED) this.onConfirmed(decodeConfirmedMessage(bytes, this.game.inputBytes), nowMs);
      else if (type === MSG_HASH) this.onHash(decodeHashMessage(bytes));
      else if (type === MSG_STATE) this.onState(decodeStateMessage(bytes));
      else this.drops.unknown_type++;
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.drops.decode++;
    }
  }

  onConfirmed(msg: ConfirmedMessage, nowMs: number): void {
    if (msg.players !== this.game.players) {
      this.drops.player_count++;
      return;
    }
    if (this.sync.state === 'awaiting-state') {
      this.drops.not_running++;
      return;
    }
    const r = this.sync.confirm(msg.firstFrame, msg.count, msg.inputs);
    this.confirmCounts.accepted += r.accepted;
    this.confirmCounts.duplicate += r.duplicate;
    this.confirmCounts.gap += r.gap > 0 ? 1 : 0;
    this.confirmCounts.tooFar += r.tooFar > 0 ? 1 : 0;
    if (r.tooFar > 0) this.requestResync(RESYNC_INPUTS_MISSING, this.sync.confirmedFrame + 1, 0n);
    this.timeSync.onServerFrame(msg.serverFrame, nowMs);
    this.timeSync.onArrivalLead(msg.inputLeadFrames);
    if (msg.inputAckFrame !== NO_FRAME && (this.serverInputAck === NO_FRAME || msg.inputAckFrame > this.serverInputAck)) {
      this.serverInputAck = msg.inputAckFrame;
      if (this.options.rttFromAcks && msg.inputAckFrame !== this.lastSampledAck) {
        const slot = msg.inputAckFrame % this.sentAt.length;
        if (this.sentFrame[slot] === msg.inputAckFrame) this.timeSync.addRttSample(nowMs - this.sentAt[slot]!);
        this.lastSampledAck = msg.inputAckFrame;
      }
    }
  }

  onHash(msg: HashMessage): void {
    if (msg.frame <= this.sync.confirmedFrame + 1 - this.ring.slots) {
      this.hashChecks.unchecked++;
      return;
    }
    this.pendingHashes.set(msg.frame, msg.hash);
    if (this.pendingHashes.size > MAX_PENDING_HASHES) {
      const oldest = Math.min(...this.pendingHashes.keys());
      this.pendingHashes.delete(oldest);
      this.hashChecks.unchecked++;
    }
    this.checkHashes();
  }

  /**
   * Installs a full state of `frame` (the first state, or a resync). Checked for layout and hash
   * inside a snapshot slot before the live state is touched. The client then re-simulates
   * forward to where it was, so a resync does not jump the view backwards.
   */
  onState(msg: StateMessage): void {
    const problem = this.game.checkState?.(msg.bytes) ?? (msg.bytes.byteLength === this.game.stateBytes ? null : 'size');
    if (problem !== null) {
      this.drops.state_layout++;
      return;
    }
    const ring = this.ring;
    const slotPtr = ring.ptrOf(msg.frame);
    new Uint8Array(this.game.arena.memoryBuffer, slotPtr, ring.stateBytes).set(msg.bytes);
    ring.frames[ring.slotOf(msg.frame)] = msg.frame;
    if (ring.hashOf(msg.frame) !== BigInt.asUintN(64, msg.hash)) {
      ring.frames[ring.slotOf(msg.frame)] = NULL_FRAME;
      this.drops.state_hash++;
      return;
    }
    const wasAt = this.sync.state === 'awaiting-state' ? msg.frame : this.sync.currentFrame;
    ring.dropAfter(msg.frame);
    ring.load(msg.frame, this.game.statePtr);
    this.game.onFrame?.(msg.frame);
    this.sync.start(msg.frame);
    this.pendingHashes.forEach((_hash, frame) => {
      if (frame < msg.frame) this.pendingHashes.delete(frame);
    });
    this.desync = undefined;
    this.pendingResync = undefined;
    this.statesInstalled++;
    for (let f = msg.frame; f < wasAt && this.sync.currentFrame < wasAt; f++) {
      if (!this.advanceFrame()) break;
    }
  }

  // ---- local ----

  /**
   * The local player's input from now on, a full record of the game's format (a declared room's:
   * DeclaredRoomGame.record(input)), stamped at every frame until replaced; it is marked present
   * and its verdicts cleared, as the server does. Throws InvalidArgumentError for a record of the wrong size.
   */
  setInputRecord(record: Uint8Array): void {
    if (this.options.localPlayer < 0) throw new StateError('a spectator has no input');
    if (record.byteLength !== this.record.byteLength) throw new InvalidArgumentError(`an input record is ${this.record.byteLength} bytes, got ${record.byteLength}`);
    this.record.set(record);
    this.format.stamp(this.record, 0);
    this.sync.setLocalInput(this.record);
  }

  /** Runs one frame (rolling back first if a confirmation requires it). False when stalled. */
  advanceFrame(): boolean {
    if (!this.sync.advance()) {
      if (this.sync.state === 'needs-state') this.requestResync(RESYNC_TOO_DEEP, this.sync.confirmedFrame + 1, 0n);
      this.runRequests();
      return false;
    }
    this.runRequests();
    const stamped = this.sync.currentFrame - 1 + this.options.inputDelayFrames;
    if (this.options.localPlayer >= 0 && stamped > this.newestStamped) this.newestStamped = stamped;
    this.checkHashes();
    return true;
  }

  /**
   * Runs the frames the clock and the time sync call for since the last update (at most
   * maxCatchUpFrames, more to fast-forward a client far behind). Returns frames run.
   */
  update(nowMs: number): number {
    if (this.sync.state !== 'running') {
      this.lastUpdateMs = nowMs;
      return 0;
    }
    const dtMs = Number.isFinite(this.lastUpdateMs) ? Math.max(0, Math.min(250, nowMs - this.lastUpdateMs)) : 0;
    this.lastUpdateMs = nowMs;
    const speed = this.timeSync.update(nowMs, this.sync.currentFrame + this.accumulatorMs / this.frameMs);
    let frames: number;
    if (this.timeSync.ready && !this.placed) {
      // The first moment the server's clock is known: start where the client should be rather
      // than creep there at the dilation limit (nothing meaningful has been drawn yet).
      this.placed = true;
      const error = this.timeSync.lastErrorFrames;
      this.accumulatorMs = 0;
      frames = error > 0 ? Math.min(Math.round(error), this.sync.maxPredictionFrames) : 0;
    } else if (this.timeSync.ready && this.timeSync.needsJump) {
      if (!this.jumping) this.timeSync.jumps++;
      this.jumping = true;
      const error = this.timeSync.lastErrorFrames;
      this.accumulatorMs = 0;
      frames = error > 0 ? Math.min(Math.floor(error), this.options.maxCatchUpFrames * 8) : 0;
    } else {
      this.jumping = false;
      this.accumulatorMs += dtMs * speed;
      frames = Math.floor(this.accumulatorMs / this.frameMs);
      this.accumulatorMs -= frames * this.frameMs;
      if (frames > this.options.maxCatchUpFrames) frames = this.options.maxCatchUpFrames;
    }
    let ran = 0;
    for (; ran < frames; ran++) if (!this.advanceFrame()) break;
    if (ran < frames) this.accumulatorMs = 0;
    return ran;
  }

  /** Interpolation factor between the previous and the current frame, for drawing. */
  get alpha(): number {
    return Math.min(1, this.accumulatorMs / this.frameMs);
  }

  // ---- outbound ----

  /**
   * The INPUT packet to send now: the newest local inputs, up to inputRedundancy of them, that
   * the server has not acknowledged (at least the newest one). Null before any input is stamped.
   */
  takeInputPacket(nowMs = Number.NaN): Uint8Array | null {
    const q = this.sync.localQueue;
    if (!q || this.newestStamped === NULL_FRAME) return null;
    const newest = this.newestStamped;
    let first = Math.max(0, newest - this.options.inputRedundancy + 1);
    if (this.serverInputAck !== NO_FRAME && this.serverInputAck + 1 > first) first = Math.min(newest, this.serverInputAck + 1);
    while (first < newest && q.offsetOf(first) < 0) first++;
    const bytes = this.game.inputBytes;
    let count = 0;
    for (let f = first; f <= newest; f++) {
      const off = q.offsetOf(f);
      if (off < 0) break;
      this.packet.set(q.bytes.subarray(off, off + bytes), count * bytes);
      count++;
    }
    if (count === 0) return null;
    if (Number.isFinite(nowMs)) {
      for (let f = first; f < first + count; f++) {
        const slot = f % this.sentAt.length;
        if (this.sentFrame[slot] !== f) {
          this.sentFrame[slot] = f;
          this.sentAt[slot] = nowMs;
        }
      }
    }
    const ack = this.sync.confirmedFrame >= 0 ? this.sync.confirmedFrame : NO_FRAME;
    return encodeInputMessage(this.options.localPlayer, first, ack, this.packet, 0, count, this.format);
  }

  /** A RESYNC request to send, if the client needs a full state. */
  takeResync(): Uint8Array | null {
    const r = this.pendingResync ?? null;
    this.pendingResync = undefined;
    return r;
  }

  // ---- drawing ----

  /** Frame (fractional) at which remote bodies are drawn: behind the server by the delays. */
  renderFrameAt(nowMs: number): number {
    const confirmedState = this.sync.confirmedFrame + 1;
    if (!this.timeSync.ready) return confirmedState - this.options.renderDelayFrames;
    const oneWay = this.timeSync.srttMs / 2 / this.frameMs;
    const estimate = this.timeSync.serverFrameAt(nowMs) - oneWay - this.options.renderDelayFrames;
    return Math.min(confirmedState, Math.max(estimate, this.sync.currentFrame - this.ring.slots + 2));
  }

  /** Counters for an overlay or metrics endpoint. */
  stats() {
    const s = this.sync.stats;
    return {
      state: this.sync.state,
      frame: this.sync.currentFrame,
      confirmedFrame: this.sync.confirmedFrame,
      predictionFrames: this.sync.predictionDepth,
      rollbacks: s.rollbacks,
      rolledBackFrames: s.rolledBackFrames,
      lastRollbackDepth: s.lastRollbackDepth,
      maxRollbackDepth: s.maxRollbackDepth,
      stalls: s.stalls,
      mispredictions: s.mispredictions,
      rttMs: this.timeSync.srttMs,
      speed: this.timeSync.speed,
      leadFrames: this.timeSync.leadFrames,
      hashChecks: { ...this.hashChecks },
      drops: { ...this.drops },
      desync: this.desync,
    };
  }

  /** Releases the snapshot ring and the input staging back to the arena (the game is the caller's). */
  dispose(): void {
    this.game.arena.release(this.ring.region);
    this.sync.dispose();
  }

  // ---- internals ----

  private requestResync(reason: number, frame: number, hash: bigint): void {
    if (this.options.localPlayer < 0 && this.pendingResync) return;
    this.pendingResync = encodeResyncMessage(Math.max(0, this.options.localPlayer), reason, Math.max(0, frame), hash);
  }

  /** Executes the sync layer's requests. */
  private runRequests(): void {
    const requests = this.sync.requests;
    const game = this.game;
    const players = game.players;
    for (let i = 0; i < requests.count; i++) {
      const r = requests.get(i);
      if (r.kind === REQ_SAVE) {
        this.ring.save(r.frame, game.statePtr);
      } else if (r.kind === REQ_LOAD) {
        this.ring.load(r.frame, game.statePtr);
        game.onFrame?.(r.frame);
      } else if (r.kind === REQ_ADVANCE) {
        if (r.resolvePlayer >= 0 && game.resolveClaim) {
          game.resolveClaim(r.frame, r.resolvePlayer, this.sync.stagingBytes(), r.inputsOffset + r.resolvePlayer * game.inputBytes);
          this.sync.commitResolved(r.frame, r.resolvePlayer, r.inputsOffset);
        }
        game.advance(r.inputsPtr, players);
        game.onFrame?.(r.frame + 1);
      }
    }
  }

  /** Compares server hashes with local confirmed states as their frames become confirmed. */
  private checkHashes(): void {
    if (this.pendingHashes.size === 0) return;
    const confirmedState = this.sync.confirmedFrame + 1;
    const pendingFix = this.sync.firstIncorrectFrame;
    for (const [frame, serverHash] of this.pendingHashes) {
      if (frame > confirmedState || frame > this.sync.currentFrame) continue;
      if (pendingFix !== NULL_FRAME && pendingFix < frame) continue;
      this.pendingHashes.delete(frame);
      const local = frame === this.sync.currentFrame ? this.game.hash() : this.ring.hashOf(frame);
      if (local === undefined) {
        this.hashChecks.unchecked++;
        continue;
      }
      if (local === BigInt.asUintN(64, serverHash)) {
        this.hashChecks.matched++;
        continue;
      }
      this.hashChecks.mismatched++;
      if (!this.desync) {
        this.desync = { frame, localHash: local, serverHash: BigInt.asUintN(64, serverHash) };
        this.requestResync(RESYNC_HASH_MISMATCH, frame, local);
      }
    }
  }
}

