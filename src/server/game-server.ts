// GameServer: the 60 Hz authoritative loop and everything wired to it. It owns the WASM module,
// the arena and the demo game (the reference game: NPCs, players, projectiles, hit points,
// lag-compensated hitscan) run through a RollbackServer by the PlayHost, runs the fixed-step
// clock, and serves the page, /healthz, /metrics, /players and POST /connect (connect tokens)
// over HTTP; the network layer (src/net) speaks the encrypted protocol on the UDP game port and,
// for browsers, on the /ws WebSocket; the play session travels over it.

import { createServer, type Server } from 'node:http';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Counter } from 'prom-client';
import { WebSocketServer } from 'ws';
import { FixedStepClock } from '../core/clock.js';
import { resolveConfig, type ChronosConfig, type PartialConfig } from '../core/config.js';
import { PortInUseError } from '../core/errors.js';
import type { World } from '../core/world.js';
import { Arena } from '../wasm/arena.js';
import { findBuildPath, loadChronos } from '../wasm/loader.js';
import { createRequestHandler } from './http-routes.js';
import { ServerMetrics } from './metrics.js';
import { loadStaticFiles } from './static-files.js';
import { NetHost } from './net-host.js';
import { loadServerCrypto } from '../net/crypto-node.js';
import type { NetCrypto } from '../net/crypto.js';
import { MAX_PACKET_BYTES } from '../net/spec.js';
import { PLAY_CHANNELS } from '../client/play-channels.js';
import { createDemoGame, demoGameParams, DEFAULT_MAX_PLAYERS } from '../client/demo-game.js';
import type { SimRules } from '../rollback/reference-game.js';
import { ServerSpatial } from './spatial-service.js';
import { PlayHost } from './play-host.js';
import { registerPlayMetrics } from './play-metrics.js';
import { InterestHost, DEFAULT_AOI_RADIUS_M, DEFAULT_MAX_SNAPSHOT_BYTES } from './interest-host.js';
import { registerInterestMetrics } from './interest-metrics.js';
import { INTEREST_RELIABLE_CHANNEL, INTEREST_SNAPSHOT_CHANNEL } from '../client/play-channels.js';
import { FLAG_DEAD } from '../core/world-layout.js';

export interface GameServerOptions extends PartialConfig {
  /** Where log lines go; defaults to console.log. */
  log?: (line: string) => void;
  /** Collect Node process metrics (off in tests that start many servers). */
  processMetrics?: boolean;
  /** Player numbers in the session (1..64); connections beyond them watch and wait. */
  maxPlayers?: number;
  /** The reference game's rules (speeds, hit points, cooldowns...); defaults otherwise. */
  rules?: Partial<SimRules>;
  /** Interest-managed snapshots for every client (default on): the AoI radius and snapshot cap, or false. */
  interest?: false | { radiusM?: number; maxSnapshotBytes?: number };
}

export class GameServer {
  readonly config: ChronosConfig;
  /** The authoritative game's world region (NPCs, players, projectiles). */
  readonly world: World;
  /** The rollback session: seats, inputs, the authoritative step, what every client is sent. */
  readonly play: PlayHost;
  readonly metrics: ServerMetrics;
  readonly clock: FixedStepClock;
  private readonly log: (line: string) => void;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  /** The network layer: NetServer on UDP and WebSocket, tokens, net metrics. */
  readonly net: NetHost;
  /** Every entity in a spatial index, updated after each step (queries: spatial.index). */
  readonly spatial: ServerSpatial;
  /** Each client's own snapshots of what is around it; undefined with --no-interest. */
  interest: InterestHost | undefined;
  private udp: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private startedAt = 0;
  private reportedOverruns = 0;
  private reportedDroppedTicks = 0;
  private statusTicks = 0;
  private statusTickMs = 0;
  private statusBytes = 0;
  private statusAt = 0;
  /** Ticks that threw (counted, logged at most once a second; the loop carries on). */
  private readonly tickErrors: Counter;
  private lastTickErrorLogMs = -Infinity;

  /** Loads the module, builds the world and starts listening. */
  static async start(options: GameServerOptions = {}): Promise<GameServer> {
    const { log, processMetrics, maxPlayers, rules, interest, ...partial } = options;
    const config = resolveConfig(partial);
    const params = demoGameParams(config, maxPlayers ?? DEFAULT_MAX_PLAYERS, rules);
    const wasm = await loadChronos();
    const arena = new Arena(wasm);
    const game = createDemoGame(arena, params, 'server-world');
    const staticFiles = await loadStaticFiles(await findBuildPath('web'));
    const crypto = await loadServerCrypto();
    const server = new GameServer(config, new PlayHost(game, params, { idleFrames: Math.round(config.idleSeconds * config.tickHz) }), staticFiles, log ?? console.log, processMetrics ?? true, crypto);
    if (interest !== false) {
      server.interest = await InterestHost.create(arena, game.world, server.spatial.index, config.tickHz, {
        radiusM: interest?.radiusM ?? DEFAULT_AOI_RADIUS_M,
        maxSnapshotBytes: interest?.maxSnapshotBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES,
        maxClients: config.maxClients,
      });
      registerInterestMetrics(server.metrics.registry, server.interest);
    }
    await server.listen();
    return server;
  }

