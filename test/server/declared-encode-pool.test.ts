// DeclaredServer's encode workers (src/server/declared-encode-pool.ts): the same messages as the
// main thread's replicators, byte for byte, through moves, joins, leaves and late acks; a worker
// that dies hands its players to the main thread, whose next message to them is whole; a store
// outside shared memory is refused; and a DeclaredServer with two workers serves two players
// (and reports its workers on /healthz and /metrics).

import { afterAll, describe, expect, it } from 'vitest';
import { defineGame } from '../../src/core/game.js';
import { GameStore } from '../../src/core/game-store.js';
import { ConfigError } from '../../src/core/errors.js';
import { GameReplica } from '../../src/codec/game-replica.js';
import { EncodePool } from '../../src/server/declared-encode-pool.js';
import { LocalEncoders } from '../../src/server/declared-encoders.js';
import { mulberry32 } from '../../src/core/mulberry32.js';
import { DeclaredServer } from '../../src/server/declared-server.js';
import { DeclaredClient } from '../../src/client/declared-client.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import type { DeclaredGameModule } from '../../src/server/declared-game.js';
import { waiter } from '../helpers/until.js';
import { Arena } from '../../src/wasm/arena.js';
import { loadChronos } from '../../src/wasm/loader.js';

const M = { type: 'q16', min: -200, max: 200, precision: 1 / 32 } as const;
const GAME = defineGame({
  name: 'pool',
  components: { position: { fields: { x: M, y: M } }, purse: { fields: { coins: { type: 'u32', min: 0, max: 1_000_000 } }, replicate: 'owner' } },
  types: { runner: ['position', 'purse'], rock: ['position'] },
  input: { run: { type: 'bool' } },
});
const VIEW = 256;
const pools: EncodePool<typeof GAME.declaration>[] = [];
afterAll(async () => {
  for (const p of pools) await p.close();
});

async function world(seed: number, arena?: Arena) {
  const memory = arena ? { buffer: arena.memoryBuffer, byteOffset: arena.allocate(`pool-store-${seed}`, GameStore.bytesFor(GAME, 600)).ptr } : undefined;
  const store = new GameStore(GAME, { capacity: 600, shared: true, memory });
  const rand = mulberry32(seed);
  const ids = Array.from({ length: 400 }, (_, i) => store.spawn(i % 4 ? 'rock' : 'runner', { position: { x: rand() * 300 - 150, y: rand() * 300 - 150 } }, i % 4 ? 0 : 1 + (i % 7)));
  const x = store.column('position.x');
  const coins = store.column('purse.coins');
  const step = () => {
    for (const id of ids) {
      const s = id & 0xfffff;
      if (rand() < 0.5) x[s] = Math.max(-150 * 65536, Math.min(150 * 65536, x[s]! + Math.round((rand() - 0.5) * 65536)));
      if (store.typeColumn[s] === 1 && rand() < 0.1) coins[s] = coins[s]! + 1;
    }
  };
  /** Slots within 60 m of `me` (x only, as a band), as a game's visible() would write them. */
  const visible = (me: number, out: Uint32Array) => {
    let n = 0;
    for (let s = 0; s < store.highWater && n < out.length; s++) if (store.typeColumn[s] !== 0 && Math.abs(x[s]! - x[me]!) <= 60 * 65536) out[n++] = s;
    return n;
  };
  return { store, ids, step, visible, rand };
}

