// Builds the payload of one DATA packet: blocks appended behind the 16-byte header in a buffer
// the endpoint owns and reuses for every packet it sends. Block layouts are in spec.ts. Each
// block that needs an ack (every message and fragment) is also recorded as an entry of the
// packet in the connection's SentPackets.

import {
  BLOCK_DISCONNECT,
  BLOCK_FRAGMENT,
  BLOCK_KIND_SHIFT,
  DATA_HEADER_BYTES,
  DISCONNECT_BLOCK_BYTES,
  FRAGMENT_BLOCK_HEADER_BYTES,
  MAC_BYTES,
  MAX_PACKET_BYTES,
  MESSAGE_BLOCK_HEADER_BYTES,
} from './spec.js';
import { MAX_ENTRIES_PER_PACKET, packEntry, type SentPackets } from './sent-packets.js';

/** Below this many bytes a JS loop copies faster than making a subarray for `set`. */
const LOOP_COPY_MAX = 128;

export function copyInto(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, length: number): void {
  if (length <= LOOP_COPY_MAX) {
    for (let i = 0; i < length; i++) dst[dstOff + i] = src[srcOff + i]!;
  } else if (srcOff === 0 && length === src.length) {
    dst.set(src, dstOff);
  } else {
    dst.set(src.subarray(srcOff, srcOff + length), dstOff);
  }
}

export class PacketWriter {
  /** The packet: header at 0, payload from DATA_HEADER_BYTES, room for the tag at the end. */
  readonly buf = new Uint8Array(MAX_PACKET_BYTES);
  pos = DATA_HEADER_BYTES;
  /** Payload may not pass this offset: the tag follows. */
  readonly limit = MAX_PACKET_BYTES - MAC_BYTES;
  seq = 0;
  entries = 0;
  private sent: SentPackets | undefined;

  begin(seq: number, sent: SentPackets): void {
    this.seq = seq;
    this.sent = sent;
    this.pos = DATA_HEADER_BYTES;
    this.entries = 0;
  }

  get room(): number {
    return this.limit - this.pos;
  }

  get payloadBytes(): number {
    return this.pos - DATA_HEADER_BYTES;
  }

  /** True if a tracked block of `blockBytes` fits this packet. */
  fits(blockBytes: number): boolean {
    return this.pos + blockBytes <= this.limit && this.entries < MAX_ENTRIES_PER_PACKET;
  }

  writeMessage(channel: number, id16: number, src: Uint8Array, srcOff: number, length: number): void {
    const b = this.buf;
    let p = this.pos;
    b[p] = channel;
    b[p + 1] = id16 & 0xff;
    b[p + 2] = (id16 >>> 8) & 0xff;
    b[p + 3] = length & 0xff;
    b[p + 4] = (length >>> 8) & 0xff;
    p += MESSAGE_BLOCK_HEADER_BYTES;
    copyInto(b, p, src, srcOff, length);
    this.pos = p + length;
    this.track(packEntry(channel, 0, id16));
  }

  writeFragment(channel: number, id16: number, count: number, index: number, src: Uint8Array, srcOff: number, length: number): void {
    const b = this.buf;
    let p = this.pos;
    b[p] = channel | (BLOCK_FRAGMENT << BLOCK_KIND_SHIFT);
    b[p + 1] = id16 & 0xff;
    b[p + 2] = (id16 >>> 8) & 0xff;
    b[p + 3] = count;
    b[p + 4] = index;
    b[p + 5] = length & 0xff;
    b[p + 6] = (length >>> 8) & 0xff;
    p += FRAGMENT_BLOCK_HEADER_BYTES;
    copyInto(b, p, src, srcOff, length);
    this.pos = p + length;
    this.track(packEntry(channel, index, id16));
  }

  writeDisconnect(reason: number): void {
    if (this.pos + DISCONNECT_BLOCK_BYTES > this.limit) return;
    this.buf[this.pos] = BLOCK_DISCONNECT << BLOCK_KIND_SHIFT;
    this.buf[this.pos + 1] = reason;
    this.pos += DISCONNECT_BLOCK_BYTES;
  }

  private track(entry: number): void {
    this.entries++;
    this.sent!.addEntry(this.seq, entry);
  }
}
