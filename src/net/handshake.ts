// The connection handshake (layouts in spec.ts):
//
//   client                                   server
//   REQUEST (token, padded to 1024 B) ---->  checks type, length, version, protocol id, expiry,
//                                            opens the private token; keeps NO state
//                            <----  CHALLENGE (208 B, sealed with the token's s2c key): server
//                                            X25519 public key + a challenge token sealed with a
//                                            key only the server knows (the stateless cookie)
//   RESPONSE (208 B: challenge token + ---->  opens the cookie, checks it was sent to this very
//   client X25519 key, sealed with c2s)       address (proof the client receives there) and
//                                            that it was never used; then the body; derives
//                                            session keys; the connection exists from here on
//                            <----  DATA with ACCEPT (session keys)
//
// Every reply is smaller than the packet it answers, so a spoofed source address gains an
// attacker nothing. The cookie carries a keyed hash of the address (transport, host, port) the
// CHALLENGE went to: a RESPONSE from any other address is refused (wrong_address), so a token
// holder cannot open a session at someone else's address. The server remembers the sequence of
// every cookie that opened a session until the cookie expires (single use: a recorded RESPONSE
// replayed later would rebuild the same keys with the packet sequence back at 0). The server's X25519 key pair and the cookie key rotate every
// KEY_ROTATION_MS (the previous pair stays valid for one more period), so each session key
// depends on an ephemeral server key that is gone within two periods: forward secrecy without
// a key-pair generation per handshake. Handshake nonces are (type, three zero bytes, u64
// sequence from the header). The server's sequence counter starts at a random 48-bit value, so
// two servers of a cluster answering the same token (same s2c key) never share a nonce.

import { kxKeypair, newKey, type NetCrypto } from './crypto.js';
import { PACKET_DROP } from './drops.js';
import {
  CHALLENGE_BYTES,
  CHALLENGE_PLAIN_BYTES,
  CHALLENGE_TOKEN_BYTES,
  CHALLENGE_TOKEN_PLAIN_BYTES,
  DENIED_BYTES,
  HANDSHAKE_HEADER_BYTES,
  KEY_BYTES,
  KX_PUBLIC_KEY_BYTES,
  KX_SECRET_KEY_BYTES,
  NONCE_BYTES,
  PACKET_CHALLENGE,
  PACKET_DENIED,
  PACKET_REQUEST,
  PACKET_RESPONSE,
  PRIVATE_TOKEN_BYTES,
  PROTOCOL_VERSION,
  REQUEST_BYTES,
  REQUEST_TOKEN_OFFSET,
  RESPONSE_BYTES,
  RESPONSE_PLAIN_BYTES,
  RESPONSE_SEALED_OFFSET,
  TOKEN_NONCE_BYTES,
} from './spec.js';
import { readU32, readU64, writeU32, writeU64, writeU64Big } from './wire.js';
import type { ConnectToken } from './connect-token.js';

/** Server X25519 key pair and cookie key lifetime. */
export const KEY_ROTATION_MS = 60_000;
/** A challenge must be answered within this long. */
export const CHALLENGE_TIMEOUT_MS = 10_000;
const COOKIE_NONCE_TYPE = 0xc7;

/** Challenge token plaintext offsets. */
const CT_CLIENT_ID = 0;
const CT_ISSUED = 8;
const CT_TIMEOUT = 16;
const CT_SERVER_SALT = 20;
const CT_C2S = 24;
const CT_S2C = 56;
const CT_USER = 88;
/** 8 bytes: keyed BLAKE2b of the address the CHALLENGE was sent to. */
const CT_ADDRESS = 120;
export const ADDRESS_TAG_BYTES = 8;

interface KeyEpoch {
  epoch: number;
  cookieKey: Uint8Array;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** The server's rotating handshake keys: current and previous epoch. */
export class ServerKeyRing {
  private current: KeyEpoch;
  private previous: KeyEpoch | undefined;
  private rotatedAtMs: number;

  constructor(
    private readonly crypto: NetCrypto,
    nowMs: number,
  ) {
    this.current = this.fresh(1);
    this.rotatedAtMs = nowMs;
  }

