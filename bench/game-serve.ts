// The `game` suite's serving case: a declared game's whole server tick, socketless, as the
// `server` suite measures the arena shooter's. Skyworld (examples/skyworld: 2,000 NPCs, props and
// pickups, 61 types, TypeScript rules with lag-compensated zaps) on DeclaredServer with its
// network workers on the ring transport (packets through shared memory: the server is measured,
// not the kernel's UDP path), and N players in this thread as real NetClients: each decodes its
// snapshots into a GameReplica, acknowledges them, and plays by Skyworld's bot brain from what it
// was sent, streaming one input a tick as the page does. Their work happens between the server's
// ticks and is not timed.
//
// | case               | timed, per tick                                                       |
// |--------------------|-----------------------------------------------------------------------|
// | serve-skyworld-200 | the workers open the players' packets (inputs and acks in), the main  |
// |                    | thread's tick (inputs applied, step, every player's view and snapshot)|
// |                    | and the workers seal and hand every packet to the transport           |
// | serve-arena-       | the same, for the arena shooter (examples/arena-shooter: its rules in |
// | shooter-1000       | its own AssemblyScript module) in the seed's world: 99,000 NPCs over  |
// |                    | 10 km x 10 km, 1,000 players appearing at its hubs and moving and     |
// |                    | firing by the seed's archetype brains, views of 200 m by the engine's |
// |                    | DeclaredInterest, refreshed by the seed's distance zones (60, 20, 5   |
// |                    | and 1 Hz): the `server` suite's tick-1k-players                       |
// | serve-arena-crowd- | the same, 500 players all within 40 m of one hub, with the game's own |
// | 500                | views (100 m, its zones): `chronos` narrows crowded views (CROWD),    |
// |                    | `chronos-whole-views` does not (each cut to its nearest 1,024)        |
//
// Impls: `chronos` (a network worker per core, snapshots encoded on the main thread),
// `chronos-1-worker`, and `chronos-encode-workers` (a network worker per core and an encode
// worker per core but one: the main thread encodes a share of the players while they encode
// the rest). Metrics as the server suite's: cpu_us_per_player_tick (main thread plus every
// worker's busy time, the encode workers' included), its main-thread share, bytes_per_client
// (UDP payload a player is sent per tick, headers and tags included), snapshots_per_player_tick
// (shedding is off: every player is sent every tick), view_mean (entities in a player's view) and
// views_narrowed_pct (the share of views the crowd narrowed).

import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { NetClient } from '../src/net/client.js';
import type { NetCrypto } from '../src/net/crypto.js';
import type { Transport } from '../src/net/transport.js';
import { loadServerCrypto } from '../src/net/crypto-node.js';
import { DeclaredServer } from '../src/server/declared-server.js';
import { declaredChannels, DECLARED_INPUT_CHANNEL, DECLARED_JOIN_CHANNEL, DECLARED_SNAPSHOT_CHANNEL } from '../src/client/declared-channels.js';
import { decodeGameJoin, encodeGameAck, encodeGameInput, GAME_ACK_BYTES, GAME_INPUT_HEADER_BYTES, MSG_GAME_JOIN } from '../src/codec/declared-messages.js';
import { MSG_GAME_SNAPSHOT } from '../src/codec/game-frames.js';
import { GameInputCodec } from '../src/codec/game-input.js';
import { GameReplica } from '../src/codec/game-replica.js';
import type { Game, GameDeclaration } from '../src/core/game.js';
import type { GameInput } from '../src/codec/game-input.js';
import type { DeclaredGameModule } from '../src/server/declared-game.js';
import { mulberry32 } from '../src/core/mulberry32.js';
import { SKYWORLD } from '../examples/skyworld/game.js';
import { skyworldModule } from '../examples/skyworld/module.js';
import { SkyworldBot, botViewOf } from '../examples/skyworld/bot.js';
import { GAME as ARENA_SHOOTER, IDLE as ARENA_IDLE } from '../examples/arena-shooter/game.js';
import { createArena } from '../examples/arena-shooter/module.js';
import { HUB_SPAWN_RADIUS_M, worldHubs } from './hubs.js';
import { archetypeBrains, WORLD_ENTITIES, WORLD_M, WORLD_SEED } from './archetype-brains.js';
import type { CaseResult, SuiteContext } from './harness.js';
import { collectTicks, joinAndWarm, ringEntry, ringTicks, tickRow, totalBytesOut } from './ring-ticks.js';

