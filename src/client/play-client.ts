// PlayClient: a player (or spectator) of the demo game, in the browser and in Node. It connects
// through the GameClient SDK, asks to PLAY or watch, builds the game the server's JOIN describes
// with the same chronos.wasm, installs the full state that follows, and from then on runs a
// RollbackClient: the local player's inputs are simulated at once (prediction), the server's
// confirmed inputs reconcile by rollback, and a hash every hashEveryFrames frames proves the
// confirmed state equals the server's (a mismatch reports the frame and asks for a new state).
//
//   const play = await PlayClient.create({ tokenUrl, mode: 'play', arena, transport: 'udp', udp: connectUdp });
//   await play.connect();
//   // every frame (the page's animation frame, or the built-in 60 Hz timer with drive: 'timer'):
//   play.setInput({ moveX, moveY, aimRad, fire, shoot });
//   play.update(performance.now());     // predicts, rolls back, sends the inputs at once
//   play.rollback?.predictedInto(bodies) / remoteInto(bodies, now)   // draw
//
// A re-seating (the link dropped and came back, or a spectator was given a free player number)
// arrives as a new JOIN: the game is rebuilt and the new state installed. Malformed or
// unexpected messages are counted in `drops` by reason and change nothing.

import { DecodeError, ChronosError } from '../core/errors.js';
import { SessionTier } from '../net/spec.js';
import type { Arena } from '../wasm/arena.js';
import { RollbackClient, type RollbackClientOptions } from '../rollback/client-session.js';
import { DEFAULT_SNAPSHOT_FRAMES } from '../rollback/snapshot-ring.js';
import type { ReferenceGame } from '../rollback/reference-game.js';
import { MSG_CONFIRMED, MSG_HASH, STATE_HEADER_BYTES } from '../codec/rollback-messages.js';
import { INPUT_BYTES, NEUTRAL_INPUT, writeInput, type PlayerInput } from '../codec/rollback-input.js';
import { decodeJoinMessage, decodeStatePart, encodePlayMessage, MSG_JOIN, MSG_STATE_PART, StateAssembler, type JoinMessage, type PlayMode } from '../codec/play-messages.js';
import type { GameClient, GameClientOptions, GameClientStats } from './game-client.js';
import { INTEREST_RELIABLE_CHANNEL, INTEREST_SNAPSHOT_CHANNEL, PLAY_INPUT_CHANNEL, PLAY_RELIABLE_CHANNEL } from './play-channels.js';
import { createOnPlayChannels, UpdateDriver } from './play-net.js';
import { InterestReceiver } from './interest-receiver.js';
import { encodeInterestViewer } from '../codec/interest-setup.js';
import { createDemoGame, paramsFromJoin } from './demo-game.js';
import { RateMeter } from './rate-meter.js';

export type PlayClientDropReason = 'decode' | 'unknown_type' | 'wrong_channel' | 'bad_join' | 'state_part' | 'before_join';

export interface PlayClientHandlers {
  /** A JOIN arrived and its game was built (the state follows); `game` replaces any earlier one. */
  join?(join: JoinMessage, game: ReferenceGame): void;
  /** The full state was installed: the client runs from here. */
  running?(frame: number): void;
  connect?(tier: SessionTier): void;
  interrupt?(reason: number): void;
  disconnect?(reason: number): void;
}

export interface PlayClientOptions extends Omit<GameClientOptions, 'channels' | 'handlers'> {
  mode: PlayMode;
  /** Where the game's regions live (one arena may hold several clients: name them apart). */
  arena: Arena;
  /** Prefix of this client's arena regions (default: play-1, play-2...). */
  name?: string;
  /**
   * 'timer' (default): the client updates itself on the SDK's 60 Hz timer (bots, tools).
   * 'manual': the caller calls update() every animation frame; the timer steps in only while
   * those calls stop for more than a moment (a page in a background tab).
   */
  drive?: 'timer' | 'manual';
  rollback?: Partial<Omit<RollbackClientOptions, 'localPlayer' | 'tickHz' | 'name'>>;
  handlers?: PlayClientHandlers;
}

/** Hitbox history beyond the snapshot ring: the render delay and the interpolation's next frame. */
const HISTORY_MARGIN_FRAMES = 8;
/** 8 frames (133 ms at 60 Hz) behind its would-be input frame: where a spectator's clock settles. */
const SPECTATOR_DELAY_FRAMES = 8;
/** A spectator sends no inputs, so no acks time its round trip: the link's RTT feeds its clock this often. */
const SPECTATOR_RTT_EVERY_MS = 250;