  private fresh(epoch: number): KeyEpoch {
    const publicKey = new Uint8Array(KX_PUBLIC_KEY_BYTES);
    const secretKey = new Uint8Array(KX_SECRET_KEY_BYTES);
    kxKeypair(this.crypto, publicKey, secretKey);
    return { epoch, cookieKey: newKey(this.crypto), publicKey, secretKey };
  }

  rotate(nowMs: number): void {
    if (nowMs - this.rotatedAtMs < KEY_ROTATION_MS) return;
    if (this.previous) {
      this.previous.secretKey.fill(0);
      this.previous.cookieKey.fill(0);
    }
    this.previous = this.current;
    this.current = this.fresh(((this.current.epoch + 1) & 0xff) || 1);
    this.rotatedAtMs = nowMs;
  }

  get now(): KeyEpoch {
    return this.current;
  }

  /** The epoch whose low byte is `epochByte`, if still held. */
  find(epochByte: number): KeyEpoch | undefined {
    if (this.current.epoch === epochByte) return this.current;
    if (this.previous?.epoch === epochByte) return this.previous;
    return undefined;
  }
}

function writeHandshakeHeader(b: Uint8Array, type: number, epochByte: number, seq: number): void {
  b[0] = type;
  b[1] = PROTOCOL_VERSION;
  b[2] = epochByte;
  b[3] = 0;
  writeU64(b, 4, seq);
}

function handshakeNonce(nonce: Uint8Array, type: number, seq: number): void {
  nonce[0] = type;
  nonce[1] = 0;
  nonce[2] = 0;
  nonce[3] = 0;
  writeU64(nonce, 4, seq);
}

/** The same nonce with the sequence bytes copied from a received header (no number made). */
function handshakeNonceFrom(nonce: Uint8Array, type: number, header: Uint8Array): void {
  nonce[0] = type;
  nonce[1] = 0;
  nonce[2] = 0;
  nonce[3] = 0;
  for (let i = 0; i < 8; i++) nonce[4 + i] = header[4 + i]!;
}

/** The fields of an opened RESPONSE, read from the server's scratch buffers. */
export interface OpenedResponse {
  clientId: number;
  timeoutMs: number;
  /** Views into the scratch buffers: the 4-byte nonce salts of each direction. */
  serverSalt: Uint8Array;
  clientSalt: Uint8Array;
  epoch: KeyEpoch;
}

/**
 * Server side: opens REQUESTs and RESPONSEs and writes CHALLENGEs and DENIEDs in preallocated
 * buffers, so a flood of handshake packets allocates nothing. Views into the scratch buffers
 * (`tokenPlain`, `cookiePlain`, `clientPublicKey`) are valid until the next call.
 */
export class ServerHandshake {
  readonly keys: ServerKeyRing;
  private readonly crypto: NetCrypto;
  private readonly protocolIdBytes = new Uint8Array(8);
  private seq: number;
  // REQUEST
  private readonly tokenAd = new Uint8Array(17);
  private readonly tokenNonce = new Uint8Array(NONCE_BYTES);
  readonly tokenPlain = new Uint8Array(PRIVATE_TOKEN_BYTES);
  // CHALLENGE
  readonly challenge = new Uint8Array(CHALLENGE_BYTES);
  private readonly challengeAd: Uint8Array;
  private readonly challengePlain = new Uint8Array(CHALLENGE_PLAIN_BYTES);
  private readonly challengeSealed: Uint8Array;
  private readonly cookiePlainScratch = new Uint8Array(CHALLENGE_TOKEN_PLAIN_BYTES);
  private readonly cookieSealedInChallenge: Uint8Array;
  private readonly nonce = new Uint8Array(NONCE_BYTES);
  private readonly saltScratch = new Uint8Array(4);
  // RESPONSE
  readonly cookiePlain = new Uint8Array(CHALLENGE_TOKEN_PLAIN_BYTES);
  private readonly responsePlain = new Uint8Array(RESPONSE_PLAIN_BYTES);
  readonly clientPublicKey: Uint8Array;
  readonly clientToServerKey: Uint8Array;
  readonly serverToClientKey: Uint8Array;
  readonly userData: Uint8Array;
  // DENIED
  readonly denied = new Uint8Array(DENIED_BYTES);
  private readonly deniedPlain = new Uint8Array(1);
  private readonly opened: OpenedResponse;
  private readonly tagScratch = new Uint8Array(16);
  /** Unix time for expiry checks, set by the server before each call (a field, not an argument,
   * so a flood of forged handshakes boxes no numbers). */
  unixNowMs = 0;

