// DeclaredServer: the engine serving a game that declares its data (src/core/game.ts) and brings
// its rules as functions (declared-game.ts; declared-wasm.ts for rules in a game module). It is
// the engine's network and HTTP side (server-front.ts) — the encrypted UDP protocol and the same packets over
// WebSocket, connect tokens, admission limits, /healthz, /metrics, the game's page — around a
// fixed-step loop that, each tick, hands the game each player's next input (queued in order as
// they arrive, one a tick; a predicting client's tick without one releases the last), runs the
// game's step and sends each connected player a GAME SNAPSHOT of what it sees: a delta against
// what it acknowledged, in its connection's congestion budget, owner-only fields to the owner
// alone (src/codec/game-snapshot.ts), naming the last input applied for client prediction. The
// snapshots are encoded on the main thread or on encode workers (`encodeWorkers`,
// declared-encode-pool.ts); past its tick budget it sheds them (every 2nd or 3rd tick a player).
//
// Saves (`save`): the store is restored at start and written on a timer and at shutdown
// (declared-saves.ts). Network workers (`netWorkers`): threads that
// each own a UDP port, its connections, their crypto, sealing and sending, while this thread
// runs the game; the WebSocket clients stay on this thread. Lag compensation is the rules'
// own: they keep a DeclaredHitboxes history and judge shots against the tick an input names.

import type { Server } from 'node:http';
import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Counter } from 'prom-client';
import type { WebSocketServer } from 'ws';
import { FixedStepClock } from '../core/clock.js';
import { resolveConfig, type ChronosConfig } from '../core/config.js';
import { ConfigError, DecodeError } from '../core/errors.js';
import type { GameDeclaration } from '../core/game.js';
import { GameInputCodec } from '../codec/game-input.js';
import { decodeGameAck, decodeGameWatch, encodeGameJoin, MSG_GAME_ACK, MSG_GAME_INPUT, MSG_GAME_WATCH } from '../codec/declared-messages.js';
import { declaredChannels, DECLARED_INPUT_CHANNEL, DECLARED_JOIN_CHANNEL, DECLARED_SNAPSHOT_CHANNEL } from '../client/declared-channels.js';
import { loadServerCrypto } from '../net/crypto-node.js';
import type { ClientLink } from './client-link.js';
import { DisconnectReason } from '../net/spec.js';
import type { DeclaredGameModule } from './declared-game.js';
import { applyNextInput, queueInputs, takeIdle, type DeclaredDropReason, type DeclaredSession } from './declared-session.js';
import { DeclaredEvents, type DeclaredEvent, type EmitResult } from './declared-events.js';
import { DeclaredSaves } from './declared-saves.js';
import type { DeclaredServerOptions } from './declared-server-options.js';
import { SaveStoreError } from '../persist/errors.js';
import { EncodePool } from './declared-encode-pool.js';
import { LocalEncoders, type EncoderSettings, type SnapshotEncoders } from './declared-encoders.js';
import { UpdateZones, type UpdateZonesSpec } from '../codec/update-zones.js';
import { slotOf } from '../core/entity-id.js';
import { boundPort, closeListeners, listenHttp, listenHttpAndUdp } from './listeners.js';
import { createServerFront } from './server-front.js';
import { ServerMetrics } from './metrics.js';
import { TickLoop } from './tick-loop.js';
import { OverloadGovernor } from './overload.js';
import { registerOverloadMetrics } from './overload-metrics.js';
import { registerEncodePoolMetrics } from './encode-pool-metrics.js';
import { registerDeclaredServerMetrics } from './declared-server-metrics.js';
import type { NetHost } from './net-host.js';
import type { LinkHandlers } from './net-workers.js';
import { loadStaticFiles, type StaticFile } from './static-files.js';

export type { DeclaredServerOptions } from './declared-server-options.js';

/** Ticks between a player's snapshots at each overload level. */
const SNAPSHOT_PERIOD: readonly number[] = [1, 2, 3];

export type { DeclaredDropReason } from './declared-session.js';

