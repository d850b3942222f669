// Wire vocabulary of the Chronos network protocol: packet types, sizes, limits and the layout of
// every packet. Encoders and decoders share only this file and wire.ts. All integers are
// little-endian. In the spirit of netcode.io (handshake, tokens, check order) and
// reliable.io/yojimbo (acks, channels, fragments), with X25519 session keys on top.
//
// Every packet starts with a prefix byte:
//   bits 0-3  packet type (PACKET_*)
//   bit  4    key phase (DATA only): which of the two session key slots sealed it
//   bit  5    ack present (DATA only): the ack fields are meaningful
//   bits 6-7  zero
//
// REQUEST (1, client -> server), exactly REQUEST_BYTES, not encrypted as a whole:
// | off | size | field                                                       |
// |   0 | u8   | prefix = 1                                                  |
// |   1 | u8   | protocol version                                            |
// |   2 | u16  | zero                                                        |
// |   4 | u64  | protocol id                                                 |
// |  12 | u64  | token expiry, unix ms                                        |
// |  20 | 12   | token nonce                                                 |
// |  32 | 528  | private connect token, sealed with the server's token key   |
// | 560 | …    | zero padding to REQUEST_BYTES (so no reply is ever larger)  |
//
// CHALLENGE (2, server -> client), CHALLENGE_BYTES, sealed with the token's server-to-client key:
// | off | size | field                                                       |
// |   0 | u8   | prefix = 2                                                  |
// |   1 | u8   | protocol version                                            |
// |   2 | u8   | server key epoch (which X25519 pair and cookie key)         |
// |   3 | u8   | zero                                                        |
// |   4 | u64  | handshake sequence (nonce = type, 0, 0, 0, sequence)        |
// |  12 | 180  | sealed: server X25519 public key 32, server salt u32,       |
// |     |      |   challenge token 144 (opaque to the client)                |
// | 192 | 16   | Poly1305 tag                                                |
//
// RESPONSE (3, client -> server), RESPONSE_BYTES:
// | off | size | field                                                       |
// |   0 | u8   | prefix = 3                                                  |
// |   1 | u8   | protocol version                                            |
// |   2 | u8   | server key epoch copied from the CHALLENGE                  |
// |   3 | u8   | zero                                                        |
// |   4 | u64  | handshake sequence copied from the CHALLENGE                |
// |  12 | 144  | challenge token copied from the CHALLENGE                   |
// | 156 | 36   | sealed with the token's client-to-server key, AD = bytes    |
// |     |      |   0..155: client X25519 public key 32, client salt u32      |
// | 192 | 16   | Poly1305 tag                                                |
//
// DENIED (4, server -> client), DENIED_BYTES, sealed with the token's server-to-client key:
// | 0 prefix = 4 | 1 version | 2 u16 zero | 4 u64 handshake sequence | 12 sealed reason u8 | 13 tag |
//
// DATA (5, both ways once connected), 16-byte header + sealed payload + 16-byte tag:
// | off | size | field                                                       |
// |   0 | u8   | prefix = 5 | key phase << 4 | ack present << 5             |
// |   1 | u8   | protocol version                                            |
// |   2 | u16  | ack delay: time the newest acked packet waited, 16 µs units |
// |   4 | u32  | packet sequence: low 32 bits of the sender's 64-bit counter |
// |   8 | u32  | ack: low 32 bits of the newest sequence received            |
// |  12 | u32  | ack bits: bit i set = sequence (ack - 1 - i) was received   |
// |  16 | …    | payload: blocks (below), ChaCha20-Poly1305 IETF ciphertext  |
// | end | 16   | Poly1305 tag                                                |
// AD = protocol id (u64) || header bytes 0..15, so a packet of another protocol id or version
// fails to open. Nonce = sender salt (u32) || 64-bit sequence (u64): unique per key because the
// sequence never repeats on a connection and each direction has its own key.
//
// DATA payload: zero or more blocks, back to back; a keep-alive has none.
// | block byte: channel in bits 0-2, kind in bits 3-4, bits 5-7 zero                    |
// | kind 0 message:    u16 message id | u16 length | bytes                               |
// | kind 1 fragment:   u16 message id | u8 fragment count | u8 index | u16 length | bytes |
// | kind 2 disconnect: (channel 0) u8 reason                                             |
// Every fragment but the last carries exactly FRAGMENT_BYTES; the fragment header is the seed's
// (message id 16 bits, count 8, index 8).