  constructor(crypto: NetCrypto, protocolId: bigint, nowMs: number) {
    this.crypto = crypto;
    this.keys = new ServerKeyRing(crypto, nowMs);
    writeU64Big(this.protocolIdBytes, 0, protocolId);
    const start = new Uint8Array(8);
    crypto.randomBytes(start);
    this.seq = readU32(start, 0) + (readU32(start, 4) & 0xffff) * 4294967296;
    this.challengeAd = this.challenge.subarray(0, HANDSHAKE_HEADER_BYTES);
    this.challengeSealed = this.challenge.subarray(HANDSHAKE_HEADER_BYTES);
    this.cookieSealedInChallenge = this.challengePlain.subarray(KX_PUBLIC_KEY_BYTES + 4);
    this.clientPublicKey = this.responsePlain.subarray(0, KX_PUBLIC_KEY_BYTES);
    this.clientToServerKey = this.cookiePlain.subarray(CT_C2S, CT_C2S + KEY_BYTES);
    this.serverToClientKey = this.cookiePlain.subarray(CT_S2C, CT_S2C + KEY_BYTES);
    this.userData = this.cookiePlain.subarray(CT_USER, CT_USER + 32);
    this.opened = {
      clientId: 0,
      timeoutMs: 0,
      serverSalt: this.cookiePlain.subarray(CT_SERVER_SALT, CT_SERVER_SALT + 4),
      clientSalt: this.responsePlain.subarray(KX_PUBLIC_KEY_BYTES, KX_PUBLIC_KEY_BYTES + 4),
      epoch: this.keys.now,
    };
  }

  /** True if bytes 4..11 of `b` are our protocol id. */
  protocolIdMatches(b: Uint8Array, off: number): boolean {
    const p = this.protocolIdBytes;
    for (let i = 0; i < 8; i++) if (b[off + i] !== p[i]) return false;
    return true;
  }

  /**
   * Checks the REQUEST in `rx` (already known to be REQUEST_BYTES long with our version and
   * protocol id): expiry, then the private token. On success `tokenPlain` holds it; returns -1
   * or a PACKET_DROP index.
   */
  openRequest(rx: Uint8Array, sealedToken: Uint8Array): number {
    if (readU64(rx, 12) <= this.unixNowMs) return PACKET_DROP.token_expired;
    // AD = version, protocol id, expiry: the protocol id was matched, the expiry is copied.
    const ad = this.tokenAd;
    ad[0] = PROTOCOL_VERSION;
    for (let i = 0; i < 8; i++) {
      ad[1 + i] = this.protocolIdBytes[i]!;
      ad[9 + i] = rx[12 + i]!;
    }
    for (let i = 0; i < TOKEN_NONCE_BYTES; i++) this.tokenNonce[i] = rx[20 + i]!;
    if (!this.crypto.open(this.tokenPlain, sealedToken, this.tokenAd, this.tokenNonce, this.serverTokenKey!)) return PACKET_DROP.token_invalid;
    return -1;
  }

  /** Set by the server: the key private tokens are sealed with. */
  serverTokenKey: Uint8Array | undefined;

