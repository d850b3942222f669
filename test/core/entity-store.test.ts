// Entity store: versioned ids, typed errors for unknown, stale and invalid input, and no state
// change at all when a call is rejected.

import { beforeEach, describe, expect, it } from 'vitest';
import { World } from '../../src/core/world.js';
import { EntityStore } from '../../src/core/entity-store.js';
import { DEFAULT_CONFIG, worldBounds } from '../../src/core/config.js';
import { generationOf, makeEntityId, slotOf } from '../../src/core/entity-id.js';
import { CapacityError, InvalidArgumentError, InvalidValueError, OutOfWorldError, StaleEntityError, UnknownEntityError } from '../../src/core/errors.js';
import { freshArena } from '../helpers/wasm.js';

let store: EntityStore;
let world: World;

beforeEach(async () => {
  world = World.create(await freshArena(), { capacity: 8, seed: 1, tickHz: 60, bounds: worldBounds(DEFAULT_CONFIG), npc: DEFAULT_CONFIG.npc });
  store = new EntityStore(world);
});

describe('EntityStore', () => {
  it('creates entities with values and reads them back in API units', () => {
    const id = store.create('player', { posX: 12.5, posY: -40.25, posZ: 3, radius: 0.75, timer: 9 });
    expect(store.isAlive(id)).toBe(true);
    expect(store.get(id, 'posX')).toBe(12.5);
    expect(store.get(id, 'posY')).toBe(-40.25);
    expect(store.get(id, 'radius')).toBe(0.75);
    expect(store.get(id, 'timer')).toBe(9);
    expect(store.kindOf(id)).toBe('player');
    expect(store.count).toBe(1);
  });

  it('sets fields and rounds metres to the Q16 grid', () => {
    const id = store.create();
    store.set(id, 'posX', 1 / 3);
    expect(store.get(id, 'posX')).toBeCloseTo(1 / 3, 4);
    store.update(id, { velX: 0.5, heading: Math.PI });
    expect(store.get(id, 'velX')).toBe(0.5);
  });

  it('detects a stale id after its slot is reused', () => {
    const old = store.create();
    store.destroy(old);
    const fresh = store.create();
    expect(slotOf(fresh)).toBe(slotOf(old));
    expect(generationOf(fresh)).toBe(generationOf(old) + 1);
    expect(store.isAlive(old)).toBe(false);
    expect(() => store.get(old, 'posX')).toThrow(StaleEntityError);
    expect(() => store.destroy(old)).toThrow(StaleEntityError);
    expect(store.isAlive(fresh)).toBe(true);
  });

  it('rejects destroyed, never-issued and malformed ids with UnknownEntityError', () => {
    const id = store.create();
    expect(() => store.get(makeEntityId(5, 0), 'posX')).toThrow(UnknownEntityError);
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 32, '3' as unknown as number]) {
      expect(() => store.get(bad, 'posX')).toThrow(UnknownEntityError);
      expect(store.isAlive(bad)).toBe(false);
    }
    store.destroy(id);
    expect(() => store.destroy(id)).toThrow(StaleEntityError);
  });

  it('rejects NaN, infinities, out-of-world and out-of-range values and changes nothing', () => {
    const id = store.create('object', { posX: 1, posY: 2 });
    const before = world.hash();
    const cases: [Record<string, unknown>, new (...args: never[]) => Error][] = [
      [{ posX: Number.NaN }, InvalidValueError],
      [{ posY: Number.POSITIVE_INFINITY }, InvalidValueError],
      [{ posX: 6000 }, OutOfWorldError],
      [{ posZ: -1 }, OutOfWorldError],
      [{ velX: 1e9 }, InvalidValueError],
      [{ timer: -1 }, InvalidValueError],
      [{ timer: 1.5 }, InvalidValueError],
      [{ radius: -0.5 }, InvalidValueError],
      [{ posX: 3, posY: Number.NaN }, InvalidValueError],
      [{ posX: '1' }, InvalidValueError],
    ];
    for (const [values, error] of cases) {
      expect(() => store.update(id, values as never)).toThrow(error);
      expect(() => store.create('object', values as never)).toThrow(error);
    }
    expect(world.hash()).toBe(before);
    expect(store.get(id, 'posX')).toBe(1);
    expect(store.count).toBe(1);
  });

  it('keeps engine-owned fields out of reach', () => {
    const id = store.create();
    expect(() => store.set(id, 'flags' as never, 0)).toThrow(InvalidArgumentError);
    expect(() => store.get(id, 'generation' as never)).toThrow(InvalidArgumentError);
    expect(() => store.create('dragon' as never)).toThrow(InvalidArgumentError);
  });

  it('throws CapacityError when full and leaves existing entities intact', () => {
    const ids = Array.from({ length: 8 }, (_, i) => store.create('npc', { posX: i }));
    const before = world.hash();
    expect(() => store.create()).toThrow(CapacityError);
    expect(world.hash()).toBe(before);
    ids.forEach((id, i) => expect(store.get(id, 'posX')).toBe(i));
  });

  it('defaults positions to the world point nearest the origin', async () => {
    const w = World.create(await freshArena(), {
      capacity: 2, seed: 1, tickHz: 60, npc: DEFAULT_CONFIG.npc,
      bounds: { minX: 100, minY: 100, minZ: 5, maxX: 200, maxY: 200, maxZ: 10 },
    });
    const s = new EntityStore(w);
    const id = s.create();
    expect([s.get(id, 'posX'), s.get(id, 'posY'), s.get(id, 'posZ')]).toEqual([100, 100, 5]);
  });
});
