// A live connection under a storm of random and mutated packets: pure noise, well-framed
// packets of every type with random bodies, and real captured packets with bits flipped, bytes
// overwritten, truncated, extended, spliced and replayed, from the client's own address and
// from others. Nothing throws, every packet is either accepted or counted under exactly one
// drop reason (received = accepted + drops), the only packets accepted are exact replays of the
// client's handshake REQUESTs (answered statelessly), no message reaches either application,
// no state grows, and the real client still talks to the server afterwards. FUZZ_PACKETS sets the count (npm run soak:net uses 1,000,000).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { makePair, SERVER_PORT, type Pair } from './harness.js';
import { PACKET_CHALLENGE, PACKET_DATA, PACKET_DENIED, PACKET_REQUEST, PACKET_RESPONSE, PROTOCOL_VERSION, REQUEST_BYTES, RESPONSE_BYTES, CHALLENGE_BYTES, DENIED_BYTES } from '../../src/net/spec.js';
import type { MemoryTransport } from '../../src/net/transport-memory.js';
import { mulberry32 } from '../helpers/wasm.js';

const PACKETS = Number(process.env.FUZZ_PACKETS ?? 100_000);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

interface Captured {
  bytes: Uint8Array;
  toServer: boolean;
}

function livePair(): { p: Pair; captured: Captured[] } {
  // Limits off: the point is to reach every check, not to be rate limited before them.
  const p = makePair({
    seed: 13,
    server: { connectionPacketsPerSec: 1e9, connectionBytesPerSec: 1e12, handshakesPerIpPerSec: 1e9, maxHandshakesPerSec: 1e9 },
    channels: [{ kind: 'reliable-ordered' }, { kind: 'unreliable-sequenced' }, { kind: 'unreliable' }, { kind: 'reliable-unordered' }] });
  const captured: Captured[] = [];
  const original = p.net.transmit.bind(p.net);
  p.net.transmit = (from: MemoryTransport, bytes: Uint8Array, host: string, port: number) => {
    if (captured.length < 2000) captured.push({ bytes: bytes.slice(), toServer: port === SERVER_PORT });
    original(from, bytes, host, port);
  };
  p.connect();
  p.until(() => p.client.state === 'connected' && p.server.connections[0]?.accepted === true, 5000);
  // Real traffic of every kind, including fragments, to mutate.
  for (let t = 0; t < 120; t++) {
    p.client.send(t % 4, new Uint8Array(t % 10 === 0 ? 3000 : 40 + t));
    p.serverConn().send(t % 4, new Uint8Array(t % 7 === 0 ? 2500 : 30 + t));
    p.step();
  }
  p.run(500);
  return { p, captured };
}

/** Whether the last mutate() returned its source unchanged (an exact replay). */
let lastWasReplay = false;

function mutate(rand: () => number, src: Uint8Array): Uint8Array {
  const r = rand();
  lastWasReplay = r >= 0.8;
  let b = src.slice();
  if (r < 0.35) {
    const flips = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < flips; i++) b[Math.floor(rand() * b.length)]! ^= 1 << Math.floor(rand() * 8);
  } else if (r < 0.5) {
    b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
  } else if (r < 0.6) {
    b = b.subarray(0, Math.floor(rand() * b.length));
  } else if (r < 0.7) {
    const grown = new Uint8Array(b.length + 1 + Math.floor(rand() * 64));
    grown.set(b);
    for (let i = b.length; i < grown.length; i++) grown[i] = rand() * 256;
    b = grown;
  } else if (r < 0.8) {
    // Splice: a header from one packet, a body from noise.
    for (let i = 16; i < b.length; i++) if (rand() < 0.5) b[i] = rand() * 256;
  }
  // else: an exact replay. A mutation can also leave the packet as it was (a byte overwritten
  // with its own value, a splice that drew the same bytes): that is a replay too.
  if (!lastWasReplay && b.length === src.length && b.every((x, i) => x === src[i])) lastWasReplay = true;
  return b;
}

function framed(rand: () => number): Uint8Array {
  const types = [PACKET_REQUEST, PACKET_CHALLENGE, PACKET_RESPONSE, PACKET_DENIED, PACKET_DATA];
  const lengths = [REQUEST_BYTES, CHALLENGE_BYTES, RESPONSE_BYTES, DENIED_BYTES, 32 + Math.floor(rand() * 1100)];
  const k = Math.floor(rand() * types.length);
  const b = new Uint8Array(rand() < 0.8 ? lengths[k]! : Math.floor(rand() * 1300));
  for (let i = 0; i < b.length; i++) b[i] = rand() * 256;
  if (b.length > 1) {
    b[0] = types[k]! | (k === 4 ? Math.floor(rand() * 4) << 4 : 0);
    b[1] = PROTOCOL_VERSION;
  }
  return b;
}

function noise(rand: () => number): Uint8Array {
  const b = new Uint8Array(Math.floor(rand() * 1400));
  for (let i = 0; i < b.length; i++) b[i] = rand() * 256;
  return b;
}

