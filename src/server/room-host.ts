// RoomHost: the server side of a rollback room, for any RollbackGame. It runs the game through a
// RollbackServer and gives every network connection a seat: a connection that asks to PLAY gets
// a player number (up to the session's size, then it watches and waits for one, first come
// first served); one that asks to watch is a spectator. Everyone receives the full state on
// join and on request, the confirmed inputs of every frame, and the state hash every
// hashEveryFrames frames (channels in src/client/play-channels.ts, messages in
// src/codec/play-messages.ts and rollback-messages.ts). What a JOIN says is the game's
// (`joinMessage`): a declared game's room (DeclaredRoomServer) describes its declaration and store.
//
// Per tick: tick() steps the game; publish() then seats whoever waits and sends each connection
// what this frame owes it (play-publisher.ts: STATE parts, CONFIRMED, HASH).
//
// Lifecycle: a lost link (interrupt) frees the player at once — an idle avatar must not walk
// on for the 30 s a session stays parked — and a client that comes back is seated again and
// sent a new JOIN and state. A disconnect frees everything the connection held. Every message
// from a client is checked — channel, type, framing, then the rollback session's own checks —
// and a failure is one counted drop, never an exception.
//
// Bounds: a full state (170 KB at 2,000 NPCs) is the one large thing a client can ask for, so a
// connection gets a new one only after it acknowledged the last and at most every
// STATE_MIN_INTERVAL_FRAMES (play-publisher.ts), and may change between playing and watching at
// most every PLAY_MIN_INTERVAL_FRAMES; a RESYNC or PLAY flood costs the server a counter, not
// bandwidth.
// Seats are few (--max-players): a player whose INPUT has not arrived for `idleFrames` frames
// (--idle-seconds) is made a spectator, its seat freed for whoever waits; it plays again by
// asking (a PLAY, which a reconnecting client sends).

import { DecodeError } from '../core/errors.js';
import type { Connection } from '../net/connection.js';
import type { NetServerHandlers } from '../net/server.js';
import { SessionTier } from '../net/spec.js';
import { RollbackServer } from '../rollback/server-session.js';
import type { RollbackGame } from '../rollback/game.js';
import { decodeResyncMessage, MSG_INPUT, MSG_RESYNC } from '../codec/rollback-messages.js';
import { decodePlayMessage, MSG_PLAY, type SpectatorReason } from '../codec/play-messages.js';
import { PLAY_INPUT_CHANNEL, PLAY_RELIABLE_CHANNEL } from '../client/play-channels.js';
import { Seats } from './seats.js';
import { newSeat, type HostDropReason, type RoomCounters, type Seat } from './play-seat.js';
import { PlayPublisher } from './play-publisher.js';

export type { HostDropReason, RoomCounters, Seat } from './play-seat.js';
export { STATE_MIN_INTERVAL_FRAMES } from './play-publisher.js';

/** A second at 60 Hz between seat changes (play <-> watch): each one costs a JOIN and a state. */
export const PLAY_MIN_INTERVAL_FRAMES = 60;

export interface RoomHostOptions {
  /** Frames without an INPUT before a player is made a spectator (0: never; default 0). */
  idleFrames?: number;
  /** A HASH message every this many frames (the JOIN says so). */
  hashEveryFrames: number;
  /** The JOIN of a connection seated as `player` (-1: a spectator, for `reason`) at `frame`. */
  joinMessage(player: number, reason: SpectatorReason, frame: number): Uint8Array;
}

export class RoomHost<G extends RollbackGame = RollbackGame> {
  readonly game: G;
  readonly session: RollbackServer<G>;
  readonly seats: Seats<Seat>;
  readonly counters: RoomCounters = {
    joins: 0,
    statesSent: 0,
    stateBytesSent: 0,
    hashesSent: 0,
    spectatorResyncs: [0, 0, 0, 0],
    drops: { unknown_connection: 0, wrong_channel: 0, unknown_type: 0, decode: 0, not_a_player: 0, not_joined: 0, rate_limited: 0 },
    idleUnseated: 0,
  };
  private readonly idleFrames: number;
  private readonly joinMessage: RoomHostOptions['joinMessage'];
  protected readonly clients = new Map<Connection, Seat>();
  private readonly publisher: PlayPublisher;
  /** Payload bytes queued since takeBytesQueued() was last called. */
  private bytesQueued = 0;

