// A game's declared store saved and restored (src/persist/game-save.ts): the round trip against
// the store it came from, the entities a game does not save, a declaration that changed between
// save and load, and bad bytes refused with the running store untouched.

import { describe, expect, it } from 'vitest';
import { defineGame, type GameDeclaration } from '../../src/core/game.js';
import { GameStore } from '../../src/core/game-store.js';
import { mulberry32 } from '../../src/core/mulberry32.js';
import { StaleEntityError } from '../../src/core/errors.js';
import { InvalidSaveError, restoreGame, saveGame, SaveMismatchError } from '../../src/persist/index.js';

const V1 = {
  name: 'save-test',
  components: {
    pos: { fields: { x: { type: 'q16', min: -100, max: 100, precision: 1 / 64 }, y: { type: 'q16' } } },
    stats: { fields: { hp: { type: 'i32', min: 0, max: 1000 }, mood: { type: 'enum', values: ['calm', 'angry', 'sleepy'] }, awake: { type: 'bool' } } },
    bag: { fields: { gold: { type: 'u32' }, weight: { type: 'i32' } }, replicate: 'owner' },
  },
  types: { hero: ['pos', 'stats', 'bag'], crate: ['pos'], ghost: ['stats'], player: ['pos', 'bag'] },
} as const satisfies GameDeclaration;
const GAME_V1 = defineGame(V1);

/** A store with entities spawned, changed and despawned at random. */
function populated(seed: number) {
  const rnd = mulberry32(seed);
  const store = new GameStore(GAME_V1, { capacity: 500 });
  const live: number[] = [];
  for (let i = 0; i < 400; i++) {
    const type = (['hero', 'crate', 'ghost', 'player'] as const)[Math.floor(rnd() * 4)]!;
    const id = store.spawn(type, {}, Math.floor(rnd() * 3));
    if (type !== 'ghost') store.set(id, 'pos.x', Math.round((rnd() - 0.5) * 190 * 64) / 64);
    if (type === 'hero' || type === 'ghost') {
      store.set(id, 'stats.hp', Math.floor(rnd() * 1001));
      store.set(id, 'stats.mood', (['calm', 'angry', 'sleepy'] as const)[Math.floor(rnd() * 3)]!);
      store.set(id, 'stats.awake', rnd() < 0.5);
    }
    if (type === 'hero' || type === 'player') store.set(id, 'bag.gold', Math.floor(rnd() * 1e9));
    live.push(id);
    if (rnd() < 0.2) store.despawn(live.splice(Math.floor(rnd() * live.length), 1)[0]!);
  }
  return { store, live };
}

/** Every live entity's type, owner and declared values, by id. */
function contents(store: GameStore<typeof V1>, ids: number[]) {
  return ids.filter((id) => store.isAlive(id)).map((id) => {
    const type = store.typeName(id);
    const t = GAME_V1.types[GAME_V1.typeIndex.get(type)!]!;
    const values = t.components.flatMap((c) => GAME_V1.components[c]!.fields.map((f) => [GAME_V1.fields[f]!.name, store.get(id, GAME_V1.fields[f]!.name as never)]));
    return { id, type, owner: store.owner(id), values: Object.fromEntries(values) };
  });
}