let instances = 0;

export interface PlayClientStats {
  mode: PlayMode;
  /** connecting, joining (JOIN received, state on its way), running, needs-state, closed. */
  phase: string;
  player: number;
  spectatorReason: string;
  joins: number;
  frame: number;
  confirmedFrame: number;
  predictionFrames: number;
  rollbacks: number;
  rollbacksPerS: number;
  rolledBackFrames: number;
  lastRollbackDepth: number;
  maxRollbackDepth: number;
  mispredictions: number;
  corrections: { snap: number; smooth: number; blend: number; teleport: number };
  leadFrames: number;
  speed: number;
  rttMs: number;
  hashChecks: { matched: number; mismatched: number; unchecked: number };
  desyncFrame: number;
  statesInstalled: number;
  drops: Record<PlayClientDropReason, number>;
  rollbackDrops: Record<string, number>;
  bytesInPerS: number;
  /** Interest-managed snapshots: bytes and records (updates) per second, entities in view, rejects. */
  interest: { bytesPerS: number; updatesPerS: number; inView: number; snapshots: number; rejected: number };
  net: GameClientStats;
}

export class PlayClient {
  readonly net: GameClient;
  readonly mode: PlayMode;
  readonly arena: Arena;
  readonly name: string;
  readonly drops: Record<PlayClientDropReason, number> = { decode: 0, unknown_type: 0, wrong_channel: 0, bad_join: 0, state_part: 0, before_join: 0 };
  readonly bytesIn = new RateMeter();
  readonly rollbacksRate = new RateMeter();
  /** This client's interest-managed view of the world (channels 2 and 3). */
  readonly interest: InterestReceiver;
  join: JoinMessage | undefined;
  game: ReferenceGame | undefined;
  rollback: RollbackClient<ReferenceGame> | undefined;
  joins = 0;
  private readonly options: PlayClientOptions;
  private readonly handlers: PlayClientHandlers;
  private assembler: StateAssembler | undefined;
  private input: PlayerInput = NEUTRAL_INPUT;
  private readonly scratch = new Uint8Array(INPUT_BYTES);
  private readonly driver: UpdateDriver;
  private lastRttFeedMs = -Infinity;
  private lastRollbacks = 0;
  private wasRunning = false;
  private closed = false;
  /** Frame of the newest hash mismatch seen (-1: none); survives the resync that repairs it. */
  lastDesyncFrame = -1;

  private constructor(options: PlayClientOptions, net: GameClient) {
    this.options = options;
    this.net = net;
    this.mode = options.mode;
    this.arena = options.arena;
    this.name = options.name ?? `play-${++instances}`;
    this.handlers = options.handlers ?? {};
    this.driver = new UpdateDriver(options);
    this.interest = new InterestReceiver(options.arena, this.name);
  }

  static async create(options: PlayClientOptions): Promise<PlayClient> {
    const { mode: _mode, arena: _arena, name: _name, drive: _drive, rollback: _rollback, handlers: _handlers, ...netOptions } = options;
    return createOnPlayChannels(netOptions, (net) => new PlayClient(options, net), (self) => ({
      connect: (tier) => self.onConnect(tier),
      message: (channel, bytes) => self.receive(channel, bytes),
      interrupt: (reason) => self.handlers.interrupt?.(reason),
      disconnect: (reason) => self.handlers.disconnect?.(reason),
      update: (nowMs) => self.onTimer(nowMs),
    }));
  }

  /** Fetches a token, connects and handshakes; the JOIN follows shortly after. */
  connect(): Promise<SessionTier> {
    return this.net.connect();
  }

  /** Player number, or -1 (a spectator, or not joined yet). */
  get player(): number {
    return this.join?.player ?? -1;
  }

  get running(): boolean {
    return this.rollback?.state === 'running';
  }

  /**
   * The local player's input from now on. Throws InvalidValueError for NaN, infinite or
   * out-of-range values, before changing anything (a spectator's input is kept and unused).
   */
  setInput(input: PlayerInput): void {
    writeInput(this.scratch, 0, input);
    this.input = input;
  }

  /**
   * Runs the frames due by `nowMs` (predicting, rolling back where the server's inputs differ),
   * then sends the newest inputs and any resync request at once. Returns frames run.
   */
  update(nowMs: number): number {
    this.driver.called(nowMs);
    return this.step(nowMs);
  }

