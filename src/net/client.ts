// NetClient: the client endpoint. It runs the handshake for a connect token over one transport
// (REQUEST every 100 ms until a CHALLENGE, then RESPONSE every 100 ms until the first DATA
// packet), then drives its Connection. The Connection outlives links: after an interruption
// the caller connects again with a fresh token for the same client id and the server's ACCEPT
// says whether the session resumed (channels intact), resynced (channels reset) or is new.
// Runs in Node and in the browser; time, transport and crypto are injected.

import { StateError } from '../core/errors.js';
import { NetClock } from './clock.js';
import { DEFAULT_CHANNELS, resolveChannels, type ChannelConfig, type ResolvedChannel } from './channel.js';
import type { CongestionOptions } from './congestion.js';
import { decodeConnectToken, type ConnectToken } from './connect-token.js';
import { Connection, type ConnectionHost } from './connection.js';
import { decodeAccept, decodeRekey, decodeTicket, encodeRekey } from './control.js';
import { kxKeypair, type NetCrypto } from './crypto.js';
import { DropCounters, PACKET_DROP, SEND_DROP } from './drops.js';
import { FaultReporter } from './faults.js';
import { openChallenge, openDenied, writeRequest, writeResponse } from './handshake.js';
import { PacketIo } from './packet-io.js';
import {
  CHALLENGE_BYTES,
  CONTROL_ACCEPT,
  CONTROL_REKEY,
  CONTROL_REKEY_ACK,
  CONTROL_TICKET,
  DATA_OVERHEAD_BYTES,
  DEFAULT_PROTOCOL_ID,
  DENIED_BYTES,
  DisconnectReason,
  KEY_BYTES,
  KX_PUBLIC_KEY_BYTES,
  KX_SECRET_KEY_BYTES,
  MAX_PACKET_BYTES,
  PACKET_CHALLENGE,
  PACKET_DATA,
  PACKET_DENIED,
  PACKET_REQUEST,
  PACKET_TYPE_MASK,
  PREFIX_RESERVED_MASK,
  PROTOCOL_VERSION,
  SessionTier,
} from './spec.js';
import { Staging } from './staging.js';
import type { PacketReceiver, Transport } from './transport.js';

/** netcode resends handshake packets 10 times a second. */
export const HANDSHAKE_RESEND_MS = 100;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;

export type ClientState = 'idle' | 'requesting' | 'responding' | 'connected' | 'interrupted' | 'disconnected';

export interface NetClientHandlers {
  /** Connected (New) or reconnected (Resume: nothing lost; Resync: channels were reset). */
  connect?(tier: SessionTier): void;
  /** The link was lost; connect again (with a fresh token) to resume the session. */
  interrupt?(reason: DisconnectReason): void;
  /** The session ended (the server said so, it denied us, the handshake timed out, or we left). */
  disconnect?(reason: DisconnectReason): void;
  message?(channel: number, bytes: Uint8Array): void;
  acked?(channel: number, messageNumber: number): void;
  error?(err: unknown): void;
}

export interface NetClientOptions {
  crypto: NetCrypto;
  channels?: readonly ChannelConfig[];
  now?: () => number;
  unixNow?: () => number;
  congestion?: Partial<CongestionOptions>;
  /** Idle interval before a keep-alive packet (default 100 ms). */
  keepaliveMs?: number;
  /** Give up a connection attempt after this long (default 5 s). */
  handshakeTimeoutMs?: number;
  handlers?: NetClientHandlers;
}