const SUITE = 'game';
const ENTITIES = 2000;
const SEED = 1;
const WARMUP_TICKS = 120;
/** Inputs each message repeats (the SDK's DeclaredClient sends its newest 4 the same way). */
const REPEATED = 4;

/** A bench player's brain: its next input from what it was sent (its replica and its avatar's id). */
type Brain<D extends GameDeclaration> = (replica: GameReplica<D>, avatar: number, frame: number) => GameInput<D>;

/** A declared game's player without a page: a NetClient, its replica, its acks, its brain's input stream. */
class SwarmPlayer<D extends GameDeclaration> {
  readonly net: NetClient;
  replica: GameReplica<D> | null = null;
  avatar = -1;
  snapshots = 0;
  private seq = -1;
  private readonly ring: Uint8Array;
  private readonly message: Uint8Array;
  private readonly ack = new Uint8Array(GAME_ACK_BYTES);

  constructor(private readonly game: Game<D>, private readonly brain: Brain<D>, crypto: NetCrypto, private readonly codec: GameInputCodec<D>) {
    this.ring = new Uint8Array(REPEATED * codec.bytes);
    this.message = new Uint8Array(GAME_INPUT_HEADER_BYTES + REPEATED * codec.bytes);
    this.net = new NetClient({
      crypto,
      // A handshake takes a few of the bench's frames, and with thousands of players a frame
      // (the server's tick and every client's decoding) takes most of a second: the default 5 s
      // would end the later joiners' attempts. The bench times the tick, not the handshake.
      handshakeTimeoutMs: 120_000,
      channels: declaredChannels(codec.bytes),
      handlers: { message: (channel, bytes) => this.receive(channel, bytes) },
    });
  }

  get joined(): boolean {
    return this.replica !== null;
  }

  connect(token: Uint8Array, transport: Transport): void {
    this.net.connect(token, transport, 'ring', 0);
  }

  private receive(channel: number, bytes: Uint8Array): void {
    if (channel === DECLARED_JOIN_CHANNEL && bytes[0] === MSG_GAME_JOIN) {
      const join = decodeGameJoin(bytes);
      this.avatar = join.avatarId;
      this.replica = new GameReplica(this.game, { viewCapacity: join.viewCapacity });
    } else if (channel === DECLARED_SNAPSHOT_CHANNEL && bytes[0] === MSG_GAME_SNAPSHOT && this.replica) {
      const { seq } = this.replica.decode(bytes);
      this.snapshots++;
      this.net.send(DECLARED_SNAPSHOT_CHANNEL, encodeGameAck(seq, this.ack));
    }
  }

  /** One frame: the bot's input (one a tick, the newest four in one message), then packets out. */
  frame(nowMs: number): void {
    if (this.replica) {
      const seq = ++this.seq;
      const input = this.brain(this.replica, this.avatar, seq);
      this.codec.encode(input, this.ring, (seq % REPEATED) * this.codec.bytes);
      const count = Math.min(REPEATED, seq + 1);
      const first = seq - count + 1;
      const r = this.codec.bytes;
      const bytes = encodeGameInput(first, count, r, (i, out, offset) => {
        const at = ((first + i) % REPEATED) * r;
        out.set(this.ring.subarray(at, at + r), offset);
      }, this.message, true);
      this.net.send(DECLARED_INPUT_CHANNEL, bytes);
      this.net.flush(nowMs);
    }
    this.net.update(nowMs);
  }
}

/** What a serving case serves: the game, its module for N players, and bot i's brain. */
interface ServedGame<D extends GameDeclaration> {
  readonly game: Game<D>;
  module(players: number): Promise<DeclaredGameModule<D>>;
  brain(index: number): Brain<D>;
  /** Counters the case reports beside the tick's (per second), read before and after. */
  extras?(): Record<string, number>;
}

