// A declared game as a rollback room (arena mode): up to 64 seats that players take and leave
// while it runs, everyone simulating the whole world with the game's own module, the server's
// confirmed inputs reconciling by rollback (RollbackServer, RollbackClient).
//
// Who is seated is part of the state: each input record carries a presence byte (the server
// sets it; declaredInputFormat), and each seat's avatar id sits after the store in the same
// region (WasmGameOptions.seats). A frame first seats whoever became present (the game's
// join(seat + 1): player numbers are owner ids, never 0) and unseats whoever left (its
// leave()), then applies every seated player's input (control) and steps. So joining and
// leaving happen at the same frame in every copy, and rolling back over them undoes them. An
// avatar the rules despawn themselves frees its seat, which joins again the next frame.
//
// A verdict (`verdicts`: input fields only the server decides, e.g. a rifle's target) is
// cleared in whatever a client sends; the server's `judge` writes it just before the frame that
// uses it (RollbackGame.resolveClaim), and the confirmed inputs carry it to every client.
//
//   const rules = await WasmGameRules.load(GAME, { bytes, capacity, seats: 64 });
//   rules.setup(seed);
//   const room = DeclaredRoomGame.over(rules, { verdicts: ['target'], judge });
//   const server = new RollbackServer(room);      // or, in a client: new RollbackClient(room, ...)

import { CapacityError, InvalidArgumentError } from '../core/errors.js';
import type { EntityId } from '../core/entity-id.js';
import type { GameDeclaration } from '../core/game.js';
import { declaredInputFormat, type RollbackInputFormat } from '../codec/rollback-input-format.js';
import type { GameInput, GameInputCodec } from '../codec/game-input.js';
import type { Arena } from '../wasm/arena.js';
import type { RollbackGame } from './game.js';
import type { WasmGameRules } from './wasm-game.js';

export interface DeclaredRoomOptions<D extends GameDeclaration> {
  /** Input fields only the server decides: cleared in what clients send, written by `judge`. */
  readonly verdicts?: readonly string[];
  /**
   * The server's verdicts on a seated player's input, with the state at `frame` (just before the
   * frame that applies it): returns the input with its verdict fields set. Server side only.
   */
  readonly judge?: (avatar: EntityId, input: GameInput<D>, frame: number) => GameInput<D>;
  /** The input of a seat nobody has heard from yet (default: every field's stored 0). */
  readonly neutral?: GameInput<D>;
}

export class DeclaredRoomGame<D extends GameDeclaration = GameDeclaration> implements RollbackGame {
  readonly arena: Arena;
  readonly statePtr: number;
  readonly stateBytes: number;
  readonly inputBytes: number;
  readonly players: number;
  readonly inputFormat: RollbackInputFormat & { readonly codec: GameInputCodec<D> };
  /** Joins that found the store full: the seat stays empty and joins again the next frame. */
  refusedJoins = 0;
  private readonly codes: Int32Array;
  private readonly neutralCodes: Int32Array;
  private readonly neutralRecord: Uint8Array;
  private readonly judge: DeclaredRoomOptions<D>['judge'];
  private eventsKept = false;

  private constructor(readonly rules: WasmGameRules<D>, options: DeclaredRoomOptions<D>) {
    const seats = rules.seatAvatars.length;
    if (seats < 1) throw new InvalidArgumentError('a room needs seats: load the rules with WasmGameOptions.seats (1 to 64)');
    this.arena = rules.arena;
    this.players = seats;
    this.statePtr = rules.state.byteOffset;
    this.stateBytes = rules.state.byteLength;
    this.inputFormat = declaredInputFormat(rules.game, options.verdicts ?? []);
    this.inputBytes = this.inputFormat.recordBytes;
    const game = rules.game;
    const codec = this.inputFormat.codec;
    this.codes = new Int32Array(Math.max(1, game.input.length));
    this.neutralCodes = new Int32Array(this.codes.length);
    if (options.neutral) codec.check(codec.encode(options.neutral), 0, this.neutralCodes);
    else game.input.forEach((f, i) => (this.neutralCodes[i] = f.codeMin > 0 ? f.codeMin : f.codeMax < 0 ? f.codeMax : 0));
    this.neutralRecord = new Uint8Array(this.inputBytes);
    codec.encodeCodes(this.neutralCodes, this.neutralRecord, 0);
    this.judge = options.judge;
  }

