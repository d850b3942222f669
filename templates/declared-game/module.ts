// __NAME__ as the server runs it: the game's module (its AssemblyScript rules and the engine's
// kernels, built by `chronos build` into build/page/game.wasm, the file the page loads too)
// with its store in the module's memory, and what each player sees: the engine's spatial index
// over the store's positions, within 80 m (an entity leaves a view only past 90 m, so one
// pacing the edge does not flicker in and out), narrower in a crowd (past 85 % of the view
// capacity; DeclaredInterest's `crowd` option sets it).

import { readFile } from 'node:fs/promises';
import { DeclaredInterest, wasmGameModule, WasmGameRules, type DeclaredGameModule } from 'chronos';
import { CAPACITY, GAME, type Declaration } from './game.js';

/** The game's module, loaded into its own memory: the rules, their store, nothing played yet. */
export async function loadRules(): Promise<WasmGameRules<Declaration>> {
  const bytes = await readFile(new URL('./build/page/game.wasm', import.meta.url)).catch(() => {
    throw new Error('build/page/game.wasm is missing: run `npx chronos build` first');
  });
  return WasmGameRules.load(GAME, { bytes, capacity: CAPACITY });
}

/** The game as DeclaredServer serves it (server.ts): a fresh world from `seed`. */
export async function createGame(seed = 1): Promise<DeclaredGameModule<Declaration>> {
  const rules = await loadRules();
  rules.setup(seed);
  const interest = DeclaredInterest.create(rules.arena, rules.store, { x: 'position.x', y: 'position.y', radiusM: 80, hysteresisM: 10 });
  interest.update();
  return wasmGameModule(rules, { viewCapacity: 512, interest, unsavedTypes: ['player'] });
}