export class DeclaredServer<D extends GameDeclaration = GameDeclaration> {
  readonly config: ChronosConfig;
  readonly module: DeclaredGameModule<D>;
  readonly metrics: ServerMetrics;
  readonly clock: FixedStepClock;
  readonly inputCodec: GameInputCodec<D>;
  /** Load shedding: past its tick budget the server sends each player a snapshot every 2nd (level 1) or 3rd (level 2) tick. */
  readonly overload: OverloadGovernor;
  private readonly sessions = new Map<ClientLink, DeclaredSession<D>>();
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  /** The network layer: NetServer on UDP and WebSocket, network workers, tokens, net metrics. */
  readonly net: NetHost;
  private readonly drops: Counter<'reason'>;
  private readonly inputGaps: Counter;
  private readonly idle: Counter;
  private readonly eventCounts: Counter<'result'>;
  private readonly events: DeclaredEvents<D>;
  private readonly log: (line: string) => void;
  private readonly maxSnapshotBytes: number;
  private udp: Socket | undefined;
  private readonly ticks: TickLoop;
  private running = false;
  private nextPlayer = 1;
  private tick = 0;
  private saves: DeclaredSaves<D> | undefined;
  /** Who encodes the snapshots: the main thread, or encode workers (encodeWorkers). */
  private encoders: SnapshotEncoders;
  /** What each player's replicator is made with, on this thread or an encode worker. */
  private readonly encoderSettings: EncoderSettings;
  private readonly due: DeclaredSession<D>[] = [];
  private shedLoad = true;
  /** What every client link (this thread's or a network worker's) reports, and the game hears. */
  private readonly linkHandlers: LinkHandlers = {
    connect: (link) => this.join(link),
    disconnect: (link) => this.leave(link),
    message: (link, channel, bytes) => this.message(link, channel, bytes),
  };

  static async start<D extends GameDeclaration>(options: DeclaredServerOptions<D>): Promise<DeclaredServer<D>> {
    const { module, staticDir, log, maxSnapshotBytes, manualTicks, save, encodeWorkers, netWorkers = 0, netTransport = 'udp', shedLoad = true, processMetrics = true, ...partial } = options;
    if (!Number.isInteger(netWorkers) || netWorkers < 0 || netWorkers > 256) throw new ConfigError('netWorkers', `must be an integer in [0, 256], got ${String(netWorkers)}`);
    const config = resolveConfig({ npcs: 0, tickHz: module.tickHz ?? 60, ...partial });
    const files = staticDir ? await loadStaticFiles(staticDir) : new Map<string, StaticFile>();
    const server = new DeclaredServer(config, module, files, await loadServerCrypto(), log ?? console.log, maxSnapshotBytes ?? 16 * 1024, processMetrics);
    server.shedLoad = shedLoad;
    if (encodeWorkers) {
      const pool = await EncodePool.start(module.store, { ...server.encoderSettings, workers: encodeWorkers, log: server.log, arena: module.arena });
      registerEncodePoolMetrics(server.metrics.registry, pool);
      server.encoders = pool;
    }
    if (save) {
      // The save replaces the world before anyone connects; a bad one stops the start here.
      const saves = new DeclaredSaves(save, module.store, module.unsavedTypes ?? [], () => server.tick, server.log);
      if (await saves.restore()) module.restored?.();
      server.saves = saves;
    }
    await server.listen(manualTicks === true, netWorkers, netTransport);
    server.saves?.start();
    return server;
  }