  private step(nowMs: number): number {
    const rb = this.rollback;
    if (!rb || this.closed) return 0;
    const playing = this.player >= 0;
    if (playing && rb.state === 'running') rb.setInput(this.input, nowMs);
    if (!playing && nowMs - this.lastRttFeedMs >= SPECTATOR_RTT_EVERY_MS) {
      const rtt = this.net.net.connection.rttMs;
      if (rtt > 0) rb.timeSync.addRttSample(rtt);
      this.lastRttFeedMs = nowMs;
    }
    const ran = rb.update(nowMs);
    let sent = false;
    if (playing && ran > 0) {
      const packet = rb.takeInputPacket(nowMs);
      if (packet) sent = this.net.send(PLAY_INPUT_CHANNEL, packet) >= 0 || sent;
    }
    const resync = rb.takeResync();
    if (resync) sent = this.net.send(PLAY_RELIABLE_CHANNEL, resync) >= 0 || sent;
    const acks = this.interest.takeAcks();
    if (acks) sent = this.net.send(INTEREST_SNAPSHOT_CHANNEL, acks) >= 0 || sent;
    if (sent) this.net.flush();
    if (rb.desync) this.lastDesyncFrame = rb.desync.frame;
    const rollbacks = rb.sync.stats.rollbacks;
    this.rollbacksRate.add(rollbacks - this.lastRollbacks, nowMs);
    this.lastRollbacks = rollbacks;
    if (!this.wasRunning && rb.state === 'running') {
      this.wasRunning = true;
      this.handlers.running?.(rb.currentFrame);
    }
    return ran;
  }

  private onTimer(nowMs: number): void {
    this.bytesIn.addTotal(this.net.net.connection.bytesIn, nowMs);
    if (this.driver.timerRuns(nowMs)) this.step(nowMs);
  }

  private onConnect(tier: SessionTier): void {
    // New session or reset channels: say what we want. A resumed one keeps everything; the
    // server re-seats it and sends a new JOIN on its own.
    if (tier !== SessionTier.Resume) this.net.send(PLAY_RELIABLE_CHANNEL, encodePlayMessage(this.mode));
    this.handlers.connect?.(tier);
  }

  /** Handles one message from the server (the SDK calls it; tests may too). */
  receive(channel: number, bytes: Uint8Array): void {
    if (this.closed) return;
    const now = typeof performance !== 'undefined' ? performance.now() : Date.now();
    if (this.interest.receive(channel, bytes, now)) return;
    const type = bytes.byteLength > 0 ? bytes[0] : -1;
    try {
      if (type === MSG_CONFIRMED || type === MSG_HASH) {
        if (this.rollback) this.rollback.receive(bytes, now);
        else this.drops.before_join++;
      } else if (type === MSG_JOIN || type === MSG_STATE_PART) {
        if (channel !== PLAY_RELIABLE_CHANNEL) this.drops.wrong_channel++;
        else if (type === MSG_JOIN) this.onJoin(decodeJoinMessage(bytes));
        else this.onStatePart(bytes, now);
      } else this.drops.unknown_type++;
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.drops.decode++;
    }
  }

  private onJoin(join: JoinMessage): void {
    const params = paramsFromJoin(join);
    this.disposeGame();
    let game: ReferenceGame;
    try {
      // Remote bodies are drawn from the hitbox history behind the confirmed frame, which can
      // trail the predicted one by the whole snapshot ring: the history covers that much.
      const snapshots = this.options.rollback?.snapshotFrames ?? DEFAULT_SNAPSHOT_FRAMES;
      game = createDemoGame(this.arena, params, `${this.name}-world`, snapshots + HISTORY_MARGIN_FRAMES);
    } catch (err) {
      // The JOIN decoded but describes no valid game (a forged or mismatched server).
      if (!(err instanceof ChronosError)) throw err;
      this.drops.bad_join++;
      return;
    }
    if (game.stateBytes !== join.stateBytes) {
      game.dispose();
      this.drops.bad_join++;
      return;
    }
    this.join = join;
    this.game = game;
    // A spectator has nothing to predict: a long "input delay" sets its time sync to run a few
    // frames behind the server's present, at the edge of what is confirmed, so it rarely rolls back.
    const watching = join.player < 0 ? { inputDelayFrames: SPECTATOR_DELAY_FRAMES } : {};
    this.rollback = new RollbackClient(game, { ...this.options.rollback, ...watching, localPlayer: join.player, tickHz: join.tickHz, name: `${this.name}-rollback` });
    this.assembler = new StateAssembler(join.stateBytes + STATE_HEADER_BYTES);
    this.joins++;
    this.wasRunning = false;
    this.lastRollbacks = 0;
    this.handlers.join?.(join, game);
  }

