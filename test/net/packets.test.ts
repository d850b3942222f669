// Untrusted packets: every single-bit change of every byte of a DATA, REQUEST and RESPONSE
// packet is rejected with a counted reason, replays are rejected, and truncated, oversized and
// foreign-version packets are dropped under their own reasons. The oracle is the packet as
// captured from a live connection, which is still accepted after all its mutants were refused.

import { describe, expect, it } from 'vitest';
import { makePair, SERVER_HOST, SERVER_PORT, type Pair } from './harness.js';
import { PACKET_DATA, PACKET_REQUEST, PACKET_RESPONSE, PROTOCOL_VERSION, MAX_PACKET_BYTES } from '../../src/net/spec.js';
import type { MemoryTransport } from '../../src/net/transport-memory.js';

interface Captured {
  fromHost: string;
  fromPort: number;
  toPort: number;
  bytes: Uint8Array;
}

function capture(p: Pair): Captured[] {
  const out: Captured[] = [];
  const original = p.net.transmit.bind(p.net);
  p.net.transmit = (from: MemoryTransport, bytes: Uint8Array, host: string, port: number) => {
    out.push({ fromHost: from.host, fromPort: from.port, toPort: port, bytes: bytes.slice() });
    original(from, bytes, host, port);
  };
  return out;
}

function toServer(p: Pair, c: Captured, bytes: Uint8Array = c.bytes): void {
  p.server.receive(p.serverTransport, bytes, c.fromHost, c.fromPort, null);
}

function droppedTotal(p: Pair): number {
  return p.server.drops.totalPackets;
}

function connectedPair(): { p: Pair; packets: Captured[] } {
  const p = makePair({ seed: 4 });
  const packets = capture(p);
  p.connect();
  p.until(() => p.client.state === 'connected' && p.server.connections[0]?.accepted === true, 5000);
  return { p, packets };
}

describe('a flipped bit', () => {
  it('in every byte position of a DATA packet is rejected, and the original still opens after', () => {
    const { p, packets } = connectedPair();
    p.client.send(0, new Uint8Array(200).fill(9));
    p.client.flush();
    const data = packets.filter((c) => c.toPort === SERVER_PORT && (c.bytes[0]! & 0x0f) === PACKET_DATA).pop()!;
    expect(data.bytes.length).toBeGreaterThan(200);
    const accepted = p.server.packetsAccepted;
    let drops = droppedTotal(p);
    for (let i = 0; i < data.bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const mutant = data.bytes.slice();
        mutant[i]! ^= 1 << bit;
        toServer(p, data, mutant);
        expect(droppedTotal(p), `byte ${i} bit ${bit}`).toBe(++drops);
      }
    }
    expect(p.server.packetsAccepted).toBe(accepted);
    const reasons = p.server.drops.packetsByReason();
    expect(reasons.decrypt_failed).toBeGreaterThan(data.bytes.length * 7);
    expect(reasons.bad_version).toBe(8);
    toServer(p, data);
    expect(p.server.packetsAccepted).toBe(accepted + 1);
  });

  it('in every byte position of a REQUEST or RESPONSE is rejected without a reply', () => {
    const p = makePair({ seed: 6 });
    const packets = capture(p);
    p.connect();
    p.until(() => packets.some((c) => c.bytes[0] === PACKET_RESPONSE), 5000);
    const request = packets.find((c) => c.bytes[0] === PACKET_REQUEST)!;
    const response = packets.find((c) => c.bytes[0] === PACKET_RESPONSE)!;
    for (const original of [request, response]) {
      // From a fresh address each time, so no connection exists for it.
      let port = 30_000;
      const sentBefore = p.server.packetsSent;
      let drops = droppedTotal(p);
      for (let i = 0; i < original.bytes.length; i++) {
        for (let bit = 0; bit < 8; bit += original === request ? 3 : 1) {
          const mutant = original.bytes.slice();
          mutant[i]! ^= 1 << bit;
          p.server.receive(p.serverTransport, mutant, 'mallory', port++, null);
          expect(droppedTotal(p), `${original === request ? 'REQUEST' : 'RESPONSE'} byte ${i} bit ${bit}`).toBe(++drops);
        }
      }
      expect(p.server.packetsSent).toBe(sentBefore);
      expect(p.server.connections.length).toBeLessThanOrEqual(1);
    }
  });
});