async function runCase<D extends GameDeclaration>(ctx: SuiteContext, served: ServedGame<D>, caseName: string, impl: string, players: number, workers: number, encodeWorkers: number, suite = SUITE): Promise<CaseResult> {
  const crypto = await loadServerCrypto();
  const module = await served.module(players);
  const server = await DeclaredServer.start({
    module, host: '127.0.0.1', httpPort: 0, udpPort: 0, maxClients: players, log: () => undefined,
    manualTicks: true, netWorkers: workers, netTransport: 'ring',
    // Every player a snapshot every tick: the cost of serving them all, not of shedding.
    shedLoad: false,
    ...(encodeWorkers > 0 ? { encodeWorkers } : {}),
  });
  try {
    const shards = server.net.pool!.shards;
    const { peers, tick } = ringTicks(shards, () => server.runTick(), () => server.encodeWorkerBusyMs);
    const codec = new GameInputCodec(served.game);
    const swarm: SwarmPlayer<D>[] = [];
    const clientsFrame = () => {
      peers.forEach((p) => p.deliver());
      const now = performance.now();
      for (const p of swarm) p.frame(now);
    };
    ctx.log(`  ${caseName} ${impl}: ${players} players joining over ${workers} network worker(s)${encodeWorkers > 0 ? `, ${encodeWorkers} encode worker(s)` : ''}`);
    // Join in waves (a server takes a few thousand handshakes a second, and each worker's ring
    // holds so many packets): 500 at a time, a tick between.
    for (let i = 0; i < players; i++) {
      const p = new SwarmPlayer(served.game, served.brain(i), crypto, codec);
      const { token, transport } = ringEntry(server.net.server.issuer, peers, i);
      p.connect(token, transport);
      swarm.push(p);
      if (i % 500 === 499) {
        clientsFrame();
        tick();
      }
    }
    joinAndWarm(`${caseName}/${impl}`, players, () => swarm.filter((p) => p.joined).length, clientsFrame, tick, WARMUP_TICKS);
    const bytesOut0 = totalBytesOut(shards);
    const extras0 = served.extras?.() ?? {};
    const snapshots0 = swarm.reduce((n, p) => n + p.snapshots, 0);
    const views0 = module.interestStats ? { ...module.interestStats } : null;
    const costs = collectTicks(ctx.timeMs, clientsFrame, tick);
    const views1 = module.interestStats;
    const bytesPerClient = (totalBytesOut(shards) - bytesOut0) / players / costs.length;
    const row = tickRow(suite, caseName, impl, players, costs, {
      workers,
      encode_workers: encodeWorkers,
      entities: module.store.alive,
      bytes_per_client: bytesPerClient,
      // The game's DeclaredInterest: entities in a view (mean), and the share of views narrowed in a crowd.
      ...(views0 && views1 ? {
        view_mean: (views1.viewed - views0.viewed) / Math.max(1, views1.queries - views0.queries),
        views_narrowed_pct: (100 * (views1.narrowed - views0.narrowed)) / Math.max(1, views1.queries - views0.queries),
      } : {}),
      ...Object.fromEntries(Object.entries(served.extras?.() ?? {}).map(([k, v]) => [`${k}_per_sec`, ((v - (extras0[k] ?? 0)) / costs.length) * 60])),
      // 1 but for the joins and losses: the bench turns shedding off.
      snapshots_per_player_tick: (swarm.reduce((n, p) => n + p.snapshots, 0) - snapshots0) / players / costs.length,
    });
    ctx.log(`  ${caseName.padEnd(22)} ${impl.padEnd(18)} median ${(row.median_ns / 1e6).toFixed(2)} ms/tick  p99 ${(row.p99_ns / 1e6).toFixed(2)} ms  cpu ${row.metrics.cpu_us_per_player_tick!.toFixed(1)} us/player (main thread ${row.metrics.main_thread_us_per_player_tick!.toFixed(1)})  ${bytesPerClient.toFixed(0)} B/client/tick`);
    return row;
  } finally {
    await server.stop();
  }
}

