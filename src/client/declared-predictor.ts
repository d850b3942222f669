// Client-side prediction for a declared game: the player's avatar moves the moment the player
// presses a key, by the game's own control() — in the same WebAssembly the server runs for a
// game with its own module (WasmGameRules over chronos build's game.wasm), or the game's
// TypeScript (PredictableRules) — and is reconciled against the server's state when each
// snapshot says which of the player's inputs it has applied (GAME SNAPSHOT's input seq).
//
// What is predicted is what control(avatar) does to the avatar: the rules' part the player
// drives. The local store holds the avatar alone, in the server's slot with the server's
// type, generation and owner, so the same rules see the same entity; the rest of the world is
// the replica's (step() is the server's, it is never run here).
//   predict(seq, input)   applies the input now and records the avatar's fields after it;
//   reconcile(replica, s) compares the server's fields after input s with the record of s, as
//                         wire codes (what the client can tell apart). Equal: nothing to do.
//                         Different: the avatar takes the server's values and the inputs after
//                         s are applied again; the jump is shown shrinking over smoothingMs.
// Only fields sent in every snapshot (rate 'high') are compared: a 'normal' or 'low' field
// arrives every 2nd or 6th snapshot, so the replica's value of it may be from an older input.
// Such a field takes the server's value whenever a new one arrives, and the prediction's between.
// A game whose step() also moves the avatar (a push, a teleport) is corrected this way too.

