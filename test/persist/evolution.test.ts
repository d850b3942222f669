// Schema evolution: a save written by an older (or newer) game loads into today's, field and
// kind by name. A field the save lacks takes its declared default, a field the game dropped is
// ignored, a field whose type changed is converted and checked, a kind the game does not know
// is left out (its slots freed), a kind the save lacks is simply empty.

import { beforeAll, describe, expect, it } from 'vitest';
import { freshArena } from '../helpers/wasm.js';
import type { Arena } from '../../src/wasm/arena.js';
import { defineSchema } from '../../src/core/schema.js';
import { FLAG_ALIVE, FLAG_NPC, WORLD_SCHEMA } from '../../src/core/world-layout.js';
import { InvalidSaveError, restoreWorld, saveWorld, WORLD_KINDS, type EntityKind } from '../../src/persist/index.js';
import { census, makeGame, playTicks } from './fixture.js';

let arena: Arena;

beforeAll(async () => {
  arena = await freshArena({ maximumPages: 16384 });
});

/** Yesterday's game: no `timer` field yet, a `mana` field since dropped. */
const { timer: _timer, ...withoutTimer } = WORLD_SCHEMA.fields;
const OLD_SCHEMA = defineSchema({ ...withoutTimer, mana: { type: 'u32', unit: 'points', default: 100 } });

describe('an older save loads after a schema change', () => {
  it('checks a declared default like any value', () => {
    expect(() => defineSchema({ n: { type: 'u32', default: -1 } })).toThrow(/n.default = -1/);
    expect(() => defineSchema({ r: { type: 'q16', min: 0, default: -0.5 } })).toThrow(/below the minimum/);
    expect(defineSchema({ ok: { type: 'q16', default: 0.5 } }).fields.ok.default).toBe(0.5);
  });

  it('gives an added field its default and ignores a removed one', () => {
    const old = makeGame(arena);
    playTicks(old, [old.spawnAvatar(0)], 20);
    const mana = new Uint32Array(old.world.capacity).fill(42);
    const bytes = saveWorld(old.world, { schema: OLD_SCHEMA, extraColumns: { mana } });

    const now = makeGame(arena);
    const report = restoreWorld(now.world, bytes);
    expect(report.defaultedFields).toEqual(['timer']);
    expect(report.ignoredFields).toEqual(['mana']);
    expect(report.convertedFields).toEqual([]);
    expect(census(now.world)).toEqual({ ...census(old.world), player: 0, alive: census(old.world).alive - 1 });
    // timer's declared default is 0: every NPC draws a new heading on its next tick.
    const timers = now.world.column('timer');
    const positions = now.world.column('posX');
    for (let s = 0; s < now.world.highWater; s++) {
      if (now.world.column('flags')[s]! & FLAG_ALIVE) {
        expect(timers[s]).toBe(0);
        expect(positions[s]).toBe(old.world.column('posX')[s]);
      }
    }
    now.step(0);
    expect(now.world.tick).toBe(old.world.tick + 1);

    // A schema declaring another default: the restore writes that one.
    const seven = defineSchema({ ...WORLD_SCHEMA.fields, timer: { type: 'u32', unit: 'ticks', default: 7 } });
    const other = makeGame(arena);
    restoreWorld(other.world, bytes, { schema: seven });
    expect(other.world.column('timer')[0]).toBe(7);
  });

  it('converts a field whose type changed, checking every value', () => {
    // hp was once an f32.
    const floatHp = defineSchema({ ...WORLD_SCHEMA.fields, hp: { type: 'f32', unit: 'hit points' } });
    const old = makeGame(arena);
    const hp = new Float32Array(old.world.capacity).fill(37);
    const now = makeGame(arena);
    const report = restoreWorld(now.world, saveWorld(old.world, { schema: floatHp, extraColumns: { hp: new Uint32Array(hp.buffer) } }));
    expect(report.convertedFields).toEqual(['hp']);
    expect(now.world.column('hp')[10]).toBe(37);
    hp[10] = 37.5; // not an i32
    const before = now.world.hash();
    expect(() => restoreWorld(now.world, saveWorld(old.world, { schema: floatHp, extraColumns: { hp: new Uint32Array(hp.buffer) } }))).toThrow(InvalidSaveError);
    expect(now.world.hash()).toBe(before);
  });

  it('leaves out a kind this game does not know, and loads a save that lacks one it has', () => {
    // Tomorrow's game has crates (flag 64), saved by name.
    const kinds: EntityKind[] = [...WORLD_KINDS.slice(0, 3), { name: 'crate', flag: 64, saved: true }, ...WORLD_KINDS.slice(3)];
    const old = makeGame(arena);
    const flags = old.world.column('flags');
    for (const s of [5, 6, 7]) flags[s] = FLAG_ALIVE | 64;
    const now = makeGame(arena);
    const report = restoreWorld(now.world, saveWorld(old.world, { kinds }));
    expect(report.skippedKinds).toEqual([{ name: 'crate', count: 3 }]);
    expect(report.byKind).toEqual({ npc: 497 });
    expect(now.world.aliveCount).toBe(497);
    for (const s of [5, 6, 7]) expect(now.world.column('flags')[s]).toBe(0);
    // Their slots are free again: the next three entities take them.
    const reused = [now.spawnAvatar(0), now.spawnAvatar(0), now.spawnAvatar(0)].sort();
    expect(reused).toEqual([5, 6, 7]);

    // And a game whose npc kind moved to another bit: kinds are matched by name, the bit is today's.
    const moved: EntityKind[] = WORLD_KINDS.map((k) => (k.name === 'npc' ? { ...k, flag: 256 } : k));
    const later = makeGame(arena);
    restoreWorld(later.world, saveWorld(old.world, { kinds }), { kinds: moved });
    const f = later.world.column('flags')[0]!;
    expect(f & 256).toBe(256);
    expect(f & FLAG_NPC).toBe(0);
  });
});
