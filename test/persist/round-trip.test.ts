// A world saved as entities and components comes back as the same world: every live entity's
// every field, the tick, the PRNG, kills and the slot allocator; a restored world then runs on
// exactly as the original does. Player avatars are not saved (their sessions do not survive a
// restart): their slots come back freed, and the projectiles they fired fly on without a shooter.

import { beforeAll, describe, expect, it } from 'vitest';
import { freshArena } from '../helpers/wasm.js';
import type { Arena } from '../../src/wasm/arena.js';
import { FLAG_PROJECTILE, OWNER_TAG_MASK, OWNER_TAG_SHIFT, WORLD_SCHEMA } from '../../src/core/world-layout.js';
import { GENERATION_MASK } from '../../src/core/entity-id.js';
import { captureWorld, decodeSave, encodeSave, NO_OWNER, restoreWorld, saveWorld } from '../../src/persist/index.js';
import { census, makeGame, playTicks } from './fixture.js';

let arena: Arena;

beforeAll(async () => {
  arena = await freshArena({ maximumPages: 16384 });
});

/** The save of `world` with a fixed timestamp, so two saves of the same state are the same bytes. */
const saveAt = (game: ReturnType<typeof makeGame>) => saveWorld(game.world, { savedAt: 1_700_000_000_000 });

describe('save and restore', () => {
  it('restores every NPC and projectile field, the header state and the allocator, and runs on identically', () => {
    const a = makeGame(arena);
    const avatars = [a.spawnAvatar(0), a.spawnAvatar(1), a.spawnAvatar(2)];
    playTicks(a, avatars, 40); // projectiles in flight, some NPCs hit
    for (const slot of avatars) a.removeAvatar(slot); // their projectiles fly on
    a.step(0);
    const before = census(a.world);
    expect(before.projectile).toBeGreaterThan(0);
    expect(before.player).toBe(0);

    const bytes = saveAt(a);
    const b = makeGame(arena);
    const report = restoreWorld(b.world, bytes);
    expect(report.tick).toBe(a.tick);
    expect(report.byKind).toEqual({ projectile: before.projectile, npc: before.npc });
    expect(census(b.world)).toEqual(before);
    expect(b.world.tick).toBe(a.world.tick);
    expect(b.kills).toBe(a.kills);
    expect(b.world.highWater).toBe(a.world.highWater);

    // Every field of every live slot, as stored (projectiles: without their shooter).
    const aFlags = a.world.column('flags');
    for (const name of WORLD_SCHEMA.names) {
      if (name === 'freeStack') continue;
      const x = a.world.column(name);
      const y = b.world.column(name);
      for (let s = 0; s < a.world.highWater; s++) {
        const projectile = (aFlags[s]! & FLAG_PROJECTILE) !== 0;
        if (name === 'owner' && projectile) expect(y[s]).toBe(NO_OWNER);
        else if (name === 'flags' && projectile) expect(y[s]).toBe(((x[s]! & ((1 << OWNER_TAG_SHIFT) - 1)) | (OWNER_TAG_MASK << OWNER_TAG_SHIFT)) >>> 0);
        else if (name === 'generation' || aFlags[s] !== 0) expect(y[s], `${name}[${s}]`).toBe(x[s]);
      }
    }
    // The same state saves to the same bytes, and both worlds step to the same state.
    expect(saveAt(b)).toEqual(saveAt(a));
    a.step(0);
    b.step(0);
    for (let t = 0; t < 120; t++) {
      a.step(0);
      b.step(0);
    }
    expect(saveAt(b)).toEqual(saveAt(a));
    // Round trip of the bytes themselves: decode then encode gives them back.
    expect(encodeSave(decodeSave(bytes))).toEqual(bytes);
  });

  it('leaves player avatars out: their slots are freed (generation bumped), their projectiles lose their shooter', () => {
    const a = makeGame(arena);
    const avatars = [a.spawnAvatar(0), a.spawnAvatar(3)];
    playTicks(a, avatars, 20);
    const before = census(a.world);
    expect(before.player).toBe(2);
    expect(before.projectile).toBeGreaterThan(0);
    const generations = avatars.map((s) => a.world.column('generation')[s]!);

    const b = makeGame(arena);
    const report = restoreWorld(b.world, saveAt(a));
    expect(report.unsaved).toEqual({ player: 2 });
    expect(census(b.world)).toEqual({ ...before, player: 0, alive: before.alive - 2 });
    expect(b.world.aliveCount).toBe(before.alive - 2);
    avatars.forEach((slot, i) => {
      expect(b.world.column('flags')[slot]).toBe(0);
      expect(b.world.column('generation')[slot]).toBe((generations[i]! + 1) & GENERATION_MASK);
    });
    // The freed avatar slots are the next ones handed out, and a new avatar plays normally.
    const next = b.spawnAvatar(0);
    expect(avatars).toContain(next);
    expect(b.entityIdOf(next)).not.toBe(a.entityIdOf(next));
    playTicks(b, [next], 30);
    expect(census(b.world).player).toBe(1);
    // Restored projectiles carry no owner tag a new player could take for its own.
    const flags = b.world.column('flags');
    for (let s = 0; s < b.world.highWater; s++) {
      if ((flags[s]! & FLAG_PROJECTILE) !== 0 && b.world.column('owner')[s] === NO_OWNER) expect(flags[s]! >>> OWNER_TAG_SHIFT).toBe(OWNER_TAG_MASK);
    }
  });

  it('restores into a world with more capacity, and the same save twice gives the same region', () => {
    const a = makeGame(arena);
    playTicks(a, [a.spawnAvatar(0)], 10);
    const bytes = saveAt(a);
    const big = makeGame(arena, {}, 64); // 56 more player slots' worth of capacity
    expect(big.world.capacity).toBeGreaterThan(a.world.capacity);
    restoreWorld(big.world, bytes);
    expect(census(big.world)).toEqual({ ...census(a.world), player: 0, alive: census(a.world).alive - 1 });
    const c = makeGame(arena);
    const d = makeGame(arena);
    restoreWorld(c.world, bytes);
    restoreWorld(d.world, bytes);
    expect(c.world.hash()).toBe(d.world.hash());
  });

  it('describes itself: fields with types and units, kinds by name, header values by name', () => {
    const a = makeGame(arena);
    const content = decodeSave(saveAt(a));
    expect(content.fields.map((f) => f.name)).toEqual(WORLD_SCHEMA.names.filter((n) => n !== 'generation' && n !== 'freeStack'));
    expect(content.fields.find((f) => f.name === 'posX')).toEqual({ name: 'posX', type: 'q16', axis: 'x', unit: 'm' });
    expect(content.kinds.map((k) => k.name)).toEqual(['npc']);
    expect(content.header.find((p) => p.name === 'seed')?.value).toBe(1);
    expect(content.meta.find((p) => p.name === 'tickHz')?.value).toBe(60);
    expect(content.allocator.highWater).toBe(500);
    // Compact: 500 NPCs take far less than their 13 fields x 4 bytes.
    expect(saveAt(a).byteLength).toBeLessThan(500 * 13 * 4 * 0.6);
    expect(captureWorld(a.world).kinds[0]!.slots.length).toBe(500);
  });
});
