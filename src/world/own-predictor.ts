// OwnPredictor: a world-mode client's prediction of its own avatar, with server reconciliation.
// The client knows nothing of the world but what interest management sends it, so it predicts
// only what it controls: its avatar, in a small World of its own (same rules, same bounds, the
// same avatar_step through sim_predict_step), and the projectiles that avatar fires, in a
// second small World where they fly until their lifetime ends.
//
//   predict(input): the input is numbered (seq), kept in the history with the state it led to,
//                   and simulated at once: the avatar answers before the server has heard of it.
//   reconcile(own): the server's OWN names the last input it applied (S) and the avatar's state
//                   after it. If that equals what this client predicted for S, nothing happens.
//                   Otherwise the avatar is rewound to the server's state and the inputs after
//                   S are replayed; the drawn position fades from where it was to the corrected
//                   one by the correction's size (snap / smooth / blend / teleport).
//
// Figures: frames predicted, inputs checked against the server and how many were mispredicted
// (the seed's target: under 5 % in normal play), corrections by class and the last one's size,
// and the input-to-acknowledgement latency (from predicting an input to the OWN that applied it).

import { InvalidArgumentError } from '../core/errors.js';
import { World } from '../core/world.js';
import { FLAG_ALIVE, FLAG_PLAYER, FLAG_PROJECTILE, OWNER_TAG_MASK, OWNER_TAG_SHIFT } from '../core/world-layout.js';
import { toQ16 } from '../core/fixed.js';
import { slotOf } from '../core/entity-id.js';
import type { Arena, Region } from '../wasm/arena.js';
import { writeRules } from '../rollback/reference-game.js';
import { simKernels, type SimKernels } from '../rollback/sim-kernels.js';
import { VisualSmoother, type CorrectionClass, type CorrectionCounts } from '../rollback/smoothing.js';
import type { OwnState, WireInput, WorldJoin } from '../codec/world-messages.js';
import { WIRE_INPUT_BYTES, writeWireInput } from '../codec/world-messages.js';
import { CMD_AIM, CMD_BUTTONS, CMD_BYTES, CMD_MOVE_X, CMD_MOVE_Y, CMD_SLOT, CMD_TARGET, CMD_VIEW_DELAY } from './commands.js';
import { AvatarColumns } from './own-state.js';
import { NO_TARGET } from '../codec/rollback-input.js';

/** 4 s of inputs at 60 Hz: more than any round trip a player can play over. */
export const DEFAULT_HISTORY = 256;
/** Projectiles one avatar can have in flight (lifetime / cooldown), with room to spare. */
const PROJECTILE_SLOTS = 16;
const AVATAR = 0;

export interface OwnPredictorStats {
  /** Inputs predicted (frames simulated ahead of the server). */
  predicted: number;
  /** Inputs the server has not applied yet. */
  ahead: number;
  /**
   * OWN states compared with the prediction of their input; those whose movement (position,
   * velocity, heading) differed; and those where only the rest differed (hit points taken, a
   * death, a cooldown: what the client cannot predict of others' actions).
   */
  checked: number;
  mispredicted: number;
  stateCorrections: number;
  /** Reconciliations that replayed inputs. */
  replays: number;
  corrections: CorrectionCounts;
  /** Size of the last correction of the drawn position, metres (0 before any). */
  lastCorrectionM: number;
  lastCorrectionClass: CorrectionClass | 'none';
  /** From predicting an input to the OWN that applied it: the last one and a running mean, ms. */
  inputAckMs: number;
  inputAckMeanMs: number;
  /** OWN messages older than one already reconciled, or naming an input this client never made. */
  ignored: number;
}