  constructor(game: G, options: RoomHostOptions) {
    this.game = game;
    this.idleFrames = options.idleFrames ?? 0;
    this.joinMessage = options.joinMessage;
    this.session = new RollbackServer(game, { hashEveryFrames: options.hashEveryFrames, name: 'server-session' });
    this.seats = new Seats<Seat>(game.players);
    this.publisher = new PlayPublisher(this.session, game, this.counters, (conn, channel, bytes) => this.send(conn, channel, bytes));
  }

  get players(): number {
    return this.seats.count;
  }

  get spectators(): number {
    let n = 0;
    for (const s of this.clients.values()) if (s.joined && s.player < 0 && !s.suspended) n++;
    return n;
  }

  get waiting(): number {
    return this.seats.waiting;
  }

  /** The NetServer's handlers for the play session. */
  handlers(): NetServerHandlers {
    return {
      connect: (conn, tier) => this.onConnect(conn, tier),
      interrupt: (conn) => this.onInterrupt(conn),
      disconnect: (conn) => this.onDisconnect(conn),
      message: (conn, channel, bytes) => this.onMessage(conn, channel, bytes),
      acked: (conn, channel, messageNumber) => this.onAcked(conn, channel, messageNumber),
    };
  }

  private onConnect(conn: Connection, tier: SessionTier): void {
    let seat = this.clients.get(conn);
    if (seat !== undefined && tier === SessionTier.New) {
      // The same Connection object starting a new session: nothing of the old one survives.
      this.release(seat);
      this.seats.leaveQueue(seat);
    }
    if (seat === undefined || tier === SessionTier.New) {
      seat = newSeat(conn);
      this.clients.set(conn, seat);
      return; // seated when its PLAY arrives
    }
    seat.suspended = false;
    seat.joined = false;
    seat.stateAwaitingAck = -1; // a new link: acks of the old one's messages will not come
    // Back within the parked window: seated again as it asked (its player was freed when the
    // link dropped); the client learns its number from the new JOIN.
    if (seat.mode !== undefined) this.admit(seat);
  }

  private onInterrupt(conn: Connection): void {
    const seat = this.clients.get(conn);
    if (!seat) return;
    seat.suspended = true;
    this.release(seat);
    this.seats.leaveQueue(seat);
  }

  private onDisconnect(conn: Connection): void {
    const seat = this.clients.get(conn);
    if (!seat) return;
    this.release(seat);
    this.seats.leaveQueue(seat);
    this.clients.delete(conn);
  }

  private onAcked(conn: Connection, channel: number, messageNumber: number): void {
    const seat = this.clients.get(conn);
    if (seat && channel === PLAY_RELIABLE_CHANNEL && seat.stateAwaitingAck >= 0 && messageNumber >= seat.stateAwaitingAck) seat.stateAwaitingAck = -1;
  }

  private drop(reason: HostDropReason): void {
    this.counters.drops[reason]++;
  }

  private onMessage(conn: Connection, channel: number, bytes: Uint8Array): void {
    const seat = this.clients.get(conn);
    if (!seat) {
      this.drop('unknown_connection');
      return;
    }
    const type = bytes.byteLength > 0 ? bytes[0] : -1;
    if (type === MSG_INPUT) {
      if (channel !== PLAY_INPUT_CHANNEL) this.drop('wrong_channel');
      else if (seat.player < 0) this.drop('not_a_player');
      else {
        seat.lastInputFrame = this.session.frame;
        this.session.receive(seat.player, bytes);
      }
      return;
    }
    if (type !== MSG_PLAY && type !== MSG_RESYNC) {
      this.drop('unknown_type');
      return;
    }
    if (channel !== PLAY_RELIABLE_CHANNEL) {
      this.drop('wrong_channel');
      return;
    }
    if (type === MSG_RESYNC && seat.player >= 0) {
      this.session.receive(seat.player, bytes);
      return;
    }
    try {
      if (type === MSG_PLAY) {
        const mode = decodePlayMessage(bytes);
        if (seat.joined && seat.mode === mode) return; // a repeat (the client reconnected): already seated so
        if (seat.joined && this.session.frame - seat.joinedAtFrame < PLAY_MIN_INTERVAL_FRAMES) {
          this.drop('rate_limited');
          return;
        }
        seat.mode = mode;
        this.admit(seat);
      } else if (!seat.joined) {
        this.drop('not_joined');
      } else {
        const msg = decodeResyncMessage(bytes);
        this.counters.spectatorResyncs[msg.reason]!++;
        seat.needsState = true;
      }
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.drop('decode');
    }
  }

