// DeclaredRoomServer: a declared game's rollback room (arena mode), served. The game's module runs
// as a DeclaredRoomGame (src/rollback/declared-room.ts) in a RoomHost (room-host.ts): up to 64
// seats, each connection asking to PLAY or watch, every client simulating the whole room with the
// same module and reconciled by the confirmed inputs, a state hash every hashEveryTicks frames
// proving it. Around it the engine's network and HTTP side as DeclaredServer's — the encrypted
// UDP protocol and the same packets over WebSocket, connect tokens, admission limits, /healthz,
// /metrics, /game.json (which says `mode: 'room'`, so the game's page knows what to start) and the
// game's page.
//
// The room lives on this thread with its NetServer (a full state is acknowledged message by
// message, which network workers do not relay), so it takes no network or encode workers: 64
// seats need neither.
//
//   const room = DeclaredRoomGame.over(rules, { verdicts: ['target'], judge });
//   const server = await DeclaredRoomServer.start({ room, staticDir, httpPort: 8080, udpPort: 7777 });

import type { Server } from 'node:http';
import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { WebSocketServer } from 'ws';
import { FixedStepClock } from '../core/clock.js';
import { resolveConfig, type ChronosConfig, type PartialConfig } from '../core/config.js';
import type { GameDeclaration } from '../core/game.js';
import { encodeRoomJoin } from '../codec/room-messages.js';
import { PLAY_CHANNELS } from '../client/play-channels.js';
import { loadServerCrypto } from '../net/crypto-node.js';
import type { DeclaredRoomGame } from '../rollback/declared-room.js';
import { boundPort, closeListeners, listenHttpAndUdp } from './listeners.js';
import { createServerFront } from './server-front.js';
import { ServerMetrics } from './metrics.js';
import { TickLoop } from './tick-loop.js';
import type { NetHost } from './net-host.js';
import { RoomHost } from './room-host.js';
import { registerRoomMetrics } from './play-metrics.js';
import { loadStaticFiles, type StaticFile } from './static-files.js';

export interface DeclaredRoomServerOptions<D extends GameDeclaration> extends PartialConfig {
  /** The room: the game's rules over a store with seats (WasmGameOptions.seats), set up. */
  readonly room: DeclaredRoomGame<D>;
  /** The game's page (index.html and its bundle); none: the server serves no page. */
  readonly staticDir?: string;
  readonly log?: (line: string) => void;
  /** Tests drive ticks with runTick(). */
  readonly manualTicks?: boolean;
}

export class DeclaredRoomServer<D extends GameDeclaration = GameDeclaration> {
  readonly config: ChronosConfig;
  readonly room: DeclaredRoomGame<D>;
  readonly host: RoomHost<DeclaredRoomGame<D>>;
  readonly metrics: ServerMetrics;
  readonly clock: FixedStepClock;
  /** The network layer: NetServer on UDP and WebSocket, tokens, net metrics. */
  readonly net: NetHost;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly ticks: TickLoop;
  private readonly log: (line: string) => void;
  private udp: Socket | undefined;
  private running = false;

  static async start<D extends GameDeclaration>(options: DeclaredRoomServerOptions<D>): Promise<DeclaredRoomServer<D>> {
    const { room, staticDir, log, manualTicks, ...partial } = options;
    const config = resolveConfig({ npcs: 0, ...partial });
    const files = staticDir ? await loadStaticFiles(staticDir) : new Map<string, StaticFile>();
    const server = new DeclaredRoomServer(config, room, files, await loadServerCrypto(), log ?? console.log);
    const dropped = () => server.metrics.inputDropped.inc({ transport: 'udp', reason: 'socket_error' });
    server.udp = await listenHttpAndUdp(server.http, config.host, { http: config.httpPort, udp: config.udpPort }, server.net, dropped, (udp) => server.net.attachUdp(udp));
    server.running = true;
    server.ticks.start(manualTicks === true);
    return server;
  }

  private constructor(config: ChronosConfig, room: DeclaredRoomGame<D>, files: Map<string, StaticFile>, crypto: Awaited<ReturnType<typeof loadServerCrypto>>, log: (line: string) => void) {
    this.config = config;
    this.room = room;
    this.log = log;
    const game = room.rules.game;
    this.host = new RoomHost(room, {
      idleFrames: Math.round(config.idleSeconds * config.tickHz),
      hashEveryFrames: config.hashEveryTicks,
      joinMessage: (player, spectatorReason, serverFrame) => encodeRoomJoin({
        player, players: room.players, spectatorReason, fingerprint: game.fingerprint, capacity: room.store.capacity,
        hashEveryFrames: config.hashEveryTicks, serverFrame, stateBytes: room.stateBytes, tickHz: config.tickHz,
      }),
    });
    this.metrics = new ServerMetrics({ defaultMetrics: false });
    registerRoomMetrics(this.metrics.registry, this.host);
    this.clock = new FixedStepClock({ tickHz: config.tickHz, maxCatchUpTicks: config.maxCatchUpTicks });
    this.ticks = new TickLoop(this.clock, this.metrics, () => this.runTick(), (line) => this.log(line));
    ({ http: this.http, wss: this.wss, net: this.net } = createServerFront({
      config,
      metrics: this.metrics,
      crypto,
      staticFiles: files,
      channels: PLAY_CHANNELS,
      handlers: this.host.handlers(),
      health: () => this.health(),
      players: () => this.playerList(),
      game: () => ({ mode: 'room', game: game.name, fingerprint: game.fingerprint, tickHz: config.tickHz, seats: room.players }),
      httpPort: () => this.httpPort,
    }));
  }

  get httpPort(): number {
    return boundPort(this.http, this.config.httpPort);
  }

  get udpPort(): number {
    return this.udp?.address().port ?? this.config.udpPort;
  }

  /** Who holds a seat, and its avatar. */
  playerList(): { player: number; clientId: number; avatar: number | null; rttMs: number }[] {
    const out: { player: number; clientId: number; avatar: number | null; rttMs: number }[] = [];
    for (let p = 0; p < this.host.seats.size; p++) {
      const seat = this.host.seats.holder(p);
      if (seat) out.push({ player: p, clientId: seat.conn.clientId, avatar: this.room.avatarOf(p) ?? null, rttMs: Math.round(seat.conn.rttMs * 100) / 100 });
    }
    return out;
  }

  health(): Record<string, unknown> {
    const h = this.host;
    return {
      status: this.running ? 'ok' : 'stopped', mode: 'room', game: this.room.rules.game.name, frame: h.session.frame, tickHz: this.config.tickHz,
      entities: this.room.store.alive, clients: this.net.connectionCount, players: h.players, maxPlayers: h.seats.size, spectators: h.spectators, waiting: h.waiting,
      idleUnseated: h.counters.idleUnseated, overruns: this.clock.overruns,
    };
  }

  /** One tick: the room's frame (inputs in, step), then what each connection is owed. */
  runTick(): void {
    const started = performance.now();
    this.host.tick();
    this.host.publish();
    this.metrics.bytesOut.inc(this.host.takeBytesQueued());
    this.net.update();
    this.metrics.entities.set(this.room.store.alive);
    this.metrics.clients.set(this.net.connectionCount);
    this.metrics.ticks.inc();
    const seconds = (performance.now() - started) / 1000;
    this.metrics.tickDuration.observe(seconds);
    this.metrics.tickQuantiles.observe(seconds);
  }

  /** Stops the loop and closes every client and socket. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.ticks.stop();
    await closeListeners({ http: this.http, wss: this.wss, net: this.net });
  }
}