export class OwnPredictor {
  readonly arena: Arena;
  /** The avatar alone: predicted and replayed here. */
  readonly avatarWorld: World;
  /** Projectiles this avatar fired, flying as predicted. */
  readonly projectileWorld: World;
  readonly smoother: VisualSmoother;
  readonly capacity: number;
  /** The avatar's slot in the server's world (its projectiles carry it in their owner tag). */
  serverSlot = -1;
  private readonly kernels: SimKernels;
  private readonly avatar: AvatarColumns;
  private readonly command: Region;
  private readonly commandView: () => DataView;
  /** History, by seq % capacity: the input (wire record), the state it led to, when it was made. */
  private readonly inputs: Uint8Array;
  private readonly seqs: Float64Array;
  private readonly states: Int32Array;
  private readonly madeAtMs: Float64Array;
  private newest = 0;
  private acked = 0;
  private ackMeanMs = 0;
  private readonly scratch: OwnState = { serverTick: 0, lastAppliedSeq: 0, queued: 0, avatarId: 0, x: 0, y: 0, z: 0, vx: 0, vy: 0, heading: 0, timer: 0, hp: 0, flags: 0 };
  readonly stats: OwnPredictorStats = {
    predicted: 0, ahead: 0, checked: 0, mispredicted: 0, stateCorrections: 0, replays: 0,
    corrections: { snap: 0, smooth: 0, blend: 0, teleport: 0 }, lastCorrectionM: 0, lastCorrectionClass: 'none',
    inputAckMs: 0, inputAckMeanMs: 0, ignored: 0,
  };

  constructor(arena: Arena, join: WorldJoin, name = 'own', historySize = DEFAULT_HISTORY) {
    if (!Number.isInteger(historySize) || historySize < 16 || historySize > 4096) throw new InvalidArgumentError(`historySize must be an integer in [16, 4096], got ${historySize}`);
    this.arena = arena;
    this.kernels = simKernels(arena.wasm);
    this.capacity = historySize;
    const options = { seed: join.seed, tickHz: join.tickHz, bounds: join.bounds, npc: { topSpeedMps: 0, wanderMinS: 1, wanderMaxS: 1, idlePercent: 0 } };
    this.avatarWorld = World.create(arena, { ...options, capacity: 2, name: `${name}-avatar` });
    this.projectileWorld = World.create(arena, { ...options, capacity: PROJECTILE_SLOTS, name: `${name}-projectiles` });
    const rules = { ...join.rules } as Parameters<typeof writeRules>[1];
    writeRules(this.avatarWorld, rules, 1);
    writeRules(this.projectileWorld, rules, 1);
    this.command = arena.allocate(`${name}-command`, CMD_BYTES);
    this.commandView = () => new DataView(arena.memoryBuffer, this.command.ptr, CMD_BYTES);
    this.inputs = new Uint8Array(historySize * WIRE_INPUT_BYTES);
    this.seqs = new Float64Array(historySize).fill(-1);
    this.states = new Int32Array(historySize * STATE_WORDS);
    this.madeAtMs = new Float64Array(historySize);
    this.smoother = new VisualSmoother(1);
    const slot = this.avatarWorld.kernels.world_alloc(this.avatarWorld.ptr, FLAG_PLAYER);
    if (slot !== AVATAR) throw new InvalidArgumentError(`the avatar world gave slot ${slot}`);
    this.avatarWorld.column('radius')[AVATAR] = toQ16(join.rules.playerRadiusM);
    this.avatar = new AvatarColumns(this.avatarWorld);
    this.restart(join);
  }

  /**
   * Starts over from a JOIN: inputs are numbered after the last one the server applied, and the
   * avatar waits for its first OWN (until then it stands where the server will say).
   */
  restart(join: WorldJoin): void {
    this.serverSlot = join.mode === 'play' ? slotOf(join.avatarId) : -1;
    this.newest = join.lastAppliedSeq;
    this.acked = join.lastAppliedSeq;
    this.seqs.fill(-1);
    this.smoother.resetAll();
    this.synced = false;
    const w = this.projectileWorld;
    const flags = w.column('flags');
    for (let s = 0; s < w.highWater; s++) if ((flags[s]! & FLAG_ALIVE) !== 0) w.kernels.world_free(w.ptr, s);
  }

  /** Whether an OWN has placed the avatar (before that, predict() only records inputs). */
  synced = false;

  /** Sequence of the newest input predicted. */
  get newestSeq(): number {
    return this.newest;
  }

  /** Sequence of the newest input the server has applied. */
  get ackedSeq(): number {
    return this.acked;
  }

