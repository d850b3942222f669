// Connect tokens (netcode.io's model): the game's web backend, which knows who the player is,
// issues a token over HTTPS; the client hands it to the game server in its REQUEST. The token
// has a public part the client reads (where to connect, the keys that protect the handshake,
// when it expires) and a private part sealed with the server's secret key that only servers
// can open (the client id and the same keys, bound to the expiry, the protocol id and the
// server address list). A resume ticket, sealed with a key derived from the same secret and sent
// to the client inside the encrypted ACCEPT, lets the backend issue a token for the same client
// id after a disconnect, which is how a session is found again.
//
// Public token (what `issue` returns and the client decodes), little-endian:
// | off | size | field                                          |
// |   0 | 4    | magic "CHRT"                                   |
// |   4 | u8   | protocol version                               |
// |   5 | 3    | zero                                           |
// |   8 | u64  | protocol id                                    |
// |  16 | u64  | created, unix ms                               |
// |  24 | u64  | expires, unix ms                               |
// |  32 | u64  | client id (below 2^53)                         |
// |  40 | u32  | connection timeout, ms                         |
// |  44 | 12   | nonce of the private part                      |
// |  56 | 32   | client-to-server handshake key                 |
// |  88 | 32   | server-to-client handshake key                 |
// | 120 | 528  | private part, sealed (below)                   |
// | 648 | u8   | server address count (1..8)                    |
// | 649 | …    | per address: u8 length, UTF-8 (e.g. udp://h:p) |
//
// Private part, PRIVATE_TOKEN_BYTES before sealing; AD = version, protocol id, expiry:
// | 0 u64 client id | 8 u32 timeout ms | 12 u32 zero | 16 c2s key 32 | 48 s2c key 32 |
// | 80 user data 32 | 112 u8 address count | 113 addresses as above | zero padding |

import { DecodeError, InvalidArgumentError } from '../core/errors.js';
import { newKey, type NetCrypto } from './crypto.js';
import {
  DEFAULT_PROTOCOL_ID,
  KEY_BYTES,
  MAX_ADDRESS_BYTES,
  MAX_TOKEN_ADDRESSES,
  NONCE_BYTES,
  PRIVATE_TOKEN_BYTES,
  PROTOCOL_VERSION,
  RESUME_TICKET_BYTES,
  SEALED_PRIVATE_TOKEN_BYTES,
  TOKEN_NONCE_BYTES,
  USER_DATA_BYTES,
} from './spec.js';
import { readU32, readU64, readU64Big, writeU32, writeU64, writeU64Big } from './wire.js';

export const TOKEN_MAGIC = [0x43, 0x48, 0x52, 0x54] as const;
export const PUBLIC_TOKEN_FIXED_BYTES = 649;
/** Default lifetime of a token: enough to connect, short enough that a leaked one is useless. */
export const DEFAULT_TOKEN_EXPIRY_S = 30;
export const DEFAULT_TIMEOUT_MS = 10_000;
/** A resume ticket stays valid this long after it was issued. */
/** A resume ticket redeems for 15 minutes; a connected client is sent a fresh one every
 * TICKET_REFRESH_MS (server.ts), and while its session lives only the newest one redeems. */
export const RESUME_TICKET_LIFETIME_MS = 15 * 60_000;
/** Client ids are u64 on the wire and below 2^53 here, so they are exact JS numbers. */
export const MAX_CLIENT_ID = Number.MAX_SAFE_INTEGER;

const PRIVATE_ADDRESSES_OFFSET = 113;
const TOKEN_AD_BYTES = 17;

export interface ConnectToken {
  protocolId: bigint;
  version: number;
  createdAtMs: number;
  expiresAtMs: number;
  clientId: number;
  timeoutMs: number;
  nonce: Uint8Array;
  clientToServerKey: Uint8Array;
  serverToClientKey: Uint8Array;
  sealedPrivate: Uint8Array;
  serverAddresses: string[];
}

export interface IssueOptions {
  clientId: number;
  serverAddresses: readonly string[];
  /** Seconds until the token expires (default 30). */
  expiresInS?: number;
  /** Connection timeout the server applies to this client (default 10,000 ms). */
  timeoutMs?: number;
  /** Opaque bytes for the game (account id, ...), at most 32, readable only by servers. */
  userData?: Uint8Array;
  /** Current unix time, ms (default Date.now()). */
  nowUnixMs?: number;
}

