// Why a packet or a message was dropped. Every untrusted packet ends in exactly one place: it
// is accepted, or it is dropped with exactly one of these reasons, so
// received = accepted + sum(drops) always holds (the fuzz tests check it). Outbound packets the
// endpoint built but could not (or would not) send are counted the same way.

/** Packet drop reasons, in the order the checks run. */
export const PACKET_DROP_REASONS = [
  'too_short', // shorter than the smallest packet of its type
  'oversized', // longer than MAX_PACKET_BYTES
  'bad_prefix', // unknown type or reserved prefix bits set
  'wrong_direction', // a type this endpoint never receives (CHALLENGE at a server, ...)
  'bad_length', // not the exact length its type requires
  'bad_version', // another protocol version
  'bad_protocol_id', // another game's protocol id
  'rate_limited', // the address or connection sent faster than its limit
  'token_expired', // connect token or challenge past its expiry
  'token_invalid', // connect token or challenge token does not open
  'wrong_server', // connect token issued for other server addresses
  'wrong_address', // RESPONSE from another address than the one its CHALLENGE was sent to
  'handshake_invalid', // CHALLENGE / RESPONSE / DENIED body does not open
  'unknown_address', // DATA from an address with no connection
  'not_connected', // DATA at a client that has no session keys yet
  'decrypt_failed', // DATA that does not open: tampered, truncated, wrong key or protocol id
  'key_phase', // DATA sealed with a key phase that has no key
  'replayed', // DATA sequence already received or older than the replay window
  'malformed', // DATA payload whose blocks do not parse; handshake zero fields not zero
  'window', // reliable message outside the receive window (a misbehaving sender)
  'too_large', // a message over the channel's limit for this direction (client -> server at a server)
  'receive_buffer_full', // reliable blocks the connection has no receive-buffer room for (not acked: resent later)
  'duplicate_handshake', // a RESPONSE already answered, or a CHALLENGE / DENIED after the handshake
  'handshake_busy', // the server's handshake budget for this second is spent
  'transport', // not a binary frame, or a frame from a closed link
  'unanswerable', // from a source address no reply can reach (UDP source port 0)
  'internal_error', // handling it threw: a bug, contained, counted and reported (handlers.error)
] as const;

export type PacketDropReason = (typeof PACKET_DROP_REASONS)[number];

/** Message drop reasons: whole messages the channels chose not to send or deliver. */
export const MESSAGE_DROP_REASONS = [
  'over_budget', // unreliable message larger than the congestion budget left this flush
  'suspended', // unreliable message of a priority class congestion control suspended
  'not_connected', // unreliable message sent while the connection was not connected
  'stale', // unreliable-sequenced message (or fragment of one) older than one already delivered
  'reassembly_timeout', // fragments of a message did not all arrive within 5 s
  'reassembly_full', // the connection's reassembly memory cap was reached
  'duplicate', // a message or fragment that was already delivered
] as const;

export type MessageDropReason = (typeof MESSAGE_DROP_REASONS)[number];

/** Outbound packets that did not leave: the transport refused them or a limit held them back. */
export const SEND_DROP_REASONS = [
  'unanswerable', // the peer's address cannot be sent to (UDP port 0, outside 1..65535)
  'send_failed', // the transport's send threw (a closed socket, a bad address)
  'link_closed', // the WebSocket link is closing or closed
  'backpressure', // the WebSocket link's queue is full (a slow reader)
  'amplification', // the peer has not proved it receives at its address: 3x what it sent is spent
] as const;

export type SendDropReason = (typeof SEND_DROP_REASONS)[number];

function indexOf<T extends string>(list: readonly T[]): Record<T, number> {
  const out = {} as Record<T, number>;
  list.forEach((name, i) => (out[name] = i));
  return out;
}

/** Index of each reason in the counter arrays. */
export const PACKET_DROP = indexOf(PACKET_DROP_REASONS);
export const MESSAGE_DROP = indexOf(MESSAGE_DROP_REASONS);
export const SEND_DROP = indexOf(SEND_DROP_REASONS);

/** Counters of one endpoint: plain typed arrays, bumped in the hot path without allocation. */
export class DropCounters {
  readonly packets = new Float64Array(PACKET_DROP_REASONS.length);
  readonly messages = new Float64Array(MESSAGE_DROP_REASONS.length);
  readonly sends = new Float64Array(SEND_DROP_REASONS.length);

  get totalPackets(): number {
    let sum = 0;
    for (let i = 0; i < this.packets.length; i++) sum += this.packets[i]!;
    return sum;
  }

  /** Reason name -> count, for reports and metrics. */
  packetsByReason(): Record<PacketDropReason, number> {
    const out = {} as Record<PacketDropReason, number>;
    PACKET_DROP_REASONS.forEach((name, i) => (out[name] = this.packets[i]!));
    return out;
  }

  messagesByReason(): Record<MessageDropReason, number> {
    const out = {} as Record<MessageDropReason, number>;
    MESSAGE_DROP_REASONS.forEach((name, i) => (out[name] = this.messages[i]!));
    return out;
  }

  sendsByReason(): Record<SendDropReason, number> {
    const out = {} as Record<SendDropReason, number>;
    SEND_DROP_REASONS.forEach((name, i) => (out[name] = this.sends[i]!));
    return out;
  }
}