import type { EntityId } from '../core/entity-id.js';
import type { FieldKey, Game, GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import { fieldOf } from '../core/game.js';
import { fromStored, Q_IDENTITY, Q_WRAP, toCode, type ApiValue } from '../core/game-fields.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { GameInput } from '../codec/game-input.js';
import type { GameReplica } from '../codec/game-replica.js';
import { storedOfCode } from '../rollback/wasm-game.js';

/**
 * The part of a game's rules a client runs to predict: its store (the local one, at least as
 * large as the server's, since the avatar keeps its server slot) and what one input does to
 * one avatar in one tick. WasmGameRules is one; a game with TypeScript rules writes its own.
 */
export interface PredictableRules<D extends GameDeclaration> {
  readonly game: Game<D>;
  readonly store: GameStore<D>;
  control(avatar: EntityId, input: GameInput<D>): void;
  /** Empties what the rules announced (WasmGameRules: emitEvent): the server sends a game's events, a prediction does not. */
  discardEvents?(): void;
}

/** Inputs remembered for replay: more than a second at 60 Hz. */
const HISTORY = 128;

export interface DeclaredPredictorOptions {
  /** How long a correction takes to fade out of what value() shows (default 100 ms). */
  readonly smoothingMs?: number;
}

export interface DeclaredPredictorStats {
  predicted: number;
  /** Snapshots that moved the avatar off its prediction (the server's state after an input differed from the prediction of it). */
  corrections: number;
  /** Inputs applied again after a correction. */
  replayed: number;
  /** Corrections whose input had left the history (the server too far behind): the avatar took the server's state and the inputs still held. */
  resets: number;
  /** Largest q16 jump of the last correction, API units. */
  lastError: number;
  /** Why prediction stopped (the avatar's slot is past the local store), or null. */
  off: string | null;
}

export class DeclaredPredictor<D extends GameDeclaration = GameDeclaration> {
  readonly stats: DeclaredPredictorStats = { predicted: 0, corrections: 0, replayed: 0, resets: 0, lastError: 0, off: null };
  private avatar: EntityId = -1;
  private slot = -1;
  /** Fields the avatar's owner receives in every snapshot (global indices): what is compared and
   * reset. Its server-only fields are never sent: they keep what the prediction made of them. */
  private fields: number[] = [];
  /** The owner's lower-rate fields, and the code of each last taken from the server. */
  private followed: number[] = [];
  private followedCodes: (number | undefined)[] = [];
  private readonly inputs: GameInput<D>[] = new Array(HISTORY);
  private readonly seqs = new Float64Array(HISTORY).fill(-1);
  /** fields.length stored values per history entry. */
  private after = new Int32Array(0);
  private newestSeq = -1;
  private readonly offsets: Float64Array;
  private correctedAt = 0;
  private readonly smoothingMs: number;

  constructor(readonly rules: PredictableRules<D>, options: DeclaredPredictorOptions = {}) {
    this.smoothingMs = options.smoothingMs ?? 100;
    if (!(this.smoothingMs >= 0)) throw new InvalidArgumentError(`smoothingMs must be >= 0, got ${this.smoothingMs}`);
    this.offsets = new Float64Array(rules.game.fields.length);
    // The local store is the avatar's alone: no slot is free, so a spawn in control() is a no-op here.
    const { store } = rules;
    store.setAllocator(store.capacity, store.capacity, 0);
  }

  /** The avatar being predicted (-1 until the first reconcile that holds it). */
  get avatarId(): EntityId {
    return this.avatar;
  }

  /** Applies input `seq` (DeclaredClient.pushInput's number) to the avatar now. */
  predict(seq: number, input: GameInput<D>): void {
    const at = seq % HISTORY;
    this.inputs[at] = input;
    this.seqs[at] = seq;
    this.newestSeq = seq;
    if (this.slot < 0) return; // nothing to move yet: it is replayed once the avatar arrives
    this.rules.control(this.avatar, input);
    this.rules.discardEvents?.();
    this.record(at);
    this.stats.predicted++;
  }

  /**
   * After a snapshot: `inputSeq` is the newest of this player's inputs the server had applied
   * (DecodedGameSnapshot.inputSeq), `avatar` the player's avatar.
   */
  reconcile(replica: GameReplica<D>, avatar: EntityId, inputSeq: number, nowMs = performance.now()): void {
    if (this.stats.off !== null || !replica.has(avatar)) return;
    const first = this.slot < 0 || avatar !== this.avatar;
    if (first && !this.adopt(replica, avatar)) return;
    this.follow(replica);
    const at = inputSeq >= 0 ? inputSeq % HISTORY : -1;
    const known = at >= 0 && this.seqs[at] === inputSeq;
    if (!first && known && this.matches(replica, at)) return;
    // The server's state after inputSeq (-1: before any), then every input after it again.
    const before = this.current();
    this.takeServerState(replica);
    for (let s = Math.max(inputSeq + 1, this.newestSeq - HISTORY + 1); s <= this.newestSeq; s++) {
      const i = s % HISTORY;
      if (this.seqs[i] !== s) continue;
      this.rules.control(this.avatar, this.inputs[i]!);
      this.record(i);
      this.stats.replayed++;
    }
    this.rules.discardEvents?.();
    if (first) return;
    const after = this.current();
    if (after.every((v, k) => v === before[k])) return; // the same result: nothing was wrong
    if (inputSeq >= 0 && !known) this.stats.resets++;
    this.stats.corrections++;
    // Show the jump fading: what was on screen, minus where the avatar is now.
    const shown = this.smoothingMs > 0 ? Math.exp(-(nowMs - this.correctedAt) / this.smoothingMs) : 0;
    let largest = 0;
    for (let k = 0; k < this.fields.length; k++) {
      const f = this.fields[k]!;
      const plan = this.rules.game.fields[f]!;
      if (plan.spec.type !== 'q16') continue;
      let jump = ((before[k]! | 0) - (after[k]! | 0)) / 65536;
      if (plan.quantiser === Q_WRAP) {
        // An angle jumps the short way round its circle.
        const period = plan.spec.max! - plan.spec.min!;
        jump -= Math.round(jump / period) * period;
      }
      jump += this.offsets[f]! * shown;
      this.offsets[f] = jump;
      largest = Math.max(largest, Math.abs(jump));
    }
    this.stats.lastError = largest;
    this.correctedAt = nowMs;
  }

  /** The avatar's field as predicted, in API units (a q16 field with the fading correction). */
  value(key: FieldKey<D>, nowMs = performance.now()): ApiValue | undefined {
    if (this.slot < 0) return undefined;
    const f = fieldOf(this.rules.game, key);
    const plan = this.rules.game.fields[f]!;
    const v = fromStored(plan, this.rules.store.columns[f]![this.slot]!);
    if (typeof v !== 'number' || plan.spec.type !== 'q16' || this.smoothingMs <= 0) return v;
    return v + this.offsets[f]! * Math.exp(-(nowMs - this.correctedAt) / this.smoothingMs);
  }

  /** Puts the avatar into the local store: false (and prediction off) when its slot does not fit. */
  private adopt(replica: GameReplica<D>, avatar: EntityId): boolean {
    const { store, game } = this.rules;
    const slot = avatar & 0xfffff;
    if (slot >= store.capacity) {
      this.stats.off = `the avatar's slot ${slot} is past the local store's ${store.capacity} (the server's store is larger)`;
      this.slot = -1;
      return false;
    }
    if (this.slot >= 0 && this.slot !== slot) {
      store.typeColumn[this.slot] = 0;
      store.ownerColumn[this.slot] = 0;
    }
    let i = 0;
    while (i < replica.size && replica.idAt(i) !== avatar) i++;
    const type = game.typeIndex.get(replica.typeAt(i))!;
    store.typeColumn[slot] = type + 1;
    store.generationColumn[slot] = avatar >>> 20;
    store.ownerColumn[slot] = 1;
    for (const ci of game.types[type]!.components) for (const f of game.components[ci]!.fields) store.columns[f]![slot] = game.fields[f]!.initial;
    this.avatar = avatar;
    this.slot = slot;
    const owned = [...game.types[type]!.wire[1].fields];
    this.fields = owned.filter((f) => game.fields[f]!.period === 1);
    this.followed = owned.filter((f) => game.fields[f]!.period !== 1);
    this.followedCodes = this.followed.map(() => undefined);
    this.after = new Int32Array(HISTORY * this.fields.length);
    this.offsets.fill(0);
    return true;
  }

  /** Lower-rate fields: the server's value each time a new one arrives. */
  private follow(replica: GameReplica<D>): void {
    const cols = this.rules.store.columns;
    for (let k = 0; k < this.followed.length; k++) {
      const f = this.followed[k]!;
      const code = replica.codeOf(this.avatar, f);
      if (code === undefined || code === this.followedCodes[k]) continue;
      this.followedCodes[k] = code;
      cols[f]![this.slot] = storedOfCode(this.rules.game.fields[f]!, code);
    }
  }

  private record(at: number): void {
    const cols = this.rules.store.columns;
    const n = this.fields.length;
    for (let k = 0; k < n; k++) this.after[at * n + k] = cols[this.fields[k]!]![this.slot]!;
  }

  /**
   * Whether the server's state after input `at` is what was predicted for it. A q16 field the
   * wire rounds (the server's exact value is finer than its code) may be one code off: the page
   * took the server's rounded value at its last correction while the server kept the exact one,
   * and from then on the two round apart now and then by a step no message can show. Counting
   * those as mispredictions re-anchored the avatar on a rounded value every few seconds (the
   * arena shooter's page: tens of "corrections" of 2 mm, a quarter of its 1/128 m step).
   */
  private matches(replica: GameReplica<D>, at: number): boolean {
    const n = this.fields.length;
    const plans = this.rules.game.fields;
    for (let k = 0; k < n; k++) {
      const f = this.fields[k]!;
      const code = replica.codeOf(this.avatar, f);
      if (code === undefined) continue;
      const plan = plans[f]!;
      const predicted = toCode(plan, this.after[at * n + k]!);
      if (code === predicted) continue;
      if (plan.spec.type !== 'q16' || plan.quantiser === Q_IDENTITY) return false;
      const off = plan.modulus > 0 ? Math.min((code - predicted + plan.modulus) % plan.modulus, (predicted - code + plan.modulus) % plan.modulus) : Math.abs(code - predicted);
      if (off > 1) return false;
    }
    return true;
  }

  private takeServerState(replica: GameReplica<D>): void {
    const cols = this.rules.store.columns;
    for (const f of this.fields) {
      const code = replica.codeOf(this.avatar, f);
      if (code !== undefined) cols[f]![this.slot] = storedOfCode(this.rules.game.fields[f]!, code);
    }
  }

  /** The avatar's compared fields as they are now (stored values). */
  private current(): number[] {
    return this.fields.map((f) => this.rules.store.columns[f]![this.slot]!);
  }
}