/** The three ways a serving case runs: a network worker per core, one, and encode workers beside. */
async function serveCases<D extends GameDeclaration>(ctx: SuiteContext, served: ServedGame<D>, name: string, players: number, suite = SUITE): Promise<CaseResult[]> {
  const cores = availableParallelism();
  // GAME_SERVE_IMPL=chronos-encode-workers (say): that way alone, for a profile or a quick before/after.
  const only = process.env.GAME_SERVE_IMPL;
  const ways: [string, number, number][] = [
    ['chronos', cores, 0],
    ['chronos-1-worker', 1, 0],
    ['chronos-encode-workers', cores, Math.max(1, cores - 1)],
  ];
  const rows: CaseResult[] = [];
  for (const [impl, workers, encoders] of ways) if (!only || only === impl) rows.push(await runCase(ctx, served, name, impl, players, workers, encoders, suite));
  return rows;
}

/** serve-skyworld-200 on a network worker per core and on one, and with encode workers. */
export async function serveSkyworld(ctx: SuiteContext): Promise<CaseResult[]> {
  const players = Number(process.env.GAME_SERVE_PLAYERS ?? 200);
  // GAME_SERVE_SPREAD_M: players start scattered over that many metres around the middle
  // instead of together at it (every one in every other's view), as a live world's are.
  const spreadM = Number(process.env.GAME_SERVE_SPREAD_M ?? 0);
  let sim: ReturnType<typeof skyworldModule>['sim'] | undefined;
  const served: ServedGame<typeof SKYWORLD.declaration> = {
    game: SKYWORLD,
    module: async (n) => {
      const module = skyworldModule({ entities: ENTITIES, seed: SEED, maxPlayers: n, playerSpreadM: spreadM });
      sim = module.sim;
      return module;
    },
    brain: (i) => {
      const bot = new SkyworldBot(SEED + i);
      return (replica, avatar) => bot.think(botViewOf(replica, avatar));
    },
    extras: () => ({ zap_hits: sim?.hitboxes.counters.hits ?? 0 }),
  };
  return serveCases(ctx, served, `serve-skyworld-${players}${spreadM > 0 ? `-spread-${spreadM}` : ''}`, players);
}

/** How an arena case places and views its players. */
interface ArenaServing {
  /** Every player within HUB_SPAWN_RADIUS_M of the world's first hub, not of its archetype's. */
  readonly oneHub: boolean;
  /** View radius (metres) and update zones: world mode's 200 m and its zones, or the game's own (100 m, ZONES). */
  readonly worldModeViews: boolean;
  /** The game's crowd narrowing (default), or false: views never narrow (cut to the nearest at the capacity). */
  readonly crowd?: false;
}

