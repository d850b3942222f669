// The server's side of the handshake, in front of its sessions: REQUESTs are answered with a
// CHALLENGE (or DENIED) and leave no state; a RESPONSE that opens is handed to the server to
// establish the session. Every check is a counted drop (drops.ts), in the order of server.ts.
// Everything here works in preallocated buffers: a flood of handshake packets allocates nothing.

import { MAX_CLIENT_ID, privateTokenHasAddress, readPrivateToken } from './connect-token.js';
import type { Connection } from './connection.js';
import type { NetCrypto } from './crypto.js';
import { PACKET_DROP } from './drops.js';
import { ServerHandshake } from './handshake.js';
import type { NetClock } from './clock.js';
import type { PacketIo } from './packet-io.js';
import { AddressRateLimiter, TokenBucket } from './rate-limit.js';
import {
  CHALLENGE_TOKEN_BYTES,
  DisconnectReason,
  HANDSHAKE_HEADER_BYTES,
  KEY_BYTES,
  PROTOCOL_VERSION,
  REQUEST_BYTES,
  REQUEST_TOKEN_OFFSET,
  RESPONSE_BYTES,
  RESPONSE_SEALED_OFFSET,
  SEALED_PRIVATE_TOKEN_BYTES,
} from './spec.js';
import type { Transport } from './transport.js';
import { readU32, readU64 } from './wire.js';

/** What the gate needs from the server behind it. */
export interface HandshakeHost {
  readonly io: PacketIo;
  /** True if a new session for `clientId` would pass the server's session limit. */
  full(clientId: number): boolean;
  connectionAt(host: string, port: number, link: object | null): Connection | undefined;
  sessionOf(clientId: number): Connection | undefined;
  sendRaw(transport: Transport, buf: Uint8Array, length: number, host: string, port: number, link: object | null): void;
  /** A RESPONSE opened: `gate.hs.response`, `gate.sessionRx` and `gate.sessionTx` hold it. */
  establish(transport: Transport, host: string, port: number, link: object | null, handshakeSeq: number): void;
  challenged(): void;
  denied(): void;
}

export interface HandshakeGateOptions {
  crypto: NetCrypto;
  secret: Uint8Array;
  protocolId: bigint;
  clock: NetClock;
  nowMs: number;
  unixNow: () => number;
  handshakesPerIpPerSec: number;
  maxHandshakesPerSec: number;
  publicAddresses?: readonly string[];
}

export class HandshakeGate {
  readonly hs: ServerHandshake;
  /** Session keys of the last RESPONSE that opened (rx: what the client seals). */
  readonly sessionRx = new Uint8Array(KEY_BYTES);
  readonly sessionTx = new Uint8Array(KEY_BYTES);
  private readonly crypto: NetCrypto;
  private readonly host: HandshakeHost;
  private readonly unixNow: () => number;
  private readonly addressLimiter: AddressRateLimiter;
  private readonly handshakeBudget: TokenBucket;
  private readonly acceptedAddresses: Uint8Array[] | undefined;
  private readonly sealedTokenView: Uint8Array;
  private readonly cookieView: Uint8Array;
  private readonly responseBodyView: Uint8Array;
  private readonly responseHeaderView: Uint8Array;
  private readonly tokenFields = { clientId: 0, timeoutMs: 0 };

  constructor(host: HandshakeHost, o: HandshakeGateOptions) {
    this.host = host;
    this.crypto = o.crypto;
    this.unixNow = o.unixNow;
    this.hs = new ServerHandshake(o.crypto, o.protocolId, o.nowMs);
    this.hs.serverTokenKey = o.secret;
    const seed = new Uint8Array(4);
    o.crypto.randomBytes(seed);
    this.addressLimiter = new AddressRateLimiter(o.clock, o.handshakesPerIpPerSec, o.handshakesPerIpPerSec * 2, readU32(seed, 0));
    this.handshakeBudget = new TokenBucket(o.clock, o.maxHandshakesPerSec, o.maxHandshakesPerSec);
    const encoder = new TextEncoder();
    this.acceptedAddresses = o.publicAddresses?.map((a) => encoder.encode(a));
    const rx = host.io.rx;
    this.sealedTokenView = rx.subarray(REQUEST_TOKEN_OFFSET, REQUEST_TOKEN_OFFSET + SEALED_PRIVATE_TOKEN_BYTES);
    this.cookieView = rx.subarray(HANDSHAKE_HEADER_BYTES, HANDSHAKE_HEADER_BYTES + CHALLENGE_TOKEN_BYTES);
    this.responseHeaderView = rx.subarray(0, RESPONSE_SEALED_OFFSET);
    this.responseBodyView = rx.subarray(RESPONSE_SEALED_OFFSET, RESPONSE_BYTES);
  }