/** Bumped whenever any layout in this file changes. */
export const PROTOCOL_VERSION = 1;
/** "CHRONOS1" read as a little-endian u64: the default protocol id. Games pick their own. */
export const DEFAULT_PROTOCOL_ID = 0x31534f4e4f524843n;

/** Largest datagram we send or accept: fits every path MTU in practice (QUIC uses the same). */
export const MAX_PACKET_BYTES = 1200;
/** IPv4 (20) + UDP (8) header bytes the network adds, for simulator MTU checks. */
export const UDP_IPV4_OVERHEAD_BYTES = 28;

export const PACKET_REQUEST = 1;
export const PACKET_CHALLENGE = 2;
export const PACKET_RESPONSE = 3;
export const PACKET_DENIED = 4;
export const PACKET_DATA = 5;
export const PACKET_TYPE_MASK = 0x0f;
export const PREFIX_KEY_PHASE = 0x10;
export const PREFIX_ACK_PRESENT = 0x20;
/** Prefix bits that must be zero on every packet. */
export const PREFIX_RESERVED_MASK = 0xc0;

export const KEY_BYTES = 32;
export const MAC_BYTES = 16;
export const NONCE_BYTES = 12;
export const KX_PUBLIC_KEY_BYTES = 32;
export const KX_SECRET_KEY_BYTES = 32;

export const DATA_HEADER_BYTES = 16;
/** Header plus tag: the per-packet cost of the protocol (target: at most 32). */
export const DATA_OVERHEAD_BYTES = DATA_HEADER_BYTES + MAC_BYTES;
export const MAX_DATA_PAYLOAD_BYTES = MAX_PACKET_BYTES - DATA_OVERHEAD_BYTES;
/** Protocol id (8) + DATA header (16). */
export const DATA_AD_BYTES = 8 + DATA_HEADER_BYTES;
/** 16 µs per unit: a u16 then spans 1.05 s, far beyond any sane ack delay. */
export const ACK_DELAY_UNIT_US = 16;
export const MAX_ACK_DELAY_UNITS = 0xffff;
/** Bits in the ack field: each packet acknowledges the newest sequence and 32 before it. */
export const ACK_BITS = 32;

export const BLOCK_CHANNEL_MASK = 0x07;
export const BLOCK_KIND_SHIFT = 3;
export const BLOCK_KIND_MASK = 0x18;
export const BLOCK_RESERVED_MASK = 0xe0;
export const BLOCK_MESSAGE = 0;
export const BLOCK_FRAGMENT = 1;
export const BLOCK_DISCONNECT = 2;
export const MESSAGE_BLOCK_HEADER_BYTES = 5;
export const FRAGMENT_BLOCK_HEADER_BYTES = 7;
export const DISCONNECT_BLOCK_BYTES = 2;
/** Largest message sent whole: it and its block header fill one packet's payload. */
export const MAX_UNFRAGMENTED_BYTES = MAX_DATA_PAYLOAD_BYTES - MESSAGE_BLOCK_HEADER_BYTES;
/** Fragment payload: one fragment block fills one packet's payload exactly. */
export const FRAGMENT_BYTES = MAX_DATA_PAYLOAD_BYTES - FRAGMENT_BLOCK_HEADER_BYTES;
/** The fragment count is a u8. */
export const MAX_FRAGMENTS = 255;
/** Largest message: 256 KiB (226 fragments of FRAGMENT_BYTES). */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** Channels 0..6 belong to the application; 7 carries the protocol's own control messages. */
export const MAX_APP_CHANNELS = 7;
export const CONTROL_CHANNEL = 7;

