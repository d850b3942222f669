// The `game` suite's serving case: a declared game's whole server tick, socketless, as the
// `server` suite measures world mode's. Skyworld (examples/skyworld: 2,000 NPCs, props and
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
//
// Impls: `chronos` (a network worker per core, snapshots encoded on the main thread),
// `chronos-1-worker`, and `chronos-encode-workers` (a network worker per core and an encode
// worker per core but one: the main thread encodes a share of the players while they encode
// the rest). Metrics as the server suite's: cpu_us_per_player_tick (main thread plus every
// worker's busy time, the encode workers' included), its main-thread share, bytes_per_client
// (UDP payload a player is sent per tick, headers and tags included), snapshots_per_player_tick
// (shedding is off: every player is sent every tick).

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
import { SKYWORLD, type SkyworldDeclaration } from '../examples/skyworld/game.js';
import { skyworldModule } from '../examples/skyworld/module.js';
import { SkyworldBot, botViewOf } from '../examples/skyworld/bot.js';
import type { CaseResult, SuiteContext } from './harness.js';
import { collectTicks, joinAndWarm, ringEntry, ringTicks, tickRow, totalBytesOut } from './ring-ticks.js';

const SUITE = 'game';
const ENTITIES = 2000;
const SEED = 1;
const WARMUP_TICKS = 120;
/** Inputs each message repeats (the SDK's DeclaredClient sends its newest 4 the same way). */
const REPEATED = 4;

/** A Skyworld player without a page: a NetClient, its replica, its acks, its bot's input stream. */
class SkyworldSwarmPlayer {
  readonly net: NetClient;
  replica: GameReplica<SkyworldDeclaration> | null = null;
  avatar = -1;
  snapshots = 0;
  private seq = -1;
  private readonly bot: SkyworldBot;
  private readonly ring: Uint8Array;
  private readonly message: Uint8Array;
  private readonly ack = new Uint8Array(GAME_ACK_BYTES);

  constructor(index: number, crypto: NetCrypto, private readonly codec: GameInputCodec<SkyworldDeclaration>) {
    this.bot = new SkyworldBot(SEED + index);
    this.ring = new Uint8Array(REPEATED * codec.bytes);
    this.message = new Uint8Array(GAME_INPUT_HEADER_BYTES + REPEATED * codec.bytes);
    this.net = new NetClient({
      crypto,
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
      this.replica = new GameReplica(SKYWORLD, { viewCapacity: join.viewCapacity });
    } else if (channel === DECLARED_SNAPSHOT_CHANNEL && bytes[0] === MSG_GAME_SNAPSHOT && this.replica) {
      const { seq } = this.replica.decode(bytes);
      this.snapshots++;
      this.net.send(DECLARED_SNAPSHOT_CHANNEL, encodeGameAck(seq, this.ack));
    }
  }

  /** One frame: the bot's input (one a tick, the newest four in one message), then packets out. */
  frame(nowMs: number): void {
    if (this.replica) {
      const input = this.bot.think(botViewOf(this.replica, this.avatar));
      const seq = ++this.seq;
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

async function runCase(ctx: SuiteContext, caseName: string, impl: string, players: number, workers: number, encodeWorkers: number, spreadM: number): Promise<CaseResult> {
  const crypto = await loadServerCrypto();
  const module = skyworldModule({ entities: ENTITIES, seed: SEED, maxPlayers: players, playerSpreadM: spreadM });
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
    const codec = new GameInputCodec(SKYWORLD);
    const swarm: SkyworldSwarmPlayer[] = [];
    const clientsFrame = () => {
      peers.forEach((p) => p.deliver());
      const now = performance.now();
      for (const p of swarm) p.frame(now);
    };
    ctx.log(`  ${caseName} ${impl}: ${players} players joining over ${workers} network worker(s)${encodeWorkers > 0 ? `, ${encodeWorkers} encode worker(s)` : ''}`);
    for (let i = 0; i < players; i++) {
      const p = new SkyworldSwarmPlayer(i, crypto, codec);
      const { token, transport } = ringEntry(server.net.server.issuer, peers, i);
      p.connect(token, transport);
      swarm.push(p);
    }
    joinAndWarm(`${caseName}/${impl}`, players, () => swarm.filter((p) => p.joined).length, clientsFrame, tick, WARMUP_TICKS);
    const bytesOut0 = totalBytesOut(shards);
    const hits0 = module.sim.hitboxes.counters.hits;
    const snapshots0 = swarm.reduce((n, p) => n + p.snapshots, 0);
    const costs = collectTicks(ctx.timeMs, clientsFrame, tick);
    const bytesPerClient = (totalBytesOut(shards) - bytesOut0) / players / costs.length;
    const row = tickRow(SUITE, caseName, impl, players, costs, {
      workers,
      encode_workers: encodeWorkers,
      entities: module.store.alive,
      bytes_per_client: bytesPerClient,
      zap_hits_per_sec: ((module.sim.hitboxes.counters.hits - hits0) / costs.length) * 60,
      // 1 but for the joins and losses: the bench turns shedding off.
      snapshots_per_player_tick: (swarm.reduce((n, p) => n + p.snapshots, 0) - snapshots0) / players / costs.length,
    });
    ctx.log(`  ${caseName.padEnd(22)} ${impl.padEnd(18)} median ${(row.median_ns / 1e6).toFixed(2)} ms/tick  p99 ${(row.p99_ns / 1e6).toFixed(2)} ms  cpu ${row.metrics.cpu_us_per_player_tick!.toFixed(1)} us/player (main thread ${row.metrics.main_thread_us_per_player_tick!.toFixed(1)})  ${bytesPerClient.toFixed(0)} B/client/tick`);
    return row;
  } finally {
    await server.stop();
  }
}

/** serve-skyworld-200 on a network worker per core and on one, and with encode workers. */
export async function serveSkyworld(ctx: SuiteContext): Promise<CaseResult[]> {
  const players = Number(process.env.GAME_SERVE_PLAYERS ?? 200);
  // GAME_SERVE_SPREAD_M: players start scattered over that many metres around the middle
  // instead of together at it (every one in every other's view), as a live world's are.
  const spreadM = Number(process.env.GAME_SERVE_SPREAD_M ?? 0);
  const name = `serve-skyworld-${players}${spreadM > 0 ? `-spread-${spreadM}` : ''}`;
  const cores = availableParallelism();
  return [
    await runCase(ctx, name, 'chronos', players, cores, 0, spreadM),
    await runCase(ctx, name, 'chronos-1-worker', players, 1, 0, spreadM),
    await runCase(ctx, name, 'chronos-encode-workers', players, cores, Math.max(1, cores - 1), spreadM),
  ];
}
