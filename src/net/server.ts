// NetServer: the server endpoint and connection manager. Transports hand it packets; it runs
// the stateless handshake, finds the connection of every DATA packet, keeps sessions for the
// reconnect tiers, enforces limits, and flushes every connection on `update`.
//
// Untrusted bytes are checked in a fixed order, each failure one counted drop (drops.ts):
//   length (too_short, oversized) -> prefix (bad_prefix, wrong_direction) -> exact length ->
//   version -> protocol id -> rate limit -> expiry -> decrypt -> replay -> payload.
// A packet from an address without a connection reaches nothing but the preallocated handshake
// buffers; state is created only for a RESPONSE that proves the sender holds a valid token and
// receives at its address.
//
// Sessions: a connection whose link dies (timeout, socket closed) is parked, not freed. A client
// that reconnects with a token for the same client id gets the same Connection back: under 5 s
// since its last packet with its channels intact (Resume), under 30 s with its channels reset
// (Resync); a parked session is freed at 30 s. Interest management uses, per connection and per
// tick: `send` / `sendBorrowed`, `budgetBytes()`, `rttMs`, `loss`, and the `acked` handler
// (which message numbers the client has received, for delta baselines).

import { InvalidArgumentError } from '../core/errors.js';
import { DEFAULT_CHANNELS, resolveChannels, type ChannelConfig, type ResolvedChannel } from './channel.js';
import type { CongestionOptions } from './congestion.js';
import { MAX_CLIENT_ID, privateTokenHasAddress, readPrivateToken, TokenIssuer } from './connect-token.js';
import { Connection, type ConnectionHost } from './connection.js';
import { decodeRekey, encodeAccept, encodeRekey } from './control.js';
import type { NetCrypto } from './crypto.js';
import { DropCounters, PACKET_DROP } from './drops.js';
import { ServerHandshake } from './handshake.js';
import { AddressTable } from './address-table.js';
import { NetClock } from './clock.js';
import { PacketIo } from './packet-io.js';
import { AddressRateLimiter, TokenBucket } from './rate-limit.js';
import {
  CONTROL_REKEY,
  CONTROL_REKEY_ACK,
  DATA_OVERHEAD_BYTES,
  DEFAULT_PROTOCOL_ID,
  DISCONNECT_REASON_COUNT,
  DisconnectReason,
  KEY_BYTES,
  MAX_PACKET_BYTES,
  PACKET_CHALLENGE,
  PACKET_DATA,
  PACKET_DENIED,
  PACKET_REQUEST,
  PACKET_RESPONSE,
  PACKET_TYPE_MASK,
  PREFIX_RESERVED_MASK,
  PROTOCOL_VERSION,
  REQUEST_BYTES,
  REQUEST_TOKEN_OFFSET,
  RESPONSE_BYTES,
  RESPONSE_SEALED_OFFSET,
  RESUME_WITHIN_MS,
  RESYNC_WITHIN_MS,
  SEALED_PRIVATE_TOKEN_BYTES,
  SessionTier,
  HANDSHAKE_HEADER_BYTES,
  CHALLENGE_TOKEN_BYTES,
} from './spec.js';
import { Staging } from './staging.js';
import type { PacketReceiver, Transport } from './transport.js';
import { readU32, readU64 } from './wire.js';

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

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export class NetServer implements PacketReceiver, ConnectionHost {
  readonly time = new NetClock();
  readonly io: PacketIo;
  readonly staging = new Staging();
  readonly drops = new DropCounters();
  /** Disconnects by DisconnectReason. */
  readonly disconnects = new Float64Array(DISCONNECT_REASON_COUNT);
  readonly issuer: TokenIssuer;
  readonly channels: readonly ResolvedChannel[];
  readonly maxConnections: number;
  private readonly crypto: NetCrypto;
  private readonly hs: ServerHandshake;
  private readonly table = new AddressTable<Connection>();
  private readonly byClientId = new Map<number, Connection>();
  private readonly sessions: Connection[] = [];
  private readonly freeIds: number[] = [];
  private nextId = 0;
  private readonly transports = new Set<Transport>();
  private readonly handlers: NetServerHandlers;
  private readonly clock: () => number;
  private readonly unixClock: () => number;
  private readonly addressLimiter: AddressRateLimiter;
  private readonly handshakeBudget: TokenBucket;
  private readonly acceptedAddresses: Uint8Array[] | undefined;
  private readonly options: NetServerOptions;
  private readonly sealedTokenView: Uint8Array;
  private readonly cookieView: Uint8Array;
  private readonly responseBodyView: Uint8Array;
  private readonly responseHeaderView: Uint8Array;
  private readonly sessionRx = new Uint8Array(KEY_BYTES);
  private readonly sessionTx = new Uint8Array(KEY_BYTES);
  private readonly tokenFields = { clientId: 0, timeoutMs: 0 };
  private readonly rekeyKeys = new Map<Connection, { publicKey: Uint8Array; secretKey: Uint8Array }>();
  private closed = false;
  // counters
  packetsReceived = 0;
  packetsAccepted = 0;
  bytesReceived = 0;
  packetsSent = 0;
  bytesSent = 0;
  challengesSent = 0;
  handshakesCompleted = 0;
  handshakesDenied = 0;
  handlerErrors = 0;

  constructor(options: NetServerOptions) {
    this.options = options;
    this.crypto = options.crypto;
    const protocolId = options.protocolId ?? DEFAULT_PROTOCOL_ID;
    this.channels = resolveChannels(options.channels ?? DEFAULT_CHANNELS);
    this.maxConnections = options.maxConnections ?? 1000;
    if (!Number.isInteger(this.maxConnections) || this.maxConnections < 1) {
      throw new InvalidArgumentError(`maxConnections must be a positive integer, got ${this.maxConnections}`);
    }
    this.clock = options.now ?? now;
    this.unixClock = options.unixNow ?? Date.now;
    this.handlers = options.handlers ?? {};
    this.io = new PacketIo(this.crypto, protocolId);
    this.issuer = new TokenIssuer(this.crypto, options.secret, protocolId);
    this.hs = new ServerHandshake(this.crypto, protocolId, this.clock());
    this.hs.serverTokenKey = options.secret;
    const seed = new Uint8Array(4);
    this.crypto.randomBytes(seed);
    const perIp = options.handshakesPerIpPerSec ?? 20;
    this.addressLimiter = new AddressRateLimiter(this.time, perIp, perIp * 2, readU32(seed, 0));
    const global = options.maxHandshakesPerSec ?? 2000;
    this.handshakeBudget = new TokenBucket(this.time, global, global);
    const encoder = new TextEncoder();
    this.acceptedAddresses = options.publicAddresses?.map((a) => encoder.encode(a));
    const rx = this.io.rx;
    this.sealedTokenView = rx.subarray(REQUEST_TOKEN_OFFSET, REQUEST_TOKEN_OFFSET + SEALED_PRIVATE_TOKEN_BYTES);
    this.cookieView = rx.subarray(HANDSHAKE_HEADER_BYTES, HANDSHAKE_HEADER_BYTES + CHALLENGE_TOKEN_BYTES);
    this.responseHeaderView = rx.subarray(0, RESPONSE_SEALED_OFFSET);
    this.responseBodyView = rx.subarray(RESPONSE_SEALED_OFFSET, RESPONSE_BYTES);
  }

  /** Starts receiving from a transport (UDP socket, WebSocket server, memory network). */
  listen(transport: Transport): void {
    this.transports.add(transport);
    transport.attach(this);
  }

  /** Every session, connected or parked. Do not modify. */
  get connections(): readonly Connection[] {
    return this.sessions;
  }

  get connectionCount(): number {
    let n = 0;
    for (const c of this.sessions) if (c.state === 'connected') n++;
    return n;
  }

  findClient(clientId: number): Connection | undefined {
    return this.byClientId.get(clientId);
  }

  // ---- receive -------------------------------------------------------------------------------

  receive(transport: Transport, bytes: Uint8Array, host: string, port: number, link: object | null): void {
    if (this.closed) return;
    this.packetsReceived++;
    this.bytesReceived += bytes.length;
    const reason = this.process(transport, bytes, host, port, link);
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
      const conn = this.table.get(host, port, link);
      if (conn === undefined) return PACKET_DROP.unknown_address;
      if (conn.limiter !== null && !conn.limiter.allow(length)) return PACKET_DROP.rate_limited;
      this.io.load(bytes);
      return conn.receive(length);
    }
    if (type === PACKET_REQUEST) return this.processRequest(transport, bytes, host, port, link);
    return this.processResponse(transport, bytes, host, port, link);
  }

  private processRequest(transport: Transport, bytes: Uint8Array, host: string, port: number, link: object | null): number {
    if (bytes.length !== REQUEST_BYTES) return PACKET_DROP.bad_length;
    if (bytes[1] !== PROTOCOL_VERSION) return PACKET_DROP.bad_version;
    if (!this.hs.protocolIdMatches(bytes, 4)) return PACKET_DROP.bad_protocol_id;
    // The zero fields and the padding are not sealed, so they are checked: every bit counts.
    if (bytes[2] !== 0 || bytes[3] !== 0) return PACKET_DROP.malformed;
    for (let i = REQUEST_TOKEN_OFFSET + SEALED_PRIVATE_TOKEN_BYTES; i < REQUEST_BYTES; i++) if (bytes[i] !== 0) return PACKET_DROP.malformed;
    // A REQUEST from an address that has a connection is answered too: the client restarted
    // its handshake (its app restarted, or it noticed a dead link before we did) and the
    // RESPONSE that follows replaces the old link. Answering keeps no state either way.
    if (!this.addressLimiter.allow(host)) return PACKET_DROP.rate_limited;
    this.io.load(bytes);
    this.hs.unixNowMs = this.unixClock();
    const verdict = this.hs.openRequest(this.io.rx, this.sealedTokenView);
    if (verdict >= 0) return verdict;
    const fields = this.tokenFields;
    if (!readPrivateToken(this.hs.tokenPlain, fields)) return PACKET_DROP.token_invalid;
    if (this.acceptedAddresses && !privateTokenHasAddress(this.hs.tokenPlain, this.acceptedAddresses)) return PACKET_DROP.wrong_server;
    if (this.sessions.length >= this.maxConnections && !this.byClientId.has(fields.clientId)) {
      const n = this.hs.writeDenied(this.hs.tokenServerToClientKey, DisconnectReason.ServerFull);
      this.handshakesDenied++;
      this.sendRaw(transport, this.hs.denied, n, host, port, link);
      return -1;
    }
    const n = this.hs.writeChallenge(fields.clientId, fields.timeoutMs);
    this.challengesSent++;
    this.sendRaw(transport, this.hs.challenge, n, host, port, link);
    return -1;
  }

  private processResponse(transport: Transport, bytes: Uint8Array, host: string, port: number, link: object | null): number {
    if (bytes.length !== RESPONSE_BYTES) return PACKET_DROP.bad_length;
    if (bytes[1] !== PROTOCOL_VERSION) return PACKET_DROP.bad_version;
    if (bytes[3] !== 0) return PACKET_DROP.malformed;
    const existing = this.table.get(host, port, link);
    // A client resends its RESPONSE until ACCEPT arrives: the copies cost nothing.
    if (existing !== undefined && existing.handshakeSeq === readU64(bytes, 4)) return PACKET_DROP.duplicate_handshake;
    if (!this.addressLimiter.allow(host)) return PACKET_DROP.rate_limited;
    if (!this.handshakeBudget.take(1)) return PACKET_DROP.handshake_busy;
    this.io.load(bytes);
    this.hs.unixNowMs = this.unixClock();
    const verdict = this.hs.openResponse(this.io.rx, this.cookieView, this.responseBodyView, this.responseHeaderView);
    if (verdict >= 0) return verdict;
    const opened = this.hs.response;
    if (opened.clientId > MAX_CLIENT_ID) return PACKET_DROP.token_invalid;
    // Handshake sequences only grow: a RESPONSE to an older challenge than the one that bound
    // the session is a replay (it would otherwise move the session to the sender's address).
    const session = this.byClientId.get(opened.clientId);
    if (session !== undefined && readU64(bytes, 4) <= session.handshakeSeq) return PACKET_DROP.replayed;
    if (!this.crypto.kxServerSessionKeys(this.sessionRx, this.sessionTx, opened.epoch.publicKey, opened.epoch.secretKey, this.hs.clientPublicKey)) {
      return PACKET_DROP.handshake_invalid;
    }
    this.establish(transport, host, port, link, readU64(bytes, 4));
    return -1;
  }

  private establish(transport: Transport, host: string, port: number, link: object | null, handshakeSeq: number): void {
    const nowMs = this.time.nowMs;
    const opened = this.hs.response;
    const clientId = opened.clientId;
    let conn = this.byClientId.get(clientId);
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
    const squatter = this.table.get(host, port, link);
    if (squatter !== undefined) this.endSession(squatter, DisconnectReason.Replaced);
    if (conn === undefined) {
      if (this.sessions.length >= this.maxConnections) {
        const n = this.hs.writeDenied(this.hs.serverToClientKey, DisconnectReason.ServerFull);
        this.handshakesDenied++;
        this.sendRaw(transport, this.hs.denied, n, host, port, link);
        return;
      }
      conn = this.createConnection();
      conn.clientId = clientId;
      this.byClientId.set(clientId, conn);
      this.sessions.push(conn);
    }
    conn.userData.set(this.hs.userData);
    conn.timeoutMs = opened.timeoutMs;
    conn.handshakeSeq = handshakeSeq;
    conn.bindLink(transport, host, port, link, { rx: this.sessionRx, tx: this.sessionTx, rxSalt: opened.clientSalt, txSalt: opened.serverSalt }, tier);
    this.table.set(host, port, link, conn);
    if (link !== null) transport.linkBound(link);
    this.rekeyKeys.delete(conn);
    conn.sendControl(encodeAccept({ tier, clientId, timeoutMs: opened.timeoutMs, ticket: this.issuer.issueTicket(clientId, this.hs.unixNowMs) }));
    this.handshakesCompleted++;
    conn.flush();
    this.call(() => this.handlers.connect?.(conn, tier));
  }

  private createConnection(): Connection {
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.nextId++;
    const conn = new Connection(id, this, this.channels, {
      timeoutMs: 10_000,
      rekeyIntervalMs: this.options.rekeyIntervalMs,
      keepaliveMs: this.options.keepaliveMs,
      congestion: this.options.congestion,
    });
    const packetsPerSec = this.options.connectionPacketsPerSec ?? 2000;
    const packets = new TokenBucket(this.time, packetsPerSec, 2 * packetsPerSec);
    const bytesPerSec = this.options.connectionBytesPerSec ?? 4 << 20;
    const bytes = new TokenBucket(this.time, bytesPerSec, 2 * bytesPerSec);
    conn.limiter = { allow: (length) => packets.take(1) && bytes.take(length) };
    return conn;
  }

  transportDrop(): void {
    this.packetsReceived++;
    this.drops.packets[PACKET_DROP.transport]!++;
  }

  linkClosed(_transport: Transport, link: object): void {
    const conn = this.table.get('', 0, link);
    if (conn !== undefined) this.lose(conn, DisconnectReason.TransportClosed);
  }

  // ---- ConnectionHost --------------------------------------------------------------------------

  transmit(conn: Connection, packet: Uint8Array): void {
    this.packetsSent++;
    this.bytesSent += packet.length;
    conn.transport!.send(packet, conn.host, conn.port, conn.link);
  }

  deliver(conn: Connection, channel: number, bytes: Uint8Array): void {
    const handler = this.handlers.message;
    if (handler === undefined) return;
    try {
      handler(conn, channel, bytes);
    } catch (err) {
      this.handlerFailed(err);
    }
  }

  acked(conn: Connection, channel: number, messageNumber: number): void {
    const handler = this.handlers.acked;
    if (handler === undefined) return;
    try {
      handler(conn, channel, messageNumber);
    } catch (err) {
      this.handlerFailed(err);
    }
  }

  control(conn: Connection, bytes: Uint8Array): void {
    const ack = decodeRekey(bytes, CONTROL_REKEY_ACK);
    const keys = this.rekeyKeys.get(conn);
    if (ack === undefined || keys === undefined || ack.phase !== conn.rekeyPhase) {
      this.disconnect(conn, DisconnectReason.ProtocolError);
      return;
    }
    if (!this.crypto.kxServerSessionKeys(this.sessionRx, this.sessionTx, keys.publicKey, keys.secretKey, ack.publicKey)) {
      this.disconnect(conn, DisconnectReason.ProtocolError);
      return;
    }
    this.rekeyKeys.delete(conn);
    conn.installRxKey(ack.phase, this.sessionRx);
    conn.switchTxKey(ack.phase, this.sessionTx);
    conn.rekeyPhase = -1;
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
    this.hs.keys.rotate(nowMs);
    for (let i = 0; i < this.sessions.length; i++) {
      const conn = this.sessions[i]!;
      if (conn.state === 'connected') {
        const reason = conn.tick();
        if (reason !== DisconnectReason.None) {
          this.lose(conn, reason);
          continue;
        }
        if (conn.needsRekey()) this.startRekey(conn);
        conn.flush();
      } else if (conn.state === 'parked' && nowMs - conn.lastRecvMs >= RESYNC_WITHIN_MS) {
        this.endSession(conn, DisconnectReason.SessionExpired);
        i--;
      }
    }
    this.staging.reset();
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
      for (const conn of this.sessions) if (conn.state === 'connected' && conn.accepted) conn.sendBorrowed(channel, copy);
      return;
    }
    let off = -1;
    for (const conn of this.sessions) {
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

  private startRekey(conn: Connection): void {
    const epoch = this.hs.keys.now;
    const phase = conn.txPhase ^ 1;
    conn.rekeyPhase = phase;
    this.rekeyKeys.set(conn, { publicKey: epoch.publicKey.slice(), secretKey: epoch.secretKey.slice() });
    conn.sendControl(encodeRekey(CONTROL_REKEY, phase, epoch.publicKey));
  }

  /** The link died: park the session. */
  private lose(conn: Connection, reason: DisconnectReason): void {
    this.unbind(conn, true);
    conn.park();
    this.rekeyKeys.delete(conn);
    this.disconnects[reason]!++;
    this.call(() => this.handlers.interrupt?.(conn, reason));
  }

  private unbind(conn: Connection, closeLink: boolean): void {
    if (conn.transport === null) return;
    this.table.delete(conn.host, conn.port, conn.link);
    if (closeLink && conn.link !== null) conn.transport.closeLink(conn.link);
  }

  private endSession(conn: Connection, reason: number): void {
    if (conn.state === 'closed') return;
    this.unbind(conn, true);
    this.byClientId.delete(conn.clientId);
    const i = this.sessions.indexOf(conn);
    if (i >= 0) {
      this.sessions[i] = this.sessions[this.sessions.length - 1]!;
      this.sessions.pop();
    }
    this.freeIds.push(conn.id);
    this.rekeyKeys.delete(conn);
    conn.close();
    this.disconnects[reason < DISCONNECT_REASON_COUNT ? reason : DisconnectReason.ProtocolError]!++;
    this.call(() => this.handlers.disconnect?.(conn, reason));
  }

  private sendRaw(transport: Transport, buf: Uint8Array, length: number, host: string, port: number, link: object | null): void {
    this.packetsSent++;
    this.bytesSent += length;
    transport.send(length === buf.length ? buf : buf.subarray(0, length), host, port, link);
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.handlerFailed(err);
    }
  }

  /** A game handler threw: report it; the network state stays consistent. */
  private handlerFailed(err: unknown): void {
    this.handlerErrors++;
    if (this.handlers.error) this.handlers.error(err);
    else console.error('chronos net: a handler threw:', err);
  }

  stats(): NetServerStats {
    return {
      connections: this.connectionCount,
      parked: this.sessions.length - this.connectionCount,
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
    for (const conn of [...this.sessions]) this.disconnect(conn, DisconnectReason.ServerClosed);
    this.closed = true;
    await Promise.all([...this.transports].map((t) => t.close()));
    this.transports.clear();
    this.table.clear();
  }
}