describe('replays', () => {
  it('of DATA packets are rejected, in order, out of order and long after', () => {
    const { p, packets } = connectedPair();
    for (let i = 0; i < 50; i++) {
      p.client.send(2, new Uint8Array([i]));
      p.step();
    }
    p.run(500);
    const data = packets.filter((c) => c.toPort === SERVER_PORT && (c.bytes[0]! & 0x0f) === PACKET_DATA);
    expect(data.length).toBeGreaterThan(40);
    const before = p.server.drops.packetsByReason().replayed;
    const delivered = p.atServer.length;
    for (const c of [...data].reverse()) toServer(p, c);
    for (const c of data) toServer(p, c);
    p.run(2000);
    for (const c of data) toServer(p, c);
    expect(p.server.drops.packetsByReason().replayed - before).toBe(data.length * 3);
    expect(p.atServer.length).toBe(delivered);
  });

  it('of a RESPONSE from another address cannot move the session there', () => {
    const { p, packets } = connectedPair();
    const response = packets.filter((c) => c.bytes[0] === PACKET_RESPONSE).pop()!;
    const conn = p.serverConn();
    p.server.receive(p.serverTransport, response.bytes, 'mallory', 666, null);
    // Its cookie was bound to the client's address: refused before anything else is looked at.
    expect(p.server.drops.packetsByReason().wrong_address).toBe(1);
    expect(conn.host).toBe('client');
    expect(p.server.connections.length).toBe(1);
  });
});

describe('malformed packets', () => {
  it('are dropped by length, prefix, direction and version, each under its own reason', () => {
    const { p, packets } = connectedPair();
    p.client.send(0, new Uint8Array(100));
    p.client.flush();
    const data = packets.filter((c) => c.toPort === SERVER_PORT && (c.bytes[0]! & 0x0f) === PACKET_DATA).pop()!;
    expect(data.bytes.length).toBeGreaterThan(100);
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(0), 'too_short'],
      [data.bytes.subarray(0, 20), 'too_short'],
      [new Uint8Array(MAX_PACKET_BYTES + 1).fill(PACKET_DATA, 0, 1), 'oversized'],
      [Uint8Array.of(0x45, ...data.bytes.subarray(1)), 'bad_prefix'],
      [Uint8Array.of(0x0f, ...data.bytes.subarray(1)), 'bad_prefix'],
      [Uint8Array.of(2, ...new Uint8Array(207)), 'wrong_direction'],
      [Uint8Array.of(PACKET_REQUEST, PROTOCOL_VERSION, 0, 0), 'bad_length'],
      [Uint8Array.of(data.bytes[0]!, PROTOCOL_VERSION + 1, ...data.bytes.subarray(2)), 'bad_version'],
      [data.bytes.subarray(0, data.bytes.length - 1), 'decrypt_failed'],
    ];
    for (const [bytes, reason] of cases) {
      const before = p.server.drops.packetsByReason()[reason as 'too_short'];
      toServer(p, data, bytes);
      expect(p.server.drops.packetsByReason()[reason as 'too_short'], reason).toBe(before + 1);
    }
  });

  it('from an address with no connection are dropped as unknown', () => {
    const { p, packets } = connectedPair();
    const data = packets.filter((c) => c.toPort === SERVER_PORT && (c.bytes[0]! & 0x0f) === PACKET_DATA).pop()!;
    p.server.receive(p.serverTransport, data.bytes, 'somewhere-else', 1, null);
    expect(p.server.drops.packetsByReason().unknown_address).toBe(1);
  });

  it('of a foreign protocol id are refused before any decryption', () => {
    const p = makePair();
    const packets = capture(p);
    p.connect();
    const request = packets.find((c) => c.bytes[0] === PACKET_REQUEST)!;
    const foreign = request.bytes.slice();
    foreign[4]! ^= 0xff;
    p.server.receive(p.serverTransport, foreign, SERVER_HOST, 9, null);
    expect(p.server.drops.packetsByReason().bad_protocol_id).toBe(1);
  });
});
