// World mode over network workers: each worker owns its own UDP port and its clients' sessions;
// tokens spread clients over the workers; players in different shards see each other and move
// as their inputs say; a worker that dies takes only its own clients with it and is started
// again on the same port, while the server and the other shard keep running.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GameServer } from '../../src/server/game-server.js';
import { WorldClient } from '../../src/client/world-client.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { Arena } from '../../src/wasm/arena.js';
import { loadChronos } from '../../src/wasm/loader.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import type { NetCrypto } from '../../src/net/crypto.js';
import { waiter } from '../helpers/until.js';

let arena: Arena;
let crypto: NetCrypto;
let server: GameServer;
const clients: WorldClient[] = [];
const log: string[] = [];

const until = waiter(30_000, 10);

async function ticks(n: number): Promise<void> {
  const target = server.world.tick + n;
  await until(`${n} server ticks`, () => server.world.tick >= target, 60_000);
}

async function play(name: string): Promise<WorldClient> {
  const client = await WorldClient.create({ tokenUrl: `http://127.0.0.1:${server.httpPort}/connect`, transport: 'udp', udp: connectUdp, crypto, mode: 'play', arena, name, hub: 0, interpolate: false });
  clients.push(client);
  await client.connect();
  await until(`${name} to run`, () => client.running);
  return client;
}

function portOf(client: WorldClient): number {
  return client.net.net.connection.port;
}

beforeAll(async () => {
  arena = new Arena(await loadChronos());
  crypto = await loadServerCrypto();
  server = await GameServer.start({
    host: '127.0.0.1', httpPort: 0, udpPort: 0, npcs: 200, worldSizeM: 500, seed: 4, maxClients: 64, processMetrics: false, workers: 2,
    log: (line) => log.push(line),
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

describe('network workers', () => {
  it('binds one UDP port per worker and spreads new clients over them', async () => {
    const ports = server.udpPorts;
    expect(ports).toHaveLength(2);
    expect(new Set(ports).size).toBe(2);
    const four = [await play('w-a'), await play('w-b'), await play('w-c'), await play('w-d')];
    const used = new Map<number, number>();
    for (const c of four) used.set(portOf(c), (used.get(portOf(c)) ?? 0) + 1);
    expect([...used.keys()].sort()).toEqual([...ports].sort());
    expect([...used.values()]).toEqual([2, 2]);
    expect(server.clientCount).toBeGreaterThanOrEqual(4);
  });

  it('runs world mode through the workers: inputs in, OWN and snapshots out', async () => {
    const [a, b] = clients as [WorldClient, WorldClient];
    const start = server.worldHost!.playerInfo().find((p) => p.avatarId === a.avatarId)!;
    a.setInput({ moveX: 0, moveY: 1, aimRad: 0 });
    await ticks(90);
    a.setInput({ moveX: 0, moveY: 0, aimRad: 0 });
    const end = server.worldHost!.playerInfo().find((p) => p.avatarId === a.avatarId)!;
    expect(end.y - start.y).toBeGreaterThan(5);
    expect(a.stats().own!.checked).toBeGreaterThan(60);
    // Players of both shards see each other (all spawned near the centre).
    await until('each to see the other', () => {
      const va = a.interest.view, vb = b.interest.view;
      return !!va && !!vb && va.handleOf(b.avatarId) >= 0 && vb.handleOf(a.avatarId) >= 0;
    });
    expect(a.stats().interest.rejected + b.stats().interest.rejected).toBe(0);
  });

  it('restarts a worker that dies; only its own clients are dropped, and newcomers get in', async () => {
    const shard = server.net.pool!.shards[1]!;
    const victims = clients.filter((c) => portOf(c) === shard.port);
    const survivors = clients.filter((c) => portOf(c) !== shard.port);
    expect(victims.length).toBeGreaterThan(0);
    const players = server.worldHost!.players;
    // Kill worker 1 (a test can terminate the thread: the same as a crash, from outside).
    await shard.worker!.terminate();
    await until('the dead worker to be replaced', () => server.net.pool!.restarts === 1 && shard.alive);
    expect(server.worldHost!.players).toBe(players - victims.length);
    expect(log.some((l) => /network worker 1 .* died/.test(l))).toBe(true);
    // The other shard never noticed.
    const s = survivors[0]!;
    const seq = s.predictor!.ackedSeq;
    await ticks(30);
    expect(s.predictor!.ackedSeq).toBeGreaterThan(seq);
    // The restarted worker takes clients again on the same port.
    const late = await play('w-late');
    expect(server.udpPorts).toContain(portOf(late));
    expect(server.net.pool!.shards[1]!.port).toBe(shard.port);
  });
});
