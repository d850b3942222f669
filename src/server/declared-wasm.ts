// A game whose rules are its own AssemblyScript (WasmGameRules over chronos build's game.wasm)
// as the DeclaredGameModule DeclaredServer serves. The server keeps each player's newest input
// (it holds until the next, as DeclaredServer hands them over) and every tick applies them in
// join order (the game's control), then runs the game's step: the same calls, in the same
// order, as DeclaredRollbackGame.fromWasm makes in the determinism tools.
//
//   const rules = await WasmGameRules.load(GAME, { bytes: readFileSync('build/page/game.wasm'), capacity: 1200 });
//   rules.setup(1);
//   await DeclaredServer.start({ module: wasmGameModule(rules, { viewCapacity: 512, visible }) });

import type { EntityId } from '../core/entity-id.js';
import type { GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import type { GameInput } from '../codec/game-input.js';
import type { WasmGameRules } from '../rollback/wasm-game.js';
import type { DeclaredGameModule } from './declared-game.js';

export interface WasmGameModuleOptions<D extends GameDeclaration> {
  readonly viewCapacity: number;
  readonly tickHz?: number;
  /** Writes the live slots `avatar`'s player sees into `out`; returns how many (see DeclaredGameModule). */
  visible(store: GameStore<D>, avatar: EntityId, out: Uint32Array): number;
  readonly unsavedTypes?: readonly string[];
  restored?(): void;
}

export function wasmGameModule<D extends GameDeclaration>(rules: WasmGameRules<D>, options: WasmGameModuleOptions<D>): DeclaredGameModule<D> {
  const inputs = new Map<EntityId, GameInput<D>>();
  const { store } = rules;
  return {
    game: rules.game,
    store,
    tickHz: options.tickHz,
    viewCapacity: options.viewCapacity,
    unsavedTypes: options.unsavedTypes,
    restored: options.restored,
    join: (player) => rules.join(player),
    leave: (player, avatar) => {
      inputs.delete(avatar);
      rules.leave(player, avatar);
    },
    input: (avatar, input) => {
      inputs.set(avatar, input);
    },
    step: () => {
      for (const [avatar, input] of inputs) rules.control(avatar, input);
      rules.step();
    },
    visible: (avatar, out) => options.visible(store, avatar, out),
  };
}