describe(`${PACKETS.toLocaleString('en')} random and mutated packets at a live endpoint`, () => {
  it('neither crash nor grow it, every packet is counted once, and the connection survives', () => {
    const { p, captured } = livePair();
    const rand = mulberry32(2024);
    const conn = p.serverConn();
    const clientConn = p.client.connection;
    const toServerPackets = captured.filter((c) => c.toServer).map((c) => c.bytes);
    const toClientPackets = captured.filter((c) => !c.toServer).map((c) => c.bytes);
    const serverBefore = { received: p.server.packetsReceived, accepted: p.server.packetsAccepted, dropped: p.server.drops.totalPackets };
    const clientBefore = { received: p.client.packetsReceived, accepted: p.client.packetsAccepted, dropped: p.client.drops.totalPackets };
    const clientTransport = (p.client as unknown as { transport: MemoryTransport }).transport;
    const messagesBefore = { atServer: p.atServer.length, atClient: p.atClient.length };
    let requestReplays = 0;
    let acceptedRequestReplays = 0;
    const acceptedOther: string[] = [];
    const heapBefore = heapAfterGc();
    for (let i = 0; i < PACKETS; i++) {
      const r = rand();
      const fromClientAddress = rand() < 0.7;
      const host = fromClientAddress ? conn.host : `203.0.113.${i & 255}`;
      const port = fromClientAddress ? conn.port : 1000 + (i & 1023);
      const accepted = p.server.packetsAccepted + p.client.packetsAccepted;
      let replayedRequest = false;
      if (r < 0.1) p.server.receive(p.serverTransport, noise(rand), host, port, null);
      else if (r < 0.25) p.server.receive(p.serverTransport, framed(rand), host, port, null);
      else if (r < 0.85) {
        const packet = mutate(rand, toServerPackets[Math.floor(rand() * toServerPackets.length)]!);
        replayedRequest = lastWasReplay && (packet[0]! & 0x0f) === PACKET_REQUEST;
        if (replayedRequest) requestReplays++;
        p.server.receive(p.serverTransport, packet, host, port, null);
      } else p.client.receive(clientTransport, mutate(rand, toClientPackets[Math.floor(rand() * toClientPackets.length)]!), '', 0, null);
      if (p.server.packetsAccepted + p.client.packetsAccepted !== accepted) {
        if (replayedRequest) acceptedRequestReplays++;
        else if (acceptedOther.length < 10) acceptedOther.push(`packet ${i} (r ${r.toFixed(3)})`);
      }
      if ((i & 8191) === 0) p.step();
    }
    const s = { received: p.server.packetsReceived - serverBefore.received, accepted: p.server.packetsAccepted - serverBefore.accepted, dropped: p.server.drops.totalPackets - serverBefore.dropped };
    const c = { received: p.client.packetsReceived - clientBefore.received, accepted: p.client.packetsAccepted - clientBefore.accepted, dropped: p.client.drops.totalPackets - clientBefore.dropped };
    expect(s.received).toBe(s.accepted + s.dropped);
    expect(c.received).toBe(c.accepted + c.dropped);
    expect(s.received + c.received).toBeGreaterThanOrEqual(PACKETS);
    // Nothing forged got through: the only packets accepted are exact replays of the client's
    // handshake REQUESTs (a valid token: answered statelessly, with a CHALLENGE that commits the
    // server to nothing), and the keep-alives of the real pair stepping alongside. No mutated,
    // forged or replayed DATA packet was accepted, so no message reached either application.
    expect(acceptedOther).toEqual([]);
    expect(requestReplays).toBeGreaterThan(10);
    expect(acceptedRequestReplays).toBe(requestReplays);
    expect(c.accepted + s.accepted).toBeGreaterThanOrEqual(acceptedRequestReplays);
    expect(p.atServer.length).toBe(messagesBefore.atServer);
    expect(p.atClient.length).toBe(messagesBefore.atClient);
    expect(p.server.connections.length).toBe(1);
    expect(conn.state).toBe('connected');
    expect(conn.reassembler.bytes).toBeLessThanOrEqual(conn.reassembler.capBytes);
    // No growth: what the storm left behind is bounded by the structures' caps, not its length.
    expect(heapAfterGc() - heapBefore).toBeLessThan(8 * 1024 * 1024);
    // The storm reached every layer of checks.
    const reasons = p.server.drops.packetsByReason();
    for (const r of ['too_short', 'bad_prefix', 'wrong_direction', 'bad_length', 'bad_version', 'token_invalid', 'unknown_address', 'decrypt_failed', 'replayed'] as const) {
      expect(reasons[r], r).toBeGreaterThan(0);
    }
    // The real client still gets through, both ways: exactly the two messages sent now arrive.
    const before = clientConn.stats();
    p.client.send(0, new TextEncoder().encode('still here'));
    conn.send(0, new TextEncoder().encode('welcome back'));
    p.until(() => p.atServer.length > messagesBefore.atServer && p.atClient.length > messagesBefore.atClient, 5000);
    p.run(200);
    const text = (m: { channel: number; bytes: Uint8Array }) => `${m.channel}:${new TextDecoder().decode(m.bytes)}`;
    expect(p.atServer.slice(messagesBefore.atServer).map(text)).toEqual(['0:still here']);
    expect(p.atClient.slice(messagesBefore.atClient).map(text)).toEqual(['0:welcome back']);
    expect(clientConn.stats().packetsIn).toBeGreaterThan(before.packetsIn);
  });
});