/** What a server reads from a private token. */
export interface PrivateToken {
  clientId: number;
  timeoutMs: number;
  clientToServerKey: Uint8Array;
  serverToClientKey: Uint8Array;
  userData: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function encodeAddresses(addresses: readonly string[]): Uint8Array[] {
  if (addresses.length < 1 || addresses.length > MAX_TOKEN_ADDRESSES) {
    throw new InvalidArgumentError(`a connect token lists 1 to ${MAX_TOKEN_ADDRESSES} server addresses, got ${addresses.length}`);
  }
  return addresses.map((a) => {
    const bytes = encoder.encode(a);
    if (bytes.length < 1 || bytes.length > MAX_ADDRESS_BYTES) throw new InvalidArgumentError(`server address "${a}" must be 1 to ${MAX_ADDRESS_BYTES} bytes of UTF-8`);
    return bytes;
  });
}

/** Reads `count` length-prefixed addresses from `b` at `off`; undefined if they do not fit. */
function readAddresses(b: Uint8Array, off: number, end: number): string[] | undefined {
  const count = b[off] ?? 0;
  if (count < 1 || count > MAX_TOKEN_ADDRESSES) return undefined;
  const out: string[] = [];
  let p = off + 1;
  for (let i = 0; i < count; i++) {
    const length = b[p] ?? 0;
    if (length < 1 || length > MAX_ADDRESS_BYTES || p + 1 + length > end) return undefined;
    try {
      out.push(decoder.decode(b.subarray(p + 1, p + 1 + length)));
    } catch (err) {
      if (err instanceof TypeError) return undefined; // not UTF-8
      throw err;
    }
    p += 1 + length;
  }
  return out;
}

export function writeTokenAd(ad: Uint8Array, protocolId: bigint | Uint8Array, expiresAtMs: number): void {
  ad[0] = PROTOCOL_VERSION;
  if (typeof protocolId === 'bigint') writeU64Big(ad, 1, protocolId);
  else ad.set(protocolId, 1);
  writeU64(ad, 9, expiresAtMs);
}

/** Issues tokens and resume tickets for one server (or a cluster sharing the secret). */
export class TokenIssuer {
  readonly protocolId: bigint;
  private readonly crypto: NetCrypto;
  private readonly tokenKey: Uint8Array;
  private readonly ticketKey: Uint8Array;

  constructor(crypto: NetCrypto, secret: Uint8Array, protocolId: bigint = DEFAULT_PROTOCOL_ID) {
    if (secret.length !== KEY_BYTES) throw new InvalidArgumentError(`the server secret must be ${KEY_BYTES} bytes, got ${secret.length}`);
    this.crypto = crypto;
    this.protocolId = protocolId;
    this.tokenKey = secret;
    this.ticketKey = deriveTicketKey(crypto, secret);
  }

  issue(options: IssueOptions): Uint8Array {
    const now = options.nowUnixMs ?? Date.now();
    const expiresInS = options.expiresInS ?? DEFAULT_TOKEN_EXPIRY_S;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { clientId } = options;
    if (!Number.isSafeInteger(clientId) || clientId < 0) throw new InvalidArgumentError(`clientId must be an integer in [0, 2^53), got ${clientId}`);
    if (!(expiresInS > 0 && expiresInS <= 86_400)) throw new InvalidArgumentError(`expiresInS must be in (0, 86400], got ${expiresInS}`);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1000 || timeoutMs > 600_000) throw new InvalidArgumentError(`timeoutMs must be an integer in [1000, 600000], got ${timeoutMs}`);
    const userData = options.userData ?? new Uint8Array(0);
    if (userData.length > USER_DATA_BYTES) throw new InvalidArgumentError(`userData holds at most ${USER_DATA_BYTES} bytes, got ${userData.length}`);
    const addresses = encodeAddresses(options.serverAddresses);
    const addressBytes = addresses.reduce((n, a) => n + 1 + a.length, 1);
    const expiresAtMs = now + Math.round(expiresInS * 1000);
    const c2s = newKey(this.crypto);
    const s2c = newKey(this.crypto);
    const nonce = new Uint8Array(TOKEN_NONCE_BYTES);
    this.crypto.randomBytes(nonce);

    const plain = new Uint8Array(PRIVATE_TOKEN_BYTES);
    writeU64(plain, 0, clientId);
    writeU32(plain, 8, timeoutMs);
    plain.set(c2s, 16);
    plain.set(s2c, 48);
    plain.set(userData, 80);
    let p = PRIVATE_ADDRESSES_OFFSET;
    plain[p++] = addresses.length;
    for (const a of addresses) {
      plain[p++] = a.length;
      plain.set(a, p);
      p += a.length;
    }
    const ad = new Uint8Array(TOKEN_AD_BYTES);
    writeTokenAd(ad, this.protocolId, expiresAtMs);
    const sealed = new Uint8Array(SEALED_PRIVATE_TOKEN_BYTES);
    this.crypto.seal(sealed, plain, ad, nonce, this.tokenKey);
    plain.fill(0);

    const out = new Uint8Array(PUBLIC_TOKEN_FIXED_BYTES - 1 + addressBytes);
    out.set(TOKEN_MAGIC, 0);
    out[4] = PROTOCOL_VERSION;
    writeU64Big(out, 8, this.protocolId);
    writeU64(out, 16, now);
    writeU64(out, 24, expiresAtMs);
    writeU64(out, 32, clientId);
    writeU32(out, 40, timeoutMs);
    out.set(nonce, 44);
    out.set(c2s, 56);
    out.set(s2c, 88);
    out.set(sealed, 120);
    p = PUBLIC_TOKEN_FIXED_BYTES - 1;
    out[p++] = addresses.length;
    for (const a of addresses) {
      out[p++] = a.length;
      out.set(a, p);
      p += a.length;
    }
    return out;
  }

