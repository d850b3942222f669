// The server's side of the handshake, in front of its sessions: REQUESTs are answered with a
// CHALLENGE (or DENIED) and leave no state; a RESPONSE that opens is handed to the server to
// establish the session. Every check is a counted drop (drops.ts), in the order of server.ts.
// Everything here works in preallocated buffers: a flood of handshake packets allocates nothing.
//
// The CHALLENGE's cookie is bound to the address it is sent to (a keyed hash of transport, host
// and port, under a key only this server holds), so only a RESPONSE from that same address
// opens a session; and each cookie opens at most one session (CookieLedger).

import { MAX_CLIENT_ID, privateTokenHasAddress, readPrivateToken } from './connect-token.js';
import { CookieLedger } from './cookie-ledger.js';
import type { Connection } from './connection.js';
import type { NetCrypto } from './crypto.js';
import { PACKET_DROP } from './drops.js';
import { CHALLENGE_TIMEOUT_MS, ServerHandshake } from './handshake.js';
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
import { readU32, readU64, ViewCache } from './wire.js';

/** Longest host string an address tag covers in full (IP literals are under 64). */
const MAX_TAGGED_HOST = 255;

/** What the gate needs from the server behind it. */
export interface HandshakeHost {
  readonly io: PacketIo;
  /** Why a session for `clientId` from `host` would be refused (ServerFull, AddressLimit), or
   * DisconnectReason.None: admitted. A client id that has a session is always admitted. */
  refusal(clientId: number, host: string): DisconnectReason;
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
  /** Cookies that opened a session, until they expire. */
  readonly ledger: CookieLedger;
  // address tags: key, the encoded address, its exact-length views, the hash output
  private readonly tagKey = new Uint8Array(KEY_BYTES);
  private readonly addressBytes = new Uint8Array(2 + 16 + MAX_TAGGED_HOST + 2);
  private readonly addressViews = new ViewCache(this.addressBytes, 0);
  private readonly tag = new Uint8Array(16);
  private tagTransport = '';
  private tagHost = '';
  private tagPort = 0;
  /** Writes the tag of the address in tagTransport/tagHost/tagPort (made once: no closure per packet). */
  private readonly writeTag = (out: Uint8Array) => this.addressTag(out);

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
    o.crypto.randomBytes(this.tagKey);
    this.ledger = new CookieLedger(o.maxHandshakesPerSec * (CHALLENGE_TIMEOUT_MS / 1000 + 1) + 1);
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
    const refusal = this.host.refusal(fields.clientId, host);
    if (refusal !== DisconnectReason.None) {
      const n = this.hs.writeDenied(this.hs.tokenServerToClientKey, refusal);
      this.host.denied();
      this.host.sendRaw(transport, this.hs.denied, n, host, port, link);
      return -1;
    }
    this.setAddress(transport, host, port);
    this.addressTag(this.tag);
    const n = this.hs.writeChallenge(fields.clientId, fields.timeoutMs, this.tag);
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
    // A client resends its RESPONSE until ACCEPT arrives: the copies cost nothing (they count
    // towards what the server may send an address not yet validated).
    if (existing !== undefined && existing.handshakeSeq === readU64(bytes, 4)) {
      existing.creditReceived(bytes.length);
      return PACKET_DROP.duplicate_handshake;
    }
    if (!this.addressLimiter.allow(host)) return PACKET_DROP.rate_limited;
    if (!this.handshakeBudget.take(1)) return PACKET_DROP.handshake_busy;
    const io = this.host.io;
    io.load(bytes);
    this.hs.unixNowMs = this.unixNow();
    this.setAddress(transport, host, port);
    const verdict = this.hs.openResponse(io.rx, this.cookieView, this.responseBodyView, this.responseHeaderView, this.writeTag);
    if (verdict >= 0) return verdict;
    const opened = this.hs.response;
    if (opened.clientId > MAX_CLIENT_ID) return PACKET_DROP.token_invalid;
    const seq = readU64(bytes, 4);
    // Single use: this cookie already opened a session (that may since have ended).
    if (this.ledger.has(seq)) return PACKET_DROP.duplicate_handshake;
    // Handshake sequences only grow: a RESPONSE to an older challenge than the one that bound
    // the session is a replay (it would otherwise move the session to the sender's address).
    const session = this.host.sessionOf(opened.clientId);
    if (session !== undefined && seq <= session.handshakeSeq) return PACKET_DROP.replayed;
    if (!this.ledger.hasRoom(this.hs.unixNowMs)) return PACKET_DROP.handshake_busy;
    if (!this.crypto.kxServerSessionKeys(this.sessionRx, this.sessionTx, opened.epoch.publicKey, opened.epoch.secretKey, this.hs.clientPublicKey)) {
      return PACKET_DROP.handshake_invalid;
    }
    // Remembered until it would have expired anyway (it was issued before now).
    this.ledger.consume(seq, this.hs.unixNowMs + CHALLENGE_TIMEOUT_MS);
    this.host.establish(transport, host, port, link, seq);
    return -1;
  }

  private setAddress(transport: Transport, host: string, port: number): void {
    this.tagTransport = transport.name;
    this.tagHost = host;
    this.tagPort = port;
  }

  /** Keyed BLAKE2b of (transport name, host, port) into `out` (16 bytes; the cookie keeps 8). */
  private addressTag(out: Uint8Array): void {
    const b = this.addressBytes;
    const name = this.tagTransport;
    const host = this.tagHost;
    let p = 0;
    b[p++] = name.length;
    for (let i = 0; i < name.length && i < 16; i++) b[p++] = name.charCodeAt(i) & 0xff;
    const hostLength = Math.min(host.length, MAX_TAGGED_HOST);
    b[p++] = hostLength;
    for (let i = 0; i < hostLength; i++) b[p++] = host.charCodeAt(i) & 0xff;
    b[p++] = this.tagPort & 0xff;
    b[p++] = (this.tagPort >>> 8) & 0xff;
    this.crypto.hash(out, this.addressViews.get(p), this.tagKey);
  }
}
