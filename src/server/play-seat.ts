// A connection's place in a room's session (Seat) and what RoomHost counts about all of them.

import type { Connection } from '../net/connection.js';
import type { PlayMode, SpectatorReason } from '../codec/play-messages.js';

export type HostDropReason = 'unknown_connection' | 'wrong_channel' | 'unknown_type' | 'decode' | 'not_a_player' | 'not_joined' | 'rate_limited';

/** One connection's place in the game. */
export interface Seat {
  readonly conn: Connection;
  /** What it asked for; undefined before its PLAY. */
  mode: PlayMode | undefined;
  /** Player number, or -1 (spectator, waiting, or not joined). */
  player: number;
  reason: SpectatorReason;
  /** A JOIN went out on the current channels. */
  joined: boolean;
  /** The link is lost and the session parked. */
  suspended: boolean;
  /** Spectators: a STATE is due; and the next confirmed frame to send. */
  needsState: boolean;
  nextFrame: number;
  transfers: number;
  joinedAtFrame: number;
  /** Reliable message number of the last part of the state in flight, -1 when none is. */
  stateAwaitingAck: number;
  /** Frame the last full state was sent at. */
  lastStateFrame: number;
  /** Frame of the last INPUT from this player (or of its seating). */
  lastInputFrame: number;
}

/** The seat of a connection that has not asked for anything yet (seated when its PLAY arrives). */
export function newSeat(conn: Connection): Seat {
  return {
    conn, mode: undefined, player: -1, reason: 'asked', joined: false, suspended: false, needsState: false, nextFrame: 0, transfers: 0,
    joinedAtFrame: 0, stateAwaitingAck: -1, lastStateFrame: -Infinity, lastInputFrame: 0,
  };
}

export interface RoomCounters {
  joins: number;
  statesSent: number;
  stateBytesSent: number;
  hashesSent: number;
  spectatorResyncs: number[];
  drops: Record<HostDropReason, number>;
  /** Players made spectators for sending no input for idleFrames. */
  idleUnseated: number;
}
