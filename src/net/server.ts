// NetServer: the server endpoint and connection manager. Transports hand it packets; it runs
// the stateless handshake, finds the connection of every DATA packet, keeps sessions for the
// reconnect tiers, enforces limits, and flushes every connection on `update`.
//
// Untrusted bytes are checked in a fixed order, each failure one counted drop (drops.ts):
//   length (too_short, oversized) -> prefix (bad_prefix, wrong_direction) -> exact length ->
//   version -> protocol id -> rate limit -> expiry -> decrypt -> address (wrong_address) ->
//   replay -> payload (sizes: too_large; room: receive_buffer_full).
// A packet from an address without a connection reaches nothing but the preallocated handshake
// buffers; state is created only for a RESPONSE that proves the sender holds a valid token and
// receives at its address (its cookie is bound to that address and opens one session), and
// until the peer acks a packet there it is sent at most 3x what came from it. Anything that
// still throws while one packet or one connection is handled is caught, counted and reported:
// no packet, connection or handler ends the process.
//
// Sessions: a connection whose link dies (timeout, socket closed) is parked, not freed. A client
// that reconnects with a token for the same client id gets the same Connection back: under 5 s
// since its last packet with its channels intact (Resume), under 30 s with its channels reset
// (Resync); a parked session is freed at 30 s. Interest management uses, per connection and per
// tick: `send` / `sendBorrowed`, `budgetBytes()`, `rttMs`, `loss`, and the `acked` handler
// (which message numbers the client has received, for delta baselines). The game's handlers and
// the transports are called through server-calls.ts (every throw contained and counted).

import { InvalidArgumentError } from '../core/errors.js';
import { DEFAULT_CHANNELS, resolveChannels, type ResolvedChannel } from './channel.js';
import { DEFAULT_RECEIVE_BUFFER_BYTES } from './channel-set.js';
import { TokenIssuer } from './connect-token.js';
import { Connection, type ConnectionHost } from './connection.js';
import { encodeAccept } from './control.js';
import { ServerCredentials, type TicketHolder } from './server-credentials.js';
import type { NetCrypto } from './crypto.js';
import { DropCounters, PACKET_DROP } from './drops.js';
import { FaultReporter } from './faults.js';
import { NetClock } from './clock.js';
import { PacketIo } from './packet-io.js';
import { TokenBucket } from './rate-limit.js';
import { HandshakeGate, type HandshakeHost } from './server-handshake.js';
import { HandlerCalls, PacketSender } from './server-calls.js';
import type { NetServerHandlers, NetServerOptions, NetServerStats } from './server-options.js';
import { SessionTable } from './session-table.js';
import {
  DATA_OVERHEAD_BYTES,
  DEFAULT_PROTOCOL_ID,
  DISCONNECT_REASON_COUNT,
  DisconnectReason,
  MAX_PACKET_BYTES,
  PACKET_CHALLENGE,
  PACKET_DATA,
  PACKET_DENIED,
  PACKET_REQUEST,
  PACKET_TYPE_MASK,
  PREFIX_RESERVED_MASK,
  PROTOCOL_VERSION,
  RESPONSE_BYTES,
  RESUME_WITHIN_MS,
  RESYNC_WITHIN_MS,
  SessionTier,
} from './spec.js';
import { DEFAULT_MAX_SEND_BYTES_PER_SEC } from './send-ceiling.js';
import { Staging } from './staging.js';
import type { PacketReceiver, Transport } from './transport.js';