  /** Writes `challenge` for the opened token in `tokenPlain`, bound to the address whose tag is
   * `addressTag` (ADDRESS_TAG_BYTES); returns its length. */
  writeChallenge(clientId: number, timeoutMs: number, addressTag: Uint8Array): number {
    const unixNowMs = this.unixNowMs;
    const epoch = this.keys.now;
    const cp = this.cookiePlainScratch;
    const tp = this.tokenPlain;
    cp.fill(0);
    writeU64(cp, CT_CLIENT_ID, clientId);
    writeU64(cp, CT_ISSUED, unixNowMs);
    writeU32(cp, CT_TIMEOUT, timeoutMs);
    this.crypto.randomBytes(this.saltScratch);
    for (let i = 0; i < 4; i++) cp[CT_SERVER_SALT + i] = this.saltScratch[i]!;
    for (let i = 0; i < KEY_BYTES; i++) {
      cp[CT_C2S + i] = tp[16 + i]!;
      cp[CT_S2C + i] = tp[48 + i]!;
      cp[CT_USER + i] = tp[80 + i]!;
    }
    for (let i = 0; i < ADDRESS_TAG_BYTES; i++) cp[CT_ADDRESS + i] = addressTag[i]!;
    const seq = this.seq++;
    // The cookie: sealed with a key that never leaves the server; AD is the protocol id.
    handshakeNonce(this.nonce, COOKIE_NONCE_TYPE, seq);
    this.crypto.seal(this.cookieSealedInChallenge, cp, this.protocolIdBytes, this.nonce, epoch.cookieKey);
    const plain = this.challengePlain;
    plain.set(epoch.publicKey, 0);
    for (let i = 0; i < 4; i++) plain[KX_PUBLIC_KEY_BYTES + i] = this.saltScratch[i]!;
    writeHandshakeHeader(this.challenge, PACKET_CHALLENGE, epoch.epoch, seq);
    handshakeNonce(this.nonce, PACKET_CHALLENGE, seq);
    this.crypto.seal(this.challengeSealed, plain, this.challengeAd, this.nonce, this.s2cFromToken());
    return CHALLENGE_BYTES;
  }

  private readonly s2cView = this.tokenPlain.subarray(48, 48 + KEY_BYTES);
  private s2cFromToken(): Uint8Array {
    return this.s2cView;
  }

  /**
   * Opens the RESPONSE in `rx` (RESPONSE_BYTES, version checked): cookie, its age, the address it
   * was bound to (`addressTag`, computed for the sender), then the body. Returns -1 (fields in
   * the returned object and scratch views) or a PACKET_DROP index.
   */
  openResponse(rx: Uint8Array, cookieSealed: Uint8Array, body: Uint8Array, header: Uint8Array, addressTag: (out: Uint8Array) => void): number {
    const epoch = this.keys.find(rx[2]!);
    if (!epoch) return PACKET_DROP.token_expired;
    handshakeNonceFrom(this.nonce, COOKIE_NONCE_TYPE, rx);
    if (!this.crypto.open(this.cookiePlain, cookieSealed, this.protocolIdBytes, this.nonce, epoch.cookieKey)) return PACKET_DROP.token_invalid;
    if (this.unixNowMs - readU64(this.cookiePlain, CT_ISSUED) > CHALLENGE_TIMEOUT_MS) return PACKET_DROP.token_expired;
    const tag = this.tagScratch;
    addressTag(tag);
    for (let i = 0; i < ADDRESS_TAG_BYTES; i++) if (this.cookiePlain[CT_ADDRESS + i] !== tag[i]) return PACKET_DROP.wrong_address;
    handshakeNonceFrom(this.nonce, PACKET_RESPONSE, rx);
    if (!this.crypto.open(this.responsePlain, body, header, this.nonce, this.clientToServerKey)) return PACKET_DROP.handshake_invalid;
    const o = this.opened;
    o.clientId = readU64(this.cookiePlain, CT_CLIENT_ID);
    o.timeoutMs = readU32(this.cookiePlain, CT_TIMEOUT);
    o.epoch = epoch;
    return -1;
  }

  get response(): OpenedResponse {
    return this.opened;
  }

  /** Writes a DENIED sealed with `s2cKey`; returns its length. */
  writeDenied(s2cKey: Uint8Array, reason: number): number {
    const seq = this.seq++;
    writeHandshakeHeader(this.denied, PACKET_DENIED, 0, seq);
    this.deniedPlain[0] = reason;
    handshakeNonce(this.nonce, PACKET_DENIED, seq);
    this.crypto.seal(this.deniedSealed, this.deniedPlain, this.deniedAd, this.nonce, s2cKey);
    return DENIED_BYTES;
  }

