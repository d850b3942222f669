// A save that is truncated, corrupted, forged or written for another world is refused with a
// typed error before anything is written: the running world's region hashes the same before and
// after every refusal.

import { beforeAll, describe, expect, it } from 'vitest';
import { freshArena, mulberry32 } from '../helpers/wasm.js';
import type { Arena } from '../../src/wasm/arena.js';
import { defineSchema } from '../../src/core/schema.js';
import { WORLD_SCHEMA } from '../../src/core/world-layout.js';
import { ChronosError } from '../../src/core/errors.js';
import {
  captureWorld, decodeSave, encodeSave, InvalidSaveError, restoreWorld, saveWorld, SaveMismatchError, FILE_HEADER_BYTES,
  type InvalidSaveReason, type SaveContent,
} from '../../src/persist/index.js';
import { crc32, makeGame, playTicks } from './fixture.js';

let arena: Arena;
let good: Uint8Array;
let target: ReturnType<typeof makeGame>;

beforeAll(async () => {
  arena = await freshArena({ maximumPages: 16384 });
  const source = makeGame(arena);
  playTicks(source, [source.spawnAvatar(0), source.spawnAvatar(1)], 30);
  good = saveWorld(source.world).slice();
  // The running world the bad saves are offered to: a different one (its own seed-1 start).
  target = makeGame(arena);
  playTicks(target, [target.spawnAvatar(2)], 5);
});

/** Offers `bytes` to the running world; returns the error, and checks the world did not change. */
function refuse(bytes: Uint8Array, world = target.world): ChronosError {
  const before = world.hash();
  let error: unknown;
  try {
    restoreWorld(world, bytes);
  } catch (err) {
    error = err;
  }
  expect(world.hash()).toBe(before);
  expect(error, 'the save was accepted').toBeInstanceOf(ChronosError);
  return error as ChronosError;
}

function expectInvalid(bytes: Uint8Array, reason: InvalidSaveReason): void {
  const err = refuse(bytes);
  expect(err).toBeInstanceOf(InvalidSaveError);
  expect(err.code).toBe('E_SAVE_INVALID');
  expect((err as InvalidSaveError).reason, err.message).toBe(reason);
}

/** The bytes with the CRC-32 recomputed, so the checks after it run. */
function resealed(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(12, crc32(out.subarray(FILE_HEADER_BYTES)), true);
  return out;
}

const npcs = (c: SaveContent) => c.kinds.find((k) => k.name === 'npc')!;

/** A save of `content` changed by `edit` (a forged but well-formed save). */
function forged(edit: (c: SaveContent) => SaveContent): Uint8Array {
  return encodeSave(edit(decodeSave(good)));
}