/** The arena shooter in the seed's world, served to `players` bots moved by its archetype brains. */
function arenaServed(players: number, how: ArenaServing): ServedGame<typeof ARENA_SHOOTER.declaration> {
  const brains = archetypeBrains(players);
  const half = WORLD_M / 2;
  const hubs = worldHubs(WORLD_SEED, { minX: -half, minY: -half, minZ: 0, maxX: half, maxY: half, maxZ: 100 });
  const decided = { moveX: 0, moveY: 0, aim: 0, fire: false };
  let kills = (): number => 0;
  return {
    game: ARENA_SHOOTER,
    module: async (n) => {
      // The seed's zones at a 200 m radius (7.5 %, 30 % and 65 % of it at 60, 20 and 5 Hz, the rest at 1 Hz), as the `server` suite has always measured.
      const views = how.worldModeViews
        ? { viewRadiusM: 200, zones: { x: 'position.x', y: 'position.y', bands: [{ withinM: 15, hz: 60 }, { withinM: 60, hz: 20 }, { withinM: 130, hz: 5 }], beyondHz: 1 } as const }
        : {};
      const module = await createArena({ seed: WORLD_SEED, npcs: WORLD_ENTITIES - n, npcSpreadM: half, maxPlayers: n, ...views, ...(how.crowd === false ? { crowd: false } : {}) });
      const { store } = module;
      const rand = mulberry32(WORLD_SEED);
      const join = module.join;
      const player = ARENA_SHOOTER.typeIndex.get('player')! + 1;
      kills = () => {
        let k = 0;
        for (let s = 0; s < store.highWater; s++) if (store.typeColumn[s] === player) k += store.get(store.idAt(s), 'weapon.kills') as number;
        return k;
      };
      return {
        ...module,
        // Player p is bench player p - 1 (DeclaredServer numbers them from 1 in join order).
        join: (p: number) => {
          const avatar = join(p);
          const hub = how.oneHub ? hubs[0]! : hubs[brains.hub(p - 1)] ?? hubs[0]!;
          const angle = rand() * 2 * Math.PI;
          const distance = Math.sqrt(rand()) * HUB_SPAWN_RADIUS_M;
          store.set(avatar, 'position.x', Math.max(-half + 1, Math.min(half - 1, hub.x + Math.cos(angle) * distance)));
          store.set(avatar, 'position.y', Math.max(-half + 1, Math.min(half - 1, hub.y + Math.sin(angle) * distance)));
          return avatar;
        },
      };
    },
    brain: (i) => (replica, avatar, frame) => {
      const me = replica.entity(avatar);
      const p = me?.position as { x: number; y: number } | undefined;
      if (!p) return ARENA_IDLE;
      brains.input(i, p.x, p.y, frame, decided);
      // Projectiles, not the rifle, as the server suite's players fire (its bench client keeps no view to aim by).
      return { ...ARENA_IDLE, moveX: decided.moveX / 127, moveY: decided.moveY / 127, fire: decided.fire, aim: (decided.aim / 65536) * 2 * Math.PI };
    },
    extras: () => ({ kills: kills() }),
  };
}

/**
 * The arena shooter served in the seed's world (archetype-brains.ts: 100,000 entities, NPCs
 * filling what the players leave, over 10 km), each player appearing within 40 m of its
 * archetype's hub and moved by its archetype brain, views of 200 m and the seed's zones: the
 * `server` suite's tick-1k-players and tick-10k-players.
 */
export function serveArenaWorld(ctx: SuiteContext, name: string, players: number): Promise<CaseResult[]> {
  return serveCases(ctx, arenaServed(players, { oneHub: false, worldModeViews: true }), name, players, 'server');
}

/**
 * serve-arena-shooter-1000: the arena shooter's module (its own AssemblyScript rules) in the
 * seed's world, as the `server` suite's tick-1k-players (ARENA_SERVE_PLAYERS=N changes the count).
 */
export async function serveArenaShooter(ctx: SuiteContext): Promise<CaseResult[]> {
  const players = Number(process.env.ARENA_SERVE_PLAYERS ?? 1000);
  return serveCases(ctx, arenaServed(players, { oneHub: false, worldModeViews: true }), `serve-arena-shooter-${players}`, players);
}

/**
 * serve-arena-crowd-500: the same world, but every player appears within 40 m of one hub (the
 * seed's "500+ players in the same area"), with the game's own views (100 m, its zones) as
 * `npm start` serves it. `chronos`: a crowded view narrows towards 180 entities (CROWD);
 * `chronos-whole-views`: views never narrow, so each is cut to its nearest 1,024 every tick.
 * ARENA_CROWD_PLAYERS=N changes the count.
 */
export async function serveArenaCrowd(ctx: SuiteContext): Promise<CaseResult[]> {
  const players = Number(process.env.ARENA_CROWD_PLAYERS ?? 500);
  const workers = availableParallelism();
  const name = `serve-arena-crowd-${players}`;
  const only = process.env.GAME_SERVE_IMPL;
  const rows: CaseResult[] = [];
  if (!only || only === 'chronos') rows.push(await runCase(ctx, arenaServed(players, { oneHub: true, worldModeViews: false }), name, 'chronos', players, workers, 0));
  if (!only || only === 'chronos-whole-views') rows.push(await runCase(ctx, arenaServed(players, { oneHub: true, worldModeViews: false, crowd: false }), name, 'chronos-whole-views', players, workers, 0));
  return rows;
}
