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

import { ChronosError } from '../core/errors.js';
import type { SessionTier } from '../net/spec.js';
import type { Arena } from '../wasm/arena.js';
import type { RollbackClient, RollbackClientOptions } from '../rollback/client-session.js';
import { DEFAULT_SNAPSHOT_FRAMES } from '../rollback/snapshot-ring.js';
import type { ReferenceGame } from '../rollback/reference-game.js';

import { INPUT_BYTES, NEUTRAL_INPUT, writeInput, type PlayerInput } from '../codec/rollback-input.js';
import { decodeJoinMessage, MSG_JOIN, type JoinMessage, type PlayMode } from '../codec/play-messages.js';
import type { GameClient, GameClientOptions, GameClientStats } from './game-client.js';
import { INTEREST_RELIABLE_CHANNEL, INTEREST_SNAPSHOT_CHANNEL } from './play-channels.js';
import { createOnPlayChannels } from './play-net.js';
import { RoomClientBase } from './room-client-base.js';
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

export class PlayClient extends RoomClientBase<ReferenceGame, JoinMessage> {
  readonly arena: Arena;
  readonly name: string;
  readonly drops: Record<PlayClientDropReason, number> = { decode: 0, unknown_type: 0, wrong_channel: 0, bad_join: 0, state_part: 0, before_join: 0 };
  readonly bytesIn = new RateMeter();
  readonly rollbacksRate = new RateMeter();
  /** This client's interest-managed view of the world (channels 2 and 3). */
  readonly interest: InterestReceiver;
  game: ReferenceGame | undefined;
  private readonly options: PlayClientOptions;
  private readonly handlers: PlayClientHandlers;
  private input: PlayerInput = NEUTRAL_INPUT;
  private readonly scratch = new Uint8Array(INPUT_BYTES);
  private lastRollbacks = 0;

  private constructor(options: PlayClientOptions, net: GameClient) {
    super(net, options.mode, options.drive, options.handlers ?? {}, MSG_JOIN, (bytes: Uint8Array) => this.onJoin(decodeJoinMessage(bytes)));
    this.options = options;
    this.arena = options.arena;
    this.name = options.name ?? `play-${++instances}`;
    this.handlers = options.handlers ?? {};
    this.interest = new InterestReceiver(options.arena, this.name);
  }

  static async create(options: PlayClientOptions): Promise<PlayClient> {
    const { mode: _mode, arena: _arena, name: _name, drive: _drive, rollback: _rollback, handlers: _handlers, ...netOptions } = options;
    return createOnPlayChannels(netOptions, (net) => new PlayClient(options, net), (self) => ({
      connect: (tier) => self.onConnect(tier),
      message: (channel, bytes) => self.receive(channel, bytes),
      interrupt: (reason) => self.handlers.interrupt?.(reason),
      disconnect: (reason) => self.handlers.disconnect?.(reason),
      update: (nowMs) => {
        self.bytesIn.addTotal(self.net.net.connection.bytesIn, nowMs);
        self.onTimer(nowMs);
      },
    }));
  }

  /**
   * The local player's input from now on. Throws InvalidValueError for NaN, infinite or
   * out-of-range values, before changing anything (a spectator's input is kept and unused).
   */
  setInput(input: PlayerInput): void {
    writeInput(this.scratch, 0, input);
    this.input = input;
  }

  protected stampInput(rb: RollbackClient<ReferenceGame>, nowMs: number): void {
    rb.setInput(this.input, nowMs);
  }

  /** The interest stream's acks go out with the inputs. */
  protected override sendMore(): boolean {
    const acks = this.interest.takeAcks();
    return acks !== null && this.net.send(INTEREST_SNAPSHOT_CHANNEL, acks) >= 0;
  }

  protected override stepped(rb: RollbackClient<ReferenceGame>, nowMs: number): void {
    const rollbacks = rb.sync.stats.rollbacks;
    this.rollbacksRate.add(rollbacks - this.lastRollbacks, nowMs);
    this.lastRollbacks = rollbacks;
  }

  /** Handles one message from the server (the SDK calls it; tests may too). */
  receive(channel: number, bytes: Uint8Array): void {
    if (this.closed) return;
    const now = typeof performance !== 'undefined' ? performance.now() : Date.now();
    if (this.interest.receive(channel, bytes, now)) return;
    this.routeMessage(channel, bytes, now);
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
    this.game = game;
    this.startRollback(join, game, this.options.rollback, this.name);
    this.lastRollbacks = 0;
    this.handlers.join?.(join, game);
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
    this.stopRollback();
    this.game?.dispose();
    this.game = undefined;
  }

  stats(): PlayClientStats {
    const rb = this.rollback;
    const s = rb?.stats();
    const net = this.net.stats();
    return {
      mode: this.mode,
      phase: this.phase(),
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

  /** Closed: every region goes back to the arena. */
  protected released(): void {
    this.disposeGame();
    this.interest.dispose();
  }
}
