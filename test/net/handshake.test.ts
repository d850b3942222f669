// Connect tokens and the handshake: tokens decode and expire, tokens for another server or
// secret are refused, a REQUEST leaves no state behind, no reply is ever larger than the packet
// it answers, a full server denies, challenges expire, and both ends derive the same keys.

import { describe, expect, it } from 'vitest';
import { makePair, nativeCrypto, SERVER_HOST, SERVER_PORT, UNIX_EPOCH_MS, type Pair } from './harness.js';
import { decodeConnectToken, TokenIssuer } from '../../src/net/connect-token.js';
import { DecodeError } from '../../src/core/errors.js';
import { CHALLENGE_BYTES, DENIED_BYTES, DisconnectReason, PACKET_CHALLENGE, PACKET_DATA, PACKET_REQUEST, PACKET_RESPONSE, REQUEST_BYTES, RESPONSE_BYTES, RESUME_TICKET_BYTES, SessionTier } from '../../src/net/spec.js';
import { KEY_ROTATION_MS, CHALLENGE_TIMEOUT_MS } from '../../src/net/handshake.js';
import type { MemoryTransport } from '../../src/net/transport-memory.js';
import { NetClient } from '../../src/net/client.js';

function sizes(p: Pair): { type: number; length: number; to: number }[] {
  const out: { type: number; length: number; to: number }[] = [];
  const original = p.net.transmit.bind(p.net);
  p.net.transmit = (from: MemoryTransport, bytes: Uint8Array, host: string, port: number) => {
    out.push({ type: bytes[0]! & 0x0f, length: bytes.length, to: port });
    original(from, bytes, host, port);
  };
  return out;
}

describe('connect tokens', () => {
  it('carry the client id, expiry, addresses and handshake keys the client needs', () => {
    const issuer = new TokenIssuer(nativeCrypto(), new Uint8Array(32).fill(1));
    const token = decodeConnectToken(issuer.issue({ clientId: 42, serverAddresses: ['udp://127.0.0.1:7777', 'ws://localhost:8080/ws'], nowUnixMs: 1000, expiresInS: 30 }));
    expect(token).toMatchObject({ clientId: 42, createdAtMs: 1000, expiresAtMs: 31_000, timeoutMs: 10_000, serverAddresses: ['udp://127.0.0.1:7777', 'ws://localhost:8080/ws'] });
    expect(token.clientToServerKey).not.toEqual(token.serverToClientKey);
  });

  it('refuse to decode anything that is not a token', () => {
    const issuer = new TokenIssuer(nativeCrypto(), new Uint8Array(32).fill(1));
    const good = issuer.issue({ clientId: 1, serverAddresses: ['a'] });
    expect(() => decodeConnectToken(good.subarray(0, 100))).toThrow(DecodeError);
    const bad = good.slice();
    bad[0] = 0;
    expect(() => decodeConnectToken(bad)).toThrow(/magic/);
    const badAddresses = good.slice();
    badAddresses[badAddresses.length - 2] = 200;
    expect(() => decodeConnectToken(badAddresses)).toThrow(/addresses/);
  });

  it('validate their options with the numbers in the message', () => {
    const issuer = new TokenIssuer(nativeCrypto(), new Uint8Array(32));
    expect(() => issuer.issue({ clientId: -1, serverAddresses: ['a'] })).toThrow(/clientId must be an integer in \[0, 2\^53\), got -1/);
    expect(() => issuer.issue({ clientId: 1, serverAddresses: [] })).toThrow(/1 to 8 server addresses, got 0/);
    expect(() => new TokenIssuer(nativeCrypto(), new Uint8Array(16))).toThrow(/32 bytes, got 16/);
  });

  it('come with resume tickets that only their issuer opens, and not after their lifetime', () => {
    const a = new TokenIssuer(nativeCrypto(), new Uint8Array(32).fill(1));
    const b = new TokenIssuer(nativeCrypto(), new Uint8Array(32).fill(2));
    const ticket = a.issueTicket(77, 5000);
    expect(ticket.length).toBe(RESUME_TICKET_BYTES);
    expect(a.openTicket(ticket, 6000)).toBe(77);
    expect(b.openTicket(ticket, 6000)).toBeUndefined();
    expect(a.openTicket(ticket, 5000 + 25 * 3600 * 1000)).toBeUndefined();
    const forged = ticket.slice();
    forged[20]! ^= 1;
    expect(a.openTicket(forged, 6000)).toBeUndefined();
  });

  it('that expired are dropped and the client gives up', () => {
    const reasons: number[] = [];
    const p = makePair({ clientHandlers: { disconnect: (r) => reasons.push(r) } });
    const token = p.server.issuer.issue({ clientId: 1, serverAddresses: ['x'], nowUnixMs: UNIX_EPOCH_MS - 60_000, expiresInS: 30 });
    p.client.connect(token, p.net.bind('client'), SERVER_HOST, SERVER_PORT);
    p.run(6000);
    expect(p.server.drops.packetsByReason().token_expired).toBeGreaterThan(0);
    expect(p.client.state).toBe('disconnected');
    expect(reasons).toEqual([DisconnectReason.HandshakeTimeout]);
  });

  it('issued with another secret are dropped as invalid', () => {
    const p = makePair();
    const other = new TokenIssuer(nativeCrypto(), new Uint8Array(32).fill(99));
    p.client.connect(other.issue({ clientId: 1, serverAddresses: ['x'], nowUnixMs: UNIX_EPOCH_MS }), p.net.bind('client'), SERVER_HOST, SERVER_PORT);
    p.run(500);
    expect(p.server.drops.packetsByReason().token_invalid).toBeGreaterThan(0);
    expect(p.server.connections.length).toBe(0);
  });

  it('for other server addresses are dropped when the server knows its own', () => {
    const p = makePair({ server: { publicAddresses: ['udp://game-7.example:7777'] } });
    p.client.connect(p.server.issuer.issue({ clientId: 1, serverAddresses: ['udp://game-8.example:7777'], nowUnixMs: UNIX_EPOCH_MS }), p.net.bind('client'), SERVER_HOST, SERVER_PORT);
    p.run(300);
    expect(p.server.drops.packetsByReason().wrong_server).toBeGreaterThan(0);
    const q = makePair({ server: { publicAddresses: ['udp://game-7.example:7777'] } });
    q.client.connect(q.server.issuer.issue({ clientId: 1, serverAddresses: ['udp://game-8.example:7777', 'udp://game-7.example:7777'], nowUnixMs: UNIX_EPOCH_MS }), q.net.bind('client'), SERVER_HOST, SERVER_PORT);
    q.until(() => q.client.state === 'connected', 2000);
  });
});