  private readonly deniedAd = this.denied.subarray(0, HANDSHAKE_HEADER_BYTES);
  private readonly deniedSealed = this.denied.subarray(HANDSHAKE_HEADER_BYTES);

  /** The s2c key of the token opened by the last openRequest (a view). */
  get tokenServerToClientKey(): Uint8Array {
    return this.s2cView;
  }
}

/** Client side: builds the REQUEST for a token (once per connection attempt). */
export function writeRequest(token: ConnectToken): Uint8Array {
  const b = new Uint8Array(REQUEST_BYTES);
  b[0] = PACKET_REQUEST;
  b[1] = PROTOCOL_VERSION;
  writeU64Big(b, 4, token.protocolId);
  writeU64(b, 12, token.expiresAtMs);
  b.set(token.nonce, 20);
  b.set(token.sealedPrivate, REQUEST_TOKEN_OFFSET);
  return b;
}

export interface OpenedChallenge {
  seq: number;
  epochByte: number;
  serverPublicKey: Uint8Array;
  serverSalt: Uint8Array;
  cookie: Uint8Array;
}

/** Client side: opens a CHALLENGE with the token's server-to-client key. */
export function openChallenge(crypto: NetCrypto, b: Uint8Array, s2cKey: Uint8Array): OpenedChallenge | undefined {
  if (b.length !== CHALLENGE_BYTES) return undefined;
  const seq = readU64(b, 4);
  const nonce = new Uint8Array(NONCE_BYTES);
  handshakeNonce(nonce, PACKET_CHALLENGE, seq);
  const plain = new Uint8Array(CHALLENGE_PLAIN_BYTES);
  if (!crypto.open(plain, b.subarray(HANDSHAKE_HEADER_BYTES), b.subarray(0, HANDSHAKE_HEADER_BYTES), nonce, s2cKey)) return undefined;
  return {
    seq,
    epochByte: b[2]!,
    serverPublicKey: plain.slice(0, KX_PUBLIC_KEY_BYTES),
    serverSalt: plain.slice(KX_PUBLIC_KEY_BYTES, KX_PUBLIC_KEY_BYTES + 4),
    cookie: plain.slice(KX_PUBLIC_KEY_BYTES + 4, KX_PUBLIC_KEY_BYTES + 4 + CHALLENGE_TOKEN_BYTES),
  };
}

/** Client side: the RESPONSE to a challenge. */
export function writeResponse(crypto: NetCrypto, challenge: OpenedChallenge, clientPublicKey: Uint8Array, clientSalt: Uint8Array, c2sKey: Uint8Array): Uint8Array {
  const b = new Uint8Array(RESPONSE_BYTES);
  b[0] = PACKET_RESPONSE;
  b[1] = PROTOCOL_VERSION;
  b[2] = challenge.epochByte;
  writeU64(b, 4, challenge.seq);
  b.set(challenge.cookie, HANDSHAKE_HEADER_BYTES);
  const plain = new Uint8Array(RESPONSE_PLAIN_BYTES);
  plain.set(clientPublicKey, 0);
  plain.set(clientSalt, KX_PUBLIC_KEY_BYTES);
  const nonce = new Uint8Array(NONCE_BYTES);
  handshakeNonce(nonce, PACKET_RESPONSE, challenge.seq);
  crypto.seal(b.subarray(RESPONSE_SEALED_OFFSET), plain, b.subarray(0, RESPONSE_SEALED_OFFSET), nonce, c2sKey);
  return b;
}

/** Client side: the reason in a DENIED, or undefined if it does not open. */
export function openDenied(crypto: NetCrypto, b: Uint8Array, s2cKey: Uint8Array): number | undefined {
  if (b.length !== DENIED_BYTES) return undefined;
  const nonce = new Uint8Array(NONCE_BYTES);
  handshakeNonce(nonce, PACKET_DENIED, readU64(b, 4));
  const plain = new Uint8Array(1);
  if (!crypto.open(plain, b.subarray(HANDSHAKE_HEADER_BYTES), b.subarray(0, HANDSHAKE_HEADER_BYTES), nonce, s2cKey)) return undefined;
  return plain[0];
}
