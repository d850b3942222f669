// __NAME__ as the server runs it: the game's module (its AssemblyScript rules and the engine's
// kernels, built by `chronos build` into build/page/game.wasm, the file the page loads too)
// with its store in the module's memory, and what each player sees.

import { readFile } from 'node:fs/promises';
import { wasmGameModule, WasmGameRules, type DeclaredGameModule, type GameStore } from 'chronos';
import { CAPACITY, GAME, type Declaration } from './game.js';

const VIEW = 80 * 65536; // a player sees 80 m around it (Q16.16)

/** The game's module, loaded into its own memory: the rules, their store, nothing played yet. */
export async function loadRules(): Promise<WasmGameRules<Declaration>> {
  const bytes = await readFile(new URL('./build/page/game.wasm', import.meta.url)).catch(() => {
    throw new Error('build/page/game.wasm is missing: run `npx chronos build` first');
  });
  return WasmGameRules.load(GAME, { bytes, capacity: CAPACITY });
}

/**
 * The live slots within VIEW of the avatar. A scan of every entity per player: fine for this
 * game's 500; a world of thousands wants a grid (the engine's examples/skyworld visibleSlots),
 * so each player costs only what it sees.
 */
export function visible(store: GameStore<Declaration>, avatar: number, out: Uint32Array): number {
  const x = store.column('position.x');
  const y = store.column('position.y');
  const me = avatar & 0xfffff;
  let n = 0;
  for (let s = 0; s < store.highWater && n < out.length; s++) {
    if (store.typeColumn[s] !== 0 && Math.abs(x[s]! - x[me]!) <= VIEW && Math.abs(y[s]! - y[me]!) <= VIEW) out[n++] = s;
  }
  return n;
}

/** The game as DeclaredServer serves it (server.ts): a fresh world from `seed`. */
export async function createGame(seed = 1): Promise<DeclaredGameModule<Declaration>> {
  const rules = await loadRules();
  rules.setup(seed);
  return wasmGameModule(rules, { viewCapacity: 512, visible, unsavedTypes: ['player'] });
}
