// Suite `persist`: saving and restoring a world of the seed's size: the arena shooter's store
// (examples/arena-shooter: 100,000 NPCs over 10 km, stepped a second so they are mid-walk), as
// `npm start -- --save FILE` saves it (src/persist/game-save.ts, by entity and field).
//
// | case       | timed                                                                       |
// |------------|-----------------------------------------------------------------------------|
// | save-100k  | capture + encode on the main thread (what an autosave stalls the loop for)   |
// | write-100k | FileSaveStore.write: temp file, fsync, rename (asynchronous, off the loop)    |
// | load-100k  | decode + every check + restore into the running store (at start)             |
//
// Impls: `chronos`, and `json` (the same entities as JSON objects of their type and stored field
// values: JSON.stringify / JSON.parse and the columns written back, no checks), the obvious way to
// save a world. Metrics: bytes (the save's size), bytes_per_entity, entities.
// Before 2026-12-07 this suite saved the engine's built-in world (14 fixed columns), since gone.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GameStore } from '../src/core/game-store.js';
import type { GameDeclaration } from '../src/core/game.js';
import { FileSaveStore } from '../src/persist/index.js';
import { restoreGame, saveGame } from '../src/persist/game-save.js';
import { createArena } from '../examples/arena-shooter/module.js';
import { WORLD_ENTITIES, WORLD_M, WORLD_SEED } from './archetype-brains.js';
import { consume, measure, type CaseResult, type Suite } from './harness.js';

const SUITE = 'persist';

/** The naive peer: every live entity as an object of its type and fields, as JSON. */
function jsonSave<D extends GameDeclaration>(store: GameStore<D>): string {
  const names = store.game.fields.map((f) => f.name);
  const entities: Record<string, number>[] = [];
  for (let s = 0; s < store.highWater; s++) {
    const type = store.typeColumn[s]!;
    if (type === 0) continue;
    const e: Record<string, number> = { slot: s, type, generation: store.generationColumn[s]! };
    // Only the fields of the components its type carries.
    for (const c of store.game.types[type - 1]!.components) for (const f of store.game.components[c]!.fields) e[names[f]!] = store.columns[f]![s]!;
    entities.push(e);
  }
  return JSON.stringify({ entities });
}

function jsonLoad<D extends GameDeclaration>(store: GameStore<D>, text: string): void {
  const { entities } = JSON.parse(text) as { entities: Record<string, number>[] };
  const fields = store.game.fields.map((f, i) => [f.name, store.columns[i]!] as const);
  for (const e of entities) {
    const s = e.slot!;
    store.typeColumn[s] = e.type!;
    store.generationColumn[s] = e.generation!;
    for (const [name, column] of fields) {
      const v = e[name];
      if (v !== undefined) column[s] = v;
    }
  }
}

export const suite: Suite = {
  name: SUITE,
  description: 'Save and restore of a 100,000-entity declared world (the arena shooter\'s): encode, file write, decode + checks + restore (vs JSON)',
  async run(ctx) {
    const results: CaseResult[] = [];
    const module = await createArena({ seed: WORLD_SEED, npcs: WORLD_ENTITIES - 1, npcSpreadM: WORLD_M / 2, maxPlayers: 1 });
    const dir = await mkdtemp(join(tmpdir(), 'chronos-bench-persist-'));
    try {
      for (let t = 1; t <= 60; t++) module.step(t);
      const store = module.store;
      const entities = store.alive;
      const bytes = saveGame(store).slice();
      const json = jsonSave(store);
      const ours = { bytes: bytes.byteLength, bytes_per_entity: bytes.byteLength / entities, entities };
      const theirs = { bytes: Buffer.byteLength(json), bytes_per_entity: Buffer.byteLength(json) / entities, entities };
      ctx.log(`  ${entities} entities: save ${bytes.byteLength} bytes (${ours.bytes_per_entity.toFixed(1)} per entity), JSON ${theirs.bytes} bytes`);
      results.push(await measure(ctx, SUITE, 'save-100k', 'chronos', () => consume(saveGame(store)), { metrics: ours }));
      results.push(await measure(ctx, SUITE, 'save-100k', 'json', () => consume(jsonSave(store)), { metrics: theirs }));
      const files = new FileSaveStore(dir);
      results.push(await measure(ctx, SUITE, 'write-100k', 'chronos', async () => files.write('world.csav', bytes), { metrics: ours }));
      results.push(await measure(ctx, SUITE, 'load-100k', 'chronos', () => consume(restoreGame(store, bytes)), { metrics: ours }));
      results.push(await measure(ctx, SUITE, 'load-100k', 'json', () => jsonLoad(store, json), { metrics: theirs }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return results;
  },
};