describe('game store saves', () => {
  it('round trip: the same entities, ids, values and owners, and the same slots next', () => {
    const { store, live } = populated(1);
    const bytes = saveGame(store, { properties: [{ name: 'tick', type: 'u32', value: 777 }] });
    const back = new GameStore(GAME_V1, { capacity: 500 });
    const report = restoreGame(back, bytes);
    expect(report.entities).toBe(store.alive);
    expect(report.properties).toEqual([{ name: 'tick', type: 'u32', value: 777 }]);
    expect(report.defaultedFields.concat(report.ignoredFields, report.convertedFields, report.clampedFields)).toEqual([]);
    expect(contents(back, live)).toEqual(contents(store, live));
    expect([back.alive, back.highWater, back.freeCount]).toEqual([store.alive, store.highWater, store.freeCount]);
    // The allocator continues identically: the next spawns take the same slots and generations.
    for (let i = 0; i < 120; i++) expect(back.spawn('crate')).toBe(store.spawn('crate'));
  });

  it('a type the game does not save is freed: its ids go stale and its slots are reused', () => {
    const { store, live } = populated(2);
    const players = live.filter((id) => store.isAlive(id) && store.typeName(id) === 'player');
    expect(players.length).toBeGreaterThan(10);
    const back = new GameStore(GAME_V1, { capacity: 500 });
    const report = restoreGame(back, saveGame(store, { skipTypes: ['player'] }));
    expect(report.byType.player).toBeUndefined();
    expect(report.entities).toBe(store.alive - players.length);
    for (const id of players) {
      expect(back.isAlive(id)).toBe(false);
      expect(() => back.get(id, 'pos.x')).toThrow(/entity/);
    }
    const others = live.filter((id) => store.isAlive(id) && store.typeName(id) !== 'player');
    expect(contents(back, others)).toEqual(contents(store, others));
    expect(back.freeCount).toBe(store.freeCount + players.length);
    // Their slots are reused with a new generation: an old player id never names a new entity.
    while (back.freeCount > 0) back.spawn('crate');
    for (const id of players) expect(back.isAlive(id)).toBe(false);
  });

  it('loads a save written before the declaration changed', () => {
    const { store, live } = populated(3);
    const bytes = saveGame(store);
    const v2 = defineGame({
      ...V1,
      components: {
        // x's range narrowed (values beyond it are clamped); y changed type to i32 (converted).
        pos: { fields: { x: { type: 'q16', min: -50, max: 50, precision: 1 / 64 }, y: { type: 'i32' }, z: { type: 'q16', default: 2.5 } } },
        // mood's values reordered, 'sleepy' gone, 'bored' new; awake removed; level added.
        stats: { fields: { hp: { type: 'i32', min: 0, max: 1000 }, mood: { type: 'enum', values: ['angry', 'bored', 'calm'] }, level: { type: 'u32', default: 1 } } },
        bag: V1.components.bag,
      },
      // crate removed; tree is new.
      types: { hero: ['pos', 'stats', 'bag'], ghost: ['stats'], player: ['pos', 'bag'], tree: ['pos'] },
    });
    const back = new GameStore(v2, { capacity: 500 });
    const report = restoreGame(back, bytes);
    const count = (type: string) => live.filter((id) => store.isAlive(id) && store.typeName(id) === type).length;
    expect(report.skippedTypes).toEqual([{ name: 'crate', count: count('crate') }]);
    expect(report.byType).toEqual({ hero: count('hero'), ghost: count('ghost'), player: count('player') });
    expect(report.defaultedFields.sort()).toEqual(['pos.z', 'stats.level']);
    expect(report.ignoredFields).toEqual(['stats.awake']);
    expect(report.convertedFields.sort()).toEqual(['pos.y', 'stats.mood']);
    expect(report.clampedFields.sort()).toEqual(['pos.x', 'stats.mood']);
    let checked = 0;
    for (const id of live) {
      if (!store.isAlive(id) || store.typeName(id) === 'crate') continue;
      expect(back.typeName(id)).toBe(store.typeName(id));
      const type = store.typeName(id);
      if (type !== 'ghost') {
        const x = store.get(id, 'pos.x') as number;
        expect(back.get(id, 'pos.x')).toBe(Math.max(-50, Math.min(50, x)));
        expect(back.get(id, 'pos.z')).toBe(2.5);
      }
      if (type === 'hero' || type === 'ghost') {
        const mood = store.get(id, 'stats.mood');
        expect(back.get(id, 'stats.mood')).toBe(mood === 'sleepy' ? 'angry' : mood); // gone: the default (first value)
        expect(back.get(id, 'stats.level')).toBe(1);
        expect(back.get(id, 'stats.hp')).toBe(store.get(id, 'stats.hp'));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
    // A freed crate's slot is reused with a new generation: the old id is stale.
    const crate = live.find((id) => store.isAlive(id) && store.typeName(id) === 'crate')!;
    expect(back.isAlive(crate)).toBe(false);
    while (back.freeCount > 0) back.spawn('tree');
    expect(() => back.get(crate, 'pos.x')).toThrow(StaleEntityError);
  });

  it('refuses damaged bytes, another game and a store too small, leaving the store untouched', () => {
    const { store } = populated(4);
    const bytes = saveGame(store);
    const target = populated(5).store;
    const before = target.region.slice();
    const rnd = mulberry32(9);
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      const bad = rnd() < 0.3 ? bytes.slice(0, Math.floor(rnd() * bytes.byteLength)) : bytes.slice();
      if (bad.byteLength === bytes.byteLength) bad[Math.floor(rnd() * bad.byteLength)]! ^= 1 << Math.floor(rnd() * 8);
      expect(() => restoreGame(target, bad)).toThrow(InvalidSaveError);
      refused++;
      expect(Buffer.compare(target.region, before)).toBe(0); // byte for byte (toEqual walks 40 KB element by element)
    }
    expect(refused).toBe(200);
    const other = defineGame({ ...V1, name: 'another-game' });
    expect(() => restoreGame(new GameStore(other, { capacity: 500 }), bytes)).toThrow(SaveMismatchError);
    const small = new GameStore(GAME_V1, { capacity: 10 });
    const smallBefore = small.region.slice();
    expect(() => restoreGame(small, bytes)).toThrow(/capacity/);
    expect(Buffer.compare(small.region, smallBefore)).toBe(0);
  });
});
