// Suite `persist`: saving and restoring the default world-mode world (GameServer.start with its
// default 100,000 NPCs, stepped a second so NPCs are mid-walk), as `chronos serve --save` does.
//
// | case       | timed                                                                       |
// |------------|-----------------------------------------------------------------------------|
// | save-100k  | capture + encode on the main thread (what an autosave stalls the loop for)   |
// | write-100k | FileSaveStore.write: temp file, fsync, rename (asynchronous, off the loop)    |
// | load-100k  | decode + check + restore into the running world (at start)                   |
//
// Impls: `chronos`, and `json` (the same entities as JSON objects: JSON.stringify / JSON.parse
// and the columns written back), the obvious way to save a world. Metrics: bytes (the save's
// size), bytes_per_entity, entities.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GameServer } from '../src/server/game-server.js';
import { WORLD_SCHEMA } from '../src/core/world-layout.js';
import type { World } from '../src/core/world.js';
import { FileSaveStore, restoreWorld, saveWorld } from '../src/persist/index.js';
import { consume, measure, type CaseResult, type Suite } from './harness.js';

const SUITE = 'persist';
const FIELDS = WORLD_SCHEMA.names.filter((n) => n !== 'generation' && n !== 'freeStack');

/** The naive peer: every live entity as an object of its fields, as JSON. */
function jsonSave(world: World): string {
  const flags = world.column('flags');
  const columns = FIELDS.map((f) => world.column(f));
  const entities: Record<string, number>[] = [];
  for (let s = 0; s < world.highWater; s++) {
    if ((flags[s]! & 1) === 0) continue;
    const e: Record<string, number> = { slot: s };
    FIELDS.forEach((f, i) => (e[f] = columns[i]![s]!));
    entities.push(e);
  }
  return JSON.stringify({ tick: world.tick, entities });
}

function jsonLoad(world: World, text: string): void {
  const { entities } = JSON.parse(text) as { entities: Record<string, number>[] };
  const columns = FIELDS.map((f) => world.column(f));
  for (const e of entities) FIELDS.forEach((f, i) => (columns[i]![e.slot!] = e[f]!));
}

export const suite: Suite = {
  name: SUITE,
  description: 'Save and restore of the default 100,000-NPC world: encode, file write, decode + restore (vs JSON)',
  async run(ctx) {
    const results: CaseResult[] = [];
    const server = await GameServer.start({ host: '127.0.0.1', httpPort: 0, udpPort: 0, manualTicks: true, processMetrics: false, log: () => undefined });
    const dir = await mkdtemp(join(tmpdir(), 'chronos-bench-persist-'));
    try {
      for (let i = 0; i < 60; i++) server.runTick();
      const world = server.world;
      const entities = world.aliveCount;
      const bytes = saveWorld(world).slice();
      const json = jsonSave(world);
      const ours = { bytes: bytes.byteLength, bytes_per_entity: bytes.byteLength / entities, entities };
      const theirs = { bytes: Buffer.byteLength(json), bytes_per_entity: Buffer.byteLength(json) / entities, entities };
      ctx.log(`  ${entities} entities: save ${bytes.byteLength} bytes (${ours.bytes_per_entity.toFixed(1)} per entity), JSON ${theirs.bytes} bytes`);
      results.push(await measure(ctx, SUITE, 'save-100k', 'chronos', () => consume(saveWorld(world)), { metrics: ours }));
      results.push(await measure(ctx, SUITE, 'save-100k', 'json', () => consume(jsonSave(world)), { metrics: theirs }));
      const store = new FileSaveStore(dir);
      results.push(await measure(ctx, SUITE, 'write-100k', 'chronos', async () => store.write('world.csav', bytes), { metrics: ours }));
      results.push(await measure(ctx, SUITE, 'load-100k', 'chronos', () => consume(restoreWorld(world, bytes)), { metrics: ours }));
      results.push(await measure(ctx, SUITE, 'load-100k', 'json', () => jsonLoad(world, json), { metrics: theirs }));
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
    return results;
  },
};
