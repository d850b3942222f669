// RollbackServer: the authority of a rollback game. Each tick it takes every present player's
// input for the frame — as received, or, when it has not arrived in time, the player's previous
// input repeated (that guess is then final: the server never rolls back) — resolves claims
// (lag-compensated shots) against the state of that frame, steps, and logs the frame's inputs.
// Clients receive those confirmed inputs (every player's) from the frame after the one they
// acknowledge, a state hash every hashEveryFrames frames, and a full state on request.
//
// A client is sent every frame it has not acknowledged (its INPUT packets carry the newest
// confirmed frame it holds), oldest first and at most 32 per message: a lost message costs
// nothing, and the redundancy — about a round trip of frames, 8 + 12 bytes per present player
// each — shrinks as soon as acknowledgements arrive.
//
// Every client packet is checked in order — framing, player, each input's values — and a
// failure drops the whole packet with one counted reason; an input for a frame already
// simulated is late, one more than maxInputLeadFrames ahead is too early, one already held is
// redundant (expected: packets repeat inputs). Nothing a client sends can throw or corrupt state.

import { CapacityError, DecodeError, InvalidArgumentError, StateError } from '../core/errors.js';
import {
  decodeInputMessage, decodeResyncMessage, encodeConfirmedMessage, encodeHashMessage, encodeStateMessage,
  MAX_FRAMES_PER_MESSAGE, MSG_INPUT, MSG_RESYNC, NO_FRAME,
} from '../codec/rollback-messages.js';
import type { InputProblem, RollbackInputFormat } from '../codec/rollback-input-format.js';
import type { Region } from '../wasm/arena.js';
import { formatOf, type RollbackGame } from './game.js';
import { NULL_FRAME } from './frames.js';
import { INPUT_LOCAL, INPUT_PREDICTED, InputQueue } from './input-queue.js';

export interface RollbackServerOptions {
  /** A HASH message every this many frames. */
  hashEveryFrames?: number;
  /** Frames of confirmed inputs kept for clients that fall behind (beyond: they need a state). */
  logFrames?: number;
  /** Inputs this far ahead of the server's frame are refused as too early. */
  maxInputLeadFrames?: number;
  name?: string;
}

export const DEFAULT_HASH_EVERY_FRAMES = 60;
/** About 4 s at 60 Hz. */
export const DEFAULT_LOG_FRAMES = 256;
/** 2 s at 60 Hz: no honest client runs further ahead. */
export const DEFAULT_MAX_INPUT_LEAD_FRAMES = 120;
/**
 * The arrival lead reported to a client is a decaying minimum: it drops to any later-than-usual
 * arrival at once and relaxes towards the running mean by this share per packet (a half-life of
 * about 20 packets, a third of a second), so the client sizes its margin for the jitter's tail,
 * not its mean, and a one-off outlier is forgotten within a second.
 */
const LEAD_MEAN_GAIN = 1 / 16;
const LEAD_RELAX_GAIN = 1 / 30;

export type ServerDropReason =
  | 'decode' | 'unknown_type' | 'unknown_player' | 'wrong_player' | InputProblem
  | 'late' | 'too_early';

export class RollbackServer<G extends RollbackGame = RollbackGame> {
  readonly game: G;
  readonly players: number;
  readonly hashEveryFrames: number;
  readonly logFrames: number;
  readonly maxInputLeadFrames: number;
  readonly drops: Record<ServerDropReason, number> = {
    decode: 0, unknown_type: 0, unknown_player: 0, wrong_player: 0, move_range: 0, buttons: 0, reserved: 0, input_value: 0, late: 0, too_early: 0,
  };
  /** Inputs accepted, and inputs received again (packets repeat inputs on purpose). */
  accepted = 0;
  redundant = 0;
  /** Frames a present player's input had not arrived and the previous one was repeated. */
  missing = 0;
  /** RESYNC requests by reason code. */
  resyncRequests = [0, 0, 0, 0];
  private readonly present: Uint8Array;
  private readonly queues: InputQueue[];
  private readonly clientAck: Float64Array;
  /** Newest input frame received from each player, on time or not: echoed for RTT. */
  private readonly newestReceived: Float64Array;
  private readonly arrivalLead: Float64Array;
  private readonly arrivalMean: Float64Array;
  private readonly needsState: Uint8Array;
  private readonly staging: Region;
  private readonly logPresence: BigUint64Array;
  private readonly logRecords: Uint8Array;
  private readonly logFrame: Float64Array;
  private readonly out: { records: Uint8Array; presence: BigUint64Array };
  private readonly frameBytes: number;
  private readonly inputBytes: number;
  private readonly format: RollbackInputFormat;
  /** One received input widened to a full record. */
  private readonly expanded: Uint8Array;

