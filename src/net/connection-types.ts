// The vocabulary around a Connection: its timing constants, its states, what it needs from its
// endpoint (ConnectionHost: the server or the client) and the stats it reports.

import type { NetClock } from './clock.js';
import type { Connection } from './connection.js';
import type { DropCounters } from './drops.js';
import type { PacketIo } from './packet-io.js';
import type { Staging } from './staging.js';

/** netcode sends 10 packets a second when idle (the default interval). */
export const KEEPALIVE_MS = 100;
/** Longest a received packet waits for an ack to leave (a flush comes sooner at 60 Hz). */
export const ACK_DELAY_MAX_MS = 20;
/** Ack at once after this many packets, well before the 32-bit ack field could overflow. */
export const ACK_EVERY_PACKETS = 16;
/** One flush sends at most this many packets (about 300 KB). */
export const MAX_PACKETS_PER_FLUSH = 256;
/** Before a peer proves it receives at its address, a server sends it at most this many times
 * the bytes it received from there (QUIC's anti-amplification limit, RFC 9000 section 8). */
export const AMPLIFICATION_FACTOR = 3;
/** Sends of the DISCONNECT block: netcode repeats it so one loss does not leave the peer waiting. */
export const DISCONNECT_REPEATS = 3;

export type ConnectionState = 'connecting' | 'connected' | 'parked' | 'closed';

/** What a connection needs from its endpoint. */
export interface ConnectionHost {
  /** The endpoint's clock, set before it calls receive, tick or flush. */
  readonly time: NetClock;
  readonly io: PacketIo;
  readonly staging: Staging;
  readonly drops: DropCounters;
  transmit(conn: Connection, packet: Uint8Array): void;
  deliver(conn: Connection, channel: number, bytes: Uint8Array): void;
  acked(conn: Connection, channel: number, messageNumber: number): void;
  control(conn: Connection, bytes: Uint8Array): void;
  peerDisconnected(conn: Connection, reason: number): void;
  /** A reliable queue overflowed: the endpoint closes the connection. */
  overflow(conn: Connection): void;
}

export interface ConnectionStats {
  rttMs: number;
  rttVarMs: number;
  jitterMs: number;
  baselineRttMs: number;
  loss: number;
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  packetsAcked: number;
  packetsLost: number;
  messagesIn: number;
  messagesOut: number;
  sendRateBytesPerSec: number;
  budgetBytes: number;
  congestion: 'normal' | 'conservative' | 'emergency';
  reliableQueued: number;
  reassemblyBytes: number;
  /** Receive-side bytes held against the connection's cap (out-of-order, reassembly). */
  receiveBufferedBytes: number;
}
