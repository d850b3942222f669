// What a NetServer is configured with (options), what it calls (handlers) and what it reports
// (stats). Defaults are stated next to each option.

import type { ChannelConfig } from './channel.js';
import type { CongestionOptions } from './congestion.js';
import type { Connection } from './connection.js';
import type { NetCrypto } from './crypto.js';
import type { DisconnectReason, SessionTier } from './spec.js';

export interface NetServerHandlers {
  /** A session began (New) or a client came back: Resume (< 5 s, nothing lost) or Resync
   * (5-30 s: channels were reset, send it a fresh state). */
  connect?(conn: Connection, tier: SessionTier): void;
  /** The link was lost (timeout, socket closed); the session is parked for 30 s. */
  interrupt?(conn: Connection, reason: DisconnectReason): void;
  /** The session ended for good; `conn` must not be used any more. */
  disconnect?(conn: Connection, reason: DisconnectReason): void;
  /** A message arrived; `bytes` is only valid during the call. */
  message?(conn: Connection, channel: number, bytes: Uint8Array): void;
  /** The client has received every byte of message `messageNumber` on `channel`. */
  acked?(conn: Connection, channel: number, messageNumber: number): void;
  /** A handler above threw; the server carries on (default: console.error). */
  error?(err: unknown): void;
}

export interface NetServerOptions {
  crypto: NetCrypto;
  /** 32 bytes; private connect tokens are sealed with it (share it with the token backend). */
  secret: Uint8Array;
  protocolId?: bigint;
  channels?: readonly ChannelConfig[];
  /** Sessions (connected + parked) at once; more are DENIED (default 1,000). */
  maxConnections?: number;
  /** Sessions (connected + parked) whose link came from one IP address; more are DENIED with
   * AddressLimit (default: maxConnections, no limit of its own; a game's server sets 32 by default, --max-sessions-per-ip). Behind
   * a NAT or a proxy many players share an address. */
  maxSessionsPerIp?: number;
  /** Sessions an address holds on other servers sharing its maxSessionsPerIp (the network
   * workers of one game server); counted with this server's own. */
  otherSessionsAt?: (host: string) => number;
  /** If given, a connect token must list one of these addresses (netcode's server binding). */
  publicAddresses?: readonly string[];
  /** Monotonic clock, ms (default performance.now). */
  now?: () => number;
  /** Wall clock for token expiry, unix ms (default Date.now). */
  unixNow?: () => number;
  congestion?: Partial<CongestionOptions>;
  rekeyIntervalMs?: number;
  /** Idle interval before a keep-alive packet (default 100 ms, netcode's ten a second). */
  keepaliveMs?: number;
  /** Handshake packets per second per source IP (default 20, burst 40). */
  handshakesPerIpPerSec?: number;
  /** Key exchanges per second for the whole server (default 2,000). */
  maxHandshakesPerSec?: number;
  /** Inbound packets and bytes per second per connection (defaults 2,000 and 4 MiB). */
  connectionPacketsPerSec?: number;
  connectionBytesPerSec?: number;
  /** Hard ceiling on what one connection is sent, bytes/s, critical traffic included (default
   * 16 MiB/s: twice congestion control's maximum rate; a backstop, see send-ceiling.ts). */
  maxSendBytesPerSec?: number;
  /** Receive-buffer cap per connection, bytes (default 64 KiB): out-of-order reliable messages,
   * reassembly of anything but each reliable channel's next message, unreliable fragment
   * groups. What a connection can make the server hold on receive is this plus one message of
   * each reliable channel's client-to-server limit (Connection.receiveBound). */
  maxReceiveBufferBytes?: number;
  handlers?: NetServerHandlers;
}

export interface NetServerStats {
  connections: number;
  parked: number;
  packetsReceived: number;
  packetsAccepted: number;
  bytesReceived: number;
  packetsSent: number;
  bytesSent: number;
  challengesSent: number;
  handshakesCompleted: number;
  handshakesDenied: number;
  handlerErrors: number;
}