  private onStatePart(bytes: Uint8Array, nowMs: number): void {
    const assembler = this.assembler;
    const rb = this.rollback;
    if (!assembler || !rb) {
      this.drops.before_join++;
      return;
    }
    const part = decodeStatePart(bytes);
    const rejected = assembler.rejected;
    const state = assembler.add(part);
    if (assembler.rejected !== rejected) this.drops.state_part++;
    if (state) rb.receive(state, nowMs);
  }

  /**
   * The local hash of the state at `frame` (the live state or a snapshot in the ring), or
   * undefined when neither holds it. For a confirmed frame it must equal the server's.
   */
  hashOfFrame(frame: number): bigint | undefined {
    const rb = this.rollback;
    if (!rb || !this.game) return undefined;
    return frame === rb.currentFrame ? this.game.hash() : rb.ring.hashOf(frame);
  }

  /** The newest hash frame (a multiple of the JOIN's period) the client holds confirmed, or -1. */
  newestConfirmedHashFrame(): number {
    const rb = this.rollback;
    const every = this.join?.hashEveryFrames ?? 0;
    if (!rb || every < 1 || rb.state !== 'running') return -1;
    for (let f = Math.floor((rb.confirmedFrame + 1) / every) * every; f >= 0 && f > rb.confirmedFrame + 1 - rb.ring.slots; f -= every) {
      if (this.hashOfFrame(f) !== undefined) return f;
    }
    return -1;
  }

  private disposeGame(): void {
    this.rollback?.dispose();
    this.game?.dispose();
    this.rollback = undefined;
    this.game = undefined;
    this.assembler = undefined;
  }

  stats(): PlayClientStats {
    const rb = this.rollback;
    const s = rb?.stats();
    const net = this.net.stats();
    return {
      mode: this.mode,
      phase: this.closed ? 'closed' : !this.join ? 'connecting' : !rb || rb.state === 'awaiting-state' ? 'joining' : rb.state,
      player: this.player,
      spectatorReason: this.join?.spectatorReason ?? '-',
      joins: this.joins,
      frame: s?.frame ?? 0,
      confirmedFrame: s?.confirmedFrame ?? -1,
      predictionFrames: s?.predictionFrames ?? 0,
      rollbacks: s?.rollbacks ?? 0,
      rollbacksPerS: this.rollbacksRate.perSecond,
      rolledBackFrames: s?.rolledBackFrames ?? 0,
      lastRollbackDepth: s?.lastRollbackDepth ?? 0,
      maxRollbackDepth: s?.maxRollbackDepth ?? 0,
      mispredictions: s?.mispredictions ?? 0,
      corrections: s?.corrections ?? { snap: 0, smooth: 0, blend: 0, teleport: 0 },
      leadFrames: s?.leadFrames ?? 0,
      speed: s?.speed ?? 1,
      rttMs: net.rttMs,
      hashChecks: s?.hashChecks ?? { matched: 0, mismatched: 0, unchecked: 0 },
      desyncFrame: this.lastDesyncFrame,
      statesInstalled: rb?.statesInstalled ?? 0,
      drops: { ...this.drops },
      rollbackDrops: s ? { ...s.drops } : {},
      bytesInPerS: this.bytesIn.perSecond,
      interest: {
        bytesPerS: this.interest.bytesIn.perSecond,
        updatesPerS: this.interest.updates.perSecond,
        inView: this.interest.view?.count ?? 0,
        snapshots: this.interest.snapshots,
        rejected: this.interest.rejected,
      },
      net,
    };
  }

  /**
   * Tells the server where a spectator looks (its interest view is centred there); finite
   * metres inside the world, else InvalidValueError. A player's view follows its avatar.
   */
  sendViewer(x: number, y: number): void {
    this.net.send(INTEREST_RELIABLE_CHANNEL, encodeInterestViewer(x, y));
  }

  /** Leaves (a DISCONNECT to the server) and gives every region back to the arena. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.net.close();
    this.disposeGame();
    this.interest.dispose();
  }
}
