// DeclaredRoomServer: a declared game's rollback room (arena mode), served. The game's module runs
// as a DeclaredRoomGame (src/rollback/declared-room.ts) in a RoomHost (room-host.ts): up to 64
// seats, each connection asking to PLAY or watch, every client simulating the whole room with the
// same module and reconciled by the confirmed inputs, a state hash every hashEveryTicks frames
// proving it. Around it the engine's network and HTTP side as DeclaredServer's — the encrypted
// UDP protocol and the same packets over WebSocket, connect tokens, admission limits, /healthz,
// /metrics, /game.json (which says `mode: 'room'`, so the game's page knows what to start) and the
// game's page.
//
// The room's rules announce events (emitEvent in the game's AssemblyScript: a kill feed, say):
// the server's copy plays each frame once, so it keeps them (DeclaredRoomGame.keepEvents) and,
// after each frame, sends each reliably (channel 2, ROOM_EVENT_CHANNEL) to every seated player within its range of
// where it happened (by the avatar's `positions`) and to every spectator (who runs the whole
// room). A client's copy plays frames again at every rollback and discards its own.
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
import { ConfigError, InvalidArgumentError } from '../core/errors.js';
import type { GameDeclaration } from '../core/game.js';
import { encodeRoomJoin } from '../codec/room-messages.js';
import { ROOM_EVENT_CHANNEL, roomChannels } from '../client/play-channels.js';
import { loadServerCrypto } from '../net/crypto-node.js';
import type { DeclaredRoomGame } from '../rollback/declared-room.js';
import { boundPort, closeListeners, listenHttpAndUdp } from './listeners.js';
import { createServerFront } from './server-front.js';
import { ServerMetrics } from './metrics.js';
import { TickLoop } from './tick-loop.js';
import type { NetHost } from './net-host.js';
import { RoomHost } from './room-host.js';
import { registerRoomMetrics } from './room-metrics.js';
import { registerEventMetrics } from './declared-server-metrics.js';
import { DeclaredEvents, type EventListener } from './declared-events.js';
import type { DeclaredGameModule } from './declared-game.js';
import type { GameEvent } from '../rollback/wasm-game.js';
import { loadStaticFiles, type StaticFile } from './static-files.js';

export interface DeclaredRoomServerOptions<D extends GameDeclaration> extends PartialConfig {
  /** The room: the game's rules over a store with seats (WasmGameOptions.seats), set up. */
  readonly room: DeclaredRoomGame<D>;
  /**
   * The fields that place an entity (Q16.16 metres), for the rules' events with a range: a
   * seated player hears those within range of its avatar. None: only events for everyone are
   * sent, a ranged one is counted as malformed.
   */
  readonly positions?: DeclaredGameModule<D>['positions'];
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
  private readonly events: DeclaredEvents<D>;
  private readonly eventCounts: ReturnType<typeof registerEventMetrics>;
  /** The rules' events the server could not send (a ranged one where no positions are declared, a bad place). */
  private unsendable = 0;
  /** Who hears this frame's events: refilled each frame from the host's joined connections. */
  private readonly listeners: EventListener[] = [];

  static async start<D extends GameDeclaration>(options: DeclaredRoomServerOptions<D>): Promise<DeclaredRoomServer<D>> {
    const { room, staticDir, log, manualTicks, positions, ...partial } = options;
    const config = resolveConfig({ npcs: 0, ...partial });
    const files = staticDir ? await loadStaticFiles(staticDir) : new Map<string, StaticFile>();
    const server = new DeclaredRoomServer(config, room, positions, files, await loadServerCrypto(), log ?? console.log);
    const dropped = () => server.metrics.inputDropped.inc({ transport: 'udp', reason: 'socket_error' });
    server.udp = await listenHttpAndUdp(server.http, config.host, { http: config.httpPort, udp: config.udpPort }, server.net, dropped, (udp) => server.net.attachUdp(udp));
    server.running = true;
    server.ticks.start(manualTicks === true);
    return server;
  }

  private constructor(config: ChronosConfig, room: DeclaredRoomGame<D>, positions: DeclaredGameModule<D>['positions'], files: Map<string, StaticFile>, crypto: Awaited<ReturnType<typeof loadServerCrypto>>, log: (line: string) => void) {
    this.config = config;
    this.room = room;
    this.log = log;
    // This copy plays each frame once: its rules' events are the ones sent.
    room.keepEvents();
    this.events = new DeclaredEvents(room.store, positions, ROOM_EVENT_CHANNEL);
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
    this.eventCounts = registerEventMetrics(this.metrics.registry, () => {
      const { dropped, refused } = room.rules.eventsLost;
      return { dropped, refused: refused + this.unsendable };
    });
    this.clock = new FixedStepClock({ tickHz: config.tickHz, maxCatchUpTicks: config.maxCatchUpTicks });
    this.ticks = new TickLoop(this.clock, this.metrics, () => this.runTick(), (line) => this.log(line));
    ({ http: this.http, wss: this.wss, net: this.net } = createServerFront({
      config,
      metrics: this.metrics,
      crypto,
      staticFiles: files,
      channels: roomChannels(room.inputFormat.wireBytes),
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
    this.announce(this.host.session.frame - 1);
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

  /** Sends what the rules emitted in the frame just played (`frame`) to whoever is in range. */
  private announce(frame: number): void {
    const listeners = this.listeners;
    listeners.length = 0;
    const room = this.room;
    this.host.forEachJoined((conn, player) => {
      const avatar = player >= 0 ? room.avatarOf(player) : undefined;
      // A spectator runs the whole room and hears all of it; a player between avatars (downed
      // and not yet back) hears only what is for everyone.
      listeners.push({ link: conn, camera: null, avatar: avatar ?? -1, hearsAll: player < 0 });
    });
    room.rules.takeEvents((event: GameEvent) => {
      try {
        const result = this.events.deliver(event, frame, listeners);
        this.eventCounts.inc({ result: 'sent' }, result.sent);
        if (result.dropped > 0) this.eventCounts.inc({ result: 'dropped' }, result.dropped);
        this.metrics.bytesOut.inc(result.bytes);
      } catch (err) {
        // The rules' mistake (a ranged event and no positions) must not stop the room.
        if (!(err instanceof ConfigError || err instanceof InvalidArgumentError)) throw err;
        this.unsendable++;
      }
    });
  }

  /** Stops the loop and closes every client and socket. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.ticks.stop();
    await closeListeners({ http: this.http, wss: this.wss, net: this.net });
  }
}