export const TOKEN_NONCE_BYTES = 12;
/** Plaintext of the private connect token: fixed, so REQUEST has one exact length. */
export const PRIVATE_TOKEN_BYTES = 512;
export const SEALED_PRIVATE_TOKEN_BYTES = PRIVATE_TOKEN_BYTES + MAC_BYTES;
export const USER_DATA_BYTES = 32;
/** At most this many server addresses in a token, each at most MAX_ADDRESS_BYTES of UTF-8. */
export const MAX_TOKEN_ADDRESSES = 8;
export const MAX_ADDRESS_BYTES = 48;
/** 1024 B: more than every reply (CHALLENGE 208, DENIED 29), so nothing amplifies. */
export const REQUEST_BYTES = 1024;
export const REQUEST_TOKEN_OFFSET = 32;

export const CHALLENGE_TOKEN_PLAIN_BYTES = 128;
export const CHALLENGE_TOKEN_BYTES = CHALLENGE_TOKEN_PLAIN_BYTES + MAC_BYTES;
export const HANDSHAKE_HEADER_BYTES = 12;
export const CHALLENGE_PLAIN_BYTES = KX_PUBLIC_KEY_BYTES + 4 + CHALLENGE_TOKEN_BYTES;
export const CHALLENGE_BYTES = HANDSHAKE_HEADER_BYTES + CHALLENGE_PLAIN_BYTES + MAC_BYTES;
export const RESPONSE_SEALED_OFFSET = HANDSHAKE_HEADER_BYTES + CHALLENGE_TOKEN_BYTES;
export const RESPONSE_PLAIN_BYTES = KX_PUBLIC_KEY_BYTES + 4;
export const RESPONSE_BYTES = RESPONSE_SEALED_OFFSET + RESPONSE_PLAIN_BYTES + MAC_BYTES;
export const DENIED_BYTES = HANDSHAKE_HEADER_BYTES + 1 + MAC_BYTES;

/** Control messages on CONTROL_CHANNEL: the first byte says which. */
export const CONTROL_ACCEPT = 1;
export const CONTROL_REKEY = 2;
export const CONTROL_REKEY_ACK = 3;
/** TICKET (server -> client): type u8, ticket length u8, ticket: a fresh resume ticket. */
export const CONTROL_TICKET = 4;
export const TICKET_FIXED_BYTES = 2;
/** ACCEPT: type u8, tier u8, u16 zero, client id u64, timeout ms u32, ticket length u8, ticket. */
export const ACCEPT_FIXED_BYTES = 17;
/** REKEY / REKEY_ACK: type u8, new key phase u8, X25519 public key 32. */
export const REKEY_BYTES = 2 + KX_PUBLIC_KEY_BYTES;
/** Resume ticket: nonce 12 + sealed (client id u64, issued unix ms u64) + tag. */
export const RESUME_TICKET_BYTES = TOKEN_NONCE_BYTES + 16 + MAC_BYTES;

/** Why a connection ended. Sent in DISCONNECT blocks and DENIED packets as a u8. */
export enum DisconnectReason {
  None = 0,
  ClientClosed = 1,
  ServerClosed = 2,
  Timeout = 3,
  Kicked = 4,
  ProtocolError = 5,
  SendQueueFull = 6,
  Replaced = 7,
  ServerFull = 8,
  HandshakeTimeout = 9,
  TransportClosed = 10,
  SessionExpired = 11,
  /** Too many sessions from the client's IP address (NetServerOptions.maxSessionsPerIp). */
  AddressLimit = 12,
  /** A player that sent no input for the server's idle limit (ChronosConfig.idleSeconds). */
  Idle = 13,
}
export const DISCONNECT_REASON_COUNT = 14;

export function disconnectReasonName(reason: number): string {
  return DisconnectReason[reason] ?? `Unknown(${reason})`;
}

/**
 * How a (re)connecting client's session was restored, from the seed's reconnect tiers:
 * under 5 s nothing is lost (channels keep their state), 5 to 30 s keeps the identity but resets
 * the channels (the game sends a fresh state), beyond 30 s it is a new session.
 */
export enum SessionTier {
  New = 0,
  Resume = 1,
  Resync = 2,
}
export const RESUME_WITHIN_MS = 5_000;
export const RESYNC_WITHIN_MS = 30_000;