  private constructor(
    config: ChronosConfig,
    play: PlayHost,
    staticFiles: Awaited<ReturnType<typeof loadStaticFiles>>,
    log: (line: string) => void,
    processMetrics: boolean,
    crypto: NetCrypto,
  ) {
    this.config = config;
    this.play = play;
    this.world = play.game.world;
    const world = this.world;
    this.log = log;
    this.metrics = new ServerMetrics({ defaultMetrics: processMetrics });
    this.clock = new FixedStepClock({ tickHz: config.tickHz, maxCatchUpTicks: config.maxCatchUpTicks });
    this.tickErrors = new Counter({ name: 'chronos_tick_errors_total', help: 'Ticks that threw (contained: the loop carries on)', registers: [this.metrics.registry] });
    // Bounded HTTP: headers within httpHeadersTimeoutMs, the whole request within
    // httpRequestTimeoutMs (checked every second), at most maxHttpConnections sockets.
    this.http = createServer(
      { headersTimeout: config.httpHeadersTimeoutMs, requestTimeout: config.httpRequestTimeoutMs, keepAliveTimeout: 5_000, connectionsCheckingInterval: Math.min(1_000, config.httpHeadersTimeoutMs) },
      createRequestHandler({
        staticFiles,
        registry: this.metrics.registry,
        health: () => this.health(),
        players: () => this.play.playerInfo(),
        connect: (req, res) => this.net.handleConnect(req, res),
        adminToken: config.adminToken,
      }),
    );
    this.http.maxConnections = config.maxHttpConnections;
    // One protocol packet per frame: anything larger is refused by ws (close code 1009).
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PACKET_BYTES });
    this.http.on('upgrade', (req, socket, head) => {
      let path = '';
      try {
        path = new URL(req.url ?? '/', 'http://localhost').pathname;
      } catch {
        path = '';
      }
      if (path !== '/ws') {
        this.metrics.connectionsRejected.inc({ reason: 'bad_upgrade_path' });
        socket.destroy();
        return;
      }
      const refused = this.net.refuseUpgrade(req);
      if (refused !== undefined) {
        this.metrics.connectionsRejected.inc({ reason: refused });
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
    });
    const playHandlers = play.handlers();
    this.net = new NetHost({
      crypto,
      config,
      metrics: this.metrics,
      wss: this.wss,
      channels: PLAY_CHANNELS,
      handlers: {
        ...playHandlers,
        connect: (conn, tier) => {
          playHandlers.connect!(conn, tier);
          // Every (re)connection starts a fresh view, from the world's centre until its seat or
          // its camera says otherwise.
          this.interest?.join(conn, { x: 0, y: 0 });
          this.metrics.clients.set(this.clientCount);
        },
        interrupt: (conn, reason) => {
          playHandlers.interrupt!(conn, reason);
          this.interest?.leave(conn);
          this.metrics.clients.set(this.clientCount);
        },
        disconnect: (conn, reason) => {
          playHandlers.disconnect!(conn, reason);
          this.interest?.leave(conn);
          this.metrics.clients.set(this.clientCount);
        },
        message: (conn, channel, bytes) => {
          if (channel === INTEREST_RELIABLE_CHANNEL || channel === INTEREST_SNAPSHOT_CHANNEL) {
            if (this.interest) this.interest.receive(conn, channel, bytes);
          } else playHandlers.message!(conn, channel, bytes);
        },
      },
      httpPort: () => this.httpPort,
    });
    play.attach(this.net.server);
    registerPlayMetrics(this.metrics.registry, play);
    this.spatial = new ServerSpatial(world, this.metrics.registry);
    this.metrics.entities.set(world.aliveCount);
  }

  /** The bound HTTP port (differs from the config when it asked for port 0). */
  get httpPort(): number {
    const address = this.http.address();
    return typeof address === 'object' && address ? address.port : this.config.httpPort;
  }

  get udpPort(): number {
    return this.udp?.address().port ?? this.config.udpPort;
  }

  get clientCount(): number {
    return this.net.connectionCount;
  }

  health(): Record<string, unknown> {
    return {
      status: this.running ? 'ok' : 'stopped',
      tick: this.world.tick,
      tickHz: this.config.tickHz,
      seed: this.config.seed,
      entities: this.world.aliveCount,
      clients: this.clientCount,
      ...this.play.health(),
      overruns: this.clock.overruns,
      uptimeS: this.running ? Math.round((performance.now() - this.startedAt) / 1000) : 0,
      spatial: this.spatial.health(),
      interest: this.interest ? this.interest.health() : 'off',
    };
  }

  private async listen(): Promise<void> {
    const { host, httpPort, udpPort } = this.config;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? new PortInUseError('tcp', httpPort, host) : err);
      this.http.once('error', onError);
      this.http.listen(httpPort, host, () => {
        this.http.off('error', onError);
        resolve();
      });
    });
    try {
      this.udp = await this.bindUdp(host, udpPort);
      this.net.attachUdp(this.udp);
    } catch (err) {
      await new Promise<void>((resolve) => this.http.close(() => resolve()));
      throw err;
    }
    this.running = true;
    this.startedAt = performance.now();
    this.clock.advance(this.startedAt);
    this.schedule();
  }

  private bindUdp(host: string, port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
      const onError = (err: NodeJS.ErrnoException) => {
        socket.close();
        reject(err.code === 'EADDRINUSE' ? new PortInUseError('udp', port, host) : err);
      };
      socket.once('error', onError);
      socket.bind(port, host, () => {
        socket.off('error', onError);
        socket.on('error', () => this.metrics.inputDropped.inc({ transport: 'udp', reason: 'socket_error' }));
        resolve(socket);
      });
    });
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => this.loop(), Math.max(1, Math.floor(this.clock.msUntilNextTick())));
  }

  private loop(): void {
    const due = this.clock.advance(performance.now());
    for (let i = 0; i < due; i++) {
      try {
        this.runTick();
      } catch (err) {
        // Last resort: one tick's bug must not stop the world for everyone.
        this.tickErrors.inc();
        const nowMs = performance.now();
        if (nowMs - this.lastTickErrorLogMs >= 1000) {
          this.lastTickErrorLogMs = nowMs;
          this.log(`chronos: a tick threw (counted in chronos_tick_errors_total): ${(err as Error)?.stack ?? String(err)}`);
        }
      }
    }
    if (this.clock.overruns !== this.reportedOverruns) {
      this.metrics.tickOverruns.inc(this.clock.overruns - this.reportedOverruns);
      this.metrics.droppedTicks.inc(this.clock.droppedTicks - this.reportedDroppedTicks);
      this.reportedOverruns = this.clock.overruns;
      this.reportedDroppedTicks = this.clock.droppedTicks;
    }
    this.schedule();
  }

  /** One authoritative tick: step, then publish. Public so tests can drive time by hand. */
  runTick(): void {
    const started = performance.now();
    this.play.tick();
    this.spatial.afterStep();
    this.play.publish();
    this.metrics.bytesOut.inc(this.play.takeBytesQueued());
    if (this.interest) {
      this.followSeats(this.interest);
      const flags = this.world.column('flags');
      this.interest.announceDowns(this.play.seats.size, (p) => this.play.game.playerSlot(p), (slot) => (flags[slot]! & FLAG_DEAD) !== 0);
      this.metrics.bytesOut.inc(this.interest.publish());
    }
    // Everything the tick queued leaves now, packed per connection within its budget.
    this.net.update();
    this.metrics.entities.set(this.world.aliveCount);
    this.metrics.ticks.inc();
    const elapsedMs = performance.now() - started;
    this.metrics.tickDuration.observe(elapsedMs / 1000);
    this.statusTicks++;
    this.statusTickMs += elapsedMs;
  }

  /** Players see from their avatars; a connection that stops playing looks from where it stood. */
  private followSeats(interest: InterestHost): void {
    for (const conn of this.net.server.connections) {
      const slot = this.play.avatarSlotOf(conn);
      const viewer = interest.viewerOf(conn);
      if (slot >= 0) interest.follow(conn, { slot });
      else if (viewer && 'slot' in viewer) {
        const [x, y] = this.world.positionOf(viewer.slot);
        interest.follow(conn, { x, y });
      }
    }
  }

  /** One human-readable line of what happened since the previous call. */
  async statusLine(): Promise<string> {
    const now = performance.now();
    const seconds = Math.max(1e-3, (now - (this.statusAt || this.startedAt)) / 1000);
    const bytes = (await this.metrics.bytesOut.get()).values[0]?.value ?? 0;
    const line =
      `tick ${this.world.tick} | ${(this.statusTicks / seconds).toFixed(1)} ticks/s | ` +
      `${this.statusTicks ? (this.statusTickMs / this.statusTicks).toFixed(3) : '0.000'} ms/tick | ` +
      `${this.world.aliveCount} entities | ${this.play.players} players | ${this.clientCount} clients | ` +
      `${((bytes - this.statusBytes) / seconds / 1024).toFixed(1)} KiB/s out | ` +
      (this.interest ? `interest ${this.interest.lastTickMs.toFixed(3)} ms | ` : '') +
      `${this.clock.overruns} overruns`;
    this.statusAt = now;
    this.statusTicks = 0;
    this.statusTickMs = 0;
    this.statusBytes = bytes;
    return line;
  }

  /** Stops the loop, closes every client and socket. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    // DISCONNECT to every client, then both transports close (the UDP socket with them).
    await this.net.close();
    await this.interest?.dispose();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.log('chronos stopped');
  }
}
