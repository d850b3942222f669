// The server's saves: a world-mode server saves on demand and at stop, a second server restores
// that world at start (tick, NPCs, PRNG) and plays it with a real client; a bad save stops the
// start with a typed error; /healthz and /metrics report the saves. Arena mode restores too, and
// its players stay in sync with the server's hashes from the restored frame on.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GameServer, type GameServerOptions } from '../../src/server/game-server.js';
import { WorldClient } from '../../src/client/world-client.js';
import { PlayClient } from '../../src/client/play-client.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { createViewBodies } from '../../src/codec/snapshot-view.js';
import { Arena } from '../../src/wasm/arena.js';
import { loadChronos } from '../../src/wasm/loader.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import type { NetCrypto } from '../../src/net/crypto.js';
import { FILE_HEADER_BYTES, InvalidSaveError, MemorySaveStore, SaveMismatchError, SaveStoreError, decodeSave } from '../../src/persist/index.js';
import { waiter } from '../helpers/until.js';

let arena: Arena;
let crypto: NetCrypto;

beforeAll(async () => {
  arena = new Arena(await loadChronos());
  crypto = await loadServerCrypto();
});

const until = waiter(20_000, 10);

function start(store: MemorySaveStore, lines: string[], extra: Partial<GameServerOptions> = {}): Promise<GameServer> {
  return GameServer.start({
    host: '127.0.0.1', httpPort: 0, udpPort: 0, npcs: 2000, worldSizeM: 600, seed: 21, maxClients: 16, processMetrics: false,
    log: (l) => lines.push(l), save: { store, name: 'world.csav', autosaveMs: 0 }, ...extra,
  });
}