  /** A ticket proving the holder was connected as `clientId` (sent inside the encrypted ACCEPT). */
  issueTicket(clientId: number, nowUnixMs: number = Date.now()): Uint8Array {
    const out = new Uint8Array(RESUME_TICKET_BYTES);
    const nonce = out.subarray(0, TOKEN_NONCE_BYTES);
    this.crypto.randomBytes(nonce);
    const plain = new Uint8Array(16);
    writeU64(plain, 0, clientId);
    writeU64(plain, 8, nowUnixMs);
    const ad = new Uint8Array(8);
    writeU64Big(ad, 0, this.protocolId);
    this.crypto.seal(out.subarray(TOKEN_NONCE_BYTES), plain, ad, nonce, this.ticketKey);
    return out;
  }

  /** The client id a ticket vouches for, or undefined if it is forged, foreign or too old. */
  openTicket(ticket: Uint8Array, nowUnixMs: number = Date.now()): number | undefined {
    if (ticket.length !== RESUME_TICKET_BYTES) return undefined;
    const plain = new Uint8Array(16);
    const ad = new Uint8Array(8);
    writeU64Big(ad, 0, this.protocolId);
    if (!this.crypto.open(plain, ticket.subarray(TOKEN_NONCE_BYTES), ad, ticket.subarray(0, TOKEN_NONCE_BYTES), this.ticketKey)) return undefined;
    const issued = readU64(plain, 8);
    if (nowUnixMs - issued > RESUME_TICKET_LIFETIME_MS || issued - nowUnixMs > 60_000) return undefined;
    return readU64(plain, 0);
  }
}

export function deriveTicketKey(crypto: NetCrypto, secret: Uint8Array): Uint8Array {
  const key = new Uint8Array(KEY_BYTES);
  crypto.hash(key, encoder.encode('chronos resume ticket key v1'), secret);
  return key;
}

/** Decodes a public token (client side); throws DecodeError on anything malformed. */
export function decodeConnectToken(bytes: Uint8Array): ConnectToken {
  if (bytes.length < PUBLIC_TOKEN_FIXED_BYTES + 2) throw new DecodeError(`connect token too short: ${bytes.length} bytes`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== TOKEN_MAGIC[i]) throw new DecodeError('not a connect token (bad magic)');
  if (bytes[4] !== PROTOCOL_VERSION) throw new DecodeError(`connect token version ${bytes[4]}, expected ${PROTOCOL_VERSION}`);
  const addresses = readAddresses(bytes, PUBLIC_TOKEN_FIXED_BYTES - 1, bytes.length);
  if (!addresses) throw new DecodeError('connect token server addresses are malformed');
  const clientId = readU64(bytes, 32);
  if (clientId > MAX_CLIENT_ID) throw new DecodeError(`connect token client id ${clientId} is not below 2^53`);
  const copy = (off: number, n: number) => bytes.slice(off, off + n);
  return {
    protocolId: readU64Big(bytes, 8),
    version: bytes[4]!,
    createdAtMs: readU64(bytes, 16),
    expiresAtMs: readU64(bytes, 24),
    clientId,
    timeoutMs: readU32(bytes, 40),
    nonce: copy(44, NONCE_BYTES),
    clientToServerKey: copy(56, KEY_BYTES),
    serverToClientKey: copy(88, KEY_BYTES),
    sealedPrivate: copy(120, SEALED_PRIVATE_TOKEN_BYTES),
    serverAddresses: addresses,
  };
}

/**
 * Reads an opened private token from `plain` (PRIVATE_TOKEN_BYTES) without allocating: the
 * keys and user data are views into `plain`. Returns false if it is malformed.
 */
export function readPrivateToken(plain: Uint8Array, out: { clientId: number; timeoutMs: number }): boolean {
  const clientId = readU64(plain, 0);
  if (clientId > MAX_CLIENT_ID) return false;
  const timeoutMs = readU32(plain, 8);
  if (timeoutMs < 1000 || timeoutMs > 600_000) return false;
  const count = plain[PRIVATE_ADDRESSES_OFFSET]!;
  if (count < 1 || count > MAX_TOKEN_ADDRESSES) return false;
  out.clientId = clientId;
  out.timeoutMs = timeoutMs;
  return true;
}

/** True if the private token's address list names one of `accepted` (UTF-8 bytes each). */
export function privateTokenHasAddress(plain: Uint8Array, accepted: readonly Uint8Array[]): boolean {
  let p = PRIVATE_ADDRESSES_OFFSET;
  const count = plain[p++]!;
  for (let i = 0; i < count && p < PRIVATE_TOKEN_BYTES; i++) {
    const length = plain[p]!;
    for (const a of accepted) {
      if (a.length !== length) continue;
      let same = true;
      for (let j = 0; j < length && same; j++) same = plain[p + 1 + j] === a[j];
      if (same) return true;
    }
    p += 1 + length;
  }
  return false;
}
