// Suite `server`: the whole world-mode server tick, socketless. A GameServer in world mode with
// its network workers on the ring transport (packets through shared memory: the server is
// measured, not the kernel's UDP path), and N players in this thread as real NetClients
// (bench/server-swarm.ts) that move by the seed's archetypes and acknowledge what they receive.
//
// | case              | world                                  | timed, per tick                          |
// |-------------------|----------------------------------------|------------------------------------------|
// | tick-1k-players   | 1,000 players among 100,000 entities   | the workers open the players' packets    |
// | tick-10k-players  | 10,000 players among 100,000 entities  | (inputs in), the main thread's tick      |
// |                   | (NPCs fill the rest), 10 km x 10 km    | (inputs applied, step, spatial update,   |
// |                   |                                        | interest, encode, OWN), the workers seal |
// |                   |                                        | and hand every packet to the transport   |
//
// Impls: `chronos` (one network worker per core, as `npm run demo` runs) and `chronos-1-worker`.
// The time is wall-clock from the first packet opened to the last packet handed over; metrics:
// cpu_us_per_player_tick (the main thread's tick plus every worker's busy time, per player: on
// a machine with spare cores, what the tick costs in CPU), bytes_per_client (UDP payload bytes
// each player is sent per tick, packet headers and tags included), memory_bytes_per_client (the
// arena's growth plus the workers' heaps' growth while the players joined, per player).

import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { GameServer } from '../src/server/game-server.js';
import { loadServerCrypto } from '../src/net/crypto-node.js';
import { worldHubs } from '../src/world/hubs.js';
import { ArchetypeBrain, archetypeHub, assignArchetypes, type BotInput } from '../src/world/archetypes.js';
import { mulberry32 } from '../src/core/mulberry32.js';
import type { CaseResult, Suite, SuiteContext } from './harness.js';
import { SwarmPlayer, type SwarmBrain } from './server-swarm.js';
import { collectTicks, joinAndWarm, ringEntry, ringTicks, tickRow, totalBytesOut } from './ring-ticks.js';

const SUITE = 'server';
export const ENTITIES = 100_000;
export const WORLD_M = 10_000;
export const SEED = 7;
/** Ticks before measuring: views fill, baselines get acknowledged, the JIT settles. */
const WARMUP_TICKS = 120;

/** Moves each bench player by its archetype (the same brains `npm run demo:bots` uses); the game suite's serve-arena-shooter reuses them. */
export function archetypeBrains(players: number): SwarmBrain {
  const bounds = { minX: -WORLD_M / 2, minY: -WORLD_M / 2, minZ: 0, maxX: WORLD_M / 2, maxY: WORLD_M / 2, maxZ: 100 };
  const hubs = worldHubs(SEED, bounds);
  const kinds = assignArchetypes(players);
  const rand = mulberry32(SEED);
  const homes = kinds.map((k) => archetypeHub(k, hubs, rand));
  const brains = kinds.map((k, i) => new ArchetypeBrain({ archetype: k, hubs, homeHub: homes[i]!, bounds, playerSpeedMps: 6, shotRangeM: 100, seed: SEED + i }));
  const decided: BotInput = { moveX: 0, moveY: 0, aimRad: 0, fire: false, shoot: false };
  return {
    hub: (i) => homes[i]!,
    input(i, x, y, tick, out) {
      // No view: combatants fire projectiles rather than aimed hitscans (the bench client keeps none).
      const b = brains[i]!.think(x, y, tick * (1000 / 60), null, -1, decided);
      out.moveX = Math.max(-127, Math.min(127, Math.round(b.moveX * 127)));
      out.moveY = Math.max(-127, Math.min(127, Math.round(b.moveY * 127)));
      const turns = b.aimRad / (2 * Math.PI);
      out.aim = Math.round((turns - Math.floor(turns)) * 65536) & 0xffff;
      out.fire = b.fire || b.shoot;
    },
  };
}