describe('world mode with --save', () => {
  const store = new MemorySaveStore();
  let savedTick = 0;
  let savedAlive = 0;
  let savedHeadingSum = 0;

  it('starts a new world when there is no save, saves on demand and at stop, and reports it', async () => {
    const lines: string[] = [];
    const server = await start(store, lines, { manualTicks: true });
    try {
      expect(lines.join('\n')).toContain('save: no save at memory:world.csav yet');
      for (let i = 0; i < 30; i++) server.runTick();
      expect(await server.saves!.save('manual')).toBe(true);
      const health = server.health().save as Record<string, unknown>;
      expect(health).toMatchObject({ target: 'memory:world.csav', saves: 1, failures: 0, lastSaveTick: 30, restored: null });
      expect(health.lastSaveBytes).toBeGreaterThan(2000 * 8);
      const metrics = await server.metrics.registry.metrics();
      expect(metrics).toContain('chronos_saves_total{result="ok"} 1');
      expect(metrics).toMatch(/chronos_save_bytes \d{5,}/);
      expect(metrics).toContain('chronos_save_duration_seconds_count{phase="encode"} 1');
      expect(metrics).toMatch(/chronos_save_last_timestamp_seconds \d{10}/);
      for (let i = 0; i < 10; i++) server.runTick();
      savedTick = server.world.tick;
      savedAlive = server.world.aliveCount;
      savedHeadingSum = server.world.column('heading').reduce((a, b) => a + b, 0);
    } finally {
      await server.stop();
    }
    expect(store.writes).toBe(2); // on demand, then at stop
    expect(lines.join('\n')).toMatch(/save: shutdown: tick 40, \d+ bytes to memory:world.csav/);
    expect(decodeSave((await store.read('world.csav'))!).header.find((p) => p.name === 'tick')?.value).toBe(40);
  });

  it('restores that world at the next start, exactly', async () => {
    const lines: string[] = [];
    const server = await start(store, lines, { manualTicks: true });
    try {
      expect(lines.join('\n')).toMatch(/save: restored memory:world.csav \(\d+ bytes in [\d.]+ ms\): tick 40, 2000 npc/);
      expect(server.saves!.restored).toMatchObject({ tick: 40, entities: savedAlive });
      expect((server.health().save as { restored: unknown }).restored).toEqual({ tick: 40, entities: savedAlive, byKind: { npc: 2000 } });
      expect(server.world.tick).toBe(savedTick);
      expect(server.world.aliveCount).toBe(savedAlive);
      expect(server.world.column('heading').reduce((a, b) => a + b, 0)).toBe(savedHeadingSum);
      expect(server.spatial.index.size).toBe(savedAlive);
    } finally {
      await server.stop();
    }
  });

  it('plays the restored world with a client', async () => {
    const server = await start(store, []);
    const client = await WorldClient.create({ tokenUrl: `http://127.0.0.1:${server.httpPort}/connect`, crypto, mode: 'play', arena, name: 'after-restore', hub: 0, interpolate: false, transport: 'udp', udp: connectUdp });
    try {
      expect(server.world.tick).toBeGreaterThanOrEqual(savedTick);
      await client.connect();
      await until('the client to run', () => client.running);
      await until('a view with NPCs', () => (client.interest.view?.collectInto(createViewBodies(1024)) ?? 0) > 5);
      expect(server.worldHost!.players).toBe(1);
    } finally {
      client.close();
      await server.stop();
    }
    // The NPCs were saved at stop; the avatar (if its disconnect had not yet removed it) was not.
    const content = decodeSave((await store.read('world.csav'))!);
    expect(content.kinds.map((k) => [k.name, k.slots.length])).toEqual([['npc', 2000]]);
    expect(content.meta.find((p) => p.name === 'unsaved.player')?.value).toBeLessThanOrEqual(1);
  });

  it('refuses a corrupted or mismatched save at start, with a typed error', async () => {
    const bytes = (await store.read('world.csav'))!;
    const bad = new MemorySaveStore();
    const flipped = bytes.slice();
    flipped[FILE_HEADER_BYTES + 100] = flipped[FILE_HEADER_BYTES + 100]! ^ 0x40;
    await bad.write('world.csav', flipped);
    const err = await start(bad, []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidSaveError);
    expect((err as InvalidSaveError).reason).toBe('checksum');
    await bad.write('world.csav', bytes.subarray(0, bytes.byteLength - 10));
    expect(((await start(bad, []).catch((e: unknown) => e)) as InvalidSaveError).reason).toBe('truncated');
    await bad.write('world.csav', bytes);
    const other = await start(bad, [], { seed: 22 }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(SaveMismatchError);
    expect((other as Error).message).toContain('seed is 21 in the save, 22 here');
  });
});

describe('saves that cannot be written', () => {
  it('skips an autosave while one is in flight, counts a failed write, and reports a failed final save from stop()', async () => {
    let release: () => void = () => undefined;
    let failing = false;
    let started = 0;
    const store = new MemorySaveStore();
    const slow = {
      read: (name: string) => store.read(name),
      describe: (name: string) => `slow:${name}`,
      write: async (name: string, bytes: Uint8Array) => {
        started++;
        await new Promise<void>((r) => (release = r));
        if (failing) throw new Error('disk full');
        await store.write(name, bytes);
      },
    };
    const lines: string[] = [];
    const server = await GameServer.start({
      host: '127.0.0.1', httpPort: 0, udpPort: 0, npcs: 200, worldSizeM: 300, maxClients: 4, processMetrics: false, manualTicks: true,
      log: (l) => lines.push(l), save: { store: slow, name: 'w', autosaveMs: 0 },
    });
    const first = server.saves!.save('autosave');
    expect(await server.saves!.save('autosave')).toBe(false); // still writing the first
    release();
    expect(await first).toBe(true);
    failing = true;
    const second = server.saves!.save('manual');
    release();
    expect(await second).toBe(false);
    expect(server.health().save).toMatchObject({ saves: 1, failures: 1, skipped: 1, lastError: 'disk full' });
    expect(await server.metrics.registry.metrics()).toContain('chronos_saves_total{result="failed"} 1');
    const stopping = server.stop().catch((e: unknown) => e);
    await until('the final save to start writing', () => started === 3);
    expect(lines.join('\n')).not.toContain('chronos stopped'); // stop() waits for the final save
    release();
    const err = await stopping;
    expect(err).toBeInstanceOf(SaveStoreError);
    expect((err as Error).message).toContain('slow:w');
    expect(lines.join('\n')).toContain('save: shutdown failed: disk full');
    expect(lines.join('\n')).toContain('chronos stopped');
  });
});

describe('arena mode with --save', () => {
  const store = new MemorySaveStore();
  let server: GameServer | undefined;
  let client: PlayClient | undefined;

  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it('restores the room at its saved frame, and a player stays in sync with the server from there', async () => {
    const first = await start(store, [], { mode: 'arena', npcs: 300, manualTicks: true, hashEveryTicks: 10 });
    for (let i = 0; i < 50; i++) first.runTick();
    await first.stop();
    const lines: string[] = [];
    server = await start(store, lines, { mode: 'arena', npcs: 300, hashEveryTicks: 10 });
    expect(lines.join('\n')).toMatch(/restored memory:world.csav .*: tick 50, 300 npc/);
    expect(server.play!.session.frame).toBeGreaterThanOrEqual(50);
    client = await PlayClient.create({ tokenUrl: `http://127.0.0.1:${server.httpPort}/connect`, transport: 'udp', udp: connectUdp, crypto, mode: 'play', arena, name: 'arena-after-restore' });
    await client.connect();
    await until('the player to run', () => client!.running);
    client.setInput({ moveX: 1, moveY: 0, aimRad: 0, fire: true });
    await until('five hash checks', () => client!.stats().hashChecks.matched >= 5);
    expect(client.stats().hashChecks.mismatched).toBe(0);
    expect(client.stats().desyncFrame).toBe(-1);
  });
});
