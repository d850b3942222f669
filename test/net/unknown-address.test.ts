// Packets from addresses with no connection allocate nothing: junk, DATA-shaped packets,
// REQUESTs with forged tokens and RESPONSEs with forged cookies all end in the preallocated
// handshake buffers and a counter. Measured as the JS heap around 50 slices of 4,000 such
// packets each, leaving out any slice a garbage collection ran in (its timing is V8's, and it
// would hide what the slice allocated; see helpers/allocation.ts), plus the server's tables,
// which stay empty.

import { describe, expect, it } from 'vitest';
import { makePair } from './harness.js';
import { DEFAULT_PROTOCOL_ID, PACKET_DATA, PACKET_REQUEST, PACKET_RESPONSE, PROTOCOL_VERSION, REQUEST_BYTES, RESPONSE_BYTES } from '../../src/net/spec.js';
import { writeU64, writeU64Big } from '../../src/net/wire.js';
import { mulberry32 } from '../helpers/wasm.js';
import { allocationPerCall } from '../helpers/allocation.js';

const ROUNDS = 50;

function hostilePackets(count: number): { packets: Uint8Array[]; hosts: string[] } {
  const rand = mulberry32(77);
  const packets: Uint8Array[] = [];
  const hosts: string[] = [];
  for (let i = 0; i < count; i++) {
    let b: Uint8Array;
    switch (i % 4) {
      case 0:
        b = new Uint8Array(1 + Math.floor(rand() * 1300));
        for (let j = 0; j < b.length; j++) b[j] = rand() * 256;
        break;
      case 1:
        b = new Uint8Array(32 + Math.floor(rand() * 1000));
        for (let j = 2; j < b.length; j++) b[j] = rand() * 256;
        b[0] = PACKET_DATA;
        b[1] = PROTOCOL_VERSION;
        break;
      case 2:
        // Valid framing, unexpired, forged token: reaches the decryption of the token.
        b = new Uint8Array(REQUEST_BYTES);
        for (let j = 20; j < 560; j++) b[j] = rand() * 256;
        b[0] = PACKET_REQUEST;
        b[1] = PROTOCOL_VERSION;
        writeU64Big(b, 4, DEFAULT_PROTOCOL_ID);
        writeU64(b, 12, 4_000_000_000_000);
        break;
      default:
        // Valid framing, forged cookie: reaches the decryption of the cookie.
        b = new Uint8Array(RESPONSE_BYTES);
        for (let j = 4; j < b.length; j++) b[j] = rand() * 256;
        b[0] = PACKET_RESPONSE;
        b[1] = PROTOCOL_VERSION;
        b[2] = 1;
        b[3] = 0;
    }
    packets.push(b);
    hosts.push(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  }
  return { packets, hosts };
}

describe('packets from unknown addresses', () => {
  it('allocate nothing and leave no state, whatever they contain', async () => {
    const p = makePair({ server: { handshakesPerIpPerSec: 1e9, maxHandshakesPerSec: 1e9 } });
    const { packets, hosts } = hostilePackets(4000);
    const round = () => {
      for (let i = 0; i < packets.length; i++) p.server.receive(p.serverTransport, packets[i]!, hosts[i]!, 1000, null);
    };
    for (let r = 0; r < ROUNDS; r++) round(); // warm up: JIT, inline caches, lazily created views
    const heap = await allocationPerCall(round, ROUNDS, packets.length);
    const total = packets.length * ROUNDS;
    // Nearly every slice is measured: only a collection can spoil one, and nothing here allocates.
    expect(heap.cleanSlices).toBeGreaterThanOrEqual(ROUNDS / 2);
    // One boxed number per packet would be 16 B; what remains is JIT code and constant noise.
    expect(heap.bytesPerCall).toBeLessThan(0.5);
    // The same measure sees one small object per call (a control: this check can fail).
    const boxes: unknown[] = [undefined];
    const control = await allocationPerCall(() => {
      for (let i = 0; i < packets.length; i++) boxes[0] = { i };
    }, ROUNDS, packets.length);
    expect(control.cleanSlices).toBeGreaterThan(0);
    expect(control.bytesPerCall).toBeGreaterThanOrEqual(12);
    // Every packet was dropped, each under exactly one reason (warm-up round included).
    expect(p.server.packetsAccepted).toBe(0);
    expect(p.server.drops.totalPackets).toBe(2 * total);
    expect(p.server.packetsReceived).toBe(2 * total);
    const drops = p.server.drops.packetsByReason();
    expect(drops.unknown_address).toBe(2 * (total / 4));
    expect(drops.token_invalid).toBeGreaterThan(total / 2);
    expect(p.server.connections.length).toBe(0);
    expect(p.server.packetsSent).toBe(0);
    expect(total).toBe(200_000);
  });
});
