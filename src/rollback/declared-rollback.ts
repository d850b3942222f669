// A declared game (src/core/game.ts) as a RollbackGame: its GameStore laid out in the arena, so
// the rollback layer's tools work on it unchanged — SyncTestSession's every-frame rollback and
// re-simulation, the snapshot ring, the state hash. Its rules are either
//   - the game's own AssemblyScript in its module (fromWasm: WasmGameRules, chronos build), or
//   - TypeScript (create: a function over the store and each player's decoded input).
// The frame counter lives in the store's header, so a restored snapshot brings it back with
// everything else.
//
//   const game = DeclaredRollbackGame.fromWasm(await WasmGameRules.load(GAME, { bytes, capacity }), { players: 2, seed: 1 });
//   const sync = new SyncTestSession(game);
//   for (...) sync.advanceFrame(inputsOfBothPlayers); // sync.mismatches must stay 0

import { InvalidArgumentError } from '../core/errors.js';
import type { EntityId } from '../core/entity-id.js';
import type { Game, GameDeclaration } from '../core/game.js';
import { GameStore } from '../core/game-store.js';
import { GameInputCodec, type GameInput } from '../codec/game-input.js';
import type { Arena } from '../wasm/arena.js';
import type { RollbackGame } from './game.js';
import type { WasmGameRules } from './wasm-game.js';

export interface DeclaredRules<D extends GameDeclaration> {
  /** Most entities at once. */
  readonly capacity: number;
  /** Players per frame: each frame's step gets this many inputs. */
  readonly players: number;
  /** Fills a fresh store (frame 0). Must depend on nothing but its arguments. */
  setup(store: GameStore<D>): void;
  /** One deterministic frame: the state is the store alone, the inputs are the players'. */
  step(store: GameStore<D>, inputs: readonly GameInput<D>[], frame: number): void;
  /** The input of a player whose record does not decode (a rollback layer never sends one). */
  readonly neutral: GameInput<D>;
}

export interface WasmRollbackOptions<D extends GameDeclaration> {
  /** Players per frame: each joins (the game's join(player), player 1 first) after setup(seed). */
  readonly players: number;
  readonly seed?: number;
  /** The input of a player whose record does not decode (default: every field's stored 0). */
  readonly neutral?: GameInput<D>;
}

type FrameStep = (memory: Uint8Array, inputsPtr: number, playerCount: number) => void;

export class DeclaredRollbackGame<D extends GameDeclaration = GameDeclaration> implements RollbackGame {
  readonly statePtr: number;
  readonly stateBytes: number;
  readonly inputBytes: number;
  readonly codec: GameInputCodec<D>;

  private constructor(
    readonly arena: Arena,
    readonly store: GameStore<D>,
    readonly players: number,
    private readonly stepFrame: FrameStep,
  ) {
    if (!Number.isInteger(players) || players < 1 || players > 64) throw new InvalidArgumentError(`players must be an integer in [1, 64], got ${players}`);
    this.statePtr = store.region.byteOffset;
    this.stateBytes = store.region.byteLength;
    this.codec = new GameInputCodec(store.game);
    this.inputBytes = this.codec.bytes;
  }

  /** A game whose rules are TypeScript, its store in a new region of `arena`. */
  static create<D extends GameDeclaration>(arena: Arena, game: Game<D>, rules: DeclaredRules<D>): DeclaredRollbackGame<D> {
    const region = arena.allocate(`declared-${game.name}`, GameStore.bytesFor(game, rules.capacity));
    const buffer = arena.memoryBuffer;
    if (typeof SharedArrayBuffer === 'undefined' || !(buffer instanceof SharedArrayBuffer)) {
      throw new InvalidArgumentError('a declared rollback game needs the arena\'s shared memory (its views must survive growth)');
    }
    const store = new GameStore(game, { capacity: rules.capacity, memory: { buffer, byteOffset: region.ptr } });
    const codec = new GameInputCodec(game);
    const inputs: GameInput<D>[] = Array.from({ length: rules.players }, () => rules.neutral);
    const rollback = new DeclaredRollbackGame(arena, store, rules.players, (memory, inputsPtr, playerCount) => {
      for (let p = 0; p < inputs.length; p++) {
        const at = inputsPtr + p * codec.bytes;
        inputs[p] = p < playerCount && codec.check(memory, at) === null ? codec.decode(memory, at) : rules.neutral;
      }
      const frame = store.frame;
      rules.step(store, inputs, frame);
      store.frame = frame + 1;
    });
    rules.setup(store);
    store.frame = 0;
    return rollback;
  }

  /**
   * A game whose rules are its own AssemblyScript (a module chronos build compiled): setup(seed),
   * then players 1..n join, then each frame control(avatar, record) for every player and step.
   */
  static fromWasm<D extends GameDeclaration>(rules: WasmGameRules<D>, options: WasmRollbackOptions<D>): DeclaredRollbackGame<D> {
    const { store, game } = rules;
    const codec = new GameInputCodec(game);
    const codes = new Int32Array(Math.max(1, game.input.length));
    const neutral = new Int32Array(codes.length);
    if (options.neutral) codec.check(codec.encode(options.neutral), 0, neutral);
    else game.input.forEach((f, i) => (neutral[i] = f.codeMin > 0 ? f.codeMin : f.codeMax < 0 ? f.codeMax : 0));
    rules.setup(options.seed ?? 1);
    const avatars: EntityId[] = [];
    for (let p = 1; p <= options.players; p++) avatars.push(rules.join(p));
    store.frame = 0;
    return new DeclaredRollbackGame(rules.arena, store, options.players, (memory, inputsPtr, playerCount) => {
      for (let p = 0; p < avatars.length; p++) {
        const ok = p < playerCount && codec.check(memory, inputsPtr + p * codec.bytes, codes) === null;
        rules.controlCodes(avatars[p]!, ok ? codes : neutral);
      }
      rules.step();
      // Frames are played again here (rollbacks, the sync-test): what the rules announced is not this tool's to send.
      rules.discardEvents();
    });
  }

  frame(): number {
    return this.store.frame;
  }

  advance(inputsPtr: number, playerCount: number): void {
    this.stepFrame(new Uint8Array(this.arena.memoryBuffer), inputsPtr, playerCount);
  }

  hash(): bigint {
    return BigInt.asUintN(64, this.arena.wasm.exports.xxh64(this.statePtr, this.stateBytes, 0n));
  }
}