  /** Seats a connection as it asked (a player if a number is free) and sends its JOIN. */
  private admit(seat: Seat): void {
    this.release(seat);
    const frame = this.session.frame;
    seat.reason = 'asked';
    if (seat.mode === 'play') {
      const player = this.seats.take(seat, frame);
      if (player >= 0) {
        this.session.addPlayer(player);
        seat.player = player;
        seat.reason = 'player';
        seat.lastInputFrame = frame;
      } else {
        this.seats.wait(seat);
        seat.reason = 'full';
      }
    } else {
      this.seats.leaveQueue(seat);
    }
    seat.needsState = seat.player < 0;
    seat.joined = true;
    seat.joinedAtFrame = frame;
    this.counters.joins++;
    this.send(seat.conn, PLAY_RELIABLE_CHANNEL, this.joinMessage(seat.player, seat.reason, frame));
  }

  /** Queues a message; its number on the channel, or -1 if the connection dropped it. */
  private send(conn: Connection, channel: number, bytes: Uint8Array): number {
    // Every message is a fresh array nobody changes afterwards: lent, not copied.
    const n = conn.sendBorrowed(channel, bytes);
    if (n >= 0) this.bytesQueued += bytes.byteLength;
    return n;
  }

  /** Payload bytes queued for clients since the last call (the server's bytes-out counter). */
  takeBytesQueued(): number {
    const n = this.bytesQueued;
    this.bytesQueued = 0;
    return n;
  }

  private release(seat: Seat): void {
    if (seat.player < 0) return;
    this.session.removePlayer(seat.player);
    this.seats.release(seat.player, this.session.frame);
    seat.player = -1;
  }

  /** Simulates one frame: every present player's input (or its repeat), claims judged, one step. */
  tick(): void {
    this.session.tick();
  }

  /** Sends what this frame owes every connection. Call after tick() and before the network flush. */
  publish(): void {
    const frame = this.session.frame;
    for (let next = this.seats.nextToSeat(frame); next !== undefined; next = this.seats.nextToSeat(frame)) {
      if (next.conn.state === 'connected' && !next.suspended) this.admit(next);
      else this.seats.leaveQueue(next);
    }
    if (this.idleFrames > 0) this.unseatIdle(frame);
    const hash = this.session.hashMessage();
    if (hash) this.counters.hashesSent++;
    for (const seat of this.clients.values()) {
      if (!seat.joined || seat.suspended || seat.conn.state !== 'connected') continue;
      this.publisher.publishTo(seat, frame, hash);
    }
  }

  /** Players silent for idleFrames watch from now on (a new JOIN says so); their seats free up. */
  private unseatIdle(frame: number): void {
    for (const seat of this.clients.values()) {
      if (seat.player < 0 || frame - seat.lastInputFrame <= this.idleFrames) continue;
      seat.mode = 'watch';
      this.counters.idleUnseated++;
      this.admit(seat);
    }
  }

  /** Calls `visit` for each connection joined and connected now, with its player number (-1: it watches or waits). */
  forEachJoined(visit: (conn: Connection, player: number) => void): void {
    for (const seat of this.clients.values()) {
      if (seat.joined && !seat.suspended && seat.conn.state === 'connected') visit(seat.conn, seat.player);
    }
  }

  /** The seated, joined, connected player `conn` plays as, or -1 (spectating, waiting, not joined, link lost). */
  playerOf(conn: Connection): number {
    const seat = this.clients.get(conn);
    return !seat || !seat.joined || seat.suspended ? -1 : seat.player;
  }

  /** ClientLinks the host tracks (joined or not); for tests of cleanup. */
  get connections(): number {
    return this.clients.size;
  }
}