describe('EncodePool', () => {
  it.each([
    ['', undefined, false],
    [' (with update zones: each job measured from its avatar)', { x: 'position.x', y: 'position.y', bands: [{ withinM: 20, hz: 60 }, { withinM: 40, hz: 15 }], beyondHz: 5 }, false],
    [' (the store in a WebAssembly arena: the workers\' run kernels WebAssembly in their blocks of it, with zones)', { x: 'position.x', y: 'position.y', bands: [{ withinM: 20, hz: 60 }, { withinM: 40, hz: 15 }], beyondHz: 5 }, true],
  ] as const)('encodes exactly what the main thread would, through moves, joins, leaves and late acks, with the main thread taking a share%s', async (_name, zones, inArena) => {
    const arena = inArena ? new Arena(await loadChronos()) : undefined;
    const { store, ids, step, visible, rand } = await world(3, arena);
    const settings = { viewCapacity: VIEW, maxMessageBytes: 1200, zones };
    // The reference: the JavaScript kernels on the main thread.
    const local = new LocalEncoders(store, settings);
    const pool = await EncodePool.start(store, { ...settings, workers: 2, log: () => {}, arena });
    if (arena) expect(arena.stats().regions.filter((r) => r.name.startsWith('encode-worker-')).length).toBe(2);
    pools.push(pool);
    expect(pool.counters.alive).toBe(2);
    const players = new Map<number, number>(); // player -> its avatar's slot
    const join = (p: number) => {
      players.set(p, ids[p * 4]! & 0xfffff);
      local.add(p, p);
      pool.add(p, p);
    };
    for (let p = 1; p <= 6; p++) join(p);
    const acks: [number, number, number][] = [];
    const scales = new Map<number, number>();
    let compared = 0;
    for (let tick = 0; tick < 120; tick++) {
      step();
      if (tick === 40) {
        local.remove(3);
        pool.remove(3);
        players.delete(3);
        join(9);
      }
      if (tick === 60) {
        // A flood of repeated acks between two ticks: more operations than a round holds (per worker), so the
        // pool applies a batch on its own (without encoding anything) and the messages stay equal.
        for (let i = 0; i < 200_000; i++) {
          const p = 1 + (i % 6);
          if (!players.has(p)) continue;
          local.ack(p, 0);
          pool.ack(p, 0);
        }
      }
      // Acks arrive two ticks late, some lost.
      for (const [due, p, seq] of acks.splice(0)) {
        if (due > tick) acks.push([due, p, seq]);
        else if (players.has(p)) {
          local.ack(p, seq);
          pool.ack(p, seq);
        }
      }
      local.begin();
      pool.begin();
      for (const [p, me] of players) {
        if ((tick + p) % 3 === 0) continue; // not every player every tick (load shedding)
        const budget = 200 + Math.floor(rand() * 1000);
        const n = visible(me, local.slots(p));
        const into = pool.slots(p);
        expect(visible(me, into)).toBe(n);
        // How far the view reached (a crowd narrows it): now and then not said (0), else in 255ths.
        const scale = (p * 7 + tick) % 5 === 0 ? 0 : (((p * 37 + tick) % 255) + 1) / 255;
        local.job(p, tick, n, budget, tick - 3, 1, me, scale);
        pool.job(p, tick, n, budget, tick - 3, 1, me, scale);
        scales.set(p, Math.round(scale * 255));
      }
      local.run();
      pool.run();
      // In the arena the workers' players encode in WebAssembly (all but the main thread's share).
      if (arena && tick === 10) expect(pool.wasmEncoders).toBeGreaterThan(0);
      for (const p of players.keys()) {
        const a = local.result(p);
        const b = pool.result(p);
        expect(b === null, `player ${p} tick ${tick}`).toBe(a === null);
        if (!a || !b) continue;
        expect(Buffer.compare(Buffer.from(a), Buffer.from(b)), `player ${p} tick ${tick}`).toBe(0);
        expect(b[18], `player ${p}'s view scale, tick ${tick}`).toBe(scales.get(p));
        compared++;
        if (rand() < 0.8) acks.push([tick + 2, p, new DataView(a.buffer, a.byteOffset).getUint32(2, true)]);
      }
    }
    expect(compared).toBeGreaterThan(400);
    expect(pool.counters.givenUp).toBe(0);
    // The main thread encoded a share of its own (players 3 and 6 of the first six; 3 left), in
    // the same rounds as the workers, and its messages matched too.
    expect(pool.counters.mainThreadPlayers).toBe(1);
  });

  it('packs a round\'s messages by their length, not their budget: 1,200 players of 8 KB budgets on one worker all get theirs', async () => {
    // 600 players a worker lane and a 9 KB budget each would take 5.4 MB reserved up front, past
    // the round's 4 MiB output; their messages are far smaller, and every one goes out.
    const { store, ids, step, visible } = await world(13);
    const local = new LocalEncoders(store, { viewCapacity: VIEW, maxMessageBytes: 9000 });
    const pool = await EncodePool.start(store, { workers: 1, viewCapacity: VIEW, maxMessageBytes: 9000, log: () => {} });
    pools.push(pool);
    const players = Array.from({ length: 1200 }, (_, p) => p + 1);
    for (const p of players) {
      local.add(p, 0);
      pool.add(p, 0);
    }
    for (let tick = 0; tick < 3; tick++) {
      step();
      local.begin();
      pool.begin();
      for (const p of players) {
        const me = ids[(p * 4) % ids.length]! & 0xfffff;
        const n = visible(me, local.slots(p));
        expect(visible(me, pool.slots(p))).toBe(n);
        local.job(p, tick, n, 9000, -1, 0);
        pool.job(p, tick, n, 9000, -1, 0);
      }
      local.run();
      pool.run();
      let bytes = 0;
      for (const p of players) {
        const a = local.result(p)!;
        const b = pool.result(p);
        expect(b, `player ${p} tick ${tick}`).not.toBeNull();
        expect(Buffer.compare(Buffer.from(a), Buffer.from(b!)), `player ${p} tick ${tick}`).toBe(0);
        bytes += b!.byteLength;
      }
      // The first tick's messages are whole (every entity enters): over 100 KB in all.
      if (tick === 0) expect(bytes).toBeGreaterThan(100_000);
    }
    expect(pool.counters.outOfRoom).toBe(0);
    expect(pool.counters.mainThreadPlayers).toBe(600);
  }, 30_000);

  it('hands a dead worker\'s players to the main thread: their next message is whole and decodes', async () => {
    const { store, ids, step, visible } = await world(5);
    const pool = await EncodePool.start(store, { workers: 2, viewCapacity: VIEW, maxMessageBytes: 4096, log: () => {} });
    pools.push(pool);
    const replicas = new Map<number, GameReplica<typeof GAME.declaration>>();
    for (let p = 1; p <= 4; p++) {
      pool.add(p, p);
      replicas.set(p, new GameReplica(GAME, { viewCapacity: VIEW }));
    }
    const tickOnce = (tick: number) => {
      step();
      pool.begin();
      for (const p of replicas.keys()) {
        const n = visible(ids[p * 4]! & 0xfffff, pool.slots(p));
        pool.job(p, tick, n, 4096, -1, 0);
      }
      pool.run();
      for (const [p, r] of replicas) {
        const bytes = pool.result(p);
        if (!bytes) continue;
        const d = r.decode(bytes);
        pool.ack(p, d.seq);
      }
    };
    for (let t = 0; t < 10; t++) tickOnce(t);
    // One worker goes away under the pool's feet.
    await (pool as unknown as { lanes: { worker: { terminate(): Promise<number> } }[] }).lanes[0]!.worker.terminate();
    await new Promise((r) => setTimeout(r, 50));
    expect(pool.counters.givenUp).toBe(1);
    // Its own share (player 3) and the dead worker's players (1 and 4).
    expect(pool.counters.mainThreadPlayers).toBe(3);
    for (let t = 10; t < 20; t++) tickOnce(t);
    // Every player's view holds exactly what the store has within its band, at the wire's precision.
    for (const [p, r] of replicas) {
      const me = ids[p * 4]! & 0xfffff;
      const expected = new Uint32Array(VIEW);
      const n = visible(me, expected);
      expect(r.size, `player ${p}`).toBe(n);
      for (let k = 0; k < n; k++) expect(r.value(store.idAt(expected[k]!), 'position.x') as number).toBeCloseTo(store.get(store.idAt(expected[k]!), 'position.x') as number, 1);
    }
  });

  it('serves players from two encode workers: each its view and its own purse only', async () => {
    const { store, step, visible } = await world(9);
    const module: DeclaredGameModule<typeof GAME.declaration> = {
      game: GAME, store, viewCapacity: VIEW,
      join: (player) => store.spawn('runner', { position: { x: player * 2, y: 0 } }, player),
      leave: (_p, avatar) => store.despawn(avatar),
      input: () => {},
      step,
      visible: (avatar, out) => visible(avatar & 0xfffff, out),
    };
    const server = await DeclaredServer.start({ module, host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {}, encodeWorkers: 2 });
    const crypto = await loadServerCrypto();
    const clients = await Promise.all([1, 2].map(() => DeclaredClient.create({ game: GAME, tokenUrl: `http://127.0.0.1:${server.httpPort}/connect`, crypto, transport: 'udp', udp: connectUdp })));
    try {
      for (const c of clients) await c.connect();
      await waiter(15_000, 20)('snapshots from both workers', () => clients.every((c) => c.stats.snapshots > 20));
      expect(server.health()).toMatchObject({ encodeWorkers: { workers: 2, alive: 2, givenUp: 0, outOfRoom: 0 } });
      // And on /metrics, read from the pool when scraped.
      const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
      expect(metrics).toMatch(/^chronos_encode_workers_alive 2$/m);
      expect(metrics).toMatch(/^chronos_encode_main_thread_players \d+$/m);
      expect(metrics).toMatch(/^chronos_encode_out_of_room_total 0$/m);
      expect(metrics).toMatch(/^chronos_encode_workers_given_up_total 0$/m);
      expect(Number(/^chronos_encode_worker_busy_seconds_total (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
      for (const c of clients) {
        const other = clients.find((o) => o !== c)!;
        expect(c.replica!.value(c.avatarId, 'purse.coins')).toBeDefined();
        if (c.replica!.has(other.avatarId)) expect(c.replica!.value(other.avatarId, 'purse.coins')).toBeUndefined();
        expect(Object.values(c.stats.drops).reduce((a, b) => a + b, 0)).toBe(0);
      }
    } finally {
      for (const c of clients) c.close();
      await server.stop();
    }
  }, 30_000);

  it('gives its workers at most a quarter of the room the arena has left: none where that is too little, and they encode in JavaScript', async () => {
    const probe = new Arena(await loadChronos());
    probe.allocate('probe', GameStore.bytesFor(GAME, 600));
    // Room for the store and 2 MiB more: a quarter of that is under a worker's least.
    const pages = Math.ceil(probe.stats().topByte / 65536) + 32;
    const arena = new Arena(await loadChronos({ initialPages: pages, maximumPages: pages }));
    const { store, ids, step, visible } = await world(21, arena);
    const pool = await EncodePool.start(store, { viewCapacity: VIEW, maxMessageBytes: 1200, workers: 2, log: () => {}, arena });
    pools.push(pool);
    expect(arena.stats().regions.filter((r) => r.name.startsWith('encode-worker-'))).toEqual([]);
    const local = new LocalEncoders(store, { viewCapacity: VIEW, maxMessageBytes: 1200 });
    for (let p = 1; p <= 4; p++) {
      pool.add(p, p);
      local.add(p, p);
    }
    for (let tick = 0; tick < 10; tick++) {
      step();
      pool.begin();
      local.begin();
      for (let p = 1; p <= 4; p++) {
        const me = ids[p * 4]! & 0xfffff;
        const n = visible(me, local.slots(p));
        visible(me, pool.slots(p));
        pool.job(p, tick, n, 1200, -1, 0, me);
        local.job(p, tick, n, 1200, -1, 0, me);
      }
      pool.run();
      local.run();
      for (let p = 1; p <= 4; p++) expect(pool.result(p)).toEqual(local.result(p));
    }
    expect(pool.wasmEncoders).toBe(0);
  });

  it('refuses a store that is not in shared memory', async () => {
    const store = new GameStore(GAME, { capacity: 8 });
    await expect(EncodePool.start(store, { workers: 1, viewCapacity: 8, maxMessageBytes: 1200, log: () => {} })).rejects.toThrow(ConfigError);
  });
});
