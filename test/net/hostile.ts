// Tools for playing the attacker in tests: capture what a real client sends, forge DATA packets
// with keys a token holder legitimately has (any header, any blocks), and count what the server
// sends to an address. Used by the security tests and the hostile soak.

import type { ChannelConfig } from '../../src/net/channel.js';
import type { Connection } from '../../src/net/connection.js';
import type { NetCrypto } from '../../src/net/crypto.js';
import { PacketIo } from '../../src/net/packet-io.js';
import {
  BLOCK_FRAGMENT,
  BLOCK_KIND_SHIFT,
  DATA_HEADER_BYTES,
  DEFAULT_PROTOCOL_ID,
  FRAGMENT_BLOCK_HEADER_BYTES,
  FRAGMENT_BYTES,
  MAX_UNFRAGMENTED_BYTES,
  MESSAGE_BLOCK_HEADER_BYTES,
  PACKET_DATA,
  PREFIX_ACK_PRESENT,
  PROTOCOL_VERSION,
} from '../../src/net/spec.js';
import type { MemoryNetwork, MemoryTransport } from '../../src/net/transport-memory.js';
import { writeU16, writeU32 } from '../../src/net/wire.js';

export interface Sent {
  from: string;
  to: string;
  toPort: number;
  type: number;
  bytes: Uint8Array;
}

/** Records every packet the network carries; `block(pred)` swallows the matching ones. */
export function tap(net: MemoryNetwork): { sent: Sent[]; block: (pred: (s: Sent) => boolean) => void } {
  const sent: Sent[] = [];
  let blocked: ((s: Sent) => boolean) | undefined;
  const original = net.transmit.bind(net);
  net.transmit = (from: MemoryTransport, bytes: Uint8Array, host: string, port: number) => {
    const s = { from: from.host, to: host, toPort: port, type: bytes[0]! & 0x0f, bytes: bytes.slice() };
    sent.push(s);
    if (blocked?.(s)) return;
    original(from, bytes, host, port);
  };
  return { sent, block: (pred) => (blocked = pred) };
}

export const bytesTo = (sent: Sent[], host: string) => sent.filter((s) => s.to === host).reduce((n, s) => n + s.bytes.length, 0);

/** A message block (channel, 16-bit id, bytes). */
export function messageBlock(channel: number, id16: number, bytes: Uint8Array): Uint8Array {
  const b = new Uint8Array(MESSAGE_BLOCK_HEADER_BYTES + bytes.length);
  b[0] = channel;
  writeU16(b, 1, id16);
  writeU16(b, 3, bytes.length);
  b.set(bytes, MESSAGE_BLOCK_HEADER_BYTES);
  return b;
}

/** A fragment block (channel, id, count, index, bytes). */
export function fragmentBlock(channel: number, id16: number, count: number, index: number, bytes: Uint8Array): Uint8Array {
  const b = new Uint8Array(FRAGMENT_BLOCK_HEADER_BYTES + bytes.length);
  b[0] = channel | (BLOCK_FRAGMENT << BLOCK_KIND_SHIFT);
  writeU16(b, 1, id16);
  b[3] = count;
  b[4] = index;
  writeU16(b, 5, bytes.length);
  b.set(bytes, FRAGMENT_BLOCK_HEADER_BYTES);
  return b;
}

/**
 * A peer that holds a session's client keys (a token holder does: it ran the handshake) and
 * sends whatever DATA packets it likes: any sequence, any ack, any blocks.
 */
export class ForgingPeer {
  private readonly io: PacketIo;
  private readonly key: Uint8Array;
  private readonly salt: Uint8Array;
  seq = 0;

  constructor(crypto: NetCrypto, clientConnection: Connection, protocolId = DEFAULT_PROTOCOL_ID) {
    this.io = new PacketIo(crypto, protocolId);
    this.key = clientConnection.keys.tx.slice();
    this.salt = clientConnection.keys.txSalt.slice();
    this.seq = clientConnection.nextPacketSequence;
  }

  /** One sealed DATA packet carrying `blocks`; `ack` acknowledges that sequence (and `ackBits`). */
  packet(blocks: Uint8Array[], ack?: { seq: number; bits?: number }): Uint8Array {
    const b = this.io.writer.buf;
    let p = DATA_HEADER_BYTES;
    for (const block of blocks) {
      b.set(block, p);
      p += block.length;
    }
    const seq = this.seq++;
    b[0] = PACKET_DATA | (ack ? PREFIX_ACK_PRESENT : 0);
    b[1] = PROTOCOL_VERSION;
    writeU16(b, 2, 0);
    writeU32(b, 4, seq >>> 0);
    writeU32(b, 8, ack ? ack.seq >>> 0 : 0);
    writeU32(b, 12, ack ? (ack.bits ?? 0) >>> 0 : 0);
    return this.io.seal(p - DATA_HEADER_BYTES, this.key, this.salt, seq).slice();
  }
}

/** Everything a hostile client can throw at the receive buffers of `channels`, at each size limit. */
export function floodPackets(forger: ForgingPeer, channels: readonly ChannelConfig[]): Uint8Array[] {
  const packets: Uint8Array[] = [];
  channels.forEach((c, ch) => {
    const max = Math.min(c.maxClientMessageBytes ?? c.maxMessageBytes ?? 256 * 1024, MAX_UNFRAGMENTED_BYTES);
    const body = new Uint8Array(max).fill(7);
    const reliable = c.kind.startsWith('reliable');
    // Out-of-order messages: every id of the window but the next one expected.
    for (let id = 1; id < 256; id++) packets.push(forger.packet([messageBlock(ch, id, body)]));
    const maxAll = c.maxClientMessageBytes ?? c.maxMessageBytes ?? 256 * 1024;
    if (maxAll > MAX_UNFRAGMENTED_BYTES) {
      const count = Math.ceil(maxAll / FRAGMENT_BYTES);
      const frag = new Uint8Array(FRAGMENT_BYTES).fill(9);
      // The first fragment of a message that is never completed: reliable (the next in order,
      // and one further ahead), unreliable (many ids).
      if (reliable) {
        packets.push(forger.packet([fragmentBlock(ch, 0, count, 0, frag)]));
      } else for (let id = 1000; id < 1040; id++) packets.push(forger.packet([fragmentBlock(ch, id, count, 0, frag)]));
    }
  });
  return packets;
}