const clock = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export class NetClient implements PacketReceiver, ConnectionHost {
  readonly time = new NetClock();
  io: PacketIo;
  readonly staging = new Staging();
  readonly drops = new DropCounters();
  readonly channels: readonly ResolvedChannel[];
  readonly connection: Connection;
  state: ClientState = 'idle';
  /** Why the last session or attempt ended. */
  lastReason: DisconnectReason = DisconnectReason.None;
  /** Ticket from the last ACCEPT: hand it to the token backend to reconnect as the same client. */
  resumeTicket: Uint8Array | null = null;
  clientId = -1;
  lastTier: SessionTier = SessionTier.New;
  private readonly crypto: NetCrypto;
  private readonly clock: () => number;
  private readonly unixClock: () => number;
  private readonly handlers: NetClientHandlers;
  private readonly handshakeTimeoutMs: number;
  private token: ConnectToken | undefined;
  private transport: Transport | undefined;
  private host = '';
  private port = 0;
  private request: Uint8Array | undefined;
  private response: Uint8Array | undefined;
  private lastHandshakeSendMs = 0;
  private attemptStartedMs = 0;
  private readonly clientPk = new Uint8Array(KX_PUBLIC_KEY_BYTES);
  private readonly clientSk = new Uint8Array(KX_SECRET_KEY_BYTES);
  private readonly rxKey = new Uint8Array(KEY_BYTES);
  private readonly txKey = new Uint8Array(KEY_BYTES);
  private protocolId: bigint;
  packetsReceived = 0;
  packetsAccepted = 0;
  handlerErrors = 0;
  private readonly faults: FaultReporter;

  constructor(options: NetClientOptions) {
    this.crypto = options.crypto;
    this.clock = options.now ?? clock;
    this.unixClock = options.unixNow ?? Date.now;
    this.handlers = options.handlers ?? {};
    this.faults = new FaultReporter('chronos net client', this.handlers.error);
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.channels = resolveChannels(options.channels ?? DEFAULT_CHANNELS);
    this.io = new PacketIo(this.crypto, DEFAULT_PROTOCOL_ID);
    this.protocolId = DEFAULT_PROTOCOL_ID;
    this.connection = new Connection(0, this, this.channels, { timeoutMs: 10_000, keepaliveMs: options.keepaliveMs, congestion: options.congestion });
  }

  /**
   * Starts (or restarts, after an interruption) a connection with `token` over `transport` to
   * `host`:`port` (ignored by connection-oriented transports). The Connection and its queued
   * messages carry over; the server's ACCEPT decides what survives.
   */
  connect(token: ConnectToken | Uint8Array, transport: Transport, host = '', port = 0): void {
    if (this.state === 'requesting' || this.state === 'responding' || this.state === 'connected') {
      throw new StateError(`connect() while ${this.state}: disconnect first`);
    }
    const t = token instanceof Uint8Array ? decodeConnectToken(token) : token;
    if (this.protocolId !== t.protocolId) {
      this.io = new PacketIo(this.crypto, t.protocolId);
      this.protocolId = t.protocolId;
    }
    if (this.transport && this.transport !== transport) void this.transport.close();
    this.token = t;
    this.transport = transport;
    this.host = host;
    this.port = port;
    transport.attach(this);
    this.request = writeRequest(t);
    this.response = undefined;
    kxKeypair(this.crypto, this.clientPk, this.clientSk);
    this.state = 'requesting';
    this.time.nowMs = this.clock();
    this.attemptStartedMs = this.time.nowMs;
    this.sendHandshake(this.request);
  }

  /** Queues a message (see Connection.send). Reliable messages queue while reconnecting too. */
  send(channel: number, bytes: Uint8Array): number {
    return this.connection.send(channel, bytes);
  }

  sendBorrowed(channel: number, bytes: Uint8Array): number {
    return this.connection.sendBorrowed(channel, bytes);
  }

  /** Timers and one flush; call every frame (or tick). */
  update(nowMs: number = this.clock()): void {
    this.time.nowMs = nowMs;
    if (this.state === 'requesting' || this.state === 'responding') {
      if (nowMs - this.attemptStartedMs > this.handshakeTimeoutMs || (this.token && this.unixClock() >= this.token.expiresAtMs && this.state === 'requesting')) {
        this.failAttempt(DisconnectReason.HandshakeTimeout);
        return;
      }
      if (nowMs - this.lastHandshakeSendMs >= HANDSHAKE_RESEND_MS) {
        this.sendHandshake(this.state === 'requesting' ? this.request! : this.response!);
      }
      return;
    }
    if (this.state !== 'connected') return;
    const reason = this.connection.tick();
    if (reason !== DisconnectReason.None) {
      this.interrupt(reason);
      return;
    }
    this.connection.flush();
    this.staging.reset();
  }

  /** Sends what is queued now, without waiting for the next update. */
  flush(nowMs: number = this.clock()): void {
    if (this.state !== 'connected') return;
    this.time.nowMs = nowMs;
    this.connection.flush();
    this.staging.reset();
  }

  /** Leaves: DISCONNECT packets to the server, then the transport closes. */
  disconnect(): void {
    this.time.nowMs = this.clock();
    if (this.state === 'connected') this.connection.sendDisconnect(DisconnectReason.ClientClosed);
    this.end(DisconnectReason.ClientClosed);
  }

  // ---- PacketReceiver --------------------------------------------------------------------------

  receive(transport: Transport, bytes: Uint8Array, _host: string, _port: number, _link: object | null): void {
    if (transport !== this.transport) return;
    this.packetsReceived++;
    let reason: number;
    try {
      reason = this.process(bytes);
    } catch (err) {
      reason = PACKET_DROP.internal_error;
      this.faults.report('handling a packet threw', err);
    }
    if (reason >= 0) this.drops.packets[reason]!++;
    else this.packetsAccepted++;
  }

  private process(bytes: Uint8Array): number {
    const length = bytes.length;
    if (length < 1) return PACKET_DROP.too_short;
    if (length > MAX_PACKET_BYTES) return PACKET_DROP.oversized;
    const prefix = bytes[0]!;
    const type = prefix & PACKET_TYPE_MASK;
    if ((prefix & PREFIX_RESERVED_MASK) !== 0 || type < PACKET_REQUEST || type > PACKET_DATA) return PACKET_DROP.bad_prefix;
    if (type !== PACKET_DATA && prefix !== type) return PACKET_DROP.bad_prefix;
    if (type !== PACKET_DATA && type !== PACKET_CHALLENGE && type !== PACKET_DENIED) return PACKET_DROP.wrong_direction;
    this.time.nowMs = this.clock();
    const token = this.token;
    if (type === PACKET_DATA) {
      if (length < DATA_OVERHEAD_BYTES) return PACKET_DROP.too_short;
      if (bytes[1] !== PROTOCOL_VERSION) return PACKET_DROP.bad_version;
      if (this.state !== 'responding' && this.state !== 'connected') return PACKET_DROP.not_connected;
      this.io.load(bytes);
      return this.connection.receive(length);
    }
    if (type === PACKET_CHALLENGE) {
      if (length !== CHALLENGE_BYTES) return PACKET_DROP.bad_length;
      if (bytes[1] !== PROTOCOL_VERSION) return PACKET_DROP.bad_version;
      if (bytes[3] !== 0) return PACKET_DROP.malformed;
      if (this.state !== 'requesting' || token === undefined) return PACKET_DROP.duplicate_handshake;
      const challenge = openChallenge(this.crypto, bytes, token.serverToClientKey);
      if (challenge === undefined) return PACKET_DROP.handshake_invalid;
      if (!this.crypto.kxClientSessionKeys(this.rxKey, this.txKey, this.clientPk, this.clientSk, challenge.serverPublicKey)) return PACKET_DROP.handshake_invalid;
      const clientSalt = new Uint8Array(4);
      this.crypto.randomBytes(clientSalt);
      this.response = writeResponse(this.crypto, challenge, this.clientPk, clientSalt, token.clientToServerKey);
      // Keep the channels as they are until ACCEPT says which tier this is.
      this.connection.bindLink(this.transport!, this.host, this.port, null, { rx: this.rxKey, tx: this.txKey, rxSalt: challenge.serverSalt, txSalt: clientSalt }, SessionTier.Resume);
      this.connection.state = 'connecting';
      this.state = 'responding';
      this.sendHandshake(this.response);
      return -1;
    }
    if (length !== DENIED_BYTES) return PACKET_DROP.bad_length;
    if (bytes[1] !== PROTOCOL_VERSION) return PACKET_DROP.bad_version;
    if (bytes[2] !== 0 || bytes[3] !== 0) return PACKET_DROP.malformed;
    if ((this.state !== 'requesting' && this.state !== 'responding') || token === undefined) return PACKET_DROP.duplicate_handshake;
    const reason = openDenied(this.crypto, bytes, token.serverToClientKey);
    if (reason === undefined) return PACKET_DROP.handshake_invalid;
    this.end(reason === DisconnectReason.ServerFull || reason === DisconnectReason.AddressLimit ? reason : DisconnectReason.Kicked);
    return -1;
  }

  transportDrop(_transport: Transport, reason: number = PACKET_DROP.transport): void {
    this.packetsReceived++;
    this.drops.packets[reason]!++;
  }

  linkClosed(transport: Transport): void {
    if (transport !== this.transport) return;
    if (this.state === 'connected') this.interrupt(DisconnectReason.TransportClosed);
    else if (this.state === 'requesting' || this.state === 'responding') this.failAttempt(DisconnectReason.TransportClosed);
  }

  // ---- ConnectionHost ------------------------------------------------------------------------

  transmit(_conn: Connection, packet: Uint8Array): void {
    this.sendPacket(packet);
  }

  /** Hands one packet to the transport; a refusal or a throw is a counted send drop. */
  private sendPacket(packet: Uint8Array): void {
    const t = this.transport;
    if (t === undefined) return;
    let refused: number | void;
    try {
      refused = t.send(packet, this.host, this.port, null);
    } catch (err) {
      refused = SEND_DROP.send_failed;
      this.faults.report('sending threw', err);
    }
    if (typeof refused === 'number' && refused >= 0) this.drops.sends[refused]!++;
  }

  deliver(_conn: Connection, channel: number, bytes: Uint8Array): void {
    const handler = this.handlers.message;
    if (handler === undefined) return;
    try {
      handler(channel, bytes);
    } catch (err) {
      this.handlerFailed(err);
    }
  }

  acked(_conn: Connection, channel: number, messageNumber: number): void {
    const handler = this.handlers.acked;
    if (handler === undefined) return;
    try {
      handler(channel, messageNumber);
    } catch (err) {
      this.handlerFailed(err);
    }
  }

  control(conn: Connection, bytes: Uint8Array): void {
    if (bytes[0] === CONTROL_ACCEPT) {
      const accept = decodeAccept(bytes);
      if (accept === undefined || this.state !== 'responding') return;
      if (accept.tier !== SessionTier.Resume) conn.applyTier(accept.tier);
      conn.clientId = accept.clientId;
      conn.timeoutMs = accept.timeoutMs;
      conn.state = 'connected';
      conn.accepted = true;
      this.clientId = accept.clientId;
      this.resumeTicket = accept.ticket;
      this.lastTier = accept.tier;
      this.state = 'connected';
      this.callHandler(() => this.handlers.connect?.(accept.tier));
      return;
    }
    if (bytes[0] === CONTROL_TICKET) {
      // A fresh resume ticket: the one before no longer redeems.
      const ticket = decodeTicket(bytes);
      if (ticket !== undefined && this.state === 'connected') this.resumeTicket = ticket;
      return;
    }
    if (bytes[0] === CONTROL_REKEY) {
      const rekey = decodeRekey(bytes, CONTROL_REKEY);
      if (rekey === undefined) return;
      const pk = new Uint8Array(KX_PUBLIC_KEY_BYTES);
      const sk = new Uint8Array(KX_SECRET_KEY_BYTES);
      kxKeypair(this.crypto, pk, sk);
      const rx = new Uint8Array(KEY_BYTES);
      const tx = new Uint8Array(KEY_BYTES);
      const ok = this.crypto.kxClientSessionKeys(rx, tx, pk, sk, rekey.publicKey);
      sk.fill(0);
      if (!ok) return;
      conn.installRxKey(rekey.phase, rx);
      conn.keys.pendingTx.set(tx);
      conn.keys.pendingTxPhase = rekey.phase;
      conn.sendControl(encodeRekey(CONTROL_REKEY_ACK, rekey.phase, pk));
    }
  }

  peerDisconnected(_conn: Connection, reason: number): void {
    this.end(reason);
  }

  overflow(_conn: Connection): void {
    this.disconnect();
  }

  // ---- internals ------------------------------------------------------------------------------

  private sendHandshake(packet: Uint8Array): void {
    this.lastHandshakeSendMs = this.time.nowMs;
    this.sendPacket(packet);
  }

  /** The link is gone but the session may live on: the caller reconnects with a new token. */
  private interrupt(reason: DisconnectReason): void {
    this.state = 'interrupted';
    this.lastReason = reason;
    this.connection.park();
    const t = this.transport;
    this.transport = undefined;
    if (t) void t.close();
    this.callHandler(() => this.handlers.interrupt?.(reason));
  }

  /** A connection attempt failed: a client that had a session stays interrupted (it may try
   * again with another token), one that never connected is disconnected. */
  private failAttempt(reason: DisconnectReason): void {
    if (this.clientId >= 0) this.interrupt(reason);
    else this.end(reason);
  }

  /** The session is over: the Connection is cleared and a later connect() starts afresh. */
  private end(reason: number): void {
    if (this.state === 'disconnected') return;
    this.state = 'disconnected';
    this.lastReason = reason;
    this.clientId = -1;
    this.resumeTicket = null;
    this.connection.close();
    const t = this.transport;
    this.transport = undefined;
    if (t) void t.close();
    this.callHandler(() => this.handlers.disconnect?.(reason));
  }

  private callHandler(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.handlerFailed(err);
    }
  }

  private handlerFailed(err: unknown): void {
    this.handlerErrors++;
    this.faults.report('a handler threw', err);
  }
}