  private constructor(
    config: ChronosConfig,
    module: DeclaredGameModule<D>,
    files: Map<string, StaticFile>,
    crypto: Awaited<ReturnType<typeof loadServerCrypto>>,
    log: (line: string) => void,
    maxSnapshotBytes: number,
    processMetrics: boolean,
  ) {
    this.config = config;
    this.module = module;
    this.log = log;
    this.maxSnapshotBytes = maxSnapshotBytes;
    this.inputCodec = new GameInputCodec(module.game);
    // Update zones checked here, once (a bad band is the game's ConfigError at start, not a player's at join).
    if (module.zones) new UpdateZones(module.store, module.zones, config.tickHz);
    this.encoderSettings = { viewCapacity: module.viewCapacity, maxMessageBytes: maxSnapshotBytes, zones: module.zones as UpdateZonesSpec | undefined, tickHz: config.tickHz };
    this.encoders = new LocalEncoders(module.store, this.encoderSettings, module.arena);
    this.metrics = new ServerMetrics({ defaultMetrics: processMetrics });
    ({ drops: this.drops, inputGaps: this.inputGaps, idle: this.idle, events: this.eventCounts } = registerDeclaredServerMetrics(this.metrics.registry, {
      players: () => this.sessions.size - this.spectators,
      spectators: () => this.spectators,
      encoderBytes: () => this.encoders.heldBytes,
      interest: module.interestStats,
      eventsLost: module.eventsLost?.bind(module),
    }));
    this.events = new DeclaredEvents(module.store, module.positions);
    this.clock = new FixedStepClock({ tickHz: config.tickHz, maxCatchUpTicks: config.maxCatchUpTicks });
    this.ticks = new TickLoop(this.clock, this.metrics, () => this.runTick(), (line) => this.log(line));
    this.overload = new OverloadGovernor(config.tickHz, (level) => `a snapshot every ${SNAPSHOT_PERIOD[level]} ticks per player`);
    registerOverloadMetrics(this.metrics.registry, this.overload, config.tickHz);
    ({ http: this.http, wss: this.wss, net: this.net } = createServerFront({
      config,
      metrics: this.metrics,
      crypto,
      staticFiles: files,
      channels: declaredChannels(this.inputCodec.bytes),
      handlers: this.linkHandlers,
      health: () => this.health(),
      players: () => [...this.sessions.values()].map((s) => ({ clientId: s.link.clientId, player: s.player, avatar: s.camera ? null : s.avatar, ...(s.camera ? { camera: s.camera } : {}), rttMs: s.link.rttMs })),
      game: () => ({
        mode: 'declared', game: module.game.name, fingerprint: module.game.fingerprint, tickHz: config.tickHz,
        // A predicting page's local store holds the avatar in its server slot: as large as this one.
        capacity: module.store.capacity,
        // What the page draws of a player's interest: its view's ring and the update zones' bands.
        ...(module.view ? { view: module.view } : {}),
        ...(module.zones ? { zones: { bands: module.zones.bands, beyondHz: module.zones.beyondHz } } : {}),
        // Whether a page may watch (?watch): the game sees from a point (visibleAt).
        spectators: module.visibleAt !== undefined,
      }),
      httpPort: () => this.httpPort,
    }));
  }

  get httpPort(): number {
    return boundPort(this.http, this.config.httpPort);
  }

  get udpPort(): number {
    return this.udp?.address().port ?? this.config.udpPort;
  }

  /** The UDP ports clients are given: one per network worker, or the one this thread binds. */
  get udpPorts(): number[] {
    return this.net.pool ? this.net.pool.shards.map((s) => s.port) : [this.udpPort];
  }

  /** Milliseconds the encode workers have spent encoding (0 without them): for CPU figures. */
  get encodeWorkerBusyMs(): number {
    return this.encoders instanceof EncodePool ? this.encoders.busyMs : 0;
  }

  get players(): number {
    return this.sessions.size;
  }

  /** Connected clients, this thread's and every network worker's (/healthz's `clients`). */
  get clientCount(): number {
    return this.net.connectionCount;
  }