  /** A REQUEST: answered with a CHALLENGE or DENIED, or dropped. -1 or a PACKET_DROP index. */
  processRequest(transport: Transport, bytes: Uint8Array, host: string, port: number, link: object | null): number {
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
    const io = this.host.io;
    io.load(bytes);
    this.hs.unixNowMs = this.unixNow();
    const verdict = this.hs.openRequest(io.rx, this.sealedTokenView);
    if (verdict >= 0) return verdict;
    const fields = this.tokenFields;
    if (!readPrivateToken(this.hs.tokenPlain, fields)) return PACKET_DROP.token_invalid;
    if (this.acceptedAddresses && !privateTokenHasAddress(this.hs.tokenPlain, this.acceptedAddresses)) return PACKET_DROP.wrong_server;
    if (this.host.full(fields.clientId)) {
      const n = this.hs.writeDenied(this.hs.tokenServerToClientKey, DisconnectReason.ServerFull);
      this.host.denied();
      this.host.sendRaw(transport, this.hs.denied, n, host, port, link);
      return -1;
    }
    const n = this.hs.writeChallenge(fields.clientId, fields.timeoutMs);
    this.host.challenged();
    this.host.sendRaw(transport, this.hs.challenge, n, host, port, link);
    return -1;
  }

  /** A RESPONSE: the session is established, or the packet dropped. -1 or a PACKET_DROP index. */
  processResponse(transport: Transport, bytes: Uint8Array, host: string, port: number, link: object | null): number {
    if (bytes.length !== RESPONSE_BYTES) return PACKET_DROP.bad_length;
    if (bytes[1] !== PROTOCOL_VERSION) return PACKET_DROP.bad_version;
    if (bytes[3] !== 0) return PACKET_DROP.malformed;
    const existing = this.host.connectionAt(host, port, link);
    // A client resends its RESPONSE until ACCEPT arrives: the copies cost nothing.
    if (existing !== undefined && existing.handshakeSeq === readU64(bytes, 4)) return PACKET_DROP.duplicate_handshake;
    if (!this.addressLimiter.allow(host)) return PACKET_DROP.rate_limited;
    if (!this.handshakeBudget.take(1)) return PACKET_DROP.handshake_busy;
    const io = this.host.io;
    io.load(bytes);
    this.hs.unixNowMs = this.unixNow();
    const verdict = this.hs.openResponse(io.rx, this.cookieView, this.responseBodyView, this.responseHeaderView);
    if (verdict >= 0) return verdict;
    const opened = this.hs.response;
    if (opened.clientId > MAX_CLIENT_ID) return PACKET_DROP.token_invalid;
    // Handshake sequences only grow: a RESPONSE to an older challenge than the one that bound
    // the session is a replay (it would otherwise move the session to the sender's address).
    const session = this.host.sessionOf(opened.clientId);
    if (session !== undefined && readU64(bytes, 4) <= session.handshakeSeq) return PACKET_DROP.replayed;
    if (!this.crypto.kxServerSessionKeys(this.sessionRx, this.sessionTx, opened.epoch.publicKey, opened.epoch.secretKey, this.hs.clientPublicKey)) {
      return PACKET_DROP.handshake_invalid;
    }
    this.host.establish(transport, host, port, link, readU64(bytes, 4));
    return -1;
  }
}
