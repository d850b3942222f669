// What RoomHost sends one joined connection per tick (publishTo), after tick():
//   a player:     STATE parts if the session wants it to have one, then its CONFIRMED (channel 1)
//   a spectator:  STATE parts on join or request, then every new confirmed frame once (channel 0)
//   everyone:     HASH on hash frames
// The current frame's STATE is encoded at most once per frame for any number of joiners, and the
// spectators' CONFIRMED once for all who are caught up. A full state (170 KB at 2,000 NPCs) is
// the one large thing a client can ask for: a connection gets a new one only after it
// acknowledged the last and at most every STATE_MIN_INTERVAL_FRAMES.

import type { Connection } from '../net/connection.js';
import type { RollbackServer } from '../rollback/server-session.js';
import type { RollbackGame } from '../rollback/game.js';
import { encodeStateMessage, MAX_FRAMES_PER_MESSAGE } from '../codec/rollback-messages.js';
import { encodeStatePart, statePartCount } from '../codec/play-messages.js';
import { PLAY_INPUT_CHANNEL, PLAY_RELIABLE_CHANNEL } from '../client/play-channels.js';
import type { RoomCounters, Seat } from './play-seat.js';

/** Half a second at 60 Hz between full states to one connection: resyncs are rare, floods are not. */
export const STATE_MIN_INTERVAL_FRAMES = 30;

/** Queues a message; its number on the channel, or -1 if the connection dropped it. */
export type PlaySend = (conn: Connection, channel: number, bytes: Uint8Array) => number;

export class PlayPublisher {
  /** The STATE of the current frame, encoded at most once per frame for any number of joiners. */
  private stateCache: { frame: number; bytes: Uint8Array } | undefined;
  /** The spectators' CONFIRMED of this frame: caught-up spectators all get the same one. */
  private feedCache: { frame: number; first: number; bytes: Uint8Array } | undefined;

  constructor(
    private readonly session: RollbackServer,
    private readonly game: RollbackGame,
    private readonly counters: RoomCounters,
    private readonly send: PlaySend,
  ) {}

  publishTo(seat: Seat, frame: number, hash: Uint8Array | null): void {
    const conn = seat.conn;
    const stateAllowed = seat.stateAwaitingAck < 0 && frame - seat.lastStateFrame >= STATE_MIN_INTERVAL_FRAMES;
    if (seat.player >= 0) {
      if (stateAllowed && this.session.wantsState(seat.player)) this.sendState(seat, this.session.stateFor(seat.player), frame);
      const confirmed = this.session.confirmedFor(seat.player);
      if (confirmed) this.send(conn, PLAY_INPUT_CHANNEL, confirmed);
    } else {
      if (seat.needsState && stateAllowed) {
        this.sendState(seat, this.currentState(frame), frame);
        seat.needsState = false;
        seat.nextFrame = frame;
      }
      while (seat.nextFrame < frame) {
        const confirmed = this.spectatorFeed(seat.nextFrame, frame);
        if (!confirmed) {
          seat.needsState = true; // fell out of the log: a fresh state next tick
          break;
        }
        this.send(conn, PLAY_RELIABLE_CHANNEL, confirmed);
        seat.nextFrame += Math.min(frame - seat.nextFrame, MAX_FRAMES_PER_MESSAGE);
      }
    }
    if (hash) this.send(conn, PLAY_RELIABLE_CHANNEL, hash);
  }

  private spectatorFeed(first: number, frame: number): Uint8Array | null {
    const cached = this.feedCache;
    if (cached && cached.frame === frame && cached.first === first) return cached.bytes;
    const bytes = this.session.confirmedFrom(first);
    if (bytes) this.feedCache = { frame, first, bytes };
    return bytes;
  }

  private currentState(frame: number): Uint8Array {
    if (this.stateCache?.frame !== frame) {
      const region = new Uint8Array(this.game.arena.memoryBuffer, this.game.statePtr, this.game.stateBytes);
      this.stateCache = { frame, bytes: encodeStateMessage(frame, this.game.hash(), region) };
    }
    return this.stateCache.bytes;
  }

  private sendState(seat: Seat, state: Uint8Array, frame: number): void {
    const transfer = ++seat.transfers;
    const parts = statePartCount(state.byteLength);
    for (let i = 0; i < parts; i++) seat.stateAwaitingAck = this.send(seat.conn, PLAY_RELIABLE_CHANNEL, encodeStatePart(state, i, transfer));
    seat.lastStateFrame = frame;
    this.counters.statesSent++;
    this.counters.stateBytesSent += state.byteLength;
  }
}