  /** Sessions that watch from a camera (GAME WATCH) rather than play. */
  get spectators(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.camera) n++;
    return n;
  }

  health(): Record<string, unknown> {
    const o = this.overload;
    return { status: !this.running ? 'stopped' : o.degraded ? 'degraded' : 'ok', ...(o.degraded ? { degraded: { level: o.level, reason: o.reason, snapshotEveryTicks: SNAPSHOT_PERIOD[o.level] } } : {}), mode: 'declared', game: this.module.game.name, tick: this.tick, tickHz: this.config.tickHz, entities: this.module.store.alive, clients: this.net.connectionCount, players: this.sessions.size - this.spectators, spectators: this.spectators, overruns: this.clock.overruns, ...(this.encoders instanceof EncodePool ? { encodeWorkers: { ...this.encoders.counters } } : {}), ...(this.net.pool ? { netWorkers: this.net.pool.shards.length, udpPorts: this.udpPorts } : {}), ...(this.saves ? { save: this.saves.status() } : {}) };
  }

  private join(link: ClientLink): void {
    if (this.sessions.has(link)) return; // a resumed session keeps its avatar
    const player = this.nextPlayer++;
    let avatar: number;
    try {
      avatar = this.module.join(player);
    } catch (err) {
      // The game could not seat the player (its store full, say): refuse it rather than leave a
      // connection that is never sent anything.
      this.drop('join_failed');
      this.log(`chronos: ${this.module.game.name} could not join player ${player}: ${(err as Error)?.message ?? String(err)}`);
      this.net.kick(link, DisconnectReason.ServerFull);
      return;
    }
    this.encoders.add(player, player);
    this.sessions.set(link, { link, player, avatar, inputSeq: -1, inputQueue: 0, lastInputSeq: -1, inputs: [], inputSeqs: [], stream: false, camera: null, lastInputTick: this.tick });
    const game = this.module.game;
    link.send(DECLARED_JOIN_CHANNEL, encodeGameJoin({ fingerprint: game.fingerprint, tickHz: this.config.tickHz, viewCapacity: this.module.viewCapacity, player, avatarId: avatar, name: game.name }));
  }

  private leave(link: ClientLink): void {
    const s = this.sessions.get(link);
    if (!s) return;
    this.sessions.delete(link);
    this.encoders.remove(s.player);
    if (s.camera) this.module.forgetViewer?.(s.player);
    else this.module.leave(s.player, s.avatar);
  }

  /** A GAME WATCH: the session watches from `camera` on; at the first, its avatar leaves the game. */
  private watch(s: DeclaredSession<D>, camera: { xM: number; yM: number }): void {
    if (!this.module.visibleAt) return this.drop('no_spectators');
    if (!s.camera) {
      this.module.leave(s.player, s.avatar);
      s.inputs.length = 0;
      s.inputSeqs.length = 0;
    }
    s.camera = camera;
  }

  private message(link: ClientLink, channel: number, bytes: Uint8Array): void {
    const s = this.sessions.get(link);
    if (!s) return;
    try {
      if (channel === DECLARED_INPUT_CHANNEL && bytes[0] === MSG_GAME_WATCH) {
        this.watch(s, decodeGameWatch(bytes));
      } else if (channel === DECLARED_INPUT_CHANNEL && bytes[0] === MSG_GAME_INPUT && s.camera) {
        this.drop('spectator_input');
      } else if (channel === DECLARED_INPUT_CHANNEL && bytes[0] === MSG_GAME_INPUT) {
        s.lastInputTick = this.tick;
        queueInputs(s, bytes, this.inputCodec, this.dropTo);
      } else if (channel === DECLARED_SNAPSHOT_CHANNEL && bytes[0] === MSG_GAME_ACK) {
        this.encoders.ack(s.player, decodeGameAck(bytes));
      } else {
        this.drop('wrong_channel');
      }
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.drop('decode');
    }
  }

  private readonly dropTo = (reason: DeclaredDropReason): void => this.drop(reason);
  private readonly emitter = (event: DeclaredEvent): EmitResult => this.emit(event);

  private drop(reason: DeclaredDropReason): void {
    this.drops.inc({ reason });
  }

  private async listen(manualTicks: boolean, netWorkers: number, netTransport: 'udp' | 'ring'): Promise<void> {
    const { host, httpPort, udpPort } = this.config;
    if (netWorkers > 0) {
      await listenHttp(this.http, httpPort, host);
      try {
        await this.net.startWorkers(netWorkers, this.linkHandlers, (line) => this.log(line), netTransport);
      } catch (err) {
        await closeListeners({ http: this.http, wss: this.wss, net: this.net });
        await this.encoders.close();
        throw err;
      }
    } else {
      const dropped = () => this.metrics.inputDropped.inc({ transport: 'udp', reason: 'socket_error' });
      this.udp = await listenHttpAndUdp(this.http, host, { http: httpPort, udp: udpPort }, this.net, dropped, (udp) => this.net.attachUdp(udp));
    }
    this.running = true;
    this.ticks.start(manualTicks);
  }

  /**
   * Sends `event` reliably to every player within its rangeM of (x, y, z) metres (Infinity:
   * everyone; a spectator by its camera): an explosion, a kill, a chat line (declared-events.ts).
   * Call it from the game's step or between ticks; it goes out with the tick's packets, stamped
   * with the last tick run. InvalidArgumentError for a bad event (kind past a u8, payload past
   * 255 bytes, a place that is not finite); ConfigError for a ranged one when the game module
   * declares no positions.
   */
  emit(event: DeclaredEvent): EmitResult {
    const result = this.events.deliver(event, Math.max(0, this.tick - 1), this.sessions.values());
    this.eventCounts.inc({ result: 'sent' }, result.sent);
    this.metrics.bytesOut.inc(result.bytes);
    if (result.dropped > 0) this.eventCounts.inc({ result: 'dropped' }, result.dropped);
    return result;
  }

  /** One tick: the game's step, then every connected player's snapshot. */
  runTick(): void {
    const started = performance.now();
    const tick = this.tick++;
    // What the network workers' clients sent since the last tick (this thread's own connections
    // were handled as their packets arrived).
    this.net.receive();
    // A player that sent nothing for idleSeconds is disconnected (reason Idle): its avatar leaves.
    // Looked for once a second: idleness is counted in seconds, not worth a pass every tick.
    const idleTicks = Math.round(this.config.idleSeconds * this.config.tickHz);
    if (idleTicks > 0 && tick % Math.max(1, Math.round(this.config.tickHz)) === 0) {
      for (const s of takeIdle(this.sessions.values(), tick, idleTicks)) {
        this.idle.inc();
        this.net.kick(s.link, DisconnectReason.Idle);
      }
    }
    // Each player's next input, one a tick; a player with none queued keeps its last one. Its
    // snapshots say which it was (a predicting client replays the ones after it).
    for (const s of this.sessions.values()) if (!s.camera && !applyNextInput(s, this.module)) this.inputGaps.inc();
    this.module.step(tick);
    this.module.announce?.(this.emitter, tick);
    let bytesOut = 0;
    // Overloaded: each player's snapshots every 2nd or 3rd tick, players staggered so every tick
    // carries its share. Encoding is the work that grows with players; the game's step is not shed.
    // The views are the game's (main thread); the encoding is the encoders' (here or on workers).
    const period = this.shedLoad ? SNAPSHOT_PERIOD[this.overload.level]! : 1;
    const due = this.due;
    due.length = 0;
    this.encoders.begin();
    for (const s of this.sessions.values()) {
      if (s.link.state !== 'connected' || (tick + s.player) % period !== 0) continue;
      const view = this.encoders.slots(s.player);
      // A spectator's camera has no slot to measure update zones from: everything at full rate.
      const camera = s.camera;
      const n = camera ? this.module.visibleAt!(s.player, camera.xM, camera.yM, view) : this.module.visible(s.avatar, view);
      const scale = camera ? this.module.viewScaleAt?.(s.player) : this.module.viewScale?.(s.avatar);
      this.encoders.job(s.player, tick, Math.min(n, view.length), s.link.budgetBytes(), s.inputSeq, s.inputQueue, camera ? -1 : slotOf(s.avatar), scale ?? 0);
      due.push(s);
    }
    this.encoders.run();
    for (const s of due) {
      const bytes = this.encoders.result(s.player);
      if (bytes && s.link.send(DECLARED_SNAPSHOT_CHANNEL, bytes) >= 0) bytesOut += bytes.byteLength;
    }
    this.net.update();
    this.metrics.bytesOut.inc(bytesOut);
    this.metrics.entities.set(this.module.store.alive);
    this.metrics.clients.set(this.net.connectionCount);
    this.metrics.ticks.inc();
    const seconds = (performance.now() - started) / 1000;
    this.metrics.tickDuration.observe(seconds);
    this.metrics.tickQuantiles.observe(seconds);
    const level = this.overload.level;
    if (this.overload.observe(seconds * 1000) !== level) {
      const now = this.overload.level;
      if (!this.shedLoad) this.log(now > level ? `overloaded (not shedding: shedLoad is off): ${this.overload.reason}` : now === 0 ? 'load back to normal' : `load easing: ${this.overload.reason}`);
      else this.log(now > level ? `overloaded: ${this.overload.reason}` : now === 0 ? 'load back to normal: a snapshot every tick' : `load easing: ${this.overload.reason}`);
    }
  }

  /** Stops the loop and closes every client and socket. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.ticks.stop();
    const saved = this.saves ? await this.saves.close() : true;
    await closeListeners({ http: this.http, wss: this.wss, net: this.net });
    await this.encoders.close();
    if (!saved) throw new SaveStoreError('write', this.saves!.target, 'the final save failed');
  }
}