  constructor(game: G, options: RollbackServerOptions = {}) {
    this.game = game;
    this.players = game.players;
    this.inputBytes = game.inputBytes;
    this.format = formatOf(game);
    if (this.format.recordBytes !== this.inputBytes) throw new InvalidArgumentError(`the game's input records are ${this.inputBytes} bytes but its format's are ${this.format.recordBytes}`);
    this.frameBytes = this.players * this.inputBytes;
    this.expanded = new Uint8Array(this.inputBytes);
    this.hashEveryFrames = options.hashEveryFrames ?? DEFAULT_HASH_EVERY_FRAMES;
    this.logFrames = options.logFrames ?? DEFAULT_LOG_FRAMES;
    this.maxInputLeadFrames = options.maxInputLeadFrames ?? DEFAULT_MAX_INPUT_LEAD_FRAMES;
    if (!Number.isInteger(this.hashEveryFrames) || this.hashEveryFrames < 1) throw new InvalidArgumentError(`hashEveryFrames must be a positive integer, got ${this.hashEveryFrames}`);
    if (!Number.isInteger(this.logFrames) || this.logFrames < MAX_FRAMES_PER_MESSAGE) throw new InvalidArgumentError(`logFrames must be an integer >= ${MAX_FRAMES_PER_MESSAGE}, got ${this.logFrames}`);
    if (!Number.isInteger(this.maxInputLeadFrames) || this.maxInputLeadFrames < 1) throw new InvalidArgumentError(`maxInputLeadFrames must be a positive integer, got ${this.maxInputLeadFrames}`);
    this.present = new Uint8Array(this.players);
    this.queues = Array.from({ length: this.players }, () => new InputQueue(this.maxInputLeadFrames + 8, this.inputBytes));
    this.clientAck = new Float64Array(this.players).fill(NULL_FRAME);
    this.newestReceived = new Float64Array(this.players).fill(NULL_FRAME);
    this.arrivalLead = new Float64Array(this.players);
    this.arrivalMean = new Float64Array(this.players);
    this.needsState = new Uint8Array(this.players);
    this.staging = game.arena.allocate(`${options.name ?? 'rollback-server'}-inputs`, this.frameBytes);
    this.logPresence = new BigUint64Array(this.logFrames);
    this.logRecords = new Uint8Array(this.logFrames * this.frameBytes);
    this.logFrame = new Float64Array(this.logFrames).fill(NULL_FRAME);
    this.out = { records: new Uint8Array(MAX_FRAMES_PER_MESSAGE * this.frameBytes), presence: new BigUint64Array(MAX_FRAMES_PER_MESSAGE) };
  }

  /** The frame the next tick simulates. */
  get frame(): number {
    return this.game.frame();
  }

  isPresent(player: number): boolean {
    return player >= 0 && player < this.players && this.present[player] === 1;
  }

  /** Admits a player (the lowest free number unless given); present from the next tick. */
  addPlayer(player?: number): number {
    let p = player ?? this.present.indexOf(0);
    if (player === undefined && p < 0) throw new CapacityError('rollback session players', this.players);
    if (!Number.isInteger(p) || p < 0 || p >= this.players) throw new InvalidArgumentError(`player must be in [0, ${this.players - 1}], got ${p}`);
    if (this.present[p]) throw new StateError(`player ${p} is already in the session`);
    this.present[p] = 1;
    this.queues[p]!.clear();
    this.clientAck[p] = NULL_FRAME;
    this.newestReceived[p] = NULL_FRAME;
    this.arrivalLead[p] = 0;
    this.arrivalMean[p] = 0;
    this.needsState[p] = 1;
    return p;
  }

  /** Removes a player: from the next tick its avatar leaves the game; its buffers are freed. */
  removePlayer(player: number): void {
    if (!this.isPresent(player)) throw new StateError(`player ${player} is not in the session`);
    this.present[player] = 0;
    this.queues[player]!.clear();
    this.needsState[player] = 0;
  }