export type { NetServerHandlers, NetServerOptions, NetServerStats } from './server-options.js';
export { TICKET_REFRESH_MS } from './server-credentials.js';

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export class NetServer implements PacketReceiver, ConnectionHost, HandshakeHost {
  readonly time = new NetClock();
  readonly io: PacketIo;
  readonly staging = new Staging();
  readonly drops = new DropCounters();
  /** Disconnects by DisconnectReason. */
  readonly disconnects = new Float64Array(DISCONNECT_REASON_COUNT);
  readonly issuer: TokenIssuer;
  readonly channels: readonly ResolvedChannel[];
  readonly maxConnections: number;
  readonly maxSessionsPerIp: number;
  private readonly otherSessionsAt: ((host: string) => number) | undefined;
  private readonly crypto: NetCrypto;
  private readonly gate: HandshakeGate;
  private readonly sessions = new SessionTable();
  private readonly transports = new Set<Transport>();
  /** The game's handlers and the transports, each call contained and counted. */
  private readonly handlers: HandlerCalls;
  private readonly sender: PacketSender;
  private readonly clock: () => number;
  private readonly unixClock: () => number;
  private readonly options: NetServerOptions;
  private readonly credentials: ServerCredentials;
  private closed = false;
  // counters
  packetsReceived = 0;
  packetsAccepted = 0;
  bytesReceived = 0;
  challengesSent = 0;
  handshakesCompleted = 0;
  handshakesDenied = 0;
  /** Connections ended because their tick or flush threw (a contained bug). */
  connectionFaults = 0;
  private readonly faults: FaultReporter;

  constructor(options: NetServerOptions) {
    this.options = options;
    this.crypto = options.crypto;
    const protocolId = options.protocolId ?? DEFAULT_PROTOCOL_ID;
    this.channels = resolveChannels(options.channels ?? DEFAULT_CHANNELS);
    this.maxConnections = options.maxConnections ?? 1000;
    if (!Number.isInteger(this.maxConnections) || this.maxConnections < 1) {
      throw new InvalidArgumentError(`maxConnections must be a positive integer, got ${this.maxConnections}`);
    }
    this.maxSessionsPerIp = options.maxSessionsPerIp ?? this.maxConnections;
    this.otherSessionsAt = options.otherSessionsAt;
    if (!Number.isInteger(this.maxSessionsPerIp) || this.maxSessionsPerIp < 1) {
      throw new InvalidArgumentError(`maxSessionsPerIp must be a positive integer, got ${this.maxSessionsPerIp}`);
    }
    this.clock = options.now ?? now;
    this.unixClock = options.unixNow ?? Date.now;
    const handlers: NetServerHandlers = options.handlers ?? {};
    this.faults = new FaultReporter('chronos net', handlers.error);
    this.handlers = new HandlerCalls(handlers, this.faults);
    this.sender = new PacketSender(this.drops, this.faults);
    this.io = new PacketIo(this.crypto, protocolId);
    this.issuer = new TokenIssuer(this.crypto, options.secret, protocolId);
    this.gate = new HandshakeGate(this, {
      crypto: this.crypto,
      secret: options.secret,
      protocolId,
      clock: this.time,
      nowMs: this.clock(),
      unixNow: this.unixClock,
      handshakesPerIpPerSec: options.handshakesPerIpPerSec ?? 20,
      maxHandshakesPerSec: options.maxHandshakesPerSec ?? 2000,
      publicAddresses: options.publicAddresses,
    });
    this.credentials = new ServerCredentials(this.crypto, this.issuer, this.gate.hs.keys);
  }

  /** Starts receiving from a transport (UDP socket, WebSocket server, memory network). */
  listen(transport: Transport): void {
    this.transports.add(transport);
    transport.attach(this);
  }

  /** Every session, connected or parked. Do not modify. */
  get connections(): readonly Connection[] {
    return this.sessions.list;
  }

  get connectionCount(): number {
    return this.sessions.connectedCount;
  }

  findClient(clientId: number): Connection | undefined {
    return this.sessions.ofClient(clientId);
  }

  get packetsSent(): number {
    return this.sender.packetsSent;
  }

  get bytesSent(): number {
    return this.sender.bytesSent;
  }

  /** Game handler calls that threw. */
  get handlerErrors(): number {
    return this.handlers.errors;
  }

  // ---- receive -------------------------------------------------------------------------------

  receive(transport: Transport, bytes: Uint8Array, host: string, port: number, link: object | null): void {
    if (this.closed) return;
    this.packetsReceived++;
    this.bytesReceived += bytes.length;
    let reason: number;
    try {
      reason = this.process(transport, bytes, host, port, link);
    } catch (err) {
      // Last resort: whatever one packet triggered stays with that packet.
      reason = PACKET_DROP.internal_error;
      this.faults.report('handling a packet threw', err);
    }
    if (reason >= 0) this.drops.packets[reason]!++;
    else this.packetsAccepted++;
  }

  /** Returns -1 if the packet was accepted, else its PACKET_DROP index. */
  private process(transport: Transport, bytes: Uint8Array, host: string, port: number, link: object | null): number {
    const length = bytes.length;
    if (length < 1) return PACKET_DROP.too_short;
    if (length > MAX_PACKET_BYTES) return PACKET_DROP.oversized;
    const prefix = bytes[0]!;
    const type = prefix & PACKET_TYPE_MASK;
    if ((prefix & PREFIX_RESERVED_MASK) !== 0 || type < PACKET_REQUEST || type > PACKET_DATA) return PACKET_DROP.bad_prefix;
    if (type !== PACKET_DATA && prefix !== type) return PACKET_DROP.bad_prefix;
    if (type === PACKET_CHALLENGE || type === PACKET_DENIED) return PACKET_DROP.wrong_direction;
    this.time.nowMs = this.clock();
    if (type === PACKET_DATA) {
      if (length < DATA_OVERHEAD_BYTES) return PACKET_DROP.too_short;
      if (bytes[1] !== PROTOCOL_VERSION) return PACKET_DROP.bad_version;
      const conn = this.sessions.at(host, port, link);
      if (conn === undefined) return PACKET_DROP.unknown_address;
      if (!conn.addressValidated) conn.creditReceived(length);
      if (conn.limiter !== null && !conn.limiter.allow(length)) return PACKET_DROP.rate_limited;
      this.io.load(bytes);
      return conn.receive(length);
    }
    if (type === PACKET_REQUEST) return this.gate.processRequest(transport, bytes, host, port, link);
    return this.gate.processResponse(transport, bytes, host, port, link);
  }

  // ---- HandshakeHost -------------------------------------------------------------------------

  refusal(clientId: number, host: string): DisconnectReason {
    if (this.sessions.ofClient(clientId) !== undefined) return DisconnectReason.None;
    if (this.sessions.size >= this.maxConnections) return DisconnectReason.ServerFull;
    if (this.sessionsAt(host) + (this.otherSessionsAt?.(host) ?? 0) >= this.maxSessionsPerIp) return DisconnectReason.AddressLimit;
    return DisconnectReason.None;
  }

  /** Sessions (connected + parked) whose last link came from `host`. */
  sessionsAt(host: string): number {
    return this.sessions.countAt(host);
  }

  connectionAt(host: string, port: number, link: object | null): Connection | undefined {
    return this.sessions.at(host, port, link);
  }

  sessionOf(clientId: number): Connection | undefined {
    return this.sessions.ofClient(clientId);
  }

  challenged(): void {
    this.challengesSent++;
  }

  denied(): void {
    this.handshakesDenied++;
  }

  establish(transport: Transport, host: string, port: number, link: object | null, handshakeSeq: number): void {
    const nowMs = this.time.nowMs;
    const hs = this.gate.hs;
    const opened = hs.response;
    const clientId = opened.clientId;
    let conn = this.sessions.ofClient(clientId);
    let tier = SessionTier.New;
    if (conn !== undefined) {
      const age = nowMs - conn.lastRecvMs;
      tier = age < RESUME_WITHIN_MS ? SessionTier.Resume : age < RESYNC_WITHIN_MS ? SessionTier.Resync : SessionTier.New;
      if (conn.state === 'connected') this.unbind(conn, conn.link !== link || conn.host !== host || conn.port !== port);
      if (tier === SessionTier.New) {
        this.endSession(conn, DisconnectReason.SessionExpired);
        conn = undefined;
      }
    }
    // A replaced address may still hold an older connection of another client: end it.
    const squatter = this.sessions.at(host, port, link);
    if (squatter !== undefined) this.endSession(squatter, DisconnectReason.Replaced);
    if (conn === undefined) {
      const refusal = this.refusal(clientId, host);
      if (refusal !== DisconnectReason.None) {
        const n = hs.writeDenied(hs.serverToClientKey, refusal);
        this.handshakesDenied++;
        this.sendRaw(transport, hs.denied, n, host, port, link);
        return;
      }
      conn = this.createConnection();
      conn.clientId = clientId;
      this.sessions.add(conn);
    }
    conn.userData.set(hs.userData);
    conn.timeoutMs = opened.timeoutMs;
    conn.handshakeSeq = handshakeSeq;
    conn.bindLink(transport, host, port, link, { rx: this.gate.sessionRx, tx: this.gate.sessionTx, rxSalt: opened.clientSalt, txSalt: opened.serverSalt }, tier);
    this.sessions.bindAddress(conn);
    // The RESPONSE came from this address: what the server may send before it is validated.
    conn.creditReceived(RESPONSE_BYTES);
    if (link !== null) transport.linkBound(link);
    this.credentials.forget(conn);
    conn.sendControl(encodeAccept({ tier, clientId, timeoutMs: opened.timeoutMs, ticket: this.credentials.newTicket(conn, hs.unixNowMs, nowMs) }));
    this.handshakesCompleted++;
    conn.flush();
    this.handlers.connect(conn, tier);
  }

  private createConnection(): Connection {
    const conn = new Connection(this.sessions.takeId(), this, this.channels, {
      timeoutMs: 10_000,
      rekeyIntervalMs: this.options.rekeyIntervalMs,
      keepaliveMs: this.options.keepaliveMs,
      congestion: this.options.congestion,
      antiAmplification: true,
      maxSendBytesPerSec: this.options.maxSendBytesPerSec ?? DEFAULT_MAX_SEND_BYTES_PER_SEC,
      side: 'server',
      receiveBufferBytes: this.options.maxReceiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER_BYTES,
    });
    const packetsPerSec = this.options.connectionPacketsPerSec ?? 2000;
    const packets = new TokenBucket(this.time, packetsPerSec, 2 * packetsPerSec);
    const bytesPerSec = this.options.connectionBytesPerSec ?? 4 << 20;
    const bytes = new TokenBucket(this.time, bytesPerSec, 2 * bytesPerSec);
    conn.limiter = { allow: (length) => packets.take(1) && bytes.take(length) };
    return conn;
  }

  transportDrop(_transport: Transport, reason: number = PACKET_DROP.transport): void {
    this.packetsReceived++;
    this.drops.packets[reason]!++;
  }

  linkClosed(_transport: Transport, link: object): void {
    const conn = this.sessions.at('', 0, link);
    if (conn !== undefined) this.lose(conn, DisconnectReason.TransportClosed);
  }

  // ---- ConnectionHost --------------------------------------------------------------------------

  transmit(conn: Connection, packet: Uint8Array): void {
    this.sender.send(conn.transport!, packet, conn.host, conn.port, conn.link);
  }

  deliver(conn: Connection, channel: number, bytes: Uint8Array): void {
    this.handlers.message(conn, channel, bytes);
  }

  acked(conn: Connection, channel: number, messageNumber: number): void {
    this.handlers.acked(conn, channel, messageNumber);
  }

  control(conn: Connection, bytes: Uint8Array): void {
    if (!this.credentials.control(conn, bytes)) this.disconnect(conn, DisconnectReason.ProtocolError);
  }

  peerDisconnected(conn: Connection, reason: number): void {
    this.endSession(conn, reason === DisconnectReason.ClientClosed ? DisconnectReason.ClientClosed : reason);
  }

  overflow(conn: Connection): void {
    this.disconnect(conn, DisconnectReason.SendQueueFull);
  }

  // ---- update and control ------------------------------------------------------------------

  /** Timers, rekeys and one flush of every connection. Call once per tick, after game sends. */
  update(nowMs: number = this.clock()): void {
    if (this.closed) return;
    this.time.nowMs = nowMs;
    this.gate.hs.keys.rotate(nowMs);
    const list = this.sessions.list;
    for (let i = 0; i < list.length; i++) {
      const conn = list[i]!;
      try {
        if (conn.state === 'connected') {
          const reason = conn.tick();
          if (reason !== DisconnectReason.None) {
            this.lose(conn, reason);
            continue;
          }
          this.credentials.refresh(conn, nowMs, this.unixClock());
          conn.flush();
        } else if (conn.state === 'parked' && nowMs - conn.lastRecvMs >= RESYNC_WITHIN_MS) {
          this.endSession(conn, DisconnectReason.SessionExpired);
          i--;
        }
      } catch (err) {
        // Last resort: a connection whose timers or flush threw is ended; the others carry on.
        this.faulted(conn, err);
        if (list[i] !== conn) i--;
      }
    }
    this.staging.reset();
  }

  /** Ends a connection that threw. */
  private faulted(conn: Connection, err: unknown): void {
    this.connectionFaults++;
    this.faults.report(`connection ${conn.id} (${conn.address}) threw and was closed`, err);
    if (conn.state === 'closed') return;
    try {
      this.endSession(conn, DisconnectReason.ProtocolError);
    } catch (again) {
      this.faults.report(`closing connection ${conn.id} threw`, again);
    }
  }

  /**
   * Sends what `conn` has queued now instead of at the next update: for replies that should not
   * wait for the end of the tick (an input echo, a hit confirmation).
   */
  flush(conn: Connection): void {
    if (conn.state !== 'connected') return;
    this.time.nowMs = this.clock();
    conn.flush();
  }

  /** Queues `bytes` on `channel` of every accepted connection, copying it once. */
  broadcast(channel: number, bytes: Uint8Array): void {
    const config = this.channels[channel];
    if (config === undefined) throw new InvalidArgumentError(`channel ${channel} does not exist (the server has ${this.channels.length})`);
    if (config.reliable) {
      const copy = bytes.slice();
      for (const conn of this.sessions.list) if (conn.state === 'connected' && conn.accepted) conn.sendBorrowed(channel, copy);
      return;
    }
    let off = -1;
    for (const conn of this.sessions.list) {
      if (conn.state !== 'connected' || !conn.accepted) continue;
      if (off < 0) off = this.staging.stage(bytes);
      conn.sendStaged(channel, off, bytes.length);
    }
  }

  /** Ends a session: DISCONNECT packets to the client, then `disconnect` handler. */
  disconnect(conn: Connection, reason: DisconnectReason = DisconnectReason.Kicked): void {
    if (conn.state === 'closed') return;
    this.time.nowMs = this.clock();
    conn.sendDisconnect(reason);
    this.endSession(conn, reason);
  }

  /**
   * The client id a resume ticket vouches for, or undefined: forged, foreign, expired,
   * superseded (its client's session lives, here or where `elsewhere` finds it, and was sent a
   * newer ticket since) or retired (the session was closed by its client or ended by the
   * server on purpose). For the token backend: a ticket that redeems gets a connect token for
   * that client id.
   */
  redeemTicket(ticket: Uint8Array, elsewhere?: (clientId: number) => TicketHolder | undefined): number | undefined {
    return this.credentials.redeem(ticket, this.unixClock(), (id) => this.sessions.ofClient(id) ?? elsewhere?.(id));
  }

  /** `clientId`'s tickets stop redeeming: its session elsewhere (a network worker) ended on purpose. */
  retireTickets(clientId: number): void {
    this.credentials.retire(clientId, this.unixClock());
  }

  /** The link died: park the session. */
  private lose(conn: Connection, reason: DisconnectReason): void {
    this.unbind(conn, true);
    conn.park();
    this.credentials.forget(conn);
    this.disconnects[reason]!++;
    this.handlers.interrupt(conn, reason);
  }

  private unbind(conn: Connection, closeLink: boolean): void {
    if (conn.transport === null) return;
    this.sessions.unbindAddress(conn);
    if (closeLink && conn.link !== null) conn.transport.closeLink(conn.link);
  }

  private endSession(conn: Connection, reason: number): void {
    if (conn.state === 'closed') return;
    this.unbind(conn, true);
    this.sessions.remove(conn);
    this.credentials.ended(conn, reason, this.unixClock());
    conn.close();
    this.disconnects[reason < DISCONNECT_REASON_COUNT ? reason : DisconnectReason.ProtocolError]!++;
    this.handlers.disconnect(conn, reason);
  }

  sendRaw(transport: Transport, buf: Uint8Array, length: number, host: string, port: number, link: object | null): void {
    this.sender.send(transport, length === buf.length ? buf : buf.subarray(0, length), host, port, link);
  }

  stats(): NetServerStats {
    return {
      connections: this.connectionCount,
      parked: this.sessions.size - this.connectionCount,
      packetsReceived: this.packetsReceived,
      packetsAccepted: this.packetsAccepted,
      bytesReceived: this.bytesReceived,
      packetsSent: this.packetsSent,
      bytesSent: this.bytesSent,
      challengesSent: this.challengesSent,
      handshakesCompleted: this.handshakesCompleted,
      handshakesDenied: this.handshakesDenied,
      handlerErrors: this.handlerErrors,
    };
  }

  /** Disconnects everyone (ServerClosed) and closes the transports. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const conn of [...this.sessions.list]) this.disconnect(conn, DisconnectReason.ServerClosed);
    this.closed = true;
    await Promise.all([...this.transports].map((t) => t.close()));
    this.transports.clear();
    this.sessions.clearAddresses();
  }
}