async function runCase(ctx: SuiteContext, caseName: string, impl: string, players: number, workers: number): Promise<CaseResult> {
  const crypto = await loadServerCrypto();
  const server = await GameServer.start({
    host: '127.0.0.1', httpPort: 0, udpPort: 0, npcs: ENTITIES - players, worldSizeM: WORLD_M, seed: SEED, maxClients: players,
    processMetrics: false, log: () => undefined, workers, workerTransport: 'ring', manualTicks: true,
  });
  try {
    const shards = server.net.pool!.shards;
    const { peers, tick } = ringTicks(shards, () => server.runTick());
    const brain = archetypeBrains(players);
    const swarm: SwarmPlayer[] = [];
    const arena0 = server.arena.memoryBuffer.byteLength;
    const heaps0 = shards.reduce((a, s) => a + (s.counters?.heapUsed ?? 0), 0);
    let frame = 0;
    const clientsFrame = () => {
      peers.forEach((p) => p.deliver());
      const now = performance.now();
      for (const p of swarm) p.frame(frame, now);
      frame++;
    };
    // Join in waves (a server takes a few thousand handshakes a second).
    ctx.log(`  ${caseName} ${impl}: ${players} players joining over ${workers} worker(s)`);
    for (let i = 0; i < players; i++) {
      const p = new SwarmPlayer(i, crypto, brain);
      const { token, transport } = ringEntry(server.net.server.issuer, peers, i);
      p.connect(token, transport);
      swarm.push(p);
      if (i % 500 === 499) {
        clientsFrame();
        tick();
      }
    }
    joinAndWarm(`${caseName}/${impl}`, players, () => swarm.filter((p) => p.joined).length, clientsFrame, tick, WARMUP_TICKS);
    const arenaBytes = server.arena.memoryBuffer.byteLength - arena0;
    await new Promise((r) => setTimeout(r, 1100)); // the workers report their heaps once a second
    const workerHeaps = Math.max(0, shards.reduce((a, s) => a + (s.counters?.heapUsed ?? 0), 0) - heaps0);
    const bytesOut0 = totalBytesOut(shards);
    const costs = collectTicks(ctx.timeMs, clientsFrame, tick);
    const bytesPerClient = (totalBytesOut(shards) - bytesOut0) / players / costs.length;
    const row = tickRow(SUITE, caseName, impl, players, costs, {
      workers,
      bytes_per_client: bytesPerClient,
      memory_bytes_per_client: (arenaBytes + workerHeaps) / players,
      arena_bytes_per_client: arenaBytes / players,
      worker_heap_bytes_per_client: workerHeaps / players,
    });
    const wallMs = row.median_ns / 1e6;
    ctx.log(`  ${caseName.padEnd(18)} ${impl.padEnd(18)} median ${wallMs.toFixed(2)} ms/tick  p99 ${(row.p99_ns / 1e6).toFixed(2)} ms  cpu ${row.metrics.cpu_us_per_player_tick!.toFixed(2)} us/player (main thread ${row.metrics.main_thread_us_per_player_tick!.toFixed(2)})  ${bytesPerClient.toFixed(0)} B/client/tick`);
    return row;
  } finally {
    await server.stop();
  }
}

export const suite: Suite = {
  name: SUITE,
  description: 'the whole world-mode server tick (inputs in, step, spatial, interest, encode, seal, hand to the transport), socketless',
  async run(ctx) {
    const cores = availableParallelism();
    const results: CaseResult[] = [];
    // SERVER_BENCH_PLAYERS=1000 runs the 1k case alone (a quick look, or a profile).
    const only = Number(process.env.SERVER_BENCH_PLAYERS ?? 0);
    for (const [caseName, players] of [['tick-1k-players', 1_000], ['tick-10k-players', 10_000]] as const) {
      if (only && only !== players) continue;
      results.push(await runCase(ctx, caseName, 'chronos', players, cores));
      results.push(await runCase(ctx, caseName, 'chronos-1-worker', players, 1));
    }
    return results;
  },
};