describe('refused saves leave the world untouched', () => {
  it('accepts the good save (the control)', () => {
    const world = makeGame(arena).world;
    expect(restoreWorld(world, good).entities).toBeGreaterThan(500);
  });

  it('refuses a truncated save at every length', () => {
    for (const n of [0, 3, 15, 16, 17, 40, good.byteLength >> 1, good.byteLength - 1]) expectInvalid(good.subarray(0, n), 'truncated');
  });

  it('refuses bad magic, an unknown version, extra bytes and any flipped body byte', () => {
    const magic = good.slice();
    magic[0] = magic[0]! ^ 0xff;
    expectInvalid(magic, 'magic');
    const version = good.slice();
    new DataView(version.buffer).setUint16(4, 99, true);
    expectInvalid(version, 'version');
    const longer = new Uint8Array(good.byteLength + 3);
    longer.set(good);
    expectInvalid(longer, 'length');
    const rand = mulberry32(7);
    for (let i = 0; i < 40; i++) {
      const bad = good.slice();
      const at = FILE_HEADER_BYTES + Math.floor(rand() * (good.byteLength - FILE_HEADER_BYTES));
      bad[at] = bad[at]! ^ (1 + Math.floor(rand() * 255));
      expectInvalid(bad, 'checksum');
    }
  });

  it('refuses mutated bodies that pass the checksum with a typed error, never another one', () => {
    const rand = mulberry32(11);
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const bad = good.slice();
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) {
        // Mostly the structure near the start (sections, names, counts), sometimes anywhere.
        const span = rand() < 0.7 ? Math.min(600, good.byteLength - FILE_HEADER_BYTES) : good.byteLength - FILE_HEADER_BYTES;
        bad[FILE_HEADER_BYTES + Math.floor(rand() * span)] = Math.floor(rand() * 256);
      }
      const world = target.world;
      const before = world.hash();
      try {
        restoreWorld(world, resealed(bad));
        // A mutation that still makes a valid save (a value within range) may be accepted; put
        // the target back for the next round.
        restoreWorld(world, good);
      } catch (err) {
        expect(err, String(err)).toBeInstanceOf(ChronosError);
        expect(['E_SAVE_INVALID', 'E_SAVE_MISMATCH']).toContain((err as ChronosError).code);
        expect(world.hash()).toBe(before);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(100);
  });

  it('refuses values out of range: a position outside the world, a NaN, a slot beyond the high water, a slot twice', () => {
    const posX = decodeSave(good).fields.findIndex((f) => f.name === 'posX');
    expectInvalid(forged((c) => {
      npcs(c).columns[posX]![3] = (10_000 * 65536) | 0; // 10 km east of a 400 m world
      return c;
    }), 'value');
    // A field written as f32 (an older schema) converts through its value: NaN is refused.
    const floatSchema = defineSchema({ ...WORLD_SCHEMA.fields, posY: { type: 'f32', axis: 'y', unit: 'm' } });
    const source = makeGame(arena);
    const posY = new Float32Array(source.world.capacity).fill(1.5);
    posY[7] = Number.NaN;
    const nan = saveWorld(source.world, { schema: floatSchema, extraColumns: { posY: new Uint32Array(posY.buffer) } });
    expect(refuse(nan).message).toMatch(/posY = NaN/);
    expectInvalid(forged((c) => {
      npcs(c).slots[0] = c.allocator.highWater + 5;
      return c;
    }), 'value');
    expectInvalid(forged((c) => {
      npcs(c).slots[1] = npcs(c).slots[0]!;
      return c;
    }), 'value');
    expectInvalid(forged((c) => {
      c.allocator.generations[0] = 0x10000;
      return c;
    }), 'value');
  });

  it('refuses a save of another world: seed, bounds, tick rate, or more slots in use than the capacity', () => {
    for (const [config, option] of [[{ seed: 9 }, 'seed'], [{ worldSizeM: 800 }, 'bounds.minX'], [{ tickHz: 30 }, 'tickHz']] as const) {
      const err = refuse(good, makeGame(arena, config).world);
      expect(err).toBeInstanceOf(SaveMismatchError);
      expect(err.code).toBe('E_SAVE_MISMATCH');
      expect((err as SaveMismatchError).differences.map((d) => d.option)).toContain(option);
    }
    const small = makeGame(arena, { npcs: 100, spareEntities: 0 }, 1);
    const err = refuse(good, small.world);
    expect((err as SaveMismatchError).differences.map((d) => d.option)).toEqual(['capacity']);
    expect(err.message).toMatch(/capacity is \d+ slots in use in the save, \d+ slots here/);
  });

  it('refuses a field whose unit changed', () => {
    const cm = defineSchema({ ...WORLD_SCHEMA.fields, radius: { type: 'q16', unit: 'cm', min: 0 } });
    const bytes = saveWorld(makeGame(arena).world, { schema: cm });
    expect((refuse(bytes) as SaveMismatchError).differences).toEqual([{ option: 'unit of radius', saved: 'cm', current: 'm' }]);
    expect(captureWorld(makeGame(arena).world).fields.length).toBe(12);
  });
});
