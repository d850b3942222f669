// The spatial index inside the running GameServer: it follows the world after every tick,
// and /metrics and /healthz report it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GameServer } from '../../src/server/game-server.js';
import { bruteRadius } from './reference.js';

let server: GameServer;
let base: string;

beforeAll(async () => {
  server = await GameServer.start({ host: '127.0.0.1', httpPort: 0, udpPort: 0, npcs: 1500, seed: 17, processMetrics: false, log: () => undefined });
  base = `http://127.0.0.1:${server.httpPort}`;
});

afterAll(async () => {
  await server.stop();
});

describe('the server spatial index', () => {
  it('holds every NPC where the world has it after each tick', () => {
    for (let t = 0; t < 30; t++) server.runTick();
    const { index } = server.spatial;
    expect(index.size).toBe(server.world.aliveCount);
    index.check(true);
    const w = server.world;
    const flags = w.column('flags');
    const members = Array.from({ length: w.highWater }, (_, i) => i).filter((i) => (flags[i]! & 1) !== 0);
    const points = { x: w.column('posX'), y: w.column('posY'), z: w.column('posZ'), r: w.column('radius'), members };
    for (const [x, y] of [[0, 0], [1200, -3400], [-4900, 4900]] as const) {
      expect(Array.from(index.radius(x, y, 50, 400)).sort((a, b) => a - b)).toEqual(bruteRadius(points, x, y, 50, 400));
    }
  });

  it('publishes its counters and gauges on /metrics', async () => {
    server.spatial.index.radius(0, 0, 0, 100);
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'chronos_spatial_moves_total', 'chronos_spatial_cell_changes_total', 'chronos_spatial_splits_total',
      'chronos_spatial_merges_total', 'chronos_spatial_queries_total', 'chronos_spatial_occupied_cells',
      'chronos_spatial_levels', 'chronos_spatial_memory_bytes', 'chronos_spatial_update_duration_seconds_bucket',
    ]) {
      expect(text, name).toContain(name);
    }
    expect(text).toMatch(/chronos_spatial_entities 1500\b/);
    expect(Number(/chronos_spatial_queries_total (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
  });

  it('reports a small spatial summary on /healthz', async () => {
    const health = (await (await fetch(`${base}/healthz`)).json()) as { spatial: Record<string, number> };
    expect(health.spatial).toMatchObject({ entities: 1500, levels: 9 });
    expect(health.spatial.memoryBytes).toBeGreaterThan(0);
  });
});