  /** Whether `player` asked for (or, new, needs) a full state. */
  wantsState(player: number): boolean {
    return this.isPresent(player) && this.needsState[player] === 1;
  }

  /**
   * Handles one message from the connection of `player` (the transport knows who sent it).
   * Never throws on bad bytes: each failure is counted in `drops` and changes nothing.
   */
  receive(player: number, bytes: Uint8Array): void {
    if (!this.isPresent(player)) {
      this.drops.unknown_player++;
      return;
    }
    const type = bytes.byteLength > 0 ? bytes[0] : -1;
    try {
      if (type === MSG_INPUT) this.onInputs(player, bytes);
      else if (type === MSG_RESYNC) {
        const msg = decodeResyncMessage(bytes);
        if (msg.player !== player) {
          this.drops.wrong_player++;
          return;
        }
        this.resyncRequests[msg.reason]!++;
        this.needsState[player] = 1;
      } else this.drops.unknown_type++;
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.drops.decode++;
    }
  }

  private onInputs(player: number, bytes: Uint8Array): void {
    const format = this.format;
    const msg = decodeInputMessage(bytes, format.wireBytes);
    if (msg.player !== player) {
      this.drops.wrong_player++;
      return;
    }
    for (let k = 0; k < msg.count; k++) {
      const problem = format.problem(msg.inputs, k * format.wireBytes);
      if (problem !== null) {
        this.drops[problem]++;
        return;
      }
    }
    if (msg.ackFrame !== NO_FRAME && msg.ackFrame > this.clientAck[player]!) this.clientAck[player] = msg.ackFrame;
    const now = this.game.frame();
    const q = this.queues[player]!;
    const full = this.expanded;
    for (let k = 0; k < msg.count; k++) {
      const frame = msg.firstFrame + k;
      if (frame < now) {
        // Already simulated: with the input itself (a repeat of it) or with a guess (late).
        if (q.statusOf(frame) === INPUT_LOCAL) this.redundant++;
        else this.drops.late++;
        continue;
      }
      if (frame >= now + this.maxInputLeadFrames) {
        this.drops.too_early++;
        continue;
      }
      if (q.statusOf(frame) === INPUT_LOCAL) {
        this.redundant++;
        continue;
      }
      format.widen(msg.inputs, k * format.wireBytes, full, 0);
      q.put(frame, full, 0, INPUT_LOCAL);
      this.accepted++;
    }
    const newest = msg.firstFrame + msg.count - 1;
    if (newest > this.newestReceived[player]!) this.newestReceived[player] = newest;
    const sample = newest - now;
    const mean = (this.arrivalMean[player]! += LEAD_MEAN_GAIN * (sample - this.arrivalMean[player]!));
    const relaxed = this.arrivalLead[player]! + LEAD_RELAX_GAIN * (mean - this.arrivalLead[player]!);
    this.arrivalLead[player] = Math.min(sample, relaxed);
  }

  /** Simulates one frame; returns the frame number simulated. */
  tick(): number {
    const game = this.game;
    const frame = game.frame();
    const staging = this.staging.bytes();
    staging.fill(0);
    let presence = 0n;
    for (let p = 0; p < this.players; p++) {
      if (!this.present[p]) continue;
      presence |= 1n << BigInt(p);
      const dst = p * this.inputBytes;
      const q = this.queues[p]!;
      const off = q.offsetOf(frame);
      if (off >= 0) staging.set(q.bytes.subarray(off, off + this.inputBytes), dst);
      else {
        // Not here in time: repeat the previous input (what clients predict), else idle.
        this.missing++;
        const basis = q.lastPutFrame !== NULL_FRAME && q.lastPutFrame < frame ? q.offsetOf(q.lastPutFrame) : -1;
        if (basis >= 0) staging.set(q.bytes.subarray(basis, basis + this.inputBytes), dst);
        else game.neutralInput?.(p, staging, dst);
        this.format.stamp(staging, dst);
        q.put(frame, staging, dst, INPUT_PREDICTED);
      }
      // The record is present with no verdict either way: a received one was widened so, a
      // repeated one stamped so above (the queue keeps them so; verdicts are written only into
      // the staging, by resolveClaim now, and the log).
      game.resolveClaim?.(frame, p, staging, dst);
    }
    const slot = frame % this.logFrames;
    this.logRecords.set(staging.subarray(0, this.frameBytes), slot * this.frameBytes);
    this.logPresence[slot] = presence;
    this.logFrame[slot] = frame;
    game.advance(this.staging.ptr, this.players);
    game.onFrame?.(frame + 1);
    return frame;
  }

