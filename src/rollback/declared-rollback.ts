// A declared game (src/core/game.ts) as a RollbackGame: its GameStore laid out in the arena, so
// the rollback layer's tools work on it unchanged — SyncTestSession's every-frame rollback and
// re-simulation, the snapshot ring, the state hash. Its rules here are TypeScript (a function
// over the store and each player's decoded input); the frame counter lives in the store's
// header, so a restored snapshot brings it back with everything else.
//
//   const game = DeclaredRollbackGame.create(arena, GAME, { capacity: 1000, players: 2, setup, step });
//   const sync = new SyncTestSession(game);
//   for (...) sync.advanceFrame(inputsOfBothPlayers); // sync.mismatches must stay 0

import { InvalidArgumentError } from '../core/errors.js';
import type { Game, GameDeclaration } from '../core/game.js';
import { GameStore } from '../core/game-store.js';
import { GameInputCodec, type GameInput } from '../codec/game-input.js';
import type { Arena, Region } from '../wasm/arena.js';
import type { RollbackGame } from './game.js';

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

export class DeclaredRollbackGame<D extends GameDeclaration = GameDeclaration> implements RollbackGame {
  readonly statePtr: number;
  readonly stateBytes: number;
  readonly inputBytes: number;
  readonly players: number;
  readonly store: GameStore<D>;
  readonly codec: GameInputCodec<D>;
  private readonly region: Region;
  private readonly inputs: GameInput<D>[];

  private constructor(readonly arena: Arena, game: Game<D>, private readonly rules: DeclaredRules<D>) {
    if (!Number.isInteger(rules.players) || rules.players < 1 || rules.players > 64) throw new InvalidArgumentError(`players must be an integer in [1, 64], got ${rules.players}`);
    this.stateBytes = GameStore.bytesFor(game, rules.capacity);
    this.region = arena.allocate(`declared-${game.name}`, this.stateBytes);
    this.statePtr = this.region.ptr;
    const buffer = arena.memoryBuffer;
    if (typeof SharedArrayBuffer === 'undefined' || !(buffer instanceof SharedArrayBuffer)) {
      throw new InvalidArgumentError('a declared rollback game needs the arena\'s shared memory (its views must survive growth)');
    }
    this.store = new GameStore(game, { capacity: rules.capacity, memory: { buffer, byteOffset: this.statePtr } });
    this.codec = new GameInputCodec(game);
    this.inputBytes = this.codec.bytes;
    this.players = rules.players;
    this.inputs = Array.from({ length: rules.players }, () => rules.neutral);
    rules.setup(this.store);
    this.store.frame = 0;
  }

  static create<D extends GameDeclaration>(arena: Arena, game: Game<D>, rules: DeclaredRules<D>): DeclaredRollbackGame<D> {
    return new DeclaredRollbackGame(arena, game, rules);
  }

  frame(): number {
    return this.store.frame;
  }

  advance(inputsPtr: number, playerCount: number): void {
    const memory = new Uint8Array(this.arena.memoryBuffer);
    for (let p = 0; p < this.players; p++) {
      const at = inputsPtr + p * this.inputBytes;
      this.inputs[p] = p < playerCount && this.codec.check(memory, at) === null ? this.codec.decode(memory, at) : this.rules.neutral;
    }
    const frame = this.store.frame;
    this.rules.step(this.store, this.inputs, frame);
    this.store.frame = frame + 1;
  }

  hash(): bigint {
    return BigInt.asUintN(64, this.arena.wasm.exports.xxh64(this.statePtr, this.stateBytes, 0n));
  }
}
