// What a rollback-room client is (DeclaredRoomClient for a
// declared game's room): the GameClient on the play channels, the seat asked for at each new
// session, the messages routed (routeRoomMessage), the RollbackClient a JOIN starts, and each
// update: the local input stamped (the subclass's), the frames due run, the inputs and any
// resync request sent at once (RollbackPump), the newest hash mismatch kept, `running` said once.
// A subclass builds its game from its own JOIN and calls startRollback with it.

import type { SessionTier } from '../net/spec.js';
import { STATE_HEADER_BYTES } from '../codec/rollback-messages.js';
import { StateAssembler, type PlayMode, type SpectatorReason } from '../codec/play-messages.js';
import { RollbackClient, type RollbackClientOptions } from '../rollback/client-session.js';
import type { RollbackGame } from '../rollback/game.js';
import type { GameClient } from './game-client.js';
import { UpdateDriver } from './play-net.js';
import { askForSeat, RollbackPump, routeRoomMessage, type RoomMessageDrop, type RoomMessageTarget } from './rollback-pump.js';

/** 8 frames (133 ms at 60 Hz) behind its would-be input frame: where a spectator's clock settles. */
const SPECTATOR_DELAY_FRAMES = 8;

/** What a room's JOIN says that the base needs. */
export interface RoomJoinBasics {
  readonly player: number;
  readonly spectatorReason: SpectatorReason;
  readonly tickHz: number;
  readonly stateBytes: number;
}

export interface RoomClientEvents {
  connect?(tier: SessionTier): void;
  /** The full state was installed: the client runs from here. */
  running?(frame: number): void;
}

export abstract class RoomClientBase<G extends RollbackGame, J extends RoomJoinBasics> {
  readonly net: GameClient;
  readonly mode: PlayMode;
  join: J | undefined;
  rollback: RollbackClient<G> | undefined;
  joins = 0;
  /** Frame of the newest hash mismatch seen (-1: none); survives the resync that repairs it. */
  lastDesyncFrame = -1;
  abstract readonly drops: Record<RoomMessageDrop, number>;
  protected assembler: StateAssembler | undefined;
  protected readonly driver: UpdateDriver;
  protected wasRunning = false;
  protected closed = false;
  private readonly pump = new RollbackPump();
  private readonly route: RoomMessageTarget;

  protected constructor(
    net: GameClient,
    mode: PlayMode,
    drive: 'timer' | 'manual' | undefined,
    private readonly events: RoomClientEvents,
    /** The JOIN's type byte, and the subclass's handling of one (DecodeError when malformed). */
    joinType: number,
    onJoin: (bytes: Uint8Array) => void,
  ) {
    this.net = net;
    this.mode = mode;
    this.driver = new UpdateDriver({ drive });
    const self = this;
    this.route = {
      get rollback() {
        return self.rollback;
      },
      get assembler() {
        return self.assembler;
      },
      get drops() {
        return self.drops;
      },
      joinType,
      join: onJoin,
    };
  }

  /** Fetches a token, connects and handshakes; the JOIN follows shortly after. */
  connect(): Promise<SessionTier> {
    return this.net.connect();
  }

  /** Player (seat) number, or -1 (a spectator, or not joined yet). */
  get player(): number {
    return this.join?.player ?? -1;
  }

  get running(): boolean {
    return this.rollback?.state === 'running';
  }

  /**
   * Runs the frames due by `nowMs` (predicting, rolling back where the server's inputs differ),
   * then sends the newest inputs and any resync request at once. Returns frames run.
   */
  update(nowMs: number): number {
    this.driver.called(nowMs);
    return this.step(nowMs);
  }

  /** The SDK's timer fired: it runs the update when the caller does not (drive 'timer', or a stalled page). */
  protected onTimer(nowMs: number): void {
    if (this.driver.timerRuns(nowMs)) this.step(nowMs);
  }

  protected step(nowMs: number): number {
    const rb = this.rollback;
    if (!rb || this.closed) return 0;
    const playing = this.player >= 0;
    if (playing && rb.state === 'running') this.stampInput(rb, nowMs);
    const pumped = this.pump.update(rb, this.net, playing, nowMs);
    const sent = this.sendMore() || pumped.sent;
    if (sent) this.net.flush();
    if (rb.desync) this.lastDesyncFrame = rb.desync.frame;
    this.stepped(rb, nowMs);
    if (!this.wasRunning && rb.state === 'running') {
      this.wasRunning = true;
      this.events.running?.(rb.currentFrame);
    }
    return pumped.ran;
  }

  /** Hands the local player's current input to `rb` for the frames it runs now. */
  protected abstract stampInput(rb: RollbackClient<G>, nowMs: number): void;

  /** Queues what else an update sends (acks of another stream); true when it queued anything. */
  protected sendMore(): boolean {
    return false;
  }

  /** After each update's frames (rates, meters). */
  protected stepped(_rb: RollbackClient<G>, _nowMs: number): void {}

  protected onConnect(tier: SessionTier): void {
    askForSeat(this.net, this.mode, tier);
    this.events.connect?.(tier);
  }

  /** Routes one message of the room's channels (the SDK calls receive(), which may look at others first). */
  protected routeMessage(channel: number, bytes: Uint8Array, nowMs: number): void {
    routeRoomMessage(this.route, channel, bytes, nowMs);
  }

  /**
   * A JOIN's game is built: from now on the client runs it as the JOIN says (its seat, or a
   * spectator's clock a few frames behind), the state that follows assembled for it.
   */
  protected startRollback(join: J, game: G, options: Partial<Omit<RollbackClientOptions, 'localPlayer' | 'tickHz' | 'name'>> | undefined, name: string): void {
    this.join = join;
    // A spectator has nothing to predict: a long "input delay" sets its time sync to run a few
    // frames behind the server's present, at the edge of what is confirmed, so it rarely rolls back.
    const watching = join.player < 0 ? { inputDelayFrames: SPECTATOR_DELAY_FRAMES } : {};
    this.rollback = new RollbackClient(game, { ...options, ...watching, localPlayer: join.player, tickHz: join.tickHz, name: `${name}-rollback` });
    this.assembler = new StateAssembler(join.stateBytes + STATE_HEADER_BYTES);
    this.joins++;
    this.wasRunning = false;
  }

  /** The rollback session and the state assembly go (a new JOIN, or the end). */
  protected stopRollback(): void {
    this.rollback?.dispose();
    this.rollback = undefined;
    this.assembler = undefined;
  }

  /** Leaves (a DISCONNECT to the server) and lets go of the game (released()). Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.net.close();
    this.released();
  }

  /** The client closed: give back what its game holds. */
  protected abstract released(): void;

  /** What phase the client is in: connecting, joining (JOIN received, state on its way), running, needs-state, closed. */
  protected phase(): string {
    const rb = this.rollback;
    return this.closed ? 'closed' : !this.join ? 'connecting' : !rb || rb.state === 'awaiting-state' ? 'joining' : rb.state;
  }
}
