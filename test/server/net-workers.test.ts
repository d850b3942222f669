// A game served over network workers (a DeclaredServer serving the tag game): each worker owns
// its own UDP port and its clients' sessions; tokens spread clients over the workers; players
// in different shards see each other and move as their inputs say; a worker that dies takes
// only its own clients with it and is started again on the same port, while the server and
// the other shard keep running.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeclaredServer } from '../../src/server/declared-server.js';
import { DeclaredClient } from '../../src/client/declared-client.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import type { NetCrypto } from '../../src/net/crypto.js';
import { TAG, tagModule, type Tag } from '../helpers/tag-game.js';
import { waiter } from '../helpers/until.js';

let crypto: NetCrypto;
let module: ReturnType<typeof tagModule>;
let server: DeclaredServer<Tag>;
const clients: DeclaredClient<Tag>[] = [];
/** The newest input each client's snapshots said the game had applied, by client. */
const applied = new Map<DeclaredClient<Tag>, number>();
const log: string[] = [];

const until = waiter(30_000, 10);

const tickOf = (): number => server.health().tick as number;

async function ticks(n: number): Promise<void> {
  const target = tickOf() + n;
  await until(`${n} server ticks`, () => tickOf() >= target, 60_000);
}

/** A UDP player, connected and past its first snapshot; not reconnecting (a dropped one stays dropped). */
async function play(): Promise<DeclaredClient<Tag>> {
  let client: DeclaredClient<Tag> | undefined;
  client = await DeclaredClient.create({
    game: TAG, tokenUrl: `http://127.0.0.1:${server.httpPort}/connect`, transport: 'udp', udp: connectUdp, crypto, reconnect: false,
    handlers: { snapshot: (d) => applied.set(client!, d.inputSeq) },
  });
  clients.push(client);
  await client.connect();
  await until('a first snapshot', () => client!.stats.snapshots > 0);
  return client;
}

function portOf(client: DeclaredClient<Tag>): number {
  return client.net.net.connection.port;
}

beforeAll(async () => {
  crypto = await loadServerCrypto();
  module = tagModule();
  server = await DeclaredServer.start({
    module, host: '127.0.0.1', httpPort: 0, udpPort: 0, maxClients: 64, processMetrics: false, netWorkers: 2,
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
    const four = [await play(), await play(), await play(), await play()];
    const used = new Map<number, number>();
    for (const c of four) used.set(portOf(c), (used.get(portOf(c)) ?? 0) + 1);
    expect([...used.keys()].sort()).toEqual([...ports].sort());
    expect([...used.values()]).toEqual([2, 2]);
    expect(server.players).toBe(4);
    expect(server.clientCount).toBeGreaterThanOrEqual(4);
  });

  it('runs the game through the workers: inputs in, snapshots out', async () => {
    const a = clients[0]!;
    const b = clients.find((c) => portOf(c) !== portOf(a))!;
    expect(b).toBeDefined();
    const y0 = module.store.get(a.avatarId, 'position.y') as number;
    const snapshots = a.stats.snapshots;
    a.setInput({ moveX: 0, moveY: 1 });
    await ticks(90);
    a.setInput({ moveX: 0, moveY: 0 });
    // 0.2 m a tick while the input held.
    expect((module.store.get(a.avatarId, 'position.y') as number) - y0).toBeGreaterThan(5);
    // A snapshot nearly every tick, and they name the inputs the game applied.
    expect(a.stats.snapshots - snapshots).toBeGreaterThan(60);
    await until('a snapshot naming an applied input', () => (applied.get(a) ?? -1) >= 0);
    await until('a to see its own move', () => Math.abs((a.replica!.value(a.avatarId, 'position.y') as number) - (module.store.get(a.avatarId, 'position.y') as number)) < 0.1);
    // Players of both shards see each other (all spawned near the centre).
    await until('each to see the other', () => a.replica!.has(b.avatarId) && b.replica!.has(a.avatarId));
    expect(a.replica!.entity(a.avatarId)!.owned).toBe(true);
    expect(a.replica!.value(b.avatarId, 'purse.coins')).toBeUndefined();
    expect(a.stats.drops.decode + b.stats.drops.decode).toBe(0);
  });

  it('restarts a worker that dies; only its own clients are dropped, and newcomers get in', async () => {
    const shard = server.net.pool!.shards[1]!;
    const victims = clients.filter((c) => portOf(c) === shard.port);
    const survivors = clients.filter((c) => portOf(c) !== shard.port);
    expect(victims.length).toBeGreaterThan(0);
    expect(survivors.length).toBeGreaterThan(0);
    const players = server.players;
    const avatars = victims.map((c) => c.avatarId);
    // Kill worker 1 (a test can terminate the thread: the same as a crash, from outside).
    await shard.worker!.terminate();
    await until('the dead worker to be replaced', () => server.net.pool!.restarts === 1 && shard.alive);
    expect(server.players).toBe(players - victims.length);
    // The game let the dropped players' avatars go.
    for (const id of avatars) expect(module.store.isAlive(id)).toBe(false);
    expect(log.some((l) => /network worker 1 .* died/.test(l))).toBe(true);
    // The other shard never noticed.
    const s = survivors[0]!;
    const snapshots = s.stats.snapshots;
    await ticks(30);
    expect(s.stats.snapshots).toBeGreaterThan(snapshots + 15);
    expect(s.net.state).toBe('connected');
    expect(module.store.isAlive(s.avatarId)).toBe(true);
    // The restarted worker, now the least loaded, takes clients again on the same port.
    const late = await play();
    expect(server.net.pool!.shards[1]!.port).toBe(shard.port);
    expect(portOf(late)).toBe(shard.port);
    expect(server.players).toBe(players - victims.length + 1);
  });
});