  /** A room over `rules` as they stand (set up, settings spawned): the state is theirs from here. */
  static over<D extends GameDeclaration>(rules: WasmGameRules<D>, options: DeclaredRoomOptions<D> = {}): DeclaredRoomGame<D> {
    return new DeclaredRoomGame(rules, options);
  }

  /**
   * Keep the rules' events (emitEvent) after each frame, for rules.takeEvents(), instead of
   * discarding them: for the server's copy alone, which plays each frame once (RollbackServer
   * never rolls back). A client's copy plays frames again at every rollback, so an event taken
   * there could be announced twice, or for a frame the server's inputs then changed.
   */
  keepEvents(): void {
    this.eventsKept = true;
  }

  get store() {
    return this.rules.store;
  }

  /** The avatar seat `player` holds now, or undefined (empty). */
  avatarOf(player: number): EntityId | undefined {
    const a = this.rules.seatAvatars[player];
    return a === undefined || a === 0 ? undefined : a - 1;
  }

  /** A full input record of `input` (InvalidValueError for a value out of its range): RollbackClient.setInputRecord's. */
  record(input: Readonly<GameInput<D>>, out: Uint8Array = new Uint8Array(this.inputBytes)): Uint8Array {
    out.fill(0);
    this.inputFormat.codec.encode(input, out, 0);
    this.inputFormat.stamp(out, 0);
    return out;
  }

  frame(): number {
    return this.rules.store.frame;
  }

  advance(inputsPtr: number, playerCount: number): void {
    const memory = new Uint8Array(this.arena.memoryBuffer);
    const rules = this.rules;
    const store = rules.store;
    const seats = rules.seatAvatars;
    const format = this.inputFormat;
    const n = this.players;
    // Seat the newly present and unseat the gone first, in seat order: the same in every copy.
    for (let p = 0; p < n; p++) {
      const present = p < playerCount && format.present(memory, inputsPtr + p * this.inputBytes);
      if (present && seats[p] === 0) {
        try {
          seats[p] = rules.join(p + 1) + 1;
        } catch (err) {
          if (!(err instanceof CapacityError)) throw err;
          this.refusedJoins++;
        }
      } else if (!present && seats[p] !== 0) {
        // An avatar the rules despawned themselves is gone already: its slot may hold another entity now.
        if (store.isAlive(seats[p]! - 1)) rules.leave(p + 1, seats[p]! - 1);
        seats[p] = 0;
      }
    }
    const codec = format.codec;
    for (let p = 0; p < n; p++) {
      if (seats[p] === 0) continue;
      if (!store.isAlive(seats[p]! - 1)) {
        // The rules despawned this avatar: the seat joins again next frame (the same in every copy).
        seats[p] = 0;
        continue;
      }
      const ok = codec.check(memory, inputsPtr + p * this.inputBytes, this.codes) === null;
      rules.controlCodes(seats[p]! - 1, ok ? this.codes : this.neutralCodes);
    }
    rules.step();
    // A client's frames are played again at every rollback: only the server's copy keeps its
    // rules' events (keepEvents), and DeclaredRoomServer sends them.
    if (!this.eventsKept) rules.discardEvents();
  }

  hash(): bigint {
    return this.rules.hash();
  }

  neutralInput(_player: number, out: Uint8Array, offset: number): void {
    out.set(this.neutralRecord, offset);
  }

  resolveClaim(frame: number, player: number, records: Uint8Array, offset: number): void {
    const avatar = this.avatarOf(player);
    if (!this.judge || avatar === undefined) return;
    const codec = this.inputFormat.codec;
    if (codec.check(records, offset) !== null) return;
    const judged = this.judge(avatar, codec.decode(records, offset), frame);
    codec.encode(judged, records, offset);
  }

  checkState(bytes: Uint8Array): string | null {
    return bytes.byteLength === this.stateBytes ? null : `a state of ${bytes.byteLength} bytes; this room's is ${this.stateBytes}`;
  }
}
