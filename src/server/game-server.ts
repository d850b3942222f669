// GameServer: the 60 Hz authoritative loop and everything wired to it. It owns the WASM module,
// the arena and the demo game (the reference game: NPCs, players, projectiles, hit points,
// lag-compensated hitscan) in one of two modes (mode-host.ts): world mode (WorldHost, the
// default: any number of players in one authoritative world, each predicting its own avatar)
// or arena mode (PlayHost: a 64-seat lockstep-rollback room). It runs the fixed-step clock, the
// spatial index and interest management over the mode's world, and serves the page, /healthz,
// /metrics, /players, /game.json and POST /connect (connect tokens) over HTTP; the network layer
// (src/net) speaks the encrypted protocol on the UDP game port and, for browsers, on the /ws
// WebSocket. The sockets are made in listeners.ts, the reports (/healthz, /game.json, the status
// line) in server-report.ts.

import type { Server } from 'node:http';
import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { WebSocketServer } from 'ws';
import { FixedStepClock } from '../core/clock.js';
import { resolveConfig, type ChronosConfig, type PartialConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { SaveStoreError } from '../persist/errors.js';
import type { World } from '../core/world.js';
import { Arena } from '../wasm/arena.js';
import { findBuildPath, loadChronos, MODULE_MAXIMUM_PAGES } from '../wasm/loader.js';
import { createServerFront } from './server-front.js';
import { ServerMetrics } from './metrics.js';
import { TickLoop } from './tick-loop.js';
import { loadStaticFiles } from './static-files.js';
import type { NetHost } from './net-host.js';
import { loadServerCrypto } from '../net/crypto-node.js';
import type { NetCrypto } from '../net/crypto.js';
import { PLAY_CHANNELS } from '../client/play-channels.js';
import { createDemoGame, demoGameParams, DEFAULT_MAX_PLAYERS } from '../client/demo-game.js';
import type { SimRules } from '../rollback/reference-game.js';
import { ServerSpatial } from './spatial-service.js';
import { PlayHost } from './play-host.js';
import { registerPlayMetrics } from './play-metrics.js';
import { WorldHost } from './world-host.js';
import { registerWorldMetrics } from './world-metrics.js';
import { WorldGame, worldGameParams } from '../world/world-game.js';
import type { ModeHost, ServerMode } from './mode-host.js';
import type { Arena as ArenaType } from '../wasm/arena.js';
import type { SpatialResult } from '../spatial/index.js';
import type { LinkHandlers } from './net-workers.js';
import { LEVEL_BUDGET_FACTOR, LEVEL_RTT_FLOOR_MS, OverloadGovernor } from './overload.js';
import { registerOverloadMetrics } from './overload-metrics.js';
import { InterestHost, DEFAULT_AOI_RADIUS_M, DEFAULT_MAX_SNAPSHOT_BYTES, EVENT_AVATAR_DOWN } from './interest-host.js';
import { registerInterestMetrics } from './interest-metrics.js';
import { FLAG_DEAD } from '../core/world-layout.js';
import { ServerSaves, type ServerSaveOptions } from './persistence.js';
import { routeLinks } from './link-routing.js';
import { bindUdp, boundPort, closeListeners, listenHttp } from './listeners.js';
import { gameInfo, healthReport, StatusLine } from './server-report.js';

export interface GameServerOptions extends PartialConfig {
  /** Where log lines go; defaults to console.log. */
  log?: (line: string) => void;
  /** 'world' (default): one authoritative world for every connection; 'arena': the 64-seat rollback room. */
  mode?: ServerMode;
  /**
   * World mode: network workers (threads, each its own UDP port from udpPort on, its own crypto)
   * that own the UDP connections; 0 (default here; the CLI defaults to the core count) keeps
   * every connection on this thread. WebSocket clients stay on this thread either way.
   */
  workers?: number;
  /** How the network workers carry packets: 'udp' (default), or 'ring' (shared memory: the socketless bench). */
  workerTransport?: 'udp' | 'ring';
  /** Interest lanes (threads sharing the per-client work); default one per network worker, at least 1. */
  interestLanes?: number;
  /** No timer loop: the caller runs every tick with runTick() (benchmarks, tests). */
  manualTicks?: boolean;

  /** Collect Node process metrics (off in tests that start many servers). */
  processMetrics?: boolean;
  /** Arena mode: player numbers in the session (1..64); connections beyond them watch and wait. */
  maxPlayers?: number;
  /** The reference game's rules (speeds, hit points, cooldowns...); defaults otherwise. */
  rules?: Partial<SimRules>;
  /** Interest-managed snapshots for every client (default on): the AoI radius and snapshot cap, or false. */
  interest?: false | { radiusM?: number; maxSnapshotBytes?: number };
  /** Restore the world from this save at start (when it exists), autosave it, and save at stop. */
  save?: ServerSaveOptions;
}

/** 4 GiB, the module's ceiling: 10,000 clients' interest state and a 170,000-slot world's history. */
const SERVER_MAXIMUM_PAGES = MODULE_MAXIMUM_PAGES;
/** NPCs of world mode's default world: 100,000 over 10 km x 10 km, ~125 within a 200 m AoI. */
export const DEFAULT_WORLD_NPCS = 100_000;
/** World mode's hitscan candidates: bodies within the range plus how far anything moves in the rewind window. */
const SHOT_SLACK_M = 4;

export class GameServer {
  readonly config: ChronosConfig;
  readonly mode: ServerMode;
  /** The authoritative game's world region (NPCs, players, projectiles). */
  readonly world: World;
  /** The mode's host: its handlers and its part of each tick. */
  readonly host: ModeHost;
  /** Arena mode: the rollback session (seats, inputs, the authoritative step); undefined in world mode. */
  readonly play: PlayHost | undefined;
  /** World mode: avatars, inputs, OWN states; undefined in arena mode. */
  readonly worldHost: WorldHost | undefined;
  readonly metrics: ServerMetrics;
  readonly clock: FixedStepClock;
  /** Sheds interest work when ticks overrun their time, and gives it back when they fit again. */
  readonly overload: OverloadGovernor;
  private readonly log: (line: string) => void;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  /** The network layer: NetServer on UDP and WebSocket (and network workers), tokens, net metrics. */
  readonly net: NetHost;
  /** What every connection's events go to, on this thread's NetServer or from a network worker. */
  private readonly linkHandlers: LinkHandlers;
  /** Every entity in a spatial index, updated after each step (queries: spatial.index). */
  readonly spatial: ServerSpatial;
  /** Each client's own snapshots of what is around it; undefined with --no-interest. */
  interest: InterestHost | undefined;
  /** The world's saves (--save); undefined without one. */
  saves: ServerSaves | undefined;
  private udp: Socket | undefined;
  private running = false;
  private startedAt = 0;
  private readonly status = new StatusLine();
  /** Ticks that threw (counted, logged at most once a second; the loop carries on). */
  private readonly ticks: TickLoop;

  /** Loads the module, builds the world and starts listening. */
  static async start(options: GameServerOptions = {}): Promise<GameServer> {
    const { log, processMetrics, maxPlayers, rules, interest, mode = 'world', workers = 0, workerTransport = 'udp', interestLanes, manualTicks = false, save, ...partial } = options;
    if (!Number.isInteger(workers) || workers < 0 || workers > 256) throw new ConfigError('workers', `must be an integer in [0, 256], got ${String(workers)}`);
    if (mode === 'arena' && workers > 0) throw new ConfigError('workers', 'arena mode runs on one thread (its 64 players need no shards)');
    if (mode === 'world' && interest === false) throw new ConfigError('interest', 'world mode is interest-managed: it cannot be turned off');
    const config = resolveConfig(mode === 'world' ? { npcs: DEFAULT_WORLD_NPCS, ...partial } : partial);
    // Room for the world, the hitbox history and every client's interest state (memory is
    // only committed as it is used).
    const wasm = await loadChronos({ maximumPages: SERVER_MAXIMUM_PAGES });
    const arena = new Arena(wasm);
    let host: ModeHost;
    let near: SpatialResult | undefined;
    let server: GameServer | undefined;
    if (mode === 'arena') {
      const params = demoGameParams(config, maxPlayers ?? DEFAULT_MAX_PLAYERS, rules);
      host = new PlayHost(createDemoGame(arena, params, 'server-world'), params, { idleFrames: Math.round(config.idleSeconds * config.tickHz) });
    } else {
      const params = worldGameParams(config, config.maxClients, rules);
      const reachM = params.lagCompensation.rangeM + SHOT_SLACK_M;
      const game = WorldGame.create(arena, params, (x, y) => {
        // The bodies near a shooter, from the spatial index (as of the last step).
        const index = server!.spatial.index;
        near ??= index.createResult();
        index.radiusInto(near, x / 65536, y / 65536, 0, reachM);
        return { ptr: near.idsPtr, count: near.count };
      });
      host = new WorldHost(game, { idleTicks: Math.round(config.idleSeconds * config.tickHz) });
    }
    // The save replaces the world before anything reads it (spatial index, interest).
    const saves = save ? new ServerSaves(save, host.world, log ?? console.log) : undefined;
    await saves?.restore(host);
    const staticFiles = await loadStaticFiles(await findBuildPath('web'));
    const crypto = await loadServerCrypto();
    server = new GameServer(config, host, staticFiles, log ?? console.log, processMetrics ?? true, crypto, arena);
    server.saves = saves;
    saves?.registerMetrics(server.metrics.registry);
    if (interest !== false) {
      server.interest = await InterestHost.create(arena, host.world, server.spatial.index, config.tickHz, {
        radiusM: interest?.radiusM ?? DEFAULT_AOI_RADIUS_M,
        maxSnapshotBytes: interest?.maxSnapshotBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES,
        maxClients: config.maxClients,
        lanes: interestLanes ?? Math.max(1, workers),
      });
      registerInterestMetrics(server.metrics.registry, server.interest);
      const ih = server.interest;
      if (server.worldHost) server.worldHost.onAvatarDown = (x, y, z, id) => ih.announceAt(x, y, z, EVENT_AVATAR_DOWN, id);
    }
    await server.listen(workers, workerTransport, manualTicks);
    saves?.start();
    return server;
  }

  private constructor(
    config: ChronosConfig,
    host: ModeHost,
    staticFiles: Awaited<ReturnType<typeof loadStaticFiles>>,
    log: (line: string) => void,
    processMetrics: boolean,
    crypto: NetCrypto,
    readonly arena: ArenaType,
  ) {
    this.config = config;
    this.host = host;
    this.mode = host.mode;
    this.play = host instanceof PlayHost ? host : undefined;
    this.worldHost = host instanceof WorldHost ? host : undefined;
    this.world = host.world;
    const world = this.world;
    this.log = log;
    this.metrics = new ServerMetrics({ defaultMetrics: processMetrics });
    this.clock = new FixedStepClock({ tickHz: config.tickHz, maxCatchUpTicks: config.maxCatchUpTicks });
    this.overload = new OverloadGovernor(config.tickHz);
    registerOverloadMetrics(this.metrics.registry, this.overload, config.tickHz);
    this.ticks = new TickLoop(this.clock, this.metrics, () => this.runTick(), (line) => this.log(line));
    this.linkHandlers = routeLinks(host.handlers(), () => this.interest, () => this.metrics.clients.set(this.clientCount));
    ({ http: this.http, wss: this.wss, net: this.net } = createServerFront({
      config,
      metrics: this.metrics,
      crypto,
      staticFiles,
      channels: PLAY_CHANNELS,
      handlers: this.linkHandlers,
      health: () => this.health(),
      players: () => this.host.playerInfo(),
      game: () => this.gameInfo(),
      httpPort: () => this.httpPort,
    }));
    host.attach((link, reason) => this.net.kick(link, reason));
    if (this.play) registerPlayMetrics(this.metrics.registry, this.play);
    if (this.worldHost) registerWorldMetrics(this.metrics.registry, this.worldHost);
    this.spatial = new ServerSpatial(world, this.metrics.registry);
    this.metrics.entities.set(world.aliveCount);
  }

  /** The bound HTTP port (differs from the config when it asked for port 0). */
  get httpPort(): number {
    return boundPort(this.http, this.config.httpPort);
  }

  get udpPort(): number {
    return this.udp?.address().port ?? this.config.udpPort;
  }

  get clientCount(): number {
    return this.net.connectionCount;
  }

  /** The UDP ports clients are given: one per network worker, or the one this thread binds. */
  get udpPorts(): number[] {
    return this.net.pool ? this.net.pool.shards.map((s) => s.port) : [this.udpPort];
  }

  /** GET /healthz (server-report.ts). */
  health(): Record<string, unknown> {
    return healthReport(this, this.running, this.startedAt);
  }

  /** GET /game.json: what the page needs before it connects (public: nothing about players). */
  gameInfo(): Record<string, unknown> {
    return gameInfo(this);
  }

  private async listen(workers: number, workerTransport: 'udp' | 'ring', manualTicks: boolean): Promise<void> {
    const { host, httpPort, udpPort } = this.config;
    await listenHttp(this.http, httpPort, host);
    try {
      if (workers > 0) await this.net.startWorkers(workers, this.linkHandlers, (line) => this.log(line), workerTransport);
      else {
        this.udp = await bindUdp(host, udpPort, () => this.metrics.inputDropped.inc({ transport: 'udp', reason: 'socket_error' }));
        this.net.attachUdp(this.udp);
      }
    } catch (err) {
      await this.net.close();
      await new Promise<void>((resolve) => this.http.close(() => resolve()));
      throw err;
    }
    this.running = true;
    this.startedAt = performance.now();
    this.ticks.start(manualTicks);
  }

  /** One authoritative tick: step, then publish. Public so tests can drive time by hand. */
  runTick(): void {
    const started = performance.now();
    // What the network workers' clients sent since the last tick (this thread's own connections
    // were handled as their packets arrived).
    this.net.receive();
    this.host.tick();
    this.spatial.afterStep();
    this.host.publish();
    this.metrics.bytesOut.inc(this.host.takeBytesQueued());
    if (this.interest) {
      this.followSeats(this.interest);
      const play = this.play;
      if (play) {
        const flags = this.world.column('flags');
        this.interest.announceDowns(play.seats.size, (p) => play.game.playerSlot(p), (slot) => (flags[slot]! & FLAG_DEAD) !== 0);
      }
      this.metrics.bytesOut.inc(this.interest.publish());
    }
    // Everything the tick queued leaves now, packed per connection within its budget.
    this.net.update();
    this.metrics.entities.set(this.world.aliveCount);
    this.metrics.ticks.inc();
    const elapsedMs = performance.now() - started;
    this.metrics.tickDuration.observe(elapsedMs / 1000);
    this.metrics.tickQuantiles.observe(elapsedMs / 1000);
    const level = this.overload.level;
    if (this.overload.observe(elapsedMs) !== level) {
      const now = this.overload.level;
      this.interest?.shedLoad(LEVEL_BUDGET_FACTOR[now]!, LEVEL_RTT_FLOOR_MS[now]!);
      this.log(now > level ? `overloaded: ${this.overload.reason}` : now === 0 ? 'load back to normal: interest as configured' : `load easing: ${this.overload.reason}`);
    }
    this.status.countTick(elapsedMs);
  }

  /** Players see from their avatars; a connection that stops playing looks from where it stood. */
  private followSeats(interest: InterestHost): void {
    for (const conn of this.net.links()) {
      const slot = this.host.avatarSlotOf(conn);
      const viewer = interest.viewerOf(conn);
      if (slot >= 0) interest.follow(conn, { slot });
      else if (viewer && 'slot' in viewer) {
        const [x, y] = this.world.positionOf(viewer.slot);
        interest.follow(conn, { x, y });
      }
    }
  }

  /** One human-readable line of what happened since the previous call. */
  statusLine(): Promise<string> {
    return this.status.next(this, this.startedAt);
  }

  /** Stops the loop, closes every client and socket. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.ticks.stop();
    // The last save, of the world as the last tick left it; a failure is reported once all is closed.
    const saved = this.saves ? await this.saves.close() : true;
    await closeListeners({ http: this.http, wss: this.wss, net: this.net });
    await this.interest?.dispose();
    this.log('chronos stopped');
    if (!saved) throw new SaveStoreError('write', this.saves!.target, this.saves!.lastError ?? 'the final save failed');
  }
}