  /**
   * Numbers `input`, keeps it, and simulates it at once (the avatar's step, its projectiles'
   * flight). Returns its sequence number.
   */
  predict(input: WireInput, nowMs: number): number {
    const seq = ++this.newest;
    const i = seq % this.capacity;
    const o = i * WIRE_INPUT_BYTES;
    writeWireInput(input, this.inputs, o);
    this.seqs[i] = seq;
    this.madeAtMs[i] = nowMs;
    this.stats.predicted++;
    // The projectiles already flying move first, then the avatar acts (and a shot it fires
    // takes its first step), as in the server's tick.
    this.kernels.sim_predict_step(this.projectileWorld.ptr, this.command.ptr, 0);
    if (this.synced) {
      this.step(i, true);
      this.smoother.tick();
    }
    this.recordState(i);
    this.stats.ahead = this.newest - this.acked;
    return seq;
  }

  /**
   * The server's OWN: checks it against the prediction of the input it names and, when they
   * differ, rewinds to it and replays the newer inputs. Returns the correction's class, or null
   * when the prediction held (or the message was ignored).
   */
  reconcile(own: OwnState, nowMs: number): CorrectionClass | null {
    const seq = own.lastAppliedSeq;
    if (seq < this.acked || seq > this.newest) {
      this.stats.ignored++;
      return null;
    }
    const i = seq % this.capacity;
    const held = this.seqs[i] === seq;
    if (seq > this.acked && held) {
      const ms = nowMs - this.madeAtMs[i]!;
      this.stats.inputAckMs = ms;
      this.ackMeanMs = this.ackMeanMs === 0 ? ms : this.ackMeanMs * 0.95 + ms * 0.05;
      this.stats.inputAckMeanMs = this.ackMeanMs;
    }
    this.acked = seq;
    this.stats.ahead = this.newest - this.acked;
    if (this.synced && held && seq > 0) {
      this.stats.checked++;
      const moved = this.movementMatches(i, own);
      if (moved && this.matches(i, own)) return null;
      if (!moved) this.stats.mispredicted++;
      else this.stats.stateCorrections++;
      return this.rewind(own, true);
    }
    // Not a check (the server has applied none of our inputs yet, or one older than the
    // history): take its state as it is, with nothing to correct.
    return this.rewind(own, false);
  }

  private rewind(own: OwnState, correction: boolean): CorrectionClass | null {
    const c = this.avatar.refresh();
    const oldX = c.posX[AVATAR]!;
    const oldY = c.posY[AVATAR]!;
    c.write(AVATAR, own);
    this.synced = true;
    let replayed = 0;
    for (let seq = own.lastAppliedSeq + 1; seq <= this.newest; seq++) {
      const i = seq % this.capacity;
      if (this.seqs[i] !== seq) continue; // older than the history: nothing to replay
      this.step(i, false);
      this.recordState(i);
      replayed++;
    }
    if (replayed > 0) this.stats.replays++;
    this.avatar.refresh();
    const dx = (c.posX[AVATAR]! - oldX) / 65536;
    const dy = (c.posY[AVATAR]! - oldY) / 65536;
    if (!correction || (dx === 0 && dy === 0)) return null;
    const cls = this.smoother.correct(AVATAR, dx, dy);
    this.stats.corrections[cls]++;
    this.stats.lastCorrectionM = Math.hypot(dx, dy);
    this.stats.lastCorrectionClass = cls;
    return cls;
  }

  /** One avatar step under history entry `i`; a shot it fires flies on only when `live`. */
  private step(i: number, live: boolean): void {
    const v = this.commandView();
    const rec = this.inputs;
    const o = i * WIRE_INPUT_BYTES;
    v.setUint32(CMD_SLOT, AVATAR, true);
    v.setUint8(CMD_MOVE_X, rec[o]!);
    v.setUint8(CMD_MOVE_Y, rec[o + 1]!);
    v.setUint8(CMD_BUTTONS, rec[o + 2]!);
    v.setUint8(CMD_BUTTONS + 1, 0);
    v.setUint16(CMD_AIM, rec[o + 4]! | (rec[o + 5]! << 8), true);
    v.setUint16(CMD_VIEW_DELAY, 0, true);
    // A hitscan's verdict is the server's to give: predicted, it hits nothing.
    v.setUint32(CMD_TARGET, NO_TARGET, true);
    const w = this.avatarWorld;
    this.kernels.sim_predict_step(w.ptr, this.command.ptr, 1);
    // A projectile the step launched (and moved once) leaves the avatar's world: a live one
    // goes on flying in the projectile world, a replayed one was launched already.
    if (w.highWater <= 1) return;
    const flags = this.avatar.refresh().flags;
    for (let s = 1; s < w.highWater; s++) {
      if ((flags[s]! & (FLAG_ALIVE | FLAG_PROJECTILE)) !== (FLAG_ALIVE | FLAG_PROJECTILE)) continue;
      if (live) this.adopt(w, s);
      w.kernels.world_free(w.ptr, s);
    }
  }