describe('the handshake', () => {
  it('gives both ends the same session keys, one per direction', () => {
    const p = makePair();
    p.connect();
    p.until(() => p.client.state === 'connected', 2000);
    const s = p.serverConn();
    const c = p.client.connection;
    expect(c.keys.tx).toEqual(s.keys.rx[0]);
    expect(s.keys.tx).toEqual(c.keys.rx[0]);
    expect(c.keys.tx).not.toEqual(s.keys.tx);
    expect(c.keys.txSalt).toEqual(s.keys.rxSalt);
    expect(s.clientId).toBe(1);
    expect(p.client.resumeTicket?.length).toBe(RESUME_TICKET_BYTES);
  });

  it('never answers a packet with a larger one before the client is authenticated', () => {
    const p = makePair({ server: { maxConnections: 1 } });
    const seen = sizes(p);
    p.connect(1);
    p.until(() => p.client.state === 'connected', 2000);
    p.client.disconnect();
    expect(seen.filter((s) => s.type === PACKET_REQUEST).every((s) => s.length === REQUEST_BYTES)).toBe(true);
    expect(seen.filter((s) => s.type === PACKET_RESPONSE).every((s) => s.length === RESPONSE_BYTES)).toBe(true);
    const challenge = seen.find((s) => s.type === PACKET_CHALLENGE)!;
    expect(challenge.length).toBe(CHALLENGE_BYTES);
    expect(CHALLENGE_BYTES).toBeLessThanOrEqual(REQUEST_BYTES);
    expect(DENIED_BYTES).toBeLessThanOrEqual(Math.min(REQUEST_BYTES, RESPONSE_BYTES));
    // The first DATA packet (ACCEPT) answers the RESPONSE.
    const accept = seen.find((s) => s.type === PACKET_DATA && s.to !== SERVER_PORT)!;
    expect(accept.length).toBeLessThanOrEqual(RESPONSE_BYTES);
  });

  it('keeps no state for requests, however many arrive', () => {
    const p = makePair();
    const token = p.token(5);
    // Build one valid REQUEST by letting a client send it, then replay it from many addresses.
    const captured: Uint8Array[] = [];
    const original = p.net.transmit.bind(p.net);
    p.net.transmit = (from: MemoryTransport, bytes: Uint8Array, host: string, port: number) => {
      if (bytes[0] === PACKET_REQUEST) captured.push(bytes.slice());
      original(from, bytes, host, port);
    };
    p.client.connect(token, p.net.bind('client'), SERVER_HOST, SERVER_PORT);
    for (let i = 0; i < 5000; i++) p.server.receive(p.serverTransport, captured[0]!, `10.0.${i >> 8}.${i & 255}`, 5000, null);
    expect(p.server.challengesSent).toBe(5000);
    expect(p.server.connections.length).toBe(0);
  });

  it('denies a client when the server is full and tells it why', () => {
    const reasons: number[] = [];
    const p = makePair({ server: { maxConnections: 1 } });
    p.connect(1);
    p.until(() => p.client.state === 'connected', 2000);
    const net = p.net;
    const second = new NetClient({
      crypto: nativeCrypto(2),
      now: () => net.nowMs,
      unixNow: () => UNIX_EPOCH_MS + net.nowMs,
      handlers: { disconnect: (r) => reasons.push(r) },
    });
    second.connect(p.token(2), net.bind('second'), SERVER_HOST, SERVER_PORT);
    for (let i = 0; i < 30 && second.state !== 'disconnected'; i++) {
      p.step();
      second.update();
    }
    expect(reasons).toEqual([DisconnectReason.ServerFull]);
    expect(p.server.handshakesDenied).toBe(1);
  });

  it('refuses a challenge answered after it expired', () => {
    const p = makePair();
    const held: { from: MemoryTransport; bytes: Uint8Array }[] = [];
    const original = p.net.transmit.bind(p.net);
    let holding = true;
    p.net.transmit = (from: MemoryTransport, bytes: Uint8Array, host: string, port: number) => {
      if (holding && bytes[0] === PACKET_RESPONSE) held.push({ from, bytes: bytes.slice() });
      else original(from, bytes, host, port);
    };
    p.connect();
    p.until(() => held.length > 0, 2000);
    p.net.nowMs += CHALLENGE_TIMEOUT_MS + 1;
    holding = false;
    p.server.receive(p.serverTransport, held[0]!.bytes, held[0]!.from.host, held[0]!.from.port, null);
    expect(p.server.drops.packetsByReason().token_expired).toBe(1);
  });

  it('still completes with a challenge from the previous key epoch, not an older one', () => {
    const p = makePair();
    const held: { from: MemoryTransport; bytes: Uint8Array }[] = [];
    const original = p.net.transmit.bind(p.net);
    p.net.transmit = (from: MemoryTransport, bytes: Uint8Array, host: string, port: number) => {
      if (bytes[0] === PACKET_RESPONSE) held.push({ from, bytes: bytes.slice() });
      else original(from, bytes, host, port);
    };
    p.connect();
    p.until(() => held.length > 0, 2000);
    const unix0 = p.net.nowMs;
    p.server.update(unix0 + KEY_ROTATION_MS);
    p.server.receive(p.serverTransport, held[0]!.bytes, held[0]!.from.host, held[0]!.from.port, null);
    expect(p.server.connections.length).toBe(1);
    p.server.update(unix0 + 2 * KEY_ROTATION_MS);
    p.server.update(unix0 + 3 * KEY_ROTATION_MS);
    p.server.receive(p.serverTransport, held[held.length - 1]!.bytes, 'other', 1, null);
    expect(p.server.drops.packetsByReason().token_expired + p.server.drops.packetsByReason().replayed).toBe(1);
  });

  it('reports a first connection as a new session', () => {
    const tiers: SessionTier[] = [];
    const p = makePair({ serverHandlers: { connect: (_c, tier) => tiers.push(tier) } });
    p.connect();
    p.until(() => p.client.state === 'connected', 2000);
    expect(tiers).toEqual([SessionTier.New]);
    expect(p.client.lastTier).toBe(SessionTier.New);
  });
});