  /**
   * The CONFIRMED message for `player`: the frames after the one it acknowledges (at most
   * MAX_FRAMES_PER_MESSAGE, oldest first). Null when it has nothing new or needs a full state
   * first (no acknowledgement yet, or its acknowledgement fell out of the log).
   */
  confirmedFor(player: number): Uint8Array | null {
    if (!this.isPresent(player)) throw new StateError(`player ${player} is not in the session`);
    const ack = this.clientAck[player]!;
    const newest = this.game.frame() - 1;
    if (ack === NULL_FRAME || ack < newest - this.logFrames + 1 || this.logFrame[(ack + 1) % this.logFrames] !== ack + 1) {
      if (ack < newest) this.needsState[player] = 1;
      return null;
    }
    const count = Math.min(newest - ack, MAX_FRAMES_PER_MESSAGE);
    if (count <= 0) return null;
    const received = this.newestReceived[player]!;
    return this.encodeFrames(ack + 1, count, received === NULL_FRAME ? NO_FRAME : received, this.arrivalLead[player]!);
  }

  /**
   * A CONFIRMED message of the frames from `firstFrame` on (at most MAX_FRAMES_PER_MESSAGE), for
   * a watcher that sends no inputs and so no acknowledgements (a spectator, fed over a reliable
   * channel, each frame once). Null when there is no such frame yet or the log no longer holds
   * `firstFrame` (the watcher then needs a full state).
   */
  confirmedFrom(firstFrame: number): Uint8Array | null {
    const newest = this.game.frame() - 1;
    if (!Number.isInteger(firstFrame) || firstFrame < 0 || firstFrame > newest) return null;
    if (firstFrame < newest - this.logFrames + 1 || this.logFrame[firstFrame % this.logFrames] !== firstFrame) return null;
    return this.encodeFrames(firstFrame, Math.min(newest - firstFrame + 1, MAX_FRAMES_PER_MESSAGE), NO_FRAME, 0);
  }

  private encodeFrames(first: number, count: number, inputAck: number, lead: number): Uint8Array {
    for (let k = 0; k < count; k++) {
      const slot = (first + k) % this.logFrames;
      this.out.records.set(this.logRecords.subarray(slot * this.frameBytes, (slot + 1) * this.frameBytes), k * this.frameBytes);
      this.out.presence[k] = this.logPresence[slot]!;
    }
    return encodeConfirmedMessage(
      { players: this.players, firstFrame: first, count, inputs: this.out.records, offset: 0, presence: this.out.presence, presenceOffset: 0 },
      this.game.frame(),
      inputAck,
      lead,
      this.inputBytes,
    );
  }

  /** The HASH message of the current frame when it is a hash frame, else null. */
  hashMessage(): Uint8Array | null {
    const frame = this.game.frame();
    return frame % this.hashEveryFrames === 0 ? encodeHashMessage(frame, this.game.hash()) : null;
  }

  /**
   * A STATE message of the current frame for `player`, who will then be sent confirmed inputs
   * from this frame on.
   */
  stateFor(player: number): Uint8Array {
    if (!this.isPresent(player)) throw new StateError(`player ${player} is not in the session`);
    const frame = this.game.frame();
    const bytes = new Uint8Array(this.game.arena.memoryBuffer, this.game.statePtr, this.game.stateBytes);
    this.needsState[player] = 0;
    this.clientAck[player] = frame - 1;
    return encodeStateMessage(frame, this.game.hash(), bytes);
  }

  /** Releases the input staging back to the arena (the game is the caller's). */
  dispose(): void {
    this.game.arena.release(this.staging);
  }

  /** How many frames early `player`'s inputs arrive: the recent worst case (decaying minimum). */
  arrivalLeadOf(player: number): number {
    return this.arrivalLead[player] ?? 0;
  }
}