  private adopt(from: World, s: number): void {
    const to = this.projectileWorld;
    const tag = this.serverSlot >= 0 ? (this.serverSlot & OWNER_TAG_MASK) << OWNER_TAG_SHIFT : 0;
    const slot = to.kernels.world_alloc(to.ptr, FLAG_PROJECTILE | tag);
    if (slot < 0) return; // more in flight than the rules allow: drawn by the server's stream
    for (const field of ['posX', 'posY', 'posZ', 'velX', 'velY', 'heading', 'timer'] as const) to.column(field)[slot] = from.column(field)[s]!;
  }

  private recordState(i: number): void {
    const s = this.avatar.refresh().read(AVATAR, this.scratch);
    const o = i * STATE_WORDS;
    const st = this.states;
    st[o] = s.x;
    st[o + 1] = s.y;
    st[o + 2] = s.z;
    st[o + 3] = s.vx;
    st[o + 4] = s.vy;
    st[o + 5] = s.heading;
    st[o + 6] = s.timer;
    st[o + 7] = s.hp;
    st[o + 8] = s.flags;
  }

  private movementMatches(i: number, own: OwnState): boolean {
    const o = i * STATE_WORDS;
    const st = this.states;
    return st[o] === own.x && st[o + 1] === own.y && st[o + 2] === own.z && st[o + 3] === own.vx && st[o + 4] === own.vy && st[o + 5] === own.heading;
  }

  private matches(i: number, own: OwnState): boolean {
    const o = i * STATE_WORDS;
    const st = this.states;
    return st[o] === own.x && st[o + 1] === own.y && st[o + 2] === own.z && st[o + 3] === own.vx && st[o + 4] === own.vy &&
      st[o + 5] === own.heading && st[o + 6] === own.timer && st[o + 7] === own.hp && st[o + 8] === own.flags;
  }

  /** Where to draw the avatar: the prediction plus what is left of a correction's fade, metres. */
  drawnPosition(out: { x: number; y: number }): { x: number; y: number } {
    const c = this.avatar.refresh();
    out.x = c.posX[AVATAR]! / 65536 + this.smoother.offsetX(AVATAR);
    out.y = c.posY[AVATAR]! / 65536 + this.smoother.offsetY(AVATAR);
    return out;
  }

  /** The avatar's predicted state (fields as in OWN). */
  predictedState(out: OwnState): OwnState {
    return this.avatar.refresh().read(AVATAR, out);
  }

  /**
   * Copies the wire records of inputs first .. first + count - 1 into `out` at `offset` (an
   * INPUT message's body); returns how many it held (stops at the first one no longer held).
   */
  copyInputsInto(out: Uint8Array, offset: number, first: number, count: number): number {
    for (let k = 0; k < count; k++) {
      const seq = first + k;
      const i = seq % this.capacity;
      if (this.seqs[i] !== seq) return k;
      const from = i * WIRE_INPUT_BYTES, to = offset + k * WIRE_INPUT_BYTES;
      for (let b = 0; b < WIRE_INPUT_BYTES; b++) out[to + b] = this.inputs[from + b]!;
    }
    return count;
  }

  /** The wire record of input `seq`, if still held (for building INPUT messages). */
  inputOf(seq: number): Uint8Array | null {
    const i = seq % this.capacity;
    if (this.seqs[i] !== seq) return null;
    return this.inputs.subarray(i * WIRE_INPUT_BYTES, (i + 1) * WIRE_INPUT_BYTES);
  }

  /** Share of checked inputs whose predicted movement the server corrected, percent. */
  get mispredictedPct(): number {
    return this.stats.checked === 0 ? 0 : (100 * this.stats.mispredicted) / this.stats.checked;
  }

  dispose(): void {
    this.arena.release(this.command);
    this.arena.release(this.projectileWorld.region);
    this.arena.release(this.avatarWorld.region);
  }
}

/** Words of predicted state kept per input: x y z vx vy heading timer hp flags. */
const STATE_WORDS = 9;
