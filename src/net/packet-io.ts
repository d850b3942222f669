// Sealing and opening DATA packets with no allocation: one endpoint owns one PacketIo with a
// transmit buffer (the PacketWriter's), a receive buffer, the associated-data and nonce
// buffers, and cached exact-length views of both packet buffers for libsodium.

import type { NetCrypto } from './crypto.js';
import { PacketWriter } from './packet-writer.js';
import { DATA_AD_BYTES, DATA_HEADER_BYTES, MAC_BYTES, MAX_PACKET_BYTES, NONCE_BYTES } from './spec.js';
import { ViewCache, writeU64, writeU64Big } from './wire.js';

/** Nonce = salt (4 bytes, as the peer chose them) || sequence (u64). */
function writeNonce(nonce: Uint8Array, salt: Uint8Array, seq: number): void {
  nonce[0] = salt[0]!;
  nonce[1] = salt[1]!;
  nonce[2] = salt[2]!;
  nonce[3] = salt[3]!;
  writeU64(nonce, 4, seq);
}

export class PacketIo {
  readonly crypto: NetCrypto;
  readonly writer = new PacketWriter();
  /** Received packets are copied here, opened in place and parsed from here. */
  readonly rx = new Uint8Array(MAX_PACKET_BYTES);
  private readonly txAd = new Uint8Array(DATA_AD_BYTES);
  private readonly rxAd = new Uint8Array(DATA_AD_BYTES);
  private readonly txNonce = new Uint8Array(NONCE_BYTES);
  private readonly rxNonce = new Uint8Array(NONCE_BYTES);
  private readonly txPayload: ViewCache;
  private readonly txPacket: ViewCache;
  private readonly rxPayload: ViewCache;
  readonly rxPacket: ViewCache;

  constructor(crypto: NetCrypto, protocolId: bigint) {
    this.crypto = crypto;
    writeU64Big(this.txAd, 0, protocolId);
    writeU64Big(this.rxAd, 0, protocolId);
    this.txPayload = new ViewCache(this.writer.buf, DATA_HEADER_BYTES);
    this.txPacket = new ViewCache(this.writer.buf, 0);
    this.rxPayload = new ViewCache(this.rx, DATA_HEADER_BYTES);
    this.rxPacket = new ViewCache(this.rx, 0);
  }

  /**
   * Seals the packet in the writer (header written, payload of `payloadBytes`) in place and
   * returns an exact view of the whole packet, valid until the next seal.
   */
  seal(payloadBytes: number, key: Uint8Array, salt: Uint8Array, seq: number): Uint8Array {
    const b = this.writer.buf;
    const ad = this.txAd;
    for (let i = 0; i < DATA_HEADER_BYTES; i++) ad[8 + i] = b[i]!;
    writeNonce(this.txNonce, salt, seq);
    this.crypto.seal(this.txPayload.get(payloadBytes + MAC_BYTES), this.txPayload.get(payloadBytes), ad, this.txNonce, key);
    return this.txPacket.get(DATA_HEADER_BYTES + payloadBytes + MAC_BYTES);
  }

  /** Opens the DATA packet of `length` bytes in `rx` in place; false if the tag fails. */
  open(length: number, key: Uint8Array, salt: Uint8Array, seq: number): boolean {
    const b = this.rx;
    const ad = this.rxAd;
    for (let i = 0; i < DATA_HEADER_BYTES; i++) ad[8 + i] = b[i]!;
    writeNonce(this.rxNonce, salt, seq);
    const payloadBytes = length - DATA_HEADER_BYTES - MAC_BYTES;
    return this.crypto.open(this.rxPayload.get(payloadBytes), this.rxPayload.get(payloadBytes + MAC_BYTES), ad, this.rxNonce, key);
  }

  /** Copies an incoming datagram into `rx`; false if it is longer than a packet can be. */
  load(bytes: Uint8Array): boolean {
    if (bytes.length > MAX_PACKET_BYTES) return false;
    this.rx.set(bytes);
    return true;
  }
}
