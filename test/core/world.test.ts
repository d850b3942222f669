// The simulation region: deterministic from its seed, the TypeScript layout agreeing with the
// kernels, NPCs kept inside the world, snapshots that restore the exact continuation.

import { describe, expect, it } from 'vitest';
import { World, checkWorldLayout } from '../../src/core/world.js';
import { FLAG_ALIVE, FLAG_NPC, H, HEADER_BYTES, WORLD_MAGIC, WORLD_SCHEMA } from '../../src/core/world-layout.js';
import { ConfigError, WasmLinkError } from '../../src/core/errors.js';
import { DEFAULT_CONFIG, worldBounds } from '../../src/core/config.js';
import { FX_ONE } from '../../src/core/fixed.js';
import { freshArena } from '../helpers/wasm.js';
import type { CoreKernels } from '../../src/wasm/kernels.js';

const OPTIONS = {
  capacity: 3000,
  seed: 7,
  tickHz: 60,
  bounds: worldBounds(DEFAULT_CONFIG),
  npc: DEFAULT_CONFIG.npc,
};

async function world(overrides: Partial<typeof OPTIONS> = {}): Promise<World> {
  const w = World.create(await freshArena(), { ...OPTIONS, ...overrides });
  w.spawnNpcs(2000);
  return w;
}

describe('World', () => {
  it('writes a header the kernels read: magic, capacity, bounds and a 16-aligned column table', async () => {
    const w = await world();
    const h = new Uint32Array(w.arena.memoryBuffer, w.ptr, HEADER_BYTES / 4);
    expect(h[H.magic / 4]).toBe(WORLD_MAGIC);
    expect(h[H.capacity / 4]).toBe(3000);
    expect(h[H.columns / 4]).toBe(WORLD_SCHEMA.names.length);
    expect(h[H.size / 4]).toBe(w.byteLength);
    for (let i = 0; i < WORLD_SCHEMA.names.length; i++) expect(h[H.columnTable / 4 + i]! % 16).toBe(0);
    expect(w.ptr % 16).toBe(0);
  });

  it('puts kernel-written data in the columns TypeScript reads (layout agreement)', async () => {
    const w = await world();
    expect(w.highWater).toBe(2000);
    expect(w.aliveCount).toBe(2000);
    const flags = w.column('flags');
    const z = w.column('posZ');
    const radius = w.column('radius');
    for (let i = 0; i < 2000; i++) {
      expect(flags[i]).toBe(FLAG_ALIVE | FLAG_NPC);
      // z is drawn from [0, 100] m while x and y span ±5 km: a swapped column would show.
      expect(z[i]! / FX_ONE).toBeGreaterThanOrEqual(0);
      expect(z[i]! / FX_ONE).toBeLessThanOrEqual(100);
      expect(radius[i]).toBe(FX_ONE / 2);
    }
    expect(flags[2000]).toBe(0);
  });

  it('gives the same bytes for the same seed and different bytes for another seed', async () => {
    const a = await world();
    const b = await world();
    const c = await world({ seed: 8 });
    a.step(500);
    b.step(500);
    c.step(500);
    expect(a.tick).toBe(500);
    expect(a.hash()).toBe(b.hash());
    expect(a.hash()).not.toBe(c.hash());
  });

  it('keeps every NPC inside the world bounds over many ticks', async () => {
    const w = await world({ bounds: { minX: -50, minY: -50, minZ: 0, maxX: 50, maxY: 50, maxZ: 10 } });
    for (let t = 0; t < 30; t++) {
      w.step(100);
      const xs = w.column('posX');
      const ys = w.column('posY');
      for (let i = 0; i < 2000; i++) {
        expect(Math.abs(xs[i]!)).toBeLessThanOrEqual(50 * FX_ONE);
        expect(Math.abs(ys[i]!)).toBeLessThanOrEqual(50 * FX_ONE);
      }
    }
  });

  it('moves NPCs at no more than their top speed', async () => {
    const w = await world();
    const x0 = Int32Array.from(w.column('posX'));
    const y0 = Int32Array.from(w.column('posY'));
    w.step(60);
    let moved = 0;
    for (let i = 0; i < 2000; i++) {
      const d = Math.hypot(w.column('posX')[i]! - x0[i]!, w.column('posY')[i]! - y0[i]!) / FX_ONE;
      expect(d).toBeLessThanOrEqual(DEFAULT_CONFIG.npc.topSpeedMps * 1.0001 + 1e-3);
      if (d > 0) moved++;
    }
    expect(moved).toBeGreaterThan(1000);
  });

  it('restores a snapshot so the continuation is identical', async () => {
    const w = await world();
    w.step(100);
    const snapshot = new Uint8Array(w.byteLength);
    w.saveInto(snapshot);
    w.step(250);
    const expected = w.hash();
    w.restoreFrom(snapshot);
    expect(w.tick).toBe(100);
    w.step(250);
    expect(w.hash()).toBe(expected);
    expect(() => w.restoreFrom(new Uint8Array(10))).toThrow(ConfigError);
  });

  it('reports a full world by spawning fewer', async () => {
    const w = World.create(await freshArena(), { ...OPTIONS, capacity: 10 });
    expect(w.spawnNpcs(25)).toBe(10);
    expect(w.aliveCount).toBe(10);
  });

  it('rejects bad options with ConfigError before allocating', async () => {
    const arena = await freshArena();
    const bad = [
      { capacity: 0 },
      { capacity: 2 ** 21 },
      { seed: -1 },
      { seed: 1.5 },
      { tickHz: 0 },
      { bounds: { ...OPTIONS.bounds, minX: 10, maxX: -10 } },
      { bounds: { ...OPTIONS.bounds, maxX: Number.NaN } },
      { bounds: { ...OPTIONS.bounds, maxX: 40_000 } },
      { npc: { ...OPTIONS.npc, idlePercent: 101 } },
      { npc: { ...OPTIONS.npc, wanderMinS: 0 } },
    ];
    for (const override of bad) expect(() => World.create(arena, { ...OPTIONS, ...override })).toThrow(ConfigError);
    expect(arena.stats().regions).toEqual([]);
  });

  it('refuses a module whose world layout differs', async () => {
    const arena = await freshArena();
    const lying = { ...arena.wasm.exports, world_layout_column_count: () => 99 } as CoreKernels;
    expect(() => checkWorldLayout(lying)).toThrow(WasmLinkError);
  });
});
